"""The leaderboard message (weekly post and `/reference leaderboard`). Pure.

People appear as <@U…> mentions; customer contacts by plain name and company only (never email or phone).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from refbot.blocks import kit
from refbot.blocks.format import escape, money, plural, truncate

MEDALS = (":first_place_medal:", ":second_place_medal:", ":third_place_medal:")


@dataclass(frozen=True)
class Leader:
    """A person on the board: `count` is what they are ranked by; `on_time` only for debriefers."""

    user_id: str
    count: int
    on_time: int = 0


@dataclass(frozen=True)
class Advocate:
    name: str
    account: str
    activities: int


@dataclass(frozen=True)
class WonDeal:
    prospect: str
    amount: int | None
    seller_id: str | None
    references: tuple[str, ...]


@dataclass(frozen=True)
class ProgramTotals:
    requests: int = 0
    approvals: int = 0
    calls: int = 0
    debriefs: int = 0
    nominations: int = 0
    deals_won: int = 0
    influenced: int = 0

    @property
    def empty(self) -> bool:
        return not any((self.requests, self.approvals, self.calls, self.debriefs, self.nominations, self.deals_won))


@dataclass(frozen=True)
class Board:
    title: str  # "Week of Mon 16 Nov 2026", "Last 7 days", "November 2026", "Q4 2026"
    span: str  # "16–22 Nov 2026"
    nominators: tuple[Leader, ...] = ()
    debriefers: tuple[Leader, ...] = ()
    advocates: tuple[Advocate, ...] = ()
    more_advocates: int = 0
    deals: tuple[WonDeal, ...] = ()
    more_deals: int = 0
    totals: ProgramTotals = ProgramTotals()
    # Approved success stories: {"title", "text"} with text already escaped (refbot.blocks.stories)
    stories: tuple[dict[str, str], ...] = ()

    @property
    def empty(self) -> bool:
        return (not (self.nominators or self.debriefers or self.advocates or self.deals or self.stories)
                and self.totals.empty)


def _places(leaders: tuple[Leader, ...]) -> list[int]:
    """Competition ranking: equal counts share a place (3, 3, 1 -> 1, 1, 3)."""
    return [1 + sum(1 for other in leaders if other.count > leader.count) for leader in leaders]


def _podium(leaders: tuple[Leader, ...], describe: Any) -> str:
    lines = []
    for place, leader in zip(_places(leaders), leaders, strict=True):
        mark = MEDALS[place - 1] if place <= len(MEDALS) else f"{place}."
        lines.append(f"{mark} <@{leader.user_id}> · {describe(leader)}")
    return "\n".join(lines)


def _debriefs(leader: Leader) -> str:
    text = plural(leader.count, "debrief")
    if leader.on_time == leader.count and leader.count > 1:
        return text + ", all on time"
    if leader.on_time:
        return text + f", {leader.on_time} on time"
    return text


def totals_line(totals: ProgramTotals) -> str:
    parts = [plural(totals.requests, "request"), plural(totals.approvals, "approval"), plural(totals.calls, "call"),
             plural(totals.debriefs, "debrief")]
    if totals.nominations:
        parts.append(plural(totals.nominations, "new reference"))
    if totals.deals_won:
        won = plural(totals.deals_won, "deal") + " won"
        parts.append(won + (f" ({money(totals.influenced)})" if totals.influenced else ""))
    return " · ".join(parts)


def leaderboard_message(board: Board) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks): header, up to four short sections, program totals."""
    blocks: list[dict[str, Any]] = [
        kit.header(f"RefBot leaderboard · {board.title}"),
        kit.context(board.span),
    ]
    if board.empty:
        blocks.append(kit.section("Nothing on the board yet. Request a reference, file your debriefs or nominate a "
                               "happy customer (`/reference nominate`), and you'll be up here."))
        return truncate(f"RefBot leaderboard · {board.title}: nothing yet", 3000), blocks
    if board.nominators:
        blocks.append(kit.section("*Top nominators*\n" + _podium(
            board.nominators, lambda lead: plural(lead.count, "nomination") + " accepted")))
    if board.debriefers:
        blocks.append(kit.section("*Top debriefers*\n" + _podium(board.debriefers, _debriefs)))
    if board.advocates:
        lines = [f"• {escape(truncate(a.name, 80))}, {escape(truncate(a.account, 80))} · "
                 f"{plural(a.activities, 'activity')}" for a in board.advocates]
        if board.more_advocates:
            lines.append(f"…and {plural(board.more_advocates, 'more advocate')}")
        blocks.append(kit.section("*Customers who helped — say thank you!*\n" + "\n".join(lines)))
    if board.deals:
        lines = []
        for deal in board.deals:
            amount = f" · {money(deal.amount)}" if deal.amount else ""
            seller = f" · <@{deal.seller_id}>" if deal.seller_id else ""
            refs = f" with {escape(truncate(', '.join(deal.references), 200))}" if deal.references else ""
            lines.append(f"• :tada: {escape(truncate(deal.prospect, 80))}{amount}{seller}{refs}")
        if board.more_deals:
            lines.append(f"…and {plural(board.more_deals, 'more deal')}")
        blocks.append(kit.section("*Deals won with references*\n" + "\n".join(lines)))
    for story in board.stories[:2]:
        blocks.append(kit.section(f"*Success story: {escape(story['title'])}*\n{truncate(story['text'], 900)}"))
    blocks.append(kit.context(f"Program: {totals_line(board.totals)}"))
    return truncate(f"RefBot leaderboard · {board.title}: {totals_line(board.totals)}", 3000), blocks
