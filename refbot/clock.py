"""Time source. Services take `now` from a Clock so tests can move time forward without sleeping."""

from __future__ import annotations

import datetime as dt
import threading


class Clock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def today(self, tz: dt.tzinfo | None = None) -> dt.date:
        return self.now().astimezone(tz or dt.UTC).date()


class FrozenClock(Clock):
    """A clock that stands still until moved: `clock.advance(hours=3)`."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._now = start or dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def set(self, when: dt.datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        with self._lock:
            self._now = when.astimezone(dt.UTC)

    def advance(self, **delta: float) -> dt.datetime:
        with self._lock:
            self._now = self._now + dt.timedelta(**delta)
            return self._now
