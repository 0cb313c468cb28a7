"""What went wrong, in one or two sentences for the operator: every failure a command can meet that is
not a bug (Slack refusing the token or unreachable, the database unreachable or unwritable, a SQLite
file in a folder that does not exist). `refbot --debug` (or LOG_LEVEL=DEBUG) prints the traceback too."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path
from typing import Any

# Slack's answers to a token it will not accept (auth.test and every other method).
TOKEN_ERRORS = frozenset({
    "invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive", "no_permission",
    "missing_scope", "not_allowed_token_type", "team_access_not_granted", "ekm_access_denied",
})


def slack_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    data = getattr(response, "data", None)
    if isinstance(data, dict):
        return str(data.get("error") or "") or None
    return None


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def sqlite_folder_problem(url: str) -> str | None:
    """The sentence for a SQLite URL whose folder does not exist (or cannot be written), else None."""
    if not url.startswith("sqlite"):
        return None
    path = re.sub(r"^sqlite(\+\w+)?:///", "", url).split("?", 1)[0]
    if not path or path == ":memory:" or url in ("sqlite://", "sqlite:///"):
        return None
    folder = Path(path).expanduser().resolve().parent
    if not folder.is_dir():
        return (f"The SQLite database {path} cannot be created because the folder {folder} does not exist: "
                "create the folder, or point DATABASE_URL at an existing one.")
    if not os.access(folder, os.W_OK) and not Path(path).exists():
        return (f"The SQLite database {path} cannot be created because the folder {folder} is not writable: "
                "fix its permissions, or point DATABASE_URL elsewhere.")
    return None


def explain(exc: BaseException, *, database_url: str | None = None, slack_api_url: str | None = None) -> str | None:
    """The operator's sentence for `exc`, or None when it is a bug (then the caller says so)."""
    for err in _chain(exc):
        text = explain_one(err, database_url=database_url, slack_api_url=slack_api_url)
        if text:
            return text
    return None


def explain_one(exc: BaseException, *, database_url: str | None, slack_api_url: str | None) -> str | None:
    from refbot.config import redact_url

    name = type(exc).__name__
    module = type(exc).__module__ or ""
    code = slack_code(exc)
    where_db = redact_url(database_url) if database_url else "DATABASE_URL"
    if code in TOKEN_ERRORS or (name == "BoltError" and "token" in str(exc).lower()):
        why = code or ("invalid_auth" if "invalid" in str(exc).lower() else str(exc))
        return (f"Slack refused SLACK_BOT_TOKEN ({why}): the token is wrong or was revoked. Copy the Bot User "
                "OAuth Token (xoxb-…) again from OAuth & Permissions, reinstalling the app if needed, then retry.")
    if code == "ratelimited":
        return "Slack rate-limited RefBot even after waiting and retrying: try again in a minute."
    if code:
        return f"Slack answered {code}: see `refbot check` for what RefBot needs from Slack."
    if module.startswith("sqlalchemy") or module.startswith("psycopg") or module.startswith("sqlite3") \
            or name in ("DatabaseUnavailable",):
        message = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0] if str(exc).strip() else name
        if "unable to open database file" in message and database_url:
            return sqlite_folder_problem(database_url) or (
                f"The SQLite database {where_db} cannot be opened ({message}): check the path and its permissions.")
        if "readonly database" in message or "read-only" in message:
            return f"The database {where_db} is read-only ({message}): RefBot needs to write to it."
        if name in ("OperationalError", "DatabaseUnavailable", "InterfaceError") or "connect" in message.lower():
            return (f"Could not use the database at {where_db} ({message[:200]}): check DATABASE_URL and that the "
                    "database server is running and reachable, then try again.")
        if name in ("ProgrammingError", "NoSuchTableError") and ("does not exist" in message or "no such table" in message):
            return f"The database at {where_db} has no RefBot tables ({message[:160]}): run `refbot db upgrade` first."
        return None
    if name in ("URLError", "RemoteDisconnected", "IncompleteRead") or isinstance(
            exc, (ConnectionError, TimeoutError, socket.gaierror)):
        reason: Any = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc
        target = slack_api_url or "Slack"
        return (f"Could not reach Slack at {target} ({reason}): check the network, a proxy or firewall, and "
                "SLACK_API_URL, then try again.")
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror or exc}."
    return None
