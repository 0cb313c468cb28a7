"""The playground process: the Slack Web API stand-in, RefBot's real Bolt app (same handlers, services,
outbox, scheduler and database code as `refbot start`) on the demo program in its own SQLite file, and
the page that plays Slack's client, all on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from refbot.playground import payloads as p
from refbot.playground.clock import PlaygroundClock
from refbot.playground.people import MANAGER, OWNER, PROGRAM_TZ, SALES_CHANNEL, populate
from refbot.playground.slack_api import SlackAPIStub
from refbot.playground.workspace import PageError, Workspace

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # never another interface: this is a local imitation, without real users or secrets
BOT_TOKEN = "xoxb-playground-local"
DEFAULT_DB = "refbot-playground.db"
SLACK_SETTINGS = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")
STATIC = ("index.html", "app.js", "blockkit.js", "style.css")
_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".css": "text/css; charset=utf-8"}


class Refused(Exception):
    """The playground will not start here; the message says why and what to do instead."""


def slack_settings_present(env_file: str | Path = ".env") -> list[str]:
    """Which Slack settings are configured, in the environment or in `.env`."""
    from dotenv import dotenv_values

    from_file = dotenv_values(env_file) if Path(env_file).is_file() else {}
    return [name for name in SLACK_SETTINGS if (os.environ.get(name) or from_file.get(name) or "").strip()]


def check_database(path: Path) -> None:
    if path.name == "refbot.db":
        raise Refused("The playground never uses refbot.db (that is the real bot's database); "
                      "pick another file, e.g. --database refbot-playground.db.")


@dataclass
class Playground:
    stub: SlackAPIStub
    ctx: Any  # refbot.context.AppContext
    app: Any  # slack_bolt.App
    scheduler: Any
    workspace: Workspace
    clock: PlaygroundClock
    signing_secret: str
    url: str = ""

    def close(self) -> None:
        from refbot.server import finish_work

        finish_work(self.app, self.scheduler)
        self.ctx.close()
        self.stub.stop()

    # -- time ---------------------------------------------------------------------------------------

    def move_time(self, step: str) -> str:
        """"jobs" (run every scheduled job now), "2h", "1d" or "monday" (next Monday 09:00 in the
        program's timezone), then every job: what came due happens now."""
        if step == "2h":
            self.clock.advance(hours=2)
        elif step == "1d":
            self.clock.advance(days=1)
        elif step == "monday":
            self.clock.to_next(weekday=0, hour=9, tz=PROGRAM_TZ)
        elif step != "jobs":
            raise PageError(f"Unknown time step {step!r}.")
        summary = self.run_jobs()
        when = self.clock.now().astimezone(self.ctx.settings.tz)
        text = f"{when:%a %d %b %H:%M} ({self.ctx.settings.refbot_timezone}): {summary}"
        self.workspace.notice(text)
        return text

    def run_jobs(self) -> str:
        """Every scheduled job once, now (the same exactly-once rules as the scheduler), then the outbox."""
        from refbot.jobs import load_jobs, run_job

        before = len(self.stub.successful("chat.postMessage"))
        failed = []
        jobs = load_jobs()
        for name in jobs:
            try:
                run_job(self.ctx, name)
            except Exception:
                log.exception("playground: job %s failed", name)
                failed.append(name)
        self.ctx.deliverer.deliver()
        sent = len(self.stub.successful("chat.postMessage")) - before
        text = f"ran {len(jobs)} scheduled jobs; RefBot sent {sent} message{'' if sent == 1 else 's'}"
        if failed:
            text += f" ({', '.join(failed)} failed: see the terminal)"
        return text


def build(*, database: Path, events_url: str) -> Playground:
    """Everything, started: the stand-in on a free loopback port, the database migrated and holding the
    demo program, RefBot's context/app/scheduler wired to both."""
    from refbot import db as dbmod
    from refbot.config import Settings
    from refbot.context import build_context
    from refbot.errors import ValidationFailed
    from refbot.jobs import create_scheduler
    from refbot.services.demo import load_demo
    from refbot.slack_app import create_app

    check_database(database)
    url = f"sqlite:///{database}"
    dbmod.upgrade(url)
    clock = PlaygroundClock()
    stub = SlackAPIStub(token=BOT_TOKEN).start()
    try:
        populate(stub)
        secret = secrets.token_hex(16)
        settings = Settings(
            slack_bot_token=BOT_TOKEN, slack_signing_secret=secret, slack_app_token=None,
            slack_api_url=stub.base_url, database_url=url, refbot_timezone=PROGRAM_TZ,
            refbot_admins=[MANAGER.id], refbot_leaderboard_channel=SALES_CHANNEL,
        )
        ctx = build_context(settings, clock=clock)
        try:
            with ctx.db.unit_of_work() as session:
                load_demo(session=session, today=clock.today(settings.tz), owner=OWNER.id)
        except ValidationFailed as exc:
            ctx.close()
            raise Refused(f"{database} holds a real program, not the demo: {exc.message}") from None
        app = create_app(settings, context=ctx)
        scheduler = create_scheduler(ctx)
        scheduler.start()
    except BaseException:
        stub.stop()
        raise
    sim = p.SlackClientSim(events_url, secret)
    workspace = Workspace(stub=stub, clock=clock, post=sim.post)
    return Playground(stub=stub, ctx=ctx, app=app, scheduler=scheduler, clock=clock, signing_secret=secret,
                      workspace=workspace, url=events_url.removesuffix("/slack/events"))


# ---------------------------------------------------------------------------------------------------
# The page and its API
# ---------------------------------------------------------------------------------------------------

Start = Callable[..., Any]


def _json(start: Start, status: str, body: Any) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    start(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data))),
                   ("Cache-Control", "no-store")])
    return [data]


def page_app(playground: Playground) -> Callable[[dict[str, Any], Start], Iterable[bytes]]:
    """The WSGI app: the page's files, its JSON API under /pg/, and RefBot's own /slack/events."""
    from refbot.server import wsgi_app

    slack = wsgi_app(playground.app)
    ws = playground.workspace
    files = resources.files("refbot.playground").joinpath("static")

    def post_json(environ: dict[str, Any]) -> dict[str, Any]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b"{}"
        body = json.loads(raw or b"{}")
        if not isinstance(body, dict):
            raise PageError("Expected a JSON object.")
        return body

    def api(path: str, environ: dict[str, Any]) -> Any:
        if path == "/pg/state":
            query = parse_qs(environ.get("QUERY_STRING", ""))
            user = (query.get("user") or [""])[0]
            since = int((query.get("since") or ["-1"])[0] or -1)
            ws.wait(since, timeout=min(float((query.get("wait") or ["20"])[0]), 25.0))
            return ws.snapshot(user)
        if environ["REQUEST_METHOD"] != "POST":
            raise PageError("Use POST.")
        body = post_json(environ)
        user = str(body.get("user") or "")
        if path == "/pg/compose":
            ws.command(user=user, channel=str(body.get("channel") or ""), text=str(body.get("text") or ""))
        elif path == "/pg/reply":
            ws.message(user=user, channel=str(body.get("channel") or ""), text=str(body.get("text") or ""),
                       thread_ts=str(body.get("thread_ts") or "") or None)
        elif path == "/pg/home":
            ws.open_home(user=user)
        elif path == "/pg/action":
            ws.action(user=user, where=body.get("where") or {}, action_id=str(body.get("action_id") or ""),
                      block_id=body.get("block_id"), value=body.get("value"), state=body.get("state"))
        elif path == "/pg/submit":
            return ws.submit(user=user, view_id=str(body.get("view_id") or ""), state=body.get("state") or {})
        elif path == "/pg/close":
            ws.close(user=user, view_id=str(body.get("view_id") or ""))
        elif path == "/pg/suggest":
            return ws.suggest(user=user, view_id=str(body.get("view_id") or ""),
                              action_id=str(body.get("action_id") or ""), block_id=body.get("block_id"),
                              value=str(body.get("value") or ""))
        elif path == "/pg/time":
            return {"notice": playground.move_time(str(body.get("step") or ""))}
        else:
            raise LookupError(path)
        return {}

    def application(environ: dict[str, Any], start: Start) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path in ("/slack/events", "/healthz"):
            return slack(environ, start)
        if path.startswith("/pg/"):
            try:
                return _json(start, "200 OK", api(path, environ))
            except PageError as exc:
                return _json(start, "400 Bad Request", {"error": str(exc)})
            except (ValueError, json.JSONDecodeError):
                return _json(start, "400 Bad Request", {"error": "That request was not understood."})
            except LookupError:
                return _json(start, "404 Not Found", {"error": "No such page action."})
        name = "index.html" if path in ("/", "") else path.removeprefix("/static/")
        if name in STATIC and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            data = files.joinpath(name).read_bytes()
            start("200 OK", [("Content-Type", _TYPES[Path(name).suffix]), ("Content-Length", str(len(data))),
                             ("Cache-Control", "no-cache")])
            return [data]
        start("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]

    return application


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return


def serve(*, database: Path, port: int, ready: Callable[[Playground], None] | None = None,
          stop: threading.Event | None = None) -> None:
    """Run until `stop` is set (or Ctrl-C): listen on 127.0.0.1:`port` (0: any free port), build, call
    `ready(playground)`, serve; stop everything on the way out."""
    check_database(database)
    holder: dict[str, Callable[[dict[str, Any], Start], Iterable[bytes]]] = {}

    def application(environ: dict[str, Any], start: Start) -> Iterable[bytes]:
        if "app" not in holder:
            start("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"starting\n"]
        return holder["app"](environ, start)

    try:
        httpd = make_server(HOST, port, application, server_class=_Server, handler_class=_QuietHandler)
    except OSError as exc:
        raise Refused(f"Port {port} on {HOST} is taken ({exc.strerror}); pick another with --port.") from None
    try:
        playground = build(database=database, events_url=f"http://{HOST}:{httpd.server_address[1]}/slack/events")
    except BaseException:
        httpd.server_close()
        raise
    holder["app"] = page_app(playground)
    thread = threading.Thread(target=httpd.serve_forever, name="playground-http", daemon=True)
    thread.start()
    try:
        if ready is not None:
            ready(playground)
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.shutdown()
        httpd.server_close()
        playground.close()
