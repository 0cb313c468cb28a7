"""Shared fixtures: a migrated database per test (SQLite file copy, or PostgreSQL truncation),
settings pointing at the local Slack Web API stand-in, a frozen clock, the real Bolt app.

Run on PostgreSQL with REFBOT_TEST_DATABASE_URL=postgresql://user@host:port/db (a scratch database
named refbot_test_<pid> is created on that server and dropped afterwards).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from refbot import db as dbmod
from refbot.clock import FrozenClock
from refbot.config import Settings
from refbot.context import AppContext, build_context
from refbot.models import Base

pytest_plugins = ["tests.support.fixtures"]

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test-token"
ADMIN_ID = "UADMIN"

POSTGRES_URL = os.environ.get("REFBOT_TEST_DATABASE_URL", "").strip()


def _normalise(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def pytest_report_header(config: pytest.Config) -> str:
    return f"refbot database: {'PostgreSQL' if POSTGRES_URL else 'SQLite'}"


@pytest.fixture(scope="session")
def _db_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrated once per session: a SQLite file to copy, or a scratch PostgreSQL database."""
    if POSTGRES_URL:
        server = sa.engine.make_url(_normalise(POSTGRES_URL))
        name = f"refbot_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)
        dbmod.upgrade(url)
        yield url
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        url = f"sqlite:///{path}"
        dbmod.upgrade(url)
        yield str(path)


@pytest.fixture
def db_url(_db_template: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated, empty database for this test."""
    if POSTGRES_URL:
        yield _db_template
        engine = sa.create_engine(_db_template)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
    else:
        path = tmp_path / "refbot.db"
        shutil.copyfile(_db_template, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def offline_env(monkeypatch: pytest.MonkeyPatch, db_url: str, tmp_path: Path) -> Path:
    """The environment of an offline `refbot` command: this test's database, no Slack settings, and a working
    folder with no stray .env to read."""
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "REFBOT_ADMINS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def database(db_url: str) -> Iterator[dbmod.Database]:
    database = dbmod.Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def session(database: dbmod.Database):
    """A session for arranging and inspecting data while the app runs.

    Each statement commits on its own (like a person looking at the database), so reads always see
    what the app committed in the meantime instead of a snapshot from the test's first query.
    """
    from sqlalchemy.orm import Session

    engine = database.engine
    if database.dialect == "sqlite":  # PostgreSQL's READ COMMITTED already sees new commits per statement
        engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def clock() -> FrozenClock:
    """Monday 23 Nov 2026, 09:00 UTC; move it with clock.advance(hours=...)."""
    return FrozenClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC))


@pytest.fixture
def settings(db_url: str, slack_api) -> Settings:
    return Settings(
        _env_file=None,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack_api.base_url,
        database_url=db_url,
        refbot_timezone="Europe/Berlin",
        refbot_admins=[ADMIN_ID],
        refbot_leaderboard_channel="C0SALES",
    )


@pytest.fixture
def ctx(settings: Settings, database: dbmod.Database, clock: FrozenClock) -> AppContext:
    return build_context(settings, clock=clock, db=database)


@pytest.fixture
def bolt_app(settings: Settings, ctx: AppContext):
    """The real Bolt app; each request's response waits for its listener, so tests are deterministic."""
    from refbot.slack_app import create_app

    return create_app(settings, context=ctx, process_before_response=True)
