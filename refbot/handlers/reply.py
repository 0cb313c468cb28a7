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
from refbot.blocks import kit
from refbot.context import AppContext
from refbot.errors import InvalidTransition, RefBotError, ValidationFailed
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


def _opened(client: WebClient, trigger_id: str, view: dict[str, Any]) -> bool:
    try:
        client.views_open(trigger_id=trigger_id, view=view)
        return True
    except Exception:
        log.info("could not open a modal on the trigger (expired?)", exc_info=True)
        return False


def tell_user(body: Any, client: WebClient, respond: Any, text: str, *, title: str = "RefBot") -> None:
    """Reply privately through the response URL, else an ephemeral message; a click on the App Home tab (which
    has neither) gets a small modal titled `title` on its trigger (a DM only when the trigger can't open one);
    else a DM. Never raises."""
    user_id, channel_id = payload.maybe_user_id(body), payload.channel_id(body)
    try:
        if payload.from_home(body):
            trigger = payload.text(payload.obj(body).get("trigger_id"))
            if trigger and _opened(client, trigger, kit.modal(title[:24], [kit.section(text)], close="Close")):
                return
            if user_id:  # no trigger, or it expired: a DM is the only way left to answer
                client.chat_postMessage(channel=user_id, text=text)
        elif respond is not None and payload.has_response_url(body):
            respond(text=text, response_type="ephemeral", replace_original=False)
        elif user_id and channel_id:
            client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
        elif user_id:
            client.chat_postMessage(channel=user_id, text=text)
    except Exception:
        log.warning("could not tell the user about an error", exc_info=True)


class Answered(RefBotError):
    """A refusal the listener has already answered (e.g. with a modal on the Home tab): `privately` says no more."""


@contextmanager
def privately(body: Any, client: WebClient, respond: Any) -> Iterator[None]:
    """Expected refusals (not yours, already decided, out of date, a payload RefBot can't read) are answered
    privately to whoever clicked; the listener still ends normally (unexpected errors go to the app-wide
    handler)."""
    try:
        yield
    except Answered as exc:
        log.info("refused: %s", exc.message)
    except RefBotError as exc:
        log.info("refused: %s", exc.message)
        tell_user(body, client, respond, exc.message,
                  title="Already decided" if isinstance(exc, InvalidTransition) else "RefBot")


def zone(name: str, ctx: AppContext) -> dt.tzinfo:
    """The timezone a form's metadata names, else the program's."""
    return tz.zone(name, ctx.settings.tz)
