"""End to end over HTTP: the production server (`refbot start`, gunicorn + Bolt's WSGI adapter) gets
correctly signed Slack requests on a loopback port and answers through the local Slack Web API stand-in."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import SIGNING_SECRET
from tests.support.payloads import sign, slash_command
from tests.support.refbot_server import RefBotServer


def _post(url: str, body: str, headers: dict[str, str]) -> tuple[int, str]:
    req = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def server(slack_api, db_url, tmp_path):
    with RefBotServer(
        slack_api_url=slack_api.base_url, database_url=db_url, signing_secret=SIGNING_SECRET, workdir=tmp_path
    ) as srv:
        yield srv


def test_signed_help_command_is_answered_through_slack(server, slack_api):
    response_url = slack_api.response_url("help")
    body, content_type = slash_command("help", user_id="U1", response_url=response_url)
    started = time.monotonic()
    status, _ = _post(server.events_url, body, {**sign(body, SIGNING_SECRET), "Content-Type": content_type})
    ack_seconds = time.monotonic() - started
    assert status == 200
    assert ack_seconds < 3
    call = slack_api.wait_for("response_url", timeout=10)[0]
    text = json.dumps(call.args)
    assert "RefBot" in text and "/reference search" in text
    assert call.args.get("response_type") == "ephemeral"


@pytest.mark.parametrize("problem", ["bad signature", "no headers", "old timestamp"])
def test_badly_signed_requests_are_refused(server, slack_api, problem):
    response_url = slack_api.response_url("x")
    body, content_type = slash_command("help", user_id="U1", response_url=response_url)
    if problem == "bad signature":
        headers = sign(body, "not-the-secret")
    elif problem == "no headers":
        headers = {}
    else:
        headers = sign(body, SIGNING_SECRET, timestamp=int(time.time()) - 6 * 60)
    status, _ = _post(server.events_url, body, {**headers, "Content-Type": content_type})
    assert status == 401
    time.sleep(0.5)
    assert slack_api.calls("response_url") == []


def test_health_and_unknown_paths(server):
    with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as resp:
        assert resp.status == 200
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(f"{server.url}/admin", timeout=5)
    assert info.value.code == 404
