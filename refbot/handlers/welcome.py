"""The first-run welcome: before the answer to a person's first `/reference` (anything but help) and at the top
of their first Home tab (refbot.handlers.home_tab), once per person (refbot.services.welcome)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App

from refbot.blocks.welcome import welcome_message
from refbot.context import AppContext
from refbot.handlers.router import CommandRequest, CommandRouter
from refbot.services import welcome as svc

log = logging.getLogger(__name__)


def first_home(ctx: AppContext, user_id: str) -> tuple[bool, str | None]:
    """(first time, example search) for a Home tab about to be published; one write only the first time."""
    with ctx.db.unit_of_work(read_only=True) as session:
        if svc.welcomed(session=session, user_id=user_id):
            return False, None
    with ctx.db.unit_of_work() as session:
        if not svc.claim(session=session, user_id=user_id, now=ctx.clock.now()):
            return False, None
        return True, svc.example_search(session=session)


def greet(req: CommandRequest) -> Callable[[], None] | None:
    """Before the subcommand answers: a person's first `/reference` gets the welcome privately (a quick read
    for everyone else). A modal the command opens is opened after it: well within its trigger's 3 seconds."""
    if req.subcommand == "help":  # help says it all already; the welcome waits for their next command or Home
        return None
    try:
        with req.ctx.db.unit_of_work(read_only=True) as session:
            if svc.welcomed(session=session, user_id=req.user_id):
                return None
        with req.ctx.db.unit_of_work() as session:
            if not svc.claim(session=session, user_id=req.user_id, now=req.ctx.clock.now()):
                return None
            example = svc.example_search(session=session)
        text, blocks = welcome_message(example)
        req.respond(response_type="ephemeral", text=text, blocks=blocks)
    except Exception:  # a welcome is a nicety: never fail the command for it
        log.info("could not welcome %s", req.user_id, exc_info=True)
    return None


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    commands.greeters.append(greet)
