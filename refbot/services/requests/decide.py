"""Approve, decline, cancel."""

from __future__ import annotations

from sqlalchemy.orm import Session

from refbot.blocks import requests as blocks
from refbot.domain import OPEN_REQUEST_STATUSES
from refbot.errors import NotAllowed, ValidationFailed
from refbot.models import ReferenceRequest
from refbot.services import lifecycle
from refbot.services.outbox import enqueue
from refbot.services.requests.approvals import require_decider, update_button_dms
from refbot.services.requests.cards import card_of, contact_details
from refbot.services.requests.env import LIMITS, RequestEnv, S, get_request


def approve(*, session: Session, env: RequestEnv, request_id: int, actor_id: str) -> ReferenceRequest:
    """Approve a pending request; the seller gets the contact's details and the next steps."""
    request = get_request(session=session, request_id=request_id)
    require_decider(session=session, env=env, request=request, user_id=actor_id)
    request = lifecycle.transition(
        session=session, request_id=request_id, to=S.approved, actor_id=actor_id, action="approve",
        now=env.now, from_statuses={S.pending_approval}, values={"decided_by": actor_id, "decided_at": env.now},
    )
    update_button_dms(session=session, env=env, request=request)
    card = card_of(session=session, request=request)
    text, blks = blocks.seller_approved_dm(card, contact_details(request.contact), now=env.now)
    enqueue(session=session, key=f"request:{request.id}:approved:seller", channel=request.requester_id,
            text=text, blocks=blks)
    return request


def decline(
    *, session: Session, env: RequestEnv, request_id: int, actor_id: str, reason: str
) -> ReferenceRequest:
    """Decline a pending request with a reason; the seller gets it and a Search again button."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why, so the seller knows what to do next.", {"reason": "Say why, briefly."})
    if len(reason) > LIMITS["reason"]:
        raise ValidationFailed("The reason is too long.", {"reason": f"Keep it under {LIMITS['reason']} characters."})
    request = get_request(session=session, request_id=request_id)
    require_decider(session=session, env=env, request=request, user_id=actor_id)
    request = lifecycle.transition(
        session=session, request_id=request_id, to=S.declined, actor_id=actor_id, action="decline",
        now=env.now, from_statuses={S.pending_approval},
        values={"decided_by": actor_id, "decided_at": env.now, "decline_reason": reason},
        detail={"reason": reason},
    )
    update_button_dms(session=session, env=env, request=request)
    text, blks = blocks.seller_declined_dm(card_of(session=session, request=request))
    enqueue(session=session, key=f"request:{request.id}:declined:seller", channel=request.requester_id,
            text=text, blocks=blks)
    return request


def cancel(*, session: Session, env: RequestEnv, request_id: int, actor_id: str) -> ReferenceRequest:
    """The seller (or a program manager) cancels an open request; the approver is told."""
    request = get_request(session=session, request_id=request_id)
    if actor_id != request.requester_id and not env.is_admin(session, actor_id):
        raise NotAllowed(
            f"Only <@{request.requester_id}>, who asked, or a program manager can cancel request #{request.id}."
        )
    was = S(request.status)
    request = lifecycle.transition(
        session=session, request_id=request_id, to=S.cancelled, actor_id=actor_id, action="cancel",
        now=env.now, from_statuses=OPEN_REQUEST_STATUSES,
    )
    edited = update_button_dms(session=session, env=env, request=request)  # the approvers' one message
    card = card_of(session=session, request=request)
    text, blks = blocks.owner_cancelled_dm(card)
    told = [request.owner_id] if request.owner_id else (env.admins(session) if was is S.pending_approval else [])
    for uid in told:
        if uid and uid != actor_id and uid not in edited:
            enqueue(session=session, key=f"request:{request.id}:cancelled:{uid}", channel=uid, text=text,
                    blocks=blks)
    return request
