"""The playground's clock: real time plus an offset the visitor moves forward (+2 h, +1 day, next Monday
09:00), so reminders, debrief prompts and the weekly leaderboard come due without waiting. RefBot reads
time only from the context's Clock (refbot/clock.py), so handlers, services, jobs and the database all
see the moved time."""

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo

from refbot.clock import Clock


class PlaygroundClock(Clock):
    def __init__(self) -> None:
        self._offset = dt.timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return dt.datetime.now(dt.UTC) + self._offset

    def advance(self, **delta: float) -> dt.datetime:
        """Move forward by a timedelta's keyword arguments (hours=2, days=1)."""
        step = dt.timedelta(**delta)
        if step < dt.timedelta(0):
            raise ValueError("the playground clock only moves forward")
        with self._lock:
            self._offset += step
        return self.now()

    def to_next(self, *, weekday: int, hour: int, tz: str) -> dt.datetime:
        """Move to the next `weekday` (0 = Monday) at `hour`:00 in `tz`, strictly after now."""
        zone = zoneinfo.ZoneInfo(tz)
        local = self.now().astimezone(zone)
        days = (weekday - local.weekday()) % 7
        target = dt.datetime.combine(local.date() + dt.timedelta(days=days), dt.time(hour), tzinfo=zone)
        if target <= local:
            target += dt.timedelta(days=7)
        with self._lock:
            self._offset += target.astimezone(dt.UTC) - (dt.datetime.now(dt.UTC) + self._offset)
        return self.now()
