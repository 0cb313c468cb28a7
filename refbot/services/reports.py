"""The program report (`/reference stats`, `refbot report`): one plain dict with stable keys, documented
in README_report.md. Slack blocks and the CLI text both render this dict, so they always agree.

Period figures count what happened in [since, until) (open ends when None); snapshot figures (contacts
at their limit, accounts never used) describe the program as of `now`. The monthly digest and the sales
leaders' view read the same dict (or the same private computations, per month and per team), so they always
agree with `refbot report` for the same period.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.domain import HELPED_STATUSES, AccountStatus, OpportunityOutcome
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
from refbot.services.policy import Policy, load_policy
from refbot.tz import zone

REPORT_VERSION = 1
FULFIL_HOURS = 48
RECENT_QUERIES = 5


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _call_time(request: ReferenceRequest) -> dt.datetime | None:
    return request.scheduled_at or request.completed_at


def build_report(
    *, session: Session, now: dt.datetime, since: dt.datetime | None = None, until: dt.datetime | None = None,
    tz_name: str = "UTC", policy: Policy | None = None, top: int = 5, team: Collection[str] | None = None,
) -> dict[str, Any]:
    """Every figure of the program report, as JSON-ready data. `until` (exclusive) closes the period (a
    month of the digest); without it the period runs up to now. `team` (Slack ids) narrows every period
    figure to a sales leader's team (see `window`); the snapshot figures stay the program's."""
    policy = policy or load_policy(session=session)
    tz = zone(tz_name)
    today = now.astimezone(tz).date()
    since_day = since.astimezone(tz).date() if since is not None else None
    until_day = until.astimezone(tz).date() if until is not None else None
    after = window(since, until, team)

    report: dict[str, Any] = {
        "version": REPORT_VERSION,
        "generated_at": now.astimezone(dt.UTC).isoformat(),
        "since": since.astimezone(dt.UTC).isoformat() if since is not None else None,
        "until": until.astimezone(dt.UTC).isoformat() if until is not None else None,
        "timezone": tz_name,
    }
    report["requests"] = _requests(session, after)
    report["approval"] = _approval(session, after, now)
    report["time_to_call"] = time_to_call(session, after)
    report["served"] = served(session, after)
    report["debriefs"], report["thank_yous"] = _debriefs(session, since, now, policy, until, team)
    report["outcomes"] = _outcomes(session, after)
    report["win_rate"] = win_rate(session, after)
    report["top_advocates"] = _top_advocates(session, since_day, top, until_day)
    report["top_sellers"] = top_sellers(session, after, top)
    report["contacts_at_limit"] = _contacts_at_limit(session, today, policy)
    report["accounts_never_used"] = _accounts_never_used(session)
    report["unmatched_searches"] = _searches(session, after)
    report["channel_asks"] = {
        "count": int(session.scalar(sa.select(sa.func.count(ChannelAsk.id)).where(after(ChannelAsk.created_at))) or 0)
    }
    return report


def window(since: dt.datetime | None, until: dt.datetime | None, team: Collection[str] | None = None) -> Any:
    """`within(column)`: the SQL condition "column falls in [since, until)" (an open end when None) and,
    for a sales leader's `team` (Slack ids), "the row is the team's": a request they asked for, an ask or a
    search they made, a deal one of them owns or asked a reference for. Every period figure goes through
    it, so a team's figures are the program's figures computed over the team's rows."""
    members = sorted(set(team)) if team is not None else None

    def mine(column: Any) -> Any:
        if members is None:
            return sa.true()
        owner = getattr(column, "class_", None)
        if owner is ReferenceRequest:
            return ReferenceRequest.requester_id.in_(members)
        if owner is ChannelAsk:
            return ChannelAsk.user_id.in_(members)
        if owner is SearchLog:
            return SearchLog.user_id.in_(members)
        if owner is Opportunity:
            asked = sa.select(ReferenceRequest.opportunity_id).where(ReferenceRequest.requester_id.in_(members))
            return sa.or_(Opportunity.owner_id.in_(members), Opportunity.id.in_(asked))
        raise TypeError(f"no team scope for {column!r}")

    def within(column: Any) -> Any:
        return sa.and_(column >= since if since is not None else sa.true(),
                       column < until if until is not None else sa.true(), mine(column))

    within.team = members  # type: ignore[attr-defined]
    return within


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
    session: Session, since: dt.datetime | None, now: dt.datetime, policy: Policy, until: dt.datetime | None = None,
    team: Collection[str] | None = None,
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
    if until is not None:
        stmt = stmt.where(when < until)
    if team is not None:
        stmt = stmt.where(ReferenceRequest.requester_id.in_(sorted(set(team))))
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


def _top_advocates(
    session: Session, since_day: dt.date | None, top: int, until_day: dt.date | None = None
) -> list[dict[str, Any]]:
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
    if until_day is not None:
        stmt = stmt.where(Activity.occurred_on < until_day)
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


# ------------------------------------------------------------------ figures for the people who fund the program

SMALL_SAMPLE = 10  # fewer closed deals than this on either side: say so next to the win rates
NO_REASON = "no reason given"
CALL_STATUSES = (S.scheduled, S.completed, S.debriefed)


def time_to_call(session: Session, after: Any) -> dict[str, Any]:
    """Median hours from asking to the call (its scheduled time, else when it was recorded as done), over
    requests of the period whose call is scheduled or took place."""
    rows = session.execute(
        sa.select(ReferenceRequest.created_at, ReferenceRequest.scheduled_at, ReferenceRequest.completed_at)
        .where(after(ReferenceRequest.created_at), ReferenceRequest.status.in_(list(CALL_STATUSES)))
    ).all()
    waits = [((call or done) - created).total_seconds() / 3600
             for created, call, done in rows if (call or done) is not None]
    waits = [w for w in waits if w >= 0]
    return {"calls": len(waits), "median_hours": round(statistics.median(waits), 1) if waits else None}


def served(session: Session, after: Any, top: int = 5) -> dict[str, Any]:
    """Requests of the period served (approved at some point) against refused (declined, expired,
    cancelled), and the owners' reasons for declining, most common first."""
    approved = (
        sa.select(RequestEvent.request_id)
        .where(RequestEvent.to_status == S.approved, RequestEvent.from_status == S.pending_approval)
    )
    n_served = int(session.scalar(
        sa.select(sa.func.count(ReferenceRequest.id))
        .where(after(ReferenceRequest.created_at), ReferenceRequest.id.in_(approved))
    ) or 0)
    counts: dict[S, int] = dict(session.execute(
        sa.select(ReferenceRequest.status, sa.func.count(ReferenceRequest.id))
        .where(after(ReferenceRequest.created_at),
               ReferenceRequest.status.in_([S.declined, S.expired, S.cancelled]))
        .group_by(ReferenceRequest.status)
    ).tuples().all())
    reasons: dict[str, list[Any]] = {}  # the same reason typed differently counts once, as first typed
    for reason in session.scalars(
        sa.select(ReferenceRequest.decline_reason)
        .where(after(ReferenceRequest.created_at), ReferenceRequest.status == S.declined)
        .order_by(ReferenceRequest.id)
    ):
        text = " ".join((reason or "").split()) or NO_REASON
        reasons.setdefault(text.lower(), [text, 0])[1] += 1
    ranked = sorted(reasons.values(), key=lambda kv: (-kv[1], kv[0].lower()))[:top]
    declined, expired, cancelled = (int(counts.get(s, 0)) for s in (S.declined, S.expired, S.cancelled))
    return {
        "served": n_served,
        "declined": declined,
        "expired": expired,
        "cancelled": cancelled,
        "refused": declined + expired,
        "served_share": _share(n_served, n_served + declined + expired),
        "decline_reasons": [{"reason": r, "count": n} for r, n in ranked],
    }


def _closed(won: int, lost: int) -> dict[str, Any]:
    return {"won": won, "lost": lost, "closed": won + lost, "rate": _share(won, won + lost)}


def win_rate(session: Session, after: Any) -> dict[str, Any]:
    """Win rate of deals closed in the period that used references (a call took place) against those that
    didn't; `comparable` only when both sides have closed deals, `small_sample` when either has fewer than
    SMALL_SAMPLE (so nobody over-reads three deals)."""
    helped = sa.select(ReferenceRequest.opportunity_id).where(ReferenceRequest.status.in_(list(HELPED_STATUSES)))
    used = sa.case((Opportunity.id.in_(helped), True), else_=False).label("used")
    rows = session.execute(
        sa.select(used, Opportunity.outcome, sa.func.count(Opportunity.id))
        .where(Opportunity.outcome.in_([OpportunityOutcome.won, OpportunityOutcome.lost]),
               after(Opportunity.outcome_at))
        .group_by(used, Opportunity.outcome)
    ).all()
    tally = {(bool(u), o): int(n) for u, o, n in rows}
    with_refs = _closed(tally.get((True, OpportunityOutcome.won), 0), tally.get((True, OpportunityOutcome.lost), 0))
    without = _closed(tally.get((False, OpportunityOutcome.won), 0), tally.get((False, OpportunityOutcome.lost), 0))
    comparable = with_refs["closed"] > 0 and without["closed"] > 0
    return {
        "with_references": with_refs,
        "without_references": without,
        "comparable": comparable,
        "difference": round(with_refs["won"] / with_refs["closed"] - without["won"] / without["closed"], 3)
        if comparable else None,
        "small_sample": comparable and min(with_refs["closed"], without["closed"]) < SMALL_SAMPLE,
    }


def top_sellers(session: Session, after: Any, top: int = 5) -> list[dict[str, Any]]:
    """Sellers ranked by influenced revenue won in the period, then by requests made in the period. A won
    deal counts for its opportunity owner, else the seller of its first reference call (the leaderboard's
    rule)."""
    stats: dict[str, dict[str, Any]] = {}

    def row(uid: str) -> dict[str, Any]:
        return stats.setdefault(uid, {"user_id": uid, "requests": 0, "won_deals": 0, "influenced_revenue": 0})

    for uid, n in session.execute(
        sa.select(ReferenceRequest.requester_id, sa.func.count(ReferenceRequest.id))
        .where(after(ReferenceRequest.created_at))
        .group_by(ReferenceRequest.requester_id)
    ):
        row(uid)["requests"] = int(n)
    helped = sa.select(ReferenceRequest.opportunity_id).where(ReferenceRequest.status.in_(list(HELPED_STATUSES)))
    won = list(session.scalars(
        sa.select(Opportunity).where(Opportunity.id.in_(helped), Opportunity.outcome == OpportunityOutcome.won,
                                     after(Opportunity.outcome_at))
    ))
    first_seller: dict[int, str] = {}
    if won:
        for opp_id, requester in session.execute(
            sa.select(ReferenceRequest.opportunity_id, ReferenceRequest.requester_id)
            .where(ReferenceRequest.opportunity_id.in_([o.id for o in won]),
                   ReferenceRequest.status.in_(list(HELPED_STATUSES)))
            .order_by(ReferenceRequest.id)
        ):
            first_seller.setdefault(opp_id, requester)
    for opp in won:
        uid = opp.owner_id or first_seller.get(opp.id)
        if uid:
            r = row(uid)
            r["won_deals"] += 1
            r["influenced_revenue"] += opp.amount or 0
    team = getattr(after, "team", None)
    ranked = sorted((r for r in stats.values() if team is None or r["user_id"] in team),
                    key=lambda r: (-r["influenced_revenue"], -r["requests"], r["user_id"]))
    return ranked[:top]


def period_figures(
    *, session: Session, since: dt.datetime, until: dt.datetime, now: dt.datetime, team: Collection[str] | None = None
) -> dict[str, Any]:
    """The figures the digest's charts plot per month — the report's own computations, so a month's bar is
    the number `refbot report` shows for that month."""
    after = window(since, until, team)
    return {"requests": _requests(session, after), "approval": _approval(session, after, now),
            "outcomes": _outcomes(session, after), "served": served(session, after)}


def is_empty(report: dict[str, Any]) -> bool:
    """Nothing happened in the period: no request, no closed deal, no activity, no ask in a channel."""
    return (report["requests"]["total"] == 0 and report["outcomes"]["won"] + report["outcomes"]["lost"] == 0
            and report["win_rate"]["without_references"]["closed"] == 0 and not report["top_advocates"]
            and report["channel_asks"]["count"] == 0)
