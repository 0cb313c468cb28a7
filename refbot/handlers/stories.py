"""Success stories: the seller's "Write the story" opens the form (prefilled from the deal and its
debriefs); submitting sends it to the program managers, who approve or reject it (with a reason)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from refbot.blocks import stories as blocks
from refbot.context import AppContext
from refbot.errors import NotAllowed, RefBotError, ValidationFailed
from refbot.handlers import payload
from refbot.handlers.payload import Values
from refbot.handlers.reply import privately, reason_errors, register_listeners, tell_user
from refbot.handlers.router import CommandRouter
from refbot.services import stories as svc
from refbot.services.users import admin_ids, is_admin

log = logging.getLogger(__name__)
ONLY_ADMINS = "Only program managers approve success stories."


def on_write(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        trigger = payload.trigger_id(body)
        opp_id = payload.action_id_value(body, "That button is out of date.")
        user_id = payload.user_id(body)
        with ctx.db.unit_of_work(read_only=True) as session:
            admin = is_admin(settings=ctx.settings, session=session, client=None, slack_id=user_id)
            opp_id, prospect, draft = svc.draft(session=session, opportunity_id=opp_id, user_id=user_id, is_admin=admin)
        client.views_open(trigger_id=trigger, view=blocks.story_modal(opp_id, prospect, need=draft.need,
                                                                     helped=draft.helped, result=draft.result))


def on_submit(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    values = Values(body)
    story = svc.StoryInput(need=values.text("need"), helped=values.text("helped"), result=values.text("result"))
    opp_id = payload.meta_int(body, "opportunity_id") or 0
    try:
        with ctx.db.unit_of_work(read_only=True) as session:  # before ack: checks only, never waits for a writer
            svc.validate(session=session, opportunity_id=opp_id, story=story)
    except ValidationFailed as exc:
        ack(response_action="errors", errors=exc.field_errors or {"need": exc.message})
        return
    except RefBotError as exc:
        ack(response_action="errors", errors={"need": exc.message})
        return
    ack()
    user_id = payload.user_id(body)
    try:
        with ctx.db.unit_of_work() as session:
            reviewers = admin_ids(settings=ctx.settings, session=session, client=client)
            admin = is_admin(settings=ctx.settings, session=session, client=None, slack_id=user_id)
            svc.submit(session=session, opportunity_id=opp_id, user_id=user_id, is_admin=admin, story=story,
                       now=ctx.clock.now(), reviewers=reviewers)
    except RefBotError as exc:
        tell_user(body, client, None, exc.message)


def _decide(ctx: AppContext, body: dict[str, Any], client: WebClient, respond: Respond | None, *, story_id: int,
            approve: bool, reason: str = "") -> None:
    user_id = payload.user_id(body)
    with ctx.db.unit_of_work() as session:
        if not is_admin(settings=ctx.settings, session=session, client=client, slack_id=user_id):
            raise NotAllowed(ONLY_ADMINS)
        card = svc.review(session=session, story_id=story_id, actor_id=user_id, approve=approve, reason=reason,
                          now=ctx.clock.now())
    if respond is not None and payload.has_response_url(body):
        text, blks = blocks.reviewed(card, by=user_id, reader_id=user_id)  # the clicker's own review DM
        respond(text=text, blocks=blks, replace_original=True)


def on_approve(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        _decide(ctx, body, client, respond, story_id=payload.action_id_value(body, "That button is out of date."),
                approve=True)


def on_reject(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        story_id = payload.action_id_value(body, "That button is out of date.")
        with ctx.db.unit_of_work(read_only=True) as session:
            if not is_admin(settings=ctx.settings, session=session, client=None, slack_id=payload.user_id(body)):
                raise NotAllowed(ONLY_ADMINS)
            prospect = svc.prospect_of(session=session, story_id=story_id)
        client.views_open(trigger_id=payload.trigger_id(body), view=blocks.reject_modal(story_id, prospect))


def on_reject_submit(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    reason = Values(body).text("reason")
    errors = reason_errors(reason, limit=500, reader="seller")
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    try:
        _decide(ctx, body, client, None, story_id=payload.meta_int(body, "story_id") or 0, approve=False, reason=reason)
    except RefBotError as exc:
        tell_user(body, client, None, exc.message)


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    register_listeners(
        app, ctx,
        actions={blocks.WRITE_ACTION: on_write, blocks.APPROVE_ACTION: on_approve, blocks.REJECT_ACTION: on_reject},
        views={blocks.STORY_MODAL: on_submit, blocks.REJECT_MODAL: on_reject_submit},
    )
