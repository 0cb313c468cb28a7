"""The buttons under a search with no good match: follow it until a reference fits, or name the customer the
seller wishes were one. Its own module so search results (refbot.blocks.search) and the follow DM
(refbot.blocks.follows, which shows a match) don't import each other. Pure."""

from __future__ import annotations

from typing import Any

from refbot.blocks import kit
from refbot.blocks.wishes import OPEN_ACTION as WISH_ACTION

FOLLOW_ACTION = "search_follow"  # value: the search id


def no_match_actions(search_id: int) -> dict[str, Any]:
    return kit.actions(
        kit.button("Tell me when one joins", FOLLOW_ACTION, str(search_id), style="primary"),
        kit.button("Wish for a customer", WISH_ACTION, str(search_id)),
        block_id="search_no_match",
    )
