"""An account owner's "Suggest another contact": the request is answered with another contact of the same
account. The owner's click approves the new request (nobody asks the owner again); the seller takes the
suggested contact (and gets their details) or passes (the new request is cancelled); a suggestion not taken
within `suggestion_expire_business_days` lapses (refbot.services.requests.sla). One DM to the seller,
edited in place when they answer; the owner's DM is edited in place at each step."""

from __future__ import annotations

from sqlalchemy.orm import Session

from refbot.blocks import requests as blocks
from refbot.db import touch_homes
from refbot.domain import ContactStatus
from refbot.errors import NotAllowed, NotFound, ValidationFailed
from refbot.models import (
    Contact,
    ReferenceRequest,
)
from refbot.services import lifecycle
from refbot.services.availability import contact_availability
from refbot.services.outbox import enqueue
from refbot.services.policy import load_policy
from refbot.services.requests.approvals import (
    flag_to_program_managers,
    require_decider,
    require_pending,
    update_button_dms,
)
from refbot.services.requests.cards import SUGGESTION_TAKEN, card_of, contact_details, suggestion_taken
from refbot.services.requests.create import created_event
from refbot.services.requests.env import LIMITS, SUGGESTED_REASON, RequestEnv, S, get_request, suggestion_key
from refbot.services.requests.sla import suggestion_answer_by


def suggest(
    *, session: Session, env: RequestEnv, request_id: int, actor_id: str, contact_id: int, reason: str = ""
) -> ReferenceRequest:
    """Answer the request with another contact of the same account: the old request is closed as
    "suggested another contact", a new one for that contact is approved by the owner's click, and the seller
    is asked to take it or pass. Returns the new request."""
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
    new = lifecycle.transition(
        session=session, request_id=new.id, to=S.approved, actor_id=actor_id, action="approve", now=env.now,
        from_statuses={S.pending_approval}, values={"decided_by": actor_id, "decided_at": env.now},
        detail={"suggested": True},
    )
    update_button_dms(session=session, env=env, request=old)
    answer_by = suggestion_answer_by(request=new, policy=policy, tz=env.settings.tz)
    text, blks = blocks.seller_suggested_dm(card_of(session=session, request=old),
                                            card_of(session=session, request=new), reason=reason, answer_by=answer_by)
    enqueue(session=session, key=suggestion_key(old.id), channel=old.requester_id, text=text, blocks=blks)
    if new.flagged:
        flag_to_program_managers(session=session, env=env, request=new)
    return new


def answer_suggestion(
    *, session: Session, env: RequestEnv, request_id: int, actor_id: str, take: bool
) -> ReferenceRequest:
    """The seller takes the contact the owner suggested (their details, Mark scheduled) or passes (the
    suggested request is cancelled). Edits the seller's suggestion DM and the owner's DM in place. Answering
    twice changes nothing."""
    request = get_request(session=session, request_id=request_id, lock=True)  # vs. the suggestion lapsing now
    if actor_id != request.requester_id:
        raise NotAllowed(f"Only <@{request.requester_id}>, who asked, can answer this suggestion.")
    if request.suggested_from_id is None:
        raise NotFound("That button is out of date. Run `/reference my` to see your requests.")
    if S(request.status) is not S.approved or suggestion_taken(session, request):
        return request  # answered already (taken, passed or cancelled): the DM says so
    old = get_request(session=session, request_id=request.suggested_from_id)
    if take:
        lifecycle.record_event(session=session, request_id=request.id, actor_id=actor_id, action=SUGGESTION_TAKEN,
                               now=env.now)
        touch_homes(session, request.requester_id)  # the Home row turns from "take or pass" to Mark scheduled
        text, blks = blocks.seller_approved_dm(card_of(session=session, request=request),
                                               contact_details(request.contact), now=env.now)
        step = "taken"
    else:
        request = lifecycle.transition(
            session=session, request_id=request.id, to=S.cancelled, actor_id=actor_id, action="cancel",
            now=env.now, from_statuses={S.approved}, detail={"suggestion": "passed"},
        )
        text, blks = blocks.seller_passed_dm(card_of(session=session, request=request))
        step = "passed"
    key = suggestion_key(old.id)
    enqueue(session=session, key=f"{key}:update:{step}", channel=None, method="chat.update", update_of=key,
            text=text, blocks=blks)
    update_button_dms(session=session, env=env, request=old, step=step)
    return request
