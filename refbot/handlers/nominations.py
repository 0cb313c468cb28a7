"""Nomination surface: `/reference nominate` and the Nominate buttons open the form; the account picker
answers as the user types; program managers Accept or Reject (with a reason) from their DM or Home tab.
The Home tabs a nomination changes are refreshed after the commit (services call refbot.db.touch_homes).

Thin: reads payloads (refbot.handlers.payload), calls refbot.services.nominations, renders with
refbot.blocks.nominations. Inline form errors use the database only (Slack needs the answer within 3
seconds); Slack lookups and the DMs (outbox) come after ack(). Listeners are module-level functions taking
the AppContext first; `register` binds and registers them.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from refbot.blocks import nominations as blocks
from refbot.context import AppContext
from refbot.domain import NominationStatus
from refbot.errors import NotFound, ValidationFailed
from refbot.handlers import payload
from refbot.handlers.payload import Values
from refbot.handlers.reply import privately, reason_errors, register_listeners
from refbot.handlers.router import CommandRequest, CommandRouter
from refbot.services import nominations as svc
from refbot.services.users import admin_ids, is_admin

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ payload helpers


def input_from_view(values: Values) -> svc.NominationInput:
    return svc.NominationInput(
        account=values.option("account", blocks.ACCOUNT_ACTION),
        contact_name=values.text("name"),
        contact_title=values.text("title"),
        contact_email=values.text("email"),
        why=values.text("why"),
        products=values.options("products"),
        products_other=values.text("products_other"),
        activities=values.options("activities"),
    )


def _nomination_id(body: dict[str, Any]) -> int:
    return payload.action_id_value(body, "That button is out of date.")


def _admin(ctx: AppContext, session: Any, client: WebClient | None, user_id: str) -> bool:
    """Program manager? With `client=None` (before ack) from configured ids and cached profiles only."""
    return is_admin(settings=ctx.settings, session=session, client=client, slack_id=user_id)


def open_nomination_modal(ctx: AppContext, client: WebClient, trigger_id: str) -> None:
    with ctx.db.unit_of_work() as session:
        products = svc.product_vocabulary(session=session)
    client.views_open(trigger_id=trigger_id, view=blocks.nomination_modal(products))


def _nominate_command(req: CommandRequest) -> None:
    if req.trigger_id:
        open_nomination_modal(req.ctx, req.client, req.trigger_id)


# ------------------------------------------------------------------ listeners


def on_open(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        open_nomination_modal(ctx, client, payload.trigger_id(body))


def on_account_suggest(ctx: AppContext, ack: Ack, body: dict[str, Any]) -> None:
    with ctx.db.unit_of_work(read_only=True) as session:  # answers the keystroke: never wait for a writer
        choices = svc.account_choices(session=session, query=payload.text(payload.obj(body).get("value")))
    ack(options=blocks.account_options(choices))


def _nomination_errors(ctx: AppContext, values: Values, data: svc.NominationInput) -> dict[str, str]:
    """The nomination form's inline errors by block id ({} when it may be submitted)."""
    try:
        with ctx.db.unit_of_work(read_only=True) as session:  # before ack: never wait for a writer
            svc.validate(session=session, data=data)
    except ValidationFailed as exc:
        errors = {k: v[:150] for k, v in exc.field_errors.items() if k in values}
        if "products" in exc.field_errors and "products" not in values and "products_other" in values:
            errors["products_other"] = exc.field_errors["products"]
        return errors or {"name": exc.message[:150]}
    return {}


def on_submit(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    values = Values(body)
    data = input_from_view(values)
    errors = _nomination_errors(ctx, values, data)
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    user_id = payload.user_id(body)
    with privately(body, client, respond), ctx.db.unit_of_work() as session:
        reviewers = admin_ids(settings=ctx.settings, session=session, client=client)
        if not reviewers:
            log.warning("a nomination arrived but no program manager is configured (REFBOT_ADMINS)")
        svc.submit(session=session, nominator_id=user_id, data=data, reviewers=reviewers,
                   now=ctx.clock.now(), token=payload.view_id(body))


def on_accept(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    user_id = payload.user_id(body)
    with privately(body, client, respond):
        nomination_id = _nomination_id(body)
        with ctx.db.unit_of_work() as session:
            svc.accept(session=session, nomination_id=nomination_id, actor_id=user_id,
                       is_admin=_admin(ctx, session, client, user_id), now=ctx.clock.now())


def on_reject(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        nomination_id, user_id = _nomination_id(body), payload.user_id(body)
        with ctx.db.unit_of_work() as session:
            nomination = svc.require_pending(session=session, nomination_id=nomination_id,
                                             is_admin=_admin(ctx, session, None, user_id), actor_id=user_id)
            card = svc.card_of(session=session, nomination=nomination)
        view = blocks.reject_modal(card, metadata=payload.dump(nomination_id=nomination_id))
        client.views_open(trigger_id=payload.trigger_id(body), view=view)


def _refusal(ctx: AppContext, nomination_id: int, reader_id: str) -> str | None:
    """Why a nomination can no longer be rejected (decided while the form was open), or None."""
    with ctx.db.unit_of_work(read_only=True) as session:  # before ack: never wait for a writer
        try:
            nomination = svc.get_nomination(session=session, nomination_id=nomination_id)
            return None if nomination.status is NominationStatus.pending else svc.refusal(nomination, reader_id)
        except NotFound as exc:
            return exc.message


def on_reject_submit(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    nomination_id = payload.meta_int(body, "nomination_id") or 0
    reason = Values(body).text("reason")
    errors = reason_errors(reason, limit=blocks.LIMITS["reason"], reader="nominator")
    if errors:
        ack(response_action="errors", errors=errors)
        return
    refusal = _refusal(ctx, nomination_id, payload.user_id(body))
    if refusal:
        ack(response_action="update", view=blocks.notice_modal("Reject nomination", refusal))
        return
    ack()
    user_id = payload.user_id(body)
    with privately(body, client, respond), ctx.db.unit_of_work() as session:
        svc.reject(session=session, nomination_id=nomination_id, actor_id=user_id, reason=reason,
                   is_admin=_admin(ctx, session, client, user_id), now=ctx.clock.now())


# ------------------------------------------------------------------ register


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    commands.add("nominate", _nominate_command, opens_modal=True,
                 summary="Nominate a happy customer as a reference (earns points)", usage="/reference nominate")
    register_listeners(
        app, ctx,
        actions={blocks.OPEN_ACTION: on_open, blocks.ACCEPT_ACTION: on_accept, blocks.REJECT_ACTION: on_reject},
        views={blocks.NOMINATION_MODAL: on_submit, blocks.REJECT_MODAL: on_reject_submit},
        options={blocks.ACCOUNT_ACTION: on_account_suggest},
    )
