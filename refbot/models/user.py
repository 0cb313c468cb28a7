"""Slack users known to RefBot (requesters, owners, program managers) and program settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from refbot.models.base import Base, TimestampMixin, utcnow


class SlackUser(TimestampMixin, Base):
    """A Slack user's profile cache: name, email and timezone (from users.info), and role."""

    __tablename__ = "slack_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str | None] = mapped_column(sa.String(32))
    slack_id: Mapped[str] = mapped_column(sa.String(32), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(320), index=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    tz: Mapped[str | None] = mapped_column(sa.String(64))
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_bot: Mapped[bool] = mapped_column(default=False)
    refreshed_at: Mapped[dt.datetime | None] = mapped_column()


class ProgramSetting(Base):
    """A program-wide setting changed at run time (policies, leaderboard channel, points values)."""

    __tablename__ = "program_settings"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON())
    updated_by: Mapped[str | None] = mapped_column(sa.String(32))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
