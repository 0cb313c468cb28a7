"""The playground process over HTTP: the page and its routes, RefBot's real /slack/events behind them, the
clock controls, and the refusals that keep it a local imitation."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from refbot.cli import main
from refbot.playground import server
from refbot.playground.people import OWNER, PROGRAM_TZ, SALES_CHANNEL, SELLER
from refbot.playground.slack_api import dm_channel_id


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _post(url: str, body: dict | str, headers: dict | None = None) -> tuple[int, dict]:
    data = body if isinstance(body, str) else json.dumps(body)
    req = urllib.request.Request(url, data=data.encode(), headers=headers or {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            text = resp.read().decode()
            return resp.status, json.loads(text) if text.strip().startswith("{") else {"text": text}
    except urllib.error.HTTPError as exc:
        text = exc.read().decode()
        return exc.code, json.loads(text) if text.strip().startswith("{") else {"text": text}


def _state(pg: server.Playground, user: str, since: int = -1, wait: float = 0) -> dict:
    status, body = _get(f"{pg.url}/pg/state?user={user}&since={since}&wait={wait}")
    assert status == 200, body
    return json.loads(body)


def _channel(state: dict, channel: str) -> list[dict]:
    return next(c for c in state["channels"] if c["id"] == channel)["messages"]


def _wait_for(pg: server.Playground, user: str, channel: str, predicate, timeout: float = 15) -> list[dict]:
    import time

    deadline, version = time.monotonic() + timeout, -1
    while time.monotonic() < deadline:
        state = _state(pg, user, since=version, wait=2)
        version = state["version"]
        if any(predicate(m) for m in _channel(state, channel)):
            return _channel(state, channel)
    raise AssertionError(f"nothing matched in {channel} for {user}: {_channel(state, channel)}")


def test_page_says_it_is_an_imitation_and_listens_only_on_loopback(playground):
    assert playground.url.startswith("http://127.0.0.1:")
    status, html = _get(playground.url + "/")
    assert status == 200 and "local imitation of Slack" in html
    for name in ("app.js", "blockkit.js", "style.css"):
        assert _get(f"{playground.url}/static/{name}")[0] == 200
    assert _get(f"{playground.url}/static/../server.py")[0] == 404
    assert _get(f"{playground.url}/pg/state?user=UNOBODY")[0] == 400


def test_slack_events_is_refbots_own_endpoint_and_refuses_unsigned_requests(playground):
    status, _ = _post(f"{playground.url}/slack/events", "command=%2Freference&text=help",
                      {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 401
    assert _get(f"{playground.url}/healthz") == (200, "ok\n")


def test_a_command_typed_on_the_page_reaches_the_real_app_and_its_answer_comes_back(playground):
    status, body = _post(f"{playground.url}/pg/compose",
                         {"user": SELLER.id, "channel": dm_channel_id(SELLER.id), "text": "/reference help"})
    assert (status, body) == (200, {})
    messages = _wait_for(playground, SELLER.id, dm_channel_id(SELLER.id), lambda m: m["kind"] == "ephemeral")
    assert "/reference search" in json.dumps(messages)
    status, body = _post(f"{playground.url}/pg/compose",
                         {"user": SELLER.id, "channel": SALES_CHANNEL, "text": "/remind me"})
    assert status == 400 and body["error"] == "/remind is not a command in this workspace; try /reference help."


def test_a_channel_ask_in_sales_gets_a_reply_in_its_thread(playground):
    text = "anyone have a bank in Germany I can call? need it for a 5k employee deal"
    assert _post(f"{playground.url}/pg/compose", {"user": SELLER.id, "channel": SALES_CHANNEL, "text": text})[0] == 200
    messages = _wait_for(playground, OWNER.id, SALES_CHANNEL, lambda m: m["kind"] == "bot" and m["thread_ts"])
    ask = next(m for m in messages if m["kind"] == "user")
    reply = next(m for m in messages if m["kind"] == "bot" and m["thread_ts"])
    assert reply["thread_ts"] == ask["ts"] and "Germany" in reply["text"]


def test_time_moves_to_next_monday_and_the_weekly_leaderboard_lands_in_sales(playground):
    import datetime as dt
    import zoneinfo

    before = playground.clock.now()
    status, body = _post(f"{playground.url}/pg/time", {"user": SELLER.id, "step": "monday"})
    assert status == 200 and "ran" in body["notice"]
    local = playground.clock.now().astimezone(zoneinfo.ZoneInfo(PROGRAM_TZ))
    assert (local.weekday(), local.hour) == (0, 9) and playground.clock.now() > before
    assert playground.clock.now() - before <= dt.timedelta(days=7)
    _wait_for(playground, SELLER.id, SALES_CHANNEL, lambda m: "leaderboard" in m["text"].lower())
    assert _post(f"{playground.url}/pg/time", {"user": SELLER.id, "step": "-1d"})[0] == 400


def test_refuses_refbot_db_and_a_database_holding_a_real_program(tmp_path):
    with pytest.raises(server.Refused, match="never uses refbot.db"):
        server.serve(database=tmp_path / "refbot.db", port=0)
    from refbot import db as dbmod
    from refbot.models import Account

    real = tmp_path / "real.db"
    dbmod.upgrade(f"sqlite:///{real}")
    database = dbmod.Database(f"sqlite:///{real}")
    with database.unit_of_work() as session:
        session.add(Account(external_id="ACME-1", name="Acme Bank", industry="Banking"))
    database.dispose()
    with pytest.raises(server.Refused, match="holds a real program"):
        server.serve(database=real, port=0)


def test_cli_refuses_when_slack_settings_are_configured(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real-looking")
    assert main(["playground", "--database", str(tmp_path / "p.db")]) == 1
    err = capsys.readouterr().err
    assert "Slack settings are configured (SLACK_BOT_TOKEN" in err and "refbot start" in err
    assert not (tmp_path / "p.db").exists()


def test_run_starts_the_bot_with_slack_settings_and_the_playground_without(monkeypatch, tmp_path):
    from refbot.cli import core
    from refbot.cli import playground as cli_playground

    monkeypatch.chdir(tmp_path)
    for name in server.SLACK_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    chosen: list[str] = []
    monkeypatch.setattr(core, "cmd_start", lambda args: chosen.append("start") or 0)
    monkeypatch.setattr(cli_playground, "cmd_playground", lambda args: chosen.append("playground") or 0)
    assert main(["run"]) == 0
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\n")
    assert main(["run"]) == 0
    assert chosen == ["playground", "start"]
