"""The in-thread reply to a reference ask seen in a channel. Pure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from refbot.blocks import kit
from refbot.blocks.format import escape, plural
from refbot.blocks.search import match_blocks
from refbot.matching.criteria import Criteria
from refbot.matching.engine import SearchResult


def ask_reply(
    *, asker_id: str | None, criteria: Criteria, result: SearchResult, search_id: int | None, today: dt.date
) -> tuple[str, list[dict[str, Any]]]:
    """A friendly nudge, the top 3 matches (no contact details) and Request buttons."""
    matches = result.matches[:3]
    who = f"<@{asker_id}> " if asker_id else ""
    summary = criteria.summary()
    if matches:
        lead = (
            f":wave: {who}RefBot can help with that. "
            f"{'Best fits' if result.good_count else 'Closest fits'}"
            f"{' for ' + escape(summary) if summary else ''}:"
        )
    else:
        lead = f":wave: {who}RefBot tracks reference asks like this one, but has no match yet."
    blocks: list[dict[str, Any]] = [kit.section(lead)]
    for i, match in enumerate(matches, start=1):
        blocks.extend(match_blocks(match, rank=i, search_id=search_id, today=today))
    blocks.append(
        kit.context(
            "Request through RefBot and the account owner gets it in one click — "
            "and the customer isn't asked twice. More options: `/reference search`."
        )
    )
    text = f"RefBot found {plural(len(matches), 'possible reference')}" + (f" for {escape(summary)}" if summary else "")
    return text, blocks
