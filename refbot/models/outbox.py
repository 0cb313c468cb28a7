"""Transactional outbox for Slack messages and keys that make scheduled runs happen once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from refbot.domain import OutboxStatus
from refbot.models.base import Base, enum_column, utcnow


class OutboxMessage(Base):
    """A Slack Web API call decided in a transaction, delivered after commit (and retried until accepted)."""

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # One message per key: enqueueing the same key twice is a no-op (redeliveries, double clicks).
    dedupe_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    method: Mapped[str] = mapped_column(sa.String(64))
    channel: Mapped[str | None] = mapped_column(sa.String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON(), default=dict)
    # For chat.update: the dedupe key of the message to update (its channel/ts once sent).
    update_of: Mapped[str | None] = mapped_column(sa.String(255))
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, "outbox_status"), default=OutboxStatus.pending
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[dt.datetime | None] = mapped_column()
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[dt.datetime | None] = mapped_column()
    result_channel: Mapped[str | None] = mapped_column(sa.String(64))
    result_ts: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ScheduledRun(Base):
    """One row per (job, period): inserting it is how an instance claims a scheduled run."""

    __tablename__ = "scheduled_runs"
    __table_args__ = (sa.UniqueConstraint("job", "run_key", name="uq_scheduled_runs_job_run_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(64))
    run_key: Mapped[str] = mapped_column(sa.String(128))
    instance: Mapped[str | None] = mapped_column(sa.String(64))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column()
    result: Mapped[str | None] = mapped_column(sa.Text)
