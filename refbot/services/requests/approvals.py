"""Who decides a request and the DMs that carry the decision buttons.

A second person always decides: the account owner as the account says now (an owner replaced since the
request was made no longer decides), else the program managers; never the requester, whoever they are."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.blocks import requests as blocks
from refbot.domain import RequestStatus
from refbot.errors import InvalidTransition, NotAllowed
from refbot.models import (
    OutboxMessage,
    ReferenceRequest,
)
from refbot.services import lifecycle
from refbot.services.outbox import enqueue
from refbot.services.policy import load_policy
from refbot.services.requests.cards import card_of, has_alternatives
from refbot.services.requests.env import RequestEnv, S


def approvers(*, session: Session, env: RequestEnv, request: ReferenceRequest) -> list[str]:
    """Who gets the approval DM: the account owner, or the program managers when there is none."""
    if request.owner_id:
        return [request.owner_id]
    return env.admins(session)


def _approval_key(request_id: int, index: int, user_id: str) -> str:
    return f"request:{request_id}:approval_dm" if index == 0 else f"request:{request_id}:approval_dm:{user_id}"


def notify_created(session: Session, env: RequestEnv, request: ReferenceRequest, *, tell_seller: bool) -> None:
    policy = load_policy(session=session)
    card = card_of(session=session, request=request, today=env.today(session), policy=policy)
    can_suggest = has_alternatives(session, request)
    to = approvers(session=session, env=env, request=request)
    for i, uid in enumerate(to):
        lead = None
        if request.owner_id is None:
            lead = f":information_source: {card.account_name} has no account owner, so a program manager decides."
        text, blks = blocks.approval_dm(card, reader_tz=env.tz(session, uid), can_suggest=can_suggest, lead=lead)
        enqueue(session=session, key=_approval_key(request.id, i, uid), channel=uid, text=text, blocks=blks)
    if tell_seller:
        text, blks = blocks.seller_created_dm(card, approvers=to)
        enqueue(session=session, key=f"request:{request.id}:created:seller", channel=request.requester_id,
                text=text, blocks=blks)
    if request.flagged:
        text, blks = blocks.flagged_dm(card)
        for pm in env.admins(session):
            enqueue(session=session, key=f"request:{request.id}:flagged:{pm}", channel=pm, text=text, blocks=blks)


# ------------------------------------------------------------------ decisions


def can_decide(*, session: Session, env: RequestEnv, request: ReferenceRequest, user_id: str) -> bool:
    """The account owner (as asked, or as the account says now) or a program manager."""
    if user_id in {request.owner_id, request.account.owner_id} - {None}:
        return True
    return env.is_admin(session, user_id)


def require_decider(*, session: Session, env: RequestEnv, request: ReferenceRequest, user_id: str) -> None:
    if not can_decide(session=session, env=env, request=request, user_id=user_id):
        owner = f"<@{request.owner_id}>" if request.owner_id else "a program manager"
        raise NotAllowed(
            f"Request #{request.id} is not yours to approve: {owner} (the account owner) or a program "
            "manager decides. Nothing was changed."
        )


def require_pending(request: ReferenceRequest, to: RequestStatus) -> None:
    """Fail early (before opening a modal) when the request was decided already."""
    if S(request.status) is not S.pending_approval:
        raise InvalidTransition(lifecycle.refusal(request.id, S(request.status), to))


def update_button_dms(session: Session, env: RequestEnv, request: ReferenceRequest) -> None:
    """Edit every DM that carried decision buttons for `request`: show the outcome, remove the buttons."""
    prefix = f"request:{request.id}:approval_dm"
    rows = session.execute(
        sa.select(OutboxMessage.dedupe_key, OutboxMessage.channel).where(
            OutboxMessage.dedupe_key.startswith(prefix, autoescape=True),
            OutboxMessage.method == "chat.postMessage",
        ).order_by(OutboxMessage.id)
    ).all()
    if not rows:
        return
    card = card_of(session=session, request=request)
    for key, channel in rows:
        text, blks = blocks.decided_dm(card, reader_tz=env.tz(session, channel) if channel else None)
        enqueue(session=session, key=f"{key}:update:{S(request.status).value}", channel=None,
                method="chat.update", update_of=key, text=text, blocks=blks)
