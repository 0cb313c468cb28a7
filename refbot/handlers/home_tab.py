"""Publishing a user's App Home tab: on opening it (refbot.handlers.home) and, best effort, after their own
actions elsewhere (nominations, debriefs, outcomes). Its own module so those surfaces and the Home tab's
buttons (which open their forms) don't import each other."""

from __future__ import annotations

import dataclasses
import logging

from slack_sdk import WebClient

from refbot.blocks import home as blocks
from refbot.context import AppContext
from refbot.handlers.welcome import first_home
from refbot.services import home as home_service
from refbot.services.users import get_user, is_admin, profile_is_fresh, user_tz

log = logging.getLogger(__name__)


def publish_home(ctx: AppContext, client: WebClient, user_id: str) -> None:
    """Build and publish `user_id`'s Home tab (seller, plus account owner / program manager parts that apply)."""
    with ctx.db.unit_of_work(read_only=True) as session:
        fresh = profile_is_fresh(session=session, slack_id=user_id)
    if not fresh:  # about once a day per user: ask Slack for the profile (timezone, email) and cache it
        with ctx.db.unit_of_work() as session:
            get_user(session=session, client=client, slack_id=user_id)
    first, example = first_home(ctx, user_id)
    # Everything else only reads: on SQLite it neither waits for nor holds up the writer.
    with ctx.db.unit_of_work(read_only=True) as session:
        admin = is_admin(settings=ctx.settings, session=session, client=None, slack_id=user_id)
        reader_tz = user_tz(session=session, client=None, slack_id=user_id, default=ctx.settings.refbot_timezone)
        data = home_service.build_home(session=session, user_id=user_id, is_admin=admin, now=ctx.clock.now(),
                                       tz=ctx.settings.tz, default_channel=ctx.settings.refbot_leaderboard_channel)
    if first and data.growth is not None:  # the first-run welcome goes on top (refbot.handlers.welcome)
        data = dataclasses.replace(data, growth=dataclasses.replace(data.growth, welcome=True, example=example))
    client.views_publish(user_id=user_id, view=blocks.home_view(data, reader_tz=reader_tz))


def refresh_home(ctx: AppContext, client: WebClient, user_id: str) -> None:
    """Best effort: show the user's own action on their Home tab."""
    try:
        publish_home(ctx, client, user_id)
    except Exception:
        log.info("could not refresh the Home tab of %s", user_id, exc_info=True)
