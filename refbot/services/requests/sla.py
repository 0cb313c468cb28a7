"""The approval SLA (the approval_reminders job): remind the approver, escalate to the program managers,
expire after the needed-by date."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.blocks import requests as blocks
from refbot.models import ReferenceRequest
from refbot.services import lifecycle
from refbot.services.outbox import enqueue
from refbot.services.policy import Policy, load_policy
from refbot.services.requests.approvals import approvers, ask_approvers, update_button_dms
from refbot.services.requests.cards import card_of
from refbot.services.requests.env import RequestEnv, S, get_request


def pending_request_ids(*, session: Session) -> list[int]:
    return list(
        session.scalars(
            sa.select(ReferenceRequest.id)
            .where(ReferenceRequest.status == S.pending_approval)
            .order_by(ReferenceRequest.id)
        )
    )


def due_sla_steps(*, request: ReferenceRequest, policy: Policy, now: dt.datetime, today: dt.date) -> list[str]:
    """What the approval SLA asks for now: ["expire"], or any of "remind", "escalate" (in that order)."""
    if S(request.status) is not S.pending_approval:
        return []
    if today > request.needed_by:
        return ["expire"]
    waited = now - request.created_at
    steps = []
    if waited >= dt.timedelta(hours=policy.approval_remind_hours):
        steps.append("remind")
    if waited >= dt.timedelta(hours=policy.approval_escalate_hours):
        steps.append("escalate")
    return steps


def remind_approvers(*, session: Session, env: RequestEnv, request_id: int) -> list[str]:
    """Send the approver(s) a reminder with the decision buttons and tell the seller. Returns who was
    reminded. Call once per request (the job claims it); outbox keys make repeats silent anyway."""
    request = get_request(session=session, request_id=request_id)
    if S(request.status) is not S.pending_approval:
        return []
    hours = load_policy(session=session).approval_remind_hours
    to = approvers(session=session, env=env, request=request)
    card = ask_approvers(session=session, env=env, request=request, to=to,
                         key=lambda _, uid: f"request:{request.id}:approval_dm:reminder:{uid}",
                         lead=lambda _: blocks.reminder_lead(hours=hours))
    text, blks = blocks.seller_reminded_dm(card, hours=hours)
    enqueue(session=session, key=f"request:{request.id}:reminded:seller", channel=request.requester_id, text=text,
            blocks=blks)
    lifecycle.record_event(session=session, request_id=request.id, actor_id=None, action="reminded", now=env.now,
                           detail={"to": to})
    return to


def escalate(*, session: Session, env: RequestEnv, request_id: int) -> list[str]:
    """Ask the program managers (other than the owner and the requester) to decide; tell the seller.
    Returns who was asked."""
    request = get_request(session=session, request_id=request_id)
    if S(request.status) is not S.pending_approval:
        return []
    hours = load_policy(session=session).approval_escalate_hours
    owner = request.account.owner_id
    # An owner who asked never had the DM: the program managers did from the start, so nobody is new to ask.
    asked_already = set(approvers(session=session, env=env, request=request)) if owner == request.requester_id else set()
    to = [pm for pm in env.admins(session) if pm not in (owner, request.requester_id) and pm not in asked_already]
    card = ask_approvers(session=session, env=env, request=request, to=to,
                         key=lambda _, pm: f"request:{request.id}:approval_dm:escalated:{pm}",
                         lead=lambda card: blocks.escalation_lead(card, hours=hours))
    if to:
        text, blks = blocks.seller_escalated_dm(card, hours=hours)
        enqueue(session=session, key=f"request:{request.id}:escalated:seller", channel=request.requester_id,
                text=text, blocks=blks)
    lifecycle.record_event(session=session, request_id=request.id, actor_id=None, action="escalated",
                           now=env.now, detail={"to": to})
    return to


def expire(*, session: Session, env: RequestEnv, request_id: int) -> ReferenceRequest:
    """A request not approved by its needed-by date expires; the seller is told (with Search again)."""
    request = lifecycle.transition(
        session=session, request_id=request_id, to=S.expired, actor_id=None, action="expire", now=env.now,
        from_statuses={S.pending_approval},
    )
    update_button_dms(session=session, env=env, request=request)
    text, blks = blocks.seller_expired_dm(card_of(session=session, request=request))
    enqueue(session=session, key=f"request:{request.id}:expired:seller", channel=request.requester_id,
            text=text, blocks=blks)
    return request
