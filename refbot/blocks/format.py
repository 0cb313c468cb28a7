"""Formatting helpers shared by every Block Kit builder. Pure."""

from __future__ import annotations

import datetime as dt
import re

from refbot.blocks.kit import escape as escape  # re-exported: the kit owns it
from refbot.blocks.kit import truncate as truncate
from refbot.domain import Seniority
from refbot.tz import zone

_PLURALS = {"opportunity": "opportunities", "activity": "activities", "company": "companies", "reply": "replies"}


def plural(count: int, word: str, plural_form: str | None = None) -> str:
    """plural(1, "request") -> "1 request"; plural(2, "request") -> "2 requests"."""
    if count == 1:
        return f"1 {word}"
    form = plural_form or _PLURALS.get(word) or (word + "es" if word.endswith(("s", "sh", "ch", "x")) else word + "s")
    return f"{count:,} {form}"


def uses_text(uses: int, limit: int) -> str:
    """A contact's use of its limit: "2 of 2 uses", "3 uses, limit 1" (over it)."""
    if uses > limit:
        return f"{plural(uses, 'use')}, limit {limit:,}"
    return f"{uses:,} of {plural(limit, 'use')}"


def money(amount: int | float | None) -> str:
    """$950, $12K, $1.2M, $3B."""
    if amount is None:
        return "—"
    a = float(amount)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(a) >= limit:
            value = a / limit
            text = f"{value:.1f}".rstrip("0").rstrip(".") if value < 100 else f"{value:.0f}"
            return f"${text}{suffix}"
    return f"${a:,.0f}"


def employees(n: int | None) -> str:
    if n is None:
        return "size unknown"
    return plural(n, "employee")


def seniority_label(value: str | Seniority | None) -> str:
    if not value:
        return "—"
    return Seniority(value).label


def zone_label(tz_name: str) -> str:
    """A timezone as people say it: "America/New_York" -> "New York time"; a zone that is no place
    ("UTC", "Etc/GMT+5") keeps its name. The result still needs escaping (it comes from data)."""
    area, _, city = tz_name.rpartition("/")
    if not area or area == "Etc" or not city:
        return tz_name
    return f"{city.replace('_', ' ')} time"


def local_datetime(when: dt.datetime, tz_name: str | None) -> dt.datetime:
    return when.astimezone(zone(tz_name))


def date_text(day: dt.date) -> str:
    """Mon 23 Nov 2026."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def datetime_text(when: dt.datetime, tz_name: str | None) -> str:
    """Mon 23 Nov 2026, 14:30 CET — in the reader's own timezone."""
    local = local_datetime(when, tz_name)
    return f"{date_text(local.date())}, {local:%H:%M} {local.tzname() or 'UTC'}"


def slack_datetime(when: dt.datetime, tz_name: str | None) -> str:
    """A Slack date token: every reader sees it in their own timezone; the fallback uses `tz_name`."""
    ts = int(when.timestamp())
    return f"<!date^{ts}^{{date_short_pretty}} at {{time}}|{datetime_text(when, tz_name)}>"


def slack_date(day: dt.date) -> str:
    """A calendar date (needed-by dates are dates, not instants)."""
    return date_text(day)


def relative_days(day: dt.date, today: dt.date) -> str:
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    return f"in {delta} days" if delta > 0 else f"{-delta} days ago"


def person(user_id: str | None, reader_id: str | None, *, capital: bool = False, nobody: str = "RefBot") -> str:
    """A Slack mention, or "you" when the reader is that person (a mention of yourself reads oddly)."""
    if user_id and user_id == reader_id:
        return "You" if capital else "you"
    return f"<@{user_id}>" if user_id else nobody


_MENTION = re.compile(r"<[@#!][^>]*>")


def plain(text: str | None) -> str:
    """Strip Slack markup to plain text (for plain_text fields and notification fallbacks)."""
    if not text:
        return ""
    return _MENTION.sub("", text).replace("*", "").replace("_", " ").strip()
