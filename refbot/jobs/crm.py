"""The scheduled CRM sync (issue 18): incremental from each object's cursor, every 10 minutes.

One instance syncs at a time: each 10-minute slot is claimed in the database (`claim_run`, committed before
the sync starts), and a slot is skipped while another instance's sync is still running (less than
`LEASE` old and unfinished). A crash mid-sync loses nothing: every page committed with its cursor, so the
next slot resumes there.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from refbot.context import AppContext
from refbot.jobs import claim_run, job, update_run
from refbot.jobs.catalog import CATALOG
from refbot.models import ScheduledRun
from refbot.services import crm_sync

log = logging.getLogger(__name__)

CRM_JOB = "crm_sync"
EVERY = CATALOG[CRM_JOB].every_seconds  # 600: the slots below are this long
LEASE = dt.timedelta(minutes=30)


def slot_key(now: dt.datetime) -> str:
    start = now.astimezone(dt.UTC).replace(second=0, microsecond=0)
    start -= dt.timedelta(minutes=start.minute % (EVERY // 60))
    return start.strftime("%Y-%m-%dT%H:%MZ")


@job(CRM_JOB)
def crm_sync_job(ctx: AppContext) -> str:
    if not ctx.settings.crm_enabled:
        return "no CRM configured"
    now = ctx.clock.now()
    key = slot_key(now)
    with ctx.db.unit_of_work() as session:
        running = session.scalar(
            sa.select(ScheduledRun.run_key).where(ScheduledRun.job == CRM_JOB, ScheduledRun.finished_at.is_(None),
                                                  ScheduledRun.started_at > now - LEASE).limit(1))
        if running is not None:
            return f"{key}: skipped, the {running} sync is still running"
        if not claim_run(session=session, job_name=CRM_JOB, run_key=key, instance=ctx.instance):
            return f"{key} already done"
        update_run(session, CRM_JOB, key, started_at=now)
    try:
        result = crm_sync.sync_configured(db=ctx.db, settings=ctx.settings, slack=ctx.client, clock=ctx.clock)
        summary = result.summary()
    except Exception as exc:
        summary = f"failed: {type(exc).__name__}"
        raise
    finally:
        with ctx.db.unit_of_work() as session:
            update_run(session, CRM_JOB, key, finished_at=ctx.clock.now(), result=summary[:2000])
    log.info("crm sync %s: %s", key, summary)
    return f"{key}: {summary}"
