"""The points ledger: append-only rows, one per thing that earned points; leaderboards sum it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from refbot.domain import PointsReason
from refbot.models import PointsEntry
from refbot.services.policy import load_policy


def award(
    *,
    session: Session,
    reason: PointsReason,
    source_key: str,
    user_id: str | None = None,
    contact_id: int | None = None,
    account_id: int | None = None,
    points: int | None = None,
    note: str = "",
    now: dt.datetime,
) -> PointsEntry | None:
    """Add points once per `source_key` (None when it was already awarded). Default value from the policy."""
    if user_id is None and contact_id is None and account_id is None:
        raise ValueError("points need a beneficiary")
    if session.scalar(sa.select(PointsEntry.id).where(PointsEntry.source_key == source_key)) is not None:
        return None
    value = points if points is not None else getattr(load_policy(session=session).points, reason.value, 0)
    entry = PointsEntry(
        user_id=user_id,
        contact_id=contact_id,
        account_id=account_id,
        reason=reason,
        points=value,
        source_key=source_key[:200],
        note=note,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:
        return None
    return entry


def totals(*, session: Session, since: dt.datetime, until: dt.datetime) -> list[tuple[str, int]]:
    """[(user id, points)] for people, highest first, in [since, until)."""
    rows = session.execute(
        sa.select(PointsEntry.user_id, sa.func.sum(PointsEntry.points).label("total"))
        .where(PointsEntry.user_id.is_not(None), PointsEntry.created_at >= since, PointsEntry.created_at < until)
        .group_by(PointsEntry.user_id)
        .order_by(sa.desc("total"), PointsEntry.user_id)
    ).all()
    return [(uid, int(total)) for uid, total in rows]


def rank(*, session: Session, user_id: str, since: dt.datetime, until: dt.datetime) -> tuple[int | None, int]:
    """(1-based rank or None when the user has no points, the user's points) in the period."""
    board = totals(session=session, since=since, until=until)
    for i, (uid, total) in enumerate(board, start=1):
        if uid == user_id:
            return i, total
    return None, 0
