"""What every request use case shares: the environment (settings, Slack client, now), field limits, and
loading a request."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from refbot.blocks import requests as blocks
from refbot.config import CoreSettings
from refbot.domain import RequestStatus
from refbot.errors import NotFound
from refbot.models import ReferenceRequest
from refbot.services import users
from refbot.tz import zone

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from refbot.context import AppContext


S = RequestStatus
SUGGESTED_REASON = blocks.SUGGESTED_REASON
SCHEDULE_PAST_LIMIT = dt.timedelta(days=7)
MAX_TOPICS = 10

# Maximum lengths of free-text fields (the modal enforces them too).
LIMITS = {
    "prospect": 200,
    "crm_id": 100,
    "industry": 100,
    "topics": 300,
    "note": 1000,
    "urgent_reason": 300,
    "justification": 500,
    "reason": 500,
}


@dataclass
class RequestEnv:
    """What request use cases need besides the session: settings (admins, timezone), the Slack client
    for profile lookups (None offline and in unit tests), and the current time."""

    settings: CoreSettings
    client: WebClient | None
    now: dt.datetime

    @classmethod
    def from_ctx(cls, ctx: AppContext) -> RequestEnv:
        return cls(settings=ctx.settings, client=ctx.client, now=ctx.clock.now())

    def tz(self, session: Session, user_id: str) -> str:
        return users.user_tz(
            session=session, client=self.client, slack_id=user_id, default=self.settings.refbot_timezone
        )

    def today(self, session: Session, user_id: str | None = None) -> dt.date:
        """Today in `user_id`'s timezone (the program's when None)."""
        tz_name = self.tz(session, user_id) if user_id else self.settings.refbot_timezone
        return self.now.astimezone(zone(tz_name, self.settings.tz)).date()

    def is_admin(self, session: Session, user_id: str) -> bool:
        return users.is_admin(settings=self.settings, session=session, client=self.client, slack_id=user_id)  # type: ignore[arg-type]

    def admins(self, session: Session) -> list[str]:
        return users.admin_ids(settings=self.settings, session=session, client=self.client)  # type: ignore[arg-type]


def get_request(*, session: Session, request_id: int, lock: bool = False) -> ReferenceRequest:
    """The request; with `lock`, its row is locked (and re-read) until the transaction ends, for a decision that
    reads before it writes and must not interleave with another (PostgreSQL; SQLite has one writer anyway)."""
    request = session.get(ReferenceRequest, request_id, with_for_update=lock or None, populate_existing=lock)
    if request is None:
        raise NotFound(f"Request #{request_id} doesn't exist (anymore).")
    return request


def first_name(name: str) -> str:
    return name.split(" ")[0] if name else "They"


def suggestion_key(old_request_id: int) -> str:
    """The outbox key of the seller's DM about an owner's suggestion (edited when they answer, and when the
    call is scheduled)."""
    return f"request:{old_request_id}:suggested:seller"
