"""Is a contact fatigued (used too often or too recently) or busy (committed to an open request)?

Policy (DESIGN.md "Fatigue"): at most `max_per_quarter` activities per `window_days` (a contact's own
`max_per_quarter` overrides it) and at least `min_gap_days` between activities; a contact with an open
request is busy. The numbers come from `refbot.matching.candidates.fatigue_window`, the function the
matching engine uses, so a search and a request never disagree. Requests read this when the form opens, at submit, and in the approval DM.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.domain import OPEN_REQUEST_STATUSES
from refbot.errors import NotFound
from refbot.matching.candidates import FatigueWindow, fatigue_window
from refbot.models import Activity, Contact, ReferenceRequest
from refbot.services.policy import Policy, load_policy


@dataclass(frozen=True)
class Availability:
    contact_id: int
    window: FatigueWindow  # computed by the engine's own fatigue_window, from this contact's rows

    @property
    def today(self) -> dt.date:
        return self.window.today

    @property
    def uses_in_window(self) -> int:
        return self.window.uses_in_window

    @property
    def limit(self) -> int:
        return self.window.limit

    @property
    def window_days(self) -> int:
        return self.window.window_days

    @property
    def min_gap_days(self) -> int:
        return self.window.min_gap_days

    @property
    def last_used(self) -> dt.date | None:
        return self.window.last_used

    @property
    def open_requests(self) -> int:
        return self.window.open_requests

    @property
    def over_limit(self) -> bool:
        return self.window.over_limit

    @property
    def too_recent(self) -> bool:
        return self.window.too_recent

    @property
    def fatigued(self) -> bool:
        return self.window.fatigued

    @property
    def busy(self) -> bool:
        return self.window.busy

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
    dates = session.scalars(
        sa.select(Activity.occurred_on).where(Activity.contact_id == contact_id, Activity.occurred_on <= today)
    ).all()
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
    window = fatigue_window(
        activity_dates=dates,
        today=today,
        policy=policy.fatigue(),
        contact_limit=contact.max_per_quarter,
        open_requests=int(session.scalar(open_stmt) or 0),
    )
    return Availability(contact_id=contact_id, window=window)
