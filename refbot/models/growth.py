"""Growing the program: customers sellers wish were references, searches followed until a reference fits,
contests, nomination targets, and who has seen the first-run welcome."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

import refbot.models.account  # noqa: F401 - its table is a foreign key's target (refbot.models)
import refbot.models.opportunity  # noqa: F401 - its table is a foreign key's target (refbot.models)
import refbot.models.search  # noqa: F401 - its table is a foreign key's target (refbot.models)
from refbot.models.base import Base, utcnow


class WishedCustomer(Base):
    """One customer sellers wish were a reference; wishes naming it (typos and legal suffixes aside) merge here."""

    __tablename__ = "wished_customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    name_key: Mapped[str] = mapped_column(sa.String(200), unique=True)  # refbot.services.nominations.normalize_company
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id", ondelete="SET NULL"), index=True)
    owner_asked_at: Mapped[dt.datetime | None] = mapped_column()
    owner_answer: Mapped[str | None] = mapped_column(sa.String(16))  # "yes" or "not_now"
    owner_answered_by: Mapped[str | None] = mapped_column(sa.String(32))
    fulfilled_at: Mapped[dt.datetime | None] = mapped_column()  # it became a reference; wishers were told
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Wish(Base):
    """One seller's wish for one customer (a second wish by the same seller updates this one)."""

    __tablename__ = "wishes"
    __table_args__ = (sa.UniqueConstraint("customer_id", "requester_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("wished_customers.id", ondelete="CASCADE"), index=True)
    requester_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    typed_name: Mapped[str] = mapped_column(sa.String(200))
    why: Mapped[str] = mapped_column(sa.Text, default="")
    opportunity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("opportunities.id", ondelete="SET NULL"))
    search_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SearchFollow(Base):
    """A seller following a search that had no good match: one DM when a fitting reference is available."""

    __tablename__ = "search_follows"
    __table_args__ = (sa.UniqueConstraint("user_id", "search_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    search_id: Mapped[int] = mapped_column(sa.ForeignKey("search_log.id", ondelete="CASCADE"))
    query: Mapped[str] = mapped_column(sa.Text, default="")
    criteria: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default="open", index=True)  # open, notified, expired
    contact_id: Mapped[int | None] = mapped_column()  # the reference the DM offered
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column()


class Contest(Base):
    """A race a program manager runs (most accepted nominations, ...) over a period, with optional prize and sponsor."""

    __tablename__ = "contests"

    id: Mapped[int] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(sa.String(32))  # refbot.services.contests.METRICS
    starts_on: Mapped[dt.date] = mapped_column(sa.Date)
    ends_on: Mapped[dt.date] = mapped_column(sa.Date)  # inclusive
    prize: Mapped[str] = mapped_column(sa.String(200), default="")
    sponsor_id: Mapped[str | None] = mapped_column(sa.String(32))
    created_by: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column()  # the start announcement was queued
    finished_at: Mapped[dt.datetime | None] = mapped_column()  # the final announcement was queued
    cancelled_at: Mapped[dt.datetime | None] = mapped_column()


class NominationTarget(Base):
    """How many accepted nominations a seller is asked for in one quarter."""

    __tablename__ = "nomination_targets"
    __table_args__ = (sa.UniqueConstraint("user_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(sa.String(32))
    quarter: Mapped[str] = mapped_column(sa.String(8))  # "2026Q4"
    target: Mapped[int] = mapped_column()
    set_by: Mapped[str] = mapped_column(sa.String(32))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Welcome(Base):
    """A seller who has been shown the first-run welcome (once per person)."""

    __tablename__ = "welcomes"

    user_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    shown_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
