"""Operating RefBot: the manifest's scopes, JSON logs, readiness (HTTP and Socket Mode), the demo with and
without --owner, the signature check's edge cases."""

from __future__ import annotations

import io
import json
import logging
import time

import yaml

from refbot import db as dbmod
from refbot import logs
from refbot.health import Readiness, serve_health
from refbot.signature import is_verified
from refbot.slack_scopes import BOT_SCOPES
from tests.support.payloads import signature
from tests.support.refbot_server import ROOT, free_port, http_get


def test_manifest_asks_for_exactly_the_scopes_refbot_uses():
    manifest = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert manifest["oauth_config"]["scopes"]["bot"] == list(BOT_SCOPES)
    assert "reactions:write" not in BOT_SCOPES


def test_json_logs_are_one_object_a_line(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.setenv("LOG_LEVEL", "INFO")
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        logs.configure()
        stream = io.StringIO()
        root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
        logging.getLogger("refbot.test").info("hello %s", "there")
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("refbot.test").exception("failed")
        first, second = (json.loads(line) for line in stream.getvalue().splitlines())
        assert first["level"] == "INFO" and first["logger"] == "refbot.test" and first["message"] == "hello there"
        assert first["time"].endswith("Z")
        assert "ValueError: boom" in second["exc_info"]
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def test_socket_mode_health_port_reports_readiness(tmp_path):
    url = f"sqlite:///{tmp_path / 'r.db'}"
    dbmod.upgrade(url, "0001")
    database = dbmod.Database(url)
    port = free_port()
    server = serve_health("127.0.0.1", port, Readiness(database))
    try:
        assert http_get(f"http://127.0.0.1:{port}/healthz") == (200, "ok\n")
        status, body = http_get(f"http://127.0.0.1:{port}/readyz")
        assert status == 503 and "run `refbot db upgrade`" in body
        dbmod.upgrade(url)
        time.sleep(1.1)  # readiness is cached for a second
        assert http_get(f"http://127.0.0.1:{port}/readyz") == (200, "ready\n")
        assert http_get(f"http://127.0.0.1:{port}/other")[0] == 404
    finally:
        server.shutdown()
        database.dispose()


def test_readiness_says_when_the_database_is_unreachable():
    database = dbmod.Database(f"postgresql+psycopg://x:y@127.0.0.1:{free_port()}/refbot")
    try:
        ok, reason = Readiness(database)()
        assert not ok and reason == "the database is unreachable"
    finally:
        database.dispose()


def test_signature_check_accepts_only_slacks_exact_format():
    now = int(time.time())
    body = "a=1"
    good = {"X-Slack-Request-Timestamp": str(now), "X-Slack-Signature": signature(body, "s", now)}
    assert is_verified(body, good, "s")
    assert is_verified(body.encode(), {k.lower(): [v] for k, v in good.items()}, "s")
    assert not is_verified(body, good, "other")
    assert not is_verified(body + "x", good, "s")
    assert not is_verified(body, {**good, "X-Slack-Request-Timestamp": f" {now}"}, "s")
    assert not is_verified(body, {k: [v, v] for k, v in good.items()}, "s")
    assert not is_verified(body, good, "")


def test_demo_with_and_without_owner_is_the_same_program():
    import datetime as dt

    from refbot.services.demo import generate

    day = dt.date(2026, 12, 1)
    plain = generate(today=day, accounts=30, contacts=90, seed=7)
    owned = generate(today=day, accounts=30, contacts=90, seed=7, owner="UME")
    assert set(plain) == set(owned)
    for name in plain:
        a = plain[name].replace("\r\n", "\n").splitlines()
        b = owned[name].replace("\r\n", "\n").splitlines()
        assert len(a) == len(b)
        if name.startswith("accounts"):
            header = a[0].split(",")
            owner = header.index("owner")
            import csv

            ra, rb = list(csv.reader(a)), list(csv.reader(b))
            assert [r[:owner] + r[owner + 1:] for r in ra] == [r[:owner] + r[owner + 1:] for r in rb]
            assert {r[owner] for r in rb[1:]} == {"UME"}
        else:
            assert a == b
