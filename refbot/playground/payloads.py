"""Slack's side of the conversation, shared by the tests and the playground page: request bodies shaped
like the ones Slack sends, signed like Slack signs them, sent over HTTP (`SlackClientSim`) or straight into a Bolt app (`dispatch`).

Builders return `(body, content_type)`; pass the pair to `SlackClientSim.post` or `dispatch`:

    body, content_type = slash_command("search bank germany", user_id="U1")
    response = dispatch(bolt_app, (body, content_type))
    sim = SlackClientSim(server.events_url, SECRET)
    status, headers, text = sim.post(block_actions("approve", "7", "U2"))

Response URLs default to a fresh URL on the running `SlackAPIStub` (so `respond()` lands in the stub),
trigger ids are unique per payload (the stub refuses to open two modals with one trigger id, as Slack).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any, NamedTuple
from urllib.parse import urlencode

from refbot.playground.slack_api import APP_ID, BOT_ID, BOT_USER_ID, TEAM_DOMAIN, active_stub, dm_channel_id

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Slack still sends the deprecated verification token in every payload; Bolt ignores it.
VERIFICATION_TOKEN = "verification-token-deprecated"
DEFAULT_TEAM = "T0001"

Payload = tuple[str, str]

_counter = itertools.count(1)
_ts_lock = threading.Lock()
_last_ts = [0]


def _next() -> int:
    return next(_counter)


def new_ts() -> str:
    """A fresh Slack timestamp ("1732350000.123456"): current time, strictly increasing."""
    with _ts_lock:
        micro = max(int(time.time() * 1_000_000), _last_ts[0] + 1)
        _last_ts[0] = micro
    return f"{micro // 1_000_000}.{micro % 1_000_000:06d}"


def new_trigger_id() -> str:
    n = _next()
    return f"{1_000_000_000 + n}.738474920.{hashlib.sha1(str(n).encode()).hexdigest()[:32]}"


def _response_url(kind: str, team_id: str) -> str:
    stub = active_stub()
    if stub is not None:
        return stub.response_url()
    n = _next()
    secret = hashlib.sha1(str(n).encode()).hexdigest()[:24]
    return f"https://hooks.slack.com/{kind}/{team_id}/{4_000_000 + n}/{secret}"


def _user(user_id: str, user_name: str | None, team_id: str) -> dict[str, Any]:
    name = user_name or user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _channel_name(channel_id: str) -> str:
    return "directmessage" if channel_id.startswith("D") else channel_id.lower()


def _team(team_id: str) -> dict[str, Any]:
    return {"id": team_id, "domain": TEAM_DOMAIN}


def _form_payload(payload: dict[str, Any]) -> Payload:
    return urlencode({"payload": json.dumps(payload)}), FORM


# ---------------------------------------------------------------------------------------------------
# Signing
# ---------------------------------------------------------------------------------------------------


def signature(body: str, secret: str, timestamp: int | str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def sign(
    body: str, secret: str, timestamp: int | None = None, content_type: str | None = None
) -> dict[str, str]:
    """The headers Slack sends with `body`: X-Slack-Request-Timestamp (now unless given), X-Slack-Signature
    ("v0=" + HMAC-SHA256 of "v0:{ts}:{body}" keyed by the signing secret) and Content-Type (JSON when the
    body is a JSON object, form-encoded otherwise, unless given)."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    if content_type is None:
        content_type = JSON if body.lstrip().startswith("{") else FORM
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(body, secret, ts),
        "Content-Type": content_type,
    }


# ---------------------------------------------------------------------------------------------------
# Slash commands
# ---------------------------------------------------------------------------------------------------


def slash_command(
    text: str = "",
    user_id: str = "U1",
    channel_id: str = "C1",
    command: str = "/reference",
    response_url: str | None = None,
    trigger_id: str | None = None,
    team_id: str = DEFAULT_TEAM,
    user_name: str | None = None,
    channel_name: str | None = None,
) -> Payload:
    """A slash command invocation, form-encoded with exactly Slack's field names and order."""
    fields = [
        ("token", VERIFICATION_TOKEN),
        ("team_id", team_id),
        ("team_domain", TEAM_DOMAIN),
        ("channel_id", channel_id),
        ("channel_name", channel_name or _channel_name(channel_id)),
        ("user_id", user_id),
        ("user_name", user_name or user_id.lower()),
        ("command", command),
        ("text", text),
        ("api_app_id", APP_ID),
        ("is_enterprise_install", "false"),
        ("response_url", response_url or _response_url("commands", team_id)),
        ("trigger_id", trigger_id or new_trigger_id()),
    ]
    return urlencode(fields), FORM


# ---------------------------------------------------------------------------------------------------
# state.values helpers (view_submission values and block_actions state)
# ---------------------------------------------------------------------------------------------------


def option(value: str, text: str | None = None) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text or value, "emoji": True}, "value": value}


def _opt(item: str | tuple[str, str] | dict[str, Any]) -> dict[str, Any]:
    if isinstance(item, dict):
        return item
    if isinstance(item, tuple):
        return option(item[0], item[1])
    return option(item)


def plain_value(text: str | None) -> dict[str, Any]:
    """A plain_text_input; None is what Slack sends for an empty optional field."""
    return {"type": "plain_text_input", "value": text}


def number_value(value: str | int | float | None) -> dict[str, Any]:
    return {"type": "number_input", "value": None if value is None else str(value)}


def static_select(value: str | tuple[str, str] | None) -> dict[str, Any]:
    """A static_select; pass (value, label) to set the option text; None: nothing selected."""
    return {"type": "static_select", "selected_option": None if value is None else _opt(value)}


def external_select(value: str | tuple[str, str] | None) -> dict[str, Any]:
    return {"type": "external_select", "selected_option": None if value is None else _opt(value)}


def multi_static_select(values: list[str | tuple[str, str]]) -> dict[str, Any]:
    return {"type": "multi_static_select", "selected_options": [_opt(v) for v in values]}


def datepicker(date: str | dt.date | None) -> dict[str, Any]:
    return {"type": "datepicker", "selected_date": date.isoformat() if isinstance(date, dt.date) else date}


def timepicker(time_of_day: str | None) -> dict[str, Any]:
    return {"type": "timepicker", "selected_time": time_of_day}


def checkboxes(values: list[str | tuple[str, str]]) -> dict[str, Any]:
    return {"type": "checkboxes", "selected_options": [_opt(v) for v in values]}


def radio(value: str | tuple[str, str] | None) -> dict[str, Any]:
    return {"type": "radio_buttons", "selected_option": None if value is None else _opt(value)}


def users_select(user_id: str | None) -> dict[str, Any]:
    return {"type": "users_select", "selected_user": user_id}


def multi_users_select(user_ids: list[str]) -> dict[str, Any]:
    return {"type": "multi_users_select", "selected_users": list(user_ids)}


def conversations_select(channel_id: str | None) -> dict[str, Any]:
    return {"type": "conversations_select", "selected_conversation": channel_id}


def channels_select(channel_id: str | None) -> dict[str, Any]:
    return {"type": "channels_select", "selected_channel": channel_id}


_EMPTY_VALUES: dict[str, dict[str, Any]] = {
    "plain_text_input": {"value": None},
    "number_input": {"value": None},
    "email_text_input": {"value": None},
    "url_text_input": {"value": None},
    "static_select": {"selected_option": None},
    "external_select": {"selected_option": None},
    "radio_buttons": {"selected_option": None},
    "multi_static_select": {"selected_options": []},
    "multi_external_select": {"selected_options": []},
    "checkboxes": {"selected_options": []},
    "datepicker": {"selected_date": None},
    "timepicker": {"selected_time": None},
    "datetimepicker": {"selected_date_time": None},
    "users_select": {"selected_user": None},
    "multi_users_select": {"selected_users": []},
    "conversations_select": {"selected_conversation": None},
    "multi_conversations_select": {"selected_conversations": []},
    "channels_select": {"selected_channel": None},
    "multi_channels_select": {"selected_channels": []},
}


def _initial_value(element: dict[str, Any]) -> dict[str, Any]:
    """What Slack reports for an input the user did not touch: its initial value, or empty."""
    kind = element.get("type", "plain_text_input")
    value = {"type": kind, **copy.deepcopy(_EMPTY_VALUES.get(kind, {"value": None}))}
    if "initial_value" in element:
        value["value"] = element["initial_value"]
    if "initial_option" in element:
        value["selected_option"] = copy.deepcopy(element["initial_option"])
    if "initial_options" in element:
        value["selected_options"] = copy.deepcopy(element["initial_options"])
    for src, dst in (
        ("initial_date", "selected_date"),
        ("initial_time", "selected_time"),
        ("initial_user", "selected_user"),
        ("initial_users", "selected_users"),
        ("initial_conversation", "selected_conversation"),
        ("initial_channel", "selected_channel"),
    ):
        if src in element:
            value[dst] = copy.deepcopy(element[src])
    return value


def _input_elements(blocks: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for block in blocks:
        if block.get("type") == "input" and isinstance(block.get("element"), dict):
            element = block["element"]
            found[(str(block.get("block_id")), str(element.get("action_id")))] = element
    return found


def _state_for_view(view: dict[str, Any], values: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """Slack's view.state.values: every input block of the view, with `values` applied on top. Refuses
    values for inputs the view does not have (the form and its handler have drifted apart)."""
    elements = _input_elements(view.get("blocks", []))
    for block_id, actions in values.items():
        for action_id in actions:
            if (block_id, action_id) not in elements:
                known = ", ".join(f"{b}/{a}" for b, a in elements) or "none"
                raise LookupError(f"the view has no input {block_id}/{action_id} (its inputs: {known})")
    state: dict[str, dict[str, Any]] = {}
    for (block_id, action_id), element in elements.items():
        given = values.get(block_id, {}).get(action_id)
        state.setdefault(block_id, {})[action_id] = copy.deepcopy(given) if given else _initial_value(element)
    return state


# ---------------------------------------------------------------------------------------------------
# Interactivity
# ---------------------------------------------------------------------------------------------------


def _find_element(blocks: list[dict[str, Any]], action_id: str) -> tuple[str | None, dict[str, Any]] | None:
    for block in blocks or []:
        candidates = list(block.get("elements") or []) if block.get("type") == "actions" else []
        if isinstance(block.get("accessory"), dict):
            candidates.append(block["accessory"])
        if block.get("type") == "input" and isinstance(block.get("element"), dict):
            candidates.append(block["element"])
        for el in candidates:
            if isinstance(el, dict) and el.get("action_id") == action_id:
                return block.get("block_id"), el
    return None


find_element = _find_element  # (block_id, element) of the element with that action_id, or None


def _action_fields(action_type: str, value: Any, element: dict[str, Any] | None) -> dict[str, Any]:
    def pick(v: Any) -> dict[str, Any]:
        for opt in (element or {}).get("options", []):
            if opt.get("value") == v:
                return copy.deepcopy(opt)
        return _opt(v)

    if action_type == "button":
        return {} if value is None else {"value": value}
    if action_type in ("static_select", "external_select", "overflow", "radio_buttons"):
        return {"selected_option": None if value is None else pick(value)}
    if action_type in ("multi_static_select", "multi_external_select", "checkboxes"):
        return {"selected_options": [pick(v) for v in value or []]}
    simple = {
        "users_select": "selected_user",
        "multi_users_select": "selected_users",
        "conversations_select": "selected_conversation",
        "channels_select": "selected_channel",
        "datepicker": "selected_date",
        "timepicker": "selected_time",
        "plain_text_input": "value",
        "number_input": "value",
    }
    if action_type in simple:
        return {simple[action_type]: value}
    return {"value": value}


def block_actions(
    action_id: str,
    value: Any = None,
    user_id: str = "U1",
    *,
    block_id: str | None = None,
    action_type: str | None = None,
    text: str | None = None,
    message: dict[str, Any] | None = None,
    container: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    state: dict[str, dict[str, dict[str, Any]]] | None = None,
    response_url: str | None = None,
    trigger_id: str | None = None,
    channel_id: str | None = None,
    is_ephemeral: bool = False,
    team_id: str = DEFAULT_TEAM,
    user_name: str | None = None,
) -> Payload:
    """A click (or select) on an interactive element, as Slack posts it: form field `payload=` JSON.

    Where the element lives:
    - `message=` a message dict (e.g. `SlackAPIStub.message(channel, ts)`, whose "channel" is used as the
      channel): the element must be in the message's blocks (LookupError otherwise: users cannot click
      a button that is not there); block_id, button text and value default to the element's.
    - `view=` a modal or Home view (e.g. `SlackAPIStub.last_view()` / `.home(user)`): container "view".
    - `is_ephemeral=True`: an ephemeral message (Slack sends no message body then).
    - none of these: a bot DM to the user holding just this button.
    `action_type` defaults to the element's type, else "button"; `value` becomes the field that type
    uses (button `value`, select `selected_option`, `selected_user`, `selected_date`...).
    """
    found = None
    if message is not None and message.get("blocks") is not None:
        found = _find_element(message["blocks"], action_id)
        if found is None:
            raise LookupError(f"the message has no element with action_id {action_id!r}")
    elif view is not None:
        found = _find_element(view.get("blocks", []), action_id)
        if found is None:
            raise LookupError(f"the view has no element with action_id {action_id!r}")
    element = found[1] if found else None
    kind = action_type or (element or {}).get("type") or "button"
    if value is None and element is not None and kind == "button":
        value = element.get("value")
    action: dict[str, Any] = {
        "action_id": action_id,
        "block_id": block_id or (found[0] if found else None) or f"b{_next()}",
        "type": kind,
        "action_ts": new_ts(),
    }
    if kind == "button":
        label = text or ((element or {}).get("text") or {}).get("text") or action_id
        action["text"] = {"type": "plain_text", "text": label, "emoji": True}
        if element is not None and element.get("style"):
            action["style"] = element["style"]
    action.update(_action_fields(kind, value, element))

    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
    }
    trigger = trigger_id or new_trigger_id()
    if view is not None:
        view_obj = copy.deepcopy(view)
        view_obj.setdefault("state", {"values": {}})
        if state is not None:
            view_obj["state"] = {"values": copy.deepcopy(state)}
        payload["container"] = container or {"type": "view", "view_id": view_obj.get("id")}
        payload["trigger_id"] = trigger
        payload["team"] = _team(team_id)
        payload["enterprise"] = None
        payload["is_enterprise_install"] = False
        payload["view"] = view_obj
        payload["actions"] = [action]
        return _form_payload(payload)

    msg = copy.deepcopy(message) if message is not None else None
    stub_channel = msg.pop("channel", None) if msg is not None else None
    channel = channel_id or stub_channel or dm_channel_id(user_id)
    if msg is None and not is_ephemeral:
        button = {"type": kind, "action_id": action_id}
        if kind == "button":
            button["text"] = action["text"]
            if value is not None:
                button["value"] = value
        msg = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": team_id,
            "ts": new_ts(),
            "text": text or "",
            "blocks": [{"type": "actions", "block_id": action["block_id"], "elements": [button]}],
        }
    message_ts = msg["ts"] if msg is not None else new_ts()
    payload["container"] = container or {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel,
        "is_ephemeral": is_ephemeral,
    }
    payload["trigger_id"] = trigger
    payload["team"] = _team(team_id)
    payload["enterprise"] = None
    payload["is_enterprise_install"] = False
    payload["channel"] = {"id": channel, "name": _channel_name(channel)}
    if msg is not None and not is_ephemeral:
        payload["message"] = msg
    payload["state"] = {"values": copy.deepcopy(state or {})}
    payload["response_url"] = response_url or _response_url("actions", team_id)
    payload["actions"] = [action]
    return _form_payload(payload)


def _view_object(
    view: dict[str, Any] | None,
    *,
    callback_id: str | None,
    private_metadata: str | None,
    view_id: str | None,
    hash: str | None,  # noqa: A002 - Slack's field name
    team_id: str,
) -> dict[str, Any]:
    if view is not None:
        obj = copy.deepcopy(view)
    else:
        vid = view_id or f"V{_next():010d}"
        obj = {
            "id": vid,
            "team_id": team_id,
            "type": "modal",
            "blocks": [],
            "private_metadata": "",
            "callback_id": callback_id or "",
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{_next():08d}",
            "title": {"type": "plain_text", "text": "RefBot", "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
            "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
            "previous_view_id": None,
            "root_view_id": vid,
            "app_id": APP_ID,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": BOT_ID,
        }
    if callback_id is not None:
        obj["callback_id"] = callback_id
    if private_metadata is not None:
        obj["private_metadata"] = private_metadata
    if view_id is not None:
        obj["id"] = view_id
    if hash is not None:
        obj["hash"] = hash
    return obj


def view_submission(
    callback_id: str | None,
    values: dict[str, dict[str, dict[str, Any]]] | None = None,
    user_id: str = "U1",
    *,
    view: dict[str, Any] | None = None,
    private_metadata: str | None = None,
    view_id: str | None = None,
    hash: str | None = None,  # noqa: A002 - Slack's field name
    response_urls: list[dict[str, Any]] | None = None,
    trigger_id: str | None = None,
    team_id: str = DEFAULT_TEAM,
    user_name: str | None = None,
) -> Payload:
    """A modal submission. `values` is Slack's state.values shape, {block_id: {action_id: value}}, built
    with plain_value(), static_select(), datepicker()...

    With `view=` (the modal as the stub stored it, e.g. `slack_api.last_view()`), the payload carries that
    view's id, hash, blocks, callback_id and private_metadata, and its state has every input block as
    Slack sends it: untouched inputs with their initial value or empty (None / []). Values for inputs the
    view lacks raise LookupError. Without `view=`, state is exactly `values`."""
    obj = _view_object(
        view, callback_id=callback_id, private_metadata=private_metadata, view_id=view_id, hash=hash,
        team_id=team_id,
    )
    if view is not None:
        obj["state"] = {"values": _state_for_view(obj, values or {})}
    else:
        obj["state"] = {"values": copy.deepcopy(values or {})}
    payload = {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, user_name, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": obj,
        "response_urls": response_urls or [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _form_payload(payload)


def view_closed(
    callback_id: str | None,
    user_id: str = "U1",
    *,
    view: dict[str, Any] | None = None,
    private_metadata: str | None = None,
    view_id: str | None = None,
    is_cleared: bool = False,
    team_id: str = DEFAULT_TEAM,
    user_name: str | None = None,
) -> Payload:
    """A modal closed with Cancel/X (sent only for views opened with notify_on_close)."""
    obj = _view_object(
        view, callback_id=callback_id, private_metadata=private_metadata, view_id=view_id, hash=None,
        team_id=team_id,
    )
    payload = {
        "type": "view_closed",
        "team": _team(team_id),
        "user": _user(user_id, user_name, team_id),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "view": obj,
        "is_cleared": is_cleared,
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _form_payload(payload)


def block_suggestion(
    action_id: str,
    value: str,
    user_id: str = "U1",
    *,
    block_id: str | None = None,
    view: dict[str, Any] | None = None,
    callback_id: str | None = None,
    team_id: str = DEFAULT_TEAM,
    user_name: str | None = None,
) -> Payload:
    """A user typing `value` into an external_select in a modal (the app must answer options within 3 s)."""
    obj = _view_object(
        view, callback_id=callback_id, private_metadata=None, view_id=None, hash=None, team_id=team_id
    )
    found = _find_element(obj.get("blocks", []), action_id)
    if view is not None and found is None:
        raise LookupError(f"the view has no element with action_id {action_id!r}")
    payload = {
        "type": "block_suggestion",
        "user": _user(user_id, user_name, team_id),
        "container": {"type": "view", "view_id": obj["id"]},
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "action_id": action_id,
        "block_id": block_id or (found[0] if found else None) or f"b{_next()}",
        "value": value,
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "view": obj,
    }
    return _form_payload(payload)


# ---------------------------------------------------------------------------------------------------
# Events API
# ---------------------------------------------------------------------------------------------------


def event_callback(
    event: dict[str, Any],
    event_id: str | None = None,
    team_id: str = DEFAULT_TEAM,
    *,
    event_time: int | None = None,
) -> Payload:
    """An Events API delivery wrapping `event` (JSON). Reuse `event_id` to simulate a redelivery."""
    payload = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": APP_ID,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{_next():010d}",
        "event_time": event_time if event_time is not None else int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-eyJldCI6Im1lc3NhZ2UiLCJ0aWQiOiJ{_next():08d}",
    }
    return json.dumps(payload), JSON


def message_event(
    text: str,
    user: str | None = "U1",
    channel: str = "C1",
    ts: str | None = None,
    thread_ts: str | None = None,
    bot_id: str | None = None,
    subtype: str | None = None,
    channel_type: str = "channel",
    *,
    event_id: str | None = None,
    team_id: str = DEFAULT_TEAM,
) -> Payload:
    """A `message` event (wrapped in event_callback). `bot_id` marks a bot's message (the bot's own is
    "BBOT"); `channel_type` is channel, group, im or mpim."""
    ts = ts or new_ts()
    event: dict[str, Any] = {"type": "message"}
    if subtype:
        event["subtype"] = subtype
    event["text"] = text
    if user:
        event["user"] = user
    if bot_id:
        event["bot_id"] = bot_id
        event["app_id"] = APP_ID if bot_id == BOT_ID else f"A{bot_id[1:]}"
    else:
        event["client_msg_id"] = hashlib.md5(f"{channel}{ts}".encode()).hexdigest()
    event.update(ts=ts, team=team_id, channel=channel, event_ts=ts, channel_type=channel_type)
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event_callback(event, event_id, team_id)


def app_home_opened(
    user: str,
    tab: str = "home",
    view: dict[str, Any] | None = None,
    *,
    event_id: str | None = None,
    team_id: str = DEFAULT_TEAM,
) -> Payload:
    """The user opened the app's Home (or Messages) tab; `view` is the Home view Slack has on record for
    them (pass `slack_api.home(user)`), absent the first time."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user,
        "channel": dm_channel_id(user),
        "tab": tab,
        "event_ts": new_ts(),
    }
    if view is not None:
        event["view"] = copy.deepcopy(view)
    return event_callback(event, event_id, team_id)


def url_verification(challenge: str) -> Payload:
    """The handshake Slack sends when the Request URL is saved."""
    return json.dumps({"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}), JSON


# ---------------------------------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------------------------------


class SimResponse(NamedTuple):
    status: int
    headers: dict[str, str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body.strip() else None


def _split(payload: Payload | str, content_type: str | None) -> Payload:
    if isinstance(payload, tuple):
        body, ct = payload
        return body, content_type or ct
    return payload, content_type or (JSON if payload.lstrip().startswith("{") else FORM)


def _headers(
    body: str,
    content_type: str,
    secret: str,
    *,
    bad_signature: bool,
    omit_headers: bool | tuple[str, ...],
    timestamp: int | None,
    age: float,
    retry_num: int | None,
    retry_reason: str | None,
    extra: dict[str, str] | None,
) -> dict[str, str]:
    ts = int(time.time() - age) if timestamp is None else int(timestamp)
    headers = sign(body, "not-the-signing-secret" if bad_signature else secret, ts, content_type)
    if omit_headers is True:
        headers = {"Content-Type": content_type}
    elif omit_headers:
        for name in omit_headers:
            headers = {k: v for k, v in headers.items() if k.lower() != name.lower()}
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
    headers.update(extra or {})
    return headers


class SlackClientSim:
    """Slack's delivery side: posts signed payloads to a RefBot HTTP endpoint with urllib.

        sim = SlackClientSim(server.events_url, SIGNING_SECRET)
        status, headers, body = sim.post(slash_command("help"))
        sim.post(message_event("hi"), retry_num=1, retry_reason="http_timeout")   # a redelivery
        sim.post(slash_command("help"), bad_signature=True)                      # -> 401
    """

    def __init__(self, url: str, signing_secret: str, *, timeout: float = 10.0) -> None:
        self.url = url
        self.signing_secret = signing_secret
        self.timeout = timeout
        self.last_elapsed: float | None = None

    def post(
        self,
        payload: Payload | str,
        content_type: str | None = None,
        *,
        bad_signature: bool = False,
        omit_headers: bool | tuple[str, ...] = False,
        timestamp: int | None = None,
        age: float = 0,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> SimResponse:
        """Send `payload` (a builder's (body, content_type) or a raw body). Options: `bad_signature`
        (signed with the wrong secret), `omit_headers` (True: no signing headers; or a tuple of header
        names to drop), `timestamp` or `age` seconds in the past (signed correctly for that time),
        `retry_num`/`retry_reason` (X-Slack-Retry-Num / X-Slack-Retry-Reason), extra `headers`.
        Returns (status, headers, body); the round-trip time is in `last_elapsed`."""
        body, ct = _split(payload, content_type)
        all_headers = _headers(
            body, ct, self.signing_secret, bad_signature=bad_signature, omit_headers=omit_headers,
            timestamp=timestamp, age=age, retry_num=retry_num, retry_reason=retry_reason, extra=headers,
        )
        request = urllib.request.Request(self.url, data=body.encode(), headers=all_headers, method="POST")
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as resp:
                result = SimResponse(resp.status, dict(resp.headers.items()), resp.read().decode())
        except urllib.error.HTTPError as exc:
            result = SimResponse(exc.code, dict(exc.headers.items()), exc.read().decode(errors="replace"))
        finally:
            self.last_elapsed = time.monotonic() - started
        return result


def dispatch(
    app: Any,
    payload: Payload | str,
    headers: dict[str, str] | None = None,
    *,
    content_type: str | None = None,
    signing_secret: str | None = None,
    timestamp: int | None = None,
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> Any:
    """Run `payload` through a Bolt `app` in-process (no HTTP): builds the BoltRequest exactly as RefBot's
    HTTP adapter does (refbot.handlers.malformed.read_request: Bolt's own construction, plus a body Bolt
    cannot parse arriving flagged instead of raising) and returns `app.dispatch(...)`'s BoltResponse
    (.status, .body, .headers). Headers are signed with `signing_secret` (default: the app's own) unless
    `headers` are given as they are."""
    from refbot.handlers.malformed import read_request

    body, ct = _split(payload, content_type)
    if headers is None:
        secret = signing_secret or app._signing_secret
        headers = _headers(
            body, ct, secret, bad_signature=False, omit_headers=False, timestamp=timestamp, age=0,
            retry_num=retry_num, retry_reason=retry_reason, extra=None,
        )
    request = read_request(body, headers={k.lower(): v for k, v in headers.items()})
    return app.dispatch(request)
