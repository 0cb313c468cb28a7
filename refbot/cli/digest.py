"""`refbot digest [--month YYYY-MM] [--out DIR]`: the monthly executive digest on the command line (offline:
no Slack token needed) — its figures as text, its charts as PNG files."""

from __future__ import annotations

import argparse
from pathlib import Path

from refbot.cli import core as cli


def cmd_digest(args: argparse.Namespace) -> int:
    from refbot.blocks.digest import digest_text
    from refbot.clock import Clock
    from refbot.errors import ValidationFailed
    from refbot.services import digest as svc

    settings = cli.load_core_settings()
    now = Clock().now()
    try:
        month = svc.parse_month(args.month) if args.month else svc.last_full_month(now=now, tz=settings.tz)
    except ValidationFailed as exc:
        raise cli.CLIError(f"--month: {exc}") from None
    out = Path(args.out or ".")
    if out.exists() and not out.is_dir():
        raise cli.CLIError(f"--out: {out} is a file, not a directory.")
    with cli.unit_of_work(settings) as session:
        digest = svc.build_digest(session=session, month=month, now=now, tz_name=settings.refbot_timezone)
    if digest["empty"]:
        print(f"Nothing happened in {digest['title']}: no requests, deals or activities, so there is no digest.")
        return 0
    print(digest_text(digest))
    from refbot.services.digest_charts import render_charts

    try:
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for chart in render_charts(digest):
            path = out / chart.filename(digest["month"])
            path.write_bytes(chart.png)
            paths.append(path)
    except OSError as exc:
        raise cli.CLIError(f"--out: cannot write the charts to {out} ({exc.strerror or exc}).") from None
    print("", *(f"Chart: {p}" for p in paths), sep="\n")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("digest", help="monthly executive digest: figures as text, charts as PNG files")
    p.add_argument("--month", metavar="YYYY-MM", help="the month (default: last month, program timezone)")
    p.add_argument("--out", metavar="DIR", help="where to write the PNG charts (default: current directory)")
    p.set_defaults(func=cmd_digest)
