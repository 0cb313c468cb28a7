"""The one place listeners read Slack payloads: typed and tolerant.

A signed payload can still have an odd shape (a `selected_option` that is a string, `user` as a string, a
private_metadata id that is not a number, no date). Every reader here answers such a value as *missing*
(None, "" or []), never with a TypeError, so the listener gives the modal's normal inline error. A value a
listener cannot do without raises `BadPayload`, which reaches the user privately as `RETRY` (through
`refbot.handlers.reply.privately` or the app-wide error handler), never as "something went wrong".

View state: `Values(body)`, then one method per element type (all our inputs use action id "value").
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from refbot.errors import NotFound, RefBotError

VALUE = "value"  # the action id of every input element RefBot builds
RETRY = "That didn't work — please try again."

_SINGLE = frozenset({"static_select", "external_select", "radio_buttons"})
_MULTI = frozenset({"checkboxes", "multi_static_select", "multi_external_select"})


class BadPayload(RefBotError):
    """A value the listener needs is missing or malformed: the user is asked privately to try again."""

    def __init__(self, message: str = RETRY) -> None:
        super().__init__(message)


def obj(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def text(value: Any) -> str:
    """`value` when it is a string, else ""."""
    return value if isinstance(value, str) else ""


MAX_ID = 2**31 - 1  # the id columns' range (PostgreSQL INTEGER): a larger "id" would overflow inside the query


def to_int(value: Any) -> int | None:
    """An id: a non-negative int or the digits of one ("12") up to MAX_ID, else None (True, "1.5", "²", "-3",
    "99999999999" are no ids)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        value = int(value)
    if isinstance(value, int) and 0 <= value <= MAX_ID:
        return value
    return None


def required(value: int | None) -> int:
    """An id the listener cannot do without: raises BadPayload when it is missing."""
    if value is None:
        raise BadPayload()
    return value


def clean(value: Any) -> str:
    """Text a user typed: trimmed, without NUL characters (PostgreSQL can't store them)."""
    return text(value).replace("\x00", "").strip()


# ------------------------------------------------------------------ who, where


def maybe_user_id(body: Any) -> str:
    """The acting user: `user.id` (interactions, views) or `user_id` (commands); "" when there is none."""
    body = obj(body)
    return text(obj(body.get("user")).get("id")) or text(body.get("user_id"))


def user_id(body: Any) -> str:
    """The acting user, whom every listener needs: BadPayload when the body names none (or `user` is not an
    object)."""
    uid = maybe_user_id(body)
    if not uid:
        raise BadPayload()
    return uid


def channel_id(body: Any) -> str:
    """Where it happened: `channel_id` (commands), `channel.id` or `container.channel_id` (messages)."""
    body = obj(body)
    return (text(body.get("channel_id")) or text(obj(body.get("channel")).get("id"))
            or text(obj(body.get("container")).get("channel_id")))


def team_id(body: Any) -> str | None:
    body = obj(body)
    return text(body.get("team_id")) or text(obj(body.get("team")).get("id")) or None


def trigger_id(body: Any) -> str:
    """The trigger to open a modal with; BadPayload when there is none (Slack always sends one)."""
    trigger = text(obj(body).get("trigger_id"))
    if not trigger:
        raise BadPayload()
    return trigger


def has_response_url(body: Any) -> bool:
    body = obj(body)
    return bool(text(body.get("response_url")) or body.get("response_urls"))


def from_home(body: Any) -> bool:
    """A click on the App Home tab (no channel, no response_url: answer on the Home or in a modal)."""
    body = obj(body)
    return obj(body.get("container")).get("type") == "view" and obj(body.get("view")).get("type") == "home"


def clicked_message(body: Any) -> tuple[str, str] | None:
    """(channel, ts) of the bot message whose button was clicked; None for the Home tab, a modal or an
    ephemeral message (which only its response_url can change)."""
    container = obj(obj(body).get("container"))
    if container.get("type") != "message" or container.get("is_ephemeral"):
        return None
    channel, ts = text(container.get("channel_id")), text(container.get("message_ts"))
    return (channel, ts) if channel and ts else None


def response_url(body: Any) -> str:
    """The response_url of a click on a message ("" when there is none)."""
    return text(obj(body).get("response_url"))


# ------------------------------------------------------------------ buttons


def action_value(body: Any) -> str:
    """The clicked button's value ("" when there is none)."""
    actions = obj(body).get("actions")
    first = actions[0] if isinstance(actions, list) and actions else None
    return text(obj(first).get("value"))


def action_id_value(body: Any, out_of_date: str) -> int:
    """The id a button carries; NotFound(`out_of_date`) when it carries none (an old or forged message)."""
    value = to_int(action_value(body))
    if value is None:
        raise NotFound(out_of_date)
    return value


# ------------------------------------------------------------------ modals


def view(body: Any) -> dict[str, Any]:
    return obj(obj(body).get("view"))


def view_id(body: Any) -> str | None:
    """The submitted view's id (RefBot's idempotency token for a form), or None."""
    return text(view(body).get("id")) or None


def raw_metadata(body: Any) -> str:
    return text(view(body).get("private_metadata"))


def metadata(body: Any) -> dict[str, Any]:
    """The view's private_metadata as a JSON object ({} when it is missing or not one)."""
    try:
        meta = json.loads(raw_metadata(body) or "{}")
    except (ValueError, RecursionError):
        return {}
    return obj(meta)


def meta_int(body: Any, key: str) -> int | None:
    return to_int(metadata(body).get(key))


def meta_str(body: Any, key: str) -> str:
    return text(metadata(body).get(key))


def dump(**fields: Any) -> str:
    """private_metadata for a modal."""
    return json.dumps(fields)


class Values:
    """A submitted view's `state.values`, read by element type; a wrong shape reads as missing."""

    def __init__(self, body: Any) -> None:
        self.values = obj(obj(view(body).get("state")).get("values"))

    def __contains__(self, block_id: object) -> bool:
        return block_id in self.values

    def element(self, block_id: str, action_id: str = VALUE) -> dict[str, Any]:
        return obj(obj(self.values.get(block_id)).get(action_id))

    def text(self, block_id: str, action_id: str = VALUE) -> str:
        """plain_text_input, number_input (its text), email/url inputs: trimmed, "" when empty."""
        return clean(self.element(block_id, action_id).get("value"))

    def option(self, block_id: str, action_id: str = VALUE) -> str | None:
        """static_select, external_select, radio_buttons: the chosen option's value."""
        value = text(obj(self.element(block_id, action_id).get("selected_option")).get("value"))
        return value or None

    def options(self, block_id: str, action_id: str = VALUE) -> list[str]:
        """checkboxes and multi selects: the chosen options' values."""
        chosen = self.element(block_id, action_id).get("selected_options")
        if not isinstance(chosen, list):
            return []
        return [v for v in (text(obj(o).get("value")) for o in chosen) if v]

    def user(self, block_id: str, action_id: str = VALUE) -> str | None:
        """users_select."""
        return text(self.element(block_id, action_id).get("selected_user")) or None

    def users(self, block_id: str, action_id: str = VALUE) -> list[str]:
        """multi_users_select."""
        chosen = self.element(block_id, action_id).get("selected_users")
        return [u for u in chosen if isinstance(u, str) and u] if isinstance(chosen, list) else []

    def conversation(self, block_id: str, action_id: str = VALUE) -> str | None:
        """conversations_select or channels_select."""
        element = self.element(block_id, action_id)
        return text(element.get("selected_conversation")) or text(element.get("selected_channel")) or None

    def date(self, block_id: str, action_id: str = VALUE) -> dt.date | None:
        """datepicker: Slack sends YYYY-MM-DD; anything else (or nothing) is no date."""
        raw = text(self.element(block_id, action_id).get("selected_date"))
        if len(raw) != 10 or not raw.isascii():
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            return None

    def time(self, block_id: str, action_id: str = VALUE) -> dt.time | None:
        """timepicker: Slack sends HH:MM; anything else (or nothing) is no time."""
        hour, sep, minute = text(self.element(block_id, action_id).get("selected_time")).partition(":")
        h, m = to_int(hour), to_int(minute)
        if not sep or h is None or m is None or h > 23 or m > 59:
            return None
        return dt.time(h, m)

    def any(self, block_id: str, action_id: str = VALUE) -> str | list[str] | None:
        """A block whose element type depends on the form (a select when there is a vocabulary, else text)."""
        kind = self.element(block_id, action_id).get("type")
        if kind in _MULTI:
            return self.options(block_id, action_id)
        if kind in _SINGLE:
            return self.option(block_id, action_id)
        return self.text(block_id, action_id) or None
