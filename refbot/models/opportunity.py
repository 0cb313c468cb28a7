"""The prospect deal a reference request serves."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from refbot.domain import OpportunityOutcome
from refbot.models.base import Base, TimestampMixin, enum_column


class Opportunity(TimestampMixin, Base):
    __tablename__ = "opportunities"
    __table_args__ = (
        sa.CheckConstraint("amount IS NULL OR amount >= 0", name="amount_positive"),
        sa.CheckConstraint("employees IS NULL OR employees >= 0", name="employees_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str | None] = mapped_column(sa.String(32))
    crm_id: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    prospect_company: Mapped[str] = mapped_column(sa.String(200))
    industry: Mapped[str | None] = mapped_column(sa.String(100))
    employees: Mapped[int | None] = mapped_column(sa.Integer)
    annual_revenue: Mapped[int | None] = mapped_column(sa.BigInteger)
    country: Mapped[str | None] = mapped_column(sa.String(2))
    stage: Mapped[str | None] = mapped_column(sa.String(32))
    amount: Mapped[int | None] = mapped_column(sa.BigInteger)
    expected_close_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    owner_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    outcome: Mapped[OpportunityOutcome] = mapped_column(
        enum_column(OpportunityOutcome, "opportunity_outcome"), default=OpportunityOutcome.open
    )
    outcome_at: Mapped[dt.datetime | None] = mapped_column()
    outcome_by: Mapped[str | None] = mapped_column(sa.String(32))
    # Filled by the CRM sync (None for deals typed by sellers): the CRM owns those deals' facts and outcome.
    name: Mapped[str | None] = mapped_column(sa.String(200))
    crm_stage: Mapped[str | None] = mapped_column(sa.String(100))
    crm_owner_id: Mapped[str | None] = mapped_column(sa.String(18), index=True)
    crm_synced_at: Mapped[dt.datetime | None] = mapped_column()
