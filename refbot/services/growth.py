"""The Home tab's "growing the program" read model (refbot.blocks.growth): coverage gaps for program managers,
and the parts each seller sees."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from refbot.blocks.growth import GrowthHome
from refbot.services.coverage import coverage_gaps

HOME_GAPS = 3


def growth_home(*, session: Session, user_id: str, is_admin: bool, now: dt.datetime, tz: dt.tzinfo) -> GrowthHome:
    return GrowthHome(
        coverage=coverage_gaps(session=session, now=now, tz=tz, limit=HOME_GAPS) if is_admin else None,
    )
