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
    resolve_leaderboard_channel(settings, ctx.client)
    app = create_app(settings, context=ctx)
    scheduler = None
    if with_scheduler:
        scheduler = create_scheduler(ctx)
        scheduler.start()
    return ctx, app, scheduler


def resolve_leaderboard_channel(settings: Settings, client: Any) -> None:
    """REFBOT_LEADERBOARD_CHANNEL given by name: look its id up once, at start, and check it like a channel
    set in Slack; a channel that fails the checks gets no leaderboard (said once, in the log)."""
    from refbot.errors import ValidationFailed
    from refbot.services import channels, leaderboard

    name = settings.refbot_leaderboard_channel
    if not name:
        return
    try:
        parsed = leaderboard.parse_channel(name)
        settings.refbot_leaderboard_channel = channels.resolve(client, parsed) if parsed.startswith("#") else parsed
    except ValidationFailed as exc:
        log.error("REFBOT_LEADERBOARD_CHANNEL=%s: %s No weekly leaderboard is posted there.", name, exc.message)
        settings.refbot_leaderboard_channel = None


def wsgi_app(
    bolt_app: Any, *, database: Any = None
) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """Bolt's WSGI handler at /slack/events, plus /healthz (liveness) and /readyz (the database answers
    and is migrated; refbot/health.py) for load balancers."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    from refbot.handlers.malformed import read_request
    from refbot.health import Readiness, wsgi_answer

    class Handler(SlackRequestHandler):
        def dispatch(self, request: Any) -> Any:
            # read_request: a body Bolt cannot parse reaches the app flagged (answered 400 after the
            # signature check) instead of raising in BoltRequest's constructor
            return self.app.dispatch(
                read_request(request.get_body(), query=request.query_string, headers=request.get_headers())
            )

    handler = Handler(bolt_app, path=EVENTS_PATH)
    ready = Readiness(database) if database is not None else None

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        health = wsgi_answer(path, ready, start_response)
        if health is not None:
            return health
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


WORKER_CLASS = "refbot.http_worker.BufferedThreadWorker"


def gunicorn_defaults(settings: Settings, *, threads: int = 32) -> dict[str, Any]:
    """RefBot's gunicorn settings before the operator's: a config file (`-c` in GUNICORN_CMD_ARGS, or
    ./gunicorn.conf.py), then GUNICORN_CMD_ARGS, override any of them."""
    return {
        "bind": f"{format_host(settings.refbot_host)}:{settings.port}",
        "workers": 1,
        # Reads each request whole in the event loop before a thread takes it (refbot/http_worker.py):
        # slow or stalled clients cannot tie up the threads.
        "worker_class": WORKER_CLASS,
        "threads": threads,
        "worker_connections": 1000,
        "timeout": 60,
        # Time to finish acknowledged work after SIGTERM (worker_exit) before being killed.
        "graceful_timeout": 30,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "debug" if settings.log_level == "DEBUG" else "warning",
        "proc_name": "refbot",
    }


def format_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def serve_http(settings: Settings, *, threads: int = 32) -> None:
    """The production HTTP server: gunicorn (one worker with threads by default; the scheduler lives in
    each worker, its claims in the database make every job happen once)."""
    from gunicorn.app.base import Application
    from gunicorn.config import get_default_config_file

    runtime: dict[str, Any] = {}

    def worker_exit(_server: Any, _worker: Any) -> None:
        if runtime:
            finish_work(runtime["app"], runtime["scheduler"])

    class RefBotHTTP(Application):
        def init(self, parser: Any, opts: Any, args: Any) -> None:
            return None

        def load_config(self) -> None:
            for key, value in {**gunicorn_defaults(settings, threads=threads), "worker_exit": worker_exit}.items():
                self.cfg.set(key, value)
            parser = self.cfg.parser()
            env_args = parser.parse_args(self.cfg.get_cmd_args_from_env())
            config_file = env_args.config or get_default_config_file()
            if config_file:
                self.load_config_from_file(config_file)
            for key, value in vars(env_args).items():
                if value is not None and key != "args":
                    self.cfg.set(key.lower(), value)

        def load(self) -> Any:
            _, app, scheduler = build_runtime(settings)
            runtime.update(app=app, scheduler=scheduler)
            log.warning("RefBot is listening on %s at %s", ", ".join(self.cfg.bind), EVENTS_PATH)
            return wsgi_app(app, database=runtime_db(app))

    RefBotHTTP().run()


def runtime_db(app: Any) -> Any:
    return app.refbot.db


def serve_socket_mode(settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    ctx, app, scheduler = build_runtime(settings)
    health = None
    if settings.refbot_health_port:
        from refbot.health import Readiness, serve_health

        health = serve_health(settings.refbot_host, settings.refbot_health_port, Readiness(ctx.db))
        log.warning("health checks on %s:%s (/healthz, /readyz)", settings.refbot_host, settings.refbot_health_port)
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
    if health is not None:
        health.shutdown()
    ctx.close()
