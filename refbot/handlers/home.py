"""The App Home tab: published when the user opens it (and after their own actions: refbot.handlers.home_tab),
plus its buttons: Find a reference, Request a reference, Nominate a customer.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from refbot.blocks import home as blocks
from refbot.context import AppContext
from refbot.gate import take_slot
from refbot.handlers import payload
from refbot.handlers.home_tab import publish_home
from refbot.handlers.nominations import open_nomination_modal
from refbot.handlers.reply import listener, privately, register_listeners
from refbot.handlers.requests import open_request_picker
from refbot.handlers.router import CommandRouter
from refbot.handlers.search import open_search_modal

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


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    app.event("app_home_opened")(listener(on_home_opened, ctx))
    register_listeners(app, ctx, actions={blocks.SEARCH_ACTION: on_search, blocks.REQUEST_ACTION: on_request,
                                          blocks.NOMINATE_ACTION: on_nominate})
