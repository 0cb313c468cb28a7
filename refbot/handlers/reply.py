"""What every surface shares besides payload reading: telling the user privately, answering expected
refusals privately, and binding a module-level listener to its dependencies for Bolt."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from refbot import tz
from refbot.context import AppContext
from refbot.errors import RefBotError, ValidationFailed
from refbot.handlers import payload

log = logging.getLogger(__name__)


def listener(fn: Callable[..., Any], *deps: Any) -> Callable[..., Any]:
    """`fn` with its leading dependencies bound, for `app.action(...)(listener(on_x, ctx))`.

    Bolt injects `ack, body, client, respond, ...` by the names of the arguments it reads from the callable
    (inspect.getfullargspec, which sees a functools.partial's remaining arguments); the partial keeps
    `fn`'s name for Bolt's logs. (functools.wraps would not do: Bolt unwraps `__wrapped__` and would see
    the bound arguments again.)"""
    bound = functools.partial(fn, *deps)
    bound.__name__ = fn.__name__  # type: ignore[attr-defined]
    return bound


def register_listeners(
    app: App,
    *deps: Any,
    actions: Mapping[str, Callable[..., Any]] | None = None,
    views: Mapping[str, Callable[..., Any]] | None = None,
    options: Mapping[str, Callable[..., Any]] | None = None,
) -> None:
    """Register module-level listeners by action id / view callback id / options action id, each bound to
    `deps` (see `listener`)."""
    for action_id, fn in (actions or {}).items():
        app.action(action_id)(listener(fn, *deps))
    for callback_id, fn in (views or {}).items():
        app.view(callback_id)(listener(fn, *deps))
    for action_id, fn in (options or {}).items():
        app.options(action_id)(listener(fn, *deps))


def reason_errors(reason: str, *, limit: int, reader: str) -> dict[str, str]:
    """The inline error of a decision form's required "reason" input ({} when it is fine)."""
    if not reason:
        return {"reason": f"Say why, briefly: the {reader} sees it."}
    if len(reason) > limit:
        return {"reason": f"Keep it under {limit} characters."}
    return {}


def refused_inline(ack: Any, ctx: AppContext, check: Callable[[Session], object]) -> bool:
    """Run a modal's check before ack(), on a read-only session (never waiting for a writer); when it raises
    ValidationFailed, answer with its inline errors (by block id) and return True."""
    try:
        with ctx.db.unit_of_work(read_only=True) as session:
            check(session)
    except ValidationFailed as exc:
        ack(response_action="errors", errors={k: v[:150] for k, v in exc.field_errors.items()})
        return True
    return False


def tell_user(body: Any, client: WebClient, respond: Any, text: str) -> None:
    """Reply privately through the response URL, else an ephemeral message, else a DM. Never raises."""
    user_id, channel_id = payload.maybe_user_id(body), payload.channel_id(body)
    try:
        if respond is not None and payload.has_response_url(body):
            respond(text=text, response_type="ephemeral", replace_original=False)
        elif user_id and channel_id:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
        elif user_id:
            client.chat_postMessage(channel=user_id, text=text)
    except Exception:
        log.warning("could not tell the user about an error", exc_info=True)


@contextmanager
def privately(body: Any, client: WebClient, respond: Any) -> Iterator[None]:
    """Expected refusals (not yours, already decided, out of date, a payload RefBot can't read) are answered
    privately to whoever clicked; the listener still ends normally (unexpected errors go to the app-wide
    handler)."""
    try:
        yield
    except RefBotError as exc:
        log.info("refused: %s", exc.message)
        tell_user(body, client, respond, exc.message)


def zone(name: str, ctx: AppContext) -> dt.tzinfo:
    """The timezone a form's metadata names, else the program's."""
    return tz.zone(name, ctx.settings.tz)
