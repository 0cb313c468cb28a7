"""Contests and nomination targets.

A program manager runs a contest on one metric over a period (whole days in the program's timezone), with an
optional prize and sponsor. Standings read what already happened, never a counter of their own: accepted
nominations and debriefs filed on time from the points ledger (one row per deed, unique source key, so
nothing counts twice), and references recruited for gaps from accepted nominations of accounts RefBot asked
an owner about (coverage gaps) or that sellers wished for. The `contests` job posts a start and a final
announcement (naming the winners) to the leaderboard channel, each once.

A nomination target is how many accepted nominations a seller is asked for this quarter: one for everyone
(user "*") and/or one per seller; the seller's own wins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.blocks import kit
from refbot.blocks.contests import ContestView, final_message, standings_blocks, start_message
from refbot.domain import NominationStatus, PointsReason
from refbot.errors import NotAllowed, NotFound, ValidationFailed
from refbot.models import (
    Contest,
    Nomination,
    NominationTarget,
    OutboxMessage,
    PointsEntry,
    Wish,
    WishedCustomer,
)
from refbot.services.coverage import NOMINATE_PREFIX
from refbot.services.leaderboard import quarter_name
from refbot.services.outbox import enqueue

METRICS = {
    "nominations": "most accepted nominations",
    "debriefs": "most debriefs filed on time",
    "recruits": "most references recruited for gaps",
}
MAX_DAYS = 366
PRIZE_MAX = 200
EVERYONE = "*"
MAX_TARGET = 100


def _admin(is_admin: bool) -> None:
    if not is_admin:
        raise NotAllowed("Only program managers can run contests and set targets.")


def _midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz).astimezone(dt.UTC)


def window(contest: Contest, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """[since, until) in UTC: the contest's first day to the end of its last day, program timezone."""
    return _midnight(contest.starts_on, tz), _midnight(contest.ends_on + dt.timedelta(days=1), tz)


# ------------------------------------------------------------------ starting and stopping


@dataclass(frozen=True)
class ContestInput:
    metric: str | None
    starts_on: dt.date | None
    ends_on: dt.date | None
    prize: str = ""
    sponsor_id: str | None = None


def validate(*, session: Session, data: ContestInput, today: dt.date) -> None:
    """ValidationFailed.field_errors keyed by the contest form's block ids."""
    errors: dict[str, str] = {}
    if data.metric not in METRICS:
        errors["metric"] = "Pick what the contest counts."
    if data.starts_on is None:
        errors["starts_on"] = "Pick the first day."
    if data.ends_on is None:
        errors["ends_on"] = "Pick the last day."
    if data.starts_on and data.ends_on:
        if data.ends_on < data.starts_on:
            errors["ends_on"] = "The last day comes after the first."
        elif data.ends_on < today:
            errors["ends_on"] = "That period is over already: pick a last day from today on."
        elif (data.ends_on - data.starts_on).days >= MAX_DAYS:
            errors["ends_on"] = "Keep a contest to a year at most."
    if len(data.prize.strip()) > PRIZE_MAX:
        errors["prize"] = f"Keep it under {PRIZE_MAX} characters."
    if not errors and data.metric and data.starts_on and data.ends_on:
        clash = session.scalar(sa.select(Contest).where(
            Contest.metric == data.metric, Contest.cancelled_at.is_(None),
            Contest.starts_on <= data.ends_on, Contest.ends_on >= data.starts_on))
        if clash is not None:
            errors["metric"] = (f"A contest for {METRICS[data.metric]} already runs "
                                f"{clash.starts_on:%d %b} – {clash.ends_on:%d %b %Y}: the same deed can't count twice.")
    if errors:
        raise ValidationFailed(f"Please check the form: {next(iter(errors.values()))}", errors)


def create(*, session: Session, data: ContestInput, actor_id: str, is_admin: bool, now: dt.datetime,
           today: dt.date) -> Contest:
    _admin(is_admin)
    validate(session=session, data=data, today=today)
    assert data.metric and data.starts_on and data.ends_on
    contest = Contest(metric=data.metric, starts_on=data.starts_on, ends_on=data.ends_on,
                      prize=" ".join(data.prize.split()), sponsor_id=data.sponsor_id or None, created_by=actor_id,
                      created_at=now)
    session.add(contest)
    session.flush()
    return contest


def cancel(*, session: Session, contest_id: int, is_admin: bool, now: dt.datetime) -> Contest:
    _admin(is_admin)
    contest = session.get(Contest, contest_id)
    if contest is None:
        raise NotFound("That contest doesn't exist.")
    if contest.finished_at is not None:
        raise ValidationFailed("That contest is over; its winners were announced.")
    contest.cancelled_at = contest.cancelled_at or now
    return contest


def current(*, session: Session, today: dt.date) -> list[Contest]:
    """Contests running today, or announced and waiting for their final post; soonest to end first."""
    return list(session.scalars(
        sa.select(Contest).where(Contest.cancelled_at.is_(None), Contest.starts_on <= today,
                                 sa.or_(Contest.ends_on >= today, Contest.finished_at.is_(None)))
        .order_by(Contest.ends_on, Contest.id)
    ))


# ------------------------------------------------------------------ standings


@dataclass(frozen=True)
class Standing:
    user_id: str
    count: int


def _ledger(session: Session, reason: PointsReason, since: dt.datetime, until: dt.datetime
            ) -> sa.Select[Any]:
    return (sa.select(PointsEntry.user_id, sa.func.count(sa.distinct(PointsEntry.source_key)),
                      sa.func.max(PointsEntry.created_at))
            .where(PointsEntry.reason == reason, PointsEntry.user_id.is_not(None),
                   PointsEntry.created_at >= since, PointsEntry.created_at < until)
            .group_by(PointsEntry.user_id))


def _recruits(session: Session, since: dt.datetime, until: dt.datetime
              ) -> sa.Select[Any]:
    asked = sa.select(OutboxMessage.id).where(
        OutboxMessage.dedupe_key == sa.literal(NOMINATE_PREFIX) + sa.cast(Nomination.account_id, sa.String))
    wished = (sa.select(Wish.id).join(WishedCustomer, WishedCustomer.id == Wish.customer_id)
              .where(WishedCustomer.account_id == Nomination.account_id))
    return (sa.select(Nomination.nominator_id, sa.func.count(sa.distinct(Nomination.id)),
                      sa.func.max(Nomination.reviewed_at))
            .where(Nomination.status == NominationStatus.accepted, Nomination.reviewed_at >= since,
                   Nomination.reviewed_at < until, sa.or_(asked.exists(), wished.exists()))
            .group_by(Nomination.nominator_id))


def standings(*, session: Session, contest: Contest, tz: dt.tzinfo, limit: int = 10) -> list[Standing]:
    """Most first; on a tie, who got there first."""
    since, until = window(contest, tz)
    if contest.metric == "nominations":
        stmt = _ledger(session, PointsReason.nomination_accepted, since, until)
    elif contest.metric == "debriefs":
        stmt = _ledger(session, PointsReason.debrief_on_time, since, until)
    else:
        stmt = _recruits(session, since, until)
    rows = [(uid, int(n), last) for uid, n, last in session.execute(stmt) if uid and n]
    rows.sort(key=lambda r: (-r[1], r[2], r[0]))
    return [Standing(uid, n) for uid, n, _ in rows[:limit]]


def views(*, session: Session, today: dt.date, tz: dt.tzinfo) -> list[ContestView]:
    """The running contests with their standings (for Home and the weekly post)."""
    return [ContestView(c.id, c.metric, c.starts_on, c.ends_on, c.prize, c.sponsor_id,
                        tuple(standings(session=session, contest=c, tz=tz, limit=50)))
            for c in current(session=session, today=today) if c.ends_on >= today]


def winners(table: list[Standing], places: int = 3) -> list[Standing]:
    """The top `places`, plus anyone tied with the last of them."""
    if not table:
        return []
    cut = table[min(places, len(table)) - 1].count
    return [s for s in table if s.count >= cut]


# ------------------------------------------------------------------ nomination targets


def quarter_key(*, now: dt.datetime, tz: dt.tzinfo) -> str:
    local = now.astimezone(tz).date()
    return f"{local.year}Q{(local.month - 1) // 3 + 1}"


def set_target(*, session: Session, target: int, user_ids: list[str], actor_id: str, is_admin: bool,
               now: dt.datetime, tz: dt.tzinfo) -> str:
    """Set (0: clear) this quarter's nomination target for `user_ids`, or for everyone when none. Returns the
    quarter's name."""
    _admin(is_admin)
    if not 0 <= target <= MAX_TARGET:
        raise ValidationFailed(f"A target is a number of nominations from 0 (none) to {MAX_TARGET}.")
    quarter = quarter_key(now=now, tz=tz)
    for uid in user_ids or [EVERYONE]:
        row = session.scalar(sa.select(NominationTarget).where(NominationTarget.user_id == uid,
                                                               NominationTarget.quarter == quarter))
        if target == 0:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(NominationTarget(user_id=uid, quarter=quarter, target=target, set_by=actor_id,
                                         updated_at=now))
        else:
            row.target, row.set_by, row.updated_at = target, actor_id, now
    session.flush()
    return quarter_name(now=now, tz=tz)


@dataclass(frozen=True)
class TargetProgress:
    target: int
    done: int
    quarter: str


def target_progress(*, session: Session, user_id: str, now: dt.datetime, tz: dt.tzinfo,
                    quarter_since: dt.datetime) -> TargetProgress | None:
    quarter = quarter_key(now=now, tz=tz)
    rows = dict(session.execute(sa.select(NominationTarget.user_id, NominationTarget.target).where(
        NominationTarget.quarter == quarter, NominationTarget.user_id.in_([user_id, EVERYONE]))).tuples().all())
    target = rows.get(user_id, rows.get(EVERYONE))
    if not target:
        return None
    done = int(session.scalar(sa.select(sa.func.count(PointsEntry.id)).where(
        PointsEntry.user_id == user_id, PointsEntry.reason == PointsReason.nomination_accepted,
        PointsEntry.created_at >= quarter_since, PointsEntry.created_at <= now)) or 0)
    return TargetProgress(target, done, quarter_name(now=now, tz=tz))


# ------------------------------------------------------------------ announcements


def announce_due(*, session: Session, now: dt.datetime, tz: dt.tzinfo, channel: str) -> tuple[int, int]:
    """Queue each due start and final announcement once (claimed by a conditional UPDATE in this transaction).
    A contest that ended while the app was down gets its final post only. Returns (started, finished)."""
    today = now.astimezone(tz).date()
    started = finished = 0
    due = session.scalars(sa.select(Contest).where(
        Contest.cancelled_at.is_(None), Contest.starts_on <= today, Contest.finished_at.is_(None)
    ).order_by(Contest.id))
    for contest in list(due):
        over = contest.ends_on < today
        # A contest that ended unannounced (the app was down) is claimed as started without a start post.
        if contest.started_at is None and _claim(session, contest.id, "started_at", now) and not over:
            text, blocks = start_message(contest=contest)
            enqueue(session=session, key=f"contest:{contest.id}:start", channel=channel, text=text, blocks=blocks)
            started += 1
        if over and _claim(session, contest.id, "finished_at", now):
            table = standings(session=session, contest=contest, tz=tz, limit=20)
            text, blocks = final_message(contest=contest, winners=winners(table))
            enqueue(session=session, key=f"contest:{contest.id}:final", channel=channel, text=text, blocks=blocks)
            finished += 1
    return started, finished


def _claim(session: Session, contest_id: int, column: str, now: dt.datetime) -> bool:
    col = getattr(Contest, column)
    result = session.execute(sa.update(Contest).where(Contest.id == contest_id, col.is_(None))
                             .values({column: now}).execution_options(synchronize_session=False))
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def weekly_post_blocks(*, session: Session, now: dt.datetime, tz: dt.tzinfo) -> list[dict[str, Any]]:
    """Running contests' standings, for the end of the weekly leaderboard post (at most 1 + 2 blocks)."""
    running = views(session=session, today=now.astimezone(tz).date(), tz=tz)
    if not running:
        return []
    return [kit.divider(), *standings_blocks(running, limit=2)]
