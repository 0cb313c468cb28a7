"""The App Home tab through the real Bolt app and the Slack stand-in (which refuses views over Slack's limits)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import sqlalchemy as sa

from refbot.domain import ActivityType, NominationStatus
from refbot.domain import RequestStatus as S
from refbot.models import Activity, Nomination, ReferenceRequest
from refbot.playground.slack_api import texts_of
from tests import loop_data as data
from tests.loop_data import open_home
from tests.support.payloads import app_home_opened, block_actions, dispatch

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def people(slack_api):
    data.add_people(slack_api)


def shown(view) -> str:
    return "\n".join(texts_of(view["blocks"]))


def buttons(view) -> list[str]:
    found = []
    for blk in view["blocks"]:
        if blk["type"] == "actions":
            found += [el["action_id"] for el in blk["elements"]]
        if blk.get("accessory"):
            found.append(blk["accessory"]["action_id"])
    return found


def heavy_program(session, n=500):
    """`n` open requests by the seller for the owner's account, calls waiting for debriefs, a nomination."""
    contact = data.contact(session, data.account(session, "Globex"))
    opp = data.opportunity(session)
    statuses = (S.pending_approval, S.approved, S.scheduled)
    session.add_all([
        ReferenceRequest(opportunity_id=opp.id, contact_id=contact.id, account_id=contact.account_id,
                         requester_id=data.SELLER, owner_id=data.OWNER, needed_by=dt.date(2026, 12, 1),
                         status=statuses[i % 3], created_at=NOW - dt.timedelta(hours=i),
                         scheduled_at=NOW + dt.timedelta(days=(i % 7) - 3) if i % 3 == 2 else None)
        for i in range(n)
    ])
    session.add_all([Activity(contact_id=contact.id, occurred_on=dt.date(2026, 11, 20 - i), type=ActivityType.call,
                              opportunity=f"deal {i}") for i in range(10)])
    session.add(Nomination(nominator_id="UNOM", account_name="Hooli", contact_name="Gavin Belson", why="x",
                           status=NominationStatus.pending, dedupe_key="k", created_at=NOW))
    session.commit()
    return contact


def test_a_new_seller_gets_a_home_with_the_three_buttons(bolt_app, slack_api):
    view = open_home(bolt_app, slack_api, data.SELLER)
    assert view["type"] == "home"
    assert buttons(view) == ["home_search", "home_request", "home_nominate"]
    assert "No open requests" in shown(view) and "Program manager" not in shown(view)
    assert "Approvals waiting" not in shown(view)


def test_the_messages_tab_publishes_nothing(bolt_app, slack_api):
    open_home(bolt_app, slack_api, data.SELLER, tab="messages")
    assert slack_api.calls("views.publish") == []


def test_each_role_sees_its_part_within_100_blocks_even_with_500_requests(bolt_app, slack_api, session, settings):
    heavy_program(session)
    settings.refbot_admins = [data.ADMIN, data.SELLER]  # the seller also runs the program: every role at once
    view = open_home(bolt_app, slack_api, data.SELLER)
    assert slack_api.failed("views.publish") == []
    assert len(view["blocks"]) <= 100
    text = shown(view)
    assert "Your open requests (500)" in text and "Showing 1–8 of 500 open requests" in text
    assert "Debriefs waiting (" in text and "debrief_happened" in buttons(view)
    assert "Program manager" in text and "Nominations to review (1)" in text and "Gavin Belson" in text
    assert "dana@globex.example" not in text and "+49" not in text

    owner = open_home(bolt_app, slack_api, data.OWNER)
    owner_text = shown(owner)
    assert "Approvals waiting for you (167)" in owner_text and "Your accounts (1)" in owner_text
    assert "*Coming up*" in owner_text and "*Recently*" in owner_text
    assert "Your open requests (0)" in owner_text and "Program manager" not in owner_text
    assert len(owner["blocks"]) <= 100

    admin = open_home(bolt_app, slack_api, data.ADMIN)
    assert "Program manager" in shown(admin) and "Q4 2026" in shown(admin)
    assert "Approvals waiting for you" not in shown(admin)


def test_an_owner_can_approve_from_home(bolt_app, slack_api, session):
    contact = data.contact(session, data.account(session, "Globex"))
    request = data.request(session, scheduled_at=None, status=S.pending_approval, contact_=contact,
                           created_at=NOW - dt.timedelta(hours=1))
    session.commit()
    view = open_home(bolt_app, slack_api, data.OWNER)
    assert f"#{request.id}" in shown(view)
    response = dispatch(bolt_app, block_actions("request_approve", user_id=data.OWNER, view=view))
    assert response.status == 200
    assert session.scalar(sa.select(ReferenceRequest.status).where(ReferenceRequest.id == request.id)) is S.approved


def test_home_buttons_open_search_request_and_nomination_forms(bolt_app, slack_api):
    view = open_home(bolt_app, slack_api, data.SELLER)
    callbacks = []
    for action in ("home_search", "home_request", "home_nominate"):
        assert dispatch(bolt_app, block_actions(action, user_id=data.SELLER, view=view)).status == 200
        callbacks.append(slack_api.last_view()["callback_id"])
    assert callbacks[0] == "search_modal" and callbacks[2] == "nomination_modal"
    assert callbacks[1].startswith("request")


def test_file_debrief_from_home_opens_the_debrief_form(bolt_app, slack_api, session):
    data.request(session, scheduled_at=NOW - dt.timedelta(days=1))
    session.commit()
    view = open_home(bolt_app, slack_api, data.SELLER)
    assert dispatch(bolt_app, block_actions("debrief_happened", user_id=data.SELLER, view=view)).status == 200
    assert slack_api.last_view()["callback_id"] == "debrief_modal"


def test_slack_failing_to_publish_is_not_the_users_problem(bolt_app, slack_api):
    slack_api.fail("views.publish", status=500, times=3)
    response = dispatch(bolt_app, app_home_opened(data.SELLER))
    assert response.status == 200
    assert slack_api.messages_to(data.SELLER) == []  # no "something went wrong" DM for a background refresh


def test_home_opens_while_a_writer_holds_the_database_and_asks_slack_for_the_profile_once_a_day(
    bolt_app, slack_api, database
):
    assert open_home(bolt_app, slack_api, data.SELLER) is not None  # first open: the profile is fetched
    assert len(slack_api.calls("users.info", user=data.SELLER)) == 1
    if database.dialect != "sqlite":
        return  # the rest is about SQLite's single writer
    with database.engine.connect() as other:  # another unit of work holds SQLite's write lock meanwhile
        other.exec_driver_sql("SELECT 1")  # RefBot's connections begin with BEGIN IMMEDIATE
        try:
            slack_api.reset()
            started = time.monotonic()
            assert open_home(bolt_app, slack_api, data.SELLER) is not None  # only reads: it doesn't wait
            assert time.monotonic() - started < 5  # (a writer would wait for the lock up to 15 s)
        finally:
            other.rollback()
    assert slack_api.calls("users.info") == []  # cached for a day
