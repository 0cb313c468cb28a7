"""What the engine matches: one reference contact with its account facts and recent usage. Pure.

The search service builds candidates from database rows; the engine never sees a session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
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


@dataclass(frozen=True, slots=True)
class FatigueWindow:
    """A contact's fatigue window on `today`: the activities that count (rolling `window_days`, activities
    after today ignored), the limit that applies, the last use and the open requests (busy)."""

    today: dt.date
    window_days: int
    min_gap_days: int
    limit: int
    in_window: tuple[dt.date, ...]  # ascending
    last_used: dt.date | None
    open_requests: int

    @property
    def uses_in_window(self) -> int:
        return len(self.in_window)

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

    @property
    def rested_from(self) -> dt.date | None:
        """When fatigue ends (None: not fatigued, or never: limit 0). An activity on day d counts in the
        window until d + window_days."""
        if self.limit == 0:
            return None
        free_from: dt.date | None = None
        if self.over_limit:
            free_from = self.in_window[self.uses_in_window - self.limit] + dt.timedelta(days=self.window_days)
        if self.too_recent and self.last_used is not None:
            gap_free = self.last_used + dt.timedelta(days=self.min_gap_days)
            free_from = max(free_from, gap_free) if free_from else gap_free
        return free_from


def fatigue_window(
    *,
    activity_dates: Iterable[dt.date],
    today: dt.date,
    policy: FatiguePolicy,
    contact_limit: int | None = None,
    open_requests: int = 0,
) -> FatigueWindow:
    """The one computation of a contact's fatigue window (DESIGN.md "Fatigue"), from plain values: the
    contact's activity dates (any order), its own per-quarter limit (None: the policy's), and how many
    open requests it has. The engine and the request checks both call it."""
    past = sorted(d for d in activity_dates if d <= today)
    since = today - dt.timedelta(days=policy.window_days)
    limit = contact_limit if contact_limit is not None else policy.max_per_window
    return FatigueWindow(
        today=today,
        window_days=policy.window_days,
        min_gap_days=policy.min_gap_days,
        limit=max(0, limit),
        in_window=tuple(d for d in past if d > since),
        last_used=past[-1] if past else None,
        open_requests=open_requests,
    )


def availability(candidate: Candidate, *, today: dt.date, policy: FatiguePolicy) -> Availability:
    """Is the contact rested enough to be offered today, and if not, why and from when?

    Activities after `today` are ignored (they have not happened). Busy contacts carry no
    `available_from`: that depends on the open request.
    """
    w = fatigue_window(
        activity_dates=candidate.recent_activity_dates, today=today, policy=policy,
        contact_limit=candidate.max_per_quarter, open_requests=candidate.open_requests,
    )
    reasons: list[str] = []
    if w.limit == 0:
        reasons.append("not taking reference activities (limit 0)")
    elif w.over_limit:
        reasons.append(f"used {_times(w.uses_in_window)} in the last {policy.window_days} days")
    if w.too_recent and w.last_used is not None:
        reasons.append(f"last used {_days_ago((today - w.last_used).days)}")
    if w.busy:
        n = candidate.open_requests
        reasons.append("busy with an open request" if n == 1 else f"busy with {n} open requests")
    return Availability(
        available=not reasons,
        reason="; ".join(reasons) or None,
        available_from=w.rested_from,
        last_used=w.last_used,
        uses_in_window=w.uses_in_window,
        busy=w.busy,
    )
