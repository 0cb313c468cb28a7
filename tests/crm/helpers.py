"""Running the sync the way the CLI and the job do."""

from __future__ import annotations

from refbot.context import AppContext
from refbot.crm import connect
from refbot.services import crm_sync
from refbot.services.crm_mapping import load_mapping


def run_sync(ctx: AppContext, *, full: bool = False) -> crm_sync.SyncResult:
    with ctx.db.unit_of_work() as session:
        mapping = load_mapping(session=session, settings=ctx.settings)
    crm = connect(ctx.settings, mapping=mapping)
    assert crm is not None
    return crm_sync.sync(db=ctx.db, crm=crm, mapping=mapping, slack=ctx.client, clock=ctx.clock,
                         tz_name=ctx.settings.refbot_timezone, full=full)
