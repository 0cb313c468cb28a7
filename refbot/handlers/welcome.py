"""The first-run welcome: behind the form a person's first `/reference` opens, and on top of their first Home
tab (refbot.handlers.home_tab), once per person (refbot.services.welcome)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from slack_bolt import App

from refbot.blocks.welcome import welcome_message
from refbot.context import AppContext
from refbot.handlers import payload
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


def greet(commands: CommandRouter, req: CommandRequest) -> Callable[[], None] | None:
    """A person's first `/reference` that opens a form (`/reference` alone, `… nominate`, `… wish`): once the
    form is open, the welcome privately behind it. Commands that answer in the channel keep their answer to
    themselves (the welcome then waits for the next form or the Home tab). Everyone else: one quick read."""
    if not commands.opens_modal(payload.text(req.body.get("text"))):
        return None
    with req.ctx.db.unit_of_work(read_only=True) as session:
        if svc.welcomed(session=session, user_id=req.user_id):
            return None

    def then() -> None:
        try:
            with req.ctx.db.unit_of_work() as session:
                if not svc.claim(session=session, user_id=req.user_id, now=req.ctx.clock.now()):
                    return
                example = svc.example_search(session=session)
            text, blocks = welcome_message(example)
            req.respond(response_type="ephemeral", text=text, blocks=blocks)
        except Exception:  # a welcome is a nicety: never fail the command for it
            log.info("could not welcome %s", req.user_id, exc_info=True)

    return then


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    commands.greeters.append(functools.partial(greet, commands))
