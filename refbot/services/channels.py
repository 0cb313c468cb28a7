"""Channels RefBot posts to: a name (`#sales`) is resolved to its id once, when it is set, and the channel
is checked the same way whichever form it was given in (shared with other organisations, archived,
private without RefBot)."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from refbot.errors import ValidationFailed

log = logging.getLogger(__name__)

MAX_PAGES = 50  # 50 pages of 200 channels: a workspace with 10,000 channels


def _error(exc: SlackApiError) -> str | None:
    return exc.response.get("error") if isinstance(exc.response.data, dict) else None


def find_by_name(client: WebClient, name: str) -> dict[str, Any] | None:
    """The channel called `name` (without #) among those RefBot can see, or None."""
    name = name.removeprefix("#").lower()
    cursor = None
    for _ in range(MAX_PAGES):
        page = client.conversations_list(types="public_channel,private_channel", exclude_archived=False,
                                         limit=200, cursor=cursor)
        for info in page.get("channels") or []:
            if str(info.get("name", "")).lower() == name:
                return dict(info)
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None


def problem(info: dict[str, Any], mention: str) -> str | None:
    """Why RefBot must not post the leaderboard to this channel, or None."""
    if info.get("is_ext_shared") or info.get("is_pending_ext_shared"):
        return (f"{mention} is shared with other organisations; the leaderboard names people and customers, "
                "so pick an internal channel.")
    if info.get("is_archived"):
        return f"{mention} is archived. Pick another channel."
    if info.get("is_private") and not info.get("is_member"):
        return f"{mention} is private: invite me first (`/invite @RefBot`), then try again."
    return None


def resolve(client: WebClient, channel: str) -> str:
    """The id of `channel` (an id or `#name`) once it passed the checks; ValidationFailed in plain words.
    When Slack cannot answer (an outage), an id is kept as given and a name is refused."""
    if channel.startswith("#"):
        try:
            info = find_by_name(client, channel)
        except SlackApiError as exc:
            log.info("conversations.list failed for %s: %s", channel, _error(exc))
            raise ValidationFailed(f"I couldn't look up {channel} in Slack just now ({_error(exc)}). Please try "
                                   "again in a minute.") from None
        if info is None:
            raise ValidationFailed(f"I can't find a channel named {channel}. Check the name, or invite me there "
                                   "first (`/invite @RefBot`) if it is private.")
        found = problem(info, f"<#{info['id']}>")
        if found:
            raise ValidationFailed(found)
        return str(info["id"])
    try:
        info = client.conversations_info(channel=channel).get("channel") or {}
    except SlackApiError as exc:
        if _error(exc) == "channel_not_found":
            raise ValidationFailed(f"I can't see <#{channel}>. Invite me there first (`/invite @RefBot`).") from None
        log.info("conversations.info failed for %s: %s", channel, _error(exc))
        return channel
    found = problem(info, f"<#{channel}>")
    if found:
        raise ValidationFailed(found)
    return channel
