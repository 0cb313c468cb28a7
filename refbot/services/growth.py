"""The Home tab's "growing the program" read model (refbot.blocks.growth): coverage gaps for program managers,
and the parts each seller sees."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from refbot.blocks.growth import HOME_WISHES, GrowthHome
from refbot.services.coverage import coverage_gaps
from refbot.services.wishes import wish_list

HOME_GAPS = 3


def growth_home(*, session: Session, user_id: str, is_admin: bool, now: dt.datetime, tz: dt.tzinfo) -> GrowthHome:
    if not is_admin:
        return GrowthHome()
    wishes, wishes_total = wish_list(session=session, limit=HOME_WISHES)
    return GrowthHome(
        coverage=coverage_gaps(session=session, now=now, tz=tz, limit=HOME_GAPS),
        wishes=tuple(wishes), wishes_total=wishes_total,
    )
