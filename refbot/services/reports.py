"""The program report (`/reference stats`, `refbot report`): one plain dict with stable keys, documented
in README_report.md. Slack blocks and the CLI text both render this dict, so they always agree.

Period figures count what happened since `since` (all time when None); snapshot figures (contacts at
their limit, accounts never used) describe the program as of `now`.
"""

from __future__ import annotations

import datetime as dt
import statistics
import zoneinfo
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.domain import AccountStatus, OpportunityOutcome
from refbot.domain import RequestStatus as S
from refbot.models import (
    Account,
    Activity,
    ChannelAsk,
    Contact,
    Debrief,
    Opportunity,
    ReferenceRequest,
    RequestEvent,
    SearchLog,
)
from refbot.models.search import NOT_SELLER_SOURCES
from refbot.services import availability
from refbot.services.outcomes import HELPED_STATUSES
from refbot.services.policy import Policy, load_policy

REPORT_VERSION = 1
FULFIL_HOURS = 48
RECENT_QUERIES = 5


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _call_time(request: ReferenceRequest) -> dt.datetime | None:
    return request.scheduled_at or request.completed_at


def build_report(
    *, session: Session, now: dt.datetime, since: dt.datetime | None = None, tz_name: str = "UTC",
    policy: Policy | None = None, top: int = 5,
) -> dict[str, Any]:
    """Every figure of the program report, as JSON-ready data."""
    policy = policy or load_policy(session=session)
    try:
        tz: dt.tzinfo = zoneinfo.ZoneInfo(tz_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        tz = dt.UTC
    today = now.astimezone(tz).date()
    since_day = since.astimezone(tz).date() if since is not None else None

    def after(column: Any) -> Any:
        return column >= since if since is not None else sa.true()

    report: dict[str, Any] = {
        "version": REPORT_VERSION,
        "generated_at": now.astimezone(dt.UTC).isoformat(),
        "since": since.astimezone(dt.UTC).isoformat() if since is not None else None,
        "timezone": tz_name,
    }
    report["requests"] = _requests(session, after)
    report["approval"] = _approval(session, after, now)
    report["debriefs"], report["thank_yous"] = _debriefs(session, since, now, policy)
    report["outcomes"] = _outcomes(session, after)
    report["top_advocates"] = _top_advocates(session, since_day, top)
    report["contacts_at_limit"] = _contacts_at_limit(session, today, policy)
    report["accounts_never_used"] = _accounts_never_used(session)
    report["unmatched_searches"] = _searches(session, after)
    report["channel_asks"] = {
        "count": int(session.scalar(sa.select(sa.func.count(ChannelAsk.id)).where(after(ChannelAsk.created_at))) or 0)
    }
    return report


def _requests(session: Session, after: Any) -> dict[str, Any]:
    counts: dict[str, int] = dict(
        session.execute(
            sa.select(ReferenceRequest.status, sa.func.count(ReferenceRequest.id))
            .where(after(ReferenceRequest.created_at))
            .group_by(ReferenceRequest.status)
        ).tuples().all()
    )
    by_status = {s.value: int(counts.get(s, 0)) for s in S}
    return {"total": sum(by_status.values()), "by_status": by_status}


def _approval(session: Session, after: Any, now: dt.datetime) -> dict[str, Any]:
    """Time from asking to approval; share of requests approved within 48 h."""
    rows = session.execute(
        sa.select(ReferenceRequest.id, ReferenceRequest.created_at, sa.func.min(RequestEvent.created_at))
        .join(RequestEvent, RequestEvent.request_id == ReferenceRequest.id)
        .where(
            after(ReferenceRequest.created_at),
            RequestEvent.to_status == S.approved,
            RequestEvent.from_status == S.pending_approval,
        )
        .group_by(ReferenceRequest.id, ReferenceRequest.created_at)
    ).all()
    waits = {rid: (approved - created).total_seconds() / 3600 for rid, created, approved in rows}
    window = dt.timedelta(hours=FULFIL_HOURS)
    eligible = list(
        session.scalars(
            sa.select(ReferenceRequest.id).where(after(ReferenceRequest.created_at),
                                                 ReferenceRequest.created_at <= now - window)
        )
    )
    within = sum(1 for rid in eligible if rid in waits and waits[rid] <= FULFIL_HOURS)
    return {
        "approved": len(waits),
        "median_hours": round(statistics.median(waits.values()), 1) if waits else None,
        "eligible_48h": len(eligible),
        "within_48h": within,
        "within_48h_share": _share(within, len(eligible)),
    }


def _debriefs(
    session: Session, since: dt.datetime | None, now: dt.datetime, policy: Policy
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Debriefs due (call at least `debrief_delay_hours` ago and not missed), filed, on time, missing."""
    cutoff = now - dt.timedelta(hours=policy.debrief_delay_hours)
    when = sa.func.coalesce(ReferenceRequest.scheduled_at, ReferenceRequest.completed_at)
    stmt = (
        sa.select(ReferenceRequest, Debrief)
        .outerjoin(Debrief, Debrief.request_id == ReferenceRequest.id)
        .where(
            ReferenceRequest.status.in_([S.scheduled, S.completed, S.debriefed]),
            when.is_not(None),
            when <= cutoff,
        )
        .order_by(when, ReferenceRequest.id)
    )
    if since is not None:
        stmt = stmt.where(when >= since)
    due = filed = on_time = thanked = debriefed = 0
    missing = []
    for request, debrief in session.execute(stmt).all():
        due += 1
        if debrief is not None:
            filed += 1
            on_time += 1 if debrief.on_time else 0
        if request.status is S.debriefed:
            debriefed += 1
            thanked += 1 if request.thanked_at is not None else 0
        if debrief is None and request.status in (S.scheduled, S.completed):
            call = _call_time(request)
            assert call is not None
            missing.append({
                "request_id": request.id,
                "requester_id": request.requester_id,
                "contact": request.contact.name,
                "account": request.account.name,
                "prospect": request.opportunity.prospect_company,
                "call_at": call.astimezone(dt.UTC).isoformat(),
                "days_since_call": (now - call).days,
            })
    debriefs = {
        "due": due,
        "filed": filed,
        "on_time": on_time,
        "completion_rate": _share(filed, due),
        "missing": missing,
    }
    return debriefs, {"due": debriefed, "sent": thanked, "share": _share(thanked, debriefed)}


def _outcomes(session: Session, after: Any) -> dict[str, Any]:
    """Deals that used references (a call took place) and were won or lost in the period."""
    helped = sa.select(ReferenceRequest.opportunity_id).where(ReferenceRequest.status.in_(list(HELPED_STATUSES)))
    opps = list(
        session.scalars(
            sa.select(Opportunity)
            .where(
                Opportunity.id.in_(helped),
                Opportunity.outcome.in_([OpportunityOutcome.won, OpportunityOutcome.lost]),
                after(Opportunity.outcome_at),
            )
            .order_by(Opportunity.outcome_at, Opportunity.id)
        )
    )
    won = [o for o in opps if o.outcome is OpportunityOutcome.won]
    accounts: dict[int, list[str]] = {}
    if won:
        for opp_id, name in session.execute(
            sa.select(ReferenceRequest.opportunity_id, Account.name)
            .join(Account, Account.id == ReferenceRequest.account_id)
            .where(ReferenceRequest.opportunity_id.in_([o.id for o in won]),
                   ReferenceRequest.status.in_(list(HELPED_STATUSES)))
            .order_by(ReferenceRequest.id)
        ):
            if name not in accounts.setdefault(opp_id, []):
                accounts[opp_id].append(name)
    return {
        "won": len(won),
        "lost": len(opps) - len(won),
        "influenced_revenue": sum(o.amount or 0 for o in won),
        "won_deals": [
            {
                "opportunity_id": o.id,
                "prospect": o.prospect_company,
                "amount": o.amount,
                "references": accounts.get(o.id, []),
            }
            for o in won
        ],
    }


def _top_advocates(session: Session, since_day: dt.date | None, top: int) -> list[dict[str, Any]]:
    uses = sa.func.count(Activity.id).label("uses")
    stmt = (
        sa.select(Contact.id, Contact.name, Account.name, uses)
        .join(Activity, Activity.contact_id == Contact.id)
        .join(Account, Account.id == Contact.account_id)
        .group_by(Contact.id, Contact.name, Account.name)
        .order_by(uses.desc(), Contact.name, Contact.id)
        .limit(top)
    )
    if since_day is not None:
        stmt = stmt.where(Activity.occurred_on >= since_day)
    return [
        {"contact_id": cid, "contact": name, "account": account, "activities": int(n)}
        for cid, name, account, n in session.execute(stmt).all()
    ]


def _contacts_at_limit(session: Session, today: dt.date, policy: Policy) -> list[dict[str, Any]]:
    """Active contacts used as often as their limit allows in the rolling window (availability.py rules)."""
    return [{"contact_id": a.contact_id, "contact": a.contact_name, "account": a.account_name, "uses": a.uses,
             "limit": a.limit} for a in availability.contacts_at_limit(session=session, today=today, policy=policy)]


def _accounts_never_used(session: Session) -> list[dict[str, Any]]:
    used = sa.select(Contact.account_id).join(Activity, Activity.contact_id == Contact.id)
    rows = session.execute(
        sa.select(Account.id, Account.name)
        .where(Account.status == AccountStatus.active, Account.id.not_in(used))
        .order_by(Account.name, Account.id)
    ).all()
    return [{"account_id": aid, "account": name} for aid, name in rows]


def _searches(session: Session, after: Any) -> dict[str, Any]:
    sellers = SearchLog.source.not_in(NOT_SELLER_SOURCES)  # a program manager's CLI searches are not asks
    total = session.scalar(sa.select(sa.func.count(SearchLog.id)).where(after(SearchLog.created_at), sellers)) or 0
    unmatched = session.scalar(
        sa.select(sa.func.count(SearchLog.id)).where(
            after(SearchLog.created_at), sellers, SearchLog.unmatched.is_(True)
        )
    ) or 0
    recent: list[str] = []
    for query in session.scalars(
        sa.select(SearchLog.query)
        .where(after(SearchLog.created_at), sellers, SearchLog.unmatched.is_(True), SearchLog.query != "")
        .order_by(SearchLog.created_at.desc(), SearchLog.id.desc())
        .limit(50)
    ):
        q = " ".join(query.split())
        if q and q not in recent:
            recent.append(q)
        if len(recent) >= RECENT_QUERIES:
            break
    return {"count": int(unmatched), "total_searches": int(total), "recent": recent}
