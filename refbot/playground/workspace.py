"""What the playground page shows and does, on Slack's side of the wire.

`Workspace` watches every Web API call RefBot makes to the stand-in (messages, ephemerals, modals, Home
tabs, response-URL posts) and turns the visitor's clicks into the signed payloads Slack would post to
`/slack/events` (built by refbot/playground/payloads.py, the same builders the tests use).

Locking: the stand-in calls `_on_call` with its own lock held, so this module never calls the stand-in
while holding `self._cond` (stand-in first, then our lock; never the other way round).
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from refbot.clock import Clock
from refbot.playground import payloads as p
from refbot.playground.people import PEOPLE, SALES_CHANNEL, SALES_NAME
from refbot.playground.slack_api import BOT_USER_ID, Call, SlackAPIStub, dm_channel_id


class PageError(Exception):
    """Something the visitor asked for that Slack would not allow; shown on the page as it is."""


@dataclass
class Origin:
    """Where a response URL came from: who clicked or typed, in which channel, on which message."""

    user: str
    channel: str
    ephemeral: str | None = None  # the ephemeral message's id
    message_ts: str | None = None  # a channel or DM message's ts


@dataclass
class PageState:
    version: int = 0
    user_messages: list[dict[str, Any]] = field(default_factory=list)
    ephemerals: list[dict[str, Any]] = field(default_factory=list)
    origins: dict[str, Origin] = field(default_factory=dict)  # response URL id -> origin
    triggers: dict[str, str] = field(default_factory=dict)  # trigger id -> user
    stacks: dict[str, list[str]] = field(default_factory=dict)  # user -> modal view ids, bottom first
    posted_at: dict[str, str] = field(default_factory=dict)  # "channel/ts" -> ISO time on the clock
    notices: list[str] = field(default_factory=list)


Poster = Callable[[tuple[str, str]], p.SimResponse]


class Workspace:
    def __init__(self, *, stub: SlackAPIStub, clock: Clock, post: Poster) -> None:
        self.stub = stub
        self.clock = clock
        self.post = post  # sends one payload, signed, to /slack/events
        self.state = PageState()
        self._cond = threading.Condition()
        stub.watch(self._on_call)

    # -- what RefBot sent ---------------------------------------------------------------------------

    def _bump(self) -> None:
        self.state.version += 1
        self._cond.notify_all()

    def _on_call(self, call: Call) -> None:
        if not call.ok:
            # What Slack would refuse (too many blocks, a text too long, a used trigger id...): RefBot
            # logs it; the page says it too, so a contributor trying a change sees it at once.
            with self._cond:
                self.state.notices = [*self.state.notices[-4:], f"Slack refused RefBot's {call.method}: {call.error}"]
                self._bump()
            return
        method, args = call.method, call.args
        if method == "response_url":
            self._apply_response_url(args)
            return
        with self._cond:
            if method == "chat.postMessage":
                key = f"{call.response.get('channel')}/{call.response.get('ts')}"
                self.state.posted_at[key] = self.clock.now().isoformat()
            elif method == "chat.postEphemeral":
                channel = str(args.get("channel") or "")
                channel = dm_channel_id(channel) if channel.startswith(("U", "W")) else channel
                self._add_ephemeral(str(args.get("user")), channel, args, str(call.response.get("message_ts")))
            elif method in ("views.open", "views.push"):
                user = self.state.triggers.get(str(args.get("trigger_id") or ""))
                view_id = str((call.response.get("view") or {}).get("id") or "")
                if user and view_id:
                    stack = self.state.stacks.setdefault(user, [])
                    if method == "views.open":
                        stack.clear()
                    stack.append(view_id)
            self._bump()

    def _add_ephemeral(self, user: str, channel: str, args: dict[str, Any], ts: str) -> dict[str, Any]:
        eph = {"id": f"E{ts}", "ts": ts, "user": user, "channel": channel, "text": args.get("text") or "",
               "blocks": copy.deepcopy(args.get("blocks") or []), "thread_ts": args.get("thread_ts"),
               "at": self.clock.now().isoformat()}
        self.state.ephemerals.append(eph)
        return eph

    def _apply_response_url(self, args: dict[str, Any]) -> None:
        """What Slack does with a post to a response URL: replace or delete the message the click came
        from, or show a new message (ephemeral unless `response_type: in_channel`)."""
        with self._cond:
            origin = self.state.origins.get(str(args.get("id")))
        if origin is None:
            return
        replace, delete = bool(args.get("replace_original")), bool(args.get("delete_original"))
        in_channel = args.get("response_type") == "in_channel"
        posted: dict[str, Any] | None = None
        if origin.message_ts and (replace or delete):
            if delete:
                self.stub.remove_message(origin.channel, origin.message_ts)
            else:
                self.stub.replace_message(origin.channel, origin.message_ts, args)
        elif in_channel and not (origin.ephemeral and (replace or delete)):
            posted = self.stub.post_as_bot(origin.channel, args)
        ts = self.stub.new_ts()
        with self._cond:
            if posted is not None:
                self.state.posted_at[f"{posted['channel']}/{posted['ts']}"] = self.clock.now().isoformat()
            elif origin.ephemeral and (replace or delete):
                for eph in self.state.ephemerals:
                    if eph["id"] == origin.ephemeral:
                        if delete:
                            self.state.ephemerals.remove(eph)
                        else:
                            eph.update(text=args.get("text") or "", blocks=copy.deepcopy(args.get("blocks") or []))
                        break
            elif not origin.message_ts or not (replace or delete):
                self._add_ephemeral(origin.user, origin.channel, args, ts)
            self._bump()

    def notice(self, text: str) -> None:
        with self._cond:
            self.state.notices = [*self.state.notices[-4:], text]
            self._bump()

    # -- what the page shows ------------------------------------------------------------------------

    def wait(self, since: int, timeout: float) -> int:
        """Block until the state changed after `since` (or `timeout` seconds); the current version."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.state.version <= since:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return self.state.version

    def snapshot(self, user: str) -> dict[str, Any]:
        """Everything `user` sees: #sales and their DM with RefBot (threads included, their own ephemerals
        among the messages), the modal on top of their stack, their Home tab, the clock."""
        self._check_user(user)
        dm = dm_channel_id(user)
        bot_messages = {ch: self.stub.history(ch) for ch in (SALES_CHANNEL, dm)}
        home = self.stub.home(user)
        with self._cond:
            stack = list(self.state.stacks.get(user, []))
        modal = self.stub.view(stack[-1]) if stack else None
        with self._cond:
            state = self.state
            channels = []
            for ch, name, kind in ((SALES_CHANNEL, SALES_NAME, "channel"), (dm, "RefBot", "dm")):
                msgs = [self._bot_entry(m, ch) for m in bot_messages[ch]]
                msgs += [dict(m, kind="user") for m in state.user_messages if m["channel"] == ch]
                msgs += [dict(e, kind="ephemeral") for e in state.ephemerals if e["channel"] == ch and e["user"] == user]
                msgs.sort(key=lambda m: float(m["ts"]))
                channels.append({"id": ch, "name": name, "kind": kind, "messages": msgs})
            dm_counts = Counter("U" + key.split("/", 1)[0][1:] for key in state.posted_at if key.startswith("D"))
            return {
                "version": state.version,
                "me": user,
                "now": self.clock.now().isoformat(),
                "people": [{"id": x.id, "name": x.name, "role": x.role, "title": x.title, "tz": x.tz,
                            "dm_count": dm_counts[x.id]} for x in PEOPLE],
                "bot": BOT_USER_ID,
                "channels": channels,
                "modal": modal,
                "modal_depth": len(stack),
                "home": home,
                "notices": list(state.notices),
            }

    def _bot_entry(self, msg: dict[str, Any], channel: str) -> dict[str, Any]:
        return {"kind": "bot", "ts": msg["ts"], "user": BOT_USER_ID, "channel": channel,
                "text": msg.get("text") or "", "blocks": msg.get("blocks") or [],
                "thread_ts": msg.get("thread_ts"), "edited": "edited" in msg,
                "at": self.state.posted_at.get(f"{channel}/{msg['ts']}")}

    @staticmethod
    def _check_user(user: str) -> None:
        if user not in {x.id for x in PEOPLE}:
            raise PageError(f"There is nobody called {user!r} in the playground.")

    # -- what the visitor does ----------------------------------------------------------------------

    def _origin_url(self, origin: Origin) -> str:
        url = self.stub.response_url()
        with self._cond:
            self.state.origins[url.rsplit("/", 1)[-1]] = origin
        return url

    def _trigger(self, user: str) -> str:
        trigger = p.new_trigger_id()
        with self._cond:
            self.state.triggers[trigger] = user
        return trigger

    def _send(self, payload: tuple[str, str]) -> p.SimResponse:
        response = self.post(payload)
        if response.status != 200:
            raise PageError(f"RefBot answered HTTP {response.status}: {response.body[:200]}")
        return response

    def command(self, *, user: str, channel: str, text: str) -> None:
        """The composer: `/reference …` becomes a slash command, anything else a message in the channel."""
        self._check_user(user)
        self._check_channel(user, channel)
        text = text.strip()
        if not text:
            raise PageError("Type a message or a /reference command first.")
        if text.startswith("/"):
            command, _, rest = text.partition(" ")
            if command != "/reference":
                raise PageError(f"{command} is not a command in this workspace; try /reference help.")
            origin = Origin(user=user, channel=channel)
            response = self._send(p.slash_command(
                rest.strip(), user_id=user, channel_id=channel, channel_name=self._channel_name(channel),
                response_url=self._origin_url(origin), trigger_id=self._trigger(user)))
            self._show_ack_body(response, origin)
            return
        self.message(user=user, channel=channel, text=text)

    def message(self, *, user: str, channel: str, text: str, thread_ts: str | None = None) -> None:
        self._check_user(user)
        self._check_channel(user, channel)
        if not text.strip():
            raise PageError("Type a message first.")
        ts = self.stub.new_ts()
        with self._cond:
            self.state.user_messages.append({"ts": ts, "user": user, "channel": channel, "text": p_escape(text),
                                             "thread_ts": thread_ts, "at": self.clock.now().isoformat()})
            self._bump()
        self._send(p.message_event(p_escape(text), user=user, channel=channel, ts=ts, thread_ts=thread_ts,
                                   channel_type="im" if channel.startswith("D") else "channel"))

    def open_home(self, *, user: str) -> None:
        self._check_user(user)
        self._send(p.app_home_opened(user, view=self.stub.home(user)))

    def action(self, *, user: str, where: dict[str, Any], action_id: str, block_id: str | None, value: Any,
               state: dict[str, Any] | None) -> None:
        """A click or a choice on an interactive element of a message, an ephemeral message, a modal or
        the Home tab."""
        self._check_user(user)
        kind = where.get("type")
        trigger = self._trigger(user)
        if kind in ("view", "home"):
            view = self._users_view(user, str(where.get("view_id") or ""), home=kind == "home")
            payload = self._click(lambda: p.block_actions(action_id, value, user, block_id=block_id, view=view,
                                                          state=state, trigger_id=trigger))
        elif kind == "message":
            channel, ts = str(where.get("channel") or ""), str(where.get("ts") or "")
            self._check_channel(user, channel)
            message = self.stub.message(channel, ts)
            if message is None:
                raise PageError("That message is gone.")
            if p.find_element(message.get("blocks") or [], action_id) is None:
                raise PageError("That button is not there any more; the message changed.")
            url = self._origin_url(Origin(user=user, channel=channel, message_ts=ts))
            payload = self._click(lambda: p.block_actions(
                action_id, value, user, block_id=block_id, message=message, state=state, response_url=url,
                trigger_id=trigger, channel_id=channel))
        elif kind == "ephemeral":
            eph = self._ephemeral(user, str(where.get("id") or ""))
            found = p.find_element(eph["blocks"], action_id)
            if found is None:
                raise PageError("That button is not on the message any more.")
            element = found[1]
            if value is None and element.get("type") == "button":
                value = element.get("value")
            url = self._origin_url(Origin(user=user, channel=eph["channel"], ephemeral=eph["id"]))
            payload = p.block_actions(
                action_id, value, user, block_id=block_id or found[0], action_type=element.get("type"),
                text=(element.get("text") or {}).get("text"), state=state, response_url=url, trigger_id=trigger,
                channel_id=eph["channel"], is_ephemeral=True,
                container={"type": "message", "message_ts": eph["ts"], "channel_id": eph["channel"],
                           "is_ephemeral": True})
        else:
            raise PageError(f"Unknown place for a click: {kind!r}.")
        self._send(payload)

    @staticmethod
    def _click(build: Callable[[], tuple[str, str]]) -> tuple[str, str]:
        try:
            return build()
        except LookupError:
            raise PageError("That button is not there any more; the message changed.") from None

    def submit(self, *, user: str, view_id: str, state: dict[str, Any]) -> dict[str, Any]:
        """The modal's submit button: a view_submission; Slack then follows the app's response_action."""
        view = self._users_view(user, view_id)
        try:
            payload = p.view_submission(view.get("callback_id"), state, user, view=view,
                                        trigger_id=self._trigger(user))
        except LookupError as exc:
            raise PageError(str(exc)) from None
        response = self._send(payload)
        answer: dict[str, Any] = response.json() if response.body.strip().startswith("{") else {}
        action = answer.get("response_action")
        if action == "errors":
            return {"errors": answer.get("errors") or {}}
        if action == "update" and isinstance(answer.get("view"), dict):
            self.stub.set_view(view_id, answer["view"])
        elif action == "push" and isinstance(answer.get("view"), dict):
            pushed = self.stub.push_view(answer["view"], previous=view_id)
            with self._cond:
                self.state.stacks.setdefault(user, []).append(pushed["id"])
        else:
            with self._cond:
                stack = self.state.stacks.get(user, [])
                if action == "clear":
                    stack.clear()
                elif view_id in stack:
                    del stack[stack.index(view_id):]
        with self._cond:
            self._bump()
        return {}

    def close(self, *, user: str, view_id: str) -> None:
        """Cancel / ×: the modal closes (a view_closed goes to RefBot when the view asked for it)."""
        view = self._users_view(user, view_id)
        with self._cond:
            stack = self.state.stacks.get(user, [])
            if view_id in stack:
                del stack[stack.index(view_id):]
            self._bump()
        if view.get("notify_on_close"):
            self._send(p.view_closed(view.get("callback_id"), user, view=view))

    def suggest(self, *, user: str, view_id: str, action_id: str, block_id: str | None, value: str) -> Any:
        """Type-ahead in an external select: a block_suggestion; RefBot's answer is the option list."""
        view = self._users_view(user, view_id)
        response = self._send(p.block_suggestion(action_id, value, user, block_id=block_id, view=view))
        answer = response.json() or {}
        return {k: answer[k] for k in ("options", "option_groups") if k in answer}

    # -- helpers ------------------------------------------------------------------------------------

    def _show_ack_body(self, response: p.SimResponse, origin: Origin) -> None:
        """A command acknowledged with text (`ack("…")`) shows that text to the user, as Slack does."""
        body = response.body.strip()
        if not body:
            return
        try:
            answer = json.loads(body)
        except json.JSONDecodeError:
            answer = {"text": body}
        if isinstance(answer, dict) and (answer.get("text") or answer.get("blocks")):
            ts = self.stub.new_ts()
            with self._cond:
                self._add_ephemeral(origin.user, origin.channel, answer, ts)
                self._bump()

    def _users_view(self, user: str, view_id: str, *, home: bool = False) -> dict[str, Any]:
        self._check_user(user)
        if home:
            view = self.stub.home(user)
            if view is None or (view_id and view["id"] != view_id):
                raise PageError("The Home tab changed; look again.")
            return view
        with self._cond:
            mine = view_id in self.state.stacks.get(user, [])
        view = self.stub.view(view_id) if mine else None
        if view is None:
            raise PageError("That form is closed.")
        return view

    def _ephemeral(self, user: str, eph_id: str) -> dict[str, Any]:
        with self._cond:
            for eph in self.state.ephemerals:
                if eph["id"] == eph_id and eph["user"] == user:
                    return copy.deepcopy(eph)
        raise PageError("That message was only visible for a moment and is gone.")

    @staticmethod
    def _check_channel(user: str, channel: str) -> None:
        if channel not in (SALES_CHANNEL, dm_channel_id(user)):
            raise PageError("You can only write in #sales or in your messages with RefBot.")

    @staticmethod
    def _channel_name(channel: str) -> str:
        return SALES_NAME if channel == SALES_CHANNEL else "directmessage"


def p_escape(text: str) -> str:
    """What Slack's client does to typed text before sending it: &, < and > as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
