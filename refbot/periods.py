"""The `since` forms `/reference stats` and `refbot report --since` both take: a date (2026-10-01) or a
number of days back (30d, 30 days), optionally after the word "since"."""

from __future__ import annotations

import datetime as dt
import re

FORMS = "a date like 2026-10-01 or a number of days like 30d"


def since_day(text: str, *, today: dt.date) -> dt.date | None:
    """'' -> None (all time); '2026-10-01' or '30d' -> that day. ValueError (naming the forms) otherwise."""
    text = text.strip().lower()
    if text.startswith("since "):
        text = text[6:].strip()
    if not text:
        return None
    m = re.fullmatch(r"(\d{1,4})\s*d(ays?)?", text)
    if m:
        return today - dt.timedelta(days=int(m.group(1)))
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text[:40]}' is not {FORMS}") from None
