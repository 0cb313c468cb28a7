"""The page's side of Slack without a browser: what a click becomes (the payload Slack would send, signed
as Slack signs it) and what Slack does with RefBot's answers (response URLs, response_action, modals)."""

from __future__ import annotations

import json
import time
import urllib.request
from urllib.parse import parse_qs

import pytest
from slack_sdk.signature import SignatureVerifier

from refbot.clock import FrozenClock
from refbot.playground import payloads as p
from refbot.playground.people import OWNER, SALES_CHANNEL, SELLER, populate
from refbot.playground.slack_api import SlackAPIStub, dm_channel_id
from refbot.playground.workspace import PageError, Workspace

SECRET = "page-signing-secret"
BUTTONS = [{"type": "actions", "block_id": "acts", "elements": [
    {"type": "button", "action_id": "request_approve", "value": "7", "text": {"type": "plain_text", "text": "Approve"}},
]}]


class Recorder:
    """Stands in for RefBot's /slack/events: records what the page sent (after checking its signature
    like Bolt does) and answers with `answer`."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.answer = ""
        self.verifier = SignatureVerifier(SECRET)

    def __call__(self, payload: tuple[str, str]) -> p.SimResponse:
        body, content_type = payload
        headers = p.sign(body, SECRET, content_type=content_type)
        assert self.verifier.is_valid(body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
        if content_type == p.FORM:
            fields = parse_qs(body)
            self.bodies.append(json.loads(fields["payload"][0]) if "payload" in fields
                               else {k: v[0] for k, v in fields.items()})
        else:
            self.bodies.append(json.loads(body))
        return p.SimResponse(200, {}, self.answer)


@pytest.fixture
def world():
    with SlackAPIStub() as stub:
        populate(stub)
        recorder = Recorder()
        ws = Workspace(stub=stub, clock=FrozenClock(), post=recorder)
        yield stub, ws, recorder, stub.new_web_client()


def _post_url(url: str, body: dict) -> None:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=5).read()


def test_signature_of_a_page_payload_is_what_slack_computes_and_a_changed_body_fails():
    body, content_type = p.slash_command("help", user_id=SELLER.id)
    headers = p.sign(body, SECRET, timestamp=1_700_000_000, content_type=content_type)
    assert headers["X-Slack-Signature"] == p.signature(body, SECRET, 1_700_000_000)
    verifier = SignatureVerifier(SECRET)
    now = headers["X-Slack-Request-Timestamp"]
    assert verifier.is_valid(body, now, headers["X-Slack-Signature"]) is False  # 2023: older than 5 minutes
    fresh = p.sign(body, SECRET, content_type=content_type)
    assert verifier.is_valid(body, fresh["X-Slack-Request-Timestamp"], fresh["X-Slack-Signature"])
    assert not verifier.is_valid(body + "x", fresh["X-Slack-Request-Timestamp"], fresh["X-Slack-Signature"])
    assert not SignatureVerifier("another-secret").is_valid(body, fresh["X-Slack-Request-Timestamp"],
                                                             fresh["X-Slack-Signature"])


def test_composer_sends_a_slash_command_and_its_response_url_reply_is_shown_only_to_the_sender(world):
    stub, ws, recorder, _ = world
    ws.command(user=SELLER.id, channel=SALES_CHANNEL, text="/reference search bank in Germany")
    sent = recorder.bodies[-1]
    assert sent["command"] == "/reference" and sent["text"] == "search bank in Germany"
    assert sent["user_id"] == SELLER.id and sent["channel_id"] == SALES_CHANNEL
    _post_url(sent["response_url"], {"response_type": "ephemeral", "text": "*3 references* for Banking"})
    seller = ws.snapshot(SELLER.id)
    sales = next(c for c in seller["channels"] if c["id"] == SALES_CHANNEL)
    assert [(m["kind"], m["text"]) for m in sales["messages"]] == [("ephemeral", "*3 references* for Banking")]
    owner_sales = next(c for c in ws.snapshot(OWNER.id)["channels"] if c["id"] == SALES_CHANNEL)
    assert owner_sales["messages"] == []


def test_composer_refuses_other_commands_and_channels_it_cannot_see(world):
    _, ws, recorder, _ = world
    with pytest.raises(PageError, match="/giphy is not a command"):
        ws.command(user=SELLER.id, channel=SALES_CHANNEL, text="/giphy cats")
    with pytest.raises(PageError, match="only write in #sales"):
        ws.command(user=SELLER.id, channel=dm_channel_id(OWNER.id), text="hello")
    with pytest.raises(PageError, match="nobody called"):
        ws.command(user="UNOBODY", channel=SALES_CHANNEL, text="hello")
    assert recorder.bodies == []


def test_a_channel_message_is_escaped_like_slacks_client_and_sent_as_a_message_event(world):
    _, ws, recorder, _ = world
    ws.message(user=SELLER.id, channel=SALES_CHANNEL, text="anyone have a <bank> in Germany? & fast")
    event = recorder.bodies[-1]["event"]
    assert event["type"] == "message" and event["channel_type"] == "channel"
    assert event["text"] == "anyone have a &lt;bank&gt; in Germany? &amp; fast"
    sales = next(c for c in ws.snapshot(OWNER.id)["channels"] if c["id"] == SALES_CHANNEL)
    assert [(m["kind"], m["user"]) for m in sales["messages"]] == [("user", SELLER.id)]


def test_a_click_on_a_dm_carries_the_message_and_replace_original_updates_it_in_place(world):
    stub, ws, recorder, client = world
    posted = client.chat_postMessage(channel=OWNER.id, text="Approve?", blocks=BUTTONS)
    ws.action(user=OWNER.id, where={"type": "message", "channel": posted["channel"], "ts": posted["ts"]},
              action_id="request_approve", block_id=None, value=None, state={})
    sent = recorder.bodies[-1]
    assert sent["type"] == "block_actions" and sent["user"]["id"] == OWNER.id
    assert sent["actions"][0]["value"] == "7" and sent["message"]["ts"] == posted["ts"]
    assert sent["container"] == {"type": "message", "message_ts": posted["ts"], "channel_id": posted["channel"],
                                 "is_ephemeral": False}
    _post_url(sent["response_url"], {"replace_original": True, "text": "Approved"})
    dm = next(c for c in ws.snapshot(OWNER.id)["channels"] if c["kind"] == "dm")
    assert [(m["text"], m["edited"], m["blocks"]) for m in dm["messages"]] == [("Approved", True, [])]
    with pytest.raises(PageError, match="not there any more"):
        ws.action(user=OWNER.id, where={"type": "message", "channel": posted["channel"], "ts": posted["ts"]},
                  action_id="request_approve", block_id=None, value=None, state={})


def test_a_click_on_an_ephemeral_message_is_flagged_ephemeral_without_a_message_body(world):
    stub, ws, recorder, client = world
    client.chat_postEphemeral(channel=SALES_CHANNEL, user=SELLER.id, text="results", blocks=BUTTONS)
    eph = next(c for c in ws.snapshot(SELLER.id)["channels"] if c["id"] == SALES_CHANNEL)["messages"][0]
    ws.action(user=SELLER.id, where={"type": "ephemeral", "id": eph["id"]}, action_id="request_approve",
              block_id=None, value=None, state={})
    sent = recorder.bodies[-1]
    assert sent["container"]["is_ephemeral"] is True and "message" not in sent
    assert sent["actions"][0]["value"] == "7" and sent["actions"][0]["block_id"] == "acts"
    _post_url(sent["response_url"], {"delete_original": True})
    assert next(c for c in ws.snapshot(SELLER.id)["channels"] if c["id"] == SALES_CHANNEL)["messages"] == []
    with pytest.raises(PageError, match="gone"):  # somebody else cannot click it either
        ws.action(user=OWNER.id, where={"type": "ephemeral", "id": eph["id"]}, action_id="request_approve",
                  block_id=None, value=None, state={})


def _open_modal(ws, recorder, client, user: str, *, title: str = "Request") -> str:
    ws.command(user=user, channel=dm_channel_id(user), text="/reference request")
    trigger = recorder.bodies[-1]["trigger_id"]
    view = {"type": "modal", "callback_id": "request_modal", "title": {"type": "plain_text", "text": title},
            "submit": {"type": "plain_text", "text": "Send"},
            "blocks": [{"type": "input", "block_id": "prospect", "label": {"type": "plain_text", "text": "Prospect"},
                        "element": {"type": "plain_text_input", "action_id": "value"}}]}
    return client.views_open(trigger_id=trigger, view=view)["view"]["id"]


def test_modals_belong_to_who_opened_them_and_follow_response_actions(world):
    stub, ws, recorder, client = world
    view_id = _open_modal(ws, recorder, client, SELLER.id)
    assert ws.snapshot(SELLER.id)["modal"]["id"] == view_id
    assert ws.snapshot(OWNER.id)["modal"] is None
    with pytest.raises(PageError, match="closed"):
        ws.submit(user=OWNER.id, view_id=view_id, state={})

    recorder.answer = json.dumps({"response_action": "errors", "errors": {"prospect": "Name the prospect."}})
    assert ws.submit(user=SELLER.id, view_id=view_id, state={}) == {"errors": {"prospect": "Name the prospect."}}
    submitted = recorder.bodies[-1]
    assert submitted["type"] == "view_submission" and submitted["view"]["id"] == view_id
    assert submitted["view"]["state"]["values"] == {"prospect": {"value": {"type": "plain_text_input", "value": None}}}

    confirm = {"type": "modal", "title": {"type": "plain_text", "text": "Sure?"},
               "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Send it?"}}]}
    recorder.answer = json.dumps({"response_action": "push", "view": confirm})
    state = {"prospect": {"value": {"type": "plain_text_input", "value": "Initech"}}}
    ws.submit(user=SELLER.id, view_id=view_id, state=state)
    top = ws.snapshot(SELLER.id)
    assert top["modal"]["title"]["text"] == "Sure?" and top["modal_depth"] == 2
    assert recorder.bodies[-1]["view"]["state"]["values"]["prospect"]["value"]["value"] == "Initech"

    recorder.answer = json.dumps({"response_action": "update", "view": {**confirm, "title": {
        "type": "plain_text", "text": "Sent"}}})
    ws.submit(user=SELLER.id, view_id=top["modal"]["id"], state={})
    assert ws.snapshot(SELLER.id)["modal"]["title"]["text"] == "Sent"

    recorder.answer = ""
    ws.submit(user=SELLER.id, view_id=top["modal"]["id"], state={})  # plain ack: back to the first view
    assert ws.snapshot(SELLER.id)["modal"]["id"] == view_id
    ws.close(user=SELLER.id, view_id=view_id)
    assert ws.snapshot(SELLER.id)["modal"] is None


def test_type_ahead_sends_block_suggestion_and_returns_the_apps_options(world):
    stub, ws, recorder, client = world
    view_id = _open_modal(ws, recorder, client, SELLER.id)
    options = [{"text": {"type": "plain_text", "text": "Dalen Bancorp"}, "value": "DEMO-A0001"}]
    recorder.answer = json.dumps({"options": options})
    assert ws.suggest(user=SELLER.id, view_id=view_id, action_id="value", block_id="prospect", value="dal") == {
        "options": options}
    sent = recorder.bodies[-1]
    assert sent["type"] == "block_suggestion" and sent["value"] == "dal" and sent["view"]["id"] == view_id


def test_the_page_hears_of_a_new_message_at_once(world):
    stub, ws, _, client = world
    version = ws.snapshot(SELLER.id)["version"]
    started = time.monotonic()
    import threading

    threading.Timer(0.2, lambda: client.chat_postMessage(channel=SELLER.id, text="hi")).start()
    assert ws.wait(version, timeout=5) > version
    assert time.monotonic() - started < 1.5
    dm = next(c for c in ws.snapshot(SELLER.id)["channels"] if c["kind"] == "dm")
    assert [m["text"] for m in dm["messages"]] == ["hi"]
    assert next(x for x in ws.snapshot(SELLER.id)["people"] if x["id"] == SELLER.id)["dm_count"] == 1


def test_what_slack_would_refuse_is_said_on_the_page(world):
    stub, ws, _, client = world
    from slack_sdk.errors import SlackApiError

    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel=SELLER.id, text="x", blocks=[{"type": "divider"}] * 51)
    assert ws.snapshot(SELLER.id)["notices"][-1] == "Slack refused RefBot's chat.postMessage: invalid_blocks"
