"""Block Kit primitives: the one place every RefBot builder makes text objects, blocks, elements and views.

Pure functions returning plain dicts (what Slack's API takes and what the tests read). Every text
object is cut to Slack's cap for its slot (see SLACK_NOTES.md) so a long customer name can never make
Slack refuse a whole message. User-typed text goes through `escape` before it reaches mrkdwn or a
message's top-level `text`; plain_text objects are never parsed for mentions, so they are not escaped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, Literal

Block = dict[str, Any]
Element = dict[str, Any]
Text = dict[str, Any]
Option = dict[str, Any]
Style = Literal["primary", "danger"]

# Slack's caps (SLACK_NOTES.md, "Block Kit limits").
HEADER_MAX = 150
SECTION_TEXT_MAX = 3000
FIELD_MAX = 2000
FIELDS_MAX = 10
CONTEXT_TEXT_MAX = 2000
CONTEXT_ELEMENTS_MAX = 10
ACTIONS_ELEMENTS_MAX = 25
BUTTON_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
OPTION_TEXT_MAX = 75
OPTION_VALUE_MAX = 150
OPTIONS_MAX = 100
PLACEHOLDER_MAX = 150
LABEL_MAX = 2000
HINT_MAX = 2000
MODAL_TEXT_MAX = 24
METADATA_MAX = 3000
CONFIRM_TITLE_MAX = 100
CONFIRM_BUTTON_MAX = 30
URL_MAX = 3000
VALUE = "value"  # the action_id of every input element RefBot reads back


# ------------------------------------------------------------------ text


def escape(text: str | None) -> str:
    """Escape user text for mrkdwn and top-level `text` (&, <, >): no @channel, mention or link survives."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str | None) -> str:
    """`escape` undone, for a mrkdwn message (a refusal) shown where Slack does not parse mrkdwn: an inline
    form error is plain text, so "&amp;" would show as typed."""
    if not text:
        return ""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def truncate(text: str | None, limit: int) -> str:
    """`text` cut to `limit` characters, ending in an ellipsis when cut."""
    if not text:
        return ""
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def plain_text(text: str, limit: int = BUTTON_TEXT_MAX) -> Text:
    """A plain_text object (never empty: Slack refuses empty text)."""
    return {"type": "plain_text", "text": truncate(text, limit) or " "}


def mrkdwn(text: str, limit: int = SECTION_TEXT_MAX) -> Text:
    """A mrkdwn object; `text` must already be escaped where it holds user text."""
    return {"type": "mrkdwn", "text": truncate(text, limit) or " "}


# ------------------------------------------------------------------ blocks


def section(
    text: str | None = None,
    *,
    fields: Sequence[str] = (),
    accessory: Element | None = None,
    block_id: str | None = None,
) -> Block:
    block: Block = {"type": "section"}
    if block_id:
        block["block_id"] = block_id
    if text is not None:
        block["text"] = mrkdwn(text)
    if fields:
        block["fields"] = [mrkdwn(f, FIELD_MAX) for f in fields[:FIELDS_MAX]]
    if accessory is not None:
        block["accessory"] = accessory
    return block


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t, CONTEXT_TEXT_MAX) for t in texts[:CONTEXT_ELEMENTS_MAX]]}


def divider() -> Block:
    return {"type": "divider"}


def header(text: str) -> Block:
    return {"type": "header", "text": plain_text(text, HEADER_MAX)}


def actions(*elements: Element, block_id: str | None = None) -> Block:
    block: Block = {"type": "actions"}
    if block_id:
        block["block_id"] = block_id
    block["elements"] = list(elements[:ACTIONS_ELEMENTS_MAX])
    return block


def input_block(
    block_id: str,
    label: str,
    element: Element,
    *,
    optional: bool,
    hint: str | None = None,
    dispatch: bool = False,
) -> Block:
    """An input block; the element's action_id defaults to `VALUE`."""
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "optional": optional,
        "label": plain_text(label, LABEL_MAX),
        "element": {"action_id": VALUE, **element},
    }
    if hint:
        block["hint"] = plain_text(hint, HINT_MAX)
    if dispatch:
        block["dispatch_action"] = True
    return block


# ------------------------------------------------------------------ interactive elements


def confirm_dialog(title: str, text: str, *, confirm: str, deny: str, style: Style | None = None) -> Text:
    dialog: Text = {
        "title": plain_text(title, CONFIRM_TITLE_MAX),
        "text": plain_text(text, 300),
        "confirm": plain_text(confirm, CONFIRM_BUTTON_MAX),
        "deny": plain_text(deny, CONFIRM_BUTTON_MAX),
    }
    if style:
        dialog["style"] = style
    return dialog


def button(
    text: str,
    action_id: str,
    value: str = "",
    *,
    style: Style | str | None = None,
    url: str | None = None,
    confirm: Text | None = None,
) -> Element:
    element: Element = {"type": "button", "text": plain_text(text), "action_id": action_id}
    if value:
        element["value"] = value[:BUTTON_VALUE_MAX]
    if url:
        element["url"] = url[:URL_MAX]
    if style:
        element["style"] = style
    if confirm is not None:
        element["confirm"] = confirm
    return element


def option(text: str, value: str, *, description: str | None = None) -> Option:
    opt: Option = {"text": plain_text(text, OPTION_TEXT_MAX), "value": value[:OPTION_VALUE_MAX]}
    if description:
        opt["description"] = plain_text(description, OPTION_TEXT_MAX)
    return opt


def options(pairs: Iterable[tuple[str, str]]) -> list[Option]:
    """(text, value) pairs as options, at most Slack's 100."""
    return [option(t, v) for t, v in list(pairs)[:OPTIONS_MAX]]


def option_group(label: str, opts: Sequence[Option]) -> Text:
    return {"label": plain_text(label, OPTION_TEXT_MAX), "options": list(opts[:OPTIONS_MAX])}


def _pick(opts: Sequence[Option], value: str | None) -> Option | None:
    return next((o for o in opts if o["value"] == value), None) if value is not None else None


def _placeholder(element: Element, placeholder: str) -> Element:
    if placeholder:
        element["placeholder"] = plain_text(placeholder, PLACEHOLDER_MAX)
    return element


def static_select(
    pairs: Iterable[tuple[str, str]], initial: str | None = None, *, placeholder: str = ""
) -> Element:
    """A static select over (text, value) pairs; `initial` preselects the option with that value."""
    opts = options(pairs)
    element = _placeholder({"type": "static_select"}, placeholder)
    element["options"] = opts
    chosen = _pick(opts, initial)
    if chosen:
        element["initial_option"] = chosen
    return element


def multi_static_select(
    pairs: Iterable[tuple[str, str]], initial: Iterable[str] = (), *, placeholder: str = ""
) -> Element:
    opts = options(pairs)
    element = _placeholder({"type": "multi_static_select"}, placeholder)
    element["options"] = opts
    wanted = set(initial)
    chosen = [o for o in opts if o["value"] in wanted]
    if chosen:
        element["initial_options"] = chosen
    return element


def grouped_select(groups: Iterable[tuple[str, Iterable[tuple[str, str]]]], *, placeholder: str = "") -> Element:
    """A static select whose options come in labelled groups: [(label, [(text, value)])]; empty groups dropped."""
    element = _placeholder({"type": "static_select"}, placeholder)
    element["option_groups"] = [option_group(label, options(pairs)) for label, pairs in groups]
    element["option_groups"] = [g for g in element["option_groups"] if g["options"]]
    return element


def external_select(
    *, placeholder: str = "", min_query_length: int | None = None, initial: Option | None = None
) -> Element:
    element = _placeholder({"type": "external_select"}, placeholder)
    if min_query_length is not None:
        element["min_query_length"] = min_query_length
    if initial is not None:
        element["initial_option"] = initial
    return element


def checkboxes(opts: Sequence[Option], *, initial: Sequence[Option] = ()) -> Element:
    element: Element = {"type": "checkboxes", "options": list(opts[:10])}
    if initial:
        element["initial_options"] = list(initial)
    return element


def radio_buttons(opts: Sequence[Option], *, initial: Option | None = None) -> Element:
    element: Element = {"type": "radio_buttons", "options": list(opts[:10])}
    if initial is not None:
        element["initial_option"] = initial
    return element


def _picker(kind: str, initial_key: str, initial: str | None, placeholder: str) -> Element:
    element = _placeholder({"type": kind}, placeholder)
    if initial:
        element[initial_key] = initial
    return element


def datepicker(initial: str | None = None, *, placeholder: str = "") -> Element:
    """`initial`: YYYY-MM-DD."""
    return _picker("datepicker", "initial_date", initial, placeholder)


def timepicker(initial: str | None = None, *, placeholder: str = "") -> Element:
    """`initial`: HH:mm."""
    return _picker("timepicker", "initial_time", initial, placeholder)


def text_input(
    initial: str | None = None,
    *,
    placeholder: str = "",
    max_length: int = 200,
    multiline: bool = False,
    min_length: int | None = None,
) -> Element:
    element: Element = {"type": "plain_text_input", "max_length": max_length}
    if min_length is not None:
        element["min_length"] = min_length
    if multiline:
        element["multiline"] = True
    _placeholder(element, placeholder)
    if initial:
        element["initial_value"] = initial[:max_length]
    return element


def number_input(
    initial: str | None = None,
    *,
    decimal: bool = False,
    min_value: str | None = None,
    max_value: str | None = None,
    placeholder: str = "",
) -> Element:
    element = _placeholder({"type": "number_input", "is_decimal_allowed": decimal}, placeholder)
    if min_value is not None:
        element["min_value"] = min_value
    if max_value is not None:
        element["max_value"] = max_value
    if initial:
        element["initial_value"] = initial
    return element


def email_input(*, placeholder: str = "") -> Element:
    return _placeholder({"type": "email_text_input"}, placeholder)


def url_input(*, placeholder: str = "") -> Element:
    return _placeholder({"type": "url_text_input"}, placeholder)


def users_select(initial: str | None = None, *, placeholder: str = "") -> Element:
    return _picker("users_select", "initial_user", initial, placeholder)


def conversations_select(initial: str | None = None, *, placeholder: str = "") -> Element:
    return _picker("conversations_select", "initial_conversation", initial, placeholder)


def overflow(action_id: str, opts: Sequence[Option]) -> Element:
    return {"type": "overflow", "action_id": action_id, "options": list(opts[:5])}


# ------------------------------------------------------------------ views


def modal(
    title: str,
    blocks: Iterable[Block | None],
    *,
    callback_id: str | None = None,
    submit: str | None = None,
    close: str | None = "Cancel",
    metadata: str | dict[str, Any] | None = None,
) -> Block:
    """A modal view; `None` blocks are skipped, dict metadata is JSON-encoded, both capped."""
    view: Block = {"type": "modal"}
    if callback_id:
        view["callback_id"] = callback_id
    view["title"] = plain_text(title, MODAL_TEXT_MAX)
    if submit:
        view["submit"] = plain_text(submit, MODAL_TEXT_MAX)
    if close:
        view["close"] = plain_text(close, MODAL_TEXT_MAX)
    if metadata is not None:
        text = metadata if isinstance(metadata, str) else json.dumps(metadata)
        view["private_metadata"] = text[:METADATA_MAX]
    view["blocks"] = [b for b in blocks if b is not None]
    return view


def home_tab(blocks: Iterable[Block], *, callback_id: str | None = None) -> Block:
    """An App Home view (the caller keeps it within Slack's 100 blocks)."""
    view: Block = {"type": "home"}
    if callback_id:
        view["callback_id"] = callback_id
    view["blocks"] = list(blocks)
    return view
