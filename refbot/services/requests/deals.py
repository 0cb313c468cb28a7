"""Whose deal is it: a seller may attach requests to their own deal, or to a CRM deal whose team they are on.
A CRM id typed by one seller never changes or joins another seller's deal."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

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
