"""Running the sync the way the CLI and the job do."""

from __future__ import annotations

from refbot.context import AppContext
from refbot.services import crm_sync


def run_sync(ctx: AppContext, *, full: bool = False) -> crm_sync.SyncResult:
    return crm_sync.sync_configured(db=ctx.db, settings=ctx.settings, slack=ctx.client, clock=ctx.clock, full=full)
