"""The Bolt app factory. Nothing is built at import time."""

from __future__ import annotations

import importlib
import logging
from typing import Any

from slack_bolt import App

from refbot import signature
from refbot.blocks.requests import SEARCH_AGAIN_ACTION
from refbot.blocks.search import SEARCH_MODAL
from refbot.config import Settings
from refbot.context import AppContext, build_context
from refbot.gate import BACKGROUND, COMMAND, INTERACTIVE, GatedExecutor, GateMiddleware, WorkGate
from refbot.handlers import errors, router

log = logging.getLogger(__name__)

# Surface modules, each with `register(app, ctx, commands)`. Features add theirs here.
SURFACES: list[str] = [
    "refbot.handlers.search",
    "refbot.handlers.channel_asks",
    "refbot.handlers.requests",
    "refbot.handlers.debriefs",
    "refbot.handlers.nominations",
    "refbot.handlers.leaderboard",
    "refbot.handlers.coverage",
    "refbot.handlers.wishes",
    "refbot.handlers.follows",
    "refbot.handlers.contests",
    "refbot.handlers.welcome",
    "refbot.handlers.home",
    "refbot.handlers.leaders",
    "refbot.handlers.stories",
]


# Listeners doing their work at once after acknowledging (see refbot/gate.py). A few more than the two
# cores, because a listener also waits on the database and on Slack's Web API.
WORK_SLOTS = 4


def create_app(
    settings: Settings,
    *,
    context: AppContext | None = None,
    process_before_response: bool = False,
    token_verification: bool = True,
    work_slots: int = WORK_SLOTS,
) -> App:
    """Build the Bolt app wired to `settings` (Web API at SLACK_API_URL, database at DATABASE_URL).

    `process_before_response=True` makes a request's HTTP answer wait for its listener (tests and
    FaaS); the default acknowledges first and finishes the work in a background thread, at most
    `work_slots` listeners at a time, by priority (see priority_of).
    """
    ctx = context or build_context(settings)
    commands = router.CommandRouter()
    app = App(
        client=ctx.client,
        signing_secret=settings.slack_signing_secret or "socket-mode-has-no-signing-secret",
        process_before_response=process_before_response,
        token_verification_enabled=token_verification,
        request_verification_enabled=True,
        ignoring_self_events_enabled=True,
        listener_executor=GatedExecutor(WorkGate(work_slots)),
    )
    # Bolt's signature check raises on a malformed timestamp (and its error path would then act on the
    # unsigned body): the strict one answers 401 to anything it cannot verify (refbot/signature.py).
    signature.install(app, settings.slack_signing_secret or "socket-mode-has-no-signing-secret")
    app.refbot = ctx  # type: ignore[attr-defined]
    app.use(GateMiddleware(lambda body: priority_of(body, commands)))
    errors.register(app, ctx)
    router.register(app, ctx, commands)
    for name in SURFACES:
        importlib.import_module(name).register(app, ctx, commands)
    app.refbot_commands = commands  # type: ignore[attr-defined]
    return app


# Clicks and submissions that run a search rather than open a modal: they queue with the searches.
SEARCHING_VIEWS = frozenset({SEARCH_MODAL})
SEARCHING_ACTIONS = frozenset({SEARCH_AGAIN_ACTION})


def priority_of(body: dict[str, Any], commands: router.CommandRouter) -> int:
    """Which work goes first once acknowledged: clicks, modal submissions and commands that open a
    modal (their trigger_id lives 3 s), then searches and Home tabs, then channel messages."""
    if "command" in body:
        return INTERACTIVE if commands.opens_modal(str(body.get("text") or "")) else COMMAND
    if body.get("type") == "event_callback":
        # Someone opening RefBot's Home tab is looking at it; channel messages can wait.
        event = body.get("event")
        return COMMAND if isinstance(event, dict) and event.get("type") == "app_home_opened" else BACKGROUND
    view, actions = body.get("view"), body.get("actions")
    if body.get("type") == "view_submission" and isinstance(view, dict) and view.get("callback_id") in SEARCHING_VIEWS:
        return COMMAND
    if (body.get("type") == "block_actions" and isinstance(actions, list) and actions
            and isinstance(actions[0], dict) and actions[0].get("action_id") in SEARCHING_ACTIONS):
        return COMMAND
    return INTERACTIVE
