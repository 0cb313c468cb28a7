"""Deal outcomes: follow-ups after the expected close date, won/lost once, who helped close what."""

from __future__ import annotations

import datetime as dt

import pytest

from refbot.domain import OpportunityOutcome, PointsReason
from refbot.domain import RequestStatus as S
from refbot.errors import InvalidTransition, NotAllowed, ValidationFailed
from refbot.models import Opportunity, PointsEntry, RequestEvent
from refbot.playground.slack_api import texts_of
from refbot.services import outcomes
from tests import loop_data as data

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
CALL = NOW - dt.timedelta(days=10)
CLOSE = dt.date(2026, 11, 30)
WON, LOST = OpportunityOutcome.won, OpportunityOutcome.lost


@pytest.fixture
def opp_id(ctx) -> int:
    """Initech: Dana (Globex, owned by UOWNER) and Fox (Hooli, owned by UOTHER) took calls; a third
    request is still pending and did not help."""
    with ctx.db.unit_of_work() as s:
        opp = data.opportunity(s, close=CLOSE)
        data.request(s, scheduled_at=CALL, status=S.debriefed, opp=opp)
        hooli = data.contact(s, data.account(s, "Hooli", owner_id="UOTHER"), "Fox Mulder", title="CTO")
        data.request(s, scheduled_at=CALL + dt.timedelta(days=1), status=S.completed, opp=opp, contact_=hooli)
        data.request(s, scheduled_at=None, status=S.pending_approval, opp=opp,
                     contact_=data.contact(s, data.account(s, "Umbrella", owner_id="UTHIRD"), "Ada"))
        return opp.id


def uow(ctx, fn, **kwargs):
    with ctx.db.unit_of_work() as session:
        return fn(session=session, **kwargs)


def record(ctx, opp_id, outcome, *, user=data.SELLER, admin=False, amount=None):
    return uow(ctx, outcomes.record_outcome, opportunity_id=opp_id, outcome=outcome, user_id=user, is_admin=admin,
               amount=amount, now=ctx.clock.now(), tz_name="Europe/Berlin")


def buttons(message):
    return [el["action_id"] for blk in message["blocks"] if blk["type"] == "actions" for el in blk["elements"]]


def text(message) -> str:
    return "\n".join(texts_of(message["blocks"]))


def test_follow_up_comes_once_the_expected_close_date_has_passed(ctx, slack_api, opp_id):
    assert uow(ctx, outcomes.due_followups, today=CLOSE) == []
    assert uow(ctx, outcomes.send_followup, opportunity_id=opp_id, today=CLOSE) is False
    day_after = CLOSE + dt.timedelta(days=1)
    assert uow(ctx, outcomes.due_followups, today=day_after) == [opp_id]
    assert uow(ctx, outcomes.send_followup, opportunity_id=opp_id, today=day_after) is True
    assert uow(ctx, outcomes.send_followup, opportunity_id=opp_id, today=day_after) is False
    [msg] = slack_api.history(data.SELLER)
    assert buttons(msg) == ["outcome_won", "outcome_lost"]
    assert "2 references helped: Dana Scully (Globex), Fox Mulder (Hooli)" in text(msg)


def test_deals_without_a_reference_call_get_no_follow_up(ctx):
    with ctx.db.unit_of_work() as s:
        opp = data.opportunity(s, "Hooli Corp", close=CLOSE)
        data.request(s, scheduled_at=CALL, status=S.scheduled, opp=opp)
        data.request(s, scheduled_at=CALL, status=S.missed, opp=opp)
    assert uow(ctx, outcomes.due_followups, today=CLOSE + dt.timedelta(days=5)) == []


def test_the_requester_is_asked_when_the_deal_has_no_owner(ctx, slack_api):
    with ctx.db.unit_of_work() as s:
        opp = data.opportunity(s, close=CLOSE, owner_id=None)
        data.request(s, scheduled_at=CALL, status=S.debriefed, opp=opp, requester_id="USE")
    assert uow(ctx, outcomes.send_followup, opportunity_id=opp.id, today=CLOSE + dt.timedelta(days=1))
    assert len(slack_api.messages_to("USE")) == 1


def test_a_won_deal_tells_each_owner_which_customer_helped_close_it_for_how_much(ctx, slack_api, opp_id):
    uow(ctx, outcomes.send_followup, opportunity_id=opp_id, today=CLOSE + dt.timedelta(days=1))
    result = record(ctx, opp_id, WON, amount=300_000)
    assert result.recorded and set(result.owners_told) == {data.OWNER, "UOTHER"} and result.points > 0

    owner_note = slack_api.last_message_to(data.OWNER)
    assert owner_note["text"] == "Globex helped close Initech ($300K). Tell them their help made a difference."
    assert "Dana Scully" in text(owner_note) and "Fox Mulder" not in text(owner_note)
    assert "Hooli helped close Initech ($300K)" in slack_api.last_message_to("UOTHER")["text"]
    assert slack_api.history("UTHIRD") == []  # its request never took place

    [follow_up] = slack_api.history(data.SELLER)  # edited in place, no extra confirmation
    assert buttons(follow_up) == [] and "Initech: won* ($300K)" in text(follow_up)
    with ctx.db.unit_of_work() as s:
        opp = s.get(Opportunity, opp_id)
        assert (opp.outcome, opp.amount, opp.outcome_by) == (WON, 300_000, data.SELLER)
        [entry] = s.query(PointsEntry).all()
        assert (entry.reason, entry.user_id) == (PointsReason.deal_won, data.SELLER)
        assert s.query(RequestEvent).filter_by(action="deal_won").count() == 2


def test_a_double_click_records_the_outcome_once(ctx, slack_api, opp_id):
    assert record(ctx, opp_id, WON).recorded
    sent = len(slack_api.successful("chat.postMessage"))
    again = record(ctx, opp_id, WON)
    other = record(ctx, opp_id, LOST)
    assert not again.recorded and not other.recorded and other.deal.outcome is WON
    assert len(slack_api.successful("chat.postMessage")) == sent
    with ctx.db.unit_of_work() as s:
        assert s.query(PointsEntry).count() == 1
        assert s.get(Opportunity, opp_id).amount == 250_000  # unchanged when no amount is given


def test_only_the_seller_or_a_program_manager_records_the_outcome(ctx, slack_api, opp_id):
    with pytest.raises(NotAllowed):
        record(ctx, opp_id, WON, user=data.OWNER)
    with pytest.raises(NotAllowed):
        uow(ctx, outcomes.open_deal, opportunity_id=opp_id, user_id=data.STRANGER, is_admin=False)
    result = record(ctx, opp_id, LOST, user=data.ADMIN, admin=True)
    assert result.recorded and result.owners_told == () and result.points == 0
    # the program manager had no follow-up to edit: a short confirmation instead
    assert "Initech: lost" in slack_api.last_message_to(data.ADMIN)["text"]
    assert slack_api.history(data.OWNER) == []


def test_a_requester_who_does_not_own_the_deal_may_record_it(ctx, opp_id):
    with ctx.db.unit_of_work() as s:
        data.request(s, scheduled_at=None, status=S.declined, opp=s.get(Opportunity, opp_id), requester_id="USE")
    assert record(ctx, opp_id, LOST, user="USE").recorded


def test_recorded_deals_cannot_be_opened_again_and_amounts_are_checked(ctx, opp_id):
    with pytest.raises(ValidationFailed):
        record(ctx, opp_id, WON, amount=-5)
    record(ctx, opp_id, WON)
    with pytest.raises(InvalidTransition, match="already recorded as won"):
        uow(ctx, outcomes.open_deal, opportunity_id=opp_id, user_id=data.SELLER, is_admin=False)


def test_open_deals_lists_my_deals_that_used_references(ctx, opp_id):
    with ctx.db.unit_of_work() as s:
        other = data.opportunity(s, "Acme Ltd", close=None, owner_id="USE")
        data.request(s, scheduled_at=CALL, status=S.debriefed, opp=other, requester_id="USE")
        data.request(s, scheduled_at=CALL, status=S.scheduled, opp=data.opportunity(s, "Not yet"))
    mine = uow(ctx, outcomes.open_deals, user_id=data.SELLER, is_admin=False)
    assert [d.prospect_company for d in mine] == ["Initech"]
    assert [d.prospect_company for d in uow(ctx, outcomes.open_deals, user_id=data.ADMIN, is_admin=True)] == [
        "Initech", "Acme Ltd"]
    record(ctx, opp_id, WON)
    assert uow(ctx, outcomes.open_deals, user_id=data.SELLER, is_admin=False) == []


def test_influenced_revenue_counts_won_deals_that_used_references(ctx, clock, opp_id):
    record(ctx, opp_id, WON, amount=300_000)
    with ctx.db.unit_of_work() as s:
        lonely = data.opportunity(s, "No refs", amount=1_000_000)
        lonely.outcome = WON
    assert uow(ctx, outcomes.influenced) == (1, 300_000)
    assert uow(ctx, outcomes.influenced, since=clock.now() + dt.timedelta(seconds=1)) == (0, 0)
