"""What the Slack Web API stand-in and its method handlers share: the workspace's fixed ids, a recorded
call, an injected fault, and the error a method handler raises to answer `{"ok": false}`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
APP_ID = "A0REFBOT"
TEAM_ID = "T0001"
TEAM_NAME = "Acme"
TEAM_DOMAIN = "acme"
RESPONSE_URL_MAX_POSTS = 5
MESSAGE_TEXT_MAX = 40_000

# Arguments whose JSON-encoded string values are decoded to objects (slack_sdk sends them as strings
# inside form fields, and callers may do so in JSON bodies too).
JSON_FIELDS = ("blocks", "view", "attachments", "metadata")

ID_RE = re.compile(r"^[CDGUWTB][A-Z0-9]+$")
STATUS_TEXT = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def dm_channel_id(user_id: str) -> str:
    """The id of the bot's DM channel with `user_id` ("U1" -> "D1", "UADMIN" -> "DADMIN"), as the stub
    answers from chat.postMessage and conversations.open. Deterministic, so tests can name it."""
    return "D" + (user_id[1:] if user_id.startswith("U") else user_id)


def is_user_id(value: str) -> bool:
    return bool(ID_RE.match(value)) and value[0] in "UW"


@dataclass
class Call:
    """One request the stub received. `status` is the HTTP status it answered (0: connection dropped);
    `response` the JSON it answered (for plain-text errors, `{"ok": False, "error": "http_<status>"}`)."""

    method: str
    args: dict[str, Any]
    token: str | None
    at: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    delayed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.response.get("ok") is True

    @property
    def error(self) -> str | None:
        return None if self.ok else str(self.response.get("error") or f"http_{self.status}")


@dataclass
class Fault:
    status: int | None
    error: str | None
    retry_after: int | None
    delay: float
    drop: bool
    remaining: int


def invalid_arguments(message: str) -> SlackAPIError:
    return SlackAPIError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {message}"]})


class SlackAPIError(Exception):
    """Raised inside a method handler to answer `{"ok": false, "error": ...}` (HTTP 200 by default)."""

    def __init__(self, error: str, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra
