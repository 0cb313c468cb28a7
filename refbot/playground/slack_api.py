"""A local stand-in for Slack's Web API, for the tests and the playground.

`SlackAPIStub` is a real HTTP server on a loopback port. RefBot's `slack_sdk.WebClient` (and Bolt's
`respond()`, which posts to response URLs) talk to it exactly as they talk to slack.com: POST
`/api/<method>` with a form-encoded or JSON body and `Authorization: Bearer xoxb-...`. The stub records
every call (failed attempts included), answers like Slack does (ids, timestamps, error codes, Block
Kit limits), and injects faults on demand: 429 with Retry-After, 5xx, slow answers, dropped
connections, `ok: false` errors and whole outages.

    with SlackAPIStub() as slack:
        client = slack.new_web_client()
        client.chat_postMessage(channel="U1", text="hi")
        assert slack.messages_to("U1")[0].args["text"] == "hi"
"""
from __future__ import annotations

import contextlib
import copy
import datetime as dt
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from refbot.playground.blockkit import BLOCK_TYPES, texts_of, validate_blocks, validate_view
from refbot.playground.slack_base import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    JSON_FIELDS,
    MESSAGE_TEXT_MAX,
    RESPONSE_URL_MAX_POSTS,
    STATUS_TEXT,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
    Call,
    Fault,
    SlackAPIError,
    dm_channel_id,
    is_user_id,
)
from refbot.playground.slack_files import UPLOAD_PATH, FileUploadMethods
from refbot.playground.slack_methods import WebAPIMethods
from refbot.playground.slack_usergroups import UserGroupMethods
from refbot.slack_scopes import BOT_SCOPES

# What a token installed from manifest.yml is granted (sent in X-OAuth-Scopes).
GRANTED_SCOPES: tuple[str, ...] = tuple(BOT_SCOPES)

__all__ = [
    "APP_ID", "BLOCK_TYPES", "BOT_ID", "BOT_USER_ID", "GRANTED_SCOPES", "MESSAGE_TEXT_MAX", "TEAM_DOMAIN", "TEAM_ID", "TEAM_NAME",
    "Call", "Fault", "SlackAPIError", "SlackAPIStub", "active_stub", "dm_channel_id", "texts_of",
    "validate_blocks", "validate_view",
]

# ---------------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        answer = self.server.stub._serve(
            path=self.path,
            raw=raw,
            content_type=self.headers.get("Content-Type") or "",
            authorization=self.headers.get("Authorization") or "",
        )
        if answer is None:  # a dropped connection
            with contextlib.suppress(OSError):
                self.connection.shutdown(2)
            self.close_connection = True
            return
        status, headers, body = answer
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout): Slack did not care
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, stub: SlackAPIStub) -> None:
        self.stub = stub
        super().__init__(("127.0.0.1", 0), _Handler)


_ACTIVE: list[SlackAPIStub] = []
_ACTIVE_LOCK = threading.Lock()


def active_stub() -> SlackAPIStub | None:
    """The most recently started stub that is still running (payload builders use it for default
    response URLs, so Bolt's `respond()` in a test lands here rather than on the internet)."""
    with _ACTIVE_LOCK:
        return _ACTIVE[-1] if _ACTIVE else None


Responder = dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]]


class SlackAPIStub(FileUploadMethods, UserGroupMethods, WebAPIMethods):
    """A local Slack Web API. See the module docstring; every public method is thread-safe."""

    def __init__(
        self,
        *,
        token: str | None = None,
        validate_blocks: bool = True,
        strict_messages: bool = False,
    ) -> None:
        """`token`: the only bot token accepted (others get `invalid_auth`); by default any token is.
        `validate_blocks`: refuse Block Kit that breaks Slack's limits, as Slack does.
        `strict_messages`: chat.update/chat.delete/reactions.add on a message the stub never saw answer
        `message_not_found` (off by default so tests may click on messages they built themselves)."""
        self.expected_token = token
        self.validate_blocks = validate_blocks
        self.strict_messages = strict_messages
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._calls: list[Call] = []
        self._faults: dict[str, list[Fault]] = {}
        self._outages: list[str | None] = []
        self._responders: dict[str, Responder] = {}
        self._watchers: list[Callable[[Call], None]] = []
        self._users: dict[str, dict[str, Any]] = {}
        self._channels: dict[str, dict[str, Any]] = {}
        self._messages: dict[str, dict[str, dict[str, Any]]] = {}
        self._reactions: dict[tuple[str, str], list[str]] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._homes: dict[str, str] = {}
        self._used_triggers: set[str] = set()
        self._response_urls: dict[str, dict[str, Any]] = {}
        self._uploads: dict[str, dict[str, Any]] = {}
        self._usergroups: dict[str, dict[str, Any]] = {}
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "api.test": lambda args: {"args": args},
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.delete": self._chat_delete,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "conversations.join": self._conversations_join,
            "conversations.list": self._conversations_list,
            "apps.connections.open": self._apps_connections_open,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "views.open": self._views_open,
            "views.push": self._views_push,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "reactions.add": self._reactions_add,
            **self._file_handlers(),
            **self._usergroup_handlers(),
        }
        # Slack sends the token's granted scopes in an X-OAuth-Scopes header on every answer; None: no header.
        self.scopes: list[str] | None = list(GRANTED_SCOPES)
        # The only app-level token apps.connections.open accepts (None: any xapp- token).
        self.app_token: str | None = None
        self.add_user(BOT_USER_ID, name="refbot", real_name="RefBot", is_bot=True)

    # -- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> SlackAPIStub:
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="slack-api-stub", daemon=True)
        self._thread.start()
        with _ACTIVE_LOCK:
            _ACTIVE.append(self)
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._stopping.set()  # wakes handlers sleeping on an injected delay
        with _ACTIVE_LOCK:
            if self in _ACTIVE:
                _ACTIVE.remove(self)
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SlackAPIStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """"http://127.0.0.1:PORT" (raises before start())."""
        if self._server is None:
            raise RuntimeError("SlackAPIStub is not running: call start() or use it as a context manager")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def base_url(self) -> str:
        """Web API base URL for `WebClient(base_url=...)` and SLACK_API_URL: "http://127.0.0.1:PORT/api/"."""
        return f"{self.url}/api/"

    def new_web_client(self, token: str | None = "xoxb-test", **kwargs: Any) -> Any:
        """A slack_sdk WebClient pointed at this stub (extra kwargs go to WebClient, e.g. retry_handlers)."""
        from slack_sdk import WebClient

        return WebClient(token=token, base_url=self.base_url, **kwargs)

    # -- directory ----------------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str | None = None,
        *,
        email: str | None = None,
        tz: str = "UTC",
        is_bot: bool = False,
        real_name: str | None = None,
        title: str = "",
        phone: str = "",
        deleted: bool = False,
        is_admin: bool = False,
        locale: str = "en-US",
    ) -> dict[str, Any]:
        """Add (or replace) a workspace member; users.info and users.lookupByEmail answer from here.
        Returns the user object as users.info shows it."""
        name = name or user_id.lower()
        real = real_name or name
        now = dt.datetime.now(dt.UTC)
        offset = ZoneInfo(tz).utcoffset(now)
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name.lower().replace(" ", "."),
            "deleted": deleted,
            "real_name": real,
            "tz": tz,
            "tz_label": now.astimezone(ZoneInfo(tz)).tzname(),
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "is_admin": is_admin,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "locale": locale,
            "profile": {
                "real_name": real,
                "display_name": name,
                "title": title,
                "phone": phone,
                "email": email or "",
                "image_72": f"https://avatars.{TEAM_DOMAIN}.test/{user_id}_72.png",
                "team": TEAM_ID,
            },
        }
        if is_bot:
            user["profile"]["bot_id"] = BOT_ID if user_id == BOT_USER_ID else "B" + user_id[1:]
            user["profile"].pop("email")
        with self._lock:
            self._users[user_id] = user
        return copy.deepcopy(user)

    def add_channel(
        self,
        channel_id: str,
        name: str | None = None,
        *,
        is_private: bool = False,
        is_ext_shared: bool = False,
        is_member: bool = True,
        is_archived: bool = False,
    ) -> dict[str, Any]:
        """Add (or replace) a channel; conversations.info answers from here. Unknown C-ids are answered
        as public, internal channels the bot is in. Posting to an archived channel fails with
        `is_archived`, to a private channel the bot is not in with `not_in_channel`."""
        info = {
            "id": channel_id,
            "name": name or channel_id.lower(),
            "is_channel": not is_private,
            "is_group": is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "is_archived": is_archived,
            "is_general": False,
            "is_shared": is_ext_shared,
            "is_ext_shared": is_ext_shared,
            "is_org_shared": False,
            "is_member": is_member,
            "created": 1_600_000_000,
            "context_team_id": TEAM_ID,
        }
        with self._lock:
            self._channels[channel_id] = info
        return copy.deepcopy(info)

    def set_ext_shared(self, channel_id: str, shared: bool = True) -> None:
        with self._lock:
            info = self._channel(channel_id)
            info["is_ext_shared"] = info["is_shared"] = shared

    def dm_channel(self, user_id: str) -> str:
        return dm_channel_id(user_id)

    # -- fault injection ----------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        *,
        status: int | None = None,
        error: str | None = None,
        retry_after: int | None = None,
        delay: float = 0.0,
        drop: bool = False,
        times: int = 1,
    ) -> None:
        """Make the next `times` calls of `method` ("*": any method, "response_url": response URL posts)
        fail. Faults queue up per method and are consumed in order.

        - `status=429`: HTTP 429 with `Retry-After: retry_after` (default 1) and `{"ok": false, "error":
          "ratelimited"}`
        - `status=500` (any 5xx): a plain-text error body, as Slack's edge answers
        - `error="channel_not_found"`: HTTP 200 `{"ok": false, "error": ...}` (with `status`: that status)
        - `delay=seconds`: wait before answering (with nothing else: then answer normally, so a client
          that timed out never learns the call succeeded, as with a real slow Slack)
        - `drop=True`: close the connection without answering
        """
        if status is None and error is None and not delay and not drop:
            raise ValueError("fail() needs status=, error=, delay= or drop=")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults.setdefault(method, []).append(
                Fault(status, error, retry_after, delay, drop, remaining=times)
            )

    def faults_left(self, method: str | None = None) -> int:
        """How many injected failures have not been consumed yet (for `method`, or in all)."""
        with self._lock:
            queues = [self._faults.get(method, [])] if method else list(self._faults.values())
            return sum(f.remaining for q in queues for f in q)

    @contextlib.contextmanager
    def outage(self, method: str | None = None) -> Iterator[None]:
        """Inside the block every call (or every call of `method`) answers 503, response URLs included."""
        with self._lock:
            self._outages.append(method)
        try:
            yield
        finally:
            with self._lock:
                self._outages.remove(method)

    def respond_with(self, method: str, response: Responder | None) -> None:
        """Answer `method` with a fixed JSON object or `response(args) -> dict` instead of the default
        (authentication and faults still apply). Raise SlackAPIError inside the callable for an error.
        None restores the default. Also the way to serve methods the stub does not implement."""
        with self._lock:
            if response is None:
                self._responders.pop(method, None)
            else:
                self._responders[method] = response

    # -- response URLs ------------------------------------------------------------------------------

    def response_url(self, name: str | None = None) -> str:
        """A response URL served by this stub: "http://127.0.0.1:PORT/response/<id>". `name` becomes the
        id (the same name gives the same URL); by default a fresh id. Posts to it are recorded as calls
        of method "response_url" whose args are the posted JSON plus "id". Like Slack's, a URL accepts 5
        posts; later ones get 404 `used_url`."""
        with self._lock:
            rid = name or f"r{next(self._ids)}"
            self._response_urls.setdefault(rid, {"posts": 0, "expired": False})
        return f"{self.url}/response/{rid}"

    def expire_response_url(self, url_or_id: str) -> None:
        """Posts to this response URL now get 404 `expired_url` (Slack's are valid for 30 minutes)."""
        rid = url_or_id.rstrip("/").rsplit("/", 1)[-1]
        with self._lock:
            self._response_urls.setdefault(rid, {"posts": 0, "expired": False})["expired"] = True

    # -- queries ------------------------------------------------------------------------------------

    def calls(self, method: str | None = None, **match: Any) -> list[Call]:
        """Recorded calls (failed attempts included), oldest first, of `method` and whose args equal
        every `match` (e.g. calls("chat.postMessage", channel="U1"))."""
        with self._lock:
            return [
                c
                for c in self._calls
                if (method is None or c.method == method)
                and all(c.args.get(k) == v for k, v in match.items())
            ]

    def successful(self, method: str | None = None, **match: Any) -> list[Call]:
        """Like calls(), only those Slack accepted (HTTP 200 and ok: true)."""
        return [c for c in self.calls(method, **match) if c.ok]

    def failed(self, method: str | None = None, **match: Any) -> list[Call]:
        return [c for c in self.calls(method, **match) if not c.ok]

    def last(self, method: str | None = None) -> Call | None:
        """The most recent call of `method` (any outcome), or None."""
        found = self.calls(method)
        return found[-1] if found else None

    def messages_to(self, target: str) -> list[Call]:
        """Accepted chat.postMessage calls that landed in `target`: a channel id, a DM channel id, or a user
        id (meaning the bot's DM with that user, whether posted to "U1" or to its "D1")."""
        channel = dm_channel_id(target) if is_user_id(target) else target
        return [c for c in self.successful("chat.postMessage") if c.response.get("channel") == channel]

    def ephemerals_to(self, user_id: str, channel: str | None = None) -> list[Call]:
        """Accepted chat.postEphemeral calls shown to `user_id` (in `channel` when given)."""
        found = self.successful("chat.postEphemeral", user=user_id)
        return [c for c in found if channel is None or c.args.get("channel") == channel]

    def wait_for(
        self,
        method: str | None,
        predicate: Callable[[Call], bool] | None = None,
        *,
        timeout: float = 5.0,
        count: int = 1,
        include_failed: bool = False,
    ) -> list[Call]:
        """Block until at least `count` accepted calls of `method` (matching `predicate`) were recorded;
        returns all that match. Raises AssertionError after `timeout` seconds, listing what arrived."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [
                    c
                    for c in self._calls
                    if (method is None or c.method == method)
                    and (include_failed or c.ok)
                    and (predicate is None or predicate(c))
                ]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = ", ".join(
                        f"{c.method}:{c.status}:{c.response.get('error') or 'ok'}" for c in self._calls
                    )
                    raise AssertionError(
                        f"waited {timeout} s for {count} {method or 'any'} call(s), {len(found)} matched; "
                        f"recorded: [{seen}]"
                    )
                self._cond.wait(remaining)

    def texts(self, method: str | None = None) -> list[str]:
        """Every human-readable string sent in calls of `method` (all methods when None), flattened from
        text fields, blocks, attachments, views and response-URL posts, failed attempts included."""
        out: list[str] = []
        for c in self.calls(method):
            out.extend(texts_of(c.args))
        return out

    def all_text(self) -> str:
        """texts() of every recorded call joined by newlines, for `assert "ana@acme.test" not in ...`."""
        return "\n".join(self.texts())

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """The current state of a message the bot posted (after chat.update; None once deleted), shaped
        like Slack's message object plus "channel" (payloads.block_actions(message=...) accepts it)."""
        channel = dm_channel_id(channel) if is_user_id(channel) else channel
        with self._lock:
            msg = self._messages.get(channel, {}).get(ts)
            return copy.deepcopy(msg) if msg is not None else None

    def history(self, channel: str) -> list[dict[str, Any]]:
        """Current (non-deleted) bot messages in `channel` (or a user's DM), oldest first."""
        channel = dm_channel_id(channel) if is_user_id(channel) else channel
        with self._lock:
            msgs = self._messages.get(channel, {})
            return [copy.deepcopy(msgs[ts]) for ts in sorted(msgs, key=float)]

    def last_message_to(self, target: str) -> dict[str, Any] | None:
        found = self.history(target)
        return found[-1] if found else None

    def reactions(self, channel: str, ts: str) -> list[str]:
        with self._lock:
            return list(self._reactions.get((channel, ts), []))

    def view(self, view_id: str) -> dict[str, Any] | None:
        """The current state of a modal or Home view (as views.* answered it), or None."""
        with self._lock:
            v = self._views.get(view_id)
            return copy.deepcopy(v) if v is not None else None

    def last_view(self) -> dict[str, Any] | None:
        """The most recently opened, pushed or updated modal."""
        with self._lock:
            modals = [v for v in self._views.values() if v["type"] == "modal"]
            if not modals:
                return None
            return copy.deepcopy(max(modals, key=lambda v: v["_seq"]))

    def home(self, user_id: str) -> dict[str, Any] | None:
        """The Home tab last published for `user_id`, or None."""
        with self._lock:
            vid = self._homes.get(user_id)
            return copy.deepcopy(self._views[vid]) if vid else None

    # -- what Slack's side does beyond the Web API (response URLs, response_action), for the playground --

    def new_ts(self) -> str:
        """A fresh message timestamp, ordered with the ones the stub hands out."""
        with self._lock:
            return self._next_ts()

    def post_as_bot(self, channel: str, args: dict[str, Any]) -> dict[str, Any]:
        """A bot message that did not come through chat.postMessage (a response URL's `in_channel` post)."""
        with self._lock:
            channel = dm_channel_id(channel) if is_user_id(channel) else channel
            msg = self._bot_message(channel, self._next_ts(), args)
            self._messages.setdefault(channel, {})[msg["ts"]] = msg
            return copy.deepcopy(msg)

    def replace_message(self, channel: str, ts: str, args: dict[str, Any]) -> bool:
        """`replace_original` through a response URL: the message's text and blocks change in place."""
        with self._lock:
            msg = self._messages.get(channel, {}).get(ts)
            if msg is None:
                return False
            msg["text"] = args.get("text") or ""
            for key in ("blocks", "attachments"):  # the whole message is replaced
                if args.get(key) is not None:
                    msg[key] = copy.deepcopy(args[key])
                else:
                    msg.pop(key, None)
            msg["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
            return True

    def remove_message(self, channel: str, ts: str) -> bool:
        """`delete_original` through a response URL."""
        with self._lock:
            return self._messages.get(channel, {}).pop(ts, None) is not None

    def set_view(self, view_id: str, view: dict[str, Any]) -> dict[str, Any] | None:
        """`response_action: update`: the submitted modal shows `view` (same id, new hash)."""
        with self._lock:
            current = self._views.get(view_id)
            if current is None:
                return None
            return self._public_view(self._store_view(view, view_id=view_id, keep=current))

    def push_view(self, view: dict[str, Any], *, previous: str) -> dict[str, Any]:
        """`response_action: push`: `view` goes on top of the modal `previous`."""
        with self._lock:
            current = self._views.get(previous)
            root = current["root_view_id"] if current else None
            return self._public_view(self._store_view(view, root=root, previous=previous))

    def reset(self) -> None:
        """Forget calls, faults, outages, custom responders, messages, views and response-URL usage; keep
        the user and channel directory."""
        with self._cond:
            self._calls.clear()
            self._faults.clear()
            self._outages.clear()
            self._responders.clear()
            self._messages.clear()
            self._reactions.clear()
            self._views.clear()
            self._homes.clear()
            self._used_triggers.clear()
            self._response_urls.clear()
            self._uploads.clear()
            self._cond.notify_all()

    # -- request handling ---------------------------------------------------------------------------

    def watch(self, callback: Callable[[Call], None]) -> None:
        """Call `callback(call)` for every call as it is recorded (in the stub's server thread): lets a
        load generator wait for one answer without rescanning every recorded call."""
        self._watchers.append(callback)

    def _record(self, call: Call) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
        for callback in self._watchers:
            callback(call)

    def _take_fault(self, method: str) -> tuple[str, Fault | None]:
        """("outage", None), ("fault", fault) or ("", None)."""
        with self._lock:
            if any(o is None or o == method for o in self._outages):
                return "outage", None
            for key in (method, "*"):
                queue = self._faults.get(key)
                if queue:
                    fault = queue[0]
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        queue.pop(0)
                    return "fault", fault
        return "", None

    def _serve(
        self, *, path: str, raw: bytes, content_type: str, authorization: str
    ) -> tuple[int, dict[str, str], bytes] | None:
        parts = urlsplit(path)
        if parts.path.startswith("/api/") and len(parts.path) > 5:
            method = parts.path[5:].strip("/")
        elif parts.path.startswith("/response/") and len(parts.path) > 10:
            method = "response_url"
        elif parts.path.startswith(UPLOAD_PATH) and len(parts.path) > len(UPLOAD_PATH):
            method = "upload"
        else:
            return 404, {"Content-Type": "text/plain"}, b"Not Found"
        started = time.time()
        parse_error: SlackAPIError | None = None
        try:
            args = {} if method == "upload" else self._parse(raw, content_type, parts.query)
        except SlackAPIError as exc:
            args, parse_error = {}, exc
        token = None
        if method == "upload":  # the upload URL is signed by its path, like Slack's: no token
            args["id"] = parts.path[len(UPLOAD_PATH):].strip("/")
        elif method != "response_url":
            bearer = authorization[7:].strip() if authorization.lower().startswith("bearer ") else ""
            form_token = args.pop("token", None)
            token = bearer or (str(form_token) if form_token else None)
        else:
            args["id"] = parts.path[len("/response/") :].strip("/")

        kind, fault = self._take_fault(method)
        delay = fault.delay if fault else 0.0
        if delay:
            self._stopping.wait(delay)
        call = Call(method=method, args=args, token=token, at=started, delayed=delay)
        if kind == "outage":
            return self._plain_error(call, 503)
        if fault is not None and fault.drop:
            call.status, call.response = 0, {"ok": False, "error": "connection_dropped"}
            self._record(call)
            return None
        if fault is not None and fault.status == 429:
            retry_after = fault.retry_after if fault.retry_after is not None else 1
            headers = {"Retry-After": str(retry_after)}
            return self._json(call, 429, {"ok": False, "error": "ratelimited"}, headers)
        if fault is not None and fault.status is not None and fault.status >= 500 and fault.error is None:
            return self._plain_error(call, fault.status)
        if fault is not None and (fault.error is not None or fault.status is not None):
            error = fault.error or f"http_{fault.status}"
            return self._json(call, fault.status or 200, {"ok": False, "error": error})

        if parse_error is not None:
            body = {"ok": False, "error": parse_error.error, **parse_error.extra}
            return self._json(call, parse_error.status, body)
        if method == "response_url":
            return self._post_response_url(call)
        if method == "upload":
            return self._serve_upload(call, raw)
        if not token:
            return self._json(call, 200, {"ok": False, "error": "not_authed"})
        if method == "apps.connections.open":
            if not token.startswith("xapp-"):
                return self._json(call, 200, {"ok": False, "error": "not_allowed_token_type"})
            if self.app_token is not None and token != self.app_token:
                return self._json(call, 200, {"ok": False, "error": "invalid_auth"})
        elif self.expected_token is not None and token != self.expected_token:
            return self._json(call, 200, {"ok": False, "error": "invalid_auth"})
        with self._lock:
            responder = self._responders.get(method)
            handler = self._handlers.get(method)
            try:
                if responder is not None:
                    body = responder(copy.deepcopy(args)) if callable(responder) else copy.deepcopy(responder)
                    body.setdefault("ok", True)
                elif handler is not None:
                    body = {"ok": True, **handler(args)}
                else:
                    raise SlackAPIError("unknown_method", req_method=method)
            except SlackAPIError as exc:
                return self._json(call, exc.status, {"ok": False, "error": exc.error, **exc.extra})
            scopes = {} if self.scopes is None or method == "apps.connections.open" else {
                "X-OAuth-Scopes": ",".join(self.scopes)}
            return self._json(call, 200, body, scopes)

    def _json(
        self, call: Call, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        call.status, call.response = status, body
        self._record(call)
        all_headers = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        return status, all_headers, json.dumps(body).encode()

    def _plain_error(self, call: Call, status: int) -> tuple[int, dict[str, str], bytes]:
        call.status, call.response = status, {"ok": False, "error": f"http_{status}"}
        self._record(call)
        text = f"{status} {STATUS_TEXT.get(status, 'Server Error')}"
        return status, {"Content-Type": "text/plain; charset=utf-8"}, text.encode()

    @staticmethod
    def _parse(raw: bytes, content_type: str, query: str) -> dict[str, Any]:
        args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
        text = raw.decode("utf-8", errors="replace")
        if text.strip():
            if "json" in content_type.lower() or text.lstrip().startswith("{"):
                try:
                    body = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise SlackAPIError("invalid_json", status=400) from exc
                if not isinstance(body, dict):
                    raise SlackAPIError("invalid_json", status=400)
                args.update(body)
            elif "multipart/form-data" in content_type.lower():
                raise SlackAPIError("invalid_form_data")
            else:
                args.update(parse_qsl(text, keep_blank_values=True))
        if isinstance(args.get("payload"), str) and "json" not in content_type.lower():
            # incoming-webhook style form post: payload={json}
            with contextlib.suppress(json.JSONDecodeError):
                payload = json.loads(args.pop("payload"))
                if isinstance(payload, dict):
                    args.update(payload)
        for key in JSON_FIELDS:
            value = args.get(key)
            if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
                try:
                    args[key] = json.loads(value)
                except json.JSONDecodeError as exc:
                    error = "invalid_arguments" if key == "view" else f"invalid_{key}_format"
                    raise SlackAPIError(error) from exc
        return args

    # -- response URLs ------------------------------------------------------------------------------

    def _post_response_url(self, call: Call) -> tuple[int, dict[str, str], bytes]:
        rid = call.args["id"]
        with self._lock:
            state = self._response_urls.setdefault(rid, {"posts": 0, "expired": False})
            if state["expired"]:
                return self._json(call, 404, {"ok": False, "error": "expired_url"})
            if state["posts"] >= RESPONSE_URL_MAX_POSTS:
                return self._json(call, 404, {"ok": False, "error": "used_url"})
            problem = self._message_problem(call.args, require_text=not call.args.get("delete_original"))
            if problem is not None:
                return self._json(call, 400, {"ok": False, **problem})
            state["posts"] += 1
        return self._json(call, 200, {"ok": True})
