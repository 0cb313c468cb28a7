"""Acknowledge first, then queue (refbot/gate.py): Slack gets its answer even when every work slot is busy."""

from __future__ import annotations

import threading
import time

import pytest

from refbot.blocks.requests import CANCEL_ACTION, SEARCH_AGAIN_ACTION
from refbot.blocks.search import REFINE_ACTION, SEARCH_MODAL
from refbot.gate import BACKGROUND, COMMAND, INTERACTIVE, GatedExecutor, WorkGate, slot_released, take_slot
from refbot.handlers import search as search_handlers
from refbot.slack_app import create_app, priority_of
from tests.support.payloads import app_home_opened, block_actions, dispatch, message_event, slash_command


def test_waiters_are_served_by_priority_then_in_arrival_order():
    gate = WorkGate(1)
    gate.acquire()
    served: list[str] = []

    def wait(name: str, priority: int) -> None:
        gate.acquire(priority)
        served.append(name)
        gate.release()

    threads = []
    for name, priority in [("home", BACKGROUND), ("search 1", COMMAND), ("click", INTERACTIVE), ("search 2", COMMAND)]:
        t = threading.Thread(target=wait, args=(name, priority))
        t.start()
        threads.append(t)
        deadline = time.monotonic() + 5
        while gate.waiting < len(threads) and time.monotonic() < deadline:
            time.sleep(0.005)
    gate.release()
    for t in threads:
        t.join(5)
    assert served == ["click", "search 1", "search 2", "home"]


def test_a_gate_needs_a_slot():
    with pytest.raises(ValueError):
        WorkGate(0)


def test_clicks_and_form_commands_go_before_searches_and_homes_before_channel_messages(bolt_app):
    commands = bolt_app.refbot_commands
    assert priority_of({"command": "/reference", "text": ""}, commands) == INTERACTIVE  # opens the search form
    assert priority_of({"command": "/reference", "text": "request Globex"}, commands) == INTERACTIVE
    assert priority_of({"command": "/reference", "text": "nominate"}, commands) == INTERACTIVE
    assert priority_of({"command": "/reference", "text": "search"}, commands) == INTERACTIVE  # the form too
    assert priority_of({"command": "/reference", "text": "search bank germany"}, commands) == COMMAND
    assert priority_of({"type": "view_submission", "view": {"callback_id": SEARCH_MODAL}}, commands) == COMMAND
    assert priority_of({"type": "block_actions", "actions": [{"action_id": SEARCH_AGAIN_ACTION}]}, commands) == COMMAND
    assert priority_of({"type": "block_actions", "actions": [{"action_id": REFINE_ACTION}]}, commands) == INTERACTIVE
    assert priority_of({"command": "/reference", "text": "bank germany"}, commands) == COMMAND
    assert priority_of({"type": "block_actions", "actions": []}, commands) == INTERACTIVE
    assert priority_of({"type": "view_submission"}, commands) == INTERACTIVE
    assert priority_of({"type": "event_callback", "event": {"type": "app_home_opened"}}, commands) == COMMAND
    assert priority_of({"type": "event_callback", "event": {"type": "message"}}, commands) == BACKGROUND


@pytest.fixture
def busy_app(settings, ctx, monkeypatch):
    """RefBot as in production (acknowledge, then work in the background) with one work slot, and searches
    that block until `release` is set."""
    release = threading.Event()
    started: list[str] = []
    real = search_handlers._search_and_render

    def slow(ctx_, *, user_id, text, criteria):
        started.append(text)
        release.wait(10)
        return real(ctx_, user_id=user_id, text=text, criteria=criteria)

    monkeypatch.setattr(search_handlers, "_search_and_render", slow)
    app = create_app(settings, context=ctx, process_before_response=False, work_slots=1)
    yield app, release, started
    release.set()
    app.listener_runner.listener_executor.shutdown(wait=True)  # no listener outlives the Slack stand-in


def test_every_request_is_acknowledged_at_once_while_the_work_slot_is_busy(busy_app, slack_api):
    app, release, started = busy_app
    urls = [slack_api.response_url(f"search-{n}") for n in range(3)]
    acks = []
    for n, url in enumerate(urls):
        begun = time.monotonic()
        response = dispatch(app, slash_command(f"search bank {n}", user_id="U1", response_url=url))
        acks.append(time.monotonic() - begun)
        assert response.status == 200
    begun = time.monotonic()
    assert dispatch(app, app_home_opened("U1")).status == 200
    assert dispatch(app, block_actions(CANCEL_ACTION, "1", "U1")).status == 200
    acks.append(time.monotonic() - begun)
    # Acknowledged well inside Slack's 3 s although the single slot is taken by the first search.
    assert max(acks) < 1.5, acks
    deadline = time.monotonic() + 5
    while not started and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    assert started == ["bank 0"]  # the others wait for the slot instead of competing for the CPU
    assert not slack_api.calls("response_url")
    release.set()
    answers = slack_api.wait_for("response_url", lambda c: c.args["id"].startswith("search-"), count=3, timeout=15)
    assert sorted(c.args["id"] for c in answers) == ["search-0", "search-1", "search-2"]
    assert started == ["bank 0", "bank 1", "bank 2"]  # first come, first served


def test_channel_messages_that_are_no_ask_never_wait_for_a_work_slot(busy_app, slack_api):
    app, release, started = busy_app
    gate = app.listener_runner.listener_executor.gate
    dispatch(app, slash_command("search bank 0", user_id="U1", response_url=slack_api.response_url("s0")))
    deadline = time.monotonic() + 5
    while not started and time.monotonic() < deadline:
        time.sleep(0.01)
    for n in range(40):  # the slot is taken by the search: chatter must not pile up behind it
        assert dispatch(app, message_event(f"lunch at noon? {n}", user="U2", channel="C1", ts=f"1.{n}")).status == 200
    deadline = time.monotonic() + 5
    while app.listener_runner.listener_executor._idle < 40 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert gate.waiting == 0  # every message was looked at and dropped without waiting
    release.set()


def test_a_listener_waiting_out_a_rate_limit_lends_its_slot():
    gate = WorkGate(1)
    executor = GatedExecutor(gate)
    order: list[str] = []
    waiting, resume = threading.Event(), threading.Event()

    def rate_limited() -> None:
        take_slot()
        order.append("first call")
        with slot_released():  # e.g. sleeping for Retry-After
            waiting.set()
            resume.wait(5)
        order.append("retried")

    def other() -> None:
        take_slot()
        order.append("other work")

    first = executor.submit(rate_limited)
    assert waiting.wait(5)
    executor.submit(other).result(5)  # runs while the first one waits, although there is one slot
    resume.set()
    first.result(5)
    executor.shutdown()
    assert order == ["first call", "other work", "retried"]
    assert gate.waiting == 0 and gate._free == 1  # the slot came back exactly once
