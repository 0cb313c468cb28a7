"""A seller's suggestion of a happy customer to add as a reference."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

import refbot.models.account  # noqa: F401 - its table is a foreign key's target (refbot.models)
from refbot.domain import NominationStatus
from refbot.models.base import Base, TimestampMixin, enum_column


class Nomination(TimestampMixin, Base):
    __tablename__ = "nominations"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str | None] = mapped_column(sa.String(32))
    nominator_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    account_name: Mapped[str] = mapped_column(sa.String(200))
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"))
    contact_name: Mapped[str] = mapped_column(sa.String(200))
    contact_title: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_email: Mapped[str | None] = mapped_column(sa.String(320))
    why: Mapped[str] = mapped_column(sa.Text, default="")
    products: Mapped[list[str]] = mapped_column(default=list)
    activities: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[NominationStatus] = mapped_column(
        enum_column(NominationStatus, "nomination_status"), default=NominationStatus.pending, index=True
    )
    reject_reason: Mapped[str | None] = mapped_column(sa.Text)
    reviewed_by: Mapped[str | None] = mapped_column(sa.String(32))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column()
    contact_id: Mapped[int | None] = mapped_column(sa.ForeignKey("contacts.id"))
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("nominations.id"))
    # Normalised identity of the nominated person (email, else name + account) to merge duplicates.
    dedupe_key: Mapped[str] = mapped_column(sa.String(400), index=True)
