"""`refbot gaps [--since DATE] [--limit N] [--json]`: coverage gaps (demand against available references by
segment, biggest first) from the command line, offline (no Slack token needed)."""

from __future__ import annotations

import argparse
import json

from refbot.cli import core as cli
from refbot.cli.report import _since


def cmd_gaps(args: argparse.Namespace) -> int:
    from refbot.blocks.coverage import gaps_text
    from refbot.clock import Clock
    from refbot.services.coverage import coverage_gaps, coverage_json

    if args.limit < 1:
        raise cli.CLIError("--limit must be 1 or more.")
    settings = cli.load_core_settings()
    since = _since(args.since, settings.tz, Clock().today(settings.tz))
    with cli.unit_of_work(settings, read_only=True) as session:
        coverage = coverage_gaps(session=session, now=Clock().now(), tz=settings.tz, since=since, limit=args.limit)
    if args.json:
        print(json.dumps(coverage_json(coverage), indent=2, ensure_ascii=False))
    else:
        print(gaps_text(coverage, since_text=coverage.since.astimezone(settings.tz).date().isoformat()))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gaps", help="coverage gaps: where sellers ask for references RefBot is short of")
    p.add_argument("--since", metavar="DATE",
                   help="count demand from this date (2026-10-01, program timezone) or days back (30d); "
                        "default the last 90 days")
    p.add_argument("--limit", type=int, default=20, help="how many gaps to list (default 20)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_gaps)
