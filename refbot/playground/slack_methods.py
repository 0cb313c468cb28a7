"""The Web API methods the stand-in answers (chat.*, conversations.*, users.*, views.*, reactions.add),
shaped like Slack's answers and errors. A mixin of `SlackAPIStub`, which owns the state and the lock:
every method here runs with the stub's lock held."""

from __future__ import annotations

import copy
import hashlib
import itertools
import time
from typing import TYPE_CHECKING, Any

from refbot.playground.blockkit import validate_blocks, validate_view
from refbot.playground.slack_base import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    ID_RE,
    MESSAGE_TEXT_MAX,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
    SlackAPIError,
    dm_channel_id,
    invalid_arguments,
    is_user_id,
)


class WebAPIMethods:
    """Method handlers `args -> answer` (the stub adds `"ok": true`); raise SlackAPIError for an error."""

    validate_blocks: bool
    strict_messages: bool
    _users: dict[str, dict[str, Any]]
    _channels: dict[str, dict[str, Any]]
    _messages: dict[str, dict[str, dict[str, Any]]]
    _reactions: dict[tuple[str, str], list[str]]
    _views: dict[str, dict[str, Any]]
    _homes: dict[str, str]
    _used_triggers: set[str]
    _ts: itertools.count[int]
    _ids: itertools.count[int]

    if TYPE_CHECKING:  # provided by SlackAPIStub
        def add_channel(self, channel_id: str, name: str | None = None, *, is_private: bool = False,
                        is_ext_shared: bool = False, is_member: bool = True,
                        is_archived: bool = False) -> dict[str, Any]:
            ...

    def _next_ts(self) -> str:
        micro = 1_700_000_000_000_000 + next(self._ts) * 100
        return f"{micro // 1_000_000}.{micro % 1_000_000:06d}"

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):010d}"

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": "refbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _channel(self, channel_id: str) -> dict[str, Any]:
        """The directory entry of a channel id, created on first use for unknown ids."""
        info = self._channels.get(channel_id)
        if info is None:
            if channel_id.startswith("D"):
                user = "U" + channel_id[1:]
                info = {
                    "id": channel_id,
                    "is_im": True,
                    "user": user,
                    "is_private": True,
                    "is_channel": False,
                    "is_ext_shared": False,
                    "is_shared": False,
                    "is_org_shared": False,
                    "is_archived": False,
                    "is_member": True,
                    "created": 1_600_000_000,
                    "context_team_id": TEAM_ID,
                }
                self._channels[channel_id] = info
            else:
                self.add_channel(channel_id)
                info = self._channels[channel_id]
        return info

    def _resolve_channel(self, channel: Any, *, for_posting: bool) -> str:
        """A channel argument to a channel id: user ids become the bot's DM (when posting), names are looked
        up. Raises channel_not_found / user_disabled / cannot_dm_bot like Slack."""
        if not isinstance(channel, str) or not channel.strip():
            raise SlackAPIError("channel_not_found")
        channel = channel.strip()
        if channel.startswith("#") or not ID_RE.match(channel):
            name = channel.lstrip("#")
            for info in self._channels.values():
                if info.get("name") == name:
                    return str(info["id"])
            raise SlackAPIError("channel_not_found")
        if is_user_id(channel):
            if not for_posting:
                raise SlackAPIError("channel_not_found")
            self._check_dm_target(channel)
            return dm_channel_id(channel)
        return str(channel)

    def _check_dm_target(self, user_id: str) -> None:
        user = self._users.get(user_id)
        if user is None:
            return
        if user["deleted"]:
            raise SlackAPIError("user_disabled")
        if user["is_bot"]:
            raise SlackAPIError("cannot_dm_bot")

    def _message_problem(self, args: dict[str, Any], *, require_text: bool = True) -> dict[str, Any] | None:
        text, blocks, attachments = args.get("text"), args.get("blocks"), args.get("attachments")
        if require_text and not text and not blocks and not attachments:
            return {"error": "no_text"}
        if isinstance(text, str) and len(text) > MESSAGE_TEXT_MAX:
            return {"error": "msg_too_long"}
        if blocks is not None and self.validate_blocks:
            if isinstance(blocks, str):
                return {"error": "invalid_blocks_format"}
            errors = validate_blocks(blocks, surface="message")
            if errors:
                return {"error": "invalid_blocks", "errors": errors,
                        "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]}}
        return None

    def _check_message(self, args: dict[str, Any]) -> None:
        problem = self._message_problem(args)
        if problem is not None:
            error = problem.pop("error")
            raise SlackAPIError(error, **problem)

    def _bot_message(self, channel: str, ts: str, args: dict[str, Any]) -> dict[str, Any]:
        msg: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "ts": ts,
            "text": args.get("text") or "",
            "channel": channel,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(key) is not None:
                msg[key] = copy.deepcopy(args[key])
        return msg

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"), for_posting=True)
        info = self._channel(channel)
        if info.get("is_archived"):
            raise SlackAPIError("is_archived")
        if info.get("is_private") and not info.get("is_im") and not info.get("is_member"):
            raise SlackAPIError("not_in_channel")
        self._check_message(args)
        ts = self._next_ts()
        msg = self._bot_message(channel, ts, args)
        self._messages.setdefault(channel, {})[ts] = msg
        public = {k: v for k, v in msg.items() if k != "channel"}
        return {"channel": channel, "ts": ts, "message": copy.deepcopy(public)}

    def _find_message(self, channel: str, ts: Any) -> dict[str, Any] | None:
        if not isinstance(ts, str) or not ts:
            raise SlackAPIError("message_not_found")
        msg = self._messages.get(channel, {}).get(ts)
        if msg is None and self.strict_messages:
            raise SlackAPIError("message_not_found")
        return msg

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"), for_posting=False)
        ts = args.get("ts")
        msg = self._find_message(channel, ts)
        if all(args.get(key) is None for key in ("text", "blocks", "attachments")):
            raise SlackAPIError("no_text")
        self._check_message(args)
        if msg is None:
            msg = self._bot_message(channel, str(ts), args)
            self._messages.setdefault(channel, {})[str(ts)] = msg
        else:
            for key in ("text", "blocks", "attachments", "metadata"):
                if key in args:
                    msg[key] = copy.deepcopy(args[key])
        msg["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        public = {k: v for k, v in msg.items() if k != "channel"}
        return {"channel": channel, "ts": ts, "text": msg.get("text", ""), "message": copy.deepcopy(public)}

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("user"):
            raise SlackAPIError("user_not_found")
        user = self._users.get(str(args["user"]))
        if user is not None and user["deleted"]:
            raise SlackAPIError("user_not_found")
        channel = self._resolve_channel(args.get("channel"), for_posting=True)
        if self._channel(channel).get("is_archived"):
            raise SlackAPIError("is_archived")
        self._check_message(args)
        return {"message_ts": self._next_ts()}

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"), for_posting=False)
        ts = args.get("ts")
        msg = self._find_message(channel, ts)
        if msg is None and str(ts) in self._messages.get(channel, {}):
            raise SlackAPIError("message_not_found")
        self._messages.get(channel, {}).pop(str(ts), None)
        return {"channel": channel, "ts": ts}

    def _chat_get_permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"), for_posting=False)
        ts = args.get("message_ts")
        if not isinstance(ts, str) or "." not in ts:
            raise SlackAPIError("message_not_found")
        return {
            "channel": channel,
            "permalink": f"https://{TEAM_DOMAIN}.slack.com/archives/{channel}/p{ts.replace('.', '')}",
        }

    def _readable(self, msgs: list[dict[str, Any]], args: dict[str, Any]) -> list[dict[str, Any]]:
        """Messages as conversations.history/replies show them: metadata only with include_all_metadata."""
        with_metadata = str(args.get("include_all_metadata", "")).lower() in ("true", "1")
        return [
            {k: copy.deepcopy(v) for k, v in m.items() if k != "channel" and (with_metadata or k != "metadata")}
            for m in msgs
        ]

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """The bot's messages in a channel (a channel or DM id, never a user id), newest first, without
        thread replies; `oldest`/`limit` as Slack."""
        channel = self._resolve_channel(args.get("channel"), for_posting=False)
        self._channel(channel)
        oldest = float(args.get("oldest") or 0)
        limit = max(1, min(int(args.get("limit") or 100), 999))
        msgs = [m for m in self._messages.get(channel, {}).values()
                if float(m["ts"]) > oldest and m.get("thread_ts") in (None, m["ts"])]
        msgs.sort(key=lambda m: float(m["ts"]), reverse=True)
        return {"messages": self._readable(msgs[:limit], args), "has_more": len(msgs) > limit}

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        """The bot's messages in the thread `ts` of a channel, oldest first (the parent when the bot
        posted it; a user's parent message is not known to the stub)."""
        channel = self._resolve_channel(args.get("channel"), for_posting=False)
        self._channel(channel)
        thread = str(args.get("ts") or "")
        if not thread:
            raise SlackAPIError("thread_not_found")
        limit = max(1, min(int(args.get("limit") or 100), 999))
        msgs = [m for m in self._messages.get(channel, {}).values() if thread in (m["ts"], m.get("thread_ts"))]
        msgs.sort(key=lambda m: float(m["ts"]))
        return {"messages": self._readable(msgs[:limit], args), "has_more": len(msgs) > limit}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel"):
            channel = self._resolve_channel(args["channel"], for_posting=False)
            return {"channel": {"id": channel}, "no_op": True, "already_open": True}
        users = [u.strip() for u in str(args.get("users") or "").split(",") if u.strip()]
        if not users:
            raise SlackAPIError("users_list_not_supplied")
        for uid in users:
            if uid in self._users and self._users[uid]["deleted"]:
                raise SlackAPIError("user_disabled")
            if not is_user_id(uid):
                raise SlackAPIError("user_not_found")
        if len(users) == 1:
            channel = dm_channel_id(users[0])
            already = channel in self._channels
            self._channel(channel)
            return {"channel": {"id": channel}, "no_op": already, "already_open": already}
        digest = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:9].upper()
        return {"channel": {"id": f"G{digest}"}}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"), for_posting=False)
        return {"channel": copy.deepcopy(self._channel(channel))}

    def _conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        """The channels added with add_channel, `types` and `exclude_archived` honoured, `limit` a page
        with a next_cursor as Slack pages."""
        types = set(str(args.get("types") or "public_channel").split(","))
        exclude_archived = str(args.get("exclude_archived", "false")).lower() in ("true", "1")
        chans = [c for c in self._channels.values() if not c.get("is_im") and not c.get("is_mpim")
                 and ("private_channel" if c.get("is_private") else "public_channel") in types
                 and not (exclude_archived and c.get("is_archived"))]
        start = int(args.get("cursor") or 0)
        limit = max(1, min(int(args.get("limit") or 100), 1000))
        page = chans[start:start + limit]
        cursor = str(start + limit) if start + limit < len(chans) else ""
        return {"channels": copy.deepcopy(page), "response_metadata": {"next_cursor": cursor}}

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"url": "wss://wss-primary.slack.com/link/?ticket=stand-in&app_id=A0REFBOT"}

    def _conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"), for_posting=False)
        info = self._channel(channel)
        if info.get("is_archived"):
            raise SlackAPIError("is_archived")
        if info.get("is_im") or info.get("is_private"):
            raise SlackAPIError("method_not_supported_for_channel_type")
        already = bool(info.get("is_member"))
        info["is_member"] = True
        answer: dict[str, Any] = {"channel": copy.deepcopy(info)}
        if already:
            answer["warning"] = "already_in_channel"
            answer["response_metadata"] = {"warnings": ["already_in_channel"]}
        return answer

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self._users.get(str(args.get("user") or ""))
        if user is None:
            raise SlackAPIError("user_not_found")
        return {"user": copy.deepcopy(user)}

    def _users_lookup_by_email(self, args: dict[str, Any]) -> dict[str, Any]:
        email = str(args.get("email") or "").strip().lower()
        for user in self._users.values():
            if email and user["profile"].get("email", "").lower() == email and not user["deleted"]:
                return {"user": copy.deepcopy(user)}
        raise SlackAPIError("users_not_found")

    def _check_view(self, view: Any) -> dict[str, Any]:
        if not isinstance(view, dict):
            raise invalid_arguments("missing required field: view")
        if self.validate_blocks:
            errors = validate_view(view)
            if errors:
                raise SlackAPIError(
                    "invalid_arguments", response_metadata={"messages": [f"[ERROR] {e}" for e in errors]}
                )
        return view

    def _use_trigger(self, args: dict[str, Any]) -> None:
        trigger = args.get("trigger_id") or args.get("interactivity_pointer")
        if not trigger:
            raise invalid_arguments("missing required field: trigger_id")
        if trigger == "expired":
            raise SlackAPIError("expired_trigger_id")  # older than Slack's 3 s
        if trigger in self._used_triggers:
            raise SlackAPIError("exchanged_trigger_id")  # a trigger id opens one view
        self._used_triggers.add(str(trigger))

    def _store_view(self, view: dict[str, Any], *, view_id: str | None = None, root: str | None = None,
                    previous: str | None = None, keep: dict[str, Any] | None = None) -> dict[str, Any]:
        vid = view_id or self._new_id("V")
        seq = next(self._ids)
        stored = {
            "id": vid,
            "team_id": TEAM_ID,
            "type": view["type"],
            "blocks": copy.deepcopy(view.get("blocks", [])),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{seq:08d}",
            "title": copy.deepcopy(view.get("title")),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": copy.deepcopy(view.get("close")),
            "submit": copy.deepcopy(view.get("submit")),
            "previous_view_id": previous,
            "root_view_id": root or vid,
            "app_id": APP_ID,
            "external_id": view.get("external_id", ""),
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
            "_seq": seq,
        }
        if keep:
            stored.update({k: keep[k] for k in ("root_view_id", "previous_view_id") if k in keep})
        self._views[vid] = stored
        return stored

    @staticmethod
    def _public_view(stored: dict[str, Any]) -> dict[str, Any]:
        return {k: copy.deepcopy(v) for k, v in stored.items() if not k.startswith("_")}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._check_view(args.get("view"))
        if view.get("type") != "modal":
            raise invalid_arguments("view type must be modal")
        self._use_trigger(args)
        return {"view": self._public_view(self._store_view(view))}

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._check_view(args.get("view"))
        self._use_trigger(args)
        modals = [v for v in self._views.values() if v["type"] == "modal"]
        current = max(modals, key=lambda v: v["_seq"], default=None)
        root = current["root_view_id"] if current else None
        previous = current["id"] if current else None
        return {"view": self._public_view(self._store_view(view, root=root, previous=previous))}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view = self._check_view(args.get("view"))
        vid = args.get("view_id")
        if not vid and args.get("external_id"):
            by_external = (v["id"] for v in self._views.values() if v["external_id"] == args["external_id"])
            vid = next(by_external, None)
            if vid is None:
                raise SlackAPIError("not_found")
        if not vid:
            raise invalid_arguments("view_id or external_id required")
        current = self._views.get(str(vid))
        if current is None:
            raise SlackAPIError("not_found")
        if args.get("hash") and args["hash"] != current["hash"]:
            raise SlackAPIError("hash_conflict")
        stored = self._store_view(view, view_id=current["id"], keep=current)
        return {"view": self._public_view(stored)}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user_id = str(args.get("user_id") or "")
        if not user_id:
            raise invalid_arguments("missing required field: user_id")
        user = self._users.get(user_id)
        if user is not None and user["deleted"]:
            raise SlackAPIError("user_not_found")
        view = self._check_view(args.get("view"))
        if view.get("type") != "home":
            raise invalid_arguments("view type must be home")
        current = self._views.get(self._homes.get(user_id, ""))
        if current is not None and args.get("hash") and args["hash"] != current["hash"]:
            raise SlackAPIError("hash_conflict")
        stored = self._store_view(view, view_id=current["id"] if current else None)
        self._homes[user_id] = stored["id"]
        return {"view": self._public_view(stored)}

    def _reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"), for_posting=False)
        ts, name = args.get("timestamp"), str(args.get("name") or "").strip(":")
        if not name:
            raise SlackAPIError("invalid_name")
        self._find_message(channel, ts)
        names = self._reactions.setdefault((channel, str(ts)), [])
        if name in names:
            raise SlackAPIError("already_reacted")
        names.append(name)
        return {}
