"""Recording when the call happens."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.blocks import requests as blocks
from refbot.blocks.kit import escape
from refbot.errors import NotAllowed, ValidationFailed
from refbot.models import OutboxMessage, ReferenceRequest
from refbot.services import lifecycle
from refbot.services.outbox import enqueue
from refbot.services.requests.approvals import can_decide
from refbot.services.requests.cards import card_of, contact_details, suggestion_taken
from refbot.services.requests.env import SCHEDULE_PAST_LIMIT, RequestEnv, S, get_request, suggestion_key


def can_schedule(*, session: Session, env: RequestEnv, request: ReferenceRequest, user_id: str) -> bool:
    return user_id == request.requester_id or can_decide(session=session, env=env, request=request, user_id=user_id)


def mark_scheduled(
    *, session: Session, env: RequestEnv, request_id: int, actor_id: str, scheduled_at: dt.datetime
) -> ReferenceRequest:
    """Record when the call (or other activity) happens: approved/scheduled -> scheduled, scheduled_at in
    UTC. Saving the same time twice changes nothing. The approver is told."""
    if scheduled_at.tzinfo is None:
        raise ValueError("scheduled_at must be timezone-aware")
    scheduled_at = scheduled_at.astimezone(dt.UTC)
    request = get_request(session=session, request_id=request_id)
    if not can_schedule(session=session, env=env, request=request, user_id=actor_id):
        raise NotAllowed(f"Only <@{request.requester_id}>, who asked, can schedule request #{request.id}.")
    if request.suggested_from_id is not None and not suggestion_taken(session, request):
        raise NotAllowed(f"First take {escape(request.contact.name)} (or pass) in my DM about the account owner's "
                         "suggestion: that gives you their contact details.")
    if S(request.status) is S.scheduled and request.scheduled_at == scheduled_at:
        return request
    check_schedule_time(now=env.now, scheduled_at=scheduled_at)
    request = lifecycle.transition(
        session=session, request_id=request_id, to=S.scheduled, actor_id=actor_id, action="schedule",
        now=env.now, from_statuses={S.approved, S.scheduled}, values={"scheduled_at": scheduled_at},
        detail={"scheduled_at": scheduled_at.isoformat()},
    )
    card = card_of(session=session, request=request)
    epoch = int(scheduled_at.timestamp())
    for uid in {request.owner_id} - {None, actor_id, request.requester_id}:
        assert uid is not None
        text, blks = blocks.owner_scheduled_dm(card, reader_tz=env.tz(session, uid))
        enqueue(session=session, key=f"request:{request.id}:scheduled:{epoch}:{uid}", channel=uid, text=text,
                blocks=blks)
    _edit_approved_dm(session=session, env=env, request=request, card=card, epoch=epoch)
    text, blks = blocks.seller_scheduled_dm(card, reader_tz=env.tz(session, request.requester_id))
    enqueue(session=session, key=f"request:{request.id}:scheduled:{epoch}:seller", channel=request.requester_id,
            text=text, blocks=blks)
    return request


def _edit_approved_dm(
    *, session: Session, env: RequestEnv, request: ReferenceRequest, card: blocks.RequestCard, epoch: int
) -> None:
    """The seller's DM with the contact's details loses its Mark scheduled button: it says when instead."""
    keys = [f"request:{request.id}:approved:seller"]
    if request.suggested_from_id is not None:
        keys.append(f"{suggestion_key(request.suggested_from_id)}:update:taken")
    for key in keys:
        if session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is None:
            continue
        original = key.removesuffix(":update:taken")
        text, blks = blocks.seller_approved_dm(card, contact_details(request.contact), now=env.now,
                                               reader_tz=env.tz(session, request.requester_id))
        enqueue(session=session, key=f"{original}:update:scheduled:{epoch}", channel=None, method="chat.update",
                update_of=original, text=text, blocks=blks)


def check_schedule_time(*, now: dt.datetime, scheduled_at: dt.datetime) -> None:
    """Raise ValidationFailed (field "date") for a call time more than a week in the past."""
    if scheduled_at < now - SCHEDULE_PAST_LIMIT:
        raise ValidationFailed("That's more than a week ago.",
                               {"date": "That's more than a week ago; pick the date of the call."})


# ------------------------------------------------------------------ the seller's list
