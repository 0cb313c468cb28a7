"""Liveness and readiness, for load balancers and orchestrators.

`/healthz`: the process answers (liveness; never touches the database). `/readyz`: the database answers
and is at the latest schema (readiness; 503 with the reason otherwise). HTTP mode serves both next to
`/slack/events`; Socket Mode has no HTTP server of its own, so `serve_health` runs a small one on
`REFBOT_HEALTH_PORT` when that is set."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import sqlalchemy as sa

log = logging.getLogger(__name__)

Probe = Callable[[], tuple[bool, str]]


class Readiness:
    """Checks the database the app uses (its own engine and pool), at most once a second."""

    def __init__(self, database: Any) -> None:
        from refbot import db as dbmod

        self.database = database
        self.head = dbmod.head_revision(database.url)
        self._lock = threading.Lock()
        self._last: tuple[float, tuple[bool, str]] | None = None

    def __call__(self) -> tuple[bool, str]:
        with self._lock:
            now = time.monotonic()
            if self._last and now - self._last[0] < 1.0:
                return self._last[1]
            result = self._check()
            self._last = (now, result)
            return result

    def _check(self) -> tuple[bool, str]:
        try:
            with self.database.engine.connect() as conn:
                current = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            log.warning("readiness: the database is unreachable: %s", type(exc).__name__)
            return False, "the database is unreachable"
        if current != self.head:
            return False, f"the database schema is at {current or 'no revision'}, not {self.head}: run `refbot db upgrade`"
        return True, "ready"


def answer(path: str, ready: Probe | None) -> tuple[str, bytes] | None:
    """(status line, body) for a health path, None for any other path."""
    if path == "/healthz":
        return "200 OK", b"ok\n"
    if path == "/readyz":
        if ready is None:
            return "200 OK", b"ready\n"
        ok, reason = ready()
        return ("200 OK" if ok else "503 Service Unavailable"), (reason + "\n").encode()
    return None


def serve_health(host: str, port: int, ready: Probe | None) -> ThreadingHTTPServer:
    """A tiny HTTP server for /healthz and /readyz in a daemon thread (Socket Mode)."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - the base class's name
            found = answer(self.path.split("?", 1)[0], ready)
            status, body = found or ("404 Not Found", b"not found\n")
            self.send_response(int(status.split()[0]))
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="refbot-health", daemon=True).start()
    return server


def wsgi_answer(path: str, ready: Probe | None, start_response: Callable[..., Any]) -> Iterable[bytes] | None:
    found = answer(path, ready)
    if found is None:
        return None
    status, body = found
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
