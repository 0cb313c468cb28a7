"""Publishing a user's App Home tab: on opening it (refbot.handlers.home), after every change that makes it
stale wherever it was made (a decision from a DM button, the Home tab, another program manager, a job:
services call `refbot.db.touch_homes` and the database calls `refresh_homes` after the commit), and when the
reader pages through a long list. Its own module so those surfaces and the Home tab's buttons (which open
their forms) don't import each other."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from refbot.blocks import home as blocks
from refbot.context import AppContext
from refbot.handlers.welcome import first_home
from refbot.services import home as home_service
from refbot.services.users import admin_ids, get_user, is_admin, profile_is_fresh, user_tz

log = logging.getLogger(__name__)


def publish_home(ctx: AppContext, client: WebClient, user_id: str, *, pages: Mapping[str, int] | None = None,
                 shared: dict[str, Any] | None = None) -> None:
    """Build and publish `user_id`'s Home tab (seller, plus account owner / program manager parts that apply).
    `pages`: the first item shown of the lists the reader paged through (section name -> offset). `shared`: a
    batch of Homes published together keeps the program manager part here, built once for all of them."""
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
        now, channel = ctx.clock.now(), ctx.settings.refbot_leaderboard_channel
        program = None
        if admin and shared is not None and not pages:
            if "admin" not in shared:
                shared["admin"] = home_service.admin_home(session=session, now=now, tz=ctx.settings.tz,
                                                          default_channel=channel)
            program = shared["admin"]
        data = home_service.build_home(session=session, user_id=user_id, is_admin=admin, now=now,
                                       tz=ctx.settings.tz, reader_tz=reader_tz, default_channel=channel,
                                       pages=pages, admin=program)
        team = leader_blocks(ctx, session, client, user_id)
    growth = data.extra.get("growth")
    if first and growth is not None:  # the first-run welcome goes on top (refbot.handlers.welcome)
        data.extra["growth"] = dataclasses.replace(growth, welcome=True, example=example)
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


def refresh_home(ctx: AppContext, client: WebClient, user_id: str, *, shared: dict[str, Any] | None = None) -> None:
    """Best effort: show the user's own action on their Home tab."""
    try:
        publish_home(ctx, client, user_id, shared=shared)
    except Exception:
        log.info("could not refresh the Home tab of %s", user_id, exc_info=True)


def refresh_homes(ctx: AppContext, client: WebClient, user_ids: Iterable[str], admins: bool = False) -> None:
    """Best effort, after a commit: republish the Home tabs a change made stale (`admins`: every program
    manager's too: services ask for them only when the change shows on their Home, see
    `refbot.services.lifecycle.transition`). A Home that fails keeps its content until its user opens it again."""
    users = set(user_ids)
    if admins:
        try:
            with ctx.db.unit_of_work() as session:
                users.update(admin_ids(settings=ctx.settings, session=session, client=client))
        except Exception:
            log.info("could not list the program managers to refresh their Home tabs", exc_info=True)
    shared: dict[str, Any] = {}  # the program managers' part, built once for the batch
    for user_id in sorted(users):
        refresh_home(ctx, client, user_id, shared=shared)


def watch(ctx: AppContext) -> None:
    """Refresh the Home tabs every committed change touches (see `refbot.db.touch_homes`)."""
    ctx.db.on_homes_touched(lambda users, admins: refresh_homes(ctx, ctx.client, users, admins))
