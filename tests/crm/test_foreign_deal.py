"""Without a CRM, a CRM opportunity id typed by one seller can never change or join another seller's deal
(before the fix a second seller typing the id overwrote its prospect and amount and recorded it won)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from refbot.config import CoreSettings
from refbot.domain import OpportunityOutcome
from refbot.errors import NotAllowed, ValidationFailed
from refbot.models import Account, Contact, CrmTeamMember, CrmUser, Opportunity, ReferenceRequest
from refbot.services import outcomes
from refbot.services import requests as svc

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def env() -> svc.RequestEnv:
    return svc.RequestEnv(settings=CoreSettings(_env_file=None, refbot_timezone="Europe/Berlin"), client=None, now=NOW)


@pytest.fixture
def contacts(session) -> list[int]:
    globex = Account(external_id="A1", name="Globex", owner_id="UOWNER", industry="Banking", country="DE")
    people = [Contact(external_id=f"C{i}", name=f"Person {i}", title="CTO", account=globex, activities=["call"])
              for i in range(3)]
    session.add_all([globex, *people])
    session.commit()
    return [p.id for p in people]


def form(**changes) -> svc.RequestInput:
    return dataclasses.replace(svc.RequestInput(
        prospect_company="Initech", crm_id="0065g00000XyZab", stage="evaluation", amount="250k", industry="Banking",
        employees="5,000", country="Germany", activity="call", needed_by=dt.date(2026, 11, 27)), **changes)


def create(session, env, contact_id, requester, **changes):
    result = svc.create_request(session=session, env=env, requester_id=requester, contact_id=contact_id,
                                data=form(**changes), client_token=f"V-{requester}-{contact_id}")
    session.commit()
    return result.request


def test_a_second_seller_typing_anothers_crm_id_is_refused_and_the_deal_is_untouched(session, env, contacts):
    mine = create(session, env, contacts[0], "USELLER")
    with pytest.raises(ValidationFailed) as err:
        create(session, env, contacts[1], "UOTHER", prospect_company="Evil Corp", amount="99B")
    session.rollback()
    assert err.value.field_errors["crm_id"].startswith("That CRM opportunity id is another seller's deal")
    with pytest.raises(ValidationFailed):  # the form's own check, before anything is written
        svc.validate_request(session=session, env=env, requester_id="UOTHER", contact_id=contacts[1],
                             data=form(amount="99B"))
    opp = session.get(Opportunity, mine.opportunity_id)
    session.refresh(opp)
    assert (opp.prospect_company, opp.amount, opp.owner_id) == ("Initech", 250_000, "USELLER")
    assert session.scalar(sa.select(sa.func.count(ReferenceRequest.id))) == 1
    with pytest.raises(NotAllowed):
        outcomes.record_outcome(session=session, opportunity_id=opp.id, outcome=OpportunityOutcome.won,
                                user_id="UOTHER", is_admin=False, amount=99_000_000_000, now=NOW, tz_name=None)
    # the owner's own second request still joins and updates the deal
    create(session, env, contacts[2], "USELLER", amount="300k")
    session.refresh(opp)
    assert opp.amount == 300_000


def test_a_team_member_may_use_a_synced_deal_but_typing_never_changes_its_crm_facts(session, env, contacts):
    session.add_all([
        Opportunity(crm_id="006A", prospect_company="Initech", amount=250_000, owner_id="UBEN", stage="proposal",
                    crm_synced_at=NOW),
        CrmUser(crm_id="005ANA", name="Ana", email="ana@acme.test", slack_id="UANA"),
        CrmTeamMember(opportunity_crm_id="006A", user_crm_id="005ANA"),
    ])
    session.commit()
    request = create(session, env, contacts[0], "UANA", crm_id="006A", amount="1k", prospect_company="Typo Inc")
    opp = session.get(Opportunity, request.opportunity_id)
    session.refresh(opp)
    assert (opp.crm_id, opp.amount, opp.prospect_company, opp.owner_id) == ("006A", 250_000, "Initech", "UBEN")
    with pytest.raises(ValidationFailed):
        create(session, env, contacts[1], "UCARL", crm_id="006A")
