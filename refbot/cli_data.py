"""`refbot import`, `refbot export`, `refbot demo` (offline: only DATABASE_URL is needed)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from refbot import cli


def _client(settings):  # a Web API client when a bot token is configured (owner emails -> Slack ids)
    if not settings.slack_bot_token:
        return None
    from slack_sdk import WebClient

    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10)


def cmd_import(args: argparse.Namespace) -> int:
    from refbot.services.imports import ImportFailed, import_paths

    settings = cli.load_core_settings()
    database = cli._open_db(settings)
    try:
        with database.unit_of_work() as session:
            report = import_paths(session=session, paths=[Path(p) for p in args.files], client=_client(settings))
    except ImportFailed as exc:
        for problem in exc.problems:
            print(problem)
        n = len(exc.problems)
        raise cli.CLIError(f"{n} problem{'s' if n != 1 else ''}, nothing was imported.") from None
    finally:
        database.dispose()
    print(report.summary())
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from refbot.services.imports import export_dir

    settings = cli.load_core_settings()
    database = cli._open_db(settings)
    try:
        with database.unit_of_work() as session:
            counts = export_dir(session=session, directory=Path(args.dir))
    finally:
        database.dispose()
    print("Wrote " + ", ".join(f"{args.dir}/{name} ({n:,} rows)" for name, n in counts.items()) + ".")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from refbot.clock import Clock
    from refbot.services.demo import load_demo

    if args.owner and not re.fullmatch(r"[UW][A-Z0-9]{2,}", args.owner):
        raise cli.CLIError("--owner must be your Slack user id (U…): Slack profile > ⋮ > Copy member ID.")
    settings = cli.load_core_settings()
    database = cli._open_db(settings)
    try:
        with database.unit_of_work() as session:
            report = load_demo(session=session, today=Clock().today(settings.tz), accounts=args.accounts,
                               contacts=args.contacts, seed=args.seed, owner=args.owner)
    finally:
        database.dispose()
    print(report.summary().replace("Imported", "Demo program loaded:", 1))
    print("Try it: refbot search healthcare 5k employees germany VP integration")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="import accounts/contacts/activities CSV files (upsert, all-or-nothing)")
    p.add_argument("files", nargs="+", metavar="FILE.csv")
    p.set_defaults(func=cmd_import)
    p = sub.add_parser("export", help="export accounts.csv, contacts.csv, activities.csv to DIR")
    p.add_argument("dir", metavar="DIR")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("demo", help="load a realistic generated reference program to try RefBot")
    p.add_argument("--accounts", type=int, default=220)
    p.add_argument("--contacts", type=int, default=660)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--owner", help="your Slack user id: every demo account is yours, so approvals reach you")
    p.set_defaults(func=cmd_demo)


cli.EXTRA_COMMANDS.append(add_parsers)
