"""The `refbot` command line: the parser, `main`, and the core commands (start, db, jobs, policy).

Each command group lives in its own module of this package with a `register(sub)` function that
adds its subparser; `main` lists them in `_COMMAND_MODULES`. Registering must stay cheap (argparse only):
a module imports what its command needs inside the command function, so `refbot --help` and the offline
commands start fast (bench/bench_startup.py)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from refbot import db as dbmod
    from refbot.config import CoreSettings, Settings

EXIT_USAGE = 2

Command = Callable[[argparse.Namespace], int]


class CLIError(Exception):
    """A user-facing error: printed as one line, exit code 1."""


def load_core_settings(**overrides: Any) -> CoreSettings:
    from refbot.config import load_core_settings as load

    return load(**overrides)


def load_settings(**overrides: Any) -> Settings:
    from refbot.config import load_settings as load

    return load(**overrides)


def redact_url(url: str) -> str:
    from refbot.config import redact_url as redact

    return redact(url)


def _configure_logging(verbose: bool = False, debug: bool = False) -> None:
    import logging

    from refbot import logs

    logs.configure("DEBUG" if debug else None, verbose=verbose)
    if not debug and logs.env_level() != "DEBUG":
        # A command's failure is told in one sentence (main); the SDK's own ERROR lines would repeat it.
        logging.getLogger("slack_sdk").setLevel(logging.CRITICAL)


def _core() -> CoreSettings:
    return load_core_settings()


def check_sqlite_folder(url: str) -> None:
    from refbot.cli.failures import sqlite_folder_problem

    problem = sqlite_folder_problem(url)
    if problem:
        raise CLIError(problem)


def _open_db(settings: CoreSettings, *, migrate: bool = True) -> dbmod.Database:
    """The database, migrated first when it is the embedded SQLite default."""
    from refbot import db as dbmod

    check_sqlite_folder(settings.database_url)
    if dbmod.at_declared_head(settings.database_url):
        pass  # up to date: no need to load Alembic
    elif migrate and settings.is_sqlite:
        dbmod.upgrade(settings.database_url)
    elif dbmod.pending_migrations(settings.database_url):
        raise CLIError(
            f"The database at {redact_url(settings.database_url)} is not at the latest schema: "
            "run `refbot db upgrade` first."
        )
    return dbmod.Database(settings.database_url)


@contextmanager
def unit_of_work(settings: CoreSettings, *, read_only: bool = False, migrate: bool = True) -> Iterator[Session]:
    """One transaction on the command's database (see _open_db); the database is closed afterwards."""
    database = _open_db(settings, migrate=migrate)
    try:
        with database.unit_of_work(read_only=read_only) as session:
            yield session
    finally:
        database.dispose()


# ------------------------------------------------------------------ commands


def cmd_start(args: argparse.Namespace) -> int:
    from refbot import db as dbmod
    from refbot import logs

    settings = load_settings()
    level = "DEBUG" if args.debug else (settings.log_level if settings.log_level != "WARNING" else None)
    logs.configure(level, settings.log_format, verbose=args.verbose)
    check_sqlite_folder(settings.database_url)
    if settings.is_sqlite:
        dbmod.upgrade(settings.database_url)
    elif dbmod.pending_migrations(settings.database_url):
        raise CLIError("The PostgreSQL schema is not up to date: run `refbot db upgrade` once, then start again.")
    _preflight(settings)
    from refbot import server

    if settings.socket_mode:
        server.serve_socket_mode(settings)
    else:
        server.serve_http(settings)
    return 0


def _preflight(settings: Settings) -> None:
    """Ask Slack about the tokens before the server starts, so a wrong, revoked or unreachable one is one
    sentence here (main) rather than a worker's traceback in gunicorn's log."""
    import logging

    from slack_sdk import WebClient

    sdk = logging.getLogger("slack_sdk")
    level = sdk.level
    if not sdk.isEnabledFor(logging.DEBUG):
        sdk.setLevel(logging.CRITICAL)  # the failure is told once, by main
    try:
        _ask_slack(settings, WebClient)
    finally:
        sdk.setLevel(level)


def _ask_slack(settings: Settings, WebClient: Any) -> None:  # noqa: N803 - the class, imported lazily
    WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10).auth_test()
    if settings.slack_app_token:
        try:
            WebClient(base_url=settings.slack_api_url, timeout=10).apps_connections_open(app_token=settings.slack_app_token)
        except Exception as exc:
            from refbot.cli.failures import TOKEN_ERRORS, slack_code

            if slack_code(exc) in TOKEN_ERRORS:
                raise CLIError(
                    f"Slack refused SLACK_APP_TOKEN ({slack_code(exc)}): generate an app-level token with the "
                    "connections:write scope under Basic Information > App-Level Tokens, and enable Socket Mode."
                ) from None
            raise


def cmd_db(args: argparse.Namespace) -> int:
    from refbot import db as dbmod

    settings = _core()
    check_sqlite_folder(settings.database_url)
    url = settings.database_url
    if args.db_command == "upgrade":
        dbmod.upgrade(url, args.revision)
        print(f"Database {redact_url(url)} is at revision {dbmod.current_revision(url)}.")
    elif args.db_command == "downgrade":
        if args.revision == "base" and not args.yes:
            raise CLIError("`refbot db downgrade base` drops every RefBot table and its data: add --yes if you "
                           "mean it (back the database up first).")
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
    from refbot.jobs.catalog import CATALOG  # names, intervals, descriptions: not the jobs nor the app

    if args.jobs_command == "list":
        width = max(len(n) for n in CATALOG)
        for name, info in CATALOG.items():
            print(f"{name:<{width}}  {info.every:<14}  {info.description}")
        return 0
    if args.name not in CATALOG:
        raise CLIError(f"There is no job named '{args.name}'. Known jobs: {', '.join(CATALOG)}.")
    from refbot.jobs import run_job

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

    with unit_of_work(_core()) as session:
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
    return 0


# ------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="refbot",
        description="RefBot: run your customer reference program inside Slack.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more (INFO)")
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback when a command fails (as LOG_LEVEL=DEBUG does)")
    parser.add_argument("--version", action=_Version, help="print RefBot's version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("start", help="start the bot (Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT)")
    p.set_defaults(func=cmd_start)

    dbsub = add_group(sub, "db", help="database migrations", func=cmd_db)
    up = dbsub.add_parser("upgrade", help="apply pending migrations")
    up.add_argument("revision", nargs="?", default="head", help="target revision (default: head, the latest)")
    down = dbsub.add_parser("downgrade", help="revert migrations down to REVISION (see `refbot db current`)")
    down.add_argument("revision", help="the revision to go back to, e.g. 0001; `base` drops every table (needs --yes)")
    down.add_argument("--yes", action="store_true", help="confirm `base`: drop every RefBot table and its data")
    dbsub.add_parser("current", help="show the schema revision")

    jsub = add_group(sub, "jobs", help="list scheduled jobs or run one now", func=cmd_jobs)
    jsub.add_parser("list", help="list every scheduled job")
    run = jsub.add_parser("run", help="run one job now (same exactly-once rules as the scheduler)")
    run.add_argument("name", help="the job's name, from `refbot jobs list`")

    psub = add_group(sub, "policy", help="show or change program policies (lead time, fatigue, SLAs, points)",
                     func=cmd_policy)
    psub.add_parser("show", help="print the policies in force")
    pset = psub.add_parser("set", help="change policies: refbot policy set min_gap_days=21 points.deal_won=20")
    pset.add_argument("assignments", nargs="+", metavar="KEY=VALUE",
                      help="one or more settings, e.g. min_gap_days=21 points.deal_won=20 (see `refbot policy show`)")

    for module in _COMMAND_MODULES:
        __import__(module)  # the import statement, not importlib: `python -X importtime` then shows it
        sys.modules[module].register(sub)
    return parser


def add_group(sub: argparse._SubParsersAction, name: str, *, help: str, func: Command) -> argparse._SubParsersAction:  # noqa: A002 - argparse's word
    """A command with required actions (`refbot NAME ACTION ...`) run by `func`: returns the actions' subparsers;
    the chosen one is in `args.<name>_command`."""
    p = sub.add_parser(name, help=help)
    p.set_defaults(func=func)
    actions = p.add_subparsers(dest=f"{name}_command", metavar="ACTION")
    actions.required = True
    return actions


# Command groups beyond the core ones: each module has `register(sub)` adding its subparser(s).
_COMMAND_MODULES: list[str] = [
    "refbot.cli.data",
    "refbot.cli.search",
    "refbot.cli.report",
    "refbot.cli.gaps",
    "refbot.cli.digest",
    "refbot.cli.crm",
    "refbot.cli.vocabulary",
    "refbot.cli.asks",
    "refbot.cli.check",
    "refbot.cli.playground",
]


class _Version(argparse.Action):
    """--version: the package's own version (pyproject.toml reads it from refbot.__version__ too)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from refbot import __version__

        print(f"refbot {__version__}")
        parser.exit()


def _debugging(args: argparse.Namespace) -> bool:
    return bool(getattr(args, "debug", False)) or os.environ.get("LOG_LEVEL", "").strip().upper() == "DEBUG"


def _urls() -> dict[str, str | None]:
    """The database and Slack URLs for failure messages, read without failing again."""
    try:
        settings = load_core_settings()
        return {"database_url": settings.database_url, "slack_api_url": settings.slack_api_url}
    except Exception:  # noqa: BLE001 - the message then names the variables instead
        return {"database_url": None, "slack_api_url": None}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.debug)
    try:
        return int(args.func(args) or 0)
    except CLIError as exc:
        print(f"refbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `refbot report | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - every failure ends in a sentence (traceback with --debug)
        from refbot.cli.failures import explain
        from refbot.config import ConfigError

        if isinstance(exc, ConfigError):
            print(f"refbot: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if _debugging(args):
            import traceback

            traceback.print_exc()
        message = explain(exc, **_urls())
        if message is None:
            message = (f"unexpected error ({type(exc).__name__}: {str(exc)[:200]}). This is a bug in RefBot: run "
                       "the command again with --debug and report what it prints.")
        print(f"refbot: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
