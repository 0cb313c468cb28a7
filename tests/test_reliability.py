"""Reliability: two instances on one database, the database briefly unavailable, a crash between the
commit and the Slack call, malformed payloads, and secrets kept out of the logs.

Everything goes through the real Bolt app (or the real jobs) and the local Slack Web API stand-in; the last
tests run real `refbot start` processes over HTTP: killed mid-workflow and restarted, and two at once on one
PostgreSQL database."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from refbot.context import build_context
from refbot.db import Database
from refbot.domain import OutboxStatus
from refbot.domain import RequestStatus as S
from refbot.handlers.errors import TRY_AGAIN
from refbot.jobs import load_jobs, run_job
from refbot.models import Account, Contact, OutboxMessage, ReferenceRequest, RequestEvent, SearchLog
from refbot.playground.slack_api import active_stub
from refbot.slack_app import create_app
from tests import loop_data
from tests.conftest import BOT_TOKEN, POSTGRES_URL, SIGNING_SECRET
from tests.support.payloads import (
    FORM,
    JSON,
    SlackClientSim,
    block_actions,
    datepicker,
    dispatch,
    event_callback,
    plain_value,
    slash_command,
    static_select,
    view_submission,
)
from tests.support.refbot_server import RefBotServer

SELLER, OWNER, ADMIN = "USELLER", "UOWNER", "UADMIN"
EMAIL = "dana@globex.example"
PHONE = "+1 555 0100"


@pytest.fixture
def world(session, slack_api):
    slack_api.add_user(SELLER, "Sam Seller", tz="America/New_York", email="sam@corp.example")
    slack_api.add_user(OWNER, "Olga Owner", tz="Europe/Berlin", email="olga@corp.example")
    slack_api.add_user(ADMIN, "Pat Manager", tz="Europe/Berlin")
    globex = Account(external_id="REL-A1", name="Globex", owner_id=OWNER, industry="Banking", country="DE")
    dana = Contact(external_id="REL-C1", name="Dana Scully", title="VP Finance", account=globex, email=EMAIL,
                   phone=PHONE, timezone="America/New_York", topics=["roi"])
    search = SearchLog(user_id=SELLER, criteria={"industry": "Banking", "country": "DE", "activity": "call"})
    session.add_all([globex, dana, search])
    session.commit()
    return {"dana": dana.id, "search": search.id}


def form_values():
    return {
        "prospect": {"value": plain_value("Initech")},  # the form's default inputs (no deal details)
        "stage": {"value": static_select("evaluation")},
        "needed_by": {"value": datepicker("2026-11-26")},
    }


def open_form(app, slack_api, world):
    assert dispatch(app, block_actions("request_from_search", f"{world['search']}:{world['dana']}", SELLER)).status == 200
    view = slack_api.last_view()
    assert view["callback_id"] == "request_modal"
    return view


def submit_request(app, slack_api, world) -> None:
    view = open_form(app, slack_api, world)
    response = dispatch(app, view_submission(None, form_values(), SELLER, view=view))
    assert response.status == 200 and not response.body


def owner_dm(slack_api):
    call = slack_api.successful("chat.postMessage", channel=OWNER)[0]
    return slack_api.message(OWNER, call.response["ts"])


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def posted(slack_api) -> list[tuple[str, str]]:
    return [(c.args.get("channel"), c.args.get("text")) for c in slack_api.successful("chat.postMessage")]


@pytest.fixture
def second(settings, clock, db_url) -> Iterator:
    """A second RefBot instance (its own engine, deliverer and Bolt app) on the same database."""
    ctx2 = build_context(settings, clock=clock, db=Database(db_url))
    app2 = create_app(settings, context=ctx2, process_before_response=True)
    yield ctx2, app2
    ctx2.close()


# ------------------------------------------------------------------ two instances


def test_every_job_run_from_two_instances_at_once_sends_each_message_once(
    bolt_app, ctx, second, clock, slack_api, world, session
):
    ctx2, _ = second
    submit_request(bolt_app, slack_api, world)  # a pending approval: reminded after a day
    with ctx.db.unit_of_work() as s:  # a call that happened: the seller is asked for a debrief
        loop_data.request(s, scheduled_at=clock.now() + dt.timedelta(hours=5))
    clock.advance(hours=25)
    before = len(posted(slack_api))
    jobs = list(load_jobs().values())
    assert {"outbox", "approval_reminders", "debrief_prompts"} <= {j.name for j in jobs}
    barrier = threading.Barrier(4)

    def run_all(instance):
        barrier.wait()
        return [job.func(instance) for job in jobs]

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(run_all, [ctx, ctx2, ctx, ctx2]))

    sent = posted(slack_api)[before:]
    assert any(channel == OWNER and "Reminder" in text for channel, text in sent), sent
    assert any(channel == loop_data.SELLER for channel, _ in sent), sent
    duplicates = [item for item, n in Counter(posted(slack_api)).items() if n > 1]
    assert duplicates == []
    session.expire_all()
    assert session.scalars(sa.select(OutboxMessage.status)).all().count(OutboxStatus.pending) == 0


def test_concurrent_approvals_on_two_instances_make_one_transition(
    bolt_app, second, database, slack_api, world, session
):
    _, app2 = second
    submit_request(bolt_app, slack_api, world)
    message = owner_dm(slack_api)
    clicks = [(bolt_app, block_actions("request_approve", user_id=OWNER, message=message)),
              (app2, block_actions("request_approve", user_id=OWNER, message=message))]
    barrier = threading.Barrier(2)

    def click(item):
        app, payload = item
        barrier.wait()
        return dispatch(app, payload).status

    with ThreadPoolExecutor(2) as pool:
        statuses = list(pool.map(click, clicks))
    session.expire_all()
    (request,) = session.scalars(sa.select(ReferenceRequest)).all()
    # the click that lost was told why, privately ("already approved", or "try again" on a locked SQLite)
    told = private_texts(slack_api, OWNER)
    assert "already approved" in told or TRY_AGAIN in told
    if database.dialect == "postgresql":
        assert statuses == [200, 200]
    assert request.status is S.approved
    actions = session.scalars(sa.select(RequestEvent.action).where(RequestEvent.request_id == request.id)).all()
    assert actions == ["created", "approve"]
    assert len([c for c in slack_api.messages_to(SELLER) if EMAIL in json.dumps(c.args)]) == 1
    assert len(slack_api.successful("chat.update")) == 1


# ------------------------------------------------------------------ database briefly unavailable


@pytest.fixture
def outage(monkeypatch):
    """`with outage():` every unit of work fails as a locked/unreachable database does (after the work,
    at commit time), then the database is back."""
    original = Database.unit_of_work
    down = threading.Event()

    @contextmanager
    def flaky(self, **options):
        with original(self, **options) as session:
            yield session
            if down.is_set():
                session.flush()
                raise OperationalError("COMMIT", {}, Exception("database is locked"))

    monkeypatch.setattr(Database, "unit_of_work", flaky)

    @contextmanager
    def window():
        down.set()
        try:
            yield
        finally:
            down.clear()

    return window


def private_texts(slack_api, user) -> str:
    calls = slack_api.calls("response_url") + slack_api.ephemerals_to(user) + slack_api.messages_to(user)
    return "\n".join(json.dumps(c.args) for c in calls)


def test_search_while_the_database_is_down_says_try_again_and_writes_nothing(
    bolt_app, outage, slack_api, world, session
):
    logs_before = count(session, SearchLog)
    with outage():
        assert dispatch(bolt_app, slash_command("search banking germany", user_id=SELLER)).status == 200
    assert TRY_AGAIN in private_texts(slack_api, SELLER)
    assert not any(c.args.get("response_type") == "in_channel" for c in slack_api.calls("response_url"))
    assert count(session, SearchLog) == logs_before

    assert dispatch(bolt_app, slash_command("search banking germany", user_id=SELLER)).status == 200
    assert count(session, SearchLog) == logs_before + 1


def test_request_submitted_while_the_database_is_down_is_not_half_done(
    bolt_app, outage, slack_api, world, session
):
    view = open_form(bolt_app, slack_api, world)
    payload = view_submission(None, form_values(), SELLER, view=view)
    with outage():
        assert dispatch(bolt_app, payload).status == 200
    assert TRY_AGAIN in private_texts(slack_api, SELLER)
    assert count(session, ReferenceRequest) == 0 and count(session, RequestEvent) == 0
    assert count(session, OutboxMessage) == 0 and slack_api.messages_to(OWNER) == []

    assert dispatch(bolt_app, payload).status == 200  # the user submits again: one request, one DM
    assert count(session, ReferenceRequest) == 1
    assert len(slack_api.messages_to(OWNER)) == 1


# ------------------------------------------------------------------ crash and restart


def test_messages_queued_before_a_crash_are_delivered_once_after_restart(
    settings, clock, db_url, slack_api, world, session
):
    crashed = build_context(settings, clock=clock, db=Database(db_url), deliver_on_commit=False)
    submit_request(create_app(settings, context=crashed, process_before_response=True), slack_api, world)
    crashed.close()  # killed after the commit, before any delivery
    assert slack_api.messages_to(OWNER) == [] and slack_api.messages_to(SELLER) == []
    queued = count(session, OutboxMessage)
    assert queued >= 2

    restarted = build_context(settings, clock=clock, db=Database(db_url))
    try:
        for _ in range(2):
            run_job(restarted, "outbox")
        assert len(slack_api.messages_to(OWNER)) == 1
        assert len(slack_api.messages_to(SELLER)) == 1
        session.expire_all()
        assert set(session.scalars(sa.select(OutboxMessage.status)).all()) == {OutboxStatus.sent}
        # the restarted app carries the workflow on: the owner approves from the DM sent after restart
        app = create_app(settings, context=restarted, process_before_response=True)
        assert dispatch(app, block_actions("request_approve", user_id=OWNER, message=owner_dm(slack_api))).status == 200
        assert len([c for c in slack_api.messages_to(SELLER) if EMAIL in json.dumps(c.args)]) == 1
    finally:
        restarted.close()


def test_a_message_claimed_by_an_instance_that_died_is_sent_once_after_the_claim_expires(
    settings, clock, db_url, slack_api, world, session
):
    crashed = build_context(settings, clock=clock, db=Database(db_url), deliver_on_commit=False)
    submit_request(create_app(settings, context=crashed, process_before_response=True), slack_api, world)
    ids = session.scalars(sa.select(OutboxMessage.id)).all()
    assert all(crashed.deliverer._claim(row_id) for row_id in ids)  # claimed, then the process died
    crashed.close()

    restarted = build_context(settings, clock=clock, db=Database(db_url))
    try:
        run_job(restarted, "outbox")
        assert slack_api.messages_to(OWNER) == []  # another instance may still be sending it
        clock.advance(minutes=2)
        for _ in range(2):
            run_job(restarted, "outbox")
        assert len(slack_api.messages_to(OWNER)) == 1 and len(slack_api.messages_to(SELLER)) == 1
    finally:
        restarted.close()


def test_a_message_posted_by_an_instance_that_died_before_recording_it_is_not_posted_again(
    settings, clock, db_url, slack_api, world, session, monkeypatch
):
    crashed = build_context(settings, clock=clock, db=Database(db_url), deliver_on_commit=False)
    submit_request(create_app(settings, context=crashed, process_before_response=True), slack_api, world)

    def die(*_args, **_kwargs):  # Slack accepted the post; the process is killed before recording it
        raise SystemExit("killed")

    monkeypatch.setattr(crashed.deliverer, "_sent", die)
    with pytest.raises(SystemExit):
        crashed.deliverer.deliver()
    crashed.close()
    assert len(slack_api.successful("chat.postMessage")) == 1
    first = slack_api.successful("chat.postMessage")[0]

    restarted = build_context(settings, clock=clock, db=Database(db_url))
    try:
        clock.advance(minutes=2)  # the dead instance's claim expires
        for _ in range(2):
            run_job(restarted, "outbox")
        posts = slack_api.successful("chat.postMessage")
        assert [c.args["metadata"]["event_payload"]["key"] for c in posts].count(
            first.args["metadata"]["event_payload"]["key"]) == 1  # found, not posted twice
        assert len(slack_api.messages_to(OWNER)) == 1 and len(slack_api.messages_to(SELLER)) == 1
        session.expire_all()
        assert set(session.scalars(sa.select(OutboxMessage.status)).all()) == {OutboxStatus.sent}
        assert first.response["ts"] in session.scalars(sa.select(OutboxMessage.result_ts)).all()
    finally:
        restarted.close()


# ------------------------------------------------------------------ malformed payloads


def _form(payload) -> tuple[str, str]:
    return urlencode({"payload": payload if isinstance(payload, str) else json.dumps(payload)}), FORM


MALFORMED = {
    "garbage payload": lambda: _form("{not json"),
    "payload is a list": lambda: _form([1, 2, 3]),
    "payload without type": lambda: _form({"user": {"id": SELLER}}),
    "empty form": lambda: ("", FORM),
    "garbage json body": lambda: ("{\"type\": ", JSON),
    "event without event": lambda: (json.dumps({"type": "event_callback", "team_id": "T0001"}), JSON),
    "event of unknown type": lambda: event_callback({"type": "reaction_added", "user": SELLER}),
    "unknown action id": lambda: block_actions("no_such_action", "1", SELLER),
    "approve with a word": lambda: block_actions("request_approve", "abc", OWNER),
    "approve a missing request": lambda: block_actions("request_approve", "987654", OWNER),
    "approve without value": lambda: block_actions("request_approve", None, OWNER, action_type="button"),
    "request from search, bad value": lambda: block_actions("request_from_search", "x:y", SELLER),
    "request from search, missing ids": lambda: block_actions("request_from_search", "99999:99999", SELLER),
    "request from search, no colon": lambda: block_actions("request_from_search", "12", SELLER),
    "decline with a list": lambda: block_actions("request_decline", ["1"], OWNER),
    "block actions without actions": lambda: _form({"type": "block_actions", "user": {"id": SELLER}, "actions": []}),
    "modal with no state": lambda: _form({"type": "view_submission", "user": {"id": SELLER},
                                          "view": {"callback_id": "request_modal", "id": "V1"}}),
    "modal with garbage metadata": lambda: view_submission("request_modal", {}, SELLER, private_metadata="{{{"),
    "modal with wrong types": lambda: view_submission(
        "request_modal", {"prospect": {"value": {"type": "plain_text_input", "value": 42}}}, SELLER,
        private_metadata=json.dumps({"contact_id": "nope", "search_id": [1]})),
    "slash command without user": lambda: (urlencode({"command": "/reference", "text": "search bank",
                                                      "response_url": active_stub().response_url()}), FORM),
    "slash command with binary text": lambda: slash_command("search \x00\x01\ufffd" + "x" * 5000, user_id=SELLER),
    "event is text": lambda: (json.dumps({"type": "event_callback", "team_id": "T0001", "event": "type"}), JSON),
    "event is null": lambda: (json.dumps({"type": "event_callback", "team_id": "T0001", "event": None}), JSON),
    "action is not an object": lambda: _form({"type": "block_actions", "user": {"id": SELLER}, "actions": [7]}),
    "action id is a list": lambda: _form({"type": "block_actions", "user": {"id": SELLER},
                                          "actions": [{"action_id": ["request_approve"], "value": "1"}]}),
    "view is text": lambda: _form({"type": "view_submission", "user": {"id": SELLER}, "view": "callback_id"}),
    "command is a number": lambda: (json.dumps({"command": 5, "user_id": SELLER}), JSON),
}


# Bodies Bolt itself cannot parse or route: BoltRequest's constructor or Bolt's payload functions raise on
# them (see refbot/handlers/malformed.py). RefBot answers 400 after the signature check; nothing runs.
BOLT_CANNOT_READ = {
    "garbage payload",
    "payload is a list",
    "garbage json body",
    "block actions without actions",
    "modal with no state",
    "event is text",
    "event is null",
    "action is not an object",
    "action id is a list",
    "view is text",
    "command is a number",
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_payloads_never_get_a_server_error(bolt_app, slack_api, world, session, name):
    response = dispatch(bolt_app, MALFORMED[name]())
    assert response.status < 500, (response.status, response.body)
    if name in BOLT_CANNOT_READ:
        assert response.status == 400, (response.status, response.body)
    assert count(session, ReferenceRequest) == 0
    assert EMAIL not in slack_api.all_text() and PHONE not in slack_api.all_text()


def test_unreadable_bodies_are_still_signature_checked_first(bolt_app, slack_api, world):
    statuses = {name: dispatch(bolt_app, MALFORMED[name](), signing_secret="wrong").status
                for name in BOLT_CANNOT_READ}
    assert set(statuses.values()) == {401}, statuses


# ------------------------------------------------------------------ secrets in logs


def test_token_and_signing_secret_never_reach_the_logs(bolt_app, slack_api, world, session, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("slack_sdk", "slack_bolt", "refbot", "sqlalchemy"):  # other tests may have raised these
        caplog.set_level(logging.DEBUG, logger=name)
    assert dispatch(bolt_app, slash_command("search banking germany roi", user_id=SELLER)).status == 200
    submit_request(bolt_app, slack_api, world)
    assert dispatch(bolt_app, block_actions("request_approve", user_id=OWNER, message=owner_dm(slack_api))).status == 200
    assert dispatch(bolt_app, slash_command("search", user_id=SELLER), signing_secret="wrong").status == 401
    session.expire_all()
    assert session.scalar(sa.select(ReferenceRequest.status)) is S.approved
    assert len(caplog.records) > 0
    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert BOT_TOKEN not in logged
    assert SIGNING_SECRET not in logged


def test_contact_details_never_reach_the_logs_before_approval(bolt_app, slack_api, world, session, caplog):
    # RefBot's own logs and every Slack request/response body at DEBUG. (SQLAlchemy's DEBUG logging
    # prints fetched rows: database debugging shows database content, by design.)
    caplog.set_level(logging.DEBUG)
    for name in ("slack_sdk", "slack_bolt", "refbot"):
        caplog.set_level(logging.DEBUG, logger=name)
    caplog.set_level(logging.INFO, logger="sqlalchemy")
    assert dispatch(bolt_app, slash_command("search banking germany roi", user_id=SELLER)).status == 200
    submit_request(bolt_app, slack_api, world)
    assert owner_dm(slack_api) is not None  # the owner was asked: the request is waiting for approval
    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert len(caplog.records) > 0
    assert EMAIL not in logged and PHONE not in logged
    assert EMAIL not in slack_api.all_text() and PHONE not in slack_api.all_text()


# ------------------------------------------------------------------ real processes: `refbot start` over HTTP


def wait_until(condition, *, timeout: float = 30.0, what: str = "the condition"):
    """Poll `condition()` until it is truthy (returned); AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.05)


@pytest.fixture
def start_servers(slack_api, db_url, tmp_path):
    """`start_servers(n)`: n `refbot start` processes on this test's database and the stand-in, started
    together; every one is stopped at the end of the test whatever happened."""
    servers: list[RefBotServer] = []

    def start(n: int = 1) -> list[RefBotServer]:
        new = [RefBotServer(slack_api_url=slack_api.base_url, database_url=db_url, signing_secret=SIGNING_SECRET,
                            workdir=tmp_path, extra_env={"REFBOT_LEADERBOARD_CHANNEL": "C0SALES"})
               for _ in range(n)]
        servers.extend(new)
        with ThreadPoolExecutor(n) as pool:
            list(pool.map(lambda srv: srv.start(timeout=90), new))
        return new

    yield start
    for srv in servers:
        print(f"--- refbot start on {srv.url} ---\n{srv.output()[-5000:]}")  # shown when the test failed
        srv.stop()


def needed_by() -> dt.date:
    return dt.date.today() + dt.timedelta(days=21)  # the servers run on the real clock


def submit_over_http(sim: SlackClientSim, slack_api, world) -> None:
    """The seller picks Dana from a search and submits the request form, as Slack would post it."""
    opened = len(slack_api.successful("views.open"))
    assert sim.post(block_actions("request_from_search", f"{world['search']}:{world['dana']}", SELLER)).status == 200
    slack_api.wait_for("views.open", count=opened + 1, timeout=30)
    view = slack_api.last_view()
    assert view["callback_id"] == "request_modal"
    values = {**form_values(), "needed_by": {"value": datepicker(needed_by().isoformat())}}
    response = sim.post(view_submission(None, values, SELLER, view=view))
    assert response.status == 200 and not response.body, response


def outbox_rows(session) -> list[tuple]:
    session.expire_all()
    return session.execute(sa.select(OutboxMessage.method, OutboxMessage.status, OutboxMessage.attempts,
                                      OutboxMessage.claimed_until)).all()


def approval_dms(slack_api) -> list:
    return [c for c in slack_api.messages_to(OWNER) if "request_approve" in json.dumps(c.args)]


def contact_details_to_seller(slack_api) -> list:
    return [c for c in slack_api.messages_to(SELLER) if EMAIL in json.dumps(c.args)]


def test_malformed_bodies_over_http_get_a_4xx_and_the_server_keeps_serving(start_servers, slack_api, world, session):
    (server,) = start_servers(1)
    sim = SlackClientSim(server.events_url, SIGNING_SECRET, timeout=30)
    statuses = {name: sim.post(MALFORMED[name]()).status for name in MALFORMED}
    assert all(status < 500 for status in statuses.values()), statuses
    assert {statuses[name] for name in BOLT_CANNOT_READ} == {400}, statuses
    assert sim.post(MALFORMED["garbage payload"](), bad_signature=True).status == 401
    assert sim.post(slash_command("help", user_id=SELLER, response_url=slack_api.response_url("help"))).status == 200
    slack_api.wait_for("response_url", lambda c: c.args.get("id") == "help", timeout=30)
    assert count(session, ReferenceRequest) == 0
    assert EMAIL not in slack_api.all_text() and PHONE not in slack_api.all_text()


def test_a_server_killed_mid_workflow_delivers_every_dm_once_after_restart(start_servers, slack_api, world, session):
    (first,) = start_servers(1)
    with slack_api.outage("chat.postMessage"):  # Slack takes no messages: the DMs stay in the outbox
        submit_over_http(SlackClientSim(first.events_url, SIGNING_SECRET, timeout=30), slack_api, world)
        # stored and committed; the delivery right after the commit was refused, so both DMs are queued
        wait_until(lambda: slack_api.failed("chat.postMessage", channel=OWNER), what="the owner DM attempt")
        wait_until(lambda: (rows := outbox_rows(session)) and len(rows) >= 2
                   and all(r.attempts >= 1 and r.claimed_until is None for r in rows),
                   what="the failed deliveries to be recorded")
        first.kill()  # SIGKILL: no shutdown, nothing flushed
    assert count(session, ReferenceRequest) == 1
    assert {r.status for r in outbox_rows(session)} == {OutboxStatus.pending}
    assert slack_api.messages_to(OWNER) == [] and slack_api.messages_to(SELLER) == []

    (second,) = start_servers(1)  # Slack is back; a new process on the same database
    # the restarted instance's outbox job (at start, then every 10 s) sends what the dead one queued
    # (90 s covers the rare case of the dead process having claimed a row: a claim expires after 60 s)
    wait_until(lambda: approval_dms(slack_api) and slack_api.messages_to(SELLER), timeout=90,
               what="the queued DMs after the restart")
    message = owner_dm(slack_api)
    sim = SlackClientSim(second.events_url, SIGNING_SECRET, timeout=30)
    assert sim.post(block_actions("request_approve", user_id=OWNER, message=message)).status == 200
    wait_until(lambda: contact_details_to_seller(slack_api) and slack_api.successful("chat.update")
               and all(r.status is OutboxStatus.sent for r in outbox_rows(session)),
               what="the approval DM to the seller and the owner's DM updated")

    assert count(session, ReferenceRequest) == 1
    session.expire_all()
    request = session.scalars(sa.select(ReferenceRequest)).one()
    assert request.status is S.approved
    actions = session.scalars(sa.select(RequestEvent.action).where(RequestEvent.request_id == request.id)).all()
    assert actions == ["created", "approve"]
    assert len(approval_dms(slack_api)) == 1
    assert len(contact_details_to_seller(slack_api)) == 1
    assert len(slack_api.successful("chat.update")) == 1
    # exactly once: one accepted post per queued message, nothing posted twice
    queued_posts = [r for r in outbox_rows(session) if r.method == "chat.postMessage"]
    assert len(slack_api.successful("chat.postMessage")) == len(queued_posts)
    assert [item for item, n in Counter(posted(slack_api)).items() if n > 1] == []


def run_job_processes(servers: list[RefBotServer], name: str) -> list[str]:
    """`refbot jobs run NAME` once per instance's environment, all started at once; their outputs."""
    procs = [subprocess.Popen([sys.executable, "-m", "refbot.cli", "jobs", "run", name], cwd=srv.workdir,
                              env=srv.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
             for srv in servers]
    outputs = []
    try:
        for proc in procs:
            out, _ = proc.communicate(timeout=90)
            assert proc.returncode == 0, out.decode(errors="replace")
            outputs.append(out.decode(errors="replace"))
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    return outputs


@pytest.mark.skipif(not POSTGRES_URL, reason="several instances need PostgreSQL (README: 'More than one instance: "
                    "use PostgreSQL'); set REFBOT_TEST_DATABASE_URL to run this on a PostgreSQL server")
def test_two_server_processes_on_one_postgres_make_one_transition_and_send_each_message_once(
    start_servers, slack_api, world, session
):
    a, b = start_servers(2)  # same database, same signing secret, like two instances behind a load balancer
    submit_over_http(SlackClientSim(a.events_url, SIGNING_SECRET, timeout=30), slack_api, world)
    wait_until(lambda: approval_dms(slack_api), what="the approval DM to the owner")
    click = block_actions("request_approve", user_id=OWNER, message=owner_dm(slack_api))
    barrier = threading.Barrier(2)

    def send(server: RefBotServer) -> int:
        sim = SlackClientSim(server.events_url, SIGNING_SECRET, timeout=30)
        barrier.wait()
        return sim.post(click).status

    with ThreadPoolExecutor(2) as pool:  # the same click reaches both instances at the same moment
        statuses = list(pool.map(send, [a, b]))
    assert statuses == [200, 200]
    wait_until(lambda: contact_details_to_seller(slack_api) and slack_api.successful("chat.update")
               and ("already approved" in private_texts(slack_api, OWNER)
                    or TRY_AGAIN in private_texts(slack_api, OWNER)),
               what="one approval, and the other click told why it did nothing")
    session.expire_all()
    request = session.scalars(sa.select(ReferenceRequest)).one()
    assert request.status is S.approved
    actions = session.scalars(sa.select(RequestEvent.action).where(RequestEvent.request_id == request.id)).all()
    assert actions == ["created", "approve"]

    # a request waiting two days for its owner: the reminder and the escalation are due now
    stale = loop_data.request(session, scheduled_at=None, status=S.pending_approval,
                              created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=49))
    stale.needed_by = needed_by()
    session.commit()
    before = len(slack_api.successful("chat.postMessage"))
    outputs = run_job_processes([a, b], "approval_reminders")  # both instances run the job at once
    done = [re.search(r"reminded (\d+), escalated (\d+)", out) for out in outputs]
    assert all(done), outputs
    assert sum(int(m[1]) for m in done) == 1 and sum(int(m[2]) for m in done) == 1, outputs
    wait_until(lambda: all(r.status is OutboxStatus.sent for r in outbox_rows(session)), what="the outbox to drain")

    sent = posted(slack_api)[before:]
    assert len([1 for channel, text in sent if channel == OWNER and "Reminder" in text]) == 1, sent
    assert len([1 for channel, _ in sent if channel == ADMIN]) == 1, sent
    # the seller's contact details went out once in all, and no message at all was posted twice
    assert len(contact_details_to_seller(slack_api)) == 1
    assert len(slack_api.successful("chat.update")) == 1
    assert [item for item, n in Counter(posted(slack_api)).items() if n > 1] == []
    queued_posts = [r for r in outbox_rows(session) if r.method == "chat.postMessage"]
    assert len(slack_api.successful("chat.postMessage")) == len(queued_posts)


def test_a_server_stopped_with_sigterm_finishes_the_work_it_acknowledged(start_servers, slack_api, world):
    (server,) = start_servers(1)
    sim = SlackClientSim(server.events_url, SIGNING_SECRET, timeout=30)
    ids = [f"sigterm-{n}" for n in range(24)]
    slack_api.fail("response_url", delay=0.5, times=len(ids))  # a slow Slack: each answer holds a slot 0.5 s
    for rid in ids:
        search = slash_command("search banking germany", user_id=SELLER, response_url=slack_api.response_url(rid))
        assert sim.post(search).status == 200  # acknowledged: Slack considers it handled
    assert len(slack_api.successful("response_url")) < len(ids)  # most of the work is still queued
    server.stop()  # SIGTERM, as a deploy does
    answered = {c.args["id"] for c in slack_api.successful("response_url")}
    assert answered == set(ids)  # nothing acknowledged was dropped on the way out
