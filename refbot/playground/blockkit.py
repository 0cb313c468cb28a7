"""Block Kit as Slack checks it: the documented limits (a violation is an `invalid_blocks` answer) and
the human-readable strings of a payload (for tests asserting what a reader sees or must not see)."""

from __future__ import annotations

from typing import Any

# ---------------------------------------------------------------------------------------------------
# Block Kit validation (the documented limits Slack enforces; a violation is an `invalid_blocks` answer)
# ---------------------------------------------------------------------------------------------------

BLOCK_TYPES = frozenset(
    {"section", "divider", "image", "actions", "context", "input", "header", "rich_text", "video", "file",
     "markdown", "call"}
)
_OPTION_ELEMENTS = {"static_select", "multi_static_select", "overflow", "checkboxes", "radio_buttons"}


def _too_long(limit: int, pointer: str) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{pointer}]"


def _check_text(obj: Any, ptr: str, errors: list[str], *, limit: int, plain: bool = False) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        errors.append(f"must provide a text object [json-pointer:{ptr}]")
        return
    if plain and obj["type"] != "plain_text":
        errors.append(f"must be plain_text [json-pointer:{ptr}/type]")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        errors.append(f"must be more than 0 characters [json-pointer:{ptr}/text]")
    elif len(text) > limit:
        errors.append(_too_long(limit, f"{ptr}/text"))


def _check_option(opt: Any, ptr: str, errors: list[str]) -> None:
    if not isinstance(opt, dict):
        errors.append(f"must be an option object [json-pointer:{ptr}]")
        return
    _check_text(opt.get("text"), f"{ptr}/text", errors, limit=75)
    value = opt.get("value")
    if value is not None and len(str(value)) > 150:
        errors.append(_too_long(150, f"{ptr}/value"))


def _check_element(el: Any, ptr: str, errors: list[str]) -> None:
    if not isinstance(el, dict) or not isinstance(el.get("type"), str):
        errors.append(f"missing required field: type [json-pointer:{ptr}]")
        return
    kind = el["type"]
    if len(str(el.get("action_id", ""))) > 255:
        errors.append(_too_long(255, f"{ptr}/action_id"))
    if "placeholder" in el:
        _check_text(el["placeholder"], f"{ptr}/placeholder", errors, limit=150, plain=True)
    if kind == "button":
        _check_text(el.get("text"), f"{ptr}/text", errors, limit=75, plain=True)
        if len(str(el.get("value", ""))) > 2000:
            errors.append(_too_long(2000, f"{ptr}/value"))
        if len(str(el.get("url", ""))) > 3000:
            errors.append(_too_long(3000, f"{ptr}/url"))
    elif kind in _OPTION_ELEMENTS:
        options = el.get("options")
        groups = el.get("option_groups")
        if options is None and groups is None:
            errors.append(f"must provide options or option_groups [json-pointer:{ptr}]")
        limit = {"overflow": 5, "checkboxes": 10, "radio_buttons": 10}.get(kind, 100)
        for i, opt in enumerate(options or []):
            _check_option(opt, f"{ptr}/options/{i}", errors)
        if options is not None and not 1 <= len(options) <= limit:
            errors.append(f"must provide between 1 and {limit} items [json-pointer:{ptr}/options]")
        for g, group in enumerate(groups or []):
            for i, opt in enumerate(group.get("options", [])):
                _check_option(opt, f"{ptr}/option_groups/{g}/options/{i}", errors)
        for key in ("initial_option",):
            if key in el:
                _check_option(el[key], f"{ptr}/{key}", errors)
    elif kind == "plain_text_input":
        if len(str(el.get("initial_value", ""))) > 3000:
            errors.append(_too_long(3000, f"{ptr}/initial_value"))
    elif kind == "image":
        if not el.get("image_url") and not el.get("slack_file"):
            errors.append(f"missing required field: image_url [json-pointer:{ptr}]")
        if len(str(el.get("alt_text", ""))) > 2000:
            errors.append(_too_long(2000, f"{ptr}/alt_text"))


def validate_blocks(blocks: Any, *, surface: str, pointer: str = "/blocks") -> list[str]:
    """Errors Slack would report for `blocks` on `surface` ("message", "modal" or "home"), Slack-style
    ("must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]"); [] when valid."""
    errors: list[str] = []
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{pointer}]"]
    limit = 50 if surface == "message" else 100
    if len(blocks) > limit:
        errors.append(f"no more than {limit} items allowed [json-pointer:{pointer}]")
    block_ids: set[str] = set()
    for b, block in enumerate(blocks):
        ptr = f"{pointer}/{b}"
        if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
            errors.append(f"unsupported type: {block.get('type') if isinstance(block, dict) else block!r} "
                          f"[json-pointer:{ptr}/type]")
            continue
        kind = block["type"]
        block_id = block.get("block_id")
        if block_id is not None:
            if len(str(block_id)) > 255:
                errors.append(_too_long(255, f"{ptr}/block_id"))
            if block_id in block_ids:
                errors.append(f"duplicate block_id: {block_id} [json-pointer:{ptr}/block_id]")
            block_ids.add(block_id)
        if kind == "section":
            if "text" not in block and "fields" not in block:
                errors.append(f"must provide text or fields [json-pointer:{ptr}]")
            if "text" in block:
                _check_text(block["text"], f"{ptr}/text", errors, limit=3000)
            fields = block.get("fields")
            if fields is not None:
                if len(fields) > 10:
                    errors.append(f"no more than 10 items allowed [json-pointer:{ptr}/fields]")
                for i, f in enumerate(fields):
                    _check_text(f, f"{ptr}/fields/{i}", errors, limit=2000)
            if "accessory" in block:
                _check_element(block["accessory"], f"{ptr}/accessory", errors)
        elif kind == "header":
            _check_text(block.get("text"), f"{ptr}/text", errors, limit=150, plain=True)
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 25:
                errors.append(f"must provide between 1 and 25 items [json-pointer:{ptr}/elements]")
            seen: set[str] = set()
            for i, el in enumerate(elements):
                _check_element(el, f"{ptr}/elements/{i}", errors)
                action_id = el.get("action_id") if isinstance(el, dict) else None
                if action_id is not None:
                    if action_id in seen:
                        errors.append(f"duplicate action_id: {action_id} [json-pointer:{ptr}/elements/{i}]")
                    seen.add(action_id)
        elif kind == "context":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 10:
                errors.append(f"must provide between 1 and 10 items [json-pointer:{ptr}/elements]")
            for i, el in enumerate(elements):
                if isinstance(el, dict) and el.get("type") == "image":
                    _check_element(el, f"{ptr}/elements/{i}", errors)
                else:
                    _check_text(el, f"{ptr}/elements/{i}", errors, limit=3000)
        elif kind == "input":
            _check_text(block.get("label"), f"{ptr}/label", errors, limit=2000, plain=True)
            if "hint" in block:
                _check_text(block["hint"], f"{ptr}/hint", errors, limit=2000, plain=True)
            if "element" not in block:
                errors.append(f"missing required field: element [json-pointer:{ptr}]")
            else:
                _check_element(block["element"], f"{ptr}/element", errors)
        elif kind == "image":
            _check_element(block, ptr, errors)
    return errors


def validate_view(view: Any) -> list[str]:
    """Errors Slack would report for a modal or Home tab view object."""
    if not isinstance(view, dict):
        return ["must be an object [json-pointer:/view]"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return [f"unsupported type: {kind!r} [json-pointer:/view/type]"]
    errors = validate_blocks(view.get("blocks"), surface=kind, pointer="/view/blocks")
    if kind == "modal":
        _check_text(view.get("title"), "/view/title", errors, limit=24, plain=True)
        for key in ("submit", "close"):
            if key in view:
                _check_text(view[key], f"/view/{key}", errors, limit=24, plain=True)
        found = view.get("blocks")
        blocks: list[Any] = found if isinstance(found, list) else []
        has_inputs = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_inputs and "submit" not in view:
            errors.append("submit is required when an input block is present [json-pointer:/view/submit]")
    if len(str(view.get("private_metadata", ""))) > 3000:
        errors.append(_too_long(3000, "/view/private_metadata"))
    for key in ("callback_id", "external_id"):
        if len(str(view.get(key, ""))) > 255:
            errors.append(_too_long(255, f"/view/{key}"))
    return errors


# ---------------------------------------------------------------------------------------------------
# Text extraction for leak assertions
# ---------------------------------------------------------------------------------------------------

# Keys whose string values are ids or enums, not something a person reads.
_NOT_TEXT = frozenset(
    {"type", "action_id", "block_id", "callback_id", "style", "channel", "ts", "thread_ts", "message_ts",
     "user", "user_id", "users", "trigger_id", "view_id", "external_id", "hash", "response_type", "id",
     "token", "emoji", "verbatim", "dispatch_action", "mrkdwn", "parse", "link_names", "unfurl_links",
     "unfurl_media", "reply_broadcast", "as_user", "timestamp", "replace_original", "delete_original",
     "include_locale", "return_im", "team_id", "root_view_id", "previous_view_id", "email", "name"}
)


def _strings(value: Any, key: str | None, out: list[str]) -> None:
    if isinstance(value, str):
        if key not in _NOT_TEXT and value:
            out.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            _strings(v, k, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, key, out)


def texts_of(obj: Any) -> list[str]:
    """Every human-readable string in `obj` (text fields, block texts, option labels, button values,
    private_metadata, URLs...), skipping ids and enum fields."""
    out: list[str] = []
    _strings(obj, None, out)
    return out
