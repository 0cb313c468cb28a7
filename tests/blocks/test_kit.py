"""The Block Kit primitives keep Slack's caps and escape user text, whatever a builder passes them."""

from __future__ import annotations

from refbot.blocks import kit
from refbot.blocks.search import search_modal

HOSTILE = "<!channel> <@U123> <https://evil.example|click> & co"


def test_escape_defuses_mentions_and_links() -> None:
    out = kit.escape(HOSTILE)
    assert "<" not in out and ">" not in out
    assert out == "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt; &amp; co"
    assert kit.escape(None) == ""


def test_text_objects_are_capped_and_never_empty() -> None:
    assert kit.plain_text("")["text"] == " "
    assert kit.mrkdwn("")["text"] == " "
    assert len(kit.header("x" * 500)["text"]["text"]) == 150
    assert len(kit.section("x" * 5000)["text"]["text"]) == 3000
    fields = kit.section(fields=["y" * 3000] * 12)["fields"]
    assert len(fields) == 10 and all(len(f["text"]) == 2000 for f in fields)
    b = kit.button("b" * 100, "act", "v" * 3000, style="danger")
    assert len(b["text"]["text"]) == 75 and len(b["value"]) == 2000 and b["style"] == "danger"
    o = kit.option("o" * 100, "v" * 200)
    assert len(o["text"]["text"]) == 75 and len(o["value"]) == 150
    view = kit.modal("t" * 40, [kit.divider(), None], submit="s" * 40, close="c" * 40, metadata="m" * 4000)
    assert all(len(view[k]["text"]) == 24 for k in ("title", "submit", "close"))
    assert len(view["private_metadata"]) == 3000 and view["blocks"] == [{"type": "divider"}]


def test_selects_preselect_only_known_values_and_cap_options() -> None:
    pairs = [(f"Option {i}", str(i)) for i in range(150)]
    select = kit.static_select(pairs, "7", placeholder="Pick")
    assert len(select["options"]) == 100 and select["initial_option"]["value"] == "7"
    assert "initial_option" not in kit.static_select(pairs, "nope")
    multi = kit.multi_static_select(pairs, ["1", "nope", "3"])
    assert [o["value"] for o in multi["initial_options"]] == ["1", "3"]
    block = kit.input_block("b", "Label", kit.text_input("x" * 300, max_length=200), optional=True, hint="h")
    assert block["element"]["action_id"] == kit.VALUE and len(block["element"]["initial_value"]) == 200


def test_button_confirm_dialog_and_url() -> None:
    dialog = kit.confirm_dialog("Sure?", "This cannot be undone.", confirm="Yes", deny="No", style="danger")
    b = kit.button("Open", "open", url="https://example.com", confirm=dialog)
    assert b["url"] == "https://example.com" and b["confirm"]["confirm"]["text"] == "Yes"
    assert "value" not in b


def test_search_modal_caps_a_long_prefill() -> None:
    view = search_modal(criteria=None, industries=["I" * 300], products=[], use_cases=[], countries=[], topics=[])
    industry = next(b for b in view["blocks"] if b["block_id"] == "industry")
    assert len(industry["element"]["options"][0]["text"]["text"]) == 75
    assert all(b["block_id"] not in ("products", "topics") for b in view["blocks"])  # no options, no input
