"""The points ledger: append-only rows, one per thing that earned points; leaderboards sum it."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.db import add_unique
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
    """Add points once per `source_key` (None when it was already awarded). Default value from the policy.

    People earn points with `user_id`; advocates with `contact_id` and/or `account_id` (their activity counts
    for the customer too). A concurrent award of the same key loses quietly (unique key, savepoint).
    """
    if user_id is None and contact_id is None and account_id is None:
        raise ValueError("points need a beneficiary")
    source_key = source_key[:200]
    if session.scalar(sa.select(PointsEntry.id).where(PointsEntry.source_key == source_key)) is not None:
        return None
    value = points if points is not None else getattr(load_policy(session=session).points, reason.value, 0)
    entry = PointsEntry(
        user_id=user_id,
        contact_id=contact_id,
        account_id=account_id,
        reason=reason,
        points=value,
        source_key=source_key,
        note=note,
        created_at=now,
    )
    return entry if add_unique(session, entry) else None


def totals(
    *, session: Session, since: dt.datetime, until: dt.datetime, limit: int | None = None
) -> list[tuple[str, int]]:
    """[(user id, points)] for people, highest first (ties by user id), in [since, until)."""
    total = sa.func.sum(PointsEntry.points).label("total")
    stmt = (
        sa.select(PointsEntry.user_id, total)
        .where(PointsEntry.user_id.is_not(None), PointsEntry.created_at >= since, PointsEntry.created_at < until)
        .group_by(PointsEntry.user_id)
        .order_by(total.desc(), PointsEntry.user_id)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [(uid, int(points)) for uid, points in session.execute(stmt).all()]


def rank(*, session: Session, user_id: str, since: dt.datetime, until: dt.datetime) -> tuple[int | None, int]:
    """(1-based rank or None when the user has no points, the user's points) in the period.

    Ties share a rank (10, 10, 7 -> 1, 1, 3), so equal effort is never shown as second place.
    """
    board = totals(session=session, since=since, until=until)
    mine = dict(board).get(user_id)
    if mine is None:
        return None, 0
    return 1 + sum(1 for _, points in board if points > mine), mine


def ranked_count(*, session: Session, since: dt.datetime, until: dt.datetime) -> int:
    """How many people earned points in [since, until) (for "rank 3 of 12")."""
    return int(
        session.scalar(
            sa.select(sa.func.count(sa.distinct(PointsEntry.user_id))).where(
                PointsEntry.user_id.is_not(None), PointsEntry.created_at >= since, PointsEntry.created_at < until
            )
        )
        or 0
    )
