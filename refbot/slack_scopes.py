"""The bot token scopes RefBot needs: exactly `oauth_config.scopes.bot` in manifest.yml (a test keeps the
two equal), and why each is needed (what `refbot check` says when one is missing)."""

from __future__ import annotations

BOT_SCOPES: dict[str, str] = {
    "commands": "the /reference command",
    "chat:write": "DMs, replies and the leaderboard post",
    "chat:write.public": "posting the leaderboard in a public channel RefBot was not invited to",
    "im:write": "opening DMs to sellers, owners and program managers",
    "im:history": "reading replies in RefBot's DMs (finding a post again after a lost answer)",
    "users:read": "names and timezones in messages",
    "users:read.email": "program managers and account owners given by email",
    "channels:history": "reference asks in public channels",
    "channels:read": "checking a channel (shared, archived) before posting, finding a channel by name",
    "groups:history": "reference asks in private channels RefBot was invited to",
    "groups:read": "checking private channels before posting, finding one by name",
    "files:write": "the monthly digest's charts (files.getUploadURLExternal / completeUploadExternal)",
    "usergroups:read": "sales leaders' teams given as Slack user groups",
}
