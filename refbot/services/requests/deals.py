"""Whose deal is it: a seller may attach requests to their own deal, or to a CRM deal whose team they are on.
A CRM id typed by one seller never changes or joins another seller's deal."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.blocks.requests import DealChoice
from refbot.domain import OpportunityOutcome
from refbot.models import CrmTeamMember, CrmUser, Opportunity

FOREIGN_DEAL = ("That CRM opportunity id is another seller's deal: check the id, or leave it empty "
                "to start your own deal for this prospect.")


def may_use_deal(*, session: Session, opportunity: Opportunity, seller_id: str) -> bool:
    if opportunity.owner_id in (None, seller_id):
        return True
    if opportunity.crm_synced_at is None or opportunity.crm_id is None:
        return False
    on_team = session.scalar(
        sa.select(CrmTeamMember.user_crm_id)
        .join(CrmUser, CrmUser.crm_id == CrmTeamMember.user_crm_id)
        .where(CrmTeamMember.opportunity_crm_id == opportunity.crm_id, CrmUser.slack_id == seller_id)
        .limit(1)
    )
    return on_team is not None


def crm_id_problem(*, session: Session, crm_id: str, seller_id: str) -> str | None:
    """Why `seller_id` may not use the deal with this CRM id (None: they may, or it is new)."""
    opp = session.scalar(sa.select(Opportunity).where(Opportunity.crm_id == crm_id))
    if opp is None or may_use_deal(session=session, opportunity=opp, seller_id=seller_id):
        return None
    return FOREIGN_DEAL


def _my_deals_stmt(seller_id: str) -> sa.Select[tuple[Opportunity]]:
    """Open deals the CRM sync keeps that the seller owns or is on the team of."""
    mine = (sa.select(CrmTeamMember.opportunity_crm_id)
            .join(CrmUser, CrmUser.crm_id == CrmTeamMember.user_crm_id)
            .where(CrmUser.slack_id == seller_id))
    return sa.select(Opportunity).where(
        Opportunity.crm_synced_at.is_not(None), Opportunity.outcome == OpportunityOutcome.open,
        sa.or_(Opportunity.owner_id == seller_id, Opportunity.crm_id.in_(mine)))


def my_open_deals(*, session: Session, seller_id: str, query: str = "", limit: int = 100) -> list[DealChoice]:
    """The deal picker's type-ahead: the seller's open CRM deals whose prospect or name contains `query`."""
    stmt = _my_deals_stmt(seller_id)
    words = [w for w in query.lower().split() if w][:5]
    for word in words:
        like = f"%{word.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(sa.or_(sa.func.lower(Opportunity.prospect_company).like(like),
                                 sa.func.lower(sa.func.coalesce(Opportunity.name, "")).like(like)))
    stmt = stmt.order_by(Opportunity.expected_close_date.is_(None), Opportunity.expected_close_date,
                         Opportunity.prospect_company, Opportunity.id).limit(limit)
    return [DealChoice(o.id, o.prospect_company, o.name, o.crm_stage, o.amount) for o in session.scalars(stmt)]


def picked_deal(*, session: Session, seller_id: str, deal_id: str | None) -> tuple[Opportunity | None, str | None]:
    """The deal the seller picked in the form, or (None, why not) in one sentence."""
    if not deal_id or not deal_id.strip().isdigit():
        return None, "Pick the deal this reference is for (type a few letters of the prospect)."
    opp = session.scalar(_my_deals_stmt(seller_id).where(Opportunity.id == int(deal_id)))
    if opp is None:
        return None, "That deal isn't one of your open Salesforce deals any more: pick another."
    return opp, None
