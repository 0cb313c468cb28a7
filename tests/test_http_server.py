"""The HTTP server as deployed (`refbot start`): slow clients cannot starve Slack's requests (15.5), the bind
address and gunicorn's settings are the operator's (15.7, GUNICORN_CMD_ARGS), and /healthz and /readyz."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import SIGNING_SECRET
from tests.support.payloads import sign, slash_command
from tests.support.refbot_server import RefBotServer, free_port, http_get

SLOW_CLIENTS = 200


def _post(url: str, body: str, headers: dict[str, str]) -> int:
    req = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def server(slack_api, db_url, tmp_path):
    with RefBotServer(slack_api_url=slack_api.base_url, database_url=db_url, signing_secret=SIGNING_SECRET,
                      workdir=tmp_path) as srv:
        yield srv


def _open_slow_clients(port: int, count: int, stop: threading.Event) -> list[socket.socket]:
    """`count` connections that send their headers and then the body one byte a second, half of them
    also dribbling their headers; a thread keeps them trickling until `stop`."""
    socks = []
    for i in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        head = ("POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                "Content-Length: 1000\r\n\r\n")
        s.sendall(head.encode() if i % 2 == 0 else head[:10].encode())
        socks.append(s)

    def trickle() -> None:
        while not stop.wait(1.0):
            for s in socks:
                with contextlib.suppress(OSError):
                    s.send(b"a")

    threading.Thread(target=trickle, daemon=True).start()
    return socks


def test_slow_clients_do_not_starve_slack(server, slack_api):
    stop = threading.Event()
    socks = _open_slow_clients(server.port, SLOW_CLIENTS, stop)
    try:
        time.sleep(1.5)  # every slow client has started sending
        for _ in range(3):
            started = time.monotonic()
            status, body = http_get(f"{server.url}/healthz")
            assert status == 200 and body == "ok\n"
            assert time.monotonic() - started < 1.0

            url = slack_api.response_url()
            body, content_type = slash_command("help", user_id="U1", response_url=url)
            started = time.monotonic()
            status = _post(server.events_url, body, {**sign(body, SIGNING_SECRET), "Content-Type": content_type})
            assert status == 200
            assert time.monotonic() - started < 1.0
            slack_api.wait_for("response_url", lambda c, u=url: c.args.get("id") == u.rsplit("/", 1)[-1], timeout=5)
            time.sleep(0.5)
    finally:
        stop.set()
        for s in socks:
            s.close()


def test_oversized_body_is_refused_without_reading_it(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 413")


def test_readyz_reports_the_database(server):
    assert http_get(f"{server.url}/readyz") == (200, "ready\n")
    assert http_get(f"{server.url}/healthz") == (200, "ok\n")


def test_bind_address_and_gunicorn_settings_come_from_the_environment(slack_api, tmp_path):
    """REFBOT_HOST binds where the operator says; GUNICORN_CMD_ARGS adds to (and overrides) RefBot's
    defaults: here a second listener and an access log."""
    extra_port = free_port()
    with RefBotServer(slack_api_url=slack_api.base_url, database_url=f"sqlite:///{tmp_path / 'r.db'}",
                      signing_secret=SIGNING_SECRET, workdir=tmp_path,
                      extra_env={"GUNICORN_CMD_ARGS": "--access-logfile -",
                                 "REFBOT_HOST": "127.0.0.1"}) as srv:
        assert http_get(f"{srv.url}/healthz")[0] == 200
        time.sleep(0.5)
        assert "GET /healthz" in srv.output()
    assert extra_port  # a free port was available for the check below
    with RefBotServer(slack_api_url=slack_api.base_url, database_url=f"sqlite:///{tmp_path / 's.db'}",
                      signing_secret=SIGNING_SECRET, workdir=tmp_path,
                      extra_env={"GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{extra_port}"},
                      probe_url=f"http://127.0.0.1:{extra_port}/healthz") as srv:
        # GUNICORN_CMD_ARGS --bind replaces REFBOT_HOST:PORT
        assert http_get(f"http://127.0.0.1:{extra_port}/healthz")[0] == 200
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", srv.port), timeout=2).close()
