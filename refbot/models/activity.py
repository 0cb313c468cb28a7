"""Recorded uses of a contact (fatigue and rotation are computed from these) and debriefs."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

import refbot.models.opportunity  # noqa: F401 - its table is a foreign key's target (refbot.models)
import refbot.models.request  # noqa: F401 - its table is a foreign key's target (refbot.models)
from refbot.domain import ActivityType, MetNeeds
from refbot.models.account import Contact
from refbot.models.base import Base, enum_column, utcnow


class Activity(Base):
    __tablename__ = "activities"
    __table_args__ = (
        sa.UniqueConstraint("contact_id", "occurred_on", "type", "opportunity", name="uq_activities_natural"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(sa.ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    occurred_on: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    type: Mapped[ActivityType] = mapped_column(enum_column(ActivityType, "activity_type"))
    # Free-text label of the deal (CSV "opportunity" column); '' when none.
    opportunity: Mapped[str] = mapped_column(sa.String(200), default="")
    opportunity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("opportunities.id"))
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reference_requests.id"), unique=True)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    source: Mapped[str] = mapped_column(sa.String(16), default="import")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    contact: Mapped[Contact] = relationship()


class Debrief(Base):
    __tablename__ = "debriefs"
    __table_args__ = (sa.CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(sa.ForeignKey("reference_requests.id"), unique=True)
    happened: Mapped[bool] = mapped_column(default=True)
    met_needs: Mapped[MetNeeds | None] = mapped_column(enum_column(MetNeeds, "met_needs"))
    rating: Mapped[int | None] = mapped_column(sa.Integer)
    insights: Mapped[str] = mapped_column(sa.Text, default="")
    concerns: Mapped[str] = mapped_column(sa.Text, default="")
    redo_needed: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    filed_by: Mapped[str] = mapped_column(sa.String(32))
    filed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    on_time: Mapped[bool] = mapped_column(default=True)
