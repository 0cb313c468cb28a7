"""Reference requests (one ask, one contact, one activity) and their immutable audit trail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from refbot.domain import ActivityType, RequestStatus
from refbot.models.account import Account, Contact
from refbot.models.base import Base, TimestampMixin, enum_column, utcnow
from refbot.models.opportunity import Opportunity


class ReferenceRequest(TimestampMixin, Base):
    __tablename__ = "reference_requests"
    __table_args__ = (sa.Index("ix_reference_requests_status_needed_by", "status", "needed_by"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str | None] = mapped_column(sa.String(32))
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id"), index=True)
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("contacts.id"), index=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    requester_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    owner_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    activity_type: Mapped[ActivityType] = mapped_column(
        enum_column(ActivityType, "activity_type"), default=ActivityType.call
    )
    needed_by: Mapped[dt.date] = mapped_column(sa.Date)
    urgent: Mapped[bool] = mapped_column(default=False)
    urgent_reason: Mapped[str | None] = mapped_column(sa.Text)
    topics: Mapped[list[str]] = mapped_column(default=list)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    justification: Mapped[str | None] = mapped_column(sa.Text)
    flagged: Mapped[bool] = mapped_column(default=False)
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "request_status"), default=RequestStatus.pending_approval, index=True
    )
    criteria: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON())
    scheduled_at: Mapped[dt.datetime | None] = mapped_column()
    decided_by: Mapped[str | None] = mapped_column(sa.String(32))
    decided_at: Mapped[dt.datetime | None] = mapped_column()
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    suggested_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reference_requests.id"))
    completed_at: Mapped[dt.datetime | None] = mapped_column()
    thank_you_note: Mapped[str | None] = mapped_column(sa.Text)
    thanked_at: Mapped[dt.datetime | None] = mapped_column()
    thanked_by: Mapped[str | None] = mapped_column(sa.String(32))
    # Idempotency key of the submission that created the request (modal view id + hash, ...).
    client_token: Mapped[str | None] = mapped_column(sa.String(255), unique=True)

    opportunity: Mapped[Opportunity] = relationship()
    contact: Mapped[Contact] = relationship()
    account: Mapped[Account] = relationship()
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan"
    )


class RequestEvent(Base):
    """One transition of a request: who did what, when. Never updated, never deleted."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("reference_requests.id"), index=True)
    actor_id: Mapped[str | None] = mapped_column(sa.String(32))
    action: Mapped[str] = mapped_column(sa.String(40))
    from_status: Mapped[RequestStatus | None] = mapped_column(enum_column(RequestStatus, "event_from_status"))
    to_status: Mapped[RequestStatus | None] = mapped_column(enum_column(RequestStatus, "event_to_status"))
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON(), default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    request: Mapped[ReferenceRequest] = relationship(back_populates="events")
