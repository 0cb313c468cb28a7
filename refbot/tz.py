"""Timezone names (a Slack profile's `tz`, a setting, a form's metadata) into tzinfo objects, the one place
that knows which names `zoneinfo` refuses. Pure: imports only the standard library.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo


def find_zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    """The zone `name` names, or None for no name, an unknown one or a malformed one ("../x", "\\0")."""
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        return None


def zone(name: str | None, default: dt.tzinfo = dt.UTC) -> dt.tzinfo:
    """The zone `name` names, else `default` (UTC unless given)."""
    return find_zone(name) or default
