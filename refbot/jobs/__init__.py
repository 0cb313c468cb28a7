"""Scheduled jobs: reminders, escalations, debrief prompts, leaderboard, outbox delivery.

Every job is a function `run(ctx) -> str` (a one-line summary) registered in JOBS under a name declared,
with its interval and description, in `refbot.jobs.catalog` (read without importing the jobs). Jobs are
reconcilers: each run does whatever is due *now* and records what it did (outbox dedupe keys,
ScheduledRun rows), so running a job twice, from two instances, or late after downtime, does the
work exactly once. `refbot jobs run NAME` runs one on demand under the same rules.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from refbot.jobs.catalog import CATALOG

if TYPE_CHECKING:  # the package stays light: `refbot jobs list` imports it (refbot.jobs.catalog)
    from sqlalchemy.orm import Session

    from refbot.context import AppContext

log = logging.getLogger(__name__)

JobFunc = Callable[["AppContext"], str]


@dataclass(frozen=True)
class Job:
    name: str
    func: JobFunc
    every_seconds: int
    description: str
    at_start: bool = False  # also run as soon as the scheduler starts


JOBS: dict[str, Job] = {}


def job(name: str) -> Callable[[JobFunc], JobFunc]:
    """Register the job `name` of the catalogue (its interval and description). Its module, named there,
    is imported by `load_jobs()`."""
    info = CATALOG[name]

    def decorator(func: JobFunc) -> JobFunc:
        JOBS[name] = Job(name=name, func=func, every_seconds=info.every_seconds, description=info.description,
                         at_start=info.at_start)
        return func

    return decorator


def claim_run(*, session: Session, job_name: str, run_key: str, instance: str | None) -> bool:
    """Claim (job, run_key) for this transaction. False when any instance already claimed it.

    The claim commits or rolls back with the caller's transaction, so the work and its claim are atomic.
    """
    import sqlalchemy as sa

    from refbot.db import add_unique
    from refbot.models import ScheduledRun

    exists = session.scalar(
        sa.select(ScheduledRun.id).where(ScheduledRun.job == job_name, ScheduledRun.run_key == run_key)
    )
    return exists is None and add_unique(session, ScheduledRun(job=job_name, run_key=run_key, instance=instance))


def update_run(session: Session, job_name: str, run_key: str, **values: object) -> None:
    """Set columns of the claimed run (job, run_key): `finished_at` and `result` when it is done."""
    import sqlalchemy as sa

    from refbot.models import ScheduledRun

    session.execute(
        sa.update(ScheduledRun)
        .where(ScheduledRun.job == job_name, ScheduledRun.run_key == run_key)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


@job("outbox")
def deliver_outbox(ctx: AppContext) -> str:
    return ctx.deliverer.deliver().summary()


def load_jobs() -> dict[str, Job]:
    """Import every module that registers jobs (the catalogue names them), then return the registry."""
    for module in sorted({info.module for info in CATALOG.values()}):
        importlib.import_module(module)
    return dict(sorted(JOBS.items()))


def run_job(ctx: AppContext, name: str) -> str:
    jobs = load_jobs()
    if name not in jobs:
        raise KeyError(name)
    return jobs[name].func(ctx)


def create_scheduler(ctx: AppContext):  # -> apscheduler BackgroundScheduler
    """A background scheduler running every registered job at its interval (not started)."""
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = BackgroundScheduler(
        timezone=ctx.settings.refbot_timezone,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    )
    for spec in load_jobs().values():
        scheduler.add_job(
            _safe(ctx, spec),
            "interval",
            seconds=spec.every_seconds,
            id=spec.name,
            name=spec.description,
            replace_existing=True,
            **({"next_run_time": dt.datetime.now(dt.UTC)} if spec.at_start else {}),
        )
    return scheduler


def _safe(ctx: AppContext, spec: Job) -> Callable[[], None]:
    def runner() -> None:
        try:
            summary = spec.func(ctx)
            log.debug("job %s: %s", spec.name, summary)
        except Exception:  # the next run tries again; the scheduler keeps going
            log.exception("job %s failed; it will run again in %s s", spec.name, spec.every_seconds)

    return runner
