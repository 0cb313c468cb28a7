"""`refbot report [--since DATE] [--json]`: the program report from the command line (offline: no Slack
token needed). The JSON keys are stable (README_report.md); the text shows the same figures."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from refbot.cli import core as cli


def _since(value: str | None, tz: dt.tzinfo) -> dt.datetime | None:
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise cli.CLIError(f"--since: '{value}' is not a date like 2026-10-01.") from None
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)


def cmd_report(args: argparse.Namespace) -> int:
    from refbot.blocks.reports import report_text
    from refbot.clock import Clock
    from refbot.services.reports import build_report

    settings = cli.load_core_settings()
    since = _since(args.since, settings.tz)
    database = cli._open_db(settings)
    try:
        with database.unit_of_work() as session:
            report = build_report(session=session, now=Clock().now(), since=since, tz_name=settings.refbot_timezone)
    finally:
        database.dispose()
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else report_text(report))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="program report: requests, approval times, debriefs, influenced revenue, advocates, gaps",
    )
    p.add_argument("--since", metavar="DATE", help="count from this date (YYYY-MM-DD, program timezone); default all time")
    p.add_argument("--json", action="store_true", help="print JSON (stable keys, see README_report.md)")
    p.set_defaults(func=cmd_report)

