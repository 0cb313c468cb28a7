""""Tell me when one joins": the seller's confirmation and the one DM when a fitting reference is available. Pure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from refbot.blocks import kit
from refbot.blocks.format import plural
from refbot.blocks.no_match import FOLLOW_ACTION
from refbot.blocks.search import match_blocks
from refbot.matching.engine import Match

__all__ = ["FOLLOW_ACTION", "followed_text", "match_dm"]


def _what(summary: str, query: str) -> str:
    return kit.escape(kit.truncate(" ".join(query.split()), 200) if query.strip() else summary or "your search")


def followed_text(*, summary: str, query: str, repeated: bool, days: int, following: int) -> str:
    what = _what(summary, query)
    if repeated:
        return f"You already follow “{what}”. RefBot sends one DM when a fitting reference is available."
    return (f"Following “{what}”: you'll get one DM when a fitting reference joins or becomes available again "
            f"(for the next {days} days). You follow {plural(following, 'search', 'searches')}.")


def match_dm(*, match: Match, search_id: int, summary: str, query: str, today: dt.date
             ) -> tuple[str, list[dict[str, Any]]]:
    """The one DM: a reference now fits the search the seller followed; Request it from here."""
    what = _what(summary, query)
    name = kit.escape(match.candidate.account_name)
    text = f"A reference now fits your search “{what}”: {name}."
    return text, [
        kit.section(f"*A reference now fits your search* “{what}”. You asked RefBot to tell you when one joins."),
        *match_blocks(match, rank=1, search_id=search_id, today=today),
        kit.context("This was a one-time alert for that search. Search again for more: `/reference search`"),
    ]
