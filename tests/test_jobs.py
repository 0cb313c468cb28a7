"""The scheduler: every job at its interval; the outbox also at once when RefBot starts."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time

from sqlalchemy.exc import OperationalError

from refbot import jobs as jobs_module
from refbot.context import build_context
from refbot.db import Database
from refbot.jobs import create_scheduler, load_jobs
from refbot.services.outbox import enqueue


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


def test_jobs_keep_running_through_a_database_outage_and_catch_up_after_it(
    settings, clock, database, slack_api, monkeypatch, caplog
):
    ctx = build_context(settings, clock=clock, db=database, deliver_on_commit=False)
    with ctx.db.unit_of_work() as session:
        enqueue(session=session, key="k-outage", channel="U1", text="queued before the outage")

    down = threading.Event()
    original = Database.unit_of_work

    @contextlib.contextmanager
    def flaky(self, **options):
        if down.is_set():
            raise OperationalError("BEGIN", {}, Exception("database is locked"))
        with original(self, **options) as session:
            yield session

    monkeypatch.setattr(Database, "unit_of_work", flaky)
    fast = {name: jobs_module.Job(name=spec.name, func=spec.func, every_seconds=1, description=spec.description)
            for name, spec in jobs_module.load_jobs().items() if name == "outbox"}
    monkeypatch.setattr(jobs_module, "load_jobs", lambda: fast)

    caplog.set_level(logging.ERROR, logger="refbot.jobs")
    down.set()
    scheduler = jobs_module.create_scheduler(ctx)
    scheduler.start()
    try:
        deadline = time.monotonic() + 15
        while not any("job outbox failed" in r.getMessage() for r in caplog.records) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert any("job outbox failed" in r.getMessage() for r in caplog.records)  # it ran and failed
        assert slack_api.calls("chat.postMessage") == []
        down.clear()  # the database is back: the next run delivers, once
        slack_api.wait_for("chat.postMessage", timeout=15)
        time.sleep(1.5)  # another run or two: nothing more is sent
        assert len(slack_api.calls("chat.postMessage")) == 1
    finally:
        scheduler.shutdown(wait=True)


def test_the_light_job_catalogue_and_the_real_registry_agree():
    from refbot.jobs.catalog import CATALOG

    jobs = load_jobs()
    assert list(CATALOG) == list(jobs)  # same names, same (sorted) order
    for name, spec in jobs.items():
        info = CATALOG[name]
        assert (spec.every_seconds, spec.description, spec.at_start) == (
            info.every_seconds, info.description, info.at_start), name
        assert spec.func.__module__ == info.module, name  # the module `load_jobs` imports registers it


def test_refbot_jobs_list_and_help_do_not_import_the_app(tmp_path):
    """`refbot jobs list` reads the catalogue; `--help` only the parser: neither loads the database layer,
    Slack's SDK or the job bodies (bench/bench_startup.py measures how fast they start)."""
    import subprocess
    import sys

    heavy = ["sqlalchemy", "slack_sdk", "slack_bolt", "pydantic", "pycountry", "alembic", "refbot.jobs.loop",
             "refbot.models"]
    probe = ("import sys\nfrom refbot.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             f"print('LOADED', [m for m in {heavy!r} if m in sys.modules])")
    for argv in (["jobs", "list"], ["--help"], ["search", "--help"], ["report", "--help"]):
        out = subprocess.run([sys.executable, "-c", probe, *argv], capture_output=True, text=True, check=True,
                             cwd=tmp_path).stdout
        assert "LOADED []" in out, (argv, out[-300:])
    listed = subprocess.run([sys.executable, "-c", probe, "jobs", "list"], capture_output=True, text=True,
                            check=True, cwd=tmp_path).stdout
    assert "outbox" in listed and "every 10 s" in listed and "leaderboard" in listed
