import datetime as dt

import pytest

from refbot.domain import RequestStatus as S
from refbot.errors import InvalidTransition, NotFound
from refbot.models import Account, Contact, Opportunity, ReferenceRequest, RequestEvent
from refbot.services.lifecycle import transition

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def request_id(session) -> int:
    account = Account(external_id="A1", name="Globex", owner_id="UOWNER")
    contact = Contact(external_id="C1", name="Dana", account=account)
    opp = Opportunity(prospect_company="Initech")
    req = ReferenceRequest(
        opportunity=opp, contact=contact, account=account, requester_id="USELLER", needed_by=dt.date(2026, 12, 4)
    )
    session.add(req)
    session.commit()
    return req.id


def test_happy_path_records_every_transition(session, request_id):
    for to in (S.approved, S.scheduled, S.completed, S.debriefed):
        transition(session=session, request_id=request_id, to=to, actor_id="U1", action=to.value, now=NOW)
    session.commit()
    events = session.query(RequestEvent).filter_by(request_id=request_id).order_by(RequestEvent.id).all()
    assert [(e.from_status, e.to_status) for e in events] == [
        (S.pending_approval, S.approved),
        (S.approved, S.scheduled),
        (S.scheduled, S.completed),
        (S.completed, S.debriefed),
    ]
    assert session.get(ReferenceRequest, request_id).status is S.debriefed


def test_invalid_transition_is_refused_with_a_reason_and_changes_nothing(session, request_id):
    transition(session=session, request_id=request_id, to=S.cancelled, actor_id="USELLER", action="cancel", now=NOW)
    session.commit()
    with pytest.raises(InvalidTransition, match="was cancelled, so it can't be approved"):
        transition(session=session, request_id=request_id, to=S.approved, actor_id="UOWNER", action="approve", now=NOW)
    session.rollback()
    assert session.query(RequestEvent).count() == 1


def test_second_of_two_racing_approvals_loses(database, request_id):
    with database.unit_of_work() as s1:
        transition(session=s1, request_id=request_id, to=S.approved, actor_id="UOWNER", action="approve", now=NOW)
    with pytest.raises(InvalidTransition, match="already approved"), database.unit_of_work() as s2:
        transition(session=s2, request_id=request_id, to=S.approved, actor_id="UADMIN", action="approve", now=NOW,
                   from_statuses={S.pending_approval})
    with database.unit_of_work() as s3:
        assert s3.query(RequestEvent).count() == 1


def test_unknown_request(session):
    with pytest.raises(NotFound):
        transition(session=session, request_id=999, to=S.approved, actor_id="U", action="approve", now=NOW)
