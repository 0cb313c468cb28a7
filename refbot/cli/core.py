"""The `refbot` command line: the parser, `main`, and the core commands (start, db, jobs, policy).

Each command group lives in its own module of this package with a `register(sub)` function that
adds its subparser; `main` lists them in `_COMMAND_MODULES`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence

from refbot import db as dbmod
from refbot.config import ConfigError, CoreSettings, load_core_settings, load_settings, redact_url

EXIT_USAGE = 2

Command = Callable[[argparse.Namespace], int]


class CLIError(Exception):
    """A user-facing error: printed as one line, exit code 1."""


def _configure_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("refbot").setLevel(logging.INFO)
    for noisy in ("apscheduler", "slack_bolt", "slack_sdk", "urllib3", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING if not verbose else logging.INFO)


def _core() -> CoreSettings:
    return load_core_settings()


def _open_db(settings: CoreSettings, *, migrate: bool = True) -> dbmod.Database:
    """The database, migrated first when it is the embedded SQLite default."""
    if migrate and settings.is_sqlite:
        dbmod.upgrade(settings.database_url)
    elif dbmod.pending_migrations(settings.database_url):
        raise CLIError(
            f"The database at {redact_url(settings.database_url)} is not at the latest schema: "
            "run `refbot db upgrade` first."
        )
    return dbmod.Database(settings.database_url)


# ------------------------------------------------------------------ commands


def cmd_start(args: argparse.Namespace) -> int:
    settings = load_settings()
    if settings.is_sqlite:
        dbmod.upgrade(settings.database_url)
    elif dbmod.pending_migrations(settings.database_url):
        raise CLIError("The PostgreSQL schema is not up to date: run `refbot db upgrade` once, then start again.")
    from refbot import server

    if settings.socket_mode:
        server.serve_socket_mode(settings)
    else:
        server.serve_http(settings)
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    settings = _core()
    url = settings.database_url
    if args.db_command == "upgrade":
        dbmod.upgrade(url, args.revision)
        print(f"Database {redact_url(url)} is at revision {dbmod.current_revision(url)}.")
    elif args.db_command == "downgrade":
        dbmod.downgrade(url, args.revision)
        print(f"Database {redact_url(url)} is at revision {dbmod.current_revision(url) or 'base (empty)'}.")
    else:
        current, head = dbmod.current_revision(url), dbmod.head_revision(url)
        state = "up to date" if current == head else f"behind (latest is {head}): run `refbot db upgrade`"
        print(f"Database {redact_url(url)} is at revision {current or 'base (empty)'}, {state}.")
    return 0


def _job_context():  # -> AppContext
    settings = load_settings()
    from refbot.context import build_context

    db = _open_db(settings)
    return build_context(settings, db=db)


def cmd_jobs(args: argparse.Namespace) -> int:
    from refbot.jobs import load_jobs, run_job

    jobs = load_jobs()
    if args.jobs_command == "list":
        width = max(len(n) for n in jobs)
        for name, spec in jobs.items():
            every = f"every {spec.every_seconds // 60} min" if spec.every_seconds >= 60 else f"every {spec.every_seconds} s"
            print(f"{name:<{width}}  {every:<14}  {spec.description}")
        return 0
    if args.name not in jobs:
        raise CLIError(f"There is no job named '{args.name}'. Known jobs: {', '.join(jobs)}.")
    ctx = _job_context()
    try:
        summary = run_job(ctx, args.name)
        delivered = ctx.deliverer.deliver()
    finally:
        ctx.close()
    print(f"{args.name}: {summary}")
    if delivered.sent or delivered.retried or delivered.failed:
        print(f"outbox: {delivered.summary()}")
    return 0


def cmd_policy(args: argparse.Namespace) -> int:
    from refbot.errors import ValidationFailed
    from refbot.services.policy import load_policy, update_policy

    database = _open_db(_core())
    try:
        with database.unit_of_work() as session:
            if args.policy_command == "set":
                changes = {}
                for item in args.assignments:
                    key, sep, value = item.partition("=")
                    if not sep:
                        raise CLIError(f"'{item}' is not KEY=VALUE.")
                    try:
                        changes[key.strip()] = json.loads(value)
                    except json.JSONDecodeError:
                        changes[key.strip()] = value
                try:
                    policy = update_policy(session=session, changes=changes, updated_by="cli")
                except ValidationFailed as exc:
                    raise CLIError(exc.message) from None
            else:
                policy = load_policy(session=session)
        print(json.dumps(policy.model_dump(), indent=2))
    finally:
        database.dispose()
    return 0


# ------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="refbot",
        description="RefBot: run your customer reference program inside Slack.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("start", help="start the bot (Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT)")
    p.set_defaults(func=cmd_start)

    p = sub.add_parser("db", help="database migrations")
    dbsub = p.add_subparsers(dest="db_command", metavar="ACTION")
    dbsub.required = True
    up = dbsub.add_parser("upgrade", help="apply pending migrations")
    up.add_argument("revision", nargs="?", default="head")
    down = dbsub.add_parser("downgrade", help="revert migrations (default: all of them)")
    down.add_argument("revision", nargs="?", default="base")
    dbsub.add_parser("current", help="show the schema revision")
    p.set_defaults(func=cmd_db)

    p = sub.add_parser("jobs", help="list scheduled jobs or run one now")
    jsub = p.add_subparsers(dest="jobs_command", metavar="ACTION")
    jsub.required = True
    jsub.add_parser("list", help="list every scheduled job")
    run = jsub.add_parser("run", help="run one job now (same exactly-once rules as the scheduler)")
    run.add_argument("name")
    p.set_defaults(func=cmd_jobs)

    p = sub.add_parser("policy", help="show or change program policies (lead time, fatigue, SLAs, points)")
    psub = p.add_subparsers(dest="policy_command", metavar="ACTION")
    psub.required = True
    psub.add_parser("show", help="print the policies in force")
    pset = psub.add_parser("set", help="change policies: refbot policy set min_gap_days=21 points.deal_won=20")
    pset.add_argument("assignments", nargs="+", metavar="KEY=VALUE")
    p.set_defaults(func=cmd_policy)

    import importlib

    for module in _COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


# Command groups beyond the core ones: each module has `register(sub)` adding its subparser(s).
_COMMAND_MODULES: list[str] = [
    "refbot.cli.data",
    "refbot.cli.search",
    "refbot.cli.report",
    "refbot.cli.digest",
    "refbot.cli.playground",
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"refbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CLIError as exc:
        print(f"refbot: {exc}", file=sys.stderr)
        return 1
    except dbmod.DatabaseUnavailable as exc:
        print(f"refbot: the database is unavailable ({exc}); try again.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
