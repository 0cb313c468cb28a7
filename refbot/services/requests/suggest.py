"""Decline in favour of another contact of the same account (a new request for that contact)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from refbot.blocks import requests as blocks
from refbot.domain import ContactStatus
from refbot.errors import ValidationFailed
from refbot.models import (
    Contact,
    ReferenceRequest,
)
from refbot.services import lifecycle
from refbot.services.availability import contact_availability
from refbot.services.outbox import enqueue
from refbot.services.policy import load_policy
from refbot.services.requests.approvals import (
    notify_created,
    require_decider,
    require_pending,
    update_button_dms,
)
from refbot.services.requests.cards import card_of
from refbot.services.requests.create import created_event
from refbot.services.requests.env import LIMITS, SUGGESTED_REASON, RequestEnv, S, get_request


def suggest(
    *, session: Session, env: RequestEnv, request_id: int, actor_id: str, contact_id: int, reason: str = ""
) -> ReferenceRequest:
    """Decline the request in favour of another contact of the same account; a new request for that
    contact goes to its approver. Returns the new request."""
    reason = (reason or "").strip()
    if len(reason) > LIMITS["reason"]:
        raise ValidationFailed("The reason is too long.", {"reason": f"Keep it under {LIMITS['reason']} characters."})
    request = get_request(session=session, request_id=request_id)
    require_decider(session=session, env=env, request=request, user_id=actor_id)
    require_pending(request, S.declined)
    alternative = session.get(Contact, contact_id)
    if (
        alternative is None
        or alternative.account_id != request.account_id
        or alternative.id == request.contact_id
        or alternative.status != ContactStatus.active
    ):
        raise ValidationFailed("Pick another active contact of this account.",
                               {"contact": f"Pick another active contact at {request.account.name}."})
    old = lifecycle.transition(
        session=session, request_id=request_id, to=S.declined, actor_id=actor_id, action="suggest",
        now=env.now, from_statuses={S.pending_approval},
        values={"decided_by": actor_id, "decided_at": env.now, "decline_reason": SUGGESTED_REASON},
        detail={"suggested_contact_id": contact_id, "reason": reason},
    )
    policy = load_policy(session=session)
    avail = contact_availability(session=session, contact_id=contact_id, today=env.today(session), policy=policy)
    new = ReferenceRequest(
        team_id=old.team_id,
        opportunity_id=old.opportunity_id,
        contact_id=alternative.id,
        account_id=alternative.account_id,
        requester_id=old.requester_id,
        owner_id=alternative.account.owner_id,
        activity_type=old.activity_type,
        needed_by=old.needed_by,
        urgent=old.urgent,
        urgent_reason=old.urgent_reason,
        topics=list(old.topics or []),
        note=old.note,
        justification=(reason or "Suggested by the account owner.") if not avail.available else None,
        flagged=not avail.available,
        status=S.pending_approval,
        criteria=old.criteria,
        suggested_from_id=old.id,
        client_token=f"suggested-from:{request_id}",
        created_at=env.now,
        updated_at=env.now,
    )
    session.add(new)
    session.flush()
    created_event(session=session, env=env, request=new, actor_id=actor_id, availability=avail, detail={"suggested_from": old.id})
    session.refresh(new)
    update_button_dms(session=session, env=env, request=old)
    text, blks = blocks.seller_suggested_dm(card_of(session=session, request=old),
                                            card_of(session=session, request=new), reason=reason)
    enqueue(session=session, key=f"request:{old.id}:suggested:seller", channel=old.requester_id,
            text=text, blocks=blks)
    notify_created(session=session, env=env, request=new, tell_seller=False)
    return new
