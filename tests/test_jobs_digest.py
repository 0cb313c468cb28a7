"""The monthly digest is posted exactly once per month: run twice, from two instances on one database, late
after downtime, never for an empty month; its charts follow each message through Slack's upload flow."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from refbot.context import build_context
from refbot.db import Database
from refbot.domain import OpportunityOutcome
from refbot.domain import RequestStatus as S
from refbot.jobs import load_jobs, run_job
from refbot.models import ScheduledRun
from refbot.playground.slack_api import texts_of
from tests import loop_data as data

SLOT = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)  # first Monday of December, 09:00 Berlin
CHANNEL, EXEC = "C0EXEC", "UEXEC"


@pytest.fixture
def configured(settings, slack_api):
    slack_api.add_channel(CHANNEL, "exec-updates")
    slack_api.add_user(EXEC, name="erin", real_name="Erin Exec")
    settings.refbot_digest_channel = CHANNEL
    settings.refbot_digest_recipients = [EXEC]
    return settings


def november_win(session, *, prospect="Initech", amount=300_000, day=10):
    opp = data.opportunity(session, prospect, amount=amount)
    opp.outcome, opp.outcome_at = OpportunityOutcome.won, dt.datetime(2026, 11, day, 12, tzinfo=dt.UTC)
    data.request(session, scheduled_at=dt.datetime(2026, 11, day - 5, 14, tzinfo=dt.UTC), status=S.debriefed,
                 created_at=dt.datetime(2026, 11, day - 8, 9, tzinfo=dt.UTC), opp=opp)
    session.commit()


def digests(slack_api, target):
    return [c for c in slack_api.messages_to(target) if "Reference program" in c.args["text"]]


def runs(session, job="digest"):
    return session.execute(sa.select(ScheduledRun.run_key, ScheduledRun.result).where(ScheduledRun.job == job)
                           .order_by(ScheduledRun.run_key)).all()


def test_the_job_is_registered():
    assert load_jobs()["digest"].every_seconds <= 900


def test_run_twice_posts_once_to_the_channel_and_each_executive_with_charts(ctx, clock, session, slack_api,
                                                                           configured):
    november_win(session)
    clock.set(SLOT + dt.timedelta(minutes=3))
    first = run_job(ctx, "digest")
    assert first.startswith("2026-11: posted to C0EXEC, UEXEC; 2 charts uploaded to C0EXEC; 2 charts uploaded to DEXEC")
    assert run_job(ctx, "digest") == "2026-11 already done"
    [post] = digests(slack_api, CHANNEL)
    [dm] = digests(slack_api, EXEC)
    text = "\n".join([post.args["text"], *texts_of(post.args["blocks"])])
    assert "Reference program · November 2026" in text and "$300K from 1 won deal" in text
    assert "*Initech* $300K — helped by Globex" in text and "first Monday of every month" in text
    assert "executive digest list" in "\n".join(texts_of(dm.args["blocks"]))
    for channel in (CHANNEL, "DEXEC"):
        files = slack_api.files_in(channel)
        assert [f["name"] for f in files] == ["refbot-digest-2026-11-revenue-requests.png",
                                              "refbot-digest-2026-11-approval-time.png"]
        assert all(f["data"].startswith(b"\x89PNG\r\n\x1a\n") for f in files)
    assert len(slack_api.successful("files.completeUploadExternal")) == 2
    assert runs(session, "digest-charts") == [("2026-11:C0EXEC", "uploaded 2 charts"),
                                              ("2026-11:UEXEC", "uploaded 2 charts")]


def test_an_empty_month_is_claimed_but_never_posted(ctx, clock, session, slack_api, configured):
    november_win(session, day=28)
    clock.set(dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC))  # before December's first Monday: October is due
    assert run_job(ctx, "digest") == "2026-10: nothing happened in October 2026: not posted"
    assert run_job(ctx, "digest") == "2026-10 already done"
    assert slack_api.calls("chat.postMessage") == [] and slack_api.calls("files.getUploadURLExternal") == []
    assert runs(session) == [("2026-10", "nothing happened in October 2026: not posted")]


def test_nothing_is_posted_before_the_first_monday_and_late_after_downtime(ctx, clock, session, slack_api,
                                                                          configured):
    november_win(session)
    clock.set(SLOT - dt.timedelta(minutes=1))
    run_job(ctx, "digest")  # October (empty) is due, November not yet
    assert digests(slack_api, CHANNEL) == []
    clock.set(SLOT + dt.timedelta(days=9, hours=3))  # down from Sunday night to Wednesday of the next week
    assert run_job(ctx, "digest").startswith("2026-11: posted to C0EXEC, UEXEC")
    clock.advance(hours=1)
    assert run_job(ctx, "digest") == "2026-11 already done"
    assert len(digests(slack_api, CHANNEL)) == 1 and len(digests(slack_api, EXEC)) == 1


def test_two_instances_on_one_database_post_once(ctx, clock, session, slack_api, configured, db_url):
    november_win(session)
    clock.set(SLOT + dt.timedelta(minutes=1))
    other_db = Database(db_url)
    other = build_context(configured, clock=clock, db=other_db)
    try:
        barrier = threading.Barrier(2)
        results: list[str] = []

        def run(c):
            barrier.wait()
            results.append(run_job(c, "digest"))

        threads = [threading.Thread(target=run, args=(c,)) for c in (ctx, other)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(r.split(";")[0] for r in results) == ["2026-11 already done", "2026-11: posted to C0EXEC, UEXEC"]
        run_job(other, "digest")
    finally:
        other_db.dispose()
    assert len(digests(slack_api, CHANNEL)) == 1 and len(digests(slack_api, EXEC)) == 1
    assert len(slack_api.successful("files.completeUploadExternal")) == 2
    assert len(runs(session)) == 1


def test_a_failed_upload_is_retried_on_the_next_run_and_shared_once(ctx, clock, session, slack_api, configured):
    configured.refbot_digest_recipients = []
    november_win(session)
    clock.set(SLOT + dt.timedelta(minutes=1))
    slack_api.fail("upload", status=500)
    assert "charts for 2026-11:C0EXEC failed (HTTPError)" in run_job(ctx, "digest")
    assert slack_api.files_in(CHANNEL) == [] and len(digests(slack_api, CHANNEL)) == 1
    assert runs(session, "digest-charts") == [("2026-11:C0EXEC", "upload failed, will retry: HTTPError")]
    clock.advance(minutes=10)
    assert run_job(ctx, "digest") == "2026-11 already done; 2 charts uploaded to C0EXEC"
    assert len(slack_api.files_in(CHANNEL)) == 2
    assert run_job(ctx, "digest") == "2026-11 already done"
    assert len(slack_api.successful("files.completeUploadExternal")) == 1 and len(digests(slack_api, CHANNEL)) == 1


def test_charts_wait_for_the_message_and_no_destination_claims_nothing(ctx, clock, session, slack_api, settings):
    november_win(session)
    clock.set(SLOT + dt.timedelta(minutes=1))
    assert run_job(ctx, "digest").startswith("no digest destination")
    assert runs(session) == []
    slack_api.add_channel(CHANNEL, "exec-updates")
    settings.refbot_digest_channel = CHANNEL
    with slack_api.outage("chat.postMessage"):
        assert run_job(ctx, "digest") == "2026-11: posted to C0EXEC"  # queued; Slack is down
    assert slack_api.calls("files.getUploadURLExternal") == []  # no charts before the message they belong to
    clock.advance(minutes=10)
    ctx.deliverer.deliver()
    assert run_job(ctx, "digest") == "2026-11 already done; 2 charts uploaded to C0EXEC"
    assert len(digests(slack_api, CHANNEL)) == 1


def test_matplotlib_is_imported_only_to_draw_a_chart():
    import subprocess
    import sys

    code = ("import sys; from refbot.jobs import load_jobs; load_jobs(); from refbot.cli import core; "
            "core.build_parser(); import refbot.slack_app; print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == "False"


def test_a_channel_shared_with_other_organisations_gets_nothing(ctx, clock, session, slack_api, configured):
    november_win(session)
    clock.set(SLOT + dt.timedelta(minutes=1))
    slack_api.set_ext_shared(CHANNEL)
    assert "is shared with other organisations" in run_job(ctx, "digest")
    assert runs(session) == [] and slack_api.calls("chat.postMessage") == []
