"""Contests and nomination targets: the contest form, the start and final announcements, standings (Home and the
weekly leaderboard post) and a seller's target progress. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from refbot.blocks import kit
from refbot.blocks.format import date_text, person, plural

if TYPE_CHECKING:
    from refbot.models import Contest
    from refbot.services.contests import Standing, TargetProgress

CONTEST_MODAL = "contest_modal"
OPEN_ACTION = "contest_open"  # the program manager's "Start a contest" (Home)
NOMINATE_ACTION = "nominate_open"
MAX_STANDINGS = 5
MEDALS = (":first_place_medal:", ":second_place_medal:", ":third_place_medal:")

METRIC_LABELS = {
    "nominations": "Most accepted nominations",
    "debriefs": "Most debriefs filed on time",
    "recruits": "Most references recruited for gaps",
}
UNITS = {"nominations": ("accepted nomination", None), "debriefs": ("debrief on time", "debriefs on time"),
         "recruits": ("reference recruited", "references recruited")}
HOW = {
    "nominations": "Nominate happy customers: `/reference nominate`. Each accepted nomination counts once.",
    "debriefs": "File your debrief within the deadline after each reference call.",
    "recruits": "Nominate someone at a customer sellers are short of (coverage gaps, the wish list).",
}


def _unit(metric: str, n: int) -> str:
    one, many = UNITS.get(metric, ("point", None))
    return plural(n, one, many)


def period_text(starts_on: dt.date, ends_on: dt.date) -> str:
    return f"{date_text(starts_on)} – {date_text(ends_on)}"


def contest_modal(*, today: dt.date) -> dict[str, Any]:
    metrics = [(label, key) for key, label in METRIC_LABELS.items()]
    return kit.modal("Start a contest", [
        kit.section("Sellers race on one thing over a period. RefBot announces the start and the winners in the "
                    "leaderboard channel and shows standings on Home and in the weekly post."),
        kit.input_block("metric", "What counts", kit.static_select(metrics, "nominations"), optional=False),
        kit.input_block("starts_on", "First day", kit.datepicker(today.isoformat()), optional=False),
        kit.input_block("ends_on", "Last day", kit.datepicker((today + dt.timedelta(days=30)).isoformat()),
                        optional=False),
        kit.input_block("prize", "Prize", kit.text_input(placeholder="e.g. Dinner with the CRO", max_length=200),
                        optional=True),
        kit.input_block("sponsor", "Sponsor", kit.users_select(placeholder="e.g. your VP of Sales"), optional=True),
    ], callback_id=CONTEST_MODAL, submit="Start contest")


def _prize(contest: Contest) -> str:
    parts = []
    if contest.prize:
        parts.append(f"Prize: *{kit.escape(contest.prize)}*")
    if contest.sponsor_id:
        parts.append(f"sponsored by <@{contest.sponsor_id}>")
    return ", ".join(parts)


def start_message(*, contest: Contest) -> tuple[str, list[dict[str, Any]]]:
    title = METRIC_LABELS.get(contest.metric, contest.metric)
    period = period_text(contest.starts_on, contest.ends_on)
    prize = _prize(contest)
    text = f"A reference contest starts: {title.lower()}, {period}."
    return text, [
        kit.header(f":checkered_flag: Contest: {title.lower()}"),
        kit.section(f"*{period}*" + (f" · {prize}" if prize else "") + f"\n{HOW.get(contest.metric, '')}"),
        kit.context("Standings on RefBot's Home tab and in the weekly leaderboard."),
    ]


def final_message(*, contest: Contest, winners: list[Standing]) -> tuple[str, list[dict[str, Any]]]:
    title = METRIC_LABELS.get(contest.metric, contest.metric).lower()
    period = period_text(contest.starts_on, contest.ends_on)
    if not winners:
        return f"The contest for {title} is over: nobody scored.", [
            kit.section(f"*The contest for {title} ({period}) is over.* Nobody scored this time."),
        ]
    names = ", ".join(f"<@{w.user_id}>" for w in winners[:10])
    lines = "\n".join(f"{MEDALS[min(i, 2)] if i < 3 else '•'} <@{w.user_id}> · {_unit(contest.metric, w.count)}"
                      for i, w in enumerate(winners[:10]))
    prize = _prize(contest)
    return f"The contest for {title} is over. Winners: {names}", [
        kit.header(":trophy: Contest results"),
        kit.section(f"*{kit.escape(title[0].upper() + title[1:])}, {period}*\n{lines}"),
        *([kit.context(prize)] if prize else []),
    ]


@dataclass(frozen=True)
class ContestView:
    id: int
    metric: str
    starts_on: dt.date
    ends_on: dt.date
    prize: str
    sponsor_id: str | None
    table: tuple[Standing, ...]


def standings_blocks(contests: list[ContestView], *, reader: str | None = None,
                     limit: int = 2) -> list[dict[str, Any]]:
    """One section per running contest (at most `limit`): the top of the table, and the reader's place.
    With a `reader` (their Home) their own row says "You"; without one (a channel post) everyone is mentioned."""
    blocks: list[dict[str, Any]] = []
    for c in contests[:limit]:
        head = f"*Contest: {METRIC_LABELS.get(c.metric, c.metric).lower()}* · {period_text(c.starts_on, c.ends_on)}"
        if c.prize:
            head += f" · prize: {kit.escape(kit.truncate(c.prize, 100))}"
        if c.table:
            rows = [f"{i}. {person(s.user_id, reader, capital=True)} · {_unit(c.metric, s.count)}"
                    for i, s in enumerate(c.table[:MAX_STANDINGS], 1)]
        else:
            rows = ["Nobody has scored yet: be the first."]
        if reader is not None:
            mine = next((i for i, s in enumerate(c.table, 1) if s.user_id == reader), None)
            if mine is not None and mine > MAX_STANDINGS:
                rows.append(f"You: {mine}. · {_unit(c.metric, c.table[mine - 1].count)}")
        blocks.append(kit.section(head + "\n" + "\n".join(rows)))
    return blocks


def target_line(progress: TargetProgress) -> str:
    left = progress.target - progress.done
    tail = "target reached :tada:" if left <= 0 else f"{left:,} more to go"
    return (f"*Nomination target {progress.quarter}:* {progress.done} of {progress.target} accepted · {tail}")


def start_button() -> dict[str, Any]:
    return kit.button("Start a contest", OPEN_ACTION)


def created_text(contest: Contest) -> str:
    return (f"Contest set: {METRIC_LABELS.get(contest.metric, contest.metric).lower()}, "
            f"{period_text(contest.starts_on, contest.ends_on)}. RefBot announces it in the leaderboard channel "
            "on its first day.")
