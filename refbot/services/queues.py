"""The program managers' request queues on their Home tab, defined once: approvals waiting longer than the
reminder SLA, flagged requests (a resting or busy contact) waiting for a decision, and calls whose debrief is
missing. `refbot.services.home` lists them; `refbot.services.lifecycle` asks whether a change moves a request
into or out of one, so that only then every program manager's Home is republished."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.domain import RequestStatus as S
from refbot.models import Debrief, ReferenceRequest
from refbot.services.policy import Policy

AWAITING_DEBRIEF = (S.scheduled, S.completed)


def call_at() -> sa.ColumnElement[dt.datetime]:
    return sa.func.coalesce(ReferenceRequest.scheduled_at, ReferenceRequest.completed_at)


def aging(now: dt.datetime, policy: Policy) -> tuple[sa.ColumnElement[bool], ...]:
    """Waiting for approval longer than the reminder SLA (flagged ones are in their own queue)."""
    return (ReferenceRequest.status == S.pending_approval, ReferenceRequest.flagged.is_(False),
            ReferenceRequest.created_at <= now - dt.timedelta(hours=policy.approval_remind_hours))


def flagged() -> tuple[sa.ColumnElement[bool], ...]:
    """For a resting or busy contact, waiting for a decision from the moment it is made."""
    return (ReferenceRequest.status == S.pending_approval, ReferenceRequest.flagged.is_(True))


def missing_debrief(now: dt.datetime, delay: dt.timedelta) -> tuple[sa.ColumnElement[bool], ...]:
    """Calls that took place (`delay` ago or more) with no debrief yet (needs an outer join on Debrief)."""
    return (
        ReferenceRequest.status.in_(list(AWAITING_DEBRIEF)),
        sa.or_(ReferenceRequest.status == S.completed, call_at() <= now - delay),
        Debrief.id.is_(None),
    )


def in_program_queue(*, session: Session, request_id: int, now: dt.datetime, policy: Policy) -> bool:
    """Whether a program manager's Home lists request `request_id` in one of its queues now."""
    delay = dt.timedelta(hours=policy.debrief_delay_hours)
    stmt = (
        sa.select(ReferenceRequest.id)
        .outerjoin(Debrief, Debrief.request_id == ReferenceRequest.id)
        .where(ReferenceRequest.id == request_id,
               sa.or_(sa.and_(*aging(now, policy)), sa.and_(*flagged()), sa.and_(*missing_debrief(now, delay))))
    )
    return session.scalar(stmt.limit(1)) is not None
