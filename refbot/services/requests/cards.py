"""What messages and lists show about a request: the card (no contact details), the contact's details for
an approved request, alternative contacts, the contact picker's choices, and a seller's own requests."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.blocks import requests as blocks
from refbot.domain import (
    OPEN_REQUEST_STATUSES,
    AccountStatus,
    ActivityType,
    ContactStatus,
)
from refbot.models import (
    Account,
    Contact,
    ReferenceRequest,
    RequestEvent,
)
from refbot.services.availability import availabilities, contact_availability
from refbot.services.policy import Policy
from refbot.services.requests.env import S


def contact_details(contact: Contact) -> blocks.ContactDetails:
    return blocks.ContactDetails(
        name=contact.name, title=contact.title or "", email=contact.email, phone=contact.phone,
        timezone=contact.timezone,
    )


def card_of(
    *, session: Session, request: ReferenceRequest, today: dt.date | None = None, policy: Policy | None = None
) -> blocks.RequestCard:
    """Everything messages may show about a request (no contact email/phone). With `today`, includes the
    contact's recent use and, for flagged requests, why the contact is resting."""
    contact, account, opp = request.contact, request.account, request.opportunity
    usage = reason = ""
    if today is not None:
        avail = contact_availability(
            session=session, contact_id=contact.id, today=today, policy=policy, exclude_request_id=request.id
        )
        usage = avail.usage_text()
        reason = avail.reason()
    if request.flagged and not reason:
        created = session.scalar(
            sa.select(RequestEvent.detail).where(RequestEvent.request_id == request.id,
                                                 RequestEvent.action == "created")
        )
        reason = str((created or {}).get("unavailable", ""))
    suggested, answer, awaiting = _suggestion_facts(session, request)
    return blocks.RequestCard(
        id=request.id,
        status=S(request.status),
        requester_id=request.requester_id,
        owner_id=request.owner_id,
        contact_name=contact.name,
        contact_title=contact.title or "",
        account_name=account.name,
        prospect_company=opp.prospect_company,
        activity_type=ActivityType(request.activity_type),
        needed_by=request.needed_by,
        created_at=request.created_at,
        stage=opp.stage,
        amount=opp.amount,
        crm_id=opp.crm_id,
        industry=opp.industry,
        employees=opp.employees,
        country=opp.country,
        topics=tuple(request.topics or ()),
        note=request.note or "",
        urgent=request.urgent,
        urgent_reason=request.urgent_reason,
        justification=request.justification,
        flagged=request.flagged,
        decided_by=_closed_by(session, request),
        decided_at=_closed_at(session, request),
        decline_reason=request.decline_reason,
        scheduled_at=request.scheduled_at,
        suggested_from_id=request.suggested_from_id,
        usage=usage,
        unavailable_reason=reason if request.flagged else "",
        suggested_contact=suggested, suggestion_answer=answer, awaiting_seller=awaiting,
    )


SUGGESTION_TAKEN = "suggestion_taken"  # the event of a seller taking the contact an owner suggested


def suggestion_taken(session: Session, request: ReferenceRequest) -> bool:
    return session.scalar(sa.select(RequestEvent.id).where(
        RequestEvent.request_id == request.id, RequestEvent.action == SUGGESTION_TAKEN).limit(1)) is not None


def _suggestion_facts(session: Session, request: ReferenceRequest) -> tuple[str, str, bool]:
    """(whom the owner suggested instead, the seller's answer: "taken"/"passed"/"lapsed"/"", whether this request is a
    suggestion the seller still has to take)."""
    awaiting = (request.suggested_from_id is not None and S(request.status) is S.approved
                and not suggestion_taken(session, request))
    if request.decline_reason != blocks.SUGGESTED_REASON:
        return "", "", awaiting
    new = session.scalar(sa.select(ReferenceRequest).where(ReferenceRequest.suggested_from_id == request.id)
                         .order_by(ReferenceRequest.id.desc()).limit(1))
    if new is None:
        return "", "", awaiting
    answer = ""
    if S(new.status) is S.expired:
        answer = "lapsed"
    elif suggestion_taken(session, new) or S(new.status) not in (S.approved, S.pending_approval, S.cancelled):
        answer = "taken"
    elif S(new.status) is S.cancelled:
        answer = "passed"
    return new.contact.name, answer, awaiting


def _closing_event(session: Session, request: ReferenceRequest) -> RequestEvent | None:
    if S(request.status) not in (S.cancelled, S.expired):
        return None
    return session.scalar(
        sa.select(RequestEvent)
        .where(RequestEvent.request_id == request.id, RequestEvent.to_status == request.status)
        .order_by(RequestEvent.id.desc())
        .limit(1)
    )


def _closed_by(session: Session, request: ReferenceRequest) -> str | None:
    event = _closing_event(session, request)
    return event.actor_id if event is not None else request.decided_by


def _closed_at(session: Session, request: ReferenceRequest) -> dt.datetime | None:
    event = _closing_event(session, request)
    return event.created_at if event is not None else request.decided_at


def has_alternatives(*, session: Session, request: ReferenceRequest) -> bool:
    return bool(alternative_contacts(session=session, request=request))


def alternative_contacts(*, session: Session, request: ReferenceRequest) -> list[Contact]:
    """Active contacts of the request's account other than the requested one (for "Suggest")."""
    return list(
        session.scalars(
            sa.select(Contact)
            .where(
                Contact.account_id == request.account_id,
                Contact.id != request.contact_id,
                Contact.status == ContactStatus.active,
            )
            .order_by(Contact.name)
            .limit(blocks.MAX_OPTIONS)
        )
    )


def contact_choices(
    *, session: Session, query: str = "", limit: int = blocks.MAX_OPTIONS
) -> tuple[list[tuple[str, list[tuple[str, str]]]], int]:
    """Active contacts of active accounts matching `query` (name, title, company or external id), as
    [(company, [(label, contact id)])] with at most `limit` contacts; and how many match in all."""
    stmt = (
        sa.select(Contact.id, Contact.name, Contact.title, Account.name)
        .join(Account, Contact.account_id == Account.id)
        .where(Contact.status == ContactStatus.active, Account.status == AccountStatus.active)
        .order_by(sa.func.lower(Account.name), sa.func.lower(Contact.name), Contact.id)
    )
    query = query.strip()
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Contact.name).like(like),
                sa.func.lower(Account.name).like(like),
                sa.func.lower(Contact.title).like(like),
                Contact.external_id == query,
            )
        )
    rows = session.execute(stmt).all()
    groups: dict[str, list[tuple[str, str]]] = {}
    for contact_id, name, title, account in rows[:limit]:
        groups.setdefault(account, []).append((f"{name} · {title}" if title else name, str(contact_id)))
    return list(groups.items()), len(rows)


def contact_options(
    *, session: Session, query: str, today: dt.date, policy: Policy | None = None, limit: int = blocks.MAX_OPTIONS
) -> list[blocks.ContactChoice]:
    """The contact picker's type-ahead: active contacts of active accounts whose name, title or company
    contains every word of `query` (or whose external id is `query`), names starting with the query
    first; at most `limit`, each with its availability today. Reads only."""
    stmt = (
        sa.select(Contact.id, Contact.name, Contact.title, Account.name)
        .join(Account, Contact.account_id == Account.id)
        .where(Contact.status == ContactStatus.active, Account.status == AccountStatus.active)
    )
    query = " ".join(query.split())[:100]
    words = query.lower().split()
    if words:
        haystack = sa.func.lower(Contact.name + " " + sa.func.coalesce(Contact.title, "") + " " + Account.name)
        stmt = stmt.where(sa.or_(sa.and_(*(haystack.contains(w, autoescape=True) for w in words[:6])),
                                 Contact.external_id == query))
        first = sa.case((sa.func.lower(Contact.name).startswith(words[0], autoescape=True), 0),
                        (sa.func.lower(Account.name).startswith(words[0], autoescape=True), 1), else_=2)
        stmt = stmt.order_by(first)
    rows = session.execute(
        stmt.order_by(sa.func.lower(Contact.name), sa.func.lower(Account.name), Contact.id).limit(limit)
    ).all()
    avail = availabilities(session=session, contact_ids=[r[0] for r in rows], today=today, policy=policy)
    out = []
    for contact_id, name, title, account in rows:
        a = avail.get(contact_id)
        state = "available" if a is None or a.available else ("resting" if a.fatigued else "busy")
        out.append(blocks.ContactChoice(contact_id=contact_id, name=name, title=title or "", account_name=account,
                                        state=state, until=a.rested_from if a is not None and a.fatigued else None))
    return out


# ------------------------------------------------------------------ the request form


def my_requests(
    *, session: Session, user_id: str, closed_limit: int = 10
) -> tuple[list[blocks.RequestCard], list[blocks.RequestCard]]:
    """(open requests by needed-by date, the `closed_limit` most recently closed) of a seller."""
    open_rows = session.scalars(
        sa.select(ReferenceRequest)
        .where(ReferenceRequest.requester_id == user_id,
               ReferenceRequest.status.in_(list(OPEN_REQUEST_STATUSES)))
        .order_by(ReferenceRequest.needed_by, ReferenceRequest.id)
    ).all()
    closed_rows = session.scalars(
        sa.select(ReferenceRequest)
        .where(ReferenceRequest.requester_id == user_id,
               ReferenceRequest.status.not_in(list(OPEN_REQUEST_STATUSES)))
        .order_by(ReferenceRequest.updated_at.desc(), ReferenceRequest.id.desc())
        .limit(closed_limit)
    ).all()
    return ([card_of(session=session, request=r) for r in open_rows],
            [card_of(session=session, request=r) for r in closed_rows])


# ------------------------------------------------------------------ approval SLA (the approval_reminders job)
