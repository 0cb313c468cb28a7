"""Wish list surface: `/reference wish <customer>` and the "Wish for a customer" button on searches with no good
match open the form; the account owner answers "Yes" (on to the nomination form) or "Not now"; program
managers read `/reference wishes` (and the list on their Home tab)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from refbot.blocks import wishes as blocks
from refbot.context import AppContext
from refbot.handlers import payload
from refbot.handlers.home_tab import refresh_home
from refbot.handlers.nominations import open_nomination_modal
from refbot.handlers.payload import Values
from refbot.handlers.reply import privately, refused_inline, register_listeners, tell_user
from refbot.handlers.router import CommandRequest, CommandRouter
from refbot.services import wishes as svc
from refbot.services.users import is_admin


def open_wish_modal(ctx: AppContext, client: WebClient, *, trigger_id: str, user_id: str, customer: str = "",
                    search_id: int | None = None) -> None:
    with ctx.db.unit_of_work(read_only=True) as session:
        deals = svc.deal_choices(session=session, user_id=user_id)
    client.views_open(trigger_id=trigger_id, view=blocks.wish_modal(
        customer=customer, deals=deals, metadata={"search_id": search_id} if search_id else {}))


def _wish_command(req: CommandRequest) -> None:
    if req.trigger_id:
        open_wish_modal(req.ctx, req.client, trigger_id=req.trigger_id, user_id=req.user_id, customer=req.text)


def _wishes_command(req: CommandRequest) -> None:
    with req.ctx.db.unit_of_work(read_only=True) as session:
        lines, total = svc.wish_list(session=session, limit=20)
    text, blks = blocks.wish_list_message(lines, total)
    req.respond(response_type="ephemeral", text=text, blocks=blks)


def on_open(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        open_wish_modal(ctx, client, trigger_id=payload.trigger_id(body), user_id=payload.user_id(body),
                        search_id=payload.to_int(payload.action_value(body)))


def _input(body: dict[str, Any]) -> svc.WishInput:
    values = Values(body)
    return svc.WishInput(customer=values.text("customer"), why=values.text("why"),
                         opportunity_id=payload.to_int(values.option("deal")),
                         search_id=payload.meta_int(body, "search_id"))


def on_submit(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    data, user_id = _input(body), payload.user_id(body)
    if refused_inline(ack, ctx, lambda session: svc.validate(session=session, user_id=user_id, data=data)):
        return
    ack()
    with privately(body, client, respond):
        with ctx.db.unit_of_work() as session:
            svc.submit(session=session, requester_id=user_id, data=data, now=ctx.clock.now(),
                       token=payload.view_id(body))
        refresh_home(ctx, client, user_id)


def _answer(ctx: AppContext, body: dict[str, Any], client: WebClient, *, open_to_it: bool) -> str:
    customer_id = payload.action_id_value(body, "That question is out of date.")
    user_id = payload.user_id(body)
    with ctx.db.unit_of_work() as session:
        customer = svc.answer(session=session, customer_id=customer_id, actor_id=user_id, open_to_it=open_to_it,
                              is_admin=is_admin(settings=ctx.settings, session=session, client=client,
                                                slack_id=user_id), now=ctx.clock.now())
        return customer.name


def on_yes(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        open_nomination_modal(ctx, client, payload.trigger_id(body))  # first: the trigger id lives 3 seconds
        _answer(ctx, body, client, open_to_it=True)


def on_not_now(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        name = _answer(ctx, body, client, open_to_it=False)
        tell_user(body, client, respond, blocks.answered_text(customer=name, open_to_it=False))


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    commands.add("wish", _wish_command, opens_modal=True, usage="/reference wish <customer>",
                 summary="Name a customer you wish were a reference, and why")
    commands.add("wishes", _wishes_command, admin_only=True, usage="/reference wishes",
                 summary="The wish list: customers sellers want as references, most wanted first")
    register_listeners(app, ctx, actions={blocks.OPEN_ACTION: on_open, blocks.YES_ACTION: on_yes,
                                          blocks.NOT_NOW_ACTION: on_not_now},
                       views={blocks.WISH_MODAL: on_submit})
