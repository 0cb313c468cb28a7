"""Sales leaders: "Edit and post" (monthly DM, Home tab) opens the ready-to-post team message in a modal;
submitting it posts the leader's words to the channel they picked. Only configured leaders may use it."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from refbot.blocks import leaders as blocks
from refbot.context import AppContext
from refbot.errors import NotAllowed, ValidationFailed
from refbot.handlers import payload
from refbot.handlers.leaderboard import check_channel
from refbot.handlers.payload import Values
from refbot.handlers.reply import privately, register_listeners
from refbot.handlers.router import CommandRouter
from refbot.services import digest as digest_svc
from refbot.services import leaders as svc
from refbot.services.outbox import enqueue

log = logging.getLogger(__name__)
NOT_A_LEADER = "Only sales leaders set up in RefBot (REFBOT_SALES_LEADERS) can post team summaries."


def month_view(ctx: AppContext, session: Any, team: tuple[str, ...], month: dt.date) -> dict[str, Any]:
    since, until = digest_svc.month_window(month, ctx.settings.tz)
    return svc.team_view(session=session, team=team, now=ctx.clock.now(), tz_name=ctx.settings.refbot_timezone,
                         since=since, until=until, title=f"{month:%B %Y}")


def _month(ctx: AppContext, value: str) -> dt.date:
    if value in ("", "last"):
        return digest_svc.last_full_month(now=ctx.clock.now(), tz=ctx.settings.tz)
    try:
        return digest_svc.parse_month(value)
    except ValidationFailed:
        raise payload.BadPayload("That button is out of date.") from None


def on_post_open(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        trigger = payload.trigger_id(body)
        user_id = payload.user_id(body)
        month = _month(ctx, payload.action_value(body))
        with ctx.db.unit_of_work(read_only=True) as session:
            team = svc.team_of(settings=ctx.settings, session=session, client=client, user_id=user_id)
            if team is None:
                raise NotAllowed(NOT_A_LEADER)
            text = blocks.team_post_text(month_view(ctx, session, team, month))
        client.views_open(trigger_id=trigger, view=blocks.post_modal(text, month=digest_svc.month_key(month)))


def on_post_submit(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    values = Values(body)
    user_id = payload.user_id(body)
    text = values.text(blocks.TEXT_BLOCK).strip()
    channel = values.conversation(blocks.CHANNEL_BLOCK)
    errors: dict[str, str] = {}
    if not text:
        errors[blocks.TEXT_BLOCK] = "Write something to post (or cancel)."
    elif len(text) > blocks.POST_MAX:
        errors[blocks.TEXT_BLOCK] = f"Keep it under {blocks.POST_MAX:,} characters."
    if not channel:
        errors[blocks.CHANNEL_BLOCK] = "Pick the channel to post in."
    with ctx.db.unit_of_work(read_only=True) as session:
        team = svc.team_of(settings=ctx.settings, session=session, client=None, user_id=user_id)
    if team is None:
        errors[blocks.TEXT_BLOCK] = NOT_A_LEADER
    if channel and not errors:
        try:
            check_channel(client, channel)
        except ValidationFailed as exc:
            errors[blocks.CHANNEL_BLOCK] = exc.message.replace("the leaderboard names", "the post names")
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    assert channel is not None
    post_text, post_blocks = blocks.team_post_message(text, leader_id=user_id)
    with ctx.db.unit_of_work() as session:  # the view id makes a double submit post once
        enqueue(session=session, key=f"leader-post:{payload.view_id(body) or user_id}", channel=channel,
                text=post_text, blocks=post_blocks)


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    register_listeners(app, ctx, actions={blocks.POST_ACTION: on_post_open}, views={blocks.POST_MODAL: on_post_submit})
