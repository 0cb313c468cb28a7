"""Is a contact fatigued (used too often or too recently) or busy (committed to an open request)?

Policy (DESIGN.md "Fatigue"): at most `max_per_quarter` activities per `window_days` (a contact's own
`max_per_quarter` overrides it) and at least `min_gap_days` between activities; a contact with an open
request is busy. Requests read this when the form opens, at submit, and in the approval DM.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.domain import OPEN_REQUEST_STATUSES
from refbot.errors import NotFound
from refbot.models import Activity, Contact, ReferenceRequest
from refbot.services.policy import Policy, load_policy


@dataclass(frozen=True)
class Availability:
    contact_id: int
    uses_in_window: int
    limit: int
    window_days: int
    min_gap_days: int
    last_used: dt.date | None
    open_requests: int
    today: dt.date

    @property
    def over_limit(self) -> bool:
        return self.uses_in_window >= self.limit

    @property
    def too_recent(self) -> bool:
        return self.last_used is not None and (self.today - self.last_used).days < self.min_gap_days

    @property
    def fatigued(self) -> bool:
        return self.over_limit or self.too_recent

    @property
    def busy(self) -> bool:
        return self.open_requests > 0

    @property
    def available(self) -> bool:
        return not (self.fatigued or self.busy)

    def reason(self) -> str:
        """Why the contact is not available, for people ('' when available)."""
        parts = []
        if self.over_limit:
            times = "1 time" if self.uses_in_window == 1 else f"{self.uses_in_window} times"
            parts.append(f"used {times} in the last {self.window_days} days (limit {self.limit})")
        if self.too_recent and self.last_used is not None:
            days = (self.today - self.last_used).days
            ago = "today" if days == 0 else ("1 day ago" if days == 1 else f"{days} days ago")
            parts.append(f"last used {ago} (needs {self.min_gap_days} days' rest)")
        if self.busy:
            n = self.open_requests
            parts.append(f"already committed to {n} open request" + ("" if n == 1 else "s"))
        return "; ".join(parts)

    def usage_text(self) -> str:
        """How often the contact was used recently, for the account owner."""
        times = "once" if self.uses_in_window == 1 else f"{self.uses_in_window} times"
        if self.uses_in_window == 0:
            text = f"Not used in the last {self.window_days} days"
        else:
            text = f"Used {times} in the last {self.window_days} days (limit {self.limit})"
        if self.last_used is not None:
            text += f", last on {self.last_used:%a} {self.last_used.day} {self.last_used:%b %Y}"
        if self.open_requests:
            n = self.open_requests
            text += f" · {n} other open request" + ("" if n == 1 else "s")
        return text


def contact_availability(
    *,
    session: Session,
    contact_id: int,
    today: dt.date,
    policy: Policy | None = None,
    exclude_request_id: int | None = None,
) -> Availability:
    """The contact's fatigue and busy state on `today` (not counting request `exclude_request_id`)."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound("That reference contact doesn't exist (anymore).")
    policy = policy or load_policy(session=session)
    since = today - dt.timedelta(days=policy.window_days)
    uses = session.scalar(
        sa.select(sa.func.count())
        .select_from(Activity)
        .where(Activity.contact_id == contact_id, Activity.occurred_on > since, Activity.occurred_on <= today)
    ) or 0
    last_used = session.scalar(
        sa.select(sa.func.max(Activity.occurred_on)).where(
            Activity.contact_id == contact_id, Activity.occurred_on <= today
        )
    )
    open_stmt = (
        sa.select(sa.func.count())
        .select_from(ReferenceRequest)
        .where(
            ReferenceRequest.contact_id == contact_id,
            ReferenceRequest.status.in_(list(OPEN_REQUEST_STATUSES)),
        )
    )
    if exclude_request_id is not None:
        open_stmt = open_stmt.where(ReferenceRequest.id != exclude_request_id)
    limit = contact.max_per_quarter if contact.max_per_quarter is not None else policy.max_per_quarter
    return Availability(
        contact_id=contact_id,
        uses_in_window=int(uses),
        limit=limit,
        window_days=policy.window_days,
        min_gap_days=policy.min_gap_days,
        last_used=last_used,
        open_requests=int(session.scalar(open_stmt) or 0),
        today=today,
    )
