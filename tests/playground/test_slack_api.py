"""The Slack stand-in and payload toolkit behave like Slack, as seen through the real slack_sdk and Bolt."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import wsgiref.simple_server
from urllib.parse import parse_qsl

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from refbot.playground.slack_api import SlackAPIStub, dm_channel_id, validate_blocks
from tests.support import payloads as p

SECRET = "stub-test-secret"


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _approval_blocks(request_id: str = "7") -> list[dict]:
    return [
        _section("*Dana* asks for a call with *Ana (CFO, Acme Bank)*"),
        {
            "type": "actions",
            "block_id": "decide",
            "elements": [
                {"type": "button", "action_id": "approve", "text": {"type": "plain_text", "text": "Approve"},
                 "style": "primary", "value": request_id},
                {"type": "button", "action_id": "decline", "text": {"type": "plain_text", "text": "Decline"},
                 "value": request_id},
            ],
        },
    ]


def _request_modal() -> dict:
    return {
        "type": "modal",
        "callback_id": "request",
        "private_metadata": json.dumps({"contact": 12}),
        "title": {"type": "plain_text", "text": "Request a reference"},
        "submit": {"type": "plain_text", "text": "Send"},
        "blocks": [
            {"type": "input", "block_id": "prospect", "label": {"type": "plain_text", "text": "Prospect"},
             "element": {"type": "plain_text_input", "action_id": "value"}},
            {"type": "input", "block_id": "stage", "label": {"type": "plain_text", "text": "Stage"},
             "element": {"type": "static_select", "action_id": "value",
                         "options": [p.option("discovery", "Discovery"), p.option("proposal", "Proposal")],
                         "initial_option": p.option("proposal", "Proposal")}},
            {"type": "input", "block_id": "needed_by", "optional": True,
             "label": {"type": "plain_text", "text": "Needed by"},
             "element": {"type": "datepicker", "action_id": "value"}},
        ],
    }


# -- Web API answers ---------------------------------------------------------------------------------


def test_post_message_to_a_user_lands_in_their_dm_with_increasing_timestamps(slack_api):
    client = slack_api.new_web_client()
    first = client.chat_postMessage(channel="U1", text="Your request was approved")
    second = client.chat_postMessage(channel="C0SALES", text="Board", blocks=[_section("*Top sellers*")])
    third = client.chat_postMessage(channel=dm_channel_id("U1"), text="Reminder")

    assert first["channel"] == "D1" == slack_api.dm_channel("U1")
    assert second["channel"] == "C0SALES"
    assert float(first["ts"]) < float(second["ts"]) < float(third["ts"])
    assert first["ts"] == "1700000000.000100"
    assert [c.args["text"] for c in slack_api.messages_to("U1")] == ["Your request was approved", "Reminder"]
    assert [c.args["text"] for c in slack_api.messages_to("C0SALES")] == ["Board"]
    assert slack_api.calls("chat.postMessage", channel="U1")[0].token == "xoxb-test"
    # blocks sent as a JSON string in a form field arrive decoded
    form = {"channel": "C1", "text": "x", "blocks": json.dumps([_section("y")])}
    client.api_call("chat.postMessage", data=form)
    assert slack_api.last("chat.postMessage").args["blocks"] == [_section("y")]


def test_update_edits_the_message_in_place_and_delete_removes_it(slack_api):
    client = slack_api.new_web_client()
    posted = client.chat_postMessage(channel="U2", text="Approve?", blocks=_approval_blocks())
    client.chat_update(channel=posted["channel"], ts=posted["ts"], text="Approved", blocks=[_section("Done")])

    current = slack_api.message("U2", posted["ts"])
    assert current["text"] == "Approved" and current["blocks"] == [_section("Done")]
    assert "edited" in current
    assert slack_api.successful("chat.update")[0].args["ts"] == posted["ts"]

    with pytest.raises(SlackApiError) as info:
        client.chat_update(channel="U2", ts=posted["ts"], text="by user id")  # Slack wants the DM channel id
    assert info.value.response["error"] == "channel_not_found"

    client.chat_delete(channel=posted["channel"], ts=posted["ts"])
    assert slack_api.message("U2", posted["ts"]) is None and slack_api.history("U2") == []


def test_strict_messages_refuse_updates_to_messages_never_posted():
    with SlackAPIStub(strict_messages=True) as stub:
        with pytest.raises(SlackApiError) as info:
            stub.new_web_client().chat_update(channel="D1", ts="1700000000.999999", text="x")
        assert info.value.response["error"] == "message_not_found"


def test_users_info_and_lookup_by_email_answer_from_the_directory(slack_api):
    slack_api.add_user("U1", name="Ana", email="ana@acme.test", tz="Europe/Berlin", title="AE")
    client = slack_api.new_web_client()

    user = client.users_info(user="U1")["user"]
    assert (user["id"], user["tz"], user["profile"]["email"], user["is_bot"]) == (
        "U1", "Europe/Berlin", "ana@acme.test", False)
    assert user["tz_offset"] in (3600, 7200)
    assert client.users_lookupByEmail(email="ANA@acme.test")["user"]["id"] == "U1"
    assert client.users_info(user="UBOT")["user"]["is_bot"] is True

    with pytest.raises(SlackApiError) as info:
        client.users_info(user="U404")
    assert info.value.response["error"] == "user_not_found"
    with pytest.raises(SlackApiError) as info:
        client.users_lookupByEmail(email="nobody@acme.test")
    assert info.value.response["error"] == "users_not_found"
    assert [c.ok for c in slack_api.calls("users.info")] == [True, True, False]


def test_auth_unknown_methods_and_dm_rules(slack_api):
    assert slack_api.new_web_client().auth_test()["user_id"] == "UBOT"
    with pytest.raises(SlackApiError) as info:
        slack_api.new_web_client(token=None).auth_test()
    assert info.value.response["error"] == "not_authed"
    with pytest.raises(SlackApiError) as info:
        slack_api.new_web_client().api_call("reference.magic")
    assert info.value.response["error"] == "unknown_method"

    slack_api.add_user("UGONE", name="Gone", deleted=True)
    with pytest.raises(SlackApiError) as info:
        slack_api.new_web_client().chat_postMessage(channel="UGONE", text="hi")
    assert info.value.response["error"] == "user_disabled"

    with SlackAPIStub(token="xoxb-right") as strict:
        with pytest.raises(SlackApiError) as info:
            strict.new_web_client(token="xoxb-wrong").auth_test()
        assert info.value.response["error"] == "invalid_auth"
        assert strict.new_web_client(token="xoxb-right").auth_test()["ok"]


def test_conversations_open_info_join_and_ephemerals(slack_api):
    client = slack_api.new_web_client()
    assert client.conversations_open(users="U7")["channel"]["id"] == "D7"
    assert client.conversations_info(channel="C1")["channel"]["is_ext_shared"] is False
    slack_api.add_channel("CSHARED", name="acme-partners", is_ext_shared=True, is_member=False)
    assert client.conversations_info(channel="CSHARED")["channel"]["is_ext_shared"] is True
    assert client.conversations_join(channel="CSHARED")["channel"]["is_member"] is True
    assert client.chat_postMessage(channel="#acme-partners", text="x")["channel"] == "CSHARED"

    slack_api.add_channel("CPRIV", is_private=True, is_member=False)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="CPRIV", text="x")
    assert info.value.response["error"] == "not_in_channel"

    answer = client.chat_postEphemeral(channel="C1", user="U1", text="Only you can see this")
    assert answer["message_ts"]
    assert [c.args["text"] for c in slack_api.ephemerals_to("U1")] == ["Only you can see this"]
    link = client.chat_getPermalink(channel="C1", message_ts="1700000000.000100")["permalink"]
    assert link.endswith("/archives/C1/p1700000000000100")
    client.reactions_add(channel="C1", timestamp="1700000000.000100", name="white_check_mark")
    with pytest.raises(SlackApiError) as info:
        client.reactions_add(channel="C1", timestamp="1700000000.000100", name="white_check_mark")
    assert info.value.response["error"] == "already_reacted"


def test_views_need_a_fresh_trigger_and_updates_respect_the_hash(slack_api):
    client = slack_api.new_web_client()
    with pytest.raises(SlackApiError) as info:
        client.views_open(trigger_id="expired", view=_request_modal())
    assert info.value.response["error"] == "expired_trigger_id"

    view = client.views_open(trigger_id="t-1", view=_request_modal())["view"]
    assert view["id"].startswith("V") and view["callback_id"] == "request"
    assert slack_api.last_view()["id"] == view["id"]
    with pytest.raises(SlackApiError) as info:
        client.views_open(trigger_id="t-1", view=_request_modal())  # a trigger id works once
    assert info.value.response["error"] == "exchanged_trigger_id"

    updated = client.views_update(view_id=view["id"], hash=view["hash"], view=_request_modal())["view"]
    assert updated["id"] == view["id"] and updated["hash"] != view["hash"]
    with pytest.raises(SlackApiError) as info:
        client.views_update(view_id=view["id"], hash=view["hash"], view=_request_modal())
    assert info.value.response["error"] == "hash_conflict"
    pushed = client.views_push(trigger_id="t-2", view=_request_modal())["view"]
    assert pushed["root_view_id"] == view["id"] and pushed["previous_view_id"] == view["id"]

    home = {"type": "home", "blocks": [_section("Your requests: 2 open")]}
    published = client.views_publish(user_id="U1", view=home)["view"]
    again = client.views_publish(user_id="U1", view=home)["view"]
    assert published["id"] == again["id"] and slack_api.home("U1")["blocks"] == home["blocks"]
    assert slack_api.home("U2") is None


def test_block_kit_limits_are_enforced_like_slack(slack_api):
    client = slack_api.new_web_client()
    long_button = [{"type": "actions", "elements": [
        {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "x" * 76}}]}]
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="t", blocks=long_button)
    assert info.value.response["error"] == "invalid_blocks"
    assert "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]" in (
        info.value.response["errors"])

    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="t", blocks=[_section("x")] * 51)
    assert info.value.response["error"] == "invalid_blocks"
    with pytest.raises(SlackApiError) as info, pytest.warns(UserWarning, match="text"):
        client.chat_postMessage(channel="C1", text="")
    assert info.value.response["error"] == "no_text"

    modal = _request_modal()
    modal["title"]["text"] = "Request a customer reference"  # 28 > 24
    del modal["submit"]
    with pytest.raises(SlackApiError) as info:
        client.views_open(trigger_id="t-3", view=modal)
    messages = " ".join(info.value.response["response_metadata"]["messages"])
    assert info.value.response["error"] == "invalid_arguments"
    assert "/view/title/text" in messages and "/view/submit" in messages

    assert validate_blocks([_section("x" * 3000)], surface="message") == []
    assert validate_blocks([_section("x")] * 100, surface="home") == []
    assert validate_blocks(_approval_blocks() + _approval_blocks(), surface="message")  # duplicate block_id

    with SlackAPIStub(validate_blocks=False) as lax:
        assert lax.new_web_client().chat_postMessage(channel="C1", text="t", blocks=long_button)["ok"]


# -- faults ------------------------------------------------------------------------------------------


def test_rate_limit_is_waited_out_by_the_sdk_retry_handler(slack_api):
    slack_api.fail("chat.postMessage", status=429, retry_after=1, times=1)
    client = slack_api.new_web_client(retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)])
    started = time.monotonic()
    assert client.chat_postMessage(channel="U1", text="Approved")["ok"]
    assert time.monotonic() - started >= 1.0  # the client honoured Retry-After

    attempts = slack_api.calls("chat.postMessage")
    assert [(c.status, c.error) for c in attempts] == [(429, "ratelimited"), (200, None)]
    assert len(slack_api.successful("chat.postMessage")) == 1
    assert slack_api.faults_left() == 0


def test_rate_limit_without_a_retry_handler_surfaces_retry_after(slack_api):
    slack_api.fail("chat.postMessage", status=429, retry_after=30, times=2)
    client = slack_api.new_web_client(retry_handlers=[])
    for _ in range(2):
        with pytest.raises(SlackApiError) as info:
            client.chat_postMessage(channel="U1", text="x")
        assert info.value.response.status_code == 429
        assert info.value.response.headers["Retry-After"] == "30"
    assert client.chat_postMessage(channel="U1", text="x")["ok"]
    assert [c.status for c in slack_api.calls("chat.postMessage")] == [429, 429, 200]


def test_server_error_then_success(slack_api):
    slack_api.fail("chat.postMessage", status=500, times=1)
    with pytest.raises(SlackApiError) as info:
        slack_api.new_web_client(retry_handlers=[]).chat_postMessage(channel="U1", text="x")
    assert info.value.response.status_code == 500

    slack_api.fail("chat.postMessage", status=500, times=1)
    client = slack_api.new_web_client(retry_handlers=[ServerErrorRetryHandler(max_retry_count=1)])
    assert client.chat_postMessage(channel="U1", text="x")["ok"]
    assert [c.status for c in slack_api.calls("chat.postMessage")] == [500, 500, 200]
    assert len(slack_api.messages_to("U1")) == 1


def test_faults_are_consumed_in_order_and_only_for_their_method(slack_api):
    slack_api.fail("chat.postMessage", error="channel_not_found", times=1)
    slack_api.fail("chat.postMessage", status=503, times=2)
    client = slack_api.new_web_client(retry_handlers=[])
    assert client.users_info(user="UBOT")["ok"]
    outcomes = []
    for _ in range(4):
        try:
            client.chat_postMessage(channel="C1", text="x")
            outcomes.append("ok")
        except SlackApiError as exc:
            outcomes.append(exc.response.status_code)
    assert outcomes == [200, 503, 503, "ok"]
    assert [c.error for c in slack_api.calls("chat.postMessage")] == [
        "channel_not_found", "http_503", "http_503", None]


def test_outage_fails_every_call_until_it_ends(slack_api):
    client = slack_api.new_web_client(retry_handlers=[])
    url = slack_api.response_url("during")
    with slack_api.outage():
        for call in (lambda: client.chat_postMessage(channel="U1", text="x"), lambda: client.auth_test()):
            with pytest.raises(SlackApiError) as info:
                call()
            assert info.value.response.status_code == 503
        assert WebhookClient(url).send(text="x").status_code == 503
    with slack_api.outage("views.publish"):
        assert client.chat_postMessage(channel="U1", text="after")["ok"]
    assert [c.status for c in slack_api.calls()] == [503, 503, 503, 200]
    assert [c.args["text"] for c in slack_api.successful("chat.postMessage")] == ["after"]


def test_slow_answer_times_the_client_out_although_slack_posted(slack_api):
    slack_api.fail("chat.postMessage", delay=1.0)
    client = slack_api.new_web_client(timeout=0.3, retry_handlers=[])
    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel="U1", text="maybe twice")
    late = slack_api.wait_for("chat.postMessage", timeout=5)
    assert late[0].delayed == 1.0 and late[0].ok  # the message exists: a blind retry would duplicate it


def test_dropped_connection_is_retried_by_the_connection_handler(slack_api):
    slack_api.fail("chat.postMessage", drop=True)
    client = slack_api.new_web_client(retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1)])
    assert client.chat_postMessage(channel="U1", text="x")["ok"]
    assert [c.status for c in slack_api.calls("chat.postMessage")] == [0, 200]


def test_fail_needs_a_kind_of_failure(slack_api):
    with pytest.raises(ValueError):
        slack_api.fail("chat.postMessage")


# -- waiting and querying ----------------------------------------------------------------------------


def test_wait_for_wakes_when_the_call_arrives(slack_api):
    client = slack_api.new_web_client()

    def later():
        time.sleep(0.2)
        client.chat_postMessage(channel="U1", text="first")
        client.chat_postMessage(channel="U2", text="second")

    thread = threading.Thread(target=later)
    thread.start()
    started = time.monotonic()
    found = slack_api.wait_for("chat.postMessage", lambda c: c.args["channel"] == "U2", timeout=5)
    thread.join()
    assert [c.args["text"] for c in found] == ["second"]
    assert time.monotonic() - started < 2
    assert len(slack_api.wait_for("chat.postMessage", count=2, timeout=0.1)) == 2

    with pytest.raises(AssertionError, match="chat.update"):
        slack_api.wait_for("chat.update", timeout=0.2)


def test_texts_collect_what_people_read_not_ids(slack_api):
    client = slack_api.new_web_client()
    client.chat_postMessage(channel="U1", text="Approved", blocks=[
        _section("Contact: Ana <mailto:ana@acme.test|ana@acme.test>"),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "+49 30 1234"}]},
    ])
    client.views_publish(user_id="U2", view={"type": "home", "blocks": [_section("Home for U2")]})
    assert "ana@acme.test" in " ".join(slack_api.texts("chat.postMessage"))
    assert "+49 30 1234" in slack_api.all_text()
    assert "Home for U2" in slack_api.texts("views.publish")
    assert "U1" not in slack_api.texts() and "section" not in slack_api.texts()

    slack_api.reset()
    assert slack_api.calls() == [] and slack_api.all_text() == ""
    assert slack_api.new_web_client().users_info(user="UBOT")["ok"]  # the directory survives reset()


def test_response_url_takes_five_posts(slack_api):
    url = slack_api.response_url("help")
    assert url == f"{slack_api.url}/response/help"
    webhook = WebhookClient(url)
    statuses = [webhook.send(text=f"answer {i}", response_type="ephemeral").status_code for i in range(6)]
    assert statuses == [200] * 5 + [404]
    posts = slack_api.calls("response_url", id="help")
    assert posts[0].args["text"] == "answer 0" and posts[0].args["response_type"] == "ephemeral"
    assert posts[-1].error == "used_url" and len(slack_api.successful("response_url")) == 5

    other = slack_api.response_url()
    assert other != url
    slack_api.expire_response_url(other)
    assert WebhookClient(other).send(text="late").status_code == 404
    assert slack_api.last("response_url").error == "expired_url"


def test_fixture_gives_each_test_a_fresh_stub(slack_api):
    assert slack_api.calls() == []
    assert slack_api.base_url == f"{slack_api.url}/api/"
    assert p.active_stub() is slack_api


# -- payloads: signing and shapes --------------------------------------------------------------------


def test_signature_matches_slack_sdk_verifier():
    body, content_type = p.slash_command("search bank germany")
    verifier = SignatureVerifier(SECRET)
    headers = p.sign(body, SECRET)
    assert headers["Content-Type"] == content_type == "application/x-www-form-urlencoded"
    assert verifier.is_valid_request(body, headers)
    assert not verifier.is_valid_request(body, p.sign(body, "other-secret"))
    assert not verifier.is_valid_request(body, p.sign(body, SECRET, timestamp=int(time.time()) - 301))
    assert not verifier.is_valid_request(body + "x", headers)
    assert p.sign('{"a": 1}', SECRET)["Content-Type"] == "application/json"


def test_slash_command_has_slacks_fields():
    body, _ = p.slash_command("search bank", user_id="U9", channel_id="C5", response_url="https://x/r",
                              trigger_id="tr")
    fields = dict(parse_qsl(body))
    assert list(fields) == ["token", "team_id", "team_domain", "channel_id", "channel_name", "user_id",
                            "user_name", "command", "text", "api_app_id", "is_enterprise_install",
                            "response_url", "trigger_id"]
    assert (fields["command"], fields["text"], fields["user_id"], fields["channel_id"]) == (
        "/reference", "search bank", "U9", "C5")
    first, second = (dict(parse_qsl(p.slash_command("x")[0]))["trigger_id"] for _ in range(2))
    assert first != second


def test_block_actions_click_on_a_message_the_bot_posted(slack_api):
    client = slack_api.new_web_client()
    posted = client.chat_postMessage(channel="U2", text="Approve?", blocks=_approval_blocks("42"))
    message = slack_api.message("U2", posted["ts"])
    body, content_type = p.block_actions("approve", None, "U2", message=message)
    payload = json.loads(dict(parse_qsl(body))["payload"])
    action = payload["actions"][0]
    assert content_type == "application/x-www-form-urlencoded"
    assert (action["type"], action["value"], action["block_id"], action["text"]["text"]) == (
        "button", "42", "decide", "Approve")
    assert float(action["action_ts"]) > 0
    assert payload["container"] == {"type": "message", "message_ts": posted["ts"], "channel_id": "D2",
                                    "is_ephemeral": False}
    assert payload["channel"]["id"] == "D2" and payload["message"]["ts"] == posted["ts"]
    assert "channel" not in payload["message"]
    assert payload["response_url"].startswith(f"{slack_api.url}/response/")

    client.chat_update(channel="D2", ts=posted["ts"], text="Approved", blocks=[_section("ok")])
    with pytest.raises(LookupError):  # the buttons are gone: nobody can click them any more
        p.block_actions("approve", None, "U2", message=slack_api.message("U2", posted["ts"]))

    ephemeral = json.loads(dict(parse_qsl(p.block_actions("more", "1", "U1", is_ephemeral=True,
                                                         channel_id="C1")[0]))["payload"])
    assert ephemeral["container"]["is_ephemeral"] is True and "message" not in ephemeral


def test_view_submission_from_the_opened_modal_reports_every_input_like_slack(slack_api):
    view = slack_api.new_web_client().views_open(trigger_id="t", view=_request_modal())["view"]
    body, _ = p.view_submission(None, {"prospect": {"value": p.plain_value("Globex")}}, "U1",
                                view=slack_api.view(view["id"]))
    submitted = json.loads(dict(parse_qsl(body))["payload"])["view"]
    assert submitted["id"] == view["id"] and submitted["hash"] == view["hash"]
    assert submitted["callback_id"] == "request"
    assert json.loads(submitted["private_metadata"]) == {"contact": 12}
    assert submitted["state"]["values"] == {
        "prospect": {"value": {"type": "plain_text_input", "value": "Globex"}},
        "stage": {"value": {"type": "static_select", "selected_option": p.option("proposal", "Proposal")}},
        "needed_by": {"value": {"type": "datepicker", "selected_date": None}},
    }
    with pytest.raises(LookupError, match="amount/value"):
        p.view_submission(None, {"amount": {"value": p.number_value(5)}}, view=slack_api.view(view["id"]))

    values = {"b": {"a": p.datepicker(dt.date(2026, 12, 1))}}
    bare = json.loads(dict(parse_qsl(p.view_submission("cb", values, "U3")[0]))["payload"])
    assert bare["view"]["state"]["values"]["b"]["a"] == {"type": "datepicker", "selected_date": "2026-12-01"}
    assert p.multi_static_select(["a", ("b", "B")])["selected_options"][1] == p.option("b", "B")
    assert p.timepicker("14:30") == {"type": "timepicker", "selected_time": "14:30"}
    assert p.checkboxes(["x"])["selected_options"][0]["value"] == "x"
    assert p.users_select("U5") == {"type": "users_select", "selected_user": "U5"}
    assert p.radio("r")["selected_option"]["value"] == "r"


def test_event_payloads_have_the_events_api_envelope():
    body, content_type = p.message_event("anyone have a bank in Germany?", "U1", "C1", thread_ts="1.2")
    envelope = json.loads(body)
    assert content_type == "application/json" and envelope["type"] == "event_callback"
    assert envelope["event"]["type"] == "message" and envelope["event"]["thread_ts"] == "1.2"
    assert envelope["event_id"].startswith("Ev") and envelope["authorizations"][0]["user_id"] == "UBOT"
    same = json.loads(p.event_callback(envelope["event"], event_id=envelope["event_id"])[0])
    assert same["event_id"] == envelope["event_id"]
    home = json.loads(p.app_home_opened("U1")[0])["event"]
    assert (home["type"], home["channel"], home["tab"]) == ("app_home_opened", "D1", "home")
    assert json.loads(p.url_verification("abc")[0])["challenge"] == "abc"


# -- payloads through a real Bolt app ------------------------------------------------------------------


def _bolt_app(stub: SlackAPIStub) -> tuple[App, list]:
    seen: list = []
    app = App(client=stub.new_web_client(), signing_secret=SECRET, process_before_response=True)

    @app.command("/reference")
    def command(ack, respond, command, client):
        ack()
        respond(f"Searching for {command['text']}", response_type="ephemeral")
        client.chat_postMessage(channel=command["user_id"], text="Results are ready")

    @app.action("approve")
    def approve(ack, body, client):
        ack()
        client.chat_update(channel=body["channel"]["id"], ts=body["message"]["ts"], text="Approved",
                           blocks=[_section("Approved")])

    @app.view("request")
    def submit(ack, view):
        prospect = view["state"]["values"]["prospect"]["value"]["value"]
        if not prospect:
            ack(response_action="errors", errors={"prospect": "Name the prospect company"})
            return
        ack()
        seen.append(prospect)

    @app.event("message")
    def message(event, request):
        seen.append((event["text"], request.headers.get("x-slack-retry-num", [None])[0]))

    @app.event("app_home_opened")
    def home(event, client):
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": [_section("Welcome")]})

    return app, seen


def test_dispatch_runs_payloads_through_bolt(slack_api):
    app, seen = _bolt_app(slack_api)

    assert p.dispatch(app, p.slash_command("bank germany", user_id="U1")).status == 200
    answer = slack_api.wait_for("response_url")[0]
    assert answer.args["text"] == "Searching for bank germany" and answer.args["response_type"] == "ephemeral"
    dm = slack_api.messages_to("U1")[0]

    slack_api.new_web_client().chat_update(channel=dm.response["channel"], ts=dm.response["ts"],
                                           text="Approve?", blocks=_approval_blocks())
    message = slack_api.message(dm.response["channel"], dm.response["ts"])
    assert p.dispatch(app, p.block_actions("approve", None, "U1", message=message)).status == 200
    assert slack_api.message("U1", dm.response["ts"])["text"] == "Approved"

    view = slack_api.new_web_client().views_open(trigger_id="t", view=_request_modal())["view"]
    refused = p.dispatch(app, p.view_submission(None, {}, "U1", view=view))
    assert json.loads(refused.body) == {"response_action": "errors",
                                        "errors": {"prospect": "Name the prospect company"}}
    accepted = p.dispatch(app, p.view_submission(None, {"prospect": {"value": p.plain_value("Globex")}},
                                                 "U1", view=view))
    assert accepted.status == 200 and seen == ["Globex"]

    assert p.dispatch(app, p.app_home_opened("U3")).status == 200
    assert slack_api.home("U3")["blocks"] == [_section("Welcome")]
    assert json.loads(p.dispatch(app, p.url_verification("c-1")).body) == {"challenge": "c-1"}

    body, content_type = p.slash_command("x")
    assert p.dispatch(app, (body, content_type), p.sign(body, "wrong-secret")).status == 401


@pytest.fixture
def bolt_http(slack_api):
    """The small Bolt app behind Bolt's WSGI adapter on a loopback port."""

    class Quiet(wsgiref.simple_server.WSGIRequestHandler):
        def log_message(self, *args):
            pass

    app, seen = _bolt_app(slack_api)
    server = wsgiref.simple_server.make_server("127.0.0.1", 0, SlackRequestHandler(app), handler_class=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slack/events", seen
    server.shutdown()
    server.server_close()


def test_client_sim_posts_signed_requests_over_http(slack_api, bolt_http):
    url, seen = bolt_http
    sim = p.SlackClientSim(url, SECRET)

    status, headers, body = sim.post(p.slash_command("help", user_id="U1"))
    assert status == 200 and sim.last_elapsed < 3
    assert slack_api.wait_for("response_url")[0].args["text"] == "Searching for help"

    assert sim.post(p.message_event("any bank in Germany?", "U1", "C1"), retry_num=1).status == 200
    assert sim.post(p.message_event("and in France?", "U1", "C1")).status == 200
    assert seen == [("any bank in Germany?", "1"), ("and in France?", None)]

    for options in ({"bad_signature": True}, {"omit_headers": True}, {"age": 6 * 60},
                    {"omit_headers": ("X-Slack-Signature",)}):
        assert sim.post(p.slash_command("help"), **options).status == 401, options
    assert len(slack_api.calls("response_url")) == 1
    assert sim.post(p.url_verification("xyz")).json() == {"challenge": "xyz"}
