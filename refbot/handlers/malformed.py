"""Request bodies Bolt cannot read get a 400 before any listener runs: never a 500, nothing done.

Bolt (1.30) reads a body in two places that raise on malformed input instead of refusing it:

1. Building the request: `BoltRequest(...)` parses the body in its constructor
   (slack_bolt/request/internals.py `parse_body`, then `build_context`). A `payload=` that is not JSON,
   a JSON body cut short, or a payload that is a list raise JSONDecodeError / AttributeError in the
   adapter, before the app (even its signature check) sees the request.
2. Matching listeners: `App.dispatch` asks slack_bolt/request/payload_utils.py what the body is, and
   those functions index it (`body["actions"][0]`, `body["view"]["type"]`, `body["event"]["type"]`).
   A block_actions without actions or a view without a type raise IndexError / KeyError. Dispatch hands
   that error to the app's error handler, whose arguments Bolt builds with the same functions
   (kwargs_injection.build_required_kwargs), so it raises again and the exception escapes dispatch.

`read_request` builds the BoltRequest as Bolt's adapters do, then checks the parsed payload with the same
payload functions. A body Bolt cannot parse or route becomes an empty payload flagged in the context, so
Bolt's own middleware never trips over it either; the raw body is kept, so the signature is still checked
against what was sent. `BodyGuard`, a global middleware after Bolt's own (signature check first, so an
unsigned body still gets 401), answers 400 to a flagged request, and to a payload of the wrong shape that
reached the app another way (Socket Mode). It is a `Middleware` subclass on purpose: a function middleware
gets its arguments from build_required_kwargs and would crash on the same bodies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_bolt.request import payload_utils as pu

log = logging.getLogger(__name__)

UNREADABLE = "refbot_unreadable_body"  # BoltContext key: why Bolt cannot parse or route the body


def _self_event_check(body: dict[str, Any]) -> Any:
    """What Bolt's IgnoringSelfEvents middleware reads from every body."""
    return body.get("event", {}).get("bot_id"), body.get("event", {}).get("type")


# Everything Bolt's middleware, listener matchers and argument injection read before RefBot code runs.
_READERS: tuple[Callable[[dict[str, Any]], Any], ...] = (
    _self_event_check, pu.to_options, pu.to_shortcut, pu.to_action, pu.to_view, pu.to_command, pu.to_event,
    pu.to_message, pu.to_step, pu.is_function, pu.is_workflow_step_save, pu.is_assistant_event,
    pu.is_other_message_sub_event_in_assistant_thread,
)


def read_request(
    body: str,
    *,
    query: str | Mapping[str, Any] | None = None,
    headers: Mapping[str, str | Sequence[str]] | None = None,
) -> BoltRequest:
    """The BoltRequest for an HTTP request, as Bolt's adapters build it; never raises on a bad body."""
    try:
        request = BoltRequest(body=body, query=query, headers=headers)  # type: ignore[arg-type]
        reason = problem(request.body)
    except Exception as exc:  # noqa: BLE001 - any parse failure means the same: the body is unreadable
        reason = f"Bolt cannot parse the body ({type(exc).__name__}: {exc})"
    if reason is None:
        return request
    flagged = BoltRequest(body="", query=query, headers=headers)  # type: ignore[arg-type]
    flagged.raw_body = body  # the signature check verifies what was actually sent
    flagged.context[UNREADABLE] = reason[:300]
    return flagged


def problem(body: Any) -> str | None:
    """Why Bolt cannot route `body` (a parsed payload), or None when it can."""
    if not isinstance(body, dict):
        return f"the payload is a {type(body).__name__}, not a JSON object"
    try:
        for read in _READERS:
            read(body)
        not_text = [name for name, value in _routing_fields(body) if not isinstance(value, str)]
    except (LookupError, TypeError, AttributeError) as exc:
        return f"Bolt cannot read this {str(body.get('type'))[:40]!r} payload ({type(exc).__name__}: {exc})"
    if not_text:
        return f"{', '.join(not_text)} must be text"
    if pu.is_slash_command(body) and not str(body.get("response_url") or "").strip():
        # Slack sends every command one; without it `respond` fails and the user could not be answered
        return "a slash command without a response_url"
    return None


def _routing_fields(body: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """The fields Bolt's listener matchers compare with RefBot's ids (slack_bolt/listener_matcher)."""
    if "type" in body:
        yield "type", body["type"]
    if pu.is_slash_command(body):
        yield "command", body["command"]
    if pu.is_block_actions(body):
        action = pu.to_action(body)
        yield "actions[0].action_id", action["action_id"]  # type: ignore[index]
        if action.get("block_id") is not None:  # type: ignore[union-attr]
            yield "actions[0].block_id", action["block_id"]  # type: ignore[index]
    if pu.is_view(body):
        yield "view.callback_id", body["view"]["callback_id"]
    if pu.is_event(body):
        yield "event.type", body["event"]["type"]
        if body["event"].get("subtype") is not None:
            yield "event.subtype", body["event"]["subtype"]
    if pu.is_block_suggestion(body):
        yield "action_id", body["action_id"]
    if pu.is_shortcut(body) or pu.is_attachment_action(body) or pu.is_dialog_submission(body) \
            or pu.is_dialog_cancellation(body) or pu.is_workflow_step_edit(body) or pu.is_dialog_suggestion(body):
        yield "callback_id", body["callback_id"]


class BodyGuard(Middleware):
    """Global middleware: a body Bolt cannot read is the sender's fault, so it gets 400 and nothing runs."""

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]  # noqa: A002 - Bolt's name
    ) -> BoltResponse | None:
        reason = req.context.get(UNREADABLE) or problem(req.body)
        if reason:
            log.info("refused a request body Bolt cannot read: %s", reason)
            return BoltResponse(status=400, body="bad request")
        return next()


def register(app: App) -> None:
    """Install the guard; Bolt's own middleware (signature check first) stays in front of it."""
    app.use(BodyGuard())
