"""Coverage gaps surface: the program manager's "Ask the owner to nominate" button (Home tab). The owner's DM
carries the ordinary Nominate button (refbot.handlers.nominations)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from refbot.blocks import coverage as blocks
from refbot.blocks.format import date_text
from refbot.context import AppContext
from refbot.errors import ValidationFailed
from refbot.handlers import payload
from refbot.handlers.home_tab import refresh_home
from refbot.handlers.reply import privately, register_listeners, tell_user
from refbot.handlers.router import CommandRequest, CommandRouter
from refbot.services import coverage as svc
from refbot.services.users import is_admin


def on_ask_nominate(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    user_id = payload.user_id(body)
    with privately(body, client, respond):
        try:
            account_id, segment_key = blocks.load_button(payload.action_value(body))
        except ValueError:
            raise ValidationFailed("That button is out of date. Open RefBot's Home tab again.") from None
        with ctx.db.unit_of_work() as session:
            asked = svc.ask_owner_to_nominate(
                session=session, account_id=account_id, segment_key=segment_key, actor_id=user_id,
                is_admin=is_admin(settings=ctx.settings, session=session, client=client, slack_id=user_id),
                now=ctx.clock.now())
        tell_user(body, client, respond, blocks.asked_text(asked))
        refresh_home(ctx, client, user_id)


def _gaps_command(req: CommandRequest) -> None:
    now = req.ctx.clock.now()
    with req.ctx.db.unit_of_work(read_only=True) as session:
        coverage = svc.coverage_gaps(session=session, now=now, tz=req.ctx.settings.tz, limit=blocks.MESSAGE_GAPS)
    text, blks = blocks.gaps_message(coverage, since_text=date_text(coverage.since.astimezone(req.ctx.settings.tz).date()))
    req.respond(response_type="ephemeral", text=text, blocks=blks)


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    commands.add("gaps", _gaps_command, admin_only=True, usage=blocks.GAPS_COMMAND,
                 summary="Coverage gaps: what sellers ask for and the program has too few references for")
    register_listeners(app, ctx, actions={blocks.ASK_NOMINATE_ACTION: on_ask_nominate})
