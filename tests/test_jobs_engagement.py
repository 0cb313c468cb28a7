"""The weekly leaderboard post is sent exactly once per week: run twice, from two instances on one database,
late after downtime, and again the next week."""

from __future__ import annotations

import datetime as dt
import threading

import sqlalchemy as sa

from refbot.context import build_context
from refbot.db import Database
from refbot.domain import NominationStatus
from refbot.jobs import load_jobs, run_job
from refbot.models import Nomination, ScheduledRun
from refbot.playground.slack_api import texts_of
from refbot.services.policy import update_policy

SLOT = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)  # Monday 09:00 Berlin (the settings' timezone)


def nomination_accepted(session, when, nominator="UNOM1"):
    session.add(Nomination(nominator_id=nominator, account_name="Globex", contact_name=f"Dana {when.isoformat()}",
                           why="happy", status=NominationStatus.accepted, reviewed_by="UADMIN", reviewed_at=when,
                           dedupe_key=f"k:{when.isoformat()}", created_at=when))
    session.commit()


def posts(slack_api, channel="C0SALES"):
    return slack_api.messages_to(channel)


def runs(session):
    return session.execute(sa.select(ScheduledRun.run_key, ScheduledRun.result).where(ScheduledRun.job == "leaderboard")
                           .order_by(ScheduledRun.run_key)).all()


def test_the_job_is_registered():
    assert load_jobs()["leaderboard"].every_seconds <= 600


def test_run_twice_posts_once(ctx, clock, session, slack_api):
    nomination_accepted(session, SLOT - dt.timedelta(days=2))
    clock.set(SLOT + dt.timedelta(minutes=3))
    assert run_job(ctx, "leaderboard") == "2026-W48: posted to C0SALES"
    assert run_job(ctx, "leaderboard") == "2026-W48 already done"
    [post] = posts(slack_api)
    text = "\n".join([post.args["text"], *texts_of(post.args["blocks"])])
    assert "Week of Mon 16 Nov 2026" in text and "<@UNOM1> · 1 nomination accepted" in text


def test_nothing_is_posted_before_the_slot(ctx, clock, session, slack_api):
    nomination_accepted(session, SLOT - dt.timedelta(days=2))
    clock.set(SLOT - dt.timedelta(minutes=1))  # last week's board was empty: claimed, not posted
    assert run_job(ctx, "leaderboard") == "2026-W47: nothing happened that week: not posted"
    assert run_job(ctx, "leaderboard") == "2026-W47 already done"
    assert posts(slack_api) == []
    assert runs(session) == [("2026-W47", "nothing happened that week: not posted")]


def test_two_instances_on_one_database_post_once(ctx, clock, session, slack_api, settings, db_url):
    nomination_accepted(session, SLOT - dt.timedelta(days=2))
    clock.set(SLOT + dt.timedelta(minutes=1))
    other_db = Database(db_url)
    other = build_context(settings, clock=clock, db=other_db)
    try:
        barrier = threading.Barrier(2)
        results: list[str] = []

        def run(c):
            barrier.wait()
            results.append(run_job(c, "leaderboard"))

        threads = [threading.Thread(target=run, args=(c,)) for c in (ctx, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(results) == ["2026-W48 already done", "2026-W48: posted to C0SALES"]
        assert run_job(other, "leaderboard") == "2026-W48 already done"
    finally:
        other_db.dispose()
    assert len(posts(slack_api)) == 1
    assert len(runs(session)) == 1


def test_down_at_the_slot_posts_once_late_then_weekly_again(ctx, clock, session, slack_api):
    nomination_accepted(session, SLOT - dt.timedelta(days=2))
    clock.set(SLOT - dt.timedelta(hours=2))
    run_job(ctx, "leaderboard")  # Monday 07:00 Berlin: this week's slot hasn't come yet
    assert posts(slack_api) == []
    clock.set(SLOT + dt.timedelta(days=2, hours=5))  # the app was down from Monday morning to Wednesday
    assert run_job(ctx, "leaderboard") == "2026-W48: posted to C0SALES"
    clock.advance(hours=1)
    run_job(ctx, "leaderboard")
    assert len(posts(slack_api)) == 1

    nomination_accepted(session, SLOT + dt.timedelta(days=3), nominator="UNOM2")
    clock.set(SLOT + dt.timedelta(days=7, minutes=5))  # next Monday: a new week, a new board
    assert run_job(ctx, "leaderboard") == "2026-W49: posted to C0SALES"
    run_job(ctx, "leaderboard")
    first, second = posts(slack_api)
    assert "<@UNOM2>" in "\n".join(texts_of(second.args["blocks"])) and "<@UNOM1>" not in str(second.args)

    clock.set(SLOT + dt.timedelta(days=14, minutes=5))  # a quiet week: nothing posted, nothing re-evaluated
    assert run_job(ctx, "leaderboard") == "2026-W50: nothing happened that week: not posted"
    assert run_job(ctx, "leaderboard") == "2026-W50 already done"
    assert len(posts(slack_api)) == 2


def test_the_channel_set_in_slack_wins_and_no_channel_means_no_claim(ctx, clock, session, slack_api, settings):
    nomination_accepted(session, SLOT - dt.timedelta(days=2))
    clock.set(SLOT + dt.timedelta(minutes=1))
    settings.refbot_leaderboard_channel = None
    assert "no leaderboard channel" in run_job(ctx, "leaderboard")
    assert runs(session) == []
    update_policy(session=session, changes={"leaderboard_channel": "C0WINS"}, updated_by="UADMIN")
    session.commit()
    assert run_job(ctx, "leaderboard") == "2026-W48: posted to C0WINS"
    assert len(posts(slack_api, "C0WINS")) == 1 and posts(slack_api) == []
