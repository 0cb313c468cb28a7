"""Outbox: a state change's messages are delivered exactly once, through 429s, 500s and outages."""

from __future__ import annotations

import pytest

from refbot.domain import OutboxStatus
from refbot.models import OutboxMessage
from refbot.services.outbox import enqueue


def _queue(ctx, key="k1", channel="U1", text="Hello"):
    with ctx.db.unit_of_work() as session:
        return enqueue(session=session, key=key, channel=channel, text=text)


def test_delivered_right_after_commit(ctx, slack_api):
    _queue(ctx, text="Your request was approved")
    posts = slack_api.calls("chat.postMessage")
    assert len(posts) == 1
    assert posts[0].args["channel"] == "U1" and posts[0].args["text"] == "Your request was approved"


def test_same_key_is_queued_once(ctx, slack_api):
    _queue(ctx, key="request:1:approval_dm")
    _queue(ctx, key="request:1:approval_dm")
    ctx.deliverer.deliver()
    assert len(slack_api.calls("chat.postMessage")) == 1


def test_rolled_back_transaction_sends_nothing(ctx, slack_api):
    with pytest.raises(RuntimeError), ctx.db.unit_of_work() as session:
        enqueue(session=session, key="k", channel="U1", text="never")
        raise RuntimeError("the state change failed")
    ctx.deliverer.deliver()
    assert slack_api.calls("chat.postMessage") == []


def test_rate_limited_then_delivered_once(ctx, slack_api, clock):
    slack_api.fail("chat.postMessage", status=429, retry_after=30, times=2)
    _queue(ctx)
    assert slack_api.successful("chat.postMessage") == []
    ctx.deliverer.deliver()  # Retry-After has not passed: nothing is attempted
    assert len(slack_api.calls("chat.postMessage")) == 1
    clock.advance(seconds=31)
    ctx.deliverer.deliver()
    clock.advance(seconds=31)
    ctx.deliverer.deliver()
    ctx.deliverer.deliver()
    assert len(slack_api.successful("chat.postMessage")) == 1
    with ctx.db.unit_of_work() as session:
        row = session.query(OutboxMessage).one()
        assert row.status is OutboxStatus.sent and row.attempts == 3


def test_server_errors_and_outage_lose_nothing(ctx, slack_api, clock):
    with slack_api.outage():
        for i in range(5):
            _queue(ctx, key=f"k{i}", channel=f"U{i}", text=f"message {i}")
        for _ in range(3):
            clock.advance(minutes=10)
            ctx.deliverer.deliver()
    assert slack_api.successful("chat.postMessage") == []
    clock.advance(minutes=10)
    ctx.deliverer.deliver()
    ctx.deliverer.deliver()
    sent = sorted(c.args["text"] for c in slack_api.successful("chat.postMessage"))
    assert sent == [f"message {i}" for i in range(5)]


def test_permanent_error_is_not_retried_forever(ctx, slack_api, clock):
    slack_api.fail("chat.postMessage", error="channel_not_found", times=1)
    _queue(ctx, channel="CGONE")
    clock.advance(minutes=10)
    ctx.deliverer.deliver()
    assert len(slack_api.calls("chat.postMessage")) == 1
    with ctx.db.unit_of_work() as session:
        row = session.query(OutboxMessage).one()
        assert row.status is OutboxStatus.failed and row.last_error == "channel_not_found"


def test_update_waits_for_the_original_and_edits_it(ctx, slack_api, clock):
    slack_api.fail("chat.postMessage", status=500, times=1)
    with ctx.db.unit_of_work() as session:
        enqueue(session=session, key="dm", channel="U1", text="Approve?")
        enqueue(session=session, key="dm:decided", channel=None, method="chat.update", update_of="dm", text="Approved")
    assert slack_api.calls("chat.update") == []
    clock.advance(minutes=5)
    ctx.deliverer.deliver()
    clock.advance(minutes=5)
    ctx.deliverer.deliver()
    original = slack_api.successful("chat.postMessage")[0]
    updates = slack_api.successful("chat.update")
    assert len(updates) == 1
    assert updates[0].args["ts"] == original.response["ts"]
    assert updates[0].args["text"] == "Approved"


def test_two_instances_deliver_each_message_once(ctx, settings, database, clock, slack_api):
    from refbot.context import build_context

    other = build_context(settings, clock=clock, db=database, deliver_on_commit=False)
    with ctx.db.unit_of_work() as session:
        for i in range(20):
            enqueue(session=session, key=f"bulk{i}", channel="U1", text=f"m{i}", not_before=clock.now())
        # not delivered on commit below because we deliver from both "instances" concurrently instead
    import threading

    threads = [threading.Thread(target=d.deliver) for d in (ctx.deliverer, other.deliverer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    texts = [c.args["text"] for c in slack_api.successful("chat.postMessage")]
    assert sorted(texts) == sorted(f"m{i}" for i in range(20))


# ------------------------------------------------------------------ answers lost on the way back


@pytest.fixture
def impatient(ctx):
    """The deliverer with a client that gives up after 0.3 s (RefBot's waits 10 s) and never retries by
    itself, so a slow Slack's answer is lost while the post itself still lands."""
    from slack_sdk import WebClient

    ctx.deliverer.client = WebClient(token="xoxb-test-token", base_url=ctx.settings.slack_api_url, timeout=0.3,
                                     retry_handlers=[])
    return ctx


def _row(ctx):
    with ctx.db.unit_of_work() as session:
        return session.query(OutboxMessage).one()


@pytest.mark.parametrize("where", ["dm", "thread"])
def test_a_post_whose_answer_was_lost_is_not_posted_twice(impatient, slack_api, clock, where):
    ctx = impatient
    slack_api.add_channel("C1", "sales")
    channel, extra = ("U1", None) if where == "dm" else ("C1", {"thread_ts": "1700000000.000100"})
    slack_api.fail("chat.postMessage", delay=1.0)  # Slack posts it, but only after the client gave up
    with ctx.db.unit_of_work() as session:
        enqueue(session=session, key="request:7:approved", channel=channel, text="Approved", extra=extra)
    assert _row(ctx).status is OutboxStatus.pending and _row(ctx).last_error.startswith("unconfirmed:")
    slack_api.wait_for("chat.postMessage")  # it did land
    clock.advance(minutes=5)
    ctx.deliverer.deliver()
    ctx.deliverer.deliver()
    posts = slack_api.calls("chat.postMessage")
    assert len(posts) == 1  # found in the conversation, not posted again
    row = _row(ctx)
    assert row.status is OutboxStatus.sent and row.result_ts == posts[0].response["ts"]
    assert row.result_channel == posts[0].response["channel"]  # the DM's id, so chat.update can edit it


def test_a_post_that_never_reached_slack_is_sent_after_looking_for_it(impatient, slack_api, clock):
    ctx = impatient
    slack_api.fail("chat.postMessage", status=503)  # Slack's edge failed: unknown whether it posted
    _queue(ctx, key="request:8:approved", text="Approved")
    assert _row(ctx).last_error.startswith("unconfirmed:")
    clock.advance(minutes=5)
    ctx.deliverer.deliver()
    assert [c.method for c in slack_api.calls() if c.method.startswith(("conversations", "chat"))] == [
        "chat.postMessage", "conversations.open", "conversations.history", "chat.postMessage"]
    assert len(slack_api.successful("chat.postMessage")) == 1 and _row(ctx).status is OutboxStatus.sent


def test_a_lookup_slack_refuses_falls_back_to_posting_again(impatient, slack_api, clock):
    ctx = impatient
    slack_api.fail("chat.postMessage", status=500)
    slack_api.fail("conversations.history", error="missing_scope")
    _queue(ctx, key="request:9:approved", text="Approved")
    clock.advance(minutes=5)
    ctx.deliverer.deliver()
    assert len(slack_api.successful("chat.postMessage")) == 1 and _row(ctx).status is OutboxStatus.sent
