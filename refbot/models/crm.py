"""What the CRM sync keeps besides the accounts, contacts and deals it fills: per-object cursors and their
last outcome, the CRM's users (matched to Slack by email), opportunity teams, and write-backs done."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from refbot.models.base import Base, utcnow


class CrmCursor(Base):
    """One row per synced CRM object: where the incremental sync resumes (the CRM's SystemModstamp)."""

    __tablename__ = "crm_cursors"

    object: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    cursor: Mapped[dt.datetime | None] = mapped_column()
    cursor_id: Mapped[str | None] = mapped_column(sa.String(18))  # the last record at `cursor` (ties)
    records: Mapped[int] = mapped_column(default=0)  # records applied since the row was created
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column()
    last_success_at: Mapped[dt.datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    last_error_at: Mapped[dt.datetime | None] = mapped_column()
    issues: Mapped[list[str]] = mapped_column(default=list)  # the last run's skipped records, with CRM ids


class CrmUser(Base):
    """A CRM user (deal and account owners, team members) and the Slack user with the same email."""

    __tablename__ = "crm_users"

    crm_id: Mapped[str] = mapped_column(sa.String(18), primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    email: Mapped[str | None] = mapped_column(sa.String(320), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    slack_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    synced_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CrmTeamMember(Base):
    """A CRM user on an opportunity's team (they may pick that deal in the request form)."""

    __tablename__ = "crm_team_members"

    opportunity_crm_id: Mapped[str] = mapped_column(sa.String(18), primary_key=True)
    user_crm_id: Mapped[str] = mapped_column(sa.String(18), primary_key=True, index=True)


class CrmWriteback(Base):
    """A RefBot fact written to the CRM once (key like activity:12 or won:34), with the CRM record's id."""

    __tablename__ = "crm_writebacks"

    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    crm_id: Mapped[str] = mapped_column(sa.String(18))
    opportunity_crm_id: Mapped[str] = mapped_column(sa.String(18))
    written_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
