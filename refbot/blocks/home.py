"""The App Home tab: a section per role the reader has (seller, account owner, program manager). Pure.

Every list is capped and says "and N more", and `home_view` never returns more than Slack's 100 blocks,
however many requests a heavy user has. Customer contacts appear by name and company only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from refbot.blocks import growth as growth_blocks
from refbot.blocks import kit
from refbot.blocks.format import date_text, escape, money, plural, relative_days, slack_datetime, truncate
from refbot.blocks.leaderboard import ProgramTotals
from refbot.domain import ActivityType, RequestStatus

# Slack ids (CONTRACTS.md)
HOME_CALLBACK = "refbot_home"
SEARCH_ACTION = "home_search"
REQUEST_ACTION = "home_request"
NOMINATE_ACTION = "home_nominate"
# Buttons owned by other surfaces, reused here (their handlers accept a click from any container).
DEBRIEF_ACTION = "debrief_happened"
APPROVE_ACTION = "request_approve"
DECLINE_ACTION = "request_decline"
NOMINATION_ACCEPT_ACTION = "nomination_accept"
NOMINATION_REJECT_ACTION = "nomination_reject"

MAX_BLOCKS = 100
LINE = 280  # characters per list line


@dataclass(frozen=True)
class RequestLine:
    id: int
    status: RequestStatus
    requester_id: str
    owner_id: str | None
    contact_name: str
    account_name: str
    prospect: str
    activity: ActivityType
    needed_by: dt.date
    created_at: dt.datetime
    scheduled_at: dt.datetime | None = None
    call_at: dt.datetime | None = None  # when the call took (or was to take) place


@dataclass(frozen=True)
class ActivityLine:
    contact_name: str
    account_name: str
    activity: ActivityType
    day: dt.date
    prospect: str = ""


@dataclass(frozen=True)
class NominationLine:
    id: int
    nominator_id: str
    contact_name: str
    contact_title: str
    account_name: str
    account_is_new: bool
    created_at: dt.datetime


@dataclass(frozen=True)
class LimitLine:
    contact_name: str
    account_name: str
    uses: int
    limit: int


@dataclass(frozen=True)
class SellerHome:
    open_requests: tuple[RequestLine, ...] = ()
    open_total: int = 0
    debriefs: tuple[RequestLine, ...] = ()
    debriefs_total: int = 0
    points: int = 0
    rank: int | None = None
    ranked: int = 0
    quarter: str = ""


@dataclass(frozen=True)
class OwnerHome:
    accounts: int = 0
    approvals: tuple[RequestLine, ...] = ()
    approvals_total: int = 0
    recent: tuple[ActivityLine, ...] = ()
    recent_total: int = 0
    upcoming: tuple[RequestLine, ...] = ()
    upcoming_total: int = 0


@dataclass(frozen=True)
class AdminHome:
    aging_hours: int
    aging: tuple[RequestLine, ...] = ()
    aging_total: int = 0
    nominations: tuple[NominationLine, ...] = ()
    nominations_total: int = 0
    missing_debriefs: tuple[RequestLine, ...] = ()
    missing_total: int = 0
    at_limit: tuple[LimitLine, ...] = ()
    at_limit_total: int = 0
    unmatched_queries: tuple[str, ...] = ()
    unmatched_total: int = 0
    channel_asks: int = 0
    recent_days: int = 30
    quarter: str = ""
    kpis: ProgramTotals = ProgramTotals()
    leaderboard_channel: str | None = None


@dataclass(frozen=True)
class HomeData:
    user_id: str
    now: dt.datetime
    today: dt.date
    seller: SellerHome
    owner: OwnerHome | None = None
    admin: AdminHome | None = None
    growth: growth_blocks.GrowthHome | None = None  # wishes, gaps, contests, targets (refbot.blocks.growth)


# ------------------------------------------------------------------ helpers


def _lines(items: list[str], total: int = 0) -> str:
    """One line per item; "…and N more" when `total` counts more than are shown."""
    extra = total - len(items)
    return "\n".join(truncate(i, LINE) for i in items) + (f"\n…and {extra:,} more" if extra > 0 else "")


def _more(shown: int, total: int, where: str = "") -> dict[str, Any] | None:
    extra = total - shown
    if extra <= 0:
        return None
    return kit.context(f"…and {extra:,} more{where}")


def who(line: RequestLine) -> str:
    return f"{escape(line.contact_name)} ({escape(line.account_name)})"


def _age(since: dt.datetime, now: dt.datetime) -> str:
    hours = int((now - since).total_seconds() // 3600)
    if hours < 48:
        return plural(max(hours, 0), "hour")
    return plural(hours // 24, "day")


def next_step(line: RequestLine, now: dt.datetime, reader_tz: str | None) -> str:
    s = line.status
    if s is RequestStatus.pending_approval:
        return f"waiting for <@{line.owner_id}>" if line.owner_id else "waiting for a program manager"
    if s is RequestStatus.approved:
        return "approved: set up the call, then *Mark scheduled* (`/reference my`)"
    if s is RequestStatus.scheduled and line.scheduled_at is not None:
        if line.scheduled_at > now:
            return f"call {slack_datetime(line.scheduled_at, reader_tz)}"
        return "call done? File your debrief"
    if s is RequestStatus.completed:
        return "file your debrief"
    return s.label.lower()


# ------------------------------------------------------------------ sections


def _top(home: HomeData) -> list[dict[str, Any]]:
    seller = home.seller
    if seller.rank is not None:
        standing = (f"*{plural(seller.points, 'point')}* this quarter ({seller.quarter}) · "
                    f"rank {seller.rank} of {seller.ranked}")
    else:
        standing = (f"No points yet this quarter ({seller.quarter}). Debrief your calls and nominate happy "
                    "customers to get on the leaderboard.")
    return [
        kit.header("Your reference program"),
        kit.section(standing),
        kit.actions(
            kit.button("Find a reference", SEARCH_ACTION, style="primary"),
            kit.button("Request a reference", REQUEST_ACTION),
            kit.button("Nominate a customer", NOMINATE_ACTION),
            block_id="home_buttons"),
    ]


def _seller(home: HomeData, reader_tz: str | None, *, max_open: int, max_debriefs: int) -> list[dict[str, Any]]:
    seller = home.seller
    blocks: list[dict[str, Any]] = [kit.divider(), kit.header(f"Your open requests ({seller.open_total:,})")]
    if not seller.open_requests:
        blocks.append(kit.section("No open requests. *Find a reference* to ask for the right customer for your deal."))
    else:
        items = [
            f"*#{r.id}* {who(r)} for {escape(r.prospect)} · {r.status.label} — {next_step(r, home.now, reader_tz)}"
            f" · needed by {date_text(r.needed_by)}"
            for r in seller.open_requests[:max_open]
        ]
        blocks.append(kit.section(_lines(items)))
        more = _more(min(len(seller.open_requests), max_open), seller.open_total, ": `/reference my` lists them all")
        if more:
            blocks.append(more)
    if seller.debriefs_total:
        blocks.append(kit.header(f"Debriefs waiting ({seller.debriefs_total:,})"))
        for r in seller.debriefs[:max_debriefs]:
            when = slack_datetime(r.call_at, reader_tz) if r.call_at else "recently"
            blocks.append(kit.section(
                truncate(f"*#{r.id}* {r.activity.label} with {who(r)} for {escape(r.prospect)} · {when}", LINE),
                accessory=kit.button("File debrief", DEBRIEF_ACTION, str(r.id), style="primary"),
            ))
        more = _more(min(len(seller.debriefs), max_debriefs), seller.debriefs_total)
        if more:
            blocks.append(more)
    return blocks


def _owner(home: HomeData, reader_tz: str | None, *, max_approvals: int, max_activity: int) -> list[dict[str, Any]]:
    owner = home.owner
    assert owner is not None
    blocks: list[dict[str, Any]] = [kit.divider(),
                                    kit.header(f"Approvals waiting for you ({owner.approvals_total:,})")]
    if not owner.approvals:
        blocks.append(kit.section("Nothing to approve. Requests for your accounts arrive in a DM."))
    for r in owner.approvals[:max_approvals]:
        blocks.append(kit.section(truncate(
            f"*#{r.id}* <@{r.requester_id}> asks for {who(r)} · {r.activity.label} for {escape(r.prospect)}"
            f" · needed by {date_text(r.needed_by)} · waiting {_age(r.created_at, home.now)}", LINE)))
        blocks.append(kit.actions(
            kit.button("Approve", APPROVE_ACTION, str(r.id), style="primary"),
            kit.button("Decline", DECLINE_ACTION, str(r.id)),
            block_id=f"home_approval_{r.id}"))
    more = _more(min(len(owner.approvals), max_approvals), owner.approvals_total, ": see your DMs")
    if more:
        blocks.append(more)
    blocks.append(kit.header(f"Your accounts ({owner.accounts:,})"))
    if owner.upcoming:
        items = []
        for r in owner.upcoming[:max_activity]:
            when = (slack_datetime(r.scheduled_at, reader_tz) if r.scheduled_at
                    else f"approved, needed by {date_text(r.needed_by)}")
            items.append(f"• {when} · {who(r)} · {r.activity.label} for {escape(r.prospect)} · <@{r.requester_id}>")
        blocks.append(kit.section("*Coming up*\n" + _lines(items, owner.upcoming_total)))
    if owner.recent:
        items = [
            f"• {relative_days(a.day, home.today)} · {escape(a.contact_name)} ({escape(a.account_name)}) · "
            f"{a.activity.label}" + (f" for {escape(a.prospect)}" if a.prospect else "")
            for a in owner.recent[:max_activity]
        ]
        blocks.append(kit.section("*Recently*\n" + _lines(items, owner.recent_total)))
    if not owner.upcoming and not owner.recent:
        blocks.append(kit.section("No recent or upcoming reference activity with your accounts."))
    return blocks


def _kpis(admin: AdminHome) -> dict[str, Any]:
    k = admin.kpis
    won = plural(k.deals_won, "deal") + (f" · {money(k.influenced)}" if k.influenced else "")
    fields = [
        f"*Requests*\n{k.requests:,}",
        f"*Approvals*\n{k.approvals:,}",
        f"*Calls*\n{k.calls:,}",
        f"*Debriefs*\n{k.debriefs:,}",
        f"*New references*\n{k.nominations:,}",
        f"*Won with references*\n{won}",
    ]
    return kit.section(fields=fields)


def _admin(home: HomeData, reader_tz: str | None, *, max_items: int, max_nominations: int) -> list[dict[str, Any]]:
    admin = home.admin
    assert admin is not None
    blocks: list[dict[str, Any]] = [kit.divider(), kit.header("Program manager")]

    def listing(title: str, total: int, items: list[str], empty: str) -> dict[str, Any]:
        if not items:
            return kit.section(f"*{title}*\n{empty}")
        return kit.section(f"*{title} ({total:,})*\n" + _lines(items, total))

    blocks.append(listing(
        f"Approvals waiting over {plural(admin.aging_hours, 'hour')}", admin.aging_total,
        [f"• *#{r.id}* {who(r)} for <@{r.requester_id}> · "
         + (f"owner <@{r.owner_id}>" if r.owner_id else "no owner") + f" · {_age(r.created_at, home.now)}"
         for r in admin.aging[:max_items]],
        "None. Approvals are on time."))

    blocks.append(kit.section(f"*Nominations to review ({admin.nominations_total:,})*" if admin.nominations_total
                           else "*Nominations to review*\nNone waiting."))
    for n in admin.nominations[:max_nominations]:
        title = f", {escape(n.contact_title)}" if n.contact_title else ""
        new = " _(new customer)_" if n.account_is_new else ""
        blocks.append(kit.section(truncate(
            f"{escape(n.contact_name)}{title} · {escape(n.account_name)}{new} · from <@{n.nominator_id}> · "
            f"{relative_days(n.created_at.date(), home.today)}", LINE)))
        blocks.append(kit.actions(
            kit.button("Accept", NOMINATION_ACCEPT_ACTION, str(n.id), style="primary"),
            kit.button("Reject", NOMINATION_REJECT_ACTION, str(n.id), style="danger"),
            block_id=f"home_nomination_{n.id}"))
    more = _more(min(len(admin.nominations), max_nominations), admin.nominations_total, ": see your DMs")
    if more:
        blocks.append(more)

    blocks.append(listing(
        "Missing debriefs", admin.missing_total,
        [f"• *#{r.id}* <@{r.requester_id}> · {who(r)} · call "
         + (relative_days(r.call_at.date(), home.today) if r.call_at else "date unknown")
         for r in admin.missing_debriefs[:max_items]],
        "None. Every call so far is debriefed."))
    blocks.append(listing(
        "Contacts at their limit", admin.at_limit_total,
        [f"• {escape(c.contact_name)} ({escape(c.account_name)}) · {c.uses} of {c.limit}"
         for c in admin.at_limit[:max_items]],
        "None. Every contact can take another request."))
    blocks.append(listing(
        f"Unmatched searches, last {admin.recent_days} days", admin.unmatched_total,
        [f"• “{escape(truncate(q, 120))}”" for q in admin.unmatched_queries[:max_items]],
        "None. Every search found a good match."))
    if admin.unmatched_total and not admin.unmatched_queries:
        blocks[-1] = kit.section(f"*Unmatched searches, last {admin.recent_days} days:* {admin.unmatched_total:,}")
    asks = plural(admin.channel_asks, "reference ask")
    blocks.append(kit.section(f"*Black-market asks:* {asks} seen in channels in the last {admin.recent_days} days"))
    blocks.append(kit.section(f"*This quarter ({admin.quarter})*"))
    blocks.append(_kpis(admin))
    where = (f"The weekly leaderboard goes to {admin.leaderboard_channel}."
             if admin.leaderboard_channel else
             "No leaderboard channel yet: `/reference leaderboard channel #sales`.")
    blocks.append(kit.context(f"{where} Full report: `/reference stats`."))
    return blocks


def home_view(home: HomeData, *, reader_tz: str | None = None, max_items: int = 5,
              max_open: int = 8) -> dict[str, Any]:
    """The Home tab for `home.user_id`. Always within Slack's 100 blocks."""
    blocks = growth_blocks.welcome_blocks(home.growth) + _top(home)
    blocks += _seller(home, reader_tz, max_open=max_open, max_debriefs=max_items)
    blocks += growth_blocks.seller_blocks(home.growth)
    if home.owner is not None:
        blocks += _owner(home, reader_tz, max_approvals=max_items, max_activity=max_items)
    if home.admin is not None:
        blocks += _admin(home, reader_tz, max_items=max_items, max_nominations=max_items)
        blocks += growth_blocks.admin_blocks(home.growth)
    blocks.append(kit.context("Updated " + slack_datetime(home.now, reader_tz) + " · `/reference help` for everything "
                           "RefBot does"))
    return kit.home_tab(cap_blocks(blocks), callback_id=HOME_CALLBACK)


def cap_blocks(blocks: list[dict[str, Any]], limit: int = MAX_BLOCKS) -> list[dict[str, Any]]:
    """Slack refuses a Home tab over 100 blocks: keep the first ones and say what was left out."""
    if len(blocks) <= limit:
        return blocks
    kept = blocks[: limit - 1]
    kept.append(kit.context(f"{len(blocks) - len(kept):,} more items are not shown here."))
    return kept
