"""User groups in the Slack Web API stand-in: `usergroups.users.list` (what RefBot reads to learn a sales
leader's team), shaped like Slack's: `{"users": [...]}`, `no_such_subteam` for an unknown group, and a
disabled group answers its users only with `include_disabled=true`. A mixin of `SlackAPIStub`."""

from __future__ import annotations

import threading
from typing import Any

from refbot.playground.slack_base import SlackAPIError, invalid_arguments


class UserGroupMethods:
    _lock: threading.RLock
    _usergroups: dict[str, dict[str, Any]]

    def add_usergroup(self, group_id: str, users: list[str], *, handle: str | None = None,
                      disabled: bool = False) -> None:
        """A user group (id "S…") with these members (replaces an existing one)."""
        with self._lock:
            self._usergroups[group_id] = {"id": group_id, "handle": handle or group_id.lower(),
                                          "users": list(users), "disabled": disabled}

    def _usergroup_handlers(self) -> dict[str, Any]:
        return {"usergroups.users.list": self._usergroups_users_list}

    def _usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        group_id = str(args.get("usergroup") or "").strip()
        if not group_id:
            raise invalid_arguments("missing required field: usergroup")
        group = self._usergroups.get(group_id)
        if group is None:
            raise SlackAPIError("no_such_subteam")
        include_disabled = str(args.get("include_disabled") or "").lower() in ("1", "true")
        if group["disabled"] and not include_disabled:
            return {"users": []}
        return {"users": list(group["users"])}
