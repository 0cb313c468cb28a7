"""Issue 15.1 over HTTP: a request whose signature is not verified gets 401 and makes RefBot call nobody —
not Slack's Web API, not a response_url in the body, not any other URL the attacker names — whatever shape
its signature headers take (a timestamp like `abc`, `1e3` or a space used to raise inside Bolt, and the
error handler then replied on the attacker's unsigned body)."""

from __future__ import annotations

import http.client
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.conftest import SIGNING_SECRET
from tests.support.payloads import sign, signature, slash_command
from tests.support.refbot_server import RefBotServer


class _Receiver(ThreadingHTTPServer):
    """Any URL an attacker could name: counts every request it gets."""

    daemon_threads = True

    def __init__(self) -> None:
        self.hits: list[str] = []
        receiver = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                receiver.hits.append(self.path)
                self.send_response(200)
                self.end_headers()

            do_GET = do_POST  # noqa: N815

        super().__init__(("127.0.0.1", 0), H)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


@pytest.fixture(scope="module")
def attack(tmp_path_factory):
    from tests.support.slack_api import SlackAPIStub

    tmp = tmp_path_factory.mktemp("unsigned")
    receiver = _Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    with SlackAPIStub() as slack, RefBotServer(
        slack_api_url=slack.base_url, database_url=f"sqlite:///{tmp / 'refbot.db'}",
        signing_secret=SIGNING_SECRET, workdir=tmp,
    ) as server:
        slack.add_user("U1", email="u1@example.com")
        yield server, slack, receiver
    receiver.shutdown()
    receiver.server_close()


def _send(server: RefBotServer, body: str, headers: list[tuple[str, str]]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.putrequest("POST", "/slack/events")
        for name, value in headers:
            conn.putheader(name, value.encode("utf-8"))
        conn.putheader("Content-Length", str(len(body.encode())))
        conn.endheaders(body.encode())
        return conn.getresponse().status
    finally:
        conn.close()


def _bodies(slack_response_url: str, any_url: str) -> dict[str, tuple[str, str]]:
    command, form = slash_command("help", user_id="U1", channel_id="C1", response_url=slack_response_url)
    action = {
        "type": "block_actions", "user": {"id": "U1"}, "channel": {"id": "C1"}, "team": {"id": "T1"},
        "response_url": any_url, "trigger_id": "1.2.3", "actions": [{"action_id": "refbot_approve", "value": "1"}],
    }
    event = {"type": "event_callback", "team_id": "T1", "event": {"type": "app_home_opened", "user": "U1"}}
    return {
        "command": (command, form),
        "command to any url": (slash_command("help", user_id="U1", response_url=any_url)[0], form),
        "action": (urlencode({"payload": json.dumps(action)}), form),
        "event": (json.dumps(event), "application/json"),
        "not json": (urlencode({"payload": "{nope"}), form),
    }


NOW = str(int(time.time()))
WRONG = signature("x", "not-the-secret", NOW)

# (timestamp header values, signature header values): each list is the header sent that many times.
HEADER_SHAPES: dict[str, tuple[list[str], list[str]]] = {
    "timestamp abc": (["abc"], [WRONG]),
    "timestamp 1e3": (["1e3"], [WRONG]),
    "timestamp space": ([" "], [WRONG]),
    "timestamp empty": ([""], [WRONG]),
    "timestamp negative": (["-1"], [WRONG]),
    "timestamp plus sign": (["+" + NOW], [WRONG]),
    "timestamp padded": ([" " + NOW + " "], [WRONG]),
    "timestamp underscored": (["1_700_000_000"], [WRONG]),
    "timestamp float": ([NOW + ".5"], [WRONG]),
    "timestamp huge": (["9" * 400], [WRONG]),
    "timestamp unicode digits": (["١٢٣٤٥٦٧٨٩٠"], [WRONG]),
    "timestamp twice": ([NOW, NOW], [WRONG]),
    "no timestamp": ([], [WRONG]),
    "no signature": ([NOW], []),
    "no headers": ([], []),
    "signature empty": ([NOW], [""]),
    "signature v0= only": ([NOW], ["v0="]),
    "signature not hex": ([NOW], ["v0=" + "z" * 64]),
    "signature v1": ([NOW], ["v1=" + WRONG[3:]]),
    "signature huge": ([NOW], ["v0=" + "a" * 4_000]),
    "signature twice": ([NOW], [WRONG, WRONG]),
    "wrong secret": ([NOW], [WRONG]),
    "old timestamp": ([str(int(time.time()) - 600)], [WRONG]),
}


def _calls_now(slack) -> int:
    return len(slack.calls())


@pytest.mark.parametrize("shape", list(HEADER_SHAPES))
def test_unverified_request_gets_401_and_nothing_is_called(attack, shape):
    server, slack, receiver = attack
    stamps, sigs = HEADER_SHAPES[shape]
    for kind, (body, content_type) in _bodies(slack.response_url(), receiver.url).items():
        before, hits_before = _calls_now(slack), len(receiver.hits)
        headers = [("Content-Type", content_type)]
        headers += [("X-Slack-Request-Timestamp", s) for s in stamps]
        headers += [("X-Slack-Signature", s) for s in sigs]
        status = _send(server, body, headers)
        assert status == 401, f"{shape} / {kind}: {status}"
        time.sleep(0.3)  # anything RefBot would do after answering happens in a background thread
        assert slack.calls()[before:] == [], f"{shape} / {kind}: {slack.calls()[before:]}"
        assert receiver.hits[hits_before:] == [], f"{shape} / {kind}"


def test_correctly_signed_timestamp_with_padding_is_refused_too(attack):
    """Even a correct HMAC over a timestamp that is not plain digits is refused (Bolt's int() accepts
    ' 123' and '1_000'); nothing else but Slack's exact format is verified."""
    server, slack, receiver = attack
    body, content_type = slash_command("help", user_id="U1", response_url=receiver.url)
    padded = " " + NOW
    before = _calls_now(slack)
    status = _send(server, body, [("Content-Type", content_type), ("X-Slack-Request-Timestamp", padded),
                                  ("X-Slack-Signature", signature(body, SIGNING_SECRET, padded))])
    assert status == 401
    time.sleep(0.3)
    assert slack.calls()[before:] == [] and receiver.hits == []


def test_signed_request_still_answered(attack):
    """The control: the same server answers a correctly signed command through its response_url."""
    server, slack, _ = attack
    url = slack.response_url("control")
    body, content_type = slash_command("help", user_id="U1", response_url=url)
    status = _send(server, body, [(k, v) for k, v in sign(body, SIGNING_SECRET).items()])
    assert status == 200
    assert slack.wait_for("response_url", timeout=10)
