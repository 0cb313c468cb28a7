"""What the engine matches: one reference contact with its account facts and recent usage. Pure.

The search service builds candidates from database rows; the engine never sees a session.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from refbot.domain import AccountStatus, ActivityType, ContactStatus, Persona, Region, Seniority


@dataclass(frozen=True, slots=True)
class Candidate:
    contact_id: int
    contact_external_id: str
    contact_name: str
    title: str
    seniority: Seniority | None
    persona: Persona | None
    topics: tuple[str, ...]
    activities: tuple[ActivityType, ...]  # activity types the contact agreed to (empty = call only)
    languages: tuple[str, ...]
    contact_status: ContactStatus
    max_per_quarter: int | None
    account_id: int
    account_external_id: str
    account_name: str
    industry: str | None
    employees: int | None
    annual_revenue: int | None
    country: str | None  # ISO2
    region: Region | None
    products: tuple[str, ...]
    use_cases: tuple[str, ...]
    competitor_replaced: str | None
    account_status: AccountStatus
    notes: str
    recent_activity_dates: tuple[dt.date, ...]  # this contact's activities, any order
    open_requests: int  # requests currently open for this contact (busy)

    @property
    def usable(self) -> bool:
        """Offered at all: an active contact at an active account (opted-out, paused, retired never are)."""
        return self.contact_status == ContactStatus.active and self.account_status == AccountStatus.active

    def agrees_to(self, activity: ActivityType | None) -> bool:
        """Did the contact agree to this activity type? No activity asked means a call; no list means calls only."""
        wanted = activity or ActivityType.call
        if not self.activities:
            return wanted == ActivityType.call
        return wanted in self.activities


@dataclass(frozen=True)
class FatiguePolicy:
    """DESIGN.md "Fatigue": at most `max_per_window` activities per rolling `window_days` (a contact's own
    `max_per_quarter` wins), at least `min_gap_days` between two; an open request makes a contact busy."""

    max_per_window: int = 2
    window_days: int = 90
    min_gap_days: int = 30


@dataclass(frozen=True)
class Availability:
    available: bool
    reason: str | None  # why not, for people: "used 2 times in the last 90 days; last used 12 days ago"
    available_from: dt.date | None  # when fatigue ends (None: available now, busy only, or never)
    last_used: dt.date | None
    uses_in_window: int
    busy: bool = False


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _days_ago(days: int) -> str:
    return "today" if days == 0 else ("yesterday" if days == 1 else f"{days} days ago")


def availability(candidate: Candidate, *, today: dt.date, policy: FatiguePolicy) -> Availability:
    """Is the contact rested enough to be offered today, and if not, why and from when?

    Activities after `today` are ignored (they have not happened). An activity on day d counts in the
    window until d + window_days. Busy contacts carry no `available_from`: that depends on the open request.
    """
    past = sorted(d for d in candidate.recent_activity_dates if d <= today)
    last_used = past[-1] if past else None
    since = today - dt.timedelta(days=policy.window_days)
    in_window = [d for d in past if d > since]
    uses = len(in_window)
    limit = candidate.max_per_quarter if candidate.max_per_quarter is not None else policy.max_per_window
    limit = max(0, limit)
    over_limit = uses >= limit
    too_recent = last_used is not None and (today - last_used).days < policy.min_gap_days
    busy = candidate.open_requests > 0

    reasons: list[str] = []
    free_from: dt.date | None = None
    if limit == 0:
        reasons.append("not taking reference activities (limit 0)")
    elif over_limit:
        reasons.append(f"used {_times(uses)} in the last {policy.window_days} days")
        oldest_to_expire = in_window[uses - limit]
        free_from = oldest_to_expire + dt.timedelta(days=policy.window_days)
    if too_recent and last_used is not None:
        reasons.append(f"last used {_days_ago((today - last_used).days)}")
        if limit > 0:
            gap_free = last_used + dt.timedelta(days=policy.min_gap_days)
            free_from = max(free_from, gap_free) if free_from else gap_free
    if busy:
        n = candidate.open_requests
        reasons.append("busy with an open request" if n == 1 else f"busy with {n} open requests")
    return Availability(
        available=not reasons,
        reason="; ".join(reasons) or None,
        available_from=free_from,
        last_used=last_used,
        uses_in_window=uses,
        busy=busy,
    )
