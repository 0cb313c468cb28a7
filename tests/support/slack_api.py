"""A local stand-in for Slack's Web API, for tests.

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
import hashlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from refbot.slack_scopes import BOT_SCOPES

BOT_USER_ID = "UBOT"
# What a token installed from manifest.yml is granted (sent in X-OAuth-Scopes).
GRANTED_SCOPES: tuple[str, ...] = tuple(BOT_SCOPES)
BOT_ID = "BBOT"
APP_ID = "A0REFBOT"
TEAM_ID = "T0001"
TEAM_NAME = "Acme"
TEAM_DOMAIN = "acme"
RESPONSE_URL_MAX_POSTS = 5
MESSAGE_TEXT_MAX = 40_000

# Arguments whose JSON-encoded string values are decoded to objects (slack_sdk sends them as strings
# inside form fields, and callers may do so in JSON bodies too).
JSON_FIELDS = ("blocks", "view", "attachments", "metadata")

_ID_RE = re.compile(r"^[CDGUWTB][A-Z0-9]+$")
_STATUS_TEXT = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def dm_channel_id(user_id: str) -> str:
    """The id of the bot's DM channel with `user_id` ("U1" -> "D1", "UADMIN" -> "DADMIN"), as the stub
    answers from chat.postMessage and conversations.open. Deterministic, so tests can name it."""
    return "D" + (user_id[1:] if user_id.startswith("U") else user_id)


def _is_user_id(value: str) -> bool:
    return bool(_ID_RE.match(value)) and value[0] in "UW"


@dataclass
class Call:
    """One request the stub received. `status` is the HTTP status it answered (0: connection dropped);
    `response` the JSON it answered (for plain-text errors, `{"ok": False, "error": "http_<status>"}`)."""

    method: str
    args: dict[str, Any]
    token: str | None
    at: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    delayed: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.response.get("ok") is True

    @property
    def error(self) -> str | None:
        return None if self.ok else str(self.response.get("error") or f"http_{self.status}")


@dataclass
class Fault:
    status: int | None
    error: str | None
    retry_after: int | None
    delay: float
    drop: bool
    remaining: int


def _invalid_arguments(message: str) -> SlackAPIError:
    return SlackAPIError("invalid_arguments", response_metadata={"messages": [f"[ERROR] {message}"]})


class SlackAPIError(Exception):
    """Raised inside a method handler to answer `{"ok": false, "error": ...}` (HTTP 200 by default)."""

    def __init__(self, error: str, status: int = 200, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.extra = extra


# ---------------------------------------------------------------------------------------------------
# Block Kit validation (the documented limits Slack enforces; a violation is an `invalid_blocks` answer)
# ---------------------------------------------------------------------------------------------------

BLOCK_TYPES = frozenset(
    {"section", "divider", "image", "actions", "context", "input", "header", "rich_text", "video", "file",
     "markdown", "call"}
)
_OPTION_ELEMENTS = {"static_select", "multi_static_select", "overflow", "checkboxes", "radio_buttons"}


def _too_long(limit: int, pointer: str) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{pointer}]"


def _check_text(obj: Any, ptr: str, errors: list[str], *, limit: int, plain: bool = False) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        errors.append(f"must provide a text object [json-pointer:{ptr}]")
        return
    if plain and obj["type"] != "plain_text":
        errors.append(f"must be plain_text [json-pointer:{ptr}/type]")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        errors.append(f"must be more than 0 characters [json-pointer:{ptr}/text]")
    elif len(text) > limit:
        errors.append(_too_long(limit, f"{ptr}/text"))


def _check_option(opt: Any, ptr: str, errors: list[str]) -> None:
    if not isinstance(opt, dict):
        errors.append(f"must be an option object [json-pointer:{ptr}]")
        return
    _check_text(opt.get("text"), f"{ptr}/text", errors, limit=75)
    value = opt.get("value")
    if value is not None and len(str(value)) > 150:
        errors.append(_too_long(150, f"{ptr}/value"))


def _check_element(el: Any, ptr: str, errors: list[str]) -> None:
    if not isinstance(el, dict) or not isinstance(el.get("type"), str):
        errors.append(f"missing required field: type [json-pointer:{ptr}]")
        return
    kind = el["type"]
    if len(str(el.get("action_id", ""))) > 255:
        errors.append(_too_long(255, f"{ptr}/action_id"))
    if "placeholder" in el:
        _check_text(el["placeholder"], f"{ptr}/placeholder", errors, limit=150, plain=True)
    if kind == "button":
        _check_text(el.get("text"), f"{ptr}/text", errors, limit=75, plain=True)
        if len(str(el.get("value", ""))) > 2000:
            errors.append(_too_long(2000, f"{ptr}/value"))
        if len(str(el.get("url", ""))) > 3000:
            errors.append(_too_long(3000, f"{ptr}/url"))
    elif kind in _OPTION_ELEMENTS:
        options = el.get("options")
        groups = el.get("option_groups")
        if options is None and groups is None:
            errors.append(f"must provide options or option_groups [json-pointer:{ptr}]")
        limit = {"overflow": 5, "checkboxes": 10, "radio_buttons": 10}.get(kind, 100)
        for i, opt in enumerate(options or []):
            _check_option(opt, f"{ptr}/options/{i}", errors)
        if options is not None and not 1 <= len(options) <= limit:
            errors.append(f"must provide between 1 and {limit} items [json-pointer:{ptr}/options]")
        for g, group in enumerate(groups or []):
            for i, opt in enumerate(group.get("options", [])):
                _check_option(opt, f"{ptr}/option_groups/{g}/options/{i}", errors)
        for key in ("initial_option",):
            if key in el:
                _check_option(el[key], f"{ptr}/{key}", errors)
    elif kind == "plain_text_input":
        if len(str(el.get("initial_value", ""))) > 3000:
            errors.append(_too_long(3000, f"{ptr}/initial_value"))
    elif kind == "image":
        if not el.get("image_url") and not el.get("slack_file"):
            errors.append(f"missing required field: image_url [json-pointer:{ptr}]")
        if len(str(el.get("alt_text", ""))) > 2000:
            errors.append(_too_long(2000, f"{ptr}/alt_text"))


def validate_blocks(blocks: Any, *, surface: str, pointer: str = "/blocks") -> list[str]:
    """Errors Slack would report for `blocks` on `surface` ("message", "modal" or "home"), Slack-style
    ("must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]"); [] when valid."""
    errors: list[str] = []
    if not isinstance(blocks, list):
        return [f"must be an array [json-pointer:{pointer}]"]
    limit = 50 if surface == "message" else 100
    if len(blocks) > limit:
        errors.append(f"no more than {limit} items allowed [json-pointer:{pointer}]")
    block_ids: set[str] = set()
    for b, block in enumerate(blocks):
        ptr = f"{pointer}/{b}"
        if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
            errors.append(f"unsupported type: {block.get('type') if isinstance(block, dict) else block!r} "
                          f"[json-pointer:{ptr}/type]")
            continue
        kind = block["type"]
        block_id = block.get("block_id")
        if block_id is not None:
            if len(str(block_id)) > 255:
                errors.append(_too_long(255, f"{ptr}/block_id"))
            if block_id in block_ids:
                errors.append(f"duplicate block_id: {block_id} [json-pointer:{ptr}/block_id]")
            block_ids.add(block_id)
        if kind == "section":
            if "text" not in block and "fields" not in block:
                errors.append(f"must provide text or fields [json-pointer:{ptr}]")
            if "text" in block:
                _check_text(block["text"], f"{ptr}/text", errors, limit=3000)
            fields = block.get("fields")
            if fields is not None:
                if len(fields) > 10:
                    errors.append(f"no more than 10 items allowed [json-pointer:{ptr}/fields]")
                for i, f in enumerate(fields):
                    _check_text(f, f"{ptr}/fields/{i}", errors, limit=2000)
            if "accessory" in block:
                _check_element(block["accessory"], f"{ptr}/accessory", errors)
        elif kind == "header":
            _check_text(block.get("text"), f"{ptr}/text", errors, limit=150, plain=True)
        elif kind == "actions":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 25:
                errors.append(f"must provide between 1 and 25 items [json-pointer:{ptr}/elements]")
            seen: set[str] = set()
            for i, el in enumerate(elements):
                _check_element(el, f"{ptr}/elements/{i}", errors)
                action_id = el.get("action_id") if isinstance(el, dict) else None
                if action_id is not None:
                    if action_id in seen:
                        errors.append(f"duplicate action_id: {action_id} [json-pointer:{ptr}/elements/{i}]")
                    seen.add(action_id)
        elif kind == "context":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 10:
                errors.append(f"must provide between 1 and 10 items [json-pointer:{ptr}/elements]")
            for i, el in enumerate(elements):
                if isinstance(el, dict) and el.get("type") == "image":
                    _check_element(el, f"{ptr}/elements/{i}", errors)
                else:
                    _check_text(el, f"{ptr}/elements/{i}", errors, limit=3000)
        elif kind == "input":
            _check_text(block.get("label"), f"{ptr}/label", errors, limit=2000, plain=True)
            if "hint" in block:
                _check_text(block["hint"], f"{ptr}/hint", errors, limit=2000, plain=True)
            if "element" not in block:
                errors.append(f"missing required field: element [json-pointer:{ptr}]")
            else:
                _check_element(block["element"], f"{ptr}/element", errors)
        elif kind == "image":
            _check_element(block, ptr, errors)
    return errors


def validate_view(view: Any) -> list[str]:
    """Errors Slack would report for a modal or Home tab view object."""
    if not isinstance(view, dict):
        return ["must be an object [json-pointer:/view]"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return [f"unsupported type: {kind!r} [json-pointer:/view/type]"]
    errors = validate_blocks(view.get("blocks"), surface=kind, pointer="/view/blocks")
    if kind == "modal":
        _check_text(view.get("title"), "/view/title", errors, limit=24, plain=True)
        for key in ("submit", "close"):
            if key in view:
                _check_text(view[key], f"/view/{key}", errors, limit=24, plain=True)
        blocks = view.get("blocks") if isinstance(view.get("blocks"), list) else []
        has_inputs = any(isinstance(b, dict) and b.get("type") == "input" for b in blocks)
        if has_inputs and "submit" not in view:
            errors.append("submit is required when an input block is present [json-pointer:/view/submit]")
    if len(str(view.get("private_metadata", ""))) > 3000:
        errors.append(_too_long(3000, "/view/private_metadata"))
    for key in ("callback_id", "external_id"):
        if len(str(view.get(key, ""))) > 255:
            errors.append(_too_long(255, f"/view/{key}"))
    return errors


# ---------------------------------------------------------------------------------------------------
# Text extraction for leak assertions
# ---------------------------------------------------------------------------------------------------

# Keys whose string values are ids or enums, not something a person reads.
_NOT_TEXT = frozenset(
    {"type", "action_id", "block_id", "callback_id", "style", "channel", "ts", "thread_ts", "message_ts",
     "user", "user_id", "users", "trigger_id", "view_id", "external_id", "hash", "response_type", "id",
     "token", "emoji", "verbatim", "dispatch_action", "mrkdwn", "parse", "link_names", "unfurl_links",
     "unfurl_media", "reply_broadcast", "as_user", "timestamp", "replace_original", "delete_original",
     "include_locale", "return_im", "team_id", "root_view_id", "previous_view_id", "email", "name"}
)


def _strings(value: Any, key: str | None, out: list[str]) -> None:
    if isinstance(value, str):
        if key not in _NOT_TEXT and value:
            out.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            _strings(v, k, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, key, out)


def texts_of(obj: Any) -> list[str]:
    """Every human-readable string in `obj` (text fields, block texts, option labels, button values,
    private_metadata, URLs...), skipping ids and enum fields."""
    out: list[str] = []
    _strings(obj, None, out)
    return out


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


class SlackAPIStub:
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
        user = {
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
        channel = dm_channel_id(target) if _is_user_id(target) else target
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
        channel = dm_channel_id(channel) if _is_user_id(channel) else channel
        with self._lock:
            msg = self._messages.get(channel, {}).get(ts)
            return copy.deepcopy(msg) if msg is not None else None

    def history(self, channel: str) -> list[dict[str, Any]]:
        """Current (non-deleted) bot messages in `channel` (or a user's DM), oldest first."""
        channel = dm_channel_id(channel) if _is_user_id(channel) else channel
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
            self._cond.notify_all()

    # -- request handling ---------------------------------------------------------------------------

    def _next_ts(self) -> str:
        micro = 1_700_000_000_000_000 + next(self._ts) * 100
        return f"{micro // 1_000_000}.{micro % 1_000_000:06d}"

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):010d}"

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
        else:
            return 404, {"Content-Type": "text/plain"}, b"Not Found"
        started = time.time()
        try:
            args = self._parse(raw, content_type, parts.query)
        except SlackAPIError as exc:
            args, parse_error = {}, exc
        else:
            parse_error = None
        token = None
        if method != "response_url":
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
        text = f"{status} {_STATUS_TEXT.get(status, 'Server Error')}"
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

    # -- Web API methods ----------------------------------------------------------------------------

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
        if channel.startswith("#") or not _ID_RE.match(channel):
            name = channel.lstrip("#")
            for info in self._channels.values():
                if info.get("name") == name:
                    return str(info["id"])
            raise SlackAPIError("channel_not_found")
        if _is_user_id(channel):
            if not for_posting:
                raise SlackAPIError("channel_not_found")
            self._check_dm_target(channel)
            return dm_channel_id(channel)
        return channel

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
            if not _is_user_id(uid):
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
            raise _invalid_arguments("missing required field: view")
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
            raise _invalid_arguments("missing required field: trigger_id")
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
            raise _invalid_arguments("view type must be modal")
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
            raise _invalid_arguments("view_id or external_id required")
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
            raise _invalid_arguments("missing required field: user_id")
        user = self._users.get(user_id)
        if user is not None and user["deleted"]:
            raise SlackAPIError("user_not_found")
        view = self._check_view(args.get("view"))
        if view.get("type") != "home":
            raise _invalid_arguments("view type must be home")
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
