"""The App Home tab: published when the user opens it and after their own actions (`publish_home`), plus its
buttons: Find a reference, Request a reference, Nominate a customer.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from refbot.blocks import home as blocks
from refbot.context import AppContext
from refbot.gate import take_slot
from refbot.handlers.errors import tell_user
from refbot.handlers.nominations import open_nomination_modal
from refbot.handlers.router import CommandRouter
from refbot.services import home as home_service
from refbot.services.users import get_user, is_admin, profile_is_fresh, user_tz

log = logging.getLogger(__name__)

SEARCH_HINT = ("Search with `/reference search` and what you need, e.g. "
               "`/reference search bank in Germany 5k employees VP integration`.")
REQUEST_HINT = ("To request a reference, search first: `/reference search …`, then press *Request* on the customer "
                "you want. I'll ask their account owner for you.")


def publish_home(ctx: AppContext, client: WebClient, user_id: str) -> None:
    """Build and publish `user_id`'s Home tab (seller, plus account owner / program manager parts that apply)."""
    with ctx.db.unit_of_work(read_only=True) as session:
        fresh = profile_is_fresh(session=session, slack_id=user_id)
    if not fresh:  # about once a day per user: ask Slack for the profile (timezone, email) and cache it
        with ctx.db.unit_of_work() as session:
            get_user(session=session, client=client, slack_id=user_id)
    # Everything else only reads: on SQLite it neither waits for nor holds up the writer.
    with ctx.db.unit_of_work(read_only=True) as session:
        admin = is_admin(settings=ctx.settings, session=session, client=None, slack_id=user_id)
        reader_tz = user_tz(session=session, client=None, slack_id=user_id, default=ctx.settings.refbot_timezone)
        data = home_service.build_home(session=session, user_id=user_id, is_admin=admin, now=ctx.clock.now(),
                                       tz=ctx.settings.tz, default_channel=ctx.settings.refbot_leaderboard_channel)
    client.views_publish(user_id=user_id, view=blocks.home_view(data, reader_tz=reader_tz))


def _optional(module: str, name: str) -> Any:
    """A function another surface provides, or None when that surface isn't installed."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def _user(body: dict[str, Any]) -> str:
    return (body.get("user") or {}).get("id") or ""


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") != "home" or not event.get("user"):
            return
        take_slot()  # Bolt acknowledged the event before this listener started
        try:
            publish_home(ctx, client, event["user"])
        except Exception:  # the tab keeps its previous content; the next open tries again
            log.warning("could not publish the Home tab of %s", event.get("user"), exc_info=True)

    @app.action(blocks.SEARCH_ACTION)
    def on_search(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        open_search_modal = _optional("refbot.handlers.search", "open_search_modal")
        if open_search_modal is None:
            tell_user(body, client, None, SEARCH_HINT)
            return
        open_search_modal(client, body["trigger_id"], ctx)

    @app.action(blocks.REQUEST_ACTION)
    def on_request(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        open_request_picker = _optional("refbot.handlers.requests", "open_request_picker")
        if open_request_picker is None:
            tell_user(body, client, None, REQUEST_HINT)
            return
        open_request_picker(ctx, client, trigger_id=body["trigger_id"], user_id=_user(body))

    @app.action(blocks.NOMINATE_ACTION)
    def on_nominate(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        open_nomination_modal(ctx, client, body["trigger_id"])
