"""Growing the program: the wish list's reconciler (link, ask owners, tell wishers), followed searches (one DM
when a fitting reference is available), and contest announcements. Each writes its claim (a conditional
UPDATE) and its outbox rows in one transaction, so two runs or two instances do the work once."""

from __future__ import annotations

import logging

from refbot.context import AppContext
from refbot.jobs import job
from refbot.services import wishes

log = logging.getLogger(__name__)


@job("wishes", every_seconds=300,
     description="Wish list: link wished customers to new accounts, ask their owners once, tell wishers once")
def reconcile_wishes(ctx: AppContext) -> str:
    with ctx.db.unit_of_work() as session:
        linked, asked, fulfilled = wishes.reconcile(session=session, now=ctx.clock.now())
    return f"{linked} linked, {asked} owners asked, {fulfilled} became references"
