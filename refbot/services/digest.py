"""The monthly executive digest (issue 21): one month of the program report, the months before it for the
charts, and the schedule arithmetic of the `digest` job.

Every figure comes from refbot.services.reports (build_report for the month, period_figures per month of
the series), so the digest says what `refbot report` says for the same month.
A month is [midnight on its 1st, midnight on the next 1st) in the program's timezone.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy.orm import Session

from refbot.errors import ValidationFailed
from refbot.services import stories
from refbot.services.reports import build_report, is_empty, period_figures
from refbot.tz import zone

DIGEST_WEEKDAY = 0  # Monday
DIGEST_TIME = dt.time(9, 0)  # program timezone
SERIES_MONTHS = 6
_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


def parse_month(text: str) -> dt.date:
    """'2026-11' -> 1 Nov 2026; anything else is a ValidationFailed with the expected shape."""
    m = _MONTH.match(text or "")
    if not m or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 2000:
        raise ValidationFailed(f"'{text}' is not a month like 2026-11.")
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_key(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def month_window(month: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """[since, until) of the month in UTC, from local midnights."""
    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz).astimezone(dt.UTC)

    return midnight(month), midnight(add_months(month, 1))


def first_monday_slot(month: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """09:00 (program timezone) on the first Monday of `month`, in UTC."""
    day = month + dt.timedelta(days=(DIGEST_WEEKDAY - month.weekday()) % 7)
    return dt.datetime.combine(day, DIGEST_TIME, tzinfo=tz).astimezone(dt.UTC)


def due_month(*, now: dt.datetime, tz: dt.tzinfo) -> tuple[dt.date, dt.datetime]:
    """(the month whose digest is due, its slot): the digest of month M goes out on the first Monday of M+1;
    before this month's first Monday, the one due is the month before last (posted late if it wasn't)."""
    this_month = now.astimezone(tz).date().replace(day=1)
    slot = first_monday_slot(this_month, tz)
    if now >= slot:
        return add_months(this_month, -1), slot
    return add_months(this_month, -2), first_monday_slot(add_months(this_month, -1), tz)


def last_full_month(*, now: dt.datetime, tz: dt.tzinfo) -> dt.date:
    return add_months(now.astimezone(tz).date().replace(day=1), -1)


def build_digest(
    *, session: Session, month: dt.date, now: dt.datetime, tz_name: str, months: int = SERIES_MONTHS
) -> dict[str, Any]:
    """The digest of `month`: its report, the series of the `months` months ending with it, and whether
    anything happened at all (an empty month is never posted)."""
    tz = zone(tz_name)
    since, until = month_window(month, tz)
    report = build_report(session=session, now=now, since=since, until=until, tz_name=tz_name)
    series = []
    for back in range(months - 1, -1, -1):
        m = add_months(month, -back)
        m_since, m_until = month_window(m, tz)
        figures = report if back == 0 else period_figures(session=session, since=m_since, until=m_until, now=now)
        series.append({
            "month": month_key(m),
            "label": f"{m:%b}" if m.year == month.year else f"{m:%b %y}",
            "requests": figures["requests"]["total"],
            "served": figures["served"]["served"],
            "influenced_revenue": figures["outcomes"]["influenced_revenue"],
            "won": figures["outcomes"]["won"],
            "median_approval_hours": figures["approval"]["median_hours"],
        })
    return {
        "month": month_key(month),
        "title": f"{month:%B %Y}",
        "report": report,
        "series": series,
        "coverage": coverage_by_segment(session=session, since=since, until=until),
        "stories": stories.approved(session=session, since=since, until=until),
        "empty": is_empty(report),
    }


def coverage_by_segment(*, session: Session, since: dt.datetime, until: dt.datetime) -> list[dict[str, Any]]:
    """Demand against supply per segment for the coverage chart: the segments short of references
    (refbot.services.coverage, the program manager's gaps), demand read since the month began."""
    from refbot.services.coverage import coverage_gaps

    found = coverage_gaps(session=session, now=until, tz=dt.UTC, since=since, limit=8)
    return [{"segment": gap.label, "demand": gap.demand, "supply": gap.available} for gap in found.gaps]
