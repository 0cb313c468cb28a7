""""Tell me when one joins": the button under a search with no good match. The DM itself comes from the
`follows` job (refbot.jobs.growth); its Request button is the search results' own."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from refbot.blocks import follows as blocks
from refbot.context import AppContext
from refbot.handlers import payload
from refbot.handlers.reply import privately, register_listeners, tell_user
from refbot.handlers.router import CommandRouter
from refbot.services import follows as svc


def on_follow(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        search_id = payload.action_id_value(body, "That search has expired. Run `/reference search` again.")
        with ctx.db.unit_of_work() as session:
            followed = svc.follow(session=session, user_id=payload.user_id(body), search_id=search_id,
                                  now=ctx.clock.now())
        tell_user(body, client, respond, blocks.followed_text(
            summary=followed.summary, query=followed.query, repeated=followed.repeated, days=svc.FOLLOW_DAYS,
            following=followed.following))


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    register_listeners(app, ctx, actions={blocks.FOLLOW_ACTION: on_follow})
