"""Is a contact fatigued (used too often or too recently) or busy (committed to an open request)?

Policy (DESIGN.md "Fatigue"): at most `max_per_quarter` activities per `window_days` (a contact's own
`max_per_quarter` overrides it) and at least `min_gap_days` between activities; a contact with an open
request is busy. The numbers come from `refbot.matching.candidates.fatigue_window`, the function the
matching engine uses, so a search and a request never disagree. Requests read this when the form opens, at submit, and in the approval DM.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.domain import OPEN_REQUEST_STATUSES, ContactStatus
from refbot.errors import NotFound
from refbot.matching.candidates import FatigueWindow, fatigue_window
from refbot.models import Account, Activity, Contact, ReferenceRequest
from refbot.services.policy import Policy, load_policy


@dataclass(frozen=True)
class Availability(FatigueWindow):
    """A contact's fatigue window (computed by the engine's own `fatigue_window`), worded for people."""

    contact_id: int = 0

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
    return Availability(contact_id=contact_id, **{f.name: getattr(window, f.name) for f in fields(window)})


@dataclass(frozen=True)
class AtLimit:
    contact_id: int
    contact_name: str
    account_name: str
    uses: int
    limit: int


def contacts_at_limit(*, session: Session, today: dt.date, policy: Policy) -> list[AtLimit]:
    """Active contacts used as often as their limit allows in the rolling window (`fatigue_window`'s
    rules), most used first."""
    start = today - dt.timedelta(days=policy.window_days)
    rows = session.execute(
        sa.select(Contact.id, Contact.name, Account.name, Contact.max_per_quarter, Activity.occurred_on)
        .join(Activity, Activity.contact_id == Contact.id)
        .join(Account, Account.id == Contact.account_id)
        .where(Contact.status == ContactStatus.active, Activity.occurred_on > start, Activity.occurred_on <= today)
    ).all()
    dates: dict[int, list[dt.date]] = {}
    facts: dict[int, tuple[str, str, int | None]] = {}
    for cid, name, account, own_limit, day in rows:
        dates.setdefault(cid, []).append(day)
        facts[cid] = (name, account, own_limit)
    out = []
    for cid, days in dates.items():
        name, account, own_limit = facts[cid]
        window = fatigue_window(activity_dates=days, today=today, policy=policy.fatigue(), contact_limit=own_limit)
        if window.over_limit:
            out.append(AtLimit(cid, name, account, window.uses_in_window, window.limit))
    return sorted(out, key=lambda a: (-a.uses, a.contact_name, a.contact_id))


def availabilities(
    *, session: Session, contact_ids: list[int], today: dt.date, policy: Policy | None = None
) -> dict[int, Availability]:
    """`contact_availability` for many contacts in three queries (the contact picker answers keystrokes)."""
    if not contact_ids:
        return {}
    policy = policy or load_policy(session=session)
    limits: dict[int, int | None] = {
        cid: limit for cid, limit in session.execute(
            sa.select(Contact.id, Contact.max_per_quarter).where(Contact.id.in_(contact_ids))).all()}
    dates: dict[int, list[dt.date]] = {}
    for cid, day in session.execute(
        sa.select(Activity.contact_id, Activity.occurred_on).where(
            Activity.contact_id.in_(contact_ids), Activity.occurred_on <= today)
    ).all():
        dates.setdefault(cid, []).append(day)
    busy: dict[int, int] = {cid: n for cid, n in session.execute(
        sa.select(ReferenceRequest.contact_id, sa.func.count())
        .where(ReferenceRequest.contact_id.in_(contact_ids),
               ReferenceRequest.status.in_(list(OPEN_REQUEST_STATUSES)))
        .group_by(ReferenceRequest.contact_id)
    ).all()}
    out = {}
    for cid in contact_ids:
        if cid not in limits:
            continue
        window = fatigue_window(activity_dates=dates.get(cid, []), today=today, policy=policy.fatigue(),
                                contact_limit=limits[cid], open_requests=int(busy.get(cid, 0)))
        out[cid] = Availability(contact_id=cid, **{f.name: getattr(window, f.name) for f in fields(window)})
    return out
