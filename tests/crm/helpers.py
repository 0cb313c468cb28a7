"""Running the sync the way the CLI and the job do, and a reference call on the synced deal."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from refbot.context import AppContext
from refbot.domain import RequestStatus as S
from refbot.models import Contact, Opportunity
from refbot.services import crm_sync
from tests import loop_data as data

CALL = dt.datetime(2026, 11, 10, 14, 0, tzinfo=dt.UTC)


def run_sync(ctx: AppContext, *, full: bool = False) -> crm_sync.SyncResult:
    return crm_sync.sync_configured(db=ctx.db, settings=ctx.settings, slack=ctx.client, clock=ctx.clock, full=full)


def deal_with_a_reference(ctx: AppContext, org: Any) -> int:
    """Sync, then Ben asks for Dana (Globex, Ana's account) on the synced Initech deal; the call happened."""
    assert run_sync(ctx).ok
    with ctx.db.unit_of_work() as s:
        opp = s.scalar(sa.select(Opportunity).where(Opportunity.crm_id == org.deal))
        dana = s.scalar(sa.select(Contact).where(Contact.crm_id == org.dana))
        data.request(s, scheduled_at=CALL, status=S.debriefed, opp=opp, contact_=dana, requester_id="UBEN")
        return opp.id
