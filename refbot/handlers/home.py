"""The App Home tab: published when the user opens it, after every change that concerns them
(refbot.handlers.home_tab) and when they page through a list; plus its buttons: Find a reference, Request a
reference, Nominate a customer, Next / Previous, Full report (program managers) and a request's Open (its
details in a modal, also on the program managers' flagged-request DM).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from refbot.blocks import home as blocks
from refbot.blocks import kit
from refbot.blocks import requests as request_blocks
from refbot.blocks.reports import report_message
from refbot.context import AppContext
from refbot.errors import NotAllowed
from refbot.gate import take_slot
from refbot.handlers import payload
from refbot.handlers.home_tab import publish_home, watch
from refbot.handlers.nominations import open_nomination_modal
from refbot.handlers.reply import listener, privately, register_listeners
from refbot.handlers.requests import open_request_picker
from refbot.handlers.router import CommandRouter
from refbot.handlers.search import open_search_modal
from refbot.services import reports
from refbot.services import requests as request_service
from refbot.services.users import is_admin

__all__ = ["publish_home", "register"]

log = logging.getLogger(__name__)


def on_home_opened(ctx: AppContext, event: dict[str, Any], client: WebClient) -> None:
    user_id = payload.text(payload.obj(event).get("user"))
    if payload.obj(event).get("tab") != "home" or not user_id:
        return
    take_slot()  # Bolt acknowledged the event before this listener started
    try:
        publish_home(ctx, client, user_id)
    except Exception:  # the tab keeps its previous content; the next open tries again
        log.warning("could not publish the Home tab of %s", user_id, exc_info=True)


def on_search(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    with privately(body, client, None):
        open_search_modal(client, payload.trigger_id(body), ctx)


def on_request(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    with privately(body, client, None):
        open_request_picker(ctx, client, trigger_id=payload.trigger_id(body), user_id=payload.user_id(body))


def on_nominate(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    with privately(body, client, None):
        open_nomination_modal(ctx, client, payload.trigger_id(body))


def on_page(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """Next / Previous under a cut list: the tab again, at that page of that list (a stale value: page one)."""
    ack()
    name, _, start = payload.action_value(body).partition(":")
    offset = payload.to_int(start)
    pages = {name: offset} if name in blocks.LISTS and offset is not None else {}
    try:
        publish_home(ctx, client, payload.user_id(body), pages=pages)
    except Exception:
        log.warning("could not page the Home tab", exc_info=True)


def on_report(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """*Full report* on a program manager's Home: `/reference stats` in a modal."""
    ack()
    with privately(body, client, None):
        trigger, user_id = payload.trigger_id(body), payload.user_id(body)
        with ctx.db.unit_of_work() as session:
            if not is_admin(settings=ctx.settings, session=session, client=None, slack_id=user_id):
                raise NotAllowed("Only program managers see the program report.")
            report = reports.build_report(session=session, now=ctx.clock.now(),
                                          tz_name=ctx.settings.refbot_timezone)
        _, report_blocks = report_message(report)
        client.views_open(trigger_id=trigger, view=kit.modal("Program report", report_blocks, close="Close"))


def on_open_request(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    """*Open* on a flagged request (DM or Home): its details, for whoever may decide it or asked for it."""
    ack()
    with privately(body, client, respond):
        trigger, user_id = payload.trigger_id(body), payload.user_id(body)
        request_id = payload.action_id_value(body, "That button is out of date.")
        env = request_service.RequestEnv(settings=ctx.settings, client=None, now=ctx.clock.now())
        with ctx.db.unit_of_work(read_only=True) as session:
            request = request_service.get_request(session=session, request_id=request_id)
            decides = request_service.can_decide(session=session, env=env, request=request, user_id=user_id)
            if not decides and user_id != request.requester_id:
                raise NotAllowed(f"Request #{request_id} is for its account owner and the program managers.")
            card = request_service.card_of(session=session, request=request, today=env.today(session))
            tz = env.tz(session, user_id)
        client.views_open(trigger_id=trigger, view=request_blocks.details_modal(card, reader_tz=tz,
                                                                                can_decide=decides))


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    watch(ctx)
    app.event("app_home_opened")(listener(on_home_opened, ctx))
    register_listeners(app, ctx, actions={
        blocks.SEARCH_ACTION: on_search, blocks.REQUEST_ACTION: on_request, blocks.NOMINATE_ACTION: on_nominate,
        blocks.PAGE_ACTION: on_page, blocks.PAGE_BACK_ACTION: on_page,
        blocks.REPORT_ACTION: on_report, request_blocks.OPEN_ACTION: on_open_request})
