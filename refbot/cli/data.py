"""`refbot import`, `refbot export`, `refbot demo` (offline: only DATABASE_URL is needed;
SLACK_BOT_TOKEN only to turn owner emails into Slack user ids)."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from refbot.cli import core as cli

if TYPE_CHECKING:
    from refbot.config import CoreSettings


def _client(settings: CoreSettings):  # -> WebClient | None
    """A Web API client when a bot token is configured (owner emails -> Slack ids via users.lookupByEmail)."""
    if not settings.slack_bot_token:
        return None
    from slack_sdk import WebClient
    from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10,
                     retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)])


def cmd_import(args: argparse.Namespace) -> int:
    from refbot.clock import Clock
    from refbot.services.imports import ImportFailed, OwnerLookupFailed, import_files, read_paths
    from refbot.services.requests import RequestEnv, follow_owner_changes

    settings = cli.load_core_settings()
    try:
        files = read_paths(Path(p) for p in args.files)
        with cli.unit_of_work(settings) as session:
            client = _client(settings)
            report = import_files(session=session, files=files, client=client)
            # A new account owner decides the account's pending requests (asked in the same commit).
            moved = follow_owner_changes(session=session, env=RequestEnv(settings=settings, client=client,
                                                                           now=Clock().now()))
    except ImportFailed as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        raise cli.CLIError(exc.message) from None
    except OwnerLookupFailed as exc:
        raise cli.CLIError(exc.message) from None
    print(report.summary())
    if moved:
        n = len(moved)
        print(f"{n} pending request{'' if n == 1 else 's'} moved to the account's new owner, who decides "
              f"{'it' if n == 1 else 'them'} now.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from refbot.services.imports import export_dir

    directory = Path(args.dir)
    if directory.exists() and not directory.is_dir():
        raise cli.CLIError(f"{directory} is a file, not a directory.")
    with cli.unit_of_work(cli.load_core_settings()) as session:
        counts = export_dir(session=session, directory=directory)
    print("Wrote " + ", ".join(
        f"{directory / name} ({n:,} row{'' if n == 1 else 's'})" for name, n in counts.items()) + ".")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from refbot.clock import Clock
    from refbot.errors import ValidationFailed
    from refbot.services.demo import load_demo

    if args.owner and not re.fullmatch(r"[UW][A-Z0-9]{2,}", args.owner):
        raise cli.CLIError("--owner must be your Slack member id (U…): in Slack, your profile > ⋮ > Copy member ID.")
    if args.accounts < 1 or args.contacts < 1:
        raise cli.CLIError("--accounts and --contacts must be at least 1.")
    settings = cli.load_core_settings()
    try:
        with cli.unit_of_work(settings) as session:
            report = load_demo(session=session, today=Clock().today(settings.tz), accounts=args.accounts,
                               contacts=args.contacts, seed=args.seed, owner=args.owner)
    except ValidationFailed as exc:
        raise cli.CLIError(exc.message) from None
    for line in report.lines():
        print(line)
    print("Try it: refbot search insurance in the US, 5k employees, VP, claims automation  (or /reference in Slack)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import", help="import accounts/contacts/activities CSV files (upsert by id, all-or-nothing)",
        description="Import accounts.csv, contacts.csv and activities.csv (any subset, any order; recognised by "
                    "their headers). Upserts by external id in one transaction: if any row is bad nothing is "
                    "written and every problem is listed as file:line: column: problem.",
    )
    p.add_argument("files", nargs="+", metavar="FILE.csv", help="accounts.csv, contacts.csv and/or activities.csv")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("export", help="write accounts.csv, contacts.csv, activities.csv into DIR (re-importable)")
    p.add_argument("dir", metavar="DIR", help="the folder to write into (created if missing; files are replaced)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "demo", help="load a realistic generated reference program to try RefBot (safe to run again)",
        description="Generate and upsert a demo program (same seed = same program; running it again changes "
                    "nothing).",
    )
    p.add_argument("--accounts", type=int, default=220, metavar="N", help="number of accounts (default 220)")
    p.add_argument("--contacts", type=int, default=660, metavar="N", help="number of contacts (default 660)")
    p.add_argument("--seed", type=int, default=7, metavar="N", help="random seed (default 7)")
    p.add_argument("--owner", metavar="SLACK_ID",
                   help="your Slack member id: you own every demo account, so approval requests reach you")
    p.set_defaults(func=cmd_demo)

