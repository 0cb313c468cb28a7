"""The weekly leaderboard post (issue 6).

`leaderboard` runs every few minutes and posts the board of the most recent weekly slot (policy
leaderboard_weekday/leaderboard_time in REFBOT_TIMEZONE) once that slot has passed: the claim
(`claim_run`, keyed by the slot's ISO week) and the outbox row are written in one transaction, so a second
run, a restarted app or a second instance never posts it again, and an app that was down at the slot posts
it late on its first run. A week with nothing to show is claimed but not posted.
"""

from __future__ import annotations

import logging

from refbot.blocks.leaderboard import leaderboard_message
from refbot.context import AppContext
from refbot.jobs import claim_run, job, update_run
from refbot.services import contests, leaderboard
from refbot.services.outbox import enqueue
from refbot.services.policy import load_policy

log = logging.getLogger(__name__)

LEADERBOARD_JOB = "leaderboard"


@job(LEADERBOARD_JOB)
def post_leaderboard(ctx: AppContext) -> str:
    now = ctx.clock.now()
    tz = ctx.settings.tz
    with ctx.db.unit_of_work() as session:
        policy = load_policy(session=session)
        slot = leaderboard.latest_slot(now=now, tz=tz, weekday=policy.leaderboard_weekday,
                                       time=policy.leaderboard_time)
        run_key = leaderboard.week_key(slot, tz)
        channel = policy.leaderboard_channel or ctx.settings.refbot_leaderboard_channel
        if not channel:
            return ("no leaderboard channel: set REFBOT_LEADERBOARD_CHANNEL or "
                    "`/reference leaderboard channel #sales`")
        if not claim_run(session=session, job_name=LEADERBOARD_JOB, run_key=run_key, instance=ctx.instance):
            return f"{run_key} already done"
        board = leaderboard.weekly_board(session=session, slot=slot, tz=tz)
        if board.empty:
            result = "nothing happened that week: not posted"
        else:
            text, blocks = leaderboard_message(board)
            blocks += contests.weekly_post_blocks(session=session, now=now, tz=tz)
            enqueue(session=session, key=f"leaderboard:{run_key}", channel=channel, text=text, blocks=blocks)
            result = f"posted to {channel}"
        update_run(session, LEADERBOARD_JOB, run_key, finished_at=now, result=result)
    log.info("leaderboard %s: %s", run_key, result)
    return f"{run_key}: {result}"
