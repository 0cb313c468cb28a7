"""A success story: a seller's short internal write-up of a deal won with references, approved by a program
manager before it appears in the weekly leaderboard post and the monthly digest."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

import refbot.models.opportunity  # noqa: F401 - its table is a foreign key's target (refbot.models)
from refbot.models.base import Base, TimestampMixin, enum_column


class StoryStatus(StrEnum):
    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class SuccessStory(TimestampMixin, Base):
    __tablename__ = "success_stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunities.id"), unique=True)
    author_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    need: Mapped[str] = mapped_column(sa.Text)  # what the prospect needed
    helped: Mapped[str] = mapped_column(sa.Text)  # who helped (customers, roles; never contact details)
    result: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[StoryStatus] = mapped_column(
        enum_column(StoryStatus, "story_status"), default=StoryStatus.pending, index=True
    )
    reviewed_by: Mapped[str | None] = mapped_column(sa.String(32))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    reject_reason: Mapped[str | None] = mapped_column(sa.Text)
