"""Deal outcomes: the seller (or a program manager) records won / lost; won deals tell the account owners
which of their customers helped close what, and count as influenced revenue.

A reference "helped" a deal when its call took place: the request is completed or debriefed.
Recording is a conditional UPDATE on the still-open opportunity, so double clicks record it once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.blocks import debriefs as blocks
from refbot.blocks.kit import escape
from refbot.domain import HELPED_STATUSES, OpportunityOutcome, PointsReason
from refbot.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from refbot.models import Opportunity, OutboxMessage, ReferenceRequest
from refbot.services import lifecycle
from refbot.services.debriefs import call_at, owner_of
from refbot.services.outbox import enqueue
from refbot.services.points import award


def get_opportunity(*, session: Session, opportunity_id: int) -> Opportunity:
    opp = session.get(Opportunity, opportunity_id)
    if opp is None:
        raise NotFound("That deal doesn't exist (anymore).")
    return opp


def helped_requests(*, session: Session, opportunity_id: int) -> list[ReferenceRequest]:
    return list(
        session.scalars(
            sa.select(ReferenceRequest)
            .where(ReferenceRequest.opportunity_id == opportunity_id, ReferenceRequest.status.in_(list(HELPED_STATUSES)))
            .order_by(ReferenceRequest.id)
        )
    )


def _requester_ids(session: Session, opportunity_id: int) -> list[str]:
    return list(
        session.scalars(
            sa.select(ReferenceRequest.requester_id)
            .where(ReferenceRequest.opportunity_id == opportunity_id)
            .order_by(ReferenceRequest.id)
        )
    )


def seller_of(*, session: Session, opportunity: Opportunity) -> str | None:
    """The deal's owner, else whoever asked for its first reference."""
    if opportunity.owner_id:
        return opportunity.owner_id
    return next(iter(_requester_ids(session, opportunity.id)), None)


def can_record(*, session: Session, opportunity: Opportunity, user_id: str, is_admin: bool) -> bool:
    return is_admin or user_id == opportunity.owner_id or user_id in _requester_ids(session, opportunity.id)


def helped_ref(request: ReferenceRequest) -> blocks.HelpedRef:
    return blocks.HelpedRef(
        request_id=request.id,
        contact_name=request.contact.name,
        contact_title=request.contact.title or "",
        account_name=request.account.name,
        owner_id=owner_of(request),
        activity=request.activity_type,
        call_at=call_at(request),
    )


def deal_card(*, session: Session, opportunity: Opportunity) -> blocks.DealCard:
    return blocks.DealCard(
        opportunity_id=opportunity.id,
        prospect_company=opportunity.prospect_company,
        amount=opportunity.amount,
        expected_close_date=opportunity.expected_close_date,
        seller_id=seller_of(session=session, opportunity=opportunity),
        outcome=OpportunityOutcome(opportunity.outcome),
        outcome_by=opportunity.outcome_by,
        references=tuple(helped_ref(r) for r in helped_requests(session=session, opportunity_id=opportunity.id)),
    )


def _already(opp: Opportunity) -> str:
    by = f" by <@{opp.outcome_by}>" if opp.outcome_by else ""
    return f"{escape(opp.prospect_company)} is already recorded as {OpportunityOutcome(opp.outcome).value}{by}."


def open_deal(*, session: Session, opportunity_id: int, user_id: str, is_admin: bool) -> blocks.DealCard:
    """One open deal the user may record an outcome for (the follow-up's Won button)."""
    opp = get_opportunity(session=session, opportunity_id=opportunity_id)
    if not can_record(session=session, opportunity=opp, user_id=user_id, is_admin=is_admin):
        raise NotAllowed(f"Only the seller of {escape(opp.prospect_company)} or a program manager can record its outcome.")
    if opp.outcome is not OpportunityOutcome.open:
        raise InvalidTransition(_already(opp))
    return deal_card(session=session, opportunity=opp)


def open_deals(*, session: Session, user_id: str, is_admin: bool, limit: int = 100) -> list[blocks.DealCard]:
    """Open deals that used references: the user's own (as owner or requester); every one for a program manager."""
    helped = sa.select(ReferenceRequest.opportunity_id).where(ReferenceRequest.status.in_(list(HELPED_STATUSES)))
    stmt = sa.select(Opportunity).where(Opportunity.outcome == OpportunityOutcome.open, Opportunity.id.in_(helped))
    if not is_admin:
        mine = sa.select(ReferenceRequest.opportunity_id).where(ReferenceRequest.requester_id == user_id)
        stmt = stmt.where(sa.or_(Opportunity.owner_id == user_id, Opportunity.id.in_(mine)))
    opps = session.scalars(
        stmt.order_by(Opportunity.expected_close_date.is_(None), Opportunity.expected_close_date,
                      Opportunity.prospect_company, Opportunity.id).limit(limit)
    )
    return [deal_card(session=session, opportunity=o) for o in opps]


# ------------------------------------------------------------------ follow-ups (job)


def followup_key(opportunity_id: int, close_date: dt.date, user_id: str) -> str:
    return f"opportunity:{opportunity_id}:outcome_followup:{close_date.isoformat()}:{user_id}"


def due_followups(*, session: Session, today: dt.date) -> list[int]:
    """Open deals that used references and whose expected close date has passed. Deals the CRM sync
    keeps are left out: their outcome comes from the CRM, so nobody is asked."""
    helped = sa.select(ReferenceRequest.opportunity_id).where(ReferenceRequest.status.in_(list(HELPED_STATUSES)))
    return list(
        session.scalars(
            sa.select(Opportunity.id)
            .where(
                Opportunity.outcome == OpportunityOutcome.open,
                Opportunity.expected_close_date.is_not(None),
                Opportunity.expected_close_date < today,
                Opportunity.crm_synced_at.is_(None),
                Opportunity.id.in_(helped),
            )
            .order_by(Opportunity.id)
        )
    )


def send_followup(*, session: Session, opportunity_id: int, today: dt.date) -> bool:
    """Ask the seller "won or lost?" once per expected close date. False when not due or already asked."""
    opp = session.get(Opportunity, opportunity_id)
    if opp is None or opp.outcome is not OpportunityOutcome.open or opp.expected_close_date is None:
        return False
    if opp.crm_synced_at is not None:  # the CRM tells the outcome
        return False
    if opp.expected_close_date >= today:
        return False
    deal = deal_card(session=session, opportunity=opp)
    if not deal.references or deal.seller_id is None:
        return False
    text, blks = blocks.outcome_followup_dm(deal, today=today)
    key = followup_key(opp.id, opp.expected_close_date, deal.seller_id)
    return enqueue(session=session, key=key, channel=deal.seller_id, text=text, blocks=blks) is not None


# ------------------------------------------------------------------ recording


@dataclass(frozen=True)
class OutcomeResult:
    recorded: bool  # False: it was already recorded (see deal.outcome / deal.outcome_by)
    deal: blocks.DealCard
    owners_told: tuple[str, ...] = ()
    points: int = 0


def record_outcome(
    *, session: Session, opportunity_id: int, outcome: OpportunityOutcome, user_id: str, is_admin: bool,
    amount: int | None, now: dt.datetime, tz_name: str | None, from_crm: bool = False,
) -> OutcomeResult:
    """Record won / lost once. Won: the seller's points, and every account owner whose customer helped is
    told which customer helped close which deal and for how much.

    `from_crm`: the CRM sync saw the deal close; nobody clicked, so no permission check, no "recorded by",
    and no confirmation DM (follow-ups already sent are still updated)."""
    outcome = OpportunityOutcome(outcome)
    if outcome is OpportunityOutcome.open:
        raise ValidationFailed("Choose won or lost.", {"outcome": "Choose won or lost."})
    if amount is not None and amount < 0:
        raise ValidationFailed("The amount can't be negative.", {"amount": "The amount can't be negative."})
    opp = get_opportunity(session=session, opportunity_id=opportunity_id)
    if not from_crm and not can_record(session=session, opportunity=opp, user_id=user_id, is_admin=is_admin):
        raise NotAllowed(f"Only the seller of {escape(opp.prospect_company)} or a program manager can record its outcome.")
    values: dict = {"outcome": outcome, "outcome_at": now, "outcome_by": None if from_crm else user_id,
                    "updated_at": now}
    if outcome is OpportunityOutcome.won and amount is not None:
        values["amount"] = amount
    result = session.execute(
        sa.update(Opportunity)
        .where(Opportunity.id == opp.id, Opportunity.outcome == OpportunityOutcome.open)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(opp)
    deal = deal_card(session=session, opportunity=opp)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return OutcomeResult(False, deal)
    helped = helped_requests(session=session, opportunity_id=opp.id)
    for request in helped:
        lifecycle.record_event(session=session, request_id=request.id, actor_id=user_id, action=f"deal_{outcome.value}",
                               now=now, detail={"opportunity_id": opp.id, "amount": opp.amount})
    asked = _update_followups(session, deal)
    told: tuple[str, ...] = ()
    points = 0
    if outcome is OpportunityOutcome.won:
        if deal.seller_id:
            entry = award(session=session, reason=PointsReason.deal_won, source_key=f"opportunity:{opp.id}:deal_won",
                          user_id=deal.seller_id, note=f"Won {opp.prospect_company}", now=now)
            points = entry.points if entry is not None else 0
        told = _tell_owners(session, deal, tz_name=tz_name)
        from refbot.services import stories  # stories builds on this module

        stories.invite(session=session, opportunity_id=opp.id, now=now)
    if not from_crm and user_id not in asked:  # no follow-up DM of theirs to edit: confirm in a DM
        text, blks = blocks.outcome_confirmation(deal, owners_told=told)
        enqueue(session=session, key=f"opportunity:{opp.id}:outcome:{user_id}", channel=user_id, text=text, blocks=blks)
    return OutcomeResult(True, deal, told, points)


def _update_followups(session: Session, deal: blocks.DealCard) -> set[str]:
    """Replace the Won/Lost buttons of every follow-up sent for the deal; returns who got one."""
    prefix = f"opportunity:{deal.opportunity_id}:outcome_followup:"
    rows = session.execute(
        sa.select(OutboxMessage.dedupe_key, OutboxMessage.channel).where(
            OutboxMessage.dedupe_key.startswith(prefix, autoescape=True), OutboxMessage.method == "chat.postMessage"
        )
    ).all()
    for key, channel in rows:
        text, blks = blocks.outcome_recorded(deal, reader_id=channel)  # "recorded by you" to the one who did
        enqueue(session=session, key=f"{key}:update:{deal.outcome.value}", channel=None, method="chat.update",
                update_of=key, text=text, blocks=blks)
    return {channel for _key, channel in rows if channel}


def _tell_owners(session: Session, deal: blocks.DealCard, *, tz_name: str | None) -> tuple[str, ...]:
    by_owner: dict[str, list[blocks.HelpedRef]] = {}
    for ref in deal.references:
        if ref.owner_id:
            by_owner.setdefault(ref.owner_id, []).append(ref)
    for owner, refs in by_owner.items():
        text, blks = blocks.owner_won_dm(deal, refs, tz_name=tz_name)
        enqueue(session=session, key=f"opportunity:{deal.opportunity_id}:won:{owner}", channel=owner, text=text,
                blocks=blks)
    return tuple(by_owner)


def influenced(*, session: Session, since: dt.datetime | None = None) -> tuple[int, int]:
    """(won deals that used references, their total amount) with the outcome recorded since `since`."""
    helped = sa.select(ReferenceRequest.opportunity_id).where(ReferenceRequest.status.in_(list(HELPED_STATUSES)))
    stmt = sa.select(sa.func.count(Opportunity.id), sa.func.coalesce(sa.func.sum(Opportunity.amount), 0)).where(
        Opportunity.outcome == OpportunityOutcome.won, Opportunity.id.in_(helped)
    )
    if since is not None:
        stmt = stmt.where(Opportunity.outcome_at >= since)
    count, total = session.execute(stmt).one()
    return int(count or 0), int(total or 0)

