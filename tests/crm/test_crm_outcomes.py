"""Outcomes from the CRM: a synced deal that closes is recorded won/lost with its amount, once; the
references that helped are credited and their owners told; sellers are asked only about deals the CRM
doesn't have."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from refbot.domain import OpportunityOutcome, PointsReason
from refbot.domain import RequestStatus as S
from refbot.models import Account, Contact, Opportunity, PointsEntry
from refbot.services import outcomes
from tests import loop_data as data
from tests.crm.helpers import CALL, deal_with_a_reference, run_sync


def test_a_deal_closed_won_in_salesforce_is_recorded_and_credited_exactly_once(crm_ctx, org, session, slack_api):
    opp_id = deal_with_a_reference(crm_ctx, org)
    org.sf.update("Opportunity", org.deal, StageName="Closed Won", IsClosed=True, IsWon=True, Amount=310000.0)
    result = run_sync(crm_ctx)
    assert result.ok and "1 deal closed" in result.summary()
    opp = session.get(Opportunity, opp_id)
    session.refresh(opp)
    assert (opp.outcome, opp.amount, opp.outcome_by, opp.stage) == (OpportunityOutcome.won, 310_000, None, "closed")
    crm_ctx.deliverer.deliver()
    to_ana = slack_api.messages_to("UANA")
    assert len(to_ana) == 1 and "Globex Bank helped close Initech ($310K)" in to_ana[0].args["text"]
    assert not slack_api.messages_to("UBEN")  # nobody clicked anything: no confirmation to the seller
    points = session.scalars(sa.select(PointsEntry).where(PointsEntry.reason == PointsReason.deal_won)).all()
    assert [p.user_id for p in points] == ["UBEN"]
    # the CRM touches the deal again, and a full resync re-reads it: nothing is recorded or sent twice
    org.sf.update("Opportunity", org.deal, Amount=320000.0)
    assert run_sync(crm_ctx).ok and run_sync(crm_ctx, full=True).ok
    crm_ctx.deliverer.deliver()
    assert len(slack_api.messages_to("UANA")) == 1
    assert len(session.scalars(sa.select(PointsEntry).where(PointsEntry.reason == PointsReason.deal_won)).all()) == 1


def test_a_deal_closed_lost_is_recorded_lost_without_telling_owners(crm_ctx, org, session, slack_api):
    opp_id = deal_with_a_reference(crm_ctx, org)
    org.sf.update("Opportunity", org.deal, StageName="Closed Lost", IsClosed=True, IsWon=False)
    assert run_sync(crm_ctx).ok
    session.expire_all()
    assert session.get(Opportunity, opp_id).outcome is OpportunityOutcome.lost
    crm_ctx.deliverer.deliver()
    assert not slack_api.messages_to("UANA")


def test_sellers_are_asked_won_or_lost_only_for_deals_the_crm_does_not_have(crm_ctx, org, session):
    synced_id = deal_with_a_reference(crm_ctx, org)
    with crm_ctx.db.unit_of_work() as s:
        typed = data.opportunity(s, "Umbrella", close=dt.date(2026, 11, 1), owner_id="UBEN")
        dana = s.scalar(sa.select(Contact).where(Contact.crm_id == org.dana))
        data.request(s, scheduled_at=CALL, status=S.completed, opp=typed, contact_=dana, requester_id="UBEN")
        s.get(Opportunity, synced_id).expected_close_date = dt.date(2026, 11, 1)
        typed_id = typed.id
    with crm_ctx.db.unit_of_work() as s:
        assert outcomes.due_followups(session=s, today=dt.date(2026, 11, 23)) == [typed_id]
        assert outcomes.send_followup(session=s, opportunity_id=synced_id, today=dt.date(2026, 11, 23)) is False


def test_references_on_synced_accounts_keep_their_crm_owner(crm_ctx, org, session):
    assert run_sync(crm_ctx).ok
    org.sf.update("Account", org.globex, OwnerId=org.ben)
    assert run_sync(crm_ctx).ok
    session.expire_all()
    assert session.scalar(sa.select(Account.owner_id).where(Account.crm_id == org.globex)) == "UBEN"
