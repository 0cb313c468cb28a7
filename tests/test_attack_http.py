"""Issue 15, the last part: the finished tree attacked again over HTTP, against `refbot start` and the Slack
stand-in, by someone who did not write the fixes. One running server with a seeded program (a request in
every state, a pending nomination) takes:

- every button (action id) and modal (callback id) RefBot registers, clicked or submitted by a stranger, on
  every request, with forged private_metadata naming other requests, contacts and deals: nothing changes,
  nobody else hears of it, the stranger gets a private refusal, no contact email or phone shows anywhere;
- user text echoed back in a private answer (an unknown subcommand, a `stats` date) with mentions and links:
  escaped, never raw;
- signed bodies of every malformed shape: never a 500 or a traceback in the answer, no outbound call, nothing
  written; a slash command without a response_url (Slack always sends one) is refused with 400.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from refbot import db as dbmod
from refbot.domain import RequestStatus as S
from refbot.models import Nomination, Opportunity, OutboxMessage, PointsEntry, ReferenceRequest, RequestEvent
from refbot.models.search import ChannelPref
from refbot.services import nominations
from refbot.services.policy import load_policy
from tests import loop_data as data
from tests.conftest import POSTGRES_URL, SIGNING_SECRET
from tests.support.payloads import (
    SlackClientSim,
    block_actions,
    datepicker,
    plain_value,
    radio,
    slash_command,
    static_select,
    timepicker,
    view_submission,
)
from tests.support.refbot_server import RefBotServer

SELLER, OWNER, ADMIN, STRANGER = data.SELLER, data.OWNER, data.ADMIN, data.STRANGER
PRIVATE = ("dana@globex.example", "+49 30 1234567", "zed@acme.example")
HOSTILE = "<!channel> <@UVICTIM> <https://evil.example|click>"
RAW = ("<!channel>", "<@UVICTIM>", "<https://evil.example")

# Every listener RefBot registers (refbot/blocks/* constants, registered in refbot/handlers/*).
ACTIONS = ["request_approve", "request_decline", "request_suggest", "request_mark_scheduled", "request_cancel",
           "search_again", "debrief_happened", "debrief_not_happened", "debrief_rescheduled", "thank_you_open",
           "outcome_won", "outcome_lost", "nomination_accept", "nomination_reject"]


@dataclass
class Live:
    server: RefBotServer
    slack: Any
    database: dbmod.Database
    sim: SlackClientSim
    requests: dict[S, int]
    opportunity_id: int
    nomination_id: int

    def calls_since(self, n: int) -> list[Any]:
        return self.slack.calls()[n:]

    def snapshot(self) -> tuple[Any, ...]:
        """Everything a click could change."""
        with self.database.unit_of_work(read_only=True) as s:
            reqs = [(r.id, r.status, r.owner_id, r.scheduled_at, r.thank_you_note, r.decided_by)
                    for r in s.scalars(sa.select(ReferenceRequest).order_by(ReferenceRequest.id))]
            counts = [s.scalar(sa.select(sa.func.count()).select_from(m))
                      for m in (RequestEvent, OutboxMessage, PointsEntry)]
            opps = [(o.id, o.outcome) for o in s.scalars(sa.select(Opportunity).order_by(Opportunity.id))]
            noms = [(n.id, n.status) for n in s.scalars(sa.select(Nomination).order_by(Nomination.id))]
        return reqs, counts, opps, noms


def _seed(database: dbmod.Database) -> tuple[dict[S, int], int, int]:
    now = dt.datetime.now(dt.UTC)
    ids: dict[S, int] = {}
    with database.unit_of_work() as s:
        for status in (S.pending_approval, S.approved, S.scheduled, S.completed, S.debriefed):
            past = status in (S.completed, S.debriefed)
            at = None if status in (S.pending_approval, S.approved) else now + dt.timedelta(days=-1 if past else 3)
            ids[status] = data.request(s, scheduled_at=at, status=status, created_at=now - dt.timedelta(days=5),
                                       recorded_at=now - dt.timedelta(days=2) if at else None).id
        opportunity_id = s.get(ReferenceRequest, ids[S.completed]).opportunity_id
        nomination = nominations.submit(
            session=s, nominator_id=SELLER, reviewers=[ADMIN], now=now,
            data=nominations.NominationInput(account="new:Acme", contact_name="Zed", contact_email="zed@acme.example",
                                             why="Happy", activities=["call"]),
        )
        s.flush()
        nomination_id = s.scalar(sa.select(sa.func.max(Nomination.id)))
    del nomination
    return ids, opportunity_id, nomination_id


@pytest.fixture(scope="module")
def live(_db_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    from tests.support.slack_api import SlackAPIStub

    if POSTGRES_URL:
        pytest.skip("one running server on its own SQLite copy; the PostgreSQL suite covers the services")
    tmp = tmp_path_factory.mktemp("attack")
    shutil.copyfile(_db_template, tmp / "refbot.db")
    url = f"sqlite:///{tmp / 'refbot.db'}"
    database = dbmod.Database(url)
    ids, opportunity_id, nomination_id = _seed(database)
    with SlackAPIStub() as slack, RefBotServer(slack_api_url=slack.base_url, database_url=url,
                                               signing_secret=SIGNING_SECRET, admins=ADMIN, workdir=tmp) as server:
        for uid in (SELLER, OWNER, ADMIN, STRANGER, "UVICTIM"):
            slack.add_user(uid, uid.title(), tz="Europe/Berlin")
        with database.unit_of_work(read_only=True) as s:
            queued = s.scalar(sa.select(sa.func.count()).select_from(OutboxMessage))
        slack.wait_for("chat.postMessage", count=queued, timeout=60)  # the seeded DMs went out first
        time.sleep(0.5)
        yield Live(server, slack, database, SlackClientSim(server.events_url, SIGNING_SECRET), ids, opportunity_id,
                   nomination_id)
    database.dispose()


def _settle(live: Live, n: int) -> None:
    """Wait until no new call arrived for a moment (listeners run after the 200)."""
    last, quiet = -1, time.monotonic()
    while time.monotonic() - quiet < 1.0:
        count = len(live.slack.calls())
        if count != last:
            last, quiet = count, time.monotonic()
        time.sleep(0.1)


def _assert_no_private_detail(live: Live, since: int) -> None:
    for call in live.calls_since(since):
        text = json.dumps(call.args)
        for secret in PRIVATE:
            assert secret not in text, f"{secret} reached {call.method}: {text[:300]}"


# ------------------------------------------------------------------ authorization


def test_a_stranger_clicking_every_button_on_every_request_changes_nothing(live):
    before, n = live.snapshot(), len(live.slack.calls())
    targets = [*live.requests.values(), live.opportunity_id, live.nomination_id]
    for action in ACTIONS:
        for target in targets:
            url = live.slack.response_url(f"{action}-{target}")
            assert live.sim.post(block_actions(action, str(target), STRANGER, response_url=url)).status == 200
    _settle(live, n)
    assert live.snapshot() == before
    calls = live.calls_since(n)
    # Only private answers to the stranger: no DM, message update or modal for anyone.
    assert {c.method for c in calls} <= {"response_url", "users.info"}, sorted({c.method for c in calls})
    answers = [c.args.get("text", "") for c in calls if c.method == "response_url"]
    assert len(answers) >= len(ACTIONS) and all(a for a in answers)
    assert all(c.args.get("response_type") == "ephemeral" for c in calls if c.method == "response_url")
    assert any("not yours to approve" in a for a in answers)
    assert any("Only program managers can accept or reject nominations" in a for a in answers)
    _assert_no_private_detail(live, n)


def _values(**fields: Any) -> dict[str, dict[str, Any]]:
    return {block: {"value": value} for block, value in fields.items()}


def test_forged_modal_submissions_from_a_stranger_change_nothing(live):
    """Every view callback RefBot registers, submitted by a stranger with private_metadata naming someone
    else's request, deal or nomination (Slack would never have shown them the modal)."""
    req, later = live.requests, (dt.date.today() + dt.timedelta(days=10)).isoformat()
    forged = [
        ("request_decline_modal", _values(reason=plain_value("no")), {"request_id": req[S.pending_approval]}),
        ("request_suggest_modal", _values(contact=static_select("1"), reason=plain_value("x")),
         {"request_id": req[S.pending_approval]}),
        ("request_schedule_modal", _values(date=datepicker(later), time=timepicker("10:00")),
         {"request_id": req[S.approved], "tz": "UTC"}),
        ("debrief_modal", _values(met_needs=radio("yes"), rating=static_select("4")), {"request_id": req[S.completed]}),
        ("debrief_not_happened_modal", _values(choice=radio("cancel"), reason=plain_value("x")),
         {"request_id": req[S.completed]}),
        ("debrief_reschedule_modal", _values(date=datepicker(later)), {"request_id": req[S.completed], "tz": "UTC"}),
        ("thank_you_modal", _values(note=plain_value("thanks")), {"request_id": req[S.debriefed]}),
        ("outcome_modal", _values(outcome=radio("won"), amount=plain_value("5")),
         {"opportunity_id": live.opportunity_id}),
        ("nomination_reject_modal", _values(reason=plain_value("x")), {"nomination_id": live.nomination_id}),
    ]
    before, n = live.snapshot(), len(live.slack.calls())
    for callback_id, values, meta in forged:
        response = live.sim.post(view_submission(callback_id, values, STRANGER, private_metadata=json.dumps(meta)))
        assert response.status == 200, (callback_id, response)
        assert "Traceback" not in response.body
    _settle(live, n)
    assert live.snapshot() == before
    calls = live.calls_since(n)
    assert {c.method for c in calls} <= {"chat.postMessage", "users.info"}
    assert {c.args["channel"] for c in calls if c.method == "chat.postMessage"} == {STRANGER}  # refused privately
    _assert_no_private_detail(live, n)


@pytest.mark.parametrize("text, refusal", [
    ("nudges off", "is for program managers"),
    ("stats", "is for program managers"),
    ("leaderboard channel #random", "Only program managers can change where the weekly leaderboard is posted"),
])
def test_program_manager_commands_refuse_a_seller_and_change_nothing(live, text, refusal):
    before, n = live.snapshot(), len(live.slack.calls())
    name = f"pm-{n}"
    assert live.sim.post(slash_command(text, user_id=STRANGER, channel_id="C0SALES",
                                       response_url=live.slack.response_url(name))).status == 200
    (answer,) = live.slack.wait_for("response_url", lambda c: c.args.get("id") == name, timeout=15)
    assert refusal in answer.args.get("text", "")
    _settle(live, n)
    assert live.snapshot() == before
    with live.database.unit_of_work(read_only=True) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(ChannelPref)) == 0
        assert load_policy(session=s).leaderboard_channel is None
    assert {c.method for c in live.calls_since(n)} <= {"response_url", "users.info"}


# ------------------------------------------------------------------ user text echoed back


@pytest.mark.parametrize("user, text", [
    (ADMIN, f"stats {HOSTILE}"),  # "I can't read '…' as a date"
    (SELLER, f"stats{HOSTILE}"),  # "I don't know `…`. Did you mean `/reference stats`?"
    (SELLER, f"nominate{HOSTILE} now"),
])
def test_text_echoed_in_a_private_answer_is_escaped(live, user, text):
    name = f"echo-{len(live.slack.calls())}"
    url = live.slack.response_url(name)
    assert live.sim.post(slash_command(text, user_id=user, response_url=url)).status == 200
    (answer,) = live.slack.wait_for("response_url", lambda c: c.args.get("id") == name, timeout=15)
    shown = answer.args.get("text", "")
    for raw in RAW:
        assert raw not in shown, shown
    assert "&lt;!channel&gt;" in shown  # what they typed is shown, harmlessly


# ------------------------------------------------------------------ malformed bodies


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def _payload(obj: Any) -> tuple[str, str]:
    return urlencode({"payload": json.dumps(obj)}), FORM


def _event(event: Any, **extra: Any) -> tuple[str, str]:
    return json.dumps({"type": "event_callback", "team_id": "T0001", "event": event, **extra}), JSON


USER = {"id": STRANGER}
MALFORMED: dict[str, tuple[str, str]] = {
    "empty form": ("", FORM),
    "json null": ("null", JSON),
    "json list": ("[]", JSON),
    "truncated json": ('{"type": "event_callback", "event": {', JSON),
    "payload= cut short": ("payload=%7B%22type%22", FORM),
    "payload= empty": ("payload=", FORM),
    "payload is a list": _payload([1]),
    "payload twice": ("payload=%7B%7D&payload=%7B%7D", FORM),
    "duplicate keys": ('{"type":"event_callback","type":"url_verification","challenge":"c"}', JSON),
    "url_verification without challenge": ('{"type":"url_verification"}', JSON),
    "event missing": ('{"type":"event_callback"}', JSON),
    "event null": _event(None),
    "event a string": _event("x"),
    "event type a number": _event({"type": 5}),
    "home opened without user": _event({"type": "app_home_opened", "tab": "home"}),
    "home opened user an object": _event({"type": "app_home_opened", "tab": "home", "user": {"id": STRANGER}}),
    "message without fields": _event({"type": "message"}),
    "message text an object": _event({"type": "message", "text": {"a": 1}, "user": STRANGER, "channel": "C1",
                                      "ts": "1.1", "channel_type": "channel"}),
    "message user a list": _event({"type": "message", "text": "anyone have a bank reference in Germany?",
                                   "user": [STRANGER], "channel": "C1", "ts": "1.2", "channel_type": "channel"}),
    "message subtype a number": _event({"type": "message", "subtype": 3, "text": "x", "user": STRANGER,
                                        "channel": "C1", "ts": "1.3", "channel_type": "channel"}),
    "authorizations a string": _event({"type": "app_home_opened", "user": STRANGER}, authorizations="x"),
    "actions missing": _payload({"type": "block_actions", "user": USER}),
    "actions null": _payload({"type": "block_actions", "user": USER, "actions": None}),
    "actions empty": _payload({"type": "block_actions", "user": USER, "actions": []}),
    "action a string": _payload({"type": "block_actions", "user": USER, "actions": ["x"]}),
    "action_id a number": _payload({"type": "block_actions", "user": USER, "actions": [{"action_id": 5}]}),
    "approve, user a string": _payload({"type": "block_actions", "user": STRANGER,
                                        "actions": [{"action_id": "request_approve", "value": "1"}]}),
    "approve, user null": _payload({"type": "block_actions", "user": None,
                                    "actions": [{"action_id": "request_approve", "value": "1"}]}),
    "view missing": _payload({"type": "view_submission", "user": USER}),
    "view null": _payload({"type": "view_submission", "user": USER, "view": None}),
    "callback_id a number": _payload({"type": "view_submission", "user": USER, "view": {"callback_id": 1}}),
    "state a string": _payload({"type": "view_submission", "user": USER,
                                "view": {"type": "modal", "callback_id": "request_modal", "state": "x",
                                         "private_metadata": "{"}}),
    "metadata nested 100k deep": _payload({"type": "view_submission", "user": USER, "view": {
        "type": "modal", "callback_id": "request_decline_modal", "private_metadata": "[" * 100_000,
        "state": {"values": {"reason": {"value": {"type": "plain_text_input", "value": "x"}}}}}}),
    "metadata id 23 digits": _payload({"type": "view_submission", "user": USER, "view": {
        "type": "modal", "callback_id": "request_decline_modal",
        "private_metadata": '{"request_id": 99999999999999999999999}',
        "state": {"values": {"reason": {"value": {"type": "plain_text_input", "value": "x"}}}}}}),
    "metadata tz a path": _payload({"type": "view_submission", "user": USER, "view": {
        "type": "modal", "callback_id": "request_schedule_modal",
        "private_metadata": json.dumps({"request_id": 2, "tz": "../../x"}),
        "state": {"values": {"date": {"value": {"selected_date": "2030-01-01"}},
                             "time": {"value": {"selected_time": "10:00"}}}}}}),
    "metadata tz 5,000 characters": _payload({"type": "view_submission", "user": USER, "view": {
        "type": "modal", "callback_id": "debrief_reschedule_modal",
        "private_metadata": json.dumps({"request_id": 4, "tz": "a" * 5000}),
        "state": {"values": {"date": {"value": {"type": "datepicker", "selected_date": "2030-01-01"}}}}}}),
    "values of the wrong types": _payload({"type": "view_submission", "user": USER, "view": {
        "type": "modal", "callback_id": "request_modal", "private_metadata": '{"contact_id": "1"}',
        "state": {"values": {"prospect": {"value": {"type": "plain_text_input", "value": ["x"]}},
                             "stage": {"value": {"type": "static_select", "selected_option": "evaluation"}},
                             "needed_by": {"value": {"type": "datepicker", "selected_date": 20301231}},
                             "urgent": {"value": {"type": "checkboxes", "selected_options": {"value": "urgent"}}}}}}}),
    "suggestion value an object": _payload({"type": "block_suggestion", "user": USER,
                                            "action_id": "nomination_account", "value": {"a": 1}}),
    "view_closed": _payload({"type": "view_closed", "user": USER, "view": {"callback_id": "request_modal"}}),
    "shortcut nobody registered": _payload({"type": "shortcut", "callback_id": "x", "user": USER, "trigger_id": "1"}),
    "unknown type": _payload({"type": "zzz"}),
    "command without command": (urlencode({"user_id": STRANGER, "text": "help"}), FORM),
    "command without response_url": (urlencode({"command": "/reference", "user_id": STRANGER, "text": "help"}), FORM),
    "command with an empty response_url": (urlencode({"command": "/reference", "user_id": STRANGER, "text": "my",
                                                      "response_url": ""}), FORM),
    "another command": (urlencode({"command": "/other", "user_id": STRANGER, "text": "x"}), FORM),
    "not utf-8 percent-encoded": ("payload=%ff%fe", FORM),
    "xml": ("<a/>", "application/xml"),
    "multipart": ("--x\r\nContent-Disposition: form-data; name=payload\r\n\r\n{}\r\n--x--",
                  "multipart/form-data; boundary=x"),
    "NaN": ('{"type":"event_callback","event":{"type":"app_home_opened","user":NaN}}', JSON),
    "5,000-digit number": ('{"type":"event_callback","x":' + "9" * 5000 + ',"event":{"type":"app_home_opened"}}',
                           JSON),
    "json 50k deep": ('{"type":"event_callback","event":' + "[" * 50_000 + "]" * 50_000 + "}", JSON),
}


def test_malformed_signed_bodies_are_refused_and_nothing_happens(live):
    before, n = live.snapshot(), len(live.slack.calls())
    for name, (body, content_type) in MALFORMED.items():
        response = live.sim.post((body, content_type))
        assert response.status in (200, 400, 404), (name, response.status, response.body[:200])
        assert "Traceback" not in response.body and "Error" not in response.body, (name, response.body[:200])
    _settle(live, n)
    assert live.snapshot() == before
    outbound = [(c.method, c.args.get("channel")) for c in live.calls_since(n) if c.method != "users.info"]
    # A signed click that names the stranger (as `user.id` or `user`) may still be answered privately, to them.
    assert all(channel == STRANGER for _, channel in outbound), outbound
    assert "unhandled error" not in live.server.output(), live.server.output()[-3000:]


def test_a_slash_command_without_a_response_url_gets_400(live):
    """Slack sends every command a response_url; a body without one is not Slack's, and answering it used to
    fail inside `respond` (an ERROR with a traceback in the log, then a 'something went wrong' DM)."""
    n = len(live.slack.calls())
    for response_url in (None, "", "   "):
        fields = {"command": "/reference", "user_id": STRANGER, "text": "my", "trigger_id": "1.2.3"}
        if response_url is not None:
            fields["response_url"] = response_url
        response = live.sim.post((urlencode(fields), FORM))
        assert response.status == 400, (response_url, response)
    _settle(live, n)
    assert [c.method for c in live.calls_since(n)] == []


def test_retried_events_with_odd_retry_headers_are_answered(live):
    body = json.dumps({"type": "event_callback", "team_id": "T0001", "event_id": "EvAttack1",
                       "event": {"type": "app_home_opened", "user": STRANGER, "tab": "home"}})
    for retry in ("1", "abc", "-1", "", "9" * 400):
        response = live.sim.post((body, JSON), headers={"X-Slack-Retry-Num": retry,
                                                         "X-Slack-Retry-Reason": "http_timeout"})
        assert response.status == 200, (retry, response)
