"""Nomination surface: `/reference nominate` and the Nominate buttons open the form; the account picker
answers as the user types; program managers Accept or Reject (with a reason) from their DM or Home tab.

Thin: reads payloads, calls refbot.services.nominations, renders with refbot.blocks.nominations. Inline
form errors use the database only (Slack needs the answer within 3 seconds); Slack lookups and the DMs
(outbox) come after ack().
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from refbot.blocks import nominations as blocks
from refbot.context import AppContext
from refbot.domain import NominationStatus
from refbot.errors import NotFound, RefBotError, ValidationFailed
from refbot.handlers.errors import tell_user
from refbot.handlers.router import CommandRequest, CommandRouter
from refbot.services import nominations as svc
from refbot.services.users import admin_ids, is_admin

log = logging.getLogger(__name__)


# ------------------------------------------------------------------ payload helpers


def field(values: dict[str, Any], block_id: str, action_id: str = blocks.VALUE) -> Any:
    v = (values.get(block_id) or {}).get(action_id) or {}
    kind = v.get("type")
    if kind in ("static_select", "external_select"):
        opt = v.get("selected_option")
        return opt["value"] if opt else None
    if kind in ("checkboxes", "multi_static_select", "multi_external_select"):
        return [o["value"] for o in v.get("selected_options") or []]
    return (v.get("value") or "").replace("\x00", "").strip()  # PostgreSQL can't store NUL characters


def input_from_view(values: dict[str, Any]) -> svc.NominationInput:
    return svc.NominationInput(
        account=field(values, "account", blocks.ACCOUNT_ACTION),
        contact_name=field(values, "name") or "",
        contact_title=field(values, "title") or "",
        contact_email=field(values, "email") or "",
        why=field(values, "why") or "",
        products=field(values, "products") or [],
        products_other=field(values, "products_other") or "",
        activities=field(values, "activities") or [],
    )


def _user(body: dict[str, Any]) -> str:
    return (body.get("user") or {}).get("id") or body.get("user_id") or ""


def _nomination_id(body: dict[str, Any]) -> int:
    try:
        return int((body.get("actions") or [{}])[0].get("value") or "")
    except ValueError:
        raise NotFound("That button is out of date.") from None


def _meta(body: dict[str, Any]) -> dict[str, Any]:
    try:
        meta = json.loads(body["view"].get("private_metadata") or "{}")
    except (KeyError, json.JSONDecodeError):
        return {}
    return meta if isinstance(meta, dict) else {}


@contextmanager
def _privately(body: dict[str, Any], client: WebClient, respond: Respond | None) -> Iterator[None]:
    """Expected refusals (not a program manager, already decided) go privately to the person who clicked."""
    try:
        yield
    except RefBotError as exc:
        log.info("refused: %s", exc.message)
        tell_user(body, client, respond, exc.message)


def refresh_home(ctx: AppContext, client: WebClient, user_id: str) -> None:
    """Best effort: show the user's own action on their Home tab."""
    from refbot.handlers.home import publish_home

    try:
        publish_home(ctx, client, user_id)
    except Exception:
        log.info("could not refresh the Home tab of %s", user_id, exc_info=True)


def open_nomination_modal(ctx: AppContext, client: WebClient, trigger_id: str) -> None:
    with ctx.db.unit_of_work() as session:
        products = svc.product_vocabulary(session=session)
    client.views_open(trigger_id=trigger_id, view=blocks.nomination_modal(products))


# ------------------------------------------------------------------ register


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    def nominate(req: CommandRequest) -> None:
        if req.trigger_id:
            open_nomination_modal(req.ctx, req.client, req.trigger_id)

    commands.add("nominate", nominate, opens_modal=True, summary="Nominate a happy customer as a reference (earns points)",
                 usage="/reference nominate")

    def quick_admin(session: Any, user_id: str) -> bool:
        """Before ack(): configured ids and cached profiles only."""
        return is_admin(settings=ctx.settings, session=session, client=None, slack_id=user_id)

    @app.action(blocks.OPEN_ACTION)
    def on_open(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        open_nomination_modal(ctx, client, body["trigger_id"])

    @app.options(blocks.ACCOUNT_ACTION)
    def on_account_suggest(ack: Ack, body: dict[str, Any]) -> None:
        with ctx.db.unit_of_work(read_only=True) as session:  # answers the keystroke: never wait for a writer
            choices = svc.account_choices(session=session, query=str(body.get("value") or ""))
        ack(options=blocks.account_options(choices))

    @app.view(blocks.NOMINATION_MODAL)
    def on_submit(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        values = body["view"]["state"]["values"]
        data = input_from_view(values)
        user_id = _user(body)
        try:
            with ctx.db.unit_of_work(read_only=True) as session:  # before ack: never wait for a writer
                svc.validate(session=session, data=data)
        except ValidationFailed as exc:
            errors = {k: v[:150] for k, v in exc.field_errors.items() if k in values}
            if "products" in exc.field_errors and "products" not in values and "products_other" in values:
                errors["products_other"] = exc.field_errors["products"]
            ack(response_action="errors", errors=errors or {"name": exc.message[:150]})
            return
        ack()
        with _privately(body, client, respond):
            with ctx.db.unit_of_work() as session:
                reviewers = admin_ids(settings=ctx.settings, session=session, client=client)
                if not reviewers:
                    log.warning("a nomination arrived but no program manager is configured (REFBOT_ADMINS)")
                svc.submit(session=session, nominator_id=user_id, data=data, reviewers=reviewers,
                           now=ctx.clock.now(), token=body["view"].get("id"))
            refresh_home(ctx, client, user_id)

    @app.action(blocks.ACCEPT_ACTION)
    def on_accept(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        user_id = _user(body)
        with _privately(body, client, respond):
            nomination_id = _nomination_id(body)
            with ctx.db.unit_of_work() as session:
                admin = is_admin(settings=ctx.settings, session=session, client=client, slack_id=user_id)
                svc.accept(session=session, nomination_id=nomination_id, actor_id=user_id, is_admin=admin,
                           now=ctx.clock.now())
            refresh_home(ctx, client, user_id)

    @app.action(blocks.REJECT_ACTION)
    def on_reject(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        with _privately(body, client, respond):
            nomination_id = _nomination_id(body)
            with ctx.db.unit_of_work() as session:
                nomination = svc.require_pending(session=session, nomination_id=nomination_id,
                                                 is_admin=quick_admin(session, _user(body)))
                card = svc.card_of(session=session, nomination=nomination)
            view = blocks.reject_modal(card, metadata=json.dumps({"nomination_id": nomination_id}))
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(blocks.REJECT_MODAL)
    def on_reject_submit(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        nomination_id = int(_meta(body).get("nomination_id") or 0)
        reason = field(body["view"]["state"]["values"], "reason") or ""
        if not reason:
            ack(response_action="errors", errors={"reason": "Say why, briefly: the nominator sees it."})
            return
        if len(reason) > blocks.LIMITS["reason"]:
            ack(response_action="errors", errors={"reason": f"Keep it under {blocks.LIMITS['reason']} characters."})
            return
        with ctx.db.unit_of_work(read_only=True) as session:  # before ack: never wait for a writer
            try:
                nomination = svc.get_nomination(session=session, nomination_id=nomination_id)
                refusal = None if nomination.status is NominationStatus.pending else svc.refusal(nomination)
            except NotFound as exc:
                refusal = exc.message
        if refusal:  # decided while the form was open
            ack(response_action="update", view=blocks.notice_modal("Reject nomination", refusal))
            return
        ack()
        user_id = _user(body)
        with _privately(body, client, respond):
            with ctx.db.unit_of_work() as session:
                admin = is_admin(settings=ctx.settings, session=session, client=client, slack_id=user_id)
                svc.reject(session=session, nomination_id=nomination_id, actor_id=user_id, is_admin=admin,
                           reason=reason, now=ctx.clock.now())
            refresh_home(ctx, client, user_id)
