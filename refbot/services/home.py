"""Read models for the App Home tab: what a seller, an account owner and a program manager need to see.

Read-only queries straight on the models (requests, debriefs, activities, nominations, searches, channel
asks, points), each list capped with its total, so a Home tab for someone with 500 open requests costs a
handful of small queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.blocks.home import (
    ActivityLine,
    AdminHome,
    HomeData,
    LimitLine,
    NominationLine,
    OwnerHome,
    RequestLine,
    SellerHome,
)
from refbot.domain import OPEN_REQUEST_STATUSES, ContactStatus, NominationStatus
from refbot.domain import RequestStatus as S
from refbot.models import (
    Account,
    Activity,
    ChannelAsk,
    Contact,
    Debrief,
    Nomination,
    Opportunity,
    ReferenceRequest,
    RequestEvent,
    SearchLog,
)
from refbot.models.search import NOT_SELLER_SOURCES
from refbot.services import availability, leaderboard
from refbot.services.growth import growth_home
from refbot.services.points import rank, ranked_count
from refbot.services.policy import Policy, load_policy
from refbot.services.requests.cards import SUGGESTION_TAKEN
from refbot.tz import zone

LIST_LIMIT = 8
RECENT_DAYS = 30
Pages = Mapping[str, int]  # list name (blocks.home.LISTS) -> the first item the reader asked to see
UPCOMING_STATUSES = (S.approved, S.scheduled)
AWAITING_DEBRIEF = (S.scheduled, S.completed)

def _call_at() -> sa.ColumnElement[dt.datetime]:
    return sa.func.coalesce(ReferenceRequest.scheduled_at, ReferenceRequest.completed_at)


def _lines_query() -> sa.Select[tuple[ReferenceRequest, str, str, str]]:
    return (
        sa.select(ReferenceRequest, Contact.name, Account.name, Opportunity.prospect_company)
        .join(Contact, Contact.id == ReferenceRequest.contact_id)
        .join(Account, Account.id == ReferenceRequest.account_id)
        .join(Opportunity, Opportunity.id == ReferenceRequest.opportunity_id)
    )


def _lines(session: Session, stmt: sa.Select[tuple[ReferenceRequest, str, str, str]],
           *, alternatives: bool = False) -> tuple[RequestLine, ...]:
    """The rows of `stmt` as list lines; `alternatives`: say which have another active contact to suggest."""
    rows = session.execute(stmt).all()
    others: set[int] = set()
    if alternatives and rows:
        pairs = session.execute(
            sa.select(Contact.account_id, Contact.id).where(
                Contact.account_id.in_({r.account_id for r, *_ in rows}), Contact.status == ContactStatus.active)
        ).all()
        per_account: dict[int, set[int]] = {}
        for account_id, contact_id in pairs:
            per_account.setdefault(account_id, set()).add(contact_id)
        others = {r.id for r, *_ in rows if per_account.get(r.account_id, set()) - {r.contact_id}}
    # An owner's suggestion is approved by their click but is the seller's to take or pass until taken.
    suggested = {r.id for r, *_ in rows if r.suggested_from_id is not None and S(r.status) is S.approved}
    taken = set(session.scalars(sa.select(RequestEvent.request_id).where(
        RequestEvent.request_id.in_(suggested), RequestEvent.action == SUGGESTION_TAKEN))) if suggested else set()
    return tuple(
        RequestLine(
            id=r.id, status=S(r.status), requester_id=r.requester_id, owner_id=r.owner_id, contact_name=contact,
            account_name=account, prospect=prospect, activity=r.activity_type, needed_by=r.needed_by,
            created_at=r.created_at, scheduled_at=r.scheduled_at, call_at=r.scheduled_at or r.completed_at,
            flagged=r.flagged, justification=r.justification or "", urgent=r.urgent,
            can_suggest=r.id in others, awaiting_seller=r.id in suggested - taken,
        )
        for r, contact, account, prospect in rows
    )


def _offset(pages: Pages | None, name: str, total: int) -> int:
    """Where the reader's page of list `name` starts: back to the first page when it is past the end."""
    start = (pages or {}).get(name, 0)
    return start if 0 <= start < total else 0


def _count(session: Session, *where: sa.ColumnElement[bool], join_debrief: bool = False) -> int:
    stmt = sa.select(sa.func.count(ReferenceRequest.id))
    if join_debrief:
        stmt = stmt.outerjoin(Debrief, Debrief.request_id == ReferenceRequest.id)
    return int(session.scalar(stmt.where(*where)) or 0)


def _awaiting_debrief(now: dt.datetime, delay: dt.timedelta) -> tuple[sa.ColumnElement[bool], ...]:
    """Requests whose call took place (`delay` ago or more) and have no debrief yet."""
    return (
        ReferenceRequest.status.in_(list(AWAITING_DEBRIEF)),
        sa.or_(ReferenceRequest.status == S.completed, _call_at() <= now - delay),
        Debrief.id.is_(None),
    )


# ------------------------------------------------------------------ seller


def seller_home(*, session: Session, user_id: str, now: dt.datetime, tz: dt.tzinfo,
                limit: int = LIST_LIMIT, pages: Pages | None = None) -> SellerHome:
    mine = ReferenceRequest.requester_id == user_id
    is_open = ReferenceRequest.status.in_(list(OPEN_REQUEST_STATUSES))
    open_total = _count(session, mine, is_open)
    open_from = _offset(pages, "open", open_total)
    open_lines = _lines(session, _lines_query().where(mine, is_open)
                        .order_by(ReferenceRequest.needed_by, ReferenceRequest.id).offset(open_from).limit(limit))
    waiting = _awaiting_debrief(now, dt.timedelta(0))
    debriefs_total = _count(session, mine, *waiting, join_debrief=True)
    debriefs_from = _offset(pages, "debriefs", debriefs_total)
    debrief_lines = _lines(session, _lines_query().outerjoin(Debrief, Debrief.request_id == ReferenceRequest.id)
                           .where(mine, *waiting).order_by(_call_at(), ReferenceRequest.id)
                           .offset(debriefs_from).limit(limit))
    since = leaderboard.quarter_start(now=now, tz=tz)
    until = now + dt.timedelta(seconds=1)
    position, points = rank(session=session, user_id=user_id, since=since, until=until)
    return SellerHome(
        open_requests=open_lines,
        open_total=open_total,
        debriefs=debrief_lines,
        debriefs_total=debriefs_total,
        starts={"open": open_from, "debriefs": debriefs_from},
        points=points,
        rank=position,
        ranked=ranked_count(session=session, since=since, until=until) if position is not None else 0,
        quarter=leaderboard.quarter_name(now=now, tz=tz),
    )


# ------------------------------------------------------------------ account owner


def owner_home(*, session: Session, user_id: str, now: dt.datetime, tz: dt.tzinfo,
               limit: int = LIST_LIMIT, pages: Pages | None = None) -> OwnerHome | None:
    """None when the user owns no account and has no approval waiting (not an account owner). An owner's own
    requests are not theirs to approve (a program manager decides them): they are not listed here."""
    accounts = int(session.scalar(sa.select(sa.func.count(Account.id)).where(Account.owner_id == user_id)) or 0)
    pending = (ReferenceRequest.status == S.pending_approval, ReferenceRequest.owner_id == user_id,
               ReferenceRequest.requester_id != user_id)
    approvals_total = _count(session, *pending)
    if not accounts and not approvals_total:
        return None
    approvals_from = _offset(pages, "approvals", approvals_total)
    approvals = _lines(session, _lines_query().where(*pending)
                       .order_by(ReferenceRequest.created_at, ReferenceRequest.id).offset(approvals_from).limit(limit),
                       alternatives=True)

    owned = sa.select(Account.id).where(Account.owner_id == user_id).scalar_subquery()
    upcoming_where = (
        ReferenceRequest.account_id.in_(owned),
        ReferenceRequest.status.in_(list(UPCOMING_STATUSES)),
        sa.or_(ReferenceRequest.scheduled_at.is_(None), ReferenceRequest.scheduled_at >= now),
    )
    upcoming_total = _count(session, *upcoming_where)
    upcoming_from = _offset(pages, "upcoming", upcoming_total)
    upcoming = _lines(session, _lines_query().where(*upcoming_where).order_by(
        ReferenceRequest.scheduled_at.is_(None), ReferenceRequest.scheduled_at, ReferenceRequest.needed_by,
        ReferenceRequest.id).offset(upcoming_from).limit(limit))

    today = now.astimezone(tz).date()
    recent_where = (
        Contact.account_id.in_(owned),
        Activity.occurred_on > today - dt.timedelta(days=RECENT_DAYS),
        Activity.occurred_on <= today,
    )
    recent_total = int(session.scalar(
        sa.select(sa.func.count(Activity.id)).join(Contact, Contact.id == Activity.contact_id).where(*recent_where)
    ) or 0)
    recent_from = _offset(pages, "recent", recent_total)
    rows = session.execute(
        sa.select(Activity, Contact.name, Account.name, Opportunity.prospect_company)
        .join(Contact, Contact.id == Activity.contact_id)
        .join(Account, Account.id == Contact.account_id)
        .outerjoin(Opportunity, Opportunity.id == Activity.opportunity_id)
        .where(*recent_where)
        .order_by(Activity.occurred_on.desc(), Activity.id.desc())
        .offset(recent_from).limit(limit)
    ).all()
    recent = tuple(
        ActivityLine(contact, account, a.type, a.occurred_on, prospect or a.opportunity or "")
        for a, contact, account, prospect in rows
    )
    return OwnerHome(
        accounts=accounts, approvals=approvals, approvals_total=approvals_total, recent=recent,
        recent_total=recent_total, upcoming=upcoming, upcoming_total=upcoming_total,
        starts={"approvals": approvals_from, "recent": recent_from, "upcoming": upcoming_from},
    )


# ------------------------------------------------------------------ program manager


def contacts_at_limit(*, session: Session, today: dt.date, policy: Policy) -> list[LimitLine]:
    """Active contacts used as often as their limit allows in the rolling window, most used first."""
    return [LimitLine(a.contact_name, a.account_name, a.uses, a.limit)
            for a in availability.contacts_at_limit(session=session, today=today, policy=policy)]


def _unmatched(session: Session, since: dt.datetime, limit: int) -> tuple[tuple[str, ...], int]:
    where = (SearchLog.unmatched.is_(True), SearchLog.created_at >= since, SearchLog.source.not_in(NOT_SELLER_SOURCES))
    total = int(session.scalar(sa.select(sa.func.count(SearchLog.id)).where(*where)) or 0)
    recent: list[str] = []
    for query in session.scalars(sa.select(SearchLog.query).where(*where, SearchLog.query != "")
                                 .order_by(SearchLog.created_at.desc(), SearchLog.id.desc()).limit(50)):
        text = " ".join(query.split())
        if text and text.casefold() not in {q.casefold() for q in recent}:
            recent.append(text)
        if len(recent) >= limit:
            break
    return tuple(recent), total


def admin_home(*, session: Session, now: dt.datetime, tz: dt.tzinfo, default_channel: str | None,
               limit: int = LIST_LIMIT, pages: Pages | None = None) -> AdminHome:
    policy = load_policy(session=session)
    aging_where = (ReferenceRequest.status == S.pending_approval, ReferenceRequest.flagged.is_(False),
                   ReferenceRequest.created_at <= now - dt.timedelta(hours=policy.approval_remind_hours))
    aging_total = _count(session, *aging_where)
    aging_from = _offset(pages, "aging", aging_total)
    aging = _lines(session, _lines_query().where(*aging_where)
                   .order_by(ReferenceRequest.created_at, ReferenceRequest.id).offset(aging_from).limit(limit))

    # Requests for a resting or busy contact wait for a decision here from the moment they are made.
    flagged_where = (ReferenceRequest.status == S.pending_approval, ReferenceRequest.flagged.is_(True))
    flagged_total = _count(session, *flagged_where)
    flagged_from = _offset(pages, "flagged", flagged_total)
    flagged = _lines(session, _lines_query().where(*flagged_where)
                     .order_by(ReferenceRequest.created_at, ReferenceRequest.id).offset(flagged_from).limit(limit))

    nominations_total = int(session.scalar(
        sa.select(sa.func.count(Nomination.id)).where(Nomination.status == NominationStatus.pending)) or 0)
    nominations_from = _offset(pages, "nominations", nominations_total)
    nominations = tuple(
        NominationLine(n.id, n.nominator_id, n.contact_name, n.contact_title or "", n.account_name,
                       n.account_id is None, n.created_at)
        for n in session.scalars(sa.select(Nomination).where(Nomination.status == NominationStatus.pending)
                                 .order_by(Nomination.created_at, Nomination.id).offset(nominations_from).limit(limit))
    )

    missing_where = _awaiting_debrief(now, dt.timedelta(hours=policy.debrief_delay_hours))
    missing_total = _count(session, *missing_where, join_debrief=True)
    missing_from = _offset(pages, "missing", missing_total)
    missing = _lines(session, _lines_query().outerjoin(Debrief, Debrief.request_id == ReferenceRequest.id)
                     .where(*missing_where).order_by(_call_at(), ReferenceRequest.id)
                     .offset(missing_from).limit(limit))

    today = now.astimezone(tz).date()
    at_limit = contacts_at_limit(session=session, today=today, policy=policy)
    at_limit_from = _offset(pages, "at_limit", len(at_limit))
    recent_since = now - dt.timedelta(days=RECENT_DAYS)
    queries, unmatched_total = _unmatched(session, recent_since, limit)
    asks = int(session.scalar(sa.select(sa.func.count(ChannelAsk.id)).where(ChannelAsk.created_at >= recent_since))
               or 0)
    quarter_since = leaderboard.quarter_start(now=now, tz=tz)
    kpis = leaderboard.program_totals(session=session, since=quarter_since, until=now + dt.timedelta(seconds=1),
                                      tz=tz)
    channel = policy.leaderboard_channel or default_channel
    return AdminHome(
        aging_hours=policy.approval_remind_hours, escalate_hours=policy.approval_escalate_hours,
        aging=aging, aging_total=aging_total, flagged=flagged, flagged_total=flagged_total,
        nominations=nominations, nominations_total=nominations_total, missing_debriefs=missing,
        missing_total=missing_total, at_limit=tuple(at_limit[at_limit_from:at_limit_from + limit]),
        at_limit_total=len(at_limit),
        starts={"aging": aging_from, "flagged": flagged_from, "nominations": nominations_from,
                "missing": missing_from, "at_limit": at_limit_from},
        unmatched_queries=queries, unmatched_total=unmatched_total, channel_asks=asks, recent_days=RECENT_DAYS,
        quarter=leaderboard.quarter_name(now=now, tz=tz), kpis=kpis,
        leaderboard_channel=leaderboard.channel_mention(channel) if channel else None,
    )


# ------------------------------------------------------------------ the whole tab


def build_home(*, session: Session, user_id: str, is_admin: bool, now: dt.datetime, tz: dt.tzinfo,
               default_channel: str | None = None, reader_tz: str | None = None,
               pages: Pages | None = None) -> HomeData:
    """Everything the Home tab shows `user_id`: the seller part always, the others when they apply. `tz` is
    the program's (quarters, the rolling window); "today" (yesterday, 3 days ago) is the reader's."""
    return HomeData(
        user_id=user_id,
        now=now,
        today=now.astimezone(zone(reader_tz, tz)).date(),
        seller=seller_home(session=session, user_id=user_id, now=now, tz=tz, pages=pages),
        owner=owner_home(session=session, user_id=user_id, now=now, tz=tz, pages=pages),
        admin=admin_home(session=session, now=now, tz=tz, default_channel=default_channel, pages=pages)
        if is_admin else None,
        extra={"growth": growth_home(session=session, user_id=user_id, is_admin=is_admin, now=now, tz=tz)},
    )
