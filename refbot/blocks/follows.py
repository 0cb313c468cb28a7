""""Tell me when one joins": the confirmation and the one DM when a fitting reference is available. Pure."""

from __future__ import annotations

FOLLOW_ACTION = "search_follow"  # value: the search id
