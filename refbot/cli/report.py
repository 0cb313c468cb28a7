"""`refbot report [--since DATE] [--json]`: the program report from the command line (offline: no Slack
token needed). The JSON keys are stable (README.md, "Program report"); the text shows the same figures."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from refbot.cli import core as cli

if TYPE_CHECKING:
    import datetime as dt


def _since(value: str | None, tz: dt.tzinfo, today: dt.date) -> dt.datetime | None:
    import datetime as dt

    from refbot.periods import since_day

    try:
        day = since_day(value or "", today=today)
    except ValueError as exc:
        raise cli.CLIError(f"--since: {exc}.") from None
    return None if day is None else dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)


def cmd_report(args: argparse.Namespace) -> int:
    from refbot.blocks.reports import report_text
    from refbot.clock import Clock
    from refbot.services.reports import build_report

    settings = cli.load_core_settings()
    since = _since(args.since, settings.tz, Clock().today(settings.tz))
    with cli.unit_of_work(settings) as session:
        report = build_report(session=session, now=Clock().now(), since=since, tz_name=settings.refbot_timezone)
    print(json.dumps(report, indent=2, ensure_ascii=False) if args.json else report_text(report))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="program report: requests, approval times, debriefs, influenced revenue, advocates, gaps",
    )
    p.add_argument("--since", metavar="WHEN",
                   help="count from this day: a date (2026-10-01) or days back (30d), in the program timezone; default all time")
    p.add_argument("--json", action="store_true", help="print JSON (stable keys: README.md, section Program report)")
    p.set_defaults(func=cmd_report)

