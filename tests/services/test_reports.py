"""Program report figures, on a small program whose answers are worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from refbot.domain import AccountStatus, ActivityType, MetNeeds, OpportunityOutcome
from refbot.domain import RequestStatus as S
from refbot.models import Activity, ChannelAsk, Debrief, SearchLog
from refbot.services.reports import build_report
from tests import loop_data as data

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)


@pytest.fixture
def program(ctx):
    with ctx.db.unit_of_work() as s:
        globex = data.account(s, "Globex")
        dana = data.contact(s, globex, "Dana Scully")
        hooli = data.account(s, "Hooli", owner_id="UOTHER")
        fox = data.contact(s, hooli, "Fox Mulder", max_per_quarter=1)
        walter = data.contact(s, hooli, "Walter Skinner")
        data.account(s, "Umbrella")  # never used
        retired = data.account(s, "Old Corp")
        retired.status = AccountStatus.retired

        won = data.opportunity(s, "Initech", amount=300_000)
        won.outcome, won.outcome_at = OpportunityOutcome.won, NOW - 2 * D
        lost = data.opportunity(s, "Vandelay", amount=90_000)
        lost.outcome, lost.outcome_at = OpportunityOutcome.lost, NOW - 3 * D

        # r1: approved after 5 h, call 15 days ago, debriefed on time and thanked, deal won
        r1 = data.request(s, scheduled_at=NOW - 15 * D, status=S.debriefed, created_at=NOW - 20 * D,
                          approved_at=NOW - 20 * D + 5 * H, contact_=dana, opp=won)
        r1.thanked_at, r1.thanked_by, r1.thank_you_note = NOW - 14 * D, data.OWNER, "Thanks!"
        s.add(Debrief(request_id=r1.id, met_needs=MetNeeds.yes, rating=5, filed_by=data.SELLER,
                      filed_at=NOW - 15 * D + 3 * H, on_time=True))
        # r2: approved after 30 h, call 5 days ago, debrief still missing
        r2 = data.request(s, scheduled_at=NOW - 5 * D, status=S.scheduled, created_at=NOW - 10 * D,
                          approved_at=NOW - 10 * D + 30 * H, contact_=fox, opp=lost)
        # r3: waiting 3 days (counts against the 48 h share); r4: asked an hour ago (too young to count)
        data.request(s, scheduled_at=None, status=S.pending_approval, created_at=NOW - 3 * D, contact_=walter)
        data.request(s, scheduled_at=None, status=S.pending_approval, created_at=NOW - H, contact_=walter)
        # r5: declined a month ago; r6: approved after 60 h, not scheduled yet
        data.request(s, scheduled_at=None, status=S.declined, created_at=NOW - 30 * D, contact_=walter)
        data.request(s, scheduled_at=None, status=S.approved, created_at=NOW - 8 * D,
                     approved_at=NOW - 8 * D + 60 * H, contact_=walter)
        # r7: approved after 5 h, its call is in two days: no debrief due yet
        data.request(s, scheduled_at=NOW + 2 * D, status=S.scheduled, created_at=NOW - 4 * D, contact_=walter)

        day = NOW.date()
        s.add_all([
            Activity(contact_id=dana.id, occurred_on=day - dt.timedelta(days=15), type=ActivityType.call,
                     opportunity="Initech", request_id=r1.id, source="request"),
            Activity(contact_id=dana.id, occurred_on=day - dt.timedelta(days=60), type=ActivityType.call,
                     opportunity="Earlier"),
            Activity(contact_id=fox.id, occurred_on=day - dt.timedelta(days=40), type=ActivityType.video),
            Activity(contact_id=walter.id, occurred_on=day - dt.timedelta(days=200), type=ActivityType.call),
        ])
        s.add_all([
            SearchLog(query="mining in Chile", unmatched=True, created_at=NOW - 2 * D),
            SearchLog(query="", unmatched=True, created_at=NOW - D),
            SearchLog(query="bank germany", unmatched=False, result_count=3, created_at=NOW - D),
            SearchLog(query="airline 50k", unmatched=True, created_at=NOW - 40 * D),
            ChannelAsk(channel_id="C1", message_ts="1.1", query="anyone have a bank?", created_at=NOW - D),
            ChannelAsk(channel_id="C1", message_ts="1.2", query="retail in DACH?", created_at=NOW - 50 * D),
        ])
        return {"r1": r1.id, "r2": r2.id, "dana": dana.id, "fox": fox.id}


def report(ctx, since=None):
    with ctx.db.unit_of_work() as s:
        return build_report(session=s, now=NOW, since=since, tz_name="Europe/Berlin")


def test_all_time_figures(ctx, program):
    r = report(ctx)
    assert r["requests"] == {"total": 7, "by_status": {
        "pending_approval": 2, "approved": 1, "scheduled": 2, "completed": 0, "debriefed": 1, "declined": 1,
        "cancelled": 0, "expired": 0, "missed": 0}}
    # approved after 5 h (r1, r7), 30 h (r2), 60 h (r6); asked at least 48 h ago: all but r4
    assert r["approval"] == {"approved": 4, "median_hours": 17.5, "eligible_48h": 6, "within_48h": 3,
                             "within_48h_share": 0.5}
    deb = r["debriefs"]
    assert (deb["due"], deb["filed"], deb["on_time"], deb["completion_rate"]) == (2, 1, 1, 0.5)
    assert deb["missing"] == [{"request_id": program["r2"], "requester_id": data.SELLER, "contact": "Fox Mulder",
                               "account": "Hooli", "prospect": "Vandelay", "call_at": "2026-11-18T09:00:00+00:00",
                               "days_since_call": 5}]
    assert r["thank_yous"] == {"due": 1, "sent": 1, "share": 1.0}
    # Vandelay used a reference but the call hasn't taken place (no debrief yet): not influenced
    assert r["outcomes"] == {"won": 1, "lost": 0, "influenced_revenue": 300_000, "won_deals": [
        {"opportunity_id": r["outcomes"]["won_deals"][0]["opportunity_id"], "prospect": "Initech", "amount": 300_000,
         "references": ["Globex"]}]}
    assert [(a["contact"], a["activities"]) for a in r["top_advocates"]] == [
        ("Dana Scully", 2), ("Fox Mulder", 1), ("Walter Skinner", 1)]
    assert [(c["contact"], c["uses"], c["limit"]) for c in r["contacts_at_limit"]] == [
        ("Dana Scully", 2, 2), ("Fox Mulder", 1, 1)]
    assert [a["account"] for a in r["accounts_never_used"]] == ["Umbrella"]
    assert r["unmatched_searches"] == {"count": 3, "total_searches": 4, "recent": ["mining in Chile", "airline 50k"]}
    assert r["channel_asks"] == {"count": 2}
    assert (r["since"], r["generated_at"], r["version"]) == (None, "2026-11-23T09:00:00+00:00", 1)


def test_since_limits_period_figures_but_not_the_snapshot(ctx, program):
    since = dt.datetime(2026, 11, 10, 0, 0, tzinfo=dt.UTC)
    r = report(ctx, since=since)
    assert r["since"] == "2026-11-10T00:00:00+00:00"
    assert r["requests"]["total"] == 5  # r1 (20 days ago) and r5 (30 days ago) are older
    assert r["approval"]["approved"] == 3 and r["approval"]["median_hours"] == 30.0
    assert (r["debriefs"]["due"], r["debriefs"]["filed"], r["debriefs"]["completion_rate"]) == (1, 0, 0.0)
    assert r["outcomes"]["won"] == 1  # the outcome was recorded 2 days ago, inside the period
    assert [a["contact"] for a in r["top_advocates"]] == []  # all activities are older than the period
    assert r["unmatched_searches"]["count"] == 2 and r["channel_asks"]["count"] == 1
    assert len(r["contacts_at_limit"]) == 2 and len(r["accounts_never_used"]) == 1


def test_an_empty_program_has_no_rates_rather_than_zero_division(ctx):
    r = report(ctx)
    assert r["requests"]["total"] == 0
    assert r["approval"]["median_hours"] is None and r["approval"]["within_48h_share"] is None
    assert r["debriefs"]["completion_rate"] is None and r["thank_yous"]["share"] is None
    assert r["outcomes"]["influenced_revenue"] == 0


def test_the_figures_for_the_people_who_fund_the_program(ctx, program):
    r = report(ctx)
    # r1 asked 20 days before its call... 5 days: r1 and r2 120 h, r7 144 h (its call is in two days)
    assert r["time_to_call"] == {"calls": 3, "median_hours": 120.0}
    # served = approved at some point (r1, r2, r6, r7); r5 declined without a reason; r3, r4 still waiting
    assert r["served"] == {"served": 4, "declined": 1, "expired": 0, "cancelled": 0, "refused": 1,
                           "served_share": 0.8, "decline_reasons": [{"reason": "no reason given", "count": 1}]}
    # Initech won after a call took place; Vandelay's reference call never happened: it counts as without
    assert r["win_rate"] == {"with_references": {"won": 1, "lost": 0, "closed": 1, "rate": 1.0},
                             "without_references": {"won": 0, "lost": 1, "closed": 1, "rate": 0.0},
                             "comparable": True, "difference": 1.0, "small_sample": True}
    assert r["top_sellers"] == [{"user_id": data.SELLER, "requests": 7, "won_deals": 1,
                                 "influenced_revenue": 300_000}]


def test_until_closes_the_period_and_reasons_are_counted(ctx, program):
    with ctx.db.unit_of_work() as s:
        for reason in ("Customer in renewal", "  customer   in renewal ", "Busy quarter"):
            data.request(s, scheduled_at=None, status=S.declined, created_at=NOW - 25 * D).decline_reason = reason
    with ctx.db.unit_of_work() as s:
        month = build_report(session=s, now=NOW, since=NOW - 31 * D, until=NOW - 12 * D, tz_name="UTC")
    assert month["until"] == "2026-11-11T09:00:00+00:00"
    assert month["requests"]["total"] == 5  # r1, r5 and the three declined; r2 (10 days ago) is after the end
    assert month["served"]["declined"] == 4 and month["served"]["served"] == 1
    # the same reason typed differently is one reason, shown as first typed
    assert month["served"]["decline_reasons"] == [
        {"reason": "Customer in renewal", "count": 2}, {"reason": "Busy quarter", "count": 1},
        {"reason": "no reason given", "count": 1}]
    assert month["outcomes"]["won"] == 0  # Initech was won 2 days ago: after the period
    assert [a["contact"] for a in month["top_advocates"]] == ["Dana Scully"]  # the call 15 days ago
