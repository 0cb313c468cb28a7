"""Sales leaders: their teams (ids, emails, Slack user groups), the team view on Home (the report's figures
over the team), the monthly DM, and the ready-to-post message they edit and post with one click."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from refbot.domain import OpportunityOutcome
from refbot.domain import RequestStatus as S
from refbot.jobs import run_job
from refbot.models import ChannelAsk, SlackUser
from refbot.playground.slack_api import texts_of
from refbot.services import leaders
from refbot.services.reports import build_report
from tests import loop_data as data
from tests.support.payloads import (
    app_home_opened,
    block_actions,
    conversations_select,
    dispatch,
    plain_value,
    view_submission,
)

LEAD, AE1, AE2, OTHER = "ULEAD", "UAE1", "UAE2", "UOTHERSELLER"
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
SLOT = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def team(settings, slack_api):
    leaders.forget_groups()
    slack_api.add_user(LEAD, "Lee Leader", email="lee@acme.example")
    slack_api.add_user(AE1, "Ann Seller")
    slack_api.add_user(AE2, "Bob Seller")
    slack_api.add_usergroup("S0EMEA", [AE2, LEAD])
    slack_api.add_channel("C0TEAM", "emea-sales")
    settings.refbot_sales_leaders = {LEAD: [AE1, "S0EMEA"]}
    yield
    leaders.forget_groups()


@pytest.fixture
def program(database):
    """November: AE1 won Initech ($300K) with a reference; AE2 has a call waiting for a debrief and asked in
    a channel; OTHER (not in the team) won Hooli Corp ($50K) with a reference and has an open request."""
    with database.unit_of_work() as s:
        s.add_all([SlackUser(slack_id=AE1, name="Ann"), SlackUser(slack_id=AE2, name="Bob")])
        won = data.opportunity(s, "Initech <Bank>", amount=300_000, owner_id=AE1)
        won.outcome, won.outcome_at = OpportunityOutcome.won, dt.datetime(2026, 11, 12, tzinfo=dt.UTC)
        data.request(s, scheduled_at=dt.datetime(2026, 11, 5, 14, tzinfo=dt.UTC), status=S.debriefed, opp=won,
                     created_at=dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC), requester_id=AE1)
        data.request(s, scheduled_at=dt.datetime(2026, 11, 16, 14, tzinfo=dt.UTC), status=S.scheduled,
                     created_at=dt.datetime(2026, 11, 9, 9, tzinfo=dt.UTC), requester_id=AE2)
        other = data.opportunity(s, "Hooli Corp", amount=50_000, owner_id=OTHER)
        other.outcome, other.outcome_at = OpportunityOutcome.won, dt.datetime(2026, 11, 13, tzinfo=dt.UTC)
        data.request(s, scheduled_at=dt.datetime(2026, 11, 6, 14, tzinfo=dt.UTC), status=S.debriefed, opp=other,
                     created_at=dt.datetime(2026, 11, 3, 9, tzinfo=dt.UTC), requester_id=OTHER)
        data.request(s, scheduled_at=None, status=S.pending_approval, requester_id=OTHER,
                     created_at=dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC))
        s.add(ChannelAsk(channel_id="C0GENERAL", message_ts="1.1", user_id=AE2, query="anyone have a bank in DE?",
                         created_at=dt.datetime(2026, 11, 18, tzinfo=dt.UTC)))


def test_teams_come_from_ids_emails_and_user_groups(ctx, session, settings, slack_api):
    settings.refbot_sales_leaders = {"lee@acme.example": [AE1, "S0EMEA"], "nobody@acme.example": [AE1]}
    found = leaders.teams(settings=settings, session=session, client=ctx.client)
    assert found == {LEAD: (AE1, AE2)}  # the leader is never in their own team; unknown emails are skipped
    assert len(slack_api.calls("usergroups.users.list")) == 1
    leaders.teams(settings=settings, session=session, client=ctx.client)
    assert len(slack_api.calls("usergroups.users.list")) == 1  # cached (tier 2 method)
    assert leaders.team_of(settings=settings, session=session, client=ctx.client, user_id=AE1) is None


def test_the_team_view_is_the_report_over_the_team(ctx, session, program):
    team = (AE1, AE2)
    since = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    view = leaders.team_view(session=session, team=team, now=NOW, tz_name="UTC", since=since)
    assert view["report"] == build_report(session=session, now=NOW, since=since, tz_name="UTC", team=team)
    r = view["report"]
    assert r["requests"]["total"] == 2 and r["outcomes"]["influenced_revenue"] == 300_000
    assert [d["prospect"] for d in r["outcomes"]["won_deals"]] == ["Initech <Bank>"]
    assert [m["requester_id"] for m in r["debriefs"]["missing"]] == [AE2]
    assert r["channel_asks"]["count"] == 1 and [s["user_id"] for s in r["top_sellers"]] == [AE1, AE2]
    assert [o["requester_id"] for o in view["open"]] == [AE2]
    assert [(d["prospect"], d["outcome"]) for d in view["deals"]] == [("Initech <Bank>", "won")]
    everyone = build_report(session=session, now=NOW, since=since, tz_name="UTC", team=(AE1, AE2, OTHER))
    program_wide = build_report(session=session, now=NOW, since=since, tz_name="UTC")
    for key in ("requests", "approval", "served", "outcomes", "win_rate", "debriefs", "time_to_call"):
        assert everyone[key] == program_wide[key], key  # the whole sales floor's figures are the program's


def test_a_leader_sees_their_team_on_home_and_others_do_not(bolt_app, slack_api, clock, program):
    dispatch(bolt_app, app_home_opened(LEAD))
    text = "\n".join(texts_of(slack_api.home(LEAD)["blocks"]))
    for expected in ("Your team", "You lead 2 people", "$300K from 1 won deal", "*Initech &lt;Bank&gt;* $300K — won",
                     "*Debriefs missing* — a nudge", "<@UAE2> in <#C0GENERAL>", "anyone have a bank in DE?",
                     "*Open requests*"):
        assert expected in text, expected
    assert "Hooli Corp" not in text
    dispatch(bolt_app, app_home_opened(AE1))
    assert "Your team" not in "\n".join(texts_of(slack_api.home(AE1)["blocks"]))


def test_monthly_dm_once_then_edit_and_post_with_one_click(bolt_app, ctx, clock, slack_api, program, session):
    clock.set(SLOT + dt.timedelta(minutes=5))
    assert run_job(ctx, "leader-digest") == "2026-11: sent to 1, nothing to send to 0, already done for 0"
    assert run_job(ctx, "leader-digest") == "2026-11: sent to 0, nothing to send to 0, already done for 1"
    [dm] = slack_api.messages_to(LEAD)
    dm_text = "\n".join(texts_of(dm.args["blocks"]))
    assert "You get this monthly because you lead a sales team" in dm_text
    assert "Initech &lt;Bank&gt; ($300K)" in dm_text and "Thanks to Ann, Bob" in dm_text
    message = slack_api.message(dm.response["channel"], dm.response["ts"])
    dispatch(bolt_app, block_actions("leader_post_open", user_id=LEAD, message=message))
    modal = slack_api.last_view()
    initial = modal["blocks"][0]["element"]["initial_value"]
    assert initial.startswith("*What customer references did for our team — November 2026*")
    assert "Initech <Bank> ($300K)" in initial and "@" not in initial  # no mentions, no contact details
    edited = initial + "\nGreat work <!channel> & thanks!"
    values = {"post_text": {"value": plain_value(edited)}, "post_channel": {"value": conversations_select("C0TEAM")}}
    for _ in range(2):  # a double click posts once
        dispatch(bolt_app, view_submission(None, values, user_id=LEAD, view=modal))
    [post] = slack_api.messages_to("C0TEAM")
    posted = "\n".join(texts_of(post.args["blocks"]))
    assert "Great work &lt;!channel&gt; &amp; thanks!" in posted and "<!channel>" not in json.dumps(post.args)
    assert "Shared by <@ULEAD>" in posted


def test_only_leaders_can_post_and_not_to_shared_channels(bolt_app, clock, slack_api, program):
    clock.set(SLOT + dt.timedelta(minutes=5))
    dispatch(bolt_app, block_actions("leader_post_open", "2026-11", user_id=AE1))
    assert slack_api.calls("views.open") == []
    assert "Only sales leaders set up in RefBot" in slack_api.all_text()  # told privately
    dispatch(bolt_app, block_actions("leader_post_open", "2026-11", user_id=LEAD))
    modal = slack_api.last_view()
    slack_api.add_channel("C0SHARED", "with-partner", is_ext_shared=True)
    values = {"post_text": {"value": plain_value("hi")}, "post_channel": {"value": conversations_select("C0SHARED")}}
    answer = dispatch(bolt_app, view_submission(None, values, user_id=LEAD, view=modal))
    errors = json.loads(answer.body)["errors"]
    assert "shared with other organisations" in errors["post_channel"] and "post names" in errors["post_channel"]
    assert slack_api.messages_to("C0SHARED") == []


def test_a_quiet_month_sends_no_dm(ctx, clock, slack_api):
    clock.set(SLOT + dt.timedelta(minutes=5))
    assert run_job(ctx, "leader-digest") == "2026-11: sent to 0, nothing to send to 1, already done for 0"
    assert slack_api.messages_to(LEAD) == []
