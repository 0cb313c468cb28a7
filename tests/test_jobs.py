"""The scheduler: every job at its interval; the outbox also at once when RefBot starts."""

from __future__ import annotations

import datetime as dt

from refbot.jobs import create_scheduler, load_jobs


def test_the_outbox_is_delivered_as_soon_as_refbot_starts_and_other_jobs_wait_their_interval(ctx):
    scheduler = create_scheduler(ctx)
    scheduler.start(paused=True)
    try:
        started = dt.datetime.now(dt.UTC)
        when = {job.id: job.next_run_time for job in scheduler.get_jobs()}
        assert set(when) == set(load_jobs())
        assert when["outbox"] <= started + dt.timedelta(seconds=1)  # queued before a restart: sent at once
        for name, spec in load_jobs().items():
            if name != "outbox":
                assert when[name] >= started + dt.timedelta(seconds=spec.every_seconds - 5), name
    finally:
        scheduler.shutdown(wait=False)
