"""The Home tab parts of "growing the program" (coverage gaps, the wish list, contests, nomination targets),
kept out of refbot/blocks/home.py: `home_view` adds `seller_blocks` after the seller's part and
`admin_blocks` after the program manager's. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from refbot.blocks import contests, kit, welcome, wishes
from refbot.blocks.coverage import coverage_home

if TYPE_CHECKING:
    from refbot.blocks.contests import ContestView
    from refbot.blocks.home import HomeData, Render
    from refbot.services.contests import TargetProgress
    from refbot.services.coverage import Coverage
    from refbot.services.wishes import WishLine

HOME_WISHES = 5
HOME_CONTESTS = 2


@dataclass(frozen=True)
class GrowthHome:
    user_id: str = ""
    contests: tuple[ContestView, ...] = ()  # running now, with standings
    target: TargetProgress | None = None  # the reader's nomination target this quarter
    coverage: Coverage | None = None  # program managers only
    wishes: tuple[WishLine, ...] = ()  # program managers only
    wishes_total: int = 0
    welcome: bool = False  # the reader's first Home tab: the first-run welcome on top
    example: str | None = None  # the welcome's example search, from the program's own data


def welcome_blocks(growth: GrowthHome | None) -> list[dict[str, Any]]:
    if growth is None or not growth.welcome:
        return []
    return [*welcome.welcome_blocks(growth.example), kit.divider()]


def seller_blocks(growth: GrowthHome | None) -> list[dict[str, Any]]:
    """Running contests (top 5 and the reader's place) and the reader's nomination target: at most 3 blocks."""
    if growth is None or (not growth.contests and growth.target is None):
        return []
    blocks = contests.standings_blocks(list(growth.contests), reader=growth.user_id, limit=HOME_CONTESTS)
    if growth.target is not None:
        blocks.append(kit.section(contests.target_line(growth.target),
                                  accessory=kit.button("Nominate a customer", contests.NOMINATE_ACTION, "target")))
    return blocks


def admin_blocks(growth: GrowthHome | None) -> list[dict[str, Any]]:
    """Coverage gaps, the wish list and the contest button: at most 13 + 7 + 1 blocks."""
    if growth is None or growth.coverage is None:
        return []
    blocks: list[dict[str, Any]] = [kit.divider(), kit.header("Growing the program")]
    blocks += coverage_home(growth.coverage)
    blocks += wishes.wish_list_blocks(list(growth.wishes), growth.wishes_total, limit=HOME_WISHES)
    running = plural_contests(len(growth.contests))
    blocks.append(kit.section(f"*Contests:* {running}. Set a nomination target with `/reference target 3` (every seller, this quarter).",
                              accessory=contests.start_button()))
    return blocks


def plural_contests(n: int) -> str:
    return "none running" if n == 0 else ("1 running (standings above)" if n == 1 else f"{n} running (standings above)")


# ------------------------------------------------------------------ refbot.blocks.home SECTIONS


def _growth(home: HomeData) -> GrowthHome | None:
    g = home.extra.get("growth")
    return g if isinstance(g, GrowthHome) else None


def welcome_section(home: HomeData, r: Render) -> list[dict[str, Any]]:
    return welcome_blocks(_growth(home))


def seller_section(home: HomeData, r: Render) -> list[dict[str, Any]]:
    return seller_blocks(_growth(home))


def admin_section(home: HomeData, r: Render) -> list[dict[str, Any]]:
    return admin_blocks(_growth(home)) if home.admin is not None else []
