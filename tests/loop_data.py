"""Test data for the after-the-call loop (issue 5): requests created straight through the models, so the
loop's tests don't depend on the request workflow's UI."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.orm import Session

from refbot.domain import ActivityType
from refbot.domain import RequestStatus as S
from refbot.models import Account, Contact, Opportunity, ReferenceRequest, RequestEvent

SELLER = "USELLER"
OWNER = "UOWNER"
STRANGER = "USTRANGER"
ADMIN = "UADMIN"


def add_people(slack_api) -> None:
    """The seller (New York), the account owner and the program manager (Berlin) as Slack users."""
    slack_api.add_user(SELLER, "Sam Seller", tz="America/New_York")
    slack_api.add_user(OWNER, "Olivia Owner", tz="Europe/Berlin")
    slack_api.add_user(ADMIN, "Pat Manager", tz="Europe/Berlin")


def open_home(app, slack_api, user: str, tab: str = "home"):
    """`user` opens their App Home tab: the view RefBot published."""
    from tests.support.payloads import app_home_opened, dispatch

    response = dispatch(app, app_home_opened(user, tab=tab, view=slack_api.home(user)))
    assert response.status == 200, response.body
    return slack_api.home(user)

_ids = itertools.count(1)


def account(session: Session, name: str = "Globex", *, owner_id: str | None = OWNER) -> Account:
    acc = Account(external_id=f"A{next(_ids)}", name=name, owner_id=owner_id)
    session.add(acc)
    session.flush()
    return acc


def contact(session: Session, acc: Account, name: str = "Dana Scully", *, title: str = "VP Finance",
            max_per_quarter: int | None = None) -> Contact:
    c = Contact(external_id=f"C{next(_ids)}", name=name, title=title, account=acc, email="dana@globex.example",
                phone="+49 30 1234567", max_per_quarter=max_per_quarter)
    session.add(c)
    session.flush()
    return c


def opportunity(session: Session, prospect: str = "Initech", *, amount: int | None = 250_000,
                close: dt.date | None = None, owner_id: str | None = SELLER) -> Opportunity:
    opp = Opportunity(prospect_company=prospect, amount=amount, expected_close_date=close, owner_id=owner_id,
                      stage="evaluation")
    session.add(opp)
    session.flush()
    return opp


def request(
    session: Session,
    *,
    scheduled_at: dt.datetime | None,
    status: S = S.scheduled,
    created_at: dt.datetime | None = None,
    approved_at: dt.datetime | None = None,
    contact_: Contact | None = None,
    opp: Opportunity | None = None,
    requester_id: str = SELLER,
    activity: ActivityType = ActivityType.call,
    recorded_at: dt.datetime | None = None,
) -> ReferenceRequest:
    """A request in `status`, with the audit events a real one would have (approved, then scheduled at
    `recorded_at`: by default an hour after approval, or at the call time if that came first)."""
    c = contact_ or contact(session, account(session))
    opp = opp or opportunity(session)
    created = created_at or (scheduled_at or dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)) - dt.timedelta(days=7)
    req = ReferenceRequest(
        opportunity=opp, contact=c, account=c.account, requester_id=requester_id, owner_id=c.account.owner_id,
        activity_type=activity, needed_by=(scheduled_at or created).date(), status=status,
        scheduled_at=scheduled_at, created_at=created, updated_at=created,
        criteria={"industry": "Banking", "country": "DE"},
    )
    session.add(req)
    session.flush()
    events = [RequestEvent(request_id=req.id, actor_id=requester_id, action="created", to_status=S.pending_approval,
                           created_at=created)]
    if status in (S.approved, S.scheduled, S.completed, S.debriefed, S.missed):
        approved = approved_at or created + dt.timedelta(hours=5)
        events.append(RequestEvent(request_id=req.id, actor_id=c.account.owner_id, action="approve",
                                   from_status=S.pending_approval, to_status=S.approved, created_at=approved))
        if scheduled_at is not None:
            events.append(RequestEvent(request_id=req.id, actor_id=requester_id, action="schedule",
                                       from_status=S.approved, to_status=S.scheduled,
                                       created_at=recorded_at or min(approved + dt.timedelta(hours=1), scheduled_at)))
    session.add_all(events)
    session.flush()
    return req
