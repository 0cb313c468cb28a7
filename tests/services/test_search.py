"""The search service's cached engine answers with what the database says now: a new request, a decision,
an activity or an edited contact shows in the very next search (usage refreshes, facts rebuild)."""

from __future__ import annotations

import datetime as dt

import pytest

from refbot.domain import ActivityType, RequestStatus
from refbot.models import Account, Activity, Contact, Opportunity, ReferenceRequest
from refbot.services import lifecycle
from refbot.services import search as search_service

TODAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def program(database):
    with database.unit_of_work() as session:
        account = Account(external_id="A1", name="Globex Bank", industry="Banking", employees=5000, country="DE",
                          owner_id="UOWNER")
        session.add_all([
            Contact(external_id="C1", name="Dana", title="VP Payments", seniority="vp", account=account),
            Contact(external_id="C2", name="Eve", title="Director IT", seniority="director", account=account),
        ])
    with database.unit_of_work() as session:
        return {c.name: c.id for c in session.query(Contact)}


def _request(session, contact_id: int, **extra) -> ReferenceRequest:
    """An open (or `status=`) request from U1 for `contact_id` on a new open deal."""
    opp = Opportunity(prospect_company="Initech", stage="evaluation")
    session.add(opp)
    session.flush()
    request = ReferenceRequest(opportunity_id=opp.id, contact_id=contact_id, account_id=1, requester_id="U1",
                               owner_id="UOWNER", activity_type=ActivityType.call,
                               needed_by=TODAY + dt.timedelta(days=10), **extra)
    session.add(request)
    session.flush()
    return request


def _availability(database, text="banking germany") -> dict[str, bool]:
    # Every contact (not one row per account), as another seller sees them: U1, who asked, is never offered
    # a contact declined for U1's deal again (test_a_contact_declined_for_a_deal_is_not_offered_again).
    with database.unit_of_work() as session:
        outcome = search_service.search_text(session=session, text=text, today=TODAY, user_id="U2", now=NOW,
                                             one_per_account=False)
    return {m.candidate.contact_name: m.available for m in outcome.result.matches}


def test_requests_decisions_and_activities_show_in_the_next_search(database, program):
    assert _availability(database) == {"Dana": True, "Eve": True}

    with database.unit_of_work() as session:
        opp = Opportunity(prospect_company="Initech", stage="evaluation")
        session.add(opp)
        session.flush()
        request = ReferenceRequest(opportunity_id=opp.id, contact_id=program["Dana"], account_id=1,
                                   requester_id="U1", owner_id="UOWNER", activity_type=ActivityType.call,
                                   needed_by=TODAY + dt.timedelta(days=10))
        session.add(request)
        session.flush()
        request_id = request.id
    assert _availability(database) == {"Dana": False, "Eve": True}  # busy with the open request

    with database.unit_of_work() as session:
        lifecycle.transition(session=session, request_id=request_id, to=RequestStatus.declined, actor_id="UOWNER",
                             action="decline", now=NOW)
    assert _availability(database) == {"Dana": True, "Eve": True}  # declined: free again

    with database.unit_of_work() as session:
        session.add(Activity(contact_id=program["Eve"], occurred_on=TODAY - dt.timedelta(days=3),
                             type=ActivityType.call))
    assert _availability(database) == {"Dana": True, "Eve": False}  # used 3 days ago: resting


def test_edited_and_new_contacts_show_in_the_next_search(database, program):
    assert "Frank" not in _availability(database)
    with database.unit_of_work() as session:
        account = session.query(Account).one()
        session.add(Contact(external_id="C3", name="Frank", title="CFO", seniority="c_level", account=account))
    assert "Frank" in _availability(database)

    with database.unit_of_work() as session:
        session.get(Contact, program["Dana"]).status = "paused"
    assert "Dana" not in _availability(database)


def test_the_engine_follows_the_day_for_fatigue_windows(database, program):
    with database.unit_of_work() as session:
        session.add(Activity(contact_id=program["Eve"], occurred_on=TODAY - dt.timedelta(days=3),
                             type=ActivityType.call))
    assert _availability(database)["Eve"] is False
    later = TODAY + dt.timedelta(days=60)
    with database.unit_of_work() as session:
        outcome = search_service.search_text(session=session, text="banking germany", today=later, user_id="U1",
                                             one_per_account=False)
    assert {m.candidate.contact_name: m.available for m in outcome.result.matches}["Eve"] is True


def test_a_change_the_fingerprints_miss_shows_within_the_maximum_ages(database, program, monkeypatch):
    """On PostgreSQL a transaction holding an earlier id can commit after a later one, so max(id) may not
    move: usage is reloaded and the engine rebuilt after a maximum age regardless."""
    assert _availability(database) == {"Dana": True, "Eve": True}
    real = search_service._fingerprints
    frozen = {}

    def blind(session, policy, today):
        frozen.setdefault("value", real(session, policy, today))
        return frozen["value"]

    monkeypatch.setattr(search_service, "_fingerprints", blind)
    _availability(database)
    with database.unit_of_work() as session:
        _request(session, program["Dana"])
        account = session.query(Account).one()
        session.add(Contact(external_id="C3", name="Frank", title="CFO", seniority="c_level", account=account))
    assert _availability(database) == {"Dana": True, "Eve": True}  # missed, within the maximum ages
    monkeypatch.setattr(search_service, "USAGE_MAX_AGE", 0.0)
    assert _availability(database) == {"Dana": False, "Eve": True}  # usage reloaded: Dana is busy
    monkeypatch.setattr(search_service, "FACTS_MAX_AGE", 0.0)
    assert "Frank" in _availability(database)  # engine rebuilt: the new contact is found


def test_a_contact_declined_for_a_deal_is_not_offered_again(database, program):
    with database.unit_of_work() as session:
        _request(session, program["Dana"], status=RequestStatus.declined)

    def offered(user_id: str, **kw) -> list[str]:
        with database.unit_of_work() as session:
            outcome = search_service.search_text(session=session, text="banking germany", today=TODAY,
                                                 user_id=user_id, now=NOW, **kw)
        return [m.candidate.contact_name for m in outcome.result.matches]

    assert offered("U1") == ["Eve"]  # the seller whose deal it was: Dana is never offered again
    assert offered("U1", one_per_account=False) == ["Eve"]
    assert "Dana" in offered("U2", one_per_account=False)  # another seller's deal: Dana is free
    with database.unit_of_work() as session:
        session.query(Opportunity).update({"outcome": "lost"})
    assert "Dana" in offered("U1", one_per_account=False)  # that deal is over: a new deal may ask her again
