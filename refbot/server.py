"""Running RefBot: Socket Mode, or HTTP mode behind gunicorn (Bolt's WSGI adapter)."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterable
from typing import Any

from refbot.config import Settings

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def build_runtime(settings: Settings, *, with_scheduler: bool = True) -> tuple[Any, Any, Any]:
    """(context, bolt app, scheduler or None), scheduler started."""
    from refbot.context import build_context
    from refbot.jobs import create_scheduler
    from refbot.slack_app import create_app

    ctx = build_context(settings)
    app = create_app(settings, context=ctx)
    scheduler = None
    if with_scheduler:
        scheduler = create_scheduler(ctx)
        scheduler.start()
    return ctx, app, scheduler


def wsgi_app(bolt_app: Any) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """Bolt's WSGI handler at /slack/events plus a /healthz probe for load balancers."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    from refbot.handlers.malformed import read_request

    class Handler(SlackRequestHandler):
        def dispatch(self, request: Any) -> Any:
            # read_request: a body Bolt cannot parse reaches the app flagged (answered 400 after the
            # signature check) instead of raising in BoltRequest's constructor
            return self.app.dispatch(
                read_request(request.get_body(), query=request.query_string, headers=request.get_headers())
            )

    handler = Handler(bolt_app, path=EVENTS_PATH)

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        if path != EVENTS_PATH:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        try:
            return handler(environ, start_response)
        except Exception:  # last resort (e.g. a body that is not UTF-8): the client's fault, never a 500
            log.info("unreadable request to %s refused", EVENTS_PATH, exc_info=True)
            start_response("400 Bad Request", [("Content-Type", "text/plain")])
            return [b"bad request\n"]

    return application


def finish_work(app: Any, scheduler: Any) -> None:
    """On the way out: stop the scheduler, then let every listener Slack already got an answer for do
    its work (queued ones included) before the process ends."""
    if scheduler is not None:
        scheduler.shutdown(wait=False)
    app.listener_runner.listener_executor.shutdown(wait=True)


def serve_http(settings: Settings, *, threads: int = 32) -> None:
    """The production HTTP server: one gunicorn worker with threads (the scheduler lives in the worker)."""
    from gunicorn.app.base import BaseApplication

    runtime: dict[str, Any] = {}

    def worker_exit(_server: Any, _worker: Any) -> None:
        if runtime:
            finish_work(runtime["app"], runtime["scheduler"])

    class RefBotHTTP(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": f"0.0.0.0:{settings.port}",
                "workers": 1,
                "worker_class": "gthread",
                "threads": threads,
                "timeout": 60,
                # Time to finish acknowledged work after SIGTERM (worker_exit) before being killed.
                "graceful_timeout": 30,
                "worker_exit": worker_exit,
                "keepalive": 5,
                "accesslog": None,
                "errorlog": "-",
                "loglevel": "warning",
                "proc_name": "refbot",
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            _, app, scheduler = build_runtime(settings)
            runtime.update(app=app, scheduler=scheduler)
            log.warning("RefBot is listening on port %s at %s", settings.port, EVENTS_PATH)
            return wsgi_app(app)

    RefBotHTTP().run()


def serve_socket_mode(settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    ctx, app, scheduler = build_runtime(settings)
    handler = SocketModeHandler(app, settings.slack_app_token)
    stop = threading.Event()

    def _stop(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    handler.connect()
    log.warning("RefBot is connected to Slack in Socket Mode")
    stop.wait()
    handler.close()
    finish_work(app, scheduler)
    ctx.close()
