"""The Home tab parts of "growing the program" (coverage gaps, the wish list, contests, nomination targets),
kept out of refbot/blocks/home.py: `home_view` adds `seller_blocks` after the seller's part and
`admin_blocks` after the program manager's. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from refbot.blocks import kit, wishes
from refbot.blocks.coverage import coverage_home

if TYPE_CHECKING:
    from refbot.services.coverage import Coverage
    from refbot.services.wishes import WishLine


HOME_WISHES = 5


@dataclass(frozen=True)
class GrowthHome:
    coverage: Coverage | None = None  # program managers only
    wishes: tuple[WishLine, ...] = ()  # program managers only
    wishes_total: int = 0


def seller_blocks(growth: GrowthHome | None) -> list[dict[str, Any]]:
    if growth is None:
        return []
    return []


def admin_blocks(growth: GrowthHome | None) -> list[dict[str, Any]]:
    if growth is None:
        return []
    blocks: list[dict[str, Any]] = []
    if growth.coverage is not None:
        blocks += [kit.divider(), kit.header("Growing the program")]
        blocks += coverage_home(growth.coverage)
        blocks += wishes.wish_list_blocks(list(growth.wishes), growth.wishes_total, limit=HOME_WISHES)
    return blocks
