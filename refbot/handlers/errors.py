"""The one app-wide error handler: log, then tell the user something useful, privately.

`register` also installs the guard that answers 400 to a body Bolt cannot read (refbot/handlers/malformed.py):
such a body would crash Bolt while it builds this handler's arguments, so it must never reach it."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from refbot import signature
from refbot.context import AppContext
from refbot.db import DatabaseUnavailable
from refbot.errors import RefBotError
from refbot.handlers import malformed
from refbot.handlers.reply import tell_user

__all__ = ["TOO_SLOW", "TRY_AGAIN", "UNEXPECTED", "register", "tell_user", "user_message"]

log = logging.getLogger(__name__)

TRY_AGAIN = "RefBot's database is busy right now, so nothing was changed. Please try again in a minute."
UNEXPECTED = "Sorry, something went wrong on RefBot's side and nothing was changed. Please try again; if it keeps happening, tell your program manager."


TOO_SLOW = "Slack gave me too little time to open that form. Please click again."


def slack_error(error: BaseException) -> str | None:
    if isinstance(error, SlackApiError) and isinstance(error.response.data, dict):
        return str(error.response.data.get("error") or "") or None
    return None


def user_message(error: BaseException) -> str | None:
    """What to tell the user privately, or None when there is nothing for them to do."""
    if isinstance(error, RefBotError):
        return error.message
    if isinstance(error, DatabaseUnavailable):
        return TRY_AGAIN
    code = slack_error(error)
    if code == "exchanged_trigger_id":
        return None  # the same click delivered twice: the first delivery opened the form
    if code == "expired_trigger_id":
        return TOO_SLOW
    return UNEXPECTED


def on_error(
    error: BaseException, body: dict[str, Any], client: WebClient, request: Any = None, respond: Any = None
) -> BoltResponse:
    if not signature.trusted(request):
        # Never act on a body whose signature was not verified (no reply, no DM, no response_url).
        log.info("error on an unverified request, refused: %s", type(error).__name__)
        return BoltResponse(status=401, body={"error": "invalid request"})
    message = user_message(error)
    if isinstance(error, RefBotError):
        log.info("refused: %s", error.message)
    elif message in (None, TOO_SLOW):
        log.info("could not open a form: %s", slack_error(error))
    else:
        log.error("unhandled error in a Slack listener: %s", error, exc_info=error)
    if message is not None:
        tell_user(body, client, respond, message)
    # The user has been told privately; an HTTP error would only make Slack show a generic
    # failure (and retry events), so the request is acknowledged.
    return BoltResponse(status=200, body="")


def register(app: App, ctx: AppContext) -> None:
    malformed.register(app)
    app.error(on_error)
