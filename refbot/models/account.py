"""Reference accounts (customer companies) and their reference contacts (people)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from refbot.domain import AccountStatus, ContactStatus, Persona, Region, Seniority
from refbot.models.base import Base, TimestampMixin, enum_column


class Account(TimestampMixin, Base):
    __tablename__ = "accounts"
    __table_args__ = (
        sa.CheckConstraint("employees IS NULL OR employees >= 0", name="employees_positive"),
        sa.CheckConstraint("annual_revenue IS NULL OR annual_revenue >= 0", name="revenue_positive"),
        sa.Index("ix_accounts_updated_at", "updated_at"),  # the search engine's change fingerprint
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str | None] = mapped_column(sa.String(32))
    external_id: Mapped[str] = mapped_column(sa.String(100), unique=True)
    crm_id: Mapped[str | None] = mapped_column(sa.String(18), unique=True)  # set once the CRM sync owns its facts
    name: Mapped[str] = mapped_column(sa.String(200), index=True)
    industry: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    employees: Mapped[int | None] = mapped_column(sa.Integer)
    annual_revenue: Mapped[int | None] = mapped_column(sa.BigInteger)
    country: Mapped[str | None] = mapped_column(sa.String(2), index=True)
    region: Mapped[Region | None] = mapped_column(enum_column(Region, "region"))
    products: Mapped[list[str]] = mapped_column(default=list)
    use_cases: Mapped[list[str]] = mapped_column(default=list)
    competitor_replaced: Mapped[str | None] = mapped_column(sa.String(100))
    deployment: Mapped[str | None] = mapped_column(sa.String(32))
    owner_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    status: Mapped[AccountStatus] = mapped_column(
        enum_column(AccountStatus, "account_status"), default=AccountStatus.active
    )
    case_study_url: Mapped[str | None] = mapped_column(sa.String(500))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    nominated_by: Mapped[str | None] = mapped_column(sa.String(32))

    contacts: Mapped[list[Contact]] = relationship(back_populates="account", order_by="Contact.id")


class Contact(TimestampMixin, Base):
    __tablename__ = "contacts"
    __table_args__ = (
        sa.CheckConstraint("max_per_quarter IS NULL OR max_per_quarter >= 0", name="max_per_quarter_positive"),
        sa.Index("ix_contacts_updated_at", "updated_at"),  # the search engine's change fingerprint
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(100), unique=True)
    crm_id: Mapped[str | None] = mapped_column(sa.String(18), unique=True)  # set once the CRM sync owns its facts
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    seniority: Mapped[Seniority | None] = mapped_column(enum_column(Seniority, "seniority"))
    persona: Mapped[Persona | None] = mapped_column(enum_column(Persona, "persona"))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    phone: Mapped[str | None] = mapped_column(sa.String(64))
    topics: Mapped[list[str]] = mapped_column(default=list)
    activities: Mapped[list[str]] = mapped_column(default=list)
    max_per_quarter: Mapped[int | None] = mapped_column(sa.Integer)
    status: Mapped[ContactStatus] = mapped_column(
        enum_column(ContactStatus, "contact_status"), default=ContactStatus.active
    )
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    languages: Mapped[list[str]] = mapped_column(default=list)
    nominated_by: Mapped[str | None] = mapped_column(sa.String(32))
    opted_out_at: Mapped[dt.datetime | None] = mapped_column()

    account: Mapped[Account] = relationship(back_populates="contacts")
