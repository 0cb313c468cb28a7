"""Creating a request: the opportunity upsert, the stored request and its first event, and the messages
to the seller and the approver."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from refbot.domain import OpportunityOutcome
from refbot.errors import ValidationFailed
from refbot.models import (
    Opportunity,
    ReferenceRequest,
    RequestEvent,
    SearchLog,
)
from refbot.services.availability import Availability
from refbot.services.requests.approvals import notify_created
from refbot.services.requests.deals import FOREIGN_DEAL, may_use_deal
from refbot.services.requests.env import RequestEnv, S
from refbot.services.requests.validate import (
    RequestInput,
    ValidRequest,
    requestable_contact,
    validate_request,
)


def upsert_opportunity(
    *,
    session: Session,
    owner_id: str,
    prospect_company: str,
    crm_id: str | None,
    stage: str | None,
    amount: int | None,
    industry: str | None,
    employees: int | None,
    country: str | None,
) -> Opportunity:
    """The deal by CRM id (updated with what the seller just typed), else this seller's open deal with
    the same company and no CRM id, else a new one.

    A CRM id typed by one seller never changes or joins another seller's deal (ValidationFailed), and a
    deal the CRM sync keeps is never changed by what anyone types: the CRM owns its facts."""
    opp: Opportunity | None
    if crm_id:
        opp = session.scalar(sa.select(Opportunity).where(Opportunity.crm_id == crm_id))
    else:
        opp = session.scalar(
            sa.select(Opportunity)
            .where(
                Opportunity.crm_id.is_(None),
                Opportunity.owner_id == owner_id,
                Opportunity.outcome == OpportunityOutcome.open,
                sa.func.lower(Opportunity.prospect_company) == prospect_company.lower(),
            )
            .order_by(Opportunity.id.desc())
            .limit(1)
        )
    if opp is None:
        opp = Opportunity(crm_id=crm_id, prospect_company=prospect_company, owner_id=owner_id)
        try:
            with session.begin_nested():
                session.add(opp)
        except IntegrityError:  # another request created this CRM id concurrently
            opp = session.scalar(sa.select(Opportunity).where(Opportunity.crm_id == crm_id))
            if opp is None:
                raise
    if not may_use_deal(session=session, opportunity=opp, seller_id=owner_id):
        raise ValidationFailed(FOREIGN_DEAL, {"crm_id": FOREIGN_DEAL})
    if opp.crm_synced_at is not None:
        return opp
    opp.prospect_company = prospect_company
    if opp.owner_id is None:
        opp.owner_id = owner_id
    for name, value in (("stage", stage), ("amount", amount), ("industry", industry), ("employees", employees),
                        ("country", country)):
        if value is not None:
            setattr(opp, name, value)
    session.flush()
    return opp


# ------------------------------------------------------------------ create


@dataclass(frozen=True)
class CreateResult:
    request: ReferenceRequest
    created: bool  # False when this submission had already created it


def find_by_token(*, session: Session, client_token: str) -> ReferenceRequest | None:
    return session.scalar(sa.select(ReferenceRequest).where(ReferenceRequest.client_token == client_token))


def create_request(
    *,
    session: Session,
    env: RequestEnv,
    requester_id: str,
    contact_id: int,
    data: RequestInput,
    client_token: str | None = None,
    search_id: int | None = None,
) -> CreateResult:
    """Validate and store a request as pending_approval, tell the seller, and ask the approver.

    `client_token` (the modal's view id) makes a redelivered submission return the first request.
    """
    if client_token:
        existing = find_by_token(session=session, client_token=client_token)
        if existing is not None:
            return CreateResult(existing, created=False)
    valid = validate_request(session=session, env=env, requester_id=requester_id, contact_id=contact_id, data=data)
    contact = requestable_contact(session=session, contact_id=contact_id)
    criteria = _criteria(session=session, search_id=search_id, valid=valid)
    try:
        with session.begin_nested():
            opp = upsert_opportunity(
                session=session, owner_id=requester_id, prospect_company=valid.prospect_company,
                crm_id=valid.crm_id, stage=valid.stage, amount=valid.amount, industry=valid.industry,
                employees=valid.employees, country=valid.country,
            )
            request = ReferenceRequest(
                team_id=contact.account.team_id,
                opportunity_id=opp.id,
                contact_id=contact.id,
                account_id=contact.account_id,
                requester_id=requester_id,
                owner_id=contact.account.owner_id,
                activity_type=valid.activity,
                needed_by=valid.needed_by,
                urgent=valid.urgent,
                urgent_reason=valid.urgent_reason,
                topics=valid.topics,
                note=valid.note,
                justification=valid.justification,
                flagged=not valid.availability.available,
                status=S.pending_approval,
                criteria=criteria,
                client_token=client_token,
                created_at=env.now,
                updated_at=env.now,
            )
            session.add(request)
            session.flush()
    except IntegrityError:
        if client_token:
            existing = find_by_token(session=session, client_token=client_token)
            if existing is not None:  # the same submission, delivered twice at once
                return CreateResult(existing, created=False)
        raise
    created_event(session=session, env=env, request=request, actor_id=requester_id, availability=valid.availability,
                   detail={"search_id": search_id} if search_id else {})
    session.refresh(request)
    notify_created(session=session, env=env, request=request, tell_seller=True)
    return CreateResult(request, created=True)


def _criteria(*, session: Session, search_id: int | None, valid: ValidRequest) -> dict[str, Any]:
    """The search criteria behind the request ("Search again" re-runs them)."""
    if search_id is not None:
        entry = session.get(SearchLog, search_id)
        if entry is not None and entry.criteria:
            return dict(entry.criteria)
    derived: dict[str, Any] = {
        "industry": valid.industry,
        "employees": valid.employees,
        "country": valid.country,
        "activity": valid.activity.value,
        "topics": valid.topics or None,
    }
    return {k: v for k, v in derived.items() if v is not None}


def created_event(
    *, session: Session, env: RequestEnv, request: ReferenceRequest, actor_id: str, availability: Availability,
    detail: dict[str, Any],
) -> None:
    info = dict(detail)
    if not availability.available:
        info["unavailable"] = availability.reason()
    session.add(
        RequestEvent(
            request_id=request.id, actor_id=actor_id, action="created", from_status=None,
            to_status=S.pending_approval, detail=info, created_at=env.now,
        )
    )
    session.flush()
