"""The reference request state machine (DESIGN.md): every transition is a conditional UPDATE plus an
immutable RequestEvent, in the caller's transaction.

    pending_approval -> approved -> scheduled -> completed -> debriefed
    side exits: declined, cancelled, expired (not approved by its needed-by date, or an owner's suggestion the
    seller didn't take in time); a call that did not happen goes back to approved
    (to be rescheduled) or is closed as missed.

Two instances, two clicks or a redelivered payload racing on one request: the UPDATE is guarded by
the current status, so exactly one of them changes it; the others get InvalidTransition.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.db import touch_homes
from refbot.domain import RequestStatus as S
from refbot.errors import InvalidTransition, NotFound
from refbot.models import ReferenceRequest, RequestEvent
from refbot.services import queues
from refbot.services.policy import load_policy

# target status -> statuses it may be reached from
ALLOWED: dict[S, frozenset[S]] = {
    S.approved: frozenset({S.pending_approval, S.scheduled, S.completed}),
    S.declined: frozenset({S.pending_approval}),
    S.scheduled: frozenset({S.approved, S.scheduled}),
    S.completed: frozenset({S.approved, S.scheduled}),
    S.debriefed: frozenset({S.completed}),
    S.cancelled: frozenset({S.pending_approval, S.approved, S.scheduled}),
    S.expired: frozenset({S.pending_approval, S.approved}),  # approved: an owner's suggestion nobody took
    S.missed: frozenset({S.approved, S.scheduled, S.completed}),
}

RECORDS_USE = frozenset({S.completed, S.debriefed, S.missed})  # the call happened (or is settled)

TERMINAL = frozenset({S.debriefed, S.declined, S.cancelled, S.expired, S.missed})

_VERB = {
    S.approved: "approved",
    S.declined: "declined",
    S.scheduled: "scheduled",
    S.completed: "marked as done",
    S.debriefed: "debriefed",
    S.cancelled: "cancelled",
    S.expired: "expired",
    S.missed: "closed as missed",
}

_STATE = {
    S.pending_approval: "is still waiting for approval",
    S.approved: "is already approved",
    S.scheduled: "is already scheduled",
    S.completed: "is already completed",
    S.debriefed: "is already debriefed",
    S.declined: "was declined",
    S.cancelled: "was cancelled",
    S.expired: "has expired",
    S.missed: "was closed as missed",
}


def can_transition(current: S, to: S) -> bool:
    return current in ALLOWED.get(to, frozenset())


def refusal(request_id: int, current: S, to: S) -> str:
    """Why `to` is impossible now, for the user who tried it."""
    return f"Request #{request_id} {_STATE[current]}, so it can't be {_VERB[to]}."


def transition(
    *,
    session: Session,
    request_id: int,
    to: S,
    actor_id: str | None,
    action: str,
    now: dt.datetime,
    from_statuses: frozenset[S] | set[S] | None = None,
    values: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> ReferenceRequest:
    """Move a request to `to` (optionally only from `from_statuses`), set `values`, record the event.

    Raises NotFound, or InvalidTransition with a message for the user when the request is not in a
    state that allows it (including when a concurrent transaction got there first).
    """
    allowed = ALLOWED[to] if from_statuses is None else ALLOWED[to] & frozenset(from_statuses)
    current = session.scalar(sa.select(ReferenceRequest.status).where(ReferenceRequest.id == request_id))
    if current is None:
        raise NotFound(f"Request #{request_id} doesn't exist (anymore).")
    if current not in allowed:
        raise InvalidTransition(refusal(request_id, current, to))
    policy = load_policy(session=session)
    was_queued = queues.in_program_queue(session=session, request_id=request_id, now=now, policy=policy)
    result = session.execute(
        sa.update(ReferenceRequest)
        .where(ReferenceRequest.id == request_id, ReferenceRequest.status == current)
        .values(status=to, updated_at=now, **(values or {}))
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        latest = session.scalar(sa.select(ReferenceRequest.status).where(ReferenceRequest.id == request_id))
        raise InvalidTransition(refusal(request_id, latest or current, to))
    session.add(
        RequestEvent(
            request_id=request_id,
            actor_id=actor_id,
            action=action,
            from_status=current,
            to_status=to,
            detail=detail or {},
            created_at=now,
        )
    )
    session.flush()
    request = session.get(ReferenceRequest, request_id)
    assert request is not None
    session.refresh(request)
    # Whoever asked or decides sees the change on their Home tab, wherever it was made; the program managers
    # when it enters or leaves one of their queues, or records a use of the contact (contacts at their limit).
    # Their Home's quarter figures catch up when they open the tab (app_home_opened republishes it).
    admins = (was_queued or to in RECORDS_USE
              or queues.in_program_queue(session=session, request_id=request_id, now=now, policy=policy))
    touch_homes(session, request.requester_id, request.owner_id, actor_id, admins=admins)
    return request


def record_event(
    *,
    session: Session,
    request_id: int,
    actor_id: str | None,
    action: str,
    now: dt.datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    """An audit event that changes no status (reminder sent, escalated, note added, ...)."""
    session.add(
        RequestEvent(
            request_id=request_id, actor_id=actor_id, action=action, detail=detail or {}, created_at=now
        )
    )
    session.flush()
