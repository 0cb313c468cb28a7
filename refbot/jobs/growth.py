"""Growing the program: the wish list's reconciler (link, ask owners, tell wishers), followed searches (one DM
when a fitting reference is available), and contest announcements. Each writes its claim (a conditional
UPDATE) and its outbox rows in one transaction, so two runs or two instances do the work once."""

from __future__ import annotations

import logging

from refbot.blocks.format import plural
from refbot.context import AppContext
from refbot.jobs import job
from refbot.services import contests, follows, wishes
from refbot.services.leaderboard import weekly_channel

log = logging.getLogger(__name__)


@job("wishes")
def reconcile_wishes(ctx: AppContext) -> str:
    with ctx.db.unit_of_work() as session:
        linked, asked, fulfilled = wishes.reconcile(session=session, now=ctx.clock.now())
    return (f"{plural(linked, 'wished customer')} linked to an account, {plural(asked, 'owner')} asked, "
            f"{plural(fulfilled, 'wished customer')} now a reference")


@job("follows")
def check_follows(ctx: AppContext) -> str:
    with ctx.db.unit_of_work() as session:
        notified, expired = follows.check(session=session, now=ctx.clock.now(), today=ctx.clock.today(ctx.settings.tz))
    return f"{plural(notified, 'seller')} told, {plural(expired, 'follow')} expired"


@job("contests")
def announce_contests(ctx: AppContext) -> str:
    with ctx.db.unit_of_work() as session:
        channel = weekly_channel(session=session, default=ctx.settings.refbot_leaderboard_channel)
        if not channel:
            return "no leaderboard channel: set REFBOT_LEADERBOARD_CHANNEL or `/reference leaderboard channel #sales`"
        started, finished = contests.announce_due(session=session, now=ctx.clock.now(), tz=ctx.settings.tz,
                                                  channel=channel)
    return f"{plural(started, 'contest')} announced, {plural(finished, 'contest')} finished"
