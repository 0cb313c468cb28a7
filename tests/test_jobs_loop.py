"""The loop's jobs are reconcilers: run twice (or late) they send each message once."""

from __future__ import annotations

import datetime as dt

import pytest

from refbot.domain import RequestStatus as S
from refbot.jobs import load_jobs, run_job
from tests import loop_data as data

START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def test_both_jobs_are_listed():
    jobs = load_jobs()
    assert {"debrief_prompts", "outcome_followups"} <= set(jobs)
    assert jobs["debrief_prompts"].every_seconds <= 600


@pytest.fixture
def call_at(ctx) -> dt.datetime:
    when = START + dt.timedelta(hours=5)
    with ctx.db.unit_of_work() as session:
        data.request(session, scheduled_at=when)
    return when


def test_debrief_prompt_job_run_twice_sends_once(ctx, clock, slack_api, call_at):
    assert run_job(ctx, "debrief_prompts") == "prompted 0 sellers, reminded 0, escalated 0 missing debriefs"
    clock.set(call_at + dt.timedelta(hours=2))
    assert run_job(ctx, "debrief_prompts").startswith("prompted 1 seller,")
    assert run_job(ctx, "debrief_prompts").startswith("prompted 0 sellers,")
    assert len(slack_api.messages_to(data.SELLER)) == 1


def test_reminder_and_escalation_each_happen_once(ctx, clock, slack_api, call_at):
    clock.set(call_at + dt.timedelta(hours=2))
    for _ in range(2):
        run_job(ctx, "debrief_prompts")
    clock.advance(days=2)
    assert "reminded 1," in run_job(ctx, "debrief_prompts")
    assert "reminded 0," in run_job(ctx, "debrief_prompts")
    clock.advance(days=2)
    assert run_job(ctx, "debrief_prompts").endswith("escalated 1 missing debrief")
    assert run_job(ctx, "debrief_prompts").endswith("escalated 0 missing debriefs")
    clock.advance(days=10)
    run_job(ctx, "debrief_prompts")
    assert len(slack_api.messages_to(data.SELLER)) == 2  # prompt + one reminder
    [pm] = slack_api.messages_to(data.ADMIN)  # settings: REFBOT_ADMINS = UADMIN
    assert "1 debrief still missing" in pm.args["text"]


def test_a_call_recorded_in_the_past_is_prompted_at_the_next_run(ctx, slack_api):
    with ctx.db.unit_of_work() as session:
        data.request(session, scheduled_at=START - dt.timedelta(days=3), recorded_at=START)
    run_job(ctx, "debrief_prompts")
    run_job(ctx, "debrief_prompts")
    assert len(slack_api.messages_to(data.SELLER)) == 1


def test_outcome_follow_up_job_run_twice_asks_once(ctx, clock, slack_api):
    with ctx.db.unit_of_work() as session:
        opp = data.opportunity(session, close=dt.date(2026, 11, 25))
        data.request(session, scheduled_at=START - dt.timedelta(days=3), status=S.debriefed, opp=opp)
    assert run_job(ctx, "outcome_followups") == "asked about 0 deals"
    clock.set(dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC))
    assert run_job(ctx, "outcome_followups") == "asked about 1 deal"
    assert run_job(ctx, "outcome_followups") == "asked about 0 deals"
    [msg] = slack_api.messages_to(data.SELLER)
    assert "Did Initech close?" in msg.args["text"]
