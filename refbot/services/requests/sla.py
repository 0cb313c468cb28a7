"""The approval SLA (the approval_reminders job): remind the approver, escalate to the program managers,
expire after the needed-by date; and an owner's suggestion the seller doesn't take within
`suggestion_expire_business_days` (or by the needed-by date) lapses."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.blocks import requests as blocks
from refbot.db import touch_homes
from refbot.errors import InvalidTransition
from refbot.models import ReferenceRequest, RequestEvent
from refbot.services import lifecycle
from refbot.services.outbox import enqueue
from refbot.services.policy import Policy, load_policy
from refbot.services.requests.approvals import approvers, ask_approvers, update_button_dms
from refbot.services.requests.cards import SUGGESTION_TAKEN, card_of, suggestion_taken
from refbot.services.requests.env import RequestEnv, S, get_request, suggestion_key
from refbot.services.requests.validate import add_business_days


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
    touch_homes(session, admins=True)  # it enters the program managers' "waiting over 24 h" queue now
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


# ------------------------------------------------------------------ an owner's suggestion nobody answers


def suggestion_answer_by(*, request: ReferenceRequest, policy: Policy, tz: dt.tzinfo) -> dt.date:
    """The last day the seller can take the contact an owner suggested (`request` is the suggested one):
    `suggestion_expire_business_days` after it was made, and never after the needed-by date."""
    made = request.created_at.astimezone(tz).date()
    return min(add_business_days(made, policy.suggestion_expire_business_days), request.needed_by)


def lapsing_suggestion_ids(*, session: Session, policy: Policy, today: dt.date, tz: dt.tzinfo) -> list[int]:
    """Owners' suggestions still waiting for the seller after their answer-by day."""
    taken = sa.select(RequestEvent.id).where(RequestEvent.request_id == ReferenceRequest.id,
                                             RequestEvent.action == SUGGESTION_TAKEN).exists()
    waiting = session.scalars(
        sa.select(ReferenceRequest)
        .where(ReferenceRequest.status == S.approved, ReferenceRequest.suggested_from_id.is_not(None), ~taken)
        .order_by(ReferenceRequest.id)
    ).all()
    return [r.id for r in waiting if today > suggestion_answer_by(request=r, policy=policy, tz=tz)]


def lapse_suggestion(*, session: Session, env: RequestEnv, request_id: int) -> ReferenceRequest:
    """The seller didn't take the owner's suggestion in time: the suggested request expires, the seller's
    suggestion DM loses its buttons and one DM says it lapsed (with Search again); the owner's DM says so and
    their Home is republished. Raises InvalidTransition when it was answered meanwhile."""
    request = get_request(session=session, request_id=request_id, lock=True)  # vs. the seller taking it now
    suggested_from = request.suggested_from_id
    if suggested_from is None or suggestion_taken(session, request):
        raise InvalidTransition(f"Request #{request_id} is not a suggestion waiting for the seller.")
    policy = load_policy(session=session)
    answer_by = suggestion_answer_by(request=request, policy=policy, tz=env.settings.tz)
    request = lifecycle.transition(
        session=session, request_id=request_id, to=S.expired, actor_id=None, action="expire", now=env.now,
        from_statuses={S.approved}, detail={"suggestion": "lapsed", "answer_by": answer_by.isoformat()},
    )
    card = card_of(session=session, request=request)
    key = suggestion_key(suggested_from)
    text, blks = blocks.seller_suggestion_lapsed_dm(card, answer_by=answer_by, edit=True)
    enqueue(session=session, key=f"{key}:update:lapsed", channel=None, method="chat.update", update_of=key,
            text=text, blocks=blks)
    text, blks = blocks.seller_suggestion_lapsed_dm(card, answer_by=answer_by)
    enqueue(session=session, key=f"request:{request.id}:lapsed:seller", channel=request.requester_id, text=text,
            blocks=blks)
    update_button_dms(session=session, env=env, request=request)  # program managers' flagged DMs, if any
    old = get_request(session=session, request_id=suggested_from)
    update_button_dms(session=session, env=env, request=old, step="lapsed")  # the owner's DM: "… didn't answer"
    return request
