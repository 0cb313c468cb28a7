"""The App Home tab: a section per role the reader has (seller, account owner, program manager). Pure.

The tab is `SECTIONS`, a list of section builders (HomeData, Render) -> blocks, in reading order: a new
section slots in by inserting its builder. A program manager sees the program's queues first, then their own
points and requests. Every list shows a page and, when it is cut, says how much is left with Next / Previous
buttons that republish the tab at that page (they work where the reader is). `home_view` never returns more
than Slack's 100 blocks, however many requests a heavy user has. Customer contacts appear by name and
company only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from refbot.blocks import growth as growth_blocks
from refbot.blocks import kit
from refbot.blocks import requests as request_blocks
from refbot.blocks.format import (
    date_text,
    escape,
    local_datetime,
    money,
    plural,
    relative_days,
    slack_datetime,
    truncate,
    uses_text,
)
from refbot.blocks.leaderboard import ProgramTotals
from refbot.domain import ActivityType, RequestStatus

# Slack ids (CONTRACTS.md)
HOME_CALLBACK = "refbot_home"
SEARCH_ACTION = "home_search"
REQUEST_ACTION = "home_request"
NOMINATE_ACTION = "home_nominate"
# Buttons owned by other surfaces, reused here (their handlers accept a click from any container).
DEBRIEF_ACTION = "debrief_happened"
APPROVE_ACTION = request_blocks.APPROVE_ACTION
DECLINE_ACTION = request_blocks.DECLINE_ACTION
NOMINATION_ACCEPT_ACTION = "nomination_accept"
NOMINATION_REJECT_ACTION = "nomination_reject"
SUGGEST_ACTION = request_blocks.SUGGEST_ACTION
MARK_SCHEDULED_ACTION = request_blocks.MARK_SCHEDULED_ACTION
OPEN_REQUEST_ACTION = request_blocks.OPEN_ACTION  # the request's details in a modal (refbot.handlers.home)
PAGE_ACTION = "home_page"  # value "<list>:<first item>": republish the tab at that page of that list
PAGE_BACK_ACTION = "home_page_back"  # the same, backwards (action ids are unique within a block)
REPORT_ACTION = "home_report"  # the program report in a modal
# The lists a reader can page through (PAGE_ACTION values).
LISTS = ("open", "debriefs", "approvals", "upcoming", "recent", "aging", "flagged", "nominations", "missing",
         "at_limit")

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
    flagged: bool = False  # the contact was resting or busy when asked
    justification: str = ""  # the seller's "why this contact" for a flagged request
    urgent: bool = False
    can_suggest: bool = False  # the account has another active contact to suggest instead
    awaiting_seller: bool = False  # an owner's suggestion the seller has not taken (or passed on) yet


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
    starts: Mapping[str, int] = field(default_factory=dict)  # list name (LISTS) -> the first item shown
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
    starts: Mapping[str, int] = field(default_factory=dict)


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
    escalate_hours: int = 48
    flagged: tuple[RequestLine, ...] = ()  # pending requests for a resting or busy contact
    flagged_total: int = 0
    starts: Mapping[str, int] = field(default_factory=dict)
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
    # What sections added by other features read (keyed by their name), so adding one changes no field here.
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Render:
    """How the tab is drawn: the reader's timezone and the page sizes."""

    reader_tz: str | None = None
    max_items: int = 5  # rows per page of a list with buttons
    max_open: int = 8  # rows per page of the reader's own open requests


Section = Callable[[HomeData, Render], list[dict[str, Any]]]


# ------------------------------------------------------------------ helpers


def _lines(items: list[str]) -> str:
    return "\n".join(truncate(i, LINE) for i in items)


def pager(name: str, starts: Mapping[str, int], shown: int, total: int, noun: str) -> list[dict[str, Any]]:
    """Under a cut list: "Showing 6–10 of 84 approvals" and the buttons to the next and previous pages;
    `starts` says where each list's page begins (the first page when it has no entry)."""
    start = starts.get(name, 0)
    if total <= shown and start == 0:
        return []
    end = start + shown
    buttons = []
    if start > 0:
        buttons.append(kit.button("‹ Previous", PAGE_BACK_ACTION, f"{name}:{max(start - shown, 0) if shown else 0}"))
    if end < total:
        step = min(shown, total - end)
        buttons.append(kit.button(f"Next {step:,} ›", PAGE_ACTION, f"{name}:{end}"))
    out: list[dict[str, Any]] = [kit.context(f"Showing {start + 1:,}–{end:,} of {plural(total, noun)}")]
    if buttons:
        out.append(kit.actions(*buttons, block_id=f"home_page_{name}"))
    return out


def who(line: RequestLine) -> str:
    return f"{escape(line.contact_name)} ({escape(line.account_name)})"


def _age(since: dt.datetime, now: dt.datetime) -> str:
    hours = int((now - since).total_seconds() // 3600)
    if hours < 1:
        return "under an hour"
    if hours < 48:
        return plural(hours, "hour")
    return plural(hours // 24, "day")


def _person(user_id: str, reader: str) -> str:
    return "you" if user_id == reader else f"<@{user_id}>"


def next_step(line: RequestLine, now: dt.datetime, reader_tz: str | None) -> str:
    s = line.status
    if line.awaiting_seller:
        return "take them or pass (see my DM)"
    if s is RequestStatus.pending_approval:
        return f"waiting for <@{line.owner_id}>" if line.owner_id else "waiting for a program manager"
    if s is RequestStatus.approved:
        return "set up the call with the contact, then *Mark scheduled*"
    if s is RequestStatus.scheduled and line.scheduled_at is not None:
        if line.scheduled_at > now:
            return f"call {slack_datetime(line.scheduled_at, reader_tz)}"
        return "call done? File your debrief"
    if s is RequestStatus.completed:
        return "file your debrief"
    return s.label.lower()


def _flag_note(r: RequestLine) -> str:
    """Why a flagged request needs a closer look, for whoever decides it."""
    if not r.flagged:
        return ""
    why = f" Why this contact: “{escape(truncate(r.justification, 200))}”" if r.justification else ""
    return f"\n:warning: {escape(r.contact_name.split(' ')[0])} is resting or busy.{why}"


def _decide_buttons(r: RequestLine, block_id: str, *, open_button: bool = False) -> dict[str, Any]:
    buttons = []
    if open_button:
        buttons.append(kit.button("Open", OPEN_REQUEST_ACTION, str(r.id)))
    buttons += [kit.button("Approve", APPROVE_ACTION, str(r.id), style="primary"),
                kit.button("Decline", DECLINE_ACTION, str(r.id))]
    if r.can_suggest:
        buttons.append(kit.button("Suggest another contact", SUGGEST_ACTION, str(r.id)))
    return kit.actions(*buttons, block_id=block_id)


# ------------------------------------------------------------------ sections


def top(home: HomeData, r: Render) -> list[dict[str, Any]]:
    """The title, the three things anyone can do, and why the reader sees what follows."""
    roles = []
    if home.admin is not None:
        roles.append("you run the reference program: its queues come first")
    if home.owner is not None and home.owner.accounts:
        roles.append(f"you own {plural(home.owner.accounts, 'reference account')}: their requests wait for you")
    blocks = [kit.header("Your reference program")]
    if home.admin is None:
        blocks.append(kit.section(_standing(home.seller)))
    blocks.append(kit.actions(
        kit.button("Find a reference", SEARCH_ACTION, style="primary"),
        kit.button("Request a reference", REQUEST_ACTION),
        kit.button("Nominate a customer", NOMINATE_ACTION),
        block_id="home_buttons"))
    if roles:
        blocks.append(kit.context("You see more here because " + "; ".join(roles) + "."))
    else:
        blocks.append(kit.context("Your reference requests, debriefs and points. Need a customer to talk to a "
                                  "prospect? *Find a reference*."))
    return blocks


def _standing(seller: SellerHome) -> str:
    if seller.rank is not None:
        return (f"*{plural(seller.points, 'point')}* this quarter ({seller.quarter}) · "
                f"rank {seller.rank} of {seller.ranked}")
    return (f"No points yet this quarter ({seller.quarter}). Debrief your calls and nominate happy "
            "customers to get on the leaderboard.")


def program_queues(home: HomeData, r: Render) -> list[dict[str, Any]]:
    """A program manager's queues: nominations, flagged requests, late approvals, missing debriefs."""
    admin = home.admin
    if admin is None:
        return []
    n = r.max_items
    blocks: list[dict[str, Any]] = [kit.divider(), kit.header("Program manager"),
                                    kit.context("What the program needs from you now, oldest first.")]

    blocks.append(kit.section(f"*Nominations to review ({admin.nominations_total:,})*" if admin.nominations_total
                              else "*Nominations to review*\nNone waiting. Sellers' nominations arrive here and "
                                   "in a DM."))
    for nom in admin.nominations[:n]:
        title = f", {escape(nom.contact_title)}" if nom.contact_title else ""
        new = " _(new customer)_" if nom.account_is_new else ""
        blocks.append(kit.section(truncate(
            f"{escape(nom.contact_name)}{title} · {escape(nom.account_name)}{new} · from <@{nom.nominator_id}> · "
            f"{relative_days(local_day(nom.created_at, r.reader_tz), home.today)}", LINE)))
        blocks.append(kit.actions(
            kit.button("Accept", NOMINATION_ACCEPT_ACTION, str(nom.id), style="primary"),
            kit.button("Reject", NOMINATION_REJECT_ACTION, str(nom.id), style="danger"),
            block_id=f"home_nomination_{nom.id}"))
    blocks += pager("nominations", admin.starts, len(admin.nominations[:n]), admin.nominations_total,
                    "nomination")

    if admin.flagged_total:
        blocks.append(kit.section(f"*Flagged requests ({admin.flagged_total:,})*\nRequests for a resting or busy "
                                  "contact: the account owner or you decide."))
    else:
        blocks.append(kit.section("*Flagged requests*\nNone. Requests for a resting or busy contact appear here."))
    for x in admin.flagged[:n]:
        owner = f"<@{x.owner_id}> decides, or you" if x.owner_id else "a program manager decides"
        asker = _person(x.requester_id, home.user_id)
        blocks.append(kit.section(truncate(
            f"*#{x.id}* {asker} asked for {who(x)} · {x.activity.label} for {escape(x.prospect)} · needed by "
            f"{date_text(x.needed_by)} · {owner} · waiting {_age(x.created_at, home.now)}", LINE)
            + _flag_note(x)))
        if x.requester_id == home.user_id:
            blocks.append(kit.context("You asked for it, so another program manager or the owner decides."))
        else:
            blocks.append(_decide_buttons(x, f"home_flagged_{x.id}", open_button=True))
    blocks += pager("flagged", admin.starts, len(admin.flagged[:n]), admin.flagged_total, "request")

    title = f"Approvals waiting over {plural(admin.aging_hours, 'hour')}"
    if not admin.aging:
        blocks.append(kit.section(f"*{title}*\nNone. Approvals are on time."))
    else:
        items = [f"• *#{x.id}* {who(x)} for {_person(x.requester_id, home.user_id)} · "
                 + (f"owner <@{x.owner_id}>" if x.owner_id else "no owner") + f" · waiting {_age(x.created_at, home.now)}"
                 for x in admin.aging[:n]]
        blocks.append(kit.section(f"*{title} ({admin.aging_total:,})*\n{_lines(items)}"))
        blocks.append(kit.context(f"The owner was reminded; after {plural(admin.escalate_hours, 'hour')} you get "
                                  "the request in a DM to decide."))
        blocks += pager("aging", admin.starts, len(admin.aging[:n]), admin.aging_total, "request")

    if not admin.missing_debriefs:
        blocks.append(kit.section("*Missing debriefs*\nNone. Every call so far is debriefed."))
    else:
        items = [f"• *#{x.id}* <@{x.requester_id}> · {who(x)} · call "
                 + (relative_days(local_day(x.call_at, r.reader_tz), home.today) if x.call_at else "date unknown")
                 for x in admin.missing_debriefs[:n]]
        blocks.append(kit.section(f"*Missing debriefs ({admin.missing_total:,})*\n{_lines(items)}"))
        blocks.append(kit.context("RefBot asks each seller by DM after the call and reminds them once."))
        blocks += pager("missing", admin.starts, len(admin.missing_debriefs[:n]), admin.missing_total,
                        "request")
    return blocks


def local_day(when: dt.datetime, reader_tz: str | None) -> dt.date:
    return local_datetime(when, reader_tz).date()


def seller(home: HomeData, r: Render) -> list[dict[str, Any]]:
    """The reader's own points (for a program manager: after the queues), open requests and debriefs."""
    s = home.seller
    blocks: list[dict[str, Any]] = [kit.divider()]
    if home.admin is not None:
        blocks += [kit.header("Your own points and requests"), kit.section(_standing(s))]
    blocks.append(kit.header(f"Your open requests ({s.open_total:,})"))
    if not s.open_requests:
        blocks.append(kit.section("No open requests. *Find a reference* to ask for the right customer for your deal."))
    else:
        for x in s.open_requests[:r.max_open]:
            status = "Suggested by the owner" if x.awaiting_seller else x.status.label
            text = truncate(f"*#{x.id}* {who(x)} for {escape(x.prospect)} · {status} — "
                            f"{next_step(x, home.now, r.reader_tz)} · needed by {date_text(x.needed_by)}", LINE)
            accessory = (kit.button("Mark scheduled", MARK_SCHEDULED_ACTION, str(x.id))
                         if x.status is RequestStatus.approved and not x.awaiting_seller else None)
            blocks.append(kit.section(text, accessory=accessory) if accessory else kit.section(text))
        blocks += pager("open", s.starts, len(s.open_requests[:r.max_open]), s.open_total, "open request")
    if s.debriefs_total:
        blocks.append(kit.header(f"Debriefs waiting ({s.debriefs_total:,})"))
        blocks.append(kit.context("Your call took place: a 1-minute debrief earns you points and helps the next seller."))
        shown = s.debriefs[:r.max_items]
        for x in shown:
            when = slack_datetime(x.call_at, r.reader_tz) if x.call_at else "recently"
            blocks.append(kit.section(
                truncate(f"*#{x.id}* {x.activity.label} with {who(x)} for {escape(x.prospect)} · {when}", LINE),
                accessory=kit.button("File debrief", DEBRIEF_ACTION, str(x.id), style="primary"),
            ))
        blocks += pager("debriefs", s.starts, len(shown), s.debriefs_total, "debrief")
    return blocks


def owner_approvals(home: HomeData, r: Render) -> list[dict[str, Any]]:
    """An account owner's approvals, with the resting flag and the seller's reason: before their own requests,
    since a seller is waiting for them."""
    o = home.owner
    if o is None:
        return []
    n = r.max_items
    blocks: list[dict[str, Any]] = [kit.divider(), kit.header(f"Approvals waiting for you ({o.approvals_total:,})")]
    if not o.approvals:
        blocks.append(kit.section("Nothing to approve. Requests for your accounts arrive in a DM and here."))
    else:
        blocks.append(kit.context("You own these accounts, so the seller waits for your answer. Approve shares "
                                  "the contact's details with them; Decline asks you why."))
    for x in o.approvals[:n]:
        urgent = " · :rotating_light: urgent" if x.urgent else ""
        blocks.append(kit.section(truncate(
            f"*#{x.id}* <@{x.requester_id}> asks for {who(x)} · {x.activity.label} for {escape(x.prospect)}"
            f" · needed by {date_text(x.needed_by)}{urgent} · waiting {_age(x.created_at, home.now)}", LINE)
            + _flag_note(x)))
        blocks.append(_decide_buttons(x, f"home_approval_{x.id}"))
    blocks += pager("approvals", o.starts, len(o.approvals[:n]), o.approvals_total, "approval")
    return blocks


def owner_accounts(home: HomeData, r: Render) -> list[dict[str, Any]]:
    """What is coming up and what happened recently with the owner's accounts."""
    o = home.owner
    if o is None:
        return []
    n = r.max_items
    blocks: list[dict[str, Any]] = [kit.divider(), kit.header(f"Your accounts ({o.accounts:,})")]
    if o.upcoming:
        items = []
        for x in o.upcoming[:n]:
            when = (slack_datetime(x.scheduled_at, r.reader_tz) if x.scheduled_at
                    else f"approved, needed by {date_text(x.needed_by)}")
            items.append(f"• {when} · {who(x)} · {x.activity.label} for {escape(x.prospect)} · <@{x.requester_id}>")
        blocks.append(kit.section("*Coming up*\n" + _lines(items)))
        blocks += pager("upcoming", o.starts, len(o.upcoming[:n]), o.upcoming_total, "call")
    if o.recent:
        items = [
            f"• {relative_days(a.day, home.today)} · {escape(a.contact_name)} ({escape(a.account_name)}) · "
            f"{a.activity.label}" + (f" for {escape(a.prospect)}" if a.prospect else "")
            for a in o.recent[:n]
        ]
        blocks.append(kit.section("*Recently*\n" + _lines(items)))
        blocks += pager("recent", o.starts, len(o.recent[:n]), o.recent_total, "activity")
    if not o.upcoming and not o.recent:
        blocks.append(kit.section("No recent or upcoming reference activity with your accounts."))
    return blocks


def _kpis(admin: AdminHome) -> dict[str, Any]:
    k = admin.kpis
    won = plural(k.deals_won, "deal") + (f" · {money(k.influenced)}" if k.influenced else "")
    fields = [
        f"*Requests*\n{k.requests:,}",
        f"*Approved*\n{k.approvals:,}",
        f"*Calls*\n{k.calls:,}",
        f"*Debriefs*\n{k.debriefs:,}",
        f"*New references*\n{k.nominations:,}",
        f"*Won with references*\n{won}",
    ]
    return kit.section(fields=fields)


def program_health(home: HomeData, r: Render) -> list[dict[str, Any]]:
    """For a program manager, after their own part: fatigue, demand signals, the quarter's figures."""
    admin = home.admin
    if admin is None:
        return []
    n = r.max_items
    blocks: list[dict[str, Any]] = [kit.divider(), kit.header("How the program is doing")]
    if not admin.at_limit:
        blocks.append(kit.section("*Contacts at their limit*\nNone. Every contact can take another request."))
    else:
        items = [f"• {escape(c.contact_name)} ({escape(c.account_name)}) · {uses_text(c.uses, c.limit)}"
                 for c in admin.at_limit[:n]]
        blocks.append(kit.section(f"*Contacts at their limit ({admin.at_limit_total:,})*\n{_lines(items)}"))
        blocks += pager("at_limit", admin.starts, len(admin.at_limit[:n]), admin.at_limit_total, "contact")
    title = f"Unmatched searches, last {admin.recent_days} days"
    if not admin.unmatched_total:
        blocks.append(kit.section(f"*{title}*\nNone. Every search found a good match."))
    elif not admin.unmatched_queries:
        blocks.append(kit.section(f"*{title}:* {admin.unmatched_total:,}"))
    else:
        items = [f"• “{escape(truncate(q, 120))}”" for q in admin.unmatched_queries[:n]]
        blocks.append(kit.section(f"*{title} ({admin.unmatched_total:,})*\n{_lines(items)}"))
        blocks.append(kit.context("What sellers looked for and didn't find: ideas for new references. "
                                  "*Full report* lists more."))
    asks = plural(admin.channel_asks, "reference ask") if admin.channel_asks else "none"
    blocks.append(kit.section(f"*Reference asks in channels:* {asks} seen in the last {admin.recent_days} days "
                              "(sellers asking colleagues for a customer to call instead of using RefBot)"))
    blocks.append(kit.section(f"*This quarter ({admin.quarter})*"))
    blocks.append(_kpis(admin))
    where = (f"The weekly leaderboard goes to {admin.leaderboard_channel}."
             if admin.leaderboard_channel else
             "No leaderboard channel yet: `/reference leaderboard channel #sales` in any channel.")
    blocks.append(kit.context(where))
    blocks.append(kit.actions(kit.button("Full report", REPORT_ACTION), block_id="home_report"))
    return blocks


# The tab, in reading order. Features add their section by inserting its builder here.
SECTIONS: list[Section] = [growth_blocks.welcome_section, top, program_queues, owner_approvals, seller,
                           growth_blocks.seller_section, owner_accounts, program_health, growth_blocks.admin_section]


def home_view(home: HomeData, *, reader_tz: str | None = None, max_items: int = 5,
              max_open: int = 8) -> dict[str, Any]:
    """The Home tab for `home.user_id`. Always within Slack's 100 blocks."""
    render = Render(reader_tz=reader_tz, max_items=max_items, max_open=max_open)
    blocks: list[dict[str, Any]] = []
    for section in SECTIONS:
        blocks += section(home, render)
    blocks.append(kit.context("Updated " + slack_datetime(home.now, reader_tz) + " · `/reference help` in any "
                              "channel or DM for everything RefBot does"))
    return kit.home_tab(cap_blocks(blocks), callback_id=HOME_CALLBACK)


def cap_blocks(blocks: list[dict[str, Any]], limit: int = MAX_BLOCKS) -> list[dict[str, Any]]:
    """Slack refuses a Home tab over 100 blocks: keep the first ones and say what was left out."""
    if len(blocks) <= limit:
        return blocks
    kept = blocks[: limit - 1]
    kept.append(kit.context(f"{len(blocks) - len(kept):,} more items are not shown here."))
    return kept
