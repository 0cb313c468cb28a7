"""Write-back (off by default; SALESFORCE_WRITE_BACK=true): each completed reference activity and each
credited win is written to its CRM opportunity as a completed Task, so the CRM shows which references helped.

Idempotent twice over: a CrmWriteback row (key activity:<request id> or won:<deal id>) is stored with the
CRM record's id once written, and the connector looks for a Task carrying the same key before creating
one, so a crash between the CRM's answer and our commit never writes a second Task.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.clock import Clock
from refbot.crm import CRM, CRMError
from refbot.db import Database
from refbot.domain import OpportunityOutcome
from refbot.models import CrmWriteback, Opportunity, ReferenceRequest
from refbot.services.outcomes import HELPED_STATUSES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Item:
    key: str
    opportunity_crm_id: str
    subject: str
    description: str
    when: dt.date


@dataclass
class WritebackResult:
    written: list[str] = field(default_factory=list)
    error: CRMError | None = None

    def summary(self) -> str:
        text = f"{len(self.written)} written to the CRM"
        return text + (f"; stopped: {self.error.message}" if self.error else "")


def _key(prefix: str, column: Any) -> Any:
    return sa.literal(prefix, sa.String) + sa.cast(column, sa.String)


def _who(request: ReferenceRequest) -> str:
    title = f", {request.contact.title}" if request.contact.title else ""
    return f"{request.contact.name}{title} at {request.account.name}"


def pending(*, session: Session, limit: int = 200) -> list[Item]:
    """What is still to be written: activities on CRM deals, and CRM deals won with references."""
    done = sa.select(CrmWriteback.key)
    items: list[Item] = []
    requests = session.scalars(
        sa.select(ReferenceRequest).join(Opportunity, Opportunity.id == ReferenceRequest.opportunity_id)
        .where(ReferenceRequest.status.in_(list(HELPED_STATUSES)), Opportunity.crm_synced_at.is_not(None),
               Opportunity.crm_id.is_not(None),
               _key("activity:", ReferenceRequest.id).not_in(done))
        .order_by(ReferenceRequest.id).limit(limit)
    )
    for r in requests:
        when = (r.scheduled_at or r.completed_at or r.updated_at).date()
        label = r.activity_type.label
        items.append(Item(
            key=f"activity:{r.id}", opportunity_crm_id=r.opportunity.crm_id or "",
            subject=f"{label}: {r.contact.name} ({r.account.name})",
            description=f"{_who(r)} gave a {label.lower()} for this deal on {when.isoformat()}, "
                        "arranged through RefBot.",
            when=when))
    helped = sa.select(ReferenceRequest.opportunity_id).where(ReferenceRequest.status.in_(list(HELPED_STATUSES)))
    won = session.scalars(
        sa.select(Opportunity).where(Opportunity.outcome == OpportunityOutcome.won, Opportunity.crm_id.is_not(None),
                                     Opportunity.crm_synced_at.is_not(None), Opportunity.id.in_(helped),
                                     _key("won:", Opportunity.id).not_in(done))
        .order_by(Opportunity.id).limit(limit)
    )
    for opp in won:
        refs = session.scalars(sa.select(ReferenceRequest).where(
            ReferenceRequest.opportunity_id == opp.id, ReferenceRequest.status.in_(list(HELPED_STATUSES)))
            .order_by(ReferenceRequest.id)).all()
        when = (opp.outcome_at or dt.datetime.now(dt.UTC)).date()
        items.append(Item(
            key=f"won:{opp.id}", opportunity_crm_id=opp.crm_id or "",
            subject=f"Won with {len(refs)} reference{'s' if len(refs) != 1 else ''}",
            description="References that helped win this deal: " + "; ".join(_who(r) for r in refs) + ".",
            when=when))
    return items


def write_back(*, db: Database, crm: CRM, clock: Clock) -> WritebackResult:
    result = WritebackResult()
    with db.unit_of_work(read_only=True) as session:
        items = pending(session=session)
    for item in items:
        try:
            crm_id = crm.write_activity(opportunity_id=item.opportunity_crm_id, key=item.key, subject=item.subject,
                                        description=item.description, when=item.when)
        except CRMError as exc:
            result.error = exc
            log.warning("crm write-back stopped at %s: %s", item.key, exc.message)
            return result
        with db.unit_of_work() as session:
            if session.get(CrmWriteback, item.key) is None:
                session.add(CrmWriteback(key=item.key, crm_id=crm_id, opportunity_crm_id=item.opportunity_crm_id,
                                         written_at=clock.now(), detail={"subject": item.subject}))
        result.written.append(item.key)
    return result
