"""Publishing a user's App Home tab: on opening it (refbot.handlers.home) and, best effort, after their own
actions elsewhere (nominations, debriefs, outcomes). Its own module so those surfaces and the Home tab's
buttons (which open their forms) don't import each other."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from refbot.blocks import home as blocks
from refbot.context import AppContext
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
    # Everything else only reads: on SQLite it neither waits for nor holds up the writer.
    with ctx.db.unit_of_work(read_only=True) as session:
        admin = is_admin(settings=ctx.settings, session=session, client=None, slack_id=user_id)
        reader_tz = user_tz(session=session, client=None, slack_id=user_id, default=ctx.settings.refbot_timezone)
        data = home_service.build_home(session=session, user_id=user_id, is_admin=admin, now=ctx.clock.now(),
                                       tz=ctx.settings.tz, default_channel=ctx.settings.refbot_leaderboard_channel)
        team = leader_blocks(ctx, session, client, user_id)
    view = blocks.home_view(data, reader_tz=reader_tz)
    if team:  # a sales leader's team section goes just above the footer
        view["blocks"] = blocks.cap_blocks(view["blocks"][:-1] + team + view["blocks"][-1:])
    client.views_publish(user_id=user_id, view=view)


def leader_blocks(ctx: AppContext, session: Session, client: WebClient, user_id: str) -> list[dict[str, Any]]:
    """The team section of a sales leader's Home tab ([] for everyone else)."""
    from refbot.blocks.leaders import team_home_blocks
    from refbot.services import leaders

    team = leaders.team_of(settings=ctx.settings, session=session, client=client, user_id=user_id)
    if team is None:
        return []
    now = ctx.clock.now()
    view = leaders.team_view(session=session, team=team, now=now, tz_name=ctx.settings.refbot_timezone)
    return team_home_blocks(view, now=now)


def refresh_home(ctx: AppContext, client: WebClient, user_id: str) -> None:
    """Best effort: show the user's own action on their Home tab."""
    try:
        publish_home(ctx, client, user_id)
    except Exception:
        log.info("could not refresh the Home tab of %s", user_id, exc_info=True)
