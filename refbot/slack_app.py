"""The Bolt app factory. Nothing is built at import time."""

from __future__ import annotations

import importlib
import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App

from refbot.config import Settings
from refbot.context import AppContext, build_context
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
    "refbot.handlers.home",
]


def create_app(
    settings: Settings,
    *,
    context: AppContext | None = None,
    process_before_response: bool = False,
    token_verification: bool = True,
) -> App:
    """Build the Bolt app wired to `settings` (Web API at SLACK_API_URL, database at DATABASE_URL).

    `process_before_response=True` makes a request's HTTP answer wait for its listener (tests and
    FaaS); the default acknowledges first and finishes the work in a background thread.
    """
    ctx = context or build_context(settings)
    app = App(
        client=ctx.client,
        signing_secret=settings.slack_signing_secret or "socket-mode-has-no-signing-secret",
        process_before_response=process_before_response,
        token_verification_enabled=token_verification,
        request_verification_enabled=True,
        ignoring_self_events_enabled=True,
        # Listeners call ack() from this pool: it must be large enough that a burst of slow searches
        # never leaves a new request waiting for a thread before it can acknowledge.
        listener_executor=ThreadPoolExecutor(max_workers=32, thread_name_prefix="refbot-listener"),
    )
    app.refbot = ctx  # type: ignore[attr-defined]
    errors.register(app, ctx)
    commands = router.CommandRouter()
    router.register(app, ctx, commands)
    for name in SURFACES:
        importlib.import_module(name).register(app, ctx, commands)
    app.refbot_commands = commands  # type: ignore[attr-defined]
    return app
