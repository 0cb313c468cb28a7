"""The leaderboard: who nominated, who debriefed, which customers helped, which deals references won, and
the program's totals over a period. Also the weekly slot arithmetic of the `leaderboard` job.

Periods are [since, until) in UTC; dated facts (activities) count when their date falls in
[since's local date, until's local date) in the program's timezone, so consecutive boards never count a day
twice.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session

from refbot.blocks.format import date_text
from refbot.blocks.leaderboard import Advocate, Board, Leader, ProgramTotals, WonDeal
from refbot.domain import HELPED_STATUSES, ActivityType, NominationStatus, OpportunityOutcome
from refbot.domain import RequestStatus as S
from refbot.errors import ValidationFailed
from refbot.models import (
    Account,
    Activity,
    Contact,
    Debrief,
    Nomination,
    Opportunity,
    ReferenceRequest,
    RequestEvent,
)
from refbot.services.policy import load_policy, update_policy

# A request "helped" a deal once its reference call took place (same rule as the outcome loop).
TOP = 5
TOP_ADVOCATES = 8
TOP_DEALS = 5
USAGE = "/reference leaderboard [week|month|quarter]"


class Period(StrEnum):
    week = "week"
    month = "month"
    quarter = "quarter"


_ALIASES = {"w": "week", "weekly": "week", "7d": "week", "m": "month", "monthly": "month", "q": "quarter",
            "quarterly": "quarter", "qtd": "quarter", "mtd": "month"}


def parse_period(text: str) -> Period:
    word = " ".join((text or "").lower().split()).removeprefix("this ").removeprefix("last ")
    if not word:
        return Period.week
    try:
        return Period(_ALIASES.get(word, word))
    except ValueError:
        raise ValidationFailed(f"I can show the leaderboard for a week, month or quarter. Usage: `{USAGE}`") from None


def _midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz).astimezone(dt.UTC)


def quarter_start(*, now: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """Midnight (program timezone) on the first day of the current calendar quarter, in UTC."""
    today = now.astimezone(tz).date()
    return _midnight(dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1), tz)


def quarter_name(*, now: dt.datetime, tz: dt.tzinfo) -> str:
    today = now.astimezone(tz).date()
    return f"Q{(today.month - 1) // 3 + 1} {today.year}"


def period_window(period: Period, *, now: dt.datetime, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime, str]:
    """(since, until, title) for an on-demand board: whole local days up to and including today."""
    today = now.astimezone(tz).date()
    until = _midnight(today + dt.timedelta(days=1), tz)
    if period is Period.week:
        return _midnight(today - dt.timedelta(days=6), tz), until, "Last 7 days"
    if period is Period.month:
        return _midnight(today.replace(day=1), tz), until, f"{today:%B %Y}"
    return quarter_start(now=now, tz=tz), until, quarter_name(now=now, tz=tz)


def span_text(since: dt.datetime, until: dt.datetime, tz: dt.tzinfo) -> str:
    """'16–22 Nov 2026': the local days whose dated facts count ([since's date, until's date))."""
    first, end = _days(since, until, tz)
    last = max(first, end - dt.timedelta(days=1))
    if first == last:
        return date_text(first)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {last:%b %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"


# ------------------------------------------------------------------ the weekly slot


def latest_slot(*, now: dt.datetime, tz: dt.tzinfo, weekday: int, time: str) -> dt.datetime:
    """The most recent weekly slot (weekday 0 = Monday, "HH:MM" in `tz`) at or before `now`, in UTC."""
    hour, _, minute = time.partition(":")
    local = now.astimezone(tz)
    day = local.date() - dt.timedelta(days=local.weekday()) + dt.timedelta(days=weekday)
    slot = dt.datetime.combine(day, dt.time(int(hour), int(minute or 0)), tzinfo=tz)
    if slot > local:
        slot = dt.datetime.combine(day - dt.timedelta(days=7), slot.timetz())
    return slot.astimezone(dt.UTC)


def week_key(slot: dt.datetime, tz: dt.tzinfo) -> str:
    """'2026-W48': the ISO week of the slot's local date (one weekly post per key)."""
    year, week, _ = slot.astimezone(tz).date().isocalendar()
    return f"{year}-W{week:02d}"


def weekly_board(*, session: Session, slot: dt.datetime, tz: dt.tzinfo) -> Board:
    """The weekly post's board: the 7 days ending at the slot."""
    since = slot - dt.timedelta(days=7)
    first = since.astimezone(tz).date()
    return build_board(session=session, since=since, until=slot, tz=tz, title=f"Week of {date_text(first)}")


# ------------------------------------------------------------------ the board


def _days(since: dt.datetime, until: dt.datetime, tz: dt.tzinfo) -> tuple[dt.date, dt.date]:
    return since.astimezone(tz).date(), until.astimezone(tz).date()


def top_nominators(*, session: Session, since: dt.datetime, until: dt.datetime, limit: int = TOP) -> list[Leader]:
    """Nominators ranked by nominations accepted in the period (merged duplicates never count)."""
    n = sa.func.count(Nomination.id).label("n")
    rows = session.execute(
        sa.select(Nomination.nominator_id, n)
        .where(Nomination.status == NominationStatus.accepted, Nomination.reviewed_at >= since,
               Nomination.reviewed_at < until)
        .group_by(Nomination.nominator_id)
        .order_by(n.desc(), Nomination.nominator_id)
        .limit(limit)
    ).all()
    return [Leader(uid, int(count)) for uid, count in rows]


def top_debriefers(*, session: Session, since: dt.datetime, until: dt.datetime, limit: int = TOP) -> list[Leader]:
    """Sellers ranked by debriefs filed in the period (then by how many were on time)."""
    n = sa.func.count(Debrief.id).label("n")
    on_time = sa.func.sum(sa.case((Debrief.on_time.is_(True), 1), else_=0)).label("on_time")
    rows = session.execute(
        sa.select(Debrief.filed_by, n, on_time)
        .where(Debrief.filed_at >= since, Debrief.filed_at < until)
        .group_by(Debrief.filed_by)
        .order_by(n.desc(), on_time.desc(), Debrief.filed_by)
        .limit(limit)
    ).all()
    return [Leader(uid, int(count), int(ok or 0)) for uid, count, ok in rows]


def helpful_advocates(
    *, session: Session, since: dt.datetime, until: dt.datetime, tz: dt.tzinfo, limit: int = TOP_ADVOCATES
) -> tuple[list[Advocate], int]:
    """(customer contacts with activities in the period, most first; how many more there were)."""
    first, end = _days(since, until, tz)
    in_period = (Activity.occurred_on >= first, Activity.occurred_on < end)
    uses = sa.func.count(Activity.id).label("uses")
    rows = session.execute(
        sa.select(Contact.name, Account.name, uses)
        .join(Activity, Activity.contact_id == Contact.id)
        .join(Account, Account.id == Contact.account_id)
        .where(*in_period)
        .group_by(Contact.id, Contact.name, Account.name)
        .order_by(uses.desc(), Contact.name, Contact.id)
        .limit(limit)
    ).all()
    total = session.scalar(sa.select(sa.func.count(sa.distinct(Activity.contact_id))).where(*in_period)) or 0
    return [Advocate(name, account, int(n)) for name, account, n in rows], max(0, int(total) - len(rows))


def deals_won(
    *, session: Session, since: dt.datetime, until: dt.datetime, limit: int = TOP_DEALS
) -> tuple[list[WonDeal], int, int]:
    """(deals won in the period whose reference call took place, biggest first; how many more; their total amount)."""
    helped = sa.select(ReferenceRequest.opportunity_id).where(ReferenceRequest.status.in_(list(HELPED_STATUSES)))
    opps = list(session.scalars(
        sa.select(Opportunity)
        .where(Opportunity.id.in_(helped), Opportunity.outcome == OpportunityOutcome.won,
               Opportunity.outcome_at >= since, Opportunity.outcome_at < until)
        .order_by(sa.func.coalesce(Opportunity.amount, 0).desc(), Opportunity.outcome_at, Opportunity.id)
    ))
    shown = opps[:limit]
    refs: dict[int, list[str]] = {}
    sellers: dict[int, str] = {}
    if shown:
        for opp_id, requester, account in session.execute(
            sa.select(ReferenceRequest.opportunity_id, ReferenceRequest.requester_id, Account.name)
            .join(Account, Account.id == ReferenceRequest.account_id)
            .where(ReferenceRequest.opportunity_id.in_([o.id for o in shown]),
                   ReferenceRequest.status.in_(list(HELPED_STATUSES)))
            .order_by(ReferenceRequest.id)
        ):
            sellers.setdefault(opp_id, requester)
            if account not in refs.setdefault(opp_id, []):
                refs[opp_id].append(account)
    deals = [
        WonDeal(o.prospect_company, o.amount, o.owner_id or sellers.get(o.id), tuple(refs.get(o.id, [])))
        for o in shown
    ]
    return deals, len(opps) - len(shown), sum(o.amount or 0 for o in opps)


def program_totals(*, session: Session, since: dt.datetime, until: dt.datetime, tz: dt.tzinfo) -> ProgramTotals:
    first, end = _days(since, until, tz)

    def count(column: sa.ColumnElement[int] | InstrumentedAttribute[int], *where: sa.ColumnElement[bool]) -> int:
        return int(session.scalar(sa.select(sa.func.count(column)).where(*where)) or 0)

    _, more, influenced = deals_won(session=session, since=since, until=until, limit=0)
    return ProgramTotals(
        requests=count(ReferenceRequest.id, ReferenceRequest.created_at >= since, ReferenceRequest.created_at < until),
        approvals=count(RequestEvent.id, RequestEvent.to_status == S.approved,
                        RequestEvent.from_status == S.pending_approval, RequestEvent.created_at >= since,
                        RequestEvent.created_at < until),
        calls=count(Activity.id, Activity.type == ActivityType.call, Activity.occurred_on >= first,
                    Activity.occurred_on < end),
        debriefs=count(Debrief.id, Debrief.filed_at >= since, Debrief.filed_at < until),
        nominations=count(Nomination.id, Nomination.status == NominationStatus.accepted,
                          Nomination.reviewed_at >= since, Nomination.reviewed_at < until),
        deals_won=more,
        influenced=influenced,
    )


def build_board(
    *, session: Session, since: dt.datetime, until: dt.datetime, tz: dt.tzinfo, title: str, top: int = TOP
) -> Board:
    advocates, more_advocates = helpful_advocates(session=session, since=since, until=until, tz=tz)
    deals, more_deals, _ = deals_won(session=session, since=since, until=until)
    return Board(
        title=title,
        span=span_text(since, until, tz),
        nominators=tuple(top_nominators(session=session, since=since, until=until, limit=top)),
        debriefers=tuple(top_debriefers(session=session, since=since, until=until, limit=top)),
        advocates=tuple(advocates),
        more_advocates=more_advocates,
        deals=tuple(deals),
        more_deals=more_deals,
        totals=program_totals(session=session, since=since, until=until, tz=tz),
        stories=tuple(_stories(session, since, until)),
    )


def _stories(session: Session, since: dt.datetime, until: dt.datetime) -> list[dict[str, str]]:
    from refbot.services import stories  # stories -> outcomes -> ... never imports the leaderboard back

    return stories.approved(session=session, since=since, until=until, limit=2)


def board_for(*, session: Session, period: Period, now: dt.datetime, tz: dt.tzinfo) -> Board:
    since, until, title = period_window(period, now=now, tz=tz)
    return build_board(session=session, since=since, until=until, tz=tz, title=title)


# ------------------------------------------------------------------ where the weekly post goes


_CHANNEL_MENTION = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{6,}$")
_CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9._\-]{0,79}$")


def parse_channel(text: str) -> str:
    """'<#C0SALES|sales>' or 'C0SALES' -> 'C0SALES'; '#sales' or 'sales' -> '#sales'."""
    raw = (text or "").strip()
    mention = _CHANNEL_MENTION.match(raw)
    if mention:
        return mention.group(1)
    if _CHANNEL_ID.match(raw):
        return raw
    name = raw.removeprefix("#").lower()
    if _CHANNEL_NAME.match(name):
        return f"#{name}"
    raise ValidationFailed("Name the channel like `#sales`. Usage: `/reference leaderboard channel #sales`")


def channel_mention(channel: str | None) -> str:
    if not channel:
        return "no channel"
    return channel if channel.startswith("#") else f"<#{channel}>"


def weekly_channel(*, session: Session, default: str | None) -> str | None:
    """Where the weekly post goes: the channel a program manager set in Slack, else REFBOT_LEADERBOARD_CHANNEL."""
    return load_policy(session=session).leaderboard_channel or default


def set_weekly_channel(*, session: Session, channel: str, actor_id: str) -> str:
    update_policy(session=session, changes={"leaderboard_channel": channel}, updated_by=actor_id)
    return channel
