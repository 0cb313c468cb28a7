"""The private hint a channel asker gets instead of a public reply."""

from __future__ import annotations

from refbot.blocks.channel_asks import HINT_QUERY_CHARS, ask_hint


def test_hint_prefills_the_search_and_says_only_the_reader_sees_it() -> None:
    text, blocks = ask_hint(query="bank in DACH; CIO", why="unsure")
    assert "`/reference search bank in DACH; CIO`" in blocks[0]["text"]["text"]
    assert "Looking for a customer reference?" in text and "/reference search bank in DACH; CIO" in text
    assert "Only you can see this" in blocks[1]["elements"][0]["text"]


def test_cooldown_hint_says_why_refbot_stays_quiet() -> None:
    text, _ = ask_hint(query="hospital in Lyon", why="cooldown")
    assert "answered another reference ask in this channel a few minutes ago" in text


def test_user_text_is_escaped_bounded_and_cannot_break_the_code_span() -> None:
    text, blocks = ask_hint(query="<!channel> `rm` & <@U1> " + "x" * 500, why="unsure")
    shown = blocks[0]["text"]["text"]
    for rendered in (text, shown):
        assert "<!channel>" not in rendered and "<@U1>" not in rendered and "&amp;" in rendered
    assert shown.count("`") == 2
    assert len(shown) < HINT_QUERY_CHARS + 200


def test_without_a_query_the_hint_says_what_to_type() -> None:
    text, _ = ask_hint(query="", why="unsure")
    assert "/reference search followed by what you need" in text
