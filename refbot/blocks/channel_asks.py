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


HINT_QUERY_CHARS = 150


def ask_hint(*, query: str, why: str) -> tuple[str, list[dict[str, Any]]]:
    """The private hint for the asker alone: a prefilled `/reference search` instead of a public reply.

    `why` is "unsure" (RefBot can't tell whether this was a reference ask) or "cooldown" (it answered
    another ask in this channel a moment ago and stays quiet for a while).
    """
    query = " ".join(query.replace("`", "'").split())[:HINT_QUERY_CHARS].rstrip(" ,;")
    command = f"/reference search {query}" if query else "/reference search"
    if why == "cooldown":
        lead = (
            ":mag: RefBot answered another reference ask in this channel a few minutes ago, "
            "so it isn't posting here again yet. You can search yourself:"
        )
    else:
        lead = ":mag: Looking for a customer reference? RefBot can find who fits:"
    tail = "" if query else " followed by what you need (industry, country, size, role)"
    blocks: list[dict[str, Any]] = [
        kit.section(f"{lead}\n`{escape(command)}`{tail}"),
        kit.context("Only you can see this. Requests go to the account owner, who approves in one click."),
    ]
    text = f"{lead} {escape(command)}{tail}"
    return text, blocks
