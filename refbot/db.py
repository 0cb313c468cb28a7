"""Engine and sessions: one unit of work per handler or job, never shared across threads."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from refbot.clock import Clock

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# sqlalchemy.orm (and Alembic) are imported where they are used, not with this module: `refbot db current` and
# the readiness check need only SQLAlchemy's core (bench/bench_startup.py).

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class DatabaseUnavailable(Exception):
    """The database could not be reached or was locked; the user should try again shortly."""


def create_engine(url: str, **kwargs: Any) -> sa.Engine:
    if url.startswith("sqlite"):
        connect_args = {"check_same_thread": False, "timeout": 15}
        engine = sa.create_engine(url, connect_args=connect_args, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy, not pysqlite, emit BEGIN, so SAVEPOINTs nest inside the transaction
            # (SQLAlchemy's documented recipe for SQLite savepoints).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cur.execute("PRAGMA journal_mode=WAL")
                # WAL's recommended durability: a commit survives the process crashing; only a power
                # loss or OS crash can undo the last commits (never corrupts). Commits no longer wait
                # for an fsync each, which is what serialised RefBot's writers under load.
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=15000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # IMMEDIATE takes the write lock up front: two concurrent units of work queue on
            # busy_timeout instead of one failing with "database is locked" when both upgrade
            # from reading to writing.
            options = conn.get_execution_options()
            if options.get("isolation_level") == "AUTOCOMMIT":
                return
            # A read-only unit of work begins DEFERRED: in WAL mode it reads a snapshot without waiting
            # for, or blocking, the one writer.
            conn.exec_driver_sql("BEGIN" if options.get("refbot_read_only") else "BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # An unreachable host fails in seconds, not after the operating system's TCP timeout (minutes).
    kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", 10)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    return sa.create_engine(url, **kwargs)


AfterCommitHook = Callable[[set[int]], object]  # what it returns is ignored
HomesHook = Callable[[set[str], bool], object]  # (user ids, and the program managers too?)
ADMINS = "\x00admins"  # stands for every program manager in `touch_homes`


def touch_homes(session: Session, *user_ids: str | None, admins: bool = False) -> None:
    """Note, in the caller's transaction, whose App Home tab this change makes stale (`admins`: every program
    manager's). After the commit the database's homes hook (refbot.handlers.home_tab) republishes them;
    nothing happens on rollback or when no hook is set (CLI, tests of services)."""
    touched: set[str] = session.info.setdefault("touched_homes", set())
    touched.update(u for u in user_ids if u)
    if admins:
        touched.add(ADMINS)


def add_unique(session: Session, row: object) -> bool:
    """Add `row` in a savepoint. False, with nothing added and the caller's transaction still usable, when a
    unique key says it is there already (a redelivery or a concurrent writer came first)."""
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


class Database:
    """Owns the engine and the session factory. `unit_of_work()` is the only way code opens a session."""

    def __init__(self, url: str, *, clock: Clock | None = None, **engine_kwargs: Any) -> None:
        self.url = url
        # The time "now" means for rows written in this database's units of work (outbox due times):
        # the same clock the services and jobs use, so a test's frozen clock and the outbox agree.
        from sqlalchemy.orm import sessionmaker

        _track_outbox_writes()
        self.clock = clock or Clock()
        self.engine = create_engine(url, **engine_kwargs)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        self._read_only_engine = self.engine.execution_options(refbot_read_only=True)
        self._after_commit: list[AfterCommitHook] = []
        self._homes_hook: HomesHook | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def on_outbox_commit(self, hook: AfterCommitHook) -> None:
        """Call `hook(outbox_ids)` after a unit of work that wrote outbox rows commits."""
        self._after_commit.append(hook)

    def on_homes_touched(self, hook: HomesHook | None) -> None:
        """Call `hook(user_ids, admins)` after a unit of work that `touch_homes`d someone commits (after the
        outbox hooks, so the DM arrives first). One hook per database: setting it again replaces it."""
        self._homes_hook = hook

    @contextmanager
    def unit_of_work(self, *, read_only: bool = False) -> Iterator[Session]:
        """A session in a transaction: commit on success, roll back on error, then run after-commit hooks.

        `read_only=True` for work that only reads (building a view): on SQLite it then doesn't take the
        write lock, so it neither waits for writers nor holds them up. Writing in it is a bug."""
        session = self.sessionmaker(bind=self._read_only_engine) if read_only else self.sessionmaker()
        session.info["outbox_ids"] = set()
        session.info["clock"] = self.clock
        try:
            yield session
            session.commit()
        except (OperationalError, DBAPIError) as exc:
            session.rollback()
            if _is_unavailable(exc):
                raise DatabaseUnavailable(str(exc.orig) if exc.orig else str(exc)) from exc
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            ids: set[int] = session.info.get("outbox_ids", set())
            touched: set[str] = session.info.get("touched_homes", set())
            session.close()
        if ids:
            for hook in self._after_commit:
                try:
                    hook(set(ids))
                except Exception:  # delivery is retried by the outbox job
                    log.exception("after-commit outbox delivery failed; the outbox job will retry")
        if touched and self._homes_hook is not None:
            try:
                self._homes_hook(touched - {ADMINS}, ADMINS in touched)
            except Exception:  # the Home tab is published again whenever its user opens it
                log.warning("could not refresh Home tabs after a commit", exc_info=True)

    def dispose(self) -> None:
        self.engine.dispose()


def _is_unavailable(exc: DBAPIError) -> bool:
    if isinstance(exc, OperationalError):
        return True
    text = str(exc.orig or exc).lower()
    return any(s in text for s in ("database is locked", "could not connect", "connection refused", "timeout"))


def _track_outbox_writes() -> None:
    """Note the outbox rows each unit of work writes (`_track_outbox`), once per process."""
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_flush", _track_outbox):
        event.listen(Session, "after_flush", _track_outbox)


def _track_outbox(session: Session, _ctx: Any) -> None:
    from refbot.models.outbox import OutboxMessage

    ids = session.info.get("outbox_ids")
    if ids is None:
        return
    for obj in session.new:
        if isinstance(obj, OutboxMessage) and obj.id is not None:
            ids.add(obj.id)


# ---------------------------------------------------------------- migrations


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    """The database's schema revision (None: empty, no migration applied), read with a plain SELECT on Alembic's
    version table; Alembic is asked only in the unusual case of several stored heads (branches)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(VERSION_TABLE):
                return None
            stored = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
            if len(stored) <= 1:
                return stored[0] if stored else None
            return alembic_current_revision(conn)  # Alembic's own error for multiple heads
    finally:
        engine.dispose()


def alembic_current_revision(conn: sa.Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def head_revision(url: str) -> str | None:
    """The latest revision of the migration files: `declared_head()`, or Alembic's answer when the files don't
    form one simple chain."""
    return declared_head() or alembic_head_revision(url)


def alembic_head_revision(url: str) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


def pending_migrations(url: str) -> bool:
    return current_revision(url) != head_revision(url)


VERSION_TABLE = "alembic_version"  # Alembic's default; migrations/env.py doesn't change it
_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


def declared_head() -> str | None:
    """The latest revision as the migration files declare it (`revision = ...`, `down_revision = ...`), read
    without importing Alembic; None unless they form one chain with one head (then ask Alembic)."""
    revisions: set[str] = set()
    parents: set[str | None] = set()
    for path in MIGRATIONS_DIR.glob("versions/*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        values = [found.get(key, "").strip("'\"") for key in ("revision", "down_revision")]
        if not values[0] or not values[1] or "," in values[1] or "(" in values[1]:
            return None
        revisions.add(values[0])
        parents.add(None if values[1] == "None" else values[1])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def at_declared_head(url: str) -> bool:
    """True when the database's stored revision is `declared_head()`: the quick check that lets offline
    commands skip Alembic (its import and environment cost more than the command). False means "ask Alembic"."""
    head = declared_head()
    if head is None:
        return False
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(sa.text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    except DBAPIError:  # no alembic_version table yet (an empty database), or unreachable: Alembic says which
        return False
    finally:
        engine.dispose()
    return stored == [head]
