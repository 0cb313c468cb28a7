import datetime as dt
import zoneinfo

import pytest

from refbot.blocks.leaderboard import leaderboard_message
from refbot.domain import ActivityType, NominationStatus, OpportunityOutcome
from refbot.domain import RequestStatus as S
from refbot.errors import ValidationFailed
from refbot.models import Activity, Debrief, Nomination, RequestEvent
from refbot.playground.slack_api import texts_of
from refbot.services import leaderboard as lb
from tests import loop_data as data

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
SLOT = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)  # Monday 09:00 in Berlin
IN_WEEK = dt.datetime(2026, 11, 18, 12, 0, tzinfo=dt.UTC)


def accepted(session, nominator, when, name="Dana"):
    session.add(Nomination(nominator_id=nominator, account_name="Globex", contact_name=name, why="happy",
                           status=NominationStatus.accepted, reviewed_by="UADMIN", reviewed_at=when,
                           dedupe_key=f"name:{name}@globex:{nominator}:{when.isoformat()}", created_at=when))


def debrief(session, seller, when, on_time=True):
    req = data.request(session, scheduled_at=when - dt.timedelta(hours=3), status=S.debriefed, requester_id=seller)
    session.add(Debrief(request_id=req.id, filed_by=seller, filed_at=when, on_time=on_time))
    return req


def activity(session, contact, day, kind=ActivityType.call):
    session.add(Activity(contact_id=contact.id, occurred_on=day, type=kind, source="slack",
                         opportunity=f"deal {day.isoformat()}"))


def busy_week(session):
    accepted(session, "UNOM1", IN_WEEK)
    accepted(session, "UNOM1", IN_WEEK + dt.timedelta(days=1), name="Fox")
    accepted(session, "UNOM2", IN_WEEK)
    accepted(session, "UNOM3", SLOT - dt.timedelta(days=8))  # the week before: not on this board
    debrief(session, "USELLER", IN_WEEK)
    debrief(session, "USELLER", IN_WEEK + dt.timedelta(hours=1), on_time=False)
    debrief(session, "UOTHER", IN_WEEK)
    globex = data.account(session, "Globex")
    dana, fox = data.contact(session, globex, "Dana Scully"), data.contact(session, globex, "Fox Mulder")
    activity(session, dana, dt.date(2026, 11, 17))
    activity(session, dana, dt.date(2026, 11, 19), ActivityType.video)
    activity(session, fox, dt.date(2026, 11, 16))
    activity(session, fox, dt.date(2026, 11, 23))  # the slot's own day belongs to next week's board
    won = data.opportunity(session, "Initech", amount=250_000)
    won_req = data.request(session, scheduled_at=IN_WEEK - dt.timedelta(days=3), status=S.debriefed, opp=won,
                           contact_=dana)
    won.outcome, won.outcome_at = OpportunityOutcome.won, IN_WEEK
    lucky = data.opportunity(session, "Hooli", amount=90_000)  # won without a reference call: not credited
    data.request(session, scheduled_at=None, status=S.approved, opp=lucky)
    lucky.outcome, lucky.outcome_at = OpportunityOutcome.won, IN_WEEK
    session.add(RequestEvent(request_id=won_req.id, action="approve", from_status=S.pending_approval,
                             to_status=S.approved, created_at=IN_WEEK))
    session.commit()


def test_the_weekly_board_ranks_people_and_thanks_customers(session):
    busy_week(session)
    board = lb.weekly_board(session=session, slot=SLOT, tz=BERLIN)
    assert board.title == "Week of Mon 16 Nov 2026" and board.span == "16–22 Nov 2026"
    assert [(n.user_id, n.count) for n in board.nominators] == [("UNOM1", 2), ("UNOM2", 1)]
    assert [(d.user_id, d.count, d.on_time) for d in board.debriefers] == [("USELLER", 2, 1), ("UOTHER", 1, 1)]
    assert [(a.name, a.account, a.activities) for a in board.advocates] == [
        ("Dana Scully", "Globex", 2), ("Fox Mulder", "Globex", 1)]
    assert [(d.prospect, d.amount, d.references) for d in board.deals] == [("Initech", 250_000, ("Globex",))]
    t = board.totals
    assert (t.debriefs, t.nominations, t.calls, t.deals_won, t.influenced) == (3, 3, 2, 1, 250_000)
    assert t.approvals == 1

    text, blocks = leaderboard_message(board)
    shown = "\n".join(texts_of(blocks))
    assert "<@UNOM1> · 2 nominations accepted" in shown and "<@UNOM2> · 1 nomination accepted" in shown
    assert "<@USELLER> · 2 debriefs, 1 on time" in shown and "<@UOTHER> · 1 debrief, 1 on time" in shown
    assert "Dana Scully, Globex · 2 activities" in shown and "Fox Mulder, Globex · 1 activity" in shown
    assert "Initech · $250K" in shown and "Hooli" not in shown
    assert "3 debriefs" in text and "2 calls" in text and "1 deal won ($250K)" in text
    assert "@globex.example" not in shown + text and "+49" not in shown  # no contact details, ever
    assert len(blocks) <= 50


def test_an_empty_week_is_empty(session):
    busy_week(session)
    board = lb.weekly_board(session=session, slot=SLOT + dt.timedelta(days=14), tz=BERLIN)
    assert board.empty
    text, blocks = leaderboard_message(board)
    assert "Nothing on the board yet" in "\n".join(texts_of(blocks))


def test_the_latest_slot_is_in_the_program_timezone():
    monday = dict(tz=BERLIN, weekday=0, time="09:00")
    assert lb.latest_slot(now=SLOT, **monday) == SLOT
    assert lb.latest_slot(now=SLOT - dt.timedelta(minutes=1), **monday) == SLOT - dt.timedelta(days=7)
    assert lb.latest_slot(now=SLOT + dt.timedelta(days=6), **monday) == SLOT
    assert lb.week_key(SLOT, BERLIN) == "2026-W48"
    # Summer time: 09:00 in Berlin is 07:00 UTC; Friday 16:30 slot
    july = dt.datetime(2026, 7, 6, 7, 0, tzinfo=dt.UTC)
    assert lb.latest_slot(now=july, **monday) == july
    friday = lb.latest_slot(now=july, tz=BERLIN, weekday=4, time="16:30")
    assert friday == dt.datetime(2026, 7, 3, 14, 30, tzinfo=dt.UTC)
    assert lb.week_key(friday, BERLIN) == "2026-W27"


def test_on_demand_periods_cover_whole_local_days():
    now = dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC)  # already Tuesday 24 Nov in Berlin
    since, until, title = lb.period_window(lb.Period.week, now=now, tz=BERLIN)
    assert (title, lb.span_text(since, until, BERLIN)) == ("Last 7 days", "18–24 Nov 2026")
    since, until, title = lb.period_window(lb.Period.month, now=now, tz=BERLIN)
    assert (title, since) == ("November 2026", dt.datetime(2026, 10, 31, 23, 0, tzinfo=dt.UTC))
    since, _, title = lb.period_window(lb.Period.quarter, now=now, tz=BERLIN)
    assert (title, lb.span_text(since, until, BERLIN)) == ("Q4 2026", "1 Oct – 24 Nov 2026")
    assert lb.parse_period("") is lb.Period.week and lb.parse_period("this Quarter") is lb.Period.quarter
    assert lb.parse_period("m") is lb.Period.month
    with pytest.raises(ValidationFailed, match="week, month or quarter"):
        lb.parse_period("year")


def test_channel_names_and_mentions_are_understood():
    assert lb.parse_channel("<#C0SALES|sales>") == "C0SALES"
    assert lb.parse_channel("C0SALES2") == "C0SALES2"
    assert lb.parse_channel("#Sales-Team") == "#sales-team"
    assert lb.parse_channel("wins") == "#wins"
    with pytest.raises(ValidationFailed):
        lb.parse_channel("#no spaces please")
    assert lb.channel_mention("C0SALES") == "<#C0SALES>" and lb.channel_mention("#wins") == "#wins"
