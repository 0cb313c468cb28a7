"""The points ledger: append-only rows; leaderboards sum it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

import refbot.models.account  # noqa: F401 - its table is a foreign key's target (refbot.models)
from refbot.domain import PointsReason
from refbot.models.base import Base, enum_column, utcnow


class PointsEntry(Base):
    __tablename__ = "points_ledger"
    __table_args__ = (
        sa.CheckConstraint(
            "user_id IS NOT NULL OR contact_id IS NOT NULL OR account_id IS NOT NULL", name="has_beneficiary"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id", ondelete="SET NULL"))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id", ondelete="SET NULL"))
    reason: Mapped[PointsReason] = mapped_column(enum_column(PointsReason, "points_reason"))
    points: Mapped[int] = mapped_column(sa.Integer)
    # What earned the points ("debrief:42"); unique per beneficiary kind so nothing is counted twice.
    source_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
