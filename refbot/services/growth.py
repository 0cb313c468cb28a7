"""The Home tab's "growing the program" read model (refbot.blocks.growth): running contests and the reader's
nomination target for everyone; coverage gaps and the wish list for program managers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from refbot.blocks.growth import HOME_WISHES, GrowthHome
from refbot.services import contests
from refbot.services.coverage import coverage_gaps
from refbot.services.leaderboard import quarter_start
from refbot.services.wishes import wish_list

HOME_GAPS = 3


def growth_home(*, session: Session, user_id: str, is_admin: bool, now: dt.datetime, tz: dt.tzinfo) -> GrowthHome:
    today = now.astimezone(tz).date()
    running = tuple(contests.views(session=session, today=today, tz=tz))
    target = contests.target_progress(session=session, user_id=user_id, now=now, tz=tz,
                                      quarter_since=quarter_start(now=now, tz=tz))
    if not is_admin:
        return GrowthHome(user_id=user_id, contests=running, target=target)
    wishes, wishes_total = wish_list(session=session, limit=HOME_WISHES)
    return GrowthHome(
        user_id=user_id, contests=running, target=target,
        coverage=coverage_gaps(session=session, now=now, tz=tz, limit=HOME_GAPS),
        wishes=tuple(wishes), wishes_total=wishes_total,
    )
