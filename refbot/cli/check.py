"""`refbot check`: is this installation ready? Tests the bot token (auth.test), the app-level token when
set (apps.connections.open), the scopes Slack granted against those RefBot needs (manifest.yml), the
database (reachable, migrated, writable) and the leaderboard channel, and prints a checklist with the fix
for each failure. Exit code 0 when every check passed, 1 otherwise."""

from __future__ import annotations

import argparse
from typing import Any

from refbot.cli import core as cli

OK, FAIL, SKIP = "ok", "FAIL", "skip"


class Item:
    """One checklist line. A plain class: `refbot --help` imports this module, and a dataclass or NamedTuple
    costs start-up time (bench/bench_startup.py)."""

    __slots__ = ("status", "what", "detail", "fix")

    def __init__(self, status: str, what: str, detail: str = "", fix: str = "") -> None:
        self.status, self.what, self.detail, self.fix = status, what, detail, fix

    def __repr__(self) -> str:
        return f"Item({self.status!r}, {self.what!r}, {self.detail!r}, {self.fix!r})"

    def lines(self) -> list[str]:
        mark = {OK: "[ok]  ", FAIL: "[FAIL]", SKIP: "[skip]"}[self.status]
        out = [f"{mark} {self.what}" + (f": {self.detail}" if self.detail else "")]
        if self.fix:
            out.append(f"       fix: {self.fix}")
        return out


def _client(token: str, base_url: str) -> Any:
    from slack_sdk import WebClient

    return WebClient(token=token, base_url=base_url, timeout=10)


def _slack_failure(exc: BaseException, settings: Any) -> str:
    from refbot.cli.failures import explain

    return explain(exc, slack_api_url=settings.slack_api_url) or f"{type(exc).__name__}: {exc}"


def check_bot_token(settings: Any) -> tuple[Item, Any, list[str] | None]:
    """(item, client or None, granted scopes or None)."""
    if not settings.slack_bot_token:
        return Item(FAIL, "Bot token", "SLACK_BOT_TOKEN is not set",
                    "install the app (manifest.yml), copy the Bot User OAuth Token (xoxb-…) from OAuth & "
                    "Permissions into .env"), None, None
    client = _client(settings.slack_bot_token, settings.slack_api_url)
    try:
        answer = client.auth_test()
    except Exception as exc:  # noqa: BLE001 - reported as a failed check
        from refbot.cli.failures import TOKEN_ERRORS, slack_code

        code = slack_code(exc)
        if code in TOKEN_ERRORS:
            return Item(FAIL, "Bot token (auth.test)", f"Slack refused it ({code})",
                        "copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions into .env "
                        "(reinstall the app if it was revoked)"), None, None
        return Item(FAIL, "Bot token (auth.test)", _slack_failure(exc, settings)), None, None
    header = {k.lower(): v for k, v in (answer.headers or {}).items()}.get("x-oauth-scopes")
    scopes = [s.strip() for s in str(header).split(",") if s.strip()] if header is not None else None
    who = f"@{answer.get('user')} in {answer.get('team')}"
    return Item(OK, "Bot token (auth.test)", who), client, scopes


def check_app_token(settings: Any) -> Item:
    token = getattr(settings, "slack_app_token", None)
    if not token:
        return Item(SKIP, "App-level token", "SLACK_APP_TOKEN is not set: RefBot runs in HTTP mode")
    try:
        _client(token, settings.slack_api_url).apps_connections_open(app_token=token)
    except Exception as exc:  # noqa: BLE001 - reported as a failed check
        from refbot.cli.failures import slack_code

        code = slack_code(exc)
        return Item(FAIL, "App-level token (apps.connections.open)", code or _slack_failure(exc, settings),
                    "generate an app-level token with the connections:write scope under Basic Information > "
                    "App-Level Tokens, and enable Socket Mode")
    return Item(OK, "App-level token (apps.connections.open)", "Socket Mode can connect")


def check_scopes(scopes: list[str] | None) -> Item:
    from refbot.slack_scopes import BOT_SCOPES

    if scopes is None:
        return Item(SKIP, "Scopes", "Slack did not say which scopes the token has")
    missing = [s for s in BOT_SCOPES if s not in scopes]
    if missing:
        why = "; ".join(f"{s} ({BOT_SCOPES[s]})" for s in missing)
        return Item(FAIL, "Scopes", f"missing {why}",
                    "add them under OAuth & Permissions > Bot Token Scopes (or recreate the app from "
                    "manifest.yml), then reinstall the app")
    return Item(OK, "Scopes", f"all {len(BOT_SCOPES)} that manifest.yml asks for are granted")


def check_database(settings: Any) -> Item:
    import sqlalchemy as sa

    from refbot import db as dbmod
    from refbot.cli.failures import explain, sqlite_folder_problem

    where = cli.redact_url(settings.database_url)
    folder = sqlite_folder_problem(settings.database_url)
    if folder:
        return Item(FAIL, "Database", folder, "create the folder, or set DATABASE_URL")
    try:
        current = dbmod.current_revision(settings.database_url)
        head = dbmod.head_revision(settings.database_url)
    except Exception as exc:  # noqa: BLE001 - reported as a failed check
        return Item(FAIL, f"Database {where}", explain(exc, database_url=settings.database_url) or str(exc),
                    "check DATABASE_URL and that the database server is running and reachable")
    if current != head:
        start = "`refbot start` applies them itself on SQLite" if settings.is_sqlite else "run `refbot db upgrade`"
        return Item(FAIL, f"Database {where}", f"schema at {current or 'no revision (empty)'}, latest is {head}",
                    start)
    engine = dbmod.create_engine(settings.database_url)
    try:
        with engine.connect() as conn, conn.begin() as tx:
            # a write RefBot makes all the time, rolled back: proves the user may write, changes nothing
            conn.execute(sa.text("UPDATE alembic_version SET version_num = version_num"))
            tx.rollback()
    except Exception as exc:  # noqa: BLE001 - reported as a failed check
        return Item(FAIL, f"Database {where}", f"not writable ({explain(exc, database_url=settings.database_url) or exc})",
                    "give RefBot's database user write access (or fix the SQLite file's permissions)")
    finally:
        engine.dispose()
    return Item(OK, f"Database {where}", f"reachable, at the latest schema ({head}), writable")


def check_leaderboard(settings: Any, client: Any) -> Item:
    from refbot.errors import ValidationFailed

    channel = settings.refbot_leaderboard_channel
    try:
        from refbot.services.policy import load_policy

        with cli.unit_of_work(settings, read_only=True, migrate=False) as session:
            channel = load_policy(session=session).leaderboard_channel or channel
    except Exception:  # noqa: BLE001 - the database check reports it; use the setting alone
        pass
    if not channel:
        return Item(SKIP, "Leaderboard channel", "none set: no weekly post",
                    "set REFBOT_LEADERBOARD_CHANNEL, or `/reference leaderboard channel #sales` in Slack")
    if client is None:
        return Item(SKIP, "Leaderboard channel", f"{channel}: needs a working bot token to check")
    from refbot.services import channels, leaderboard

    try:
        found = channels.resolve(client, leaderboard.parse_channel(channel))
    except ValidationFailed as exc:
        return Item(FAIL, "Leaderboard channel", f"{channel}: {_plain(exc.message)}",
                    "pick another channel: REFBOT_LEADERBOARD_CHANNEL or `/reference leaderboard channel #name`")
    return Item(OK, "Leaderboard channel", f"{channel} ({found}): RefBot can post there")


def check_crm(settings: Any) -> Item:
    """Salesforce, when SALESFORCE_INSTANCE_URL is set: signs in and reads each synced object once."""
    if not getattr(settings, "crm_enabled", False):
        return Item(SKIP, "Salesforce", "SALESFORCE_INSTANCE_URL is not set: no CRM, sellers type their deals")
    from refbot.crm import connect

    crm = connect(settings)
    assert crm is not None
    report = crm.check()
    if report.problems:
        return Item(FAIL, "Salesforce", report.problems[0], "run `refbot crm check` for every object and field")
    return Item(OK, "Salesforce", f"signed in; {len(report.ok) - 1} objects readable with the default mapping")


def _plain(text: str) -> str:
    import re

    return re.sub(r"<#(\w+)>", r"\1", text)


def _app_token() -> str | None:
    """SLACK_APP_TOKEN from the environment or .env, as `refbot start` reads it."""
    import os

    token = os.environ.get("SLACK_APP_TOKEN")
    if token is None:
        try:
            from dotenv import dotenv_values

            token = dotenv_values(".env").get("SLACK_APP_TOKEN")
        except OSError:
            token = None
    return (token or "").strip() or None


def cmd_check(args: argparse.Namespace) -> int:
    from types import SimpleNamespace

    settings = cli.load_core_settings()
    token_item, client, scopes = check_bot_token(settings)
    app = SimpleNamespace(slack_app_token=_app_token(), slack_api_url=settings.slack_api_url)
    items = [
        token_item,
        check_app_token(app),
        check_scopes(scopes) if client is not None else Item(SKIP, "Scopes", "needs a working bot token"),
        check_database(settings),
        check_leaderboard(settings, client),
        check_crm(settings),
    ]
    for item in items:
        for line in item.lines():
            print(line)
    failed = sum(1 for i in items if i.status == FAIL)
    print("\nAll checks passed." if not failed else f"\n{failed} check{'' if failed == 1 else 's'} failed.")
    return 1 if failed else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", description=__doc__,
                       help="check the installation: Slack tokens and scopes, the database, the leaderboard channel")
    p.set_defaults(func=cmd_check)
