"""Black-market asks in channels: answered in the thread, once, never in shared channels, switchable."""

from __future__ import annotations

import pytest

from refbot.models import Account, ChannelAsk, Contact
from tests.support.payloads import dispatch, message_event, slash_command

ASK = "anyone have a healthcare customer in Germany I can call? prospect wants a reference"


@pytest.fixture
def program(session, slack_api):
    slack_api.add_channel("C1", "sales")
    slack_api.add_channel("C2", "deals")
    slack_api.add_channel("CEXT", "acme-partner", is_ext_shared=True)
    account = Account(external_id="A1", name="Globex Health", industry="Healthcare", employees=4800, country="DE",
                      owner_id="UOWNER")
    session.add(Contact(external_id="C1", name="Dana", title="VP Engineering", seniority="vp",
                        email="dana@example.com", phone="+49 30 555", account=account))
    session.commit()


def _say(app, text, *, channel="C1", user="U1", ts=None, thread_ts=None, **kw):
    return dispatch(app, message_event(text, user=user, channel=channel, ts=ts, thread_ts=thread_ts, **kw))


def test_ask_gets_a_thread_reply_with_matches_and_no_contact_details(bolt_app, slack_api, program, session):
    _say(bolt_app, ASK, ts="1700000001.000100")
    reply = slack_api.wait_for("chat.postMessage")[0].args
    assert reply["channel"] == "C1" and reply["thread_ts"] == "1700000001.000100"
    assert "Globex Health" in str(reply["blocks"]) and "request_from_search" in str(reply["blocks"])
    assert "dana@example.com" not in slack_api.all_text() and "555" not in slack_api.all_text()
    assert session.query(ChannelAsk).one().replied


def test_look_alikes_and_bots_are_ignored(bolt_app, slack_api, program, session):
    _say(bolt_app, "see the API reference docs for the webhook payload", ts="1.1")
    _say(bolt_app, ASK, ts="1.2", bot_id="B1", subtype="bot_message")
    assert slack_api.calls("chat.postMessage") == []
    assert session.query(ChannelAsk).count() == 0


def test_one_reply_per_thread_and_redeliveries_count_once(bolt_app, slack_api, program, session, clock):
    _say(bolt_app, ASK, ts="2.1")
    _say(bolt_app, ASK, ts="2.1")  # Slack redelivers the same event
    clock.advance(hours=3)
    _say(bolt_app, "also need a customer reference for a bank in DACH please", ts="2.2", thread_ts="2.1")
    assert len(slack_api.calls("chat.postMessage")) == 1
    assert session.query(ChannelAsk).count() == 2


def test_channel_cooldown(bolt_app, slack_api, program, clock):
    _say(bolt_app, ASK, ts="3.1")
    clock.advance(minutes=5)
    _say(bolt_app, "need a customer reference for a healthcare prospect", ts="3.2", user="U2")
    assert len(slack_api.calls("chat.postMessage")) == 1
    # The second asker is not met with silence: a private hint, to them only, with a search to run.
    [hint] = slack_api.wait_for("chat.postEphemeral")
    assert hint.args["user"] == "U2" and hint.args["channel"] == "C1"
    assert "a few minutes ago" in hint.args["text"] and "/reference search" in hint.args["text"]
    assert "healthcare" in hint.args["text"]
    assert slack_api.ephemerals_to("U1") == []
    clock.advance(hours=2)
    _say(bolt_app, "need a customer reference for a healthcare prospect", ts="3.3")
    assert len(slack_api.calls("chat.postMessage")) == 2


def test_never_in_shared_channels_but_still_counted(bolt_app, slack_api, program, session):
    _say(bolt_app, ASK, channel="CEXT", ts="4.1")
    assert slack_api.calls("chat.postMessage") == []
    ask = session.query(ChannelAsk).one()
    assert ask.channel_id == "CEXT" and not ask.replied


def test_program_manager_switches_nudges_off_per_channel(bolt_app, slack_api, program, session):
    url = slack_api.response_url()
    dispatch(bolt_app, slash_command("nudges off", user_id="U1", channel_id="C2", response_url=url))
    assert "for program managers" in slack_api.wait_for("response_url")[0].args["text"]
    url = slack_api.response_url()
    dispatch(bolt_app, slash_command("nudges off", user_id="UADMIN", channel_id="C2", response_url=url))
    assert "won't answer" in slack_api.wait_for("response_url")[-1].args["text"]
    _say(bolt_app, ASK, channel="C2", ts="5.1")
    _say(bolt_app, ASK, channel="C1", ts="5.2")
    posts = slack_api.calls("chat.postMessage")
    assert [p.args["channel"] for p in posts] == ["C1"]
    assert session.query(ChannelAsk).count() == 2


UNSURE = "do we have customers in healthcare in Germany?"


def test_an_unsure_ask_gets_only_a_private_hint_and_is_not_counted(bolt_app, slack_api, program, session):
    from refbot.asks import detect_ask

    assert detect_ask(UNSURE).unsure  # the detector's own reading of this message
    _say(bolt_app, UNSURE, ts="6.1", thread_ts="6.0")
    [hint] = slack_api.wait_for("chat.postEphemeral")
    assert hint.args["user"] == "U1" and hint.args["thread_ts"] == "6.0"
    assert "`/reference search customers in healthcare in Germany`" in str(hint.args["blocks"])
    assert "Only you can see this" in str(hint.args["blocks"])
    assert slack_api.calls("chat.postMessage") == []
    assert session.query(ChannelAsk).count() == 0
    _say(bolt_app, UNSURE, ts="6.1", thread_ts="6.0")  # Slack redelivers: still one hint
    _say(bolt_app, UNSURE, channel="CEXT", ts="6.2")  # never in a channel shared with another organisation
    assert len(slack_api.calls("chat.postEphemeral")) == 1


def test_a_role_in_the_ask_is_read_as_the_search_reads_it(bolt_app, slack_api, program, session):
    _say(bolt_app, "anyone have a healthcare customer in Germany who could talk to a CIO?", ts="7.1")
    slack_api.wait_for("chat.postMessage")
    criteria = session.query(ChannelAsk).one().criteria
    assert criteria["seniority"] == "c_level" and criteria["country"] == "DE"
