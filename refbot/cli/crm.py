"""`refbot crm check|sync|status|mapping`: connect Salesforce, sync it, see how the sync is doing, and map
fields (needs DATABASE_URL and the SALESFORCE_* settings; SLACK_BOT_TOKEN to match owners to Slack)."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from refbot.cli import core as cli

if TYPE_CHECKING:  # `refbot --help` imports this module: no pydantic at parser time
    import datetime as dt

    from refbot.config import CoreSettings


def _settings() -> CoreSettings:
    settings = cli.load_core_settings()
    if not settings.crm_enabled:
        raise cli.CLIError("Salesforce is not configured: set SALESFORCE_INSTANCE_URL and the connected app's "
                           "credentials (README, Connect Salesforce).")
    return settings


def _ago(delta: dt.timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def cmd_check(args: argparse.Namespace) -> int:
    from refbot.crm import connect
    from refbot.services.crm_mapping import load_mapping

    settings = _settings()
    with cli.unit_of_work(settings) as session:
        mapping = load_mapping(session=session, settings=settings)
    crm = connect(settings, mapping=mapping)
    assert crm is not None
    report = crm.check()
    for line in report.ok:
        print(f"ok:      {line}")
    for line in report.problems:
        print(f"problem: {line}")
    if report.problems:
        raise cli.CLIError(f"Salesforce is not fully usable: {report.problems[0]}")
    print("Salesforce is ready: run `refbot crm sync`.")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from refbot.cli.data import _client
    from refbot.clock import Clock
    from refbot.crm import CRMError
    from refbot.services import crm_sync

    settings = _settings()
    database = cli._open_db(settings)
    tty = sys.stderr.isatty()
    if not settings.slack_bot_token:
        print("SLACK_BOT_TOKEN is not set: owners are matched to Slack only among the users RefBot already knows.",
              file=sys.stderr)

    def progress(r: crm_sync.ObjectResult) -> None:
        line = f"{r.obj.value}: {r.applied:,} synced" + (f", {r.skipped:,} skipped" if r.skipped else "") + \
            f" ({r.pages} page{'s' if r.pages != 1 else ''})"
        print(("\r" + line.ljust(70)) if tty else line, end="" if tty else "\n", file=sys.stderr, flush=True)

    try:
        result = crm_sync.sync_configured(db=database, settings=settings, slack=_client(settings), clock=Clock(),
                                          full=args.full, progress=progress)
    except CRMError as exc:
        raise cli.CLIError(exc.message) from None
    finally:
        database.dispose()
    if tty:
        print(file=sys.stderr)
    for r in result.objects:
        for issue in r.issues[:20]:
            print(f"skipped {issue}")
        if len(r.issues) > 20:
            print(f"... and {len(r.issues) - 20} more skipped {r.obj.value} (refbot crm status)")
    if result.error is not None:
        raise cli.CLIError(f"The sync stopped at {result.failed_object.value if result.failed_object else 'sign-in'}"
                           f" and will resume there: {result.error.message}")
    print(f"Synced{' everything' if args.full else ''}: {result.summary()}.")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from refbot.clock import Clock
    from refbot.services import crm_sync

    settings = _settings()
    now = Clock().now()
    with cli.unit_of_work(settings, read_only=True) as session:
        rows = crm_sync.status(session=session)
    tz = settings.tz
    if all(r.last_attempt_at is None for r in rows):
        print("Never synced: run `refbot crm sync`.")
        return 0
    for r in rows:
        last = (f"last synced {r.last_success_at.astimezone(tz):%Y-%m-%d %H:%M} ({_ago(now - r.last_success_at)} ago)"
                if r.last_success_at else "never synced in full")
        lag = f", changes up to {_ago(now - r.cursor)} old applied" if r.cursor else ""
        print(f"{r.obj}: {last}{lag}, {r.records:,} records applied in all")
        if r.last_error:
            when = f" at {r.last_error_at.astimezone(tz):%Y-%m-%d %H:%M}" if r.last_error_at else ""
            print(f"  last error{when}: {r.last_error}")
        for issue in r.issues[:10]:
            print(f"  skipped {issue}")
        if len(r.issues) > 10:
            print(f"  ... and {len(r.issues) - 10} more skipped")
    return 0


def cmd_mapping(args: argparse.Namespace) -> int:
    from refbot.errors import ValidationFailed
    from refbot.services.crm_mapping import describe_mapping, load_mapping, set_mapping

    settings = cli.load_core_settings()
    with cli.unit_of_work(settings) as session:
        if args.mapping_command == "set":
            try:
                mapping = set_mapping(session=session, settings=settings, assignments=args.assignments,
                                      updated_by="cli")
            except ValidationFailed as exc:
                raise cli.CLIError(exc.message) from None
        else:
            mapping = load_mapping(session=session, settings=settings)
    print("\n".join(describe_mapping(mapping)))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("crm", help="connect the CRM (Salesforce): check, sync, status, field mapping")
    csub = p.add_subparsers(dest="crm_command", metavar="ACTION")
    csub.required = True
    csub.add_parser("check", help="sign in and check every object and field RefBot reads (and writes)") \
        .set_defaults(func=cmd_check)
    s = csub.add_parser("sync", help="sync users, reference accounts, contacts and deals now")
    s.add_argument("--full", action="store_true", help="re-read everything, not only what changed")
    s.set_defaults(func=cmd_sync)
    csub.add_parser("status", help="last successful sync, lag, last error, skipped records") \
        .set_defaults(func=cmd_status)
    m = csub.add_parser("mapping", help="show or change which CRM field fills which RefBot field")
    msub = m.add_subparsers(dest="mapping_command", metavar="ACTION")
    msub.required = True
    msub.add_parser("show", help="print the mapping in force")
    ms = msub.add_parser("set", help="refbot crm mapping set accounts.industry=Industry__c "
                                     "'stages.Needs Analysis=evaluation'")
    ms.add_argument("assignments", nargs="+", metavar="OBJECT.FIELD=CRM_FIELD",
                    help="accounts.industry=Sector__c, or \"stages.Needs Analysis=evaluation\" (empty value: drop)")
    m.set_defaults(func=cmd_mapping)
