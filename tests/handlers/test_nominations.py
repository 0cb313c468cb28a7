"""Nominations through the real Bolt app and the Slack stand-in: the form, the account picker, inline errors,
the program manager's Accept / Reject, duplicates and double clicks."""

from __future__ import annotations

import json
import threading

import pytest
import sqlalchemy as sa

from refbot.domain import NominationStatus as N
from refbot.models import Account, Contact, Nomination, PointsEntry
from refbot.playground.slack_api import texts_of
from tests.support.payloads import (
    block_actions,
    block_suggestion,
    checkboxes,
    dispatch,
    external_select,
    multi_static_select,
    plain_value,
    slash_command,
    view_submission,
)

SELLER, OTHER, ADMIN = "USELLER", "UOTHER", "UADMIN"


@pytest.fixture(autouse=True)
def people(slack_api):
    slack_api.add_user(SELLER, "Sam Seller", tz="America/New_York")
    slack_api.add_user(OTHER, "Olga Other")
    slack_api.add_user(ADMIN, "Pat Manager", tz="Europe/Berlin")


@pytest.fixture
def globex(session):
    acc = Account(external_id="A-1", name="Globex Corporation", products=["Ledger", "Payroll"], owner_id="UOWNER")
    session.add(acc)
    session.commit()
    return acc


def text_of(message) -> str:
    return "\n".join([message.get("text", ""), *texts_of(message.get("blocks", []))])


def ok(response):
    assert response.status == 200, response.body
    return json.loads(response.body) if response.body else {}


def open_form(app, slack_api, user=SELLER):
    ok(dispatch(app, slash_command("nominate", user_id=user)))
    view = slack_api.last_view()
    assert view["callback_id"] == "nomination_modal"
    return view


def values(account, *, name="Dana Scully", email="dana@globex.example", why="Closed her books in 3 days"):
    return {
        "account": {"nomination_account": external_select(account)},
        "name": {"value": plain_value(name)},
        "title": {"value": plain_value("VP Finance")},
        "email": {"value": plain_value(email)},
        "why": {"value": plain_value(why)},
        "products": {"value": multi_static_select(["Ledger"])},
        "activities": {"value": checkboxes(["call"])},
    }


def nominate(app, slack_api, user, account, **kw):
    view = open_form(app, slack_api, user)
    given = values(account, **kw)
    if not any(b.get("block_id") == "products" for b in view["blocks"]):  # no products in the data yet
        del given["products"]
        given["products_other"] = {"value": plain_value("Ledger")}
    return ok(dispatch(app, view_submission(None, given, user_id=user, view=view)))


def click(app, user, action_id, message):
    ok(dispatch(app, block_actions(action_id, user_id=user, message=message)))


def private_replies(slack_api) -> list[str]:
    return [c.args.get("text", "") for c in slack_api.successful("response_url")]


def test_the_account_picker_answers_as_you_type(bolt_app, slack_api, globex):
    view = open_form(bolt_app, slack_api)
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"][:2] == ["account", "name"]
    answer = ok(dispatch(bolt_app, block_suggestion("nomination_account", "globx crop", user_id=SELLER, view=view)))
    labels = [o["text"]["text"] for o in answer["options"]]
    assert labels == ["Globex Corporation", "New customer: globx crop"]
    assert answer["options"][0]["value"] == f"acc:{globex.id}"


def test_inline_errors_name_the_fields(bolt_app, slack_api, session, globex):
    answer = nominate(bolt_app, slack_api, SELLER, None, name="", email="dana@globex", why="")
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"account", "name", "email", "why"}
    assert session.scalar(sa.select(sa.func.count(Nomination.id))) == 0
    assert slack_api.messages_to(ADMIN) == []


def test_nominate_accept_and_the_double_click(bolt_app, slack_api, session, globex):
    assert nominate(bolt_app, slack_api, SELLER, (f"acc:{globex.id}", "Globex Corporation")) == {}
    [review] = slack_api.messages_to(ADMIN)
    assert "dana@globex.example" in text_of(review.args) and "<@USELLER>" in text_of(review.args)
    [receipt] = slack_api.messages_to(SELLER)
    assert "Thanks!" in text_of(receipt.args) and "dana@" not in text_of(receipt.args)
    assert slack_api.home(SELLER) is not None  # the nominator's Home tab was refreshed

    message = slack_api.last_message_to(ADMIN)
    click(bolt_app, ADMIN, "nomination_accept", message)
    click(bolt_app, ADMIN, "nomination_accept", message)  # the same button again: one decision
    nomination = session.scalars(sa.select(Nomination)).one()
    assert (nomination.status, nomination.reviewed_by) == (N.accepted, ADMIN)
    assert session.scalar(sa.select(sa.func.count(PointsEntry.id))) == 1
    contact = session.get(Contact, nomination.contact_id)
    assert (contact.account_id, contact.nominated_by) == (globex.id, SELLER)
    # The second click is the decider's own: "by you" (issue 16; was "already accepted by <@UADMIN>").
    assert any("already accepted by you" in t for t in private_replies(slack_api))

    updated = slack_api.message(ADMIN, review.response["ts"])
    # The decider reads their own copy: "you", not their own mention (issue 16; was "Accepted by <@UADMIN>").
    assert "Accepted by you" in text_of(updated) and "<@UADMIN>" not in text_of(updated)
    assert not [b for b in updated["blocks"] if b["type"] == "actions"]
    # One DM per decision (issue 16): the confirmation stays as it was; the news comes in one new DM.
    assert "Thanks!" in text_of(slack_api.message(SELLER, receipt.response["ts"]))
    assert len(slack_api.messages_to(SELLER)) == 2 and slack_api.calls("chat.update", channel=SELLER) == []
    told = slack_api.last_message_to(SELLER)
    assert "now a reference customer" in text_of(told) and "10 points" in text_of(told)
    assert "Nominations to review" in text_of({"blocks": slack_api.home(ADMIN)["blocks"]})


def test_two_clicks_at_once_make_one_decision(bolt_app, slack_api, session, globex):
    nominate(bolt_app, slack_api, SELLER, f"acc:{globex.id}")
    message = slack_api.last_message_to(ADMIN)
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        click(bolt_app, ADMIN, "nomination_accept", message)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert session.scalars(sa.select(Nomination)).one().status is N.accepted
    assert session.scalar(sa.select(sa.func.count(PointsEntry.id))) == 1
    assert len([m for m in slack_api.messages_to(SELLER) if "now a reference customer" in text_of(m.args)]) == 1


def test_only_program_managers_decide(bolt_app, slack_api, session, globex):
    nominate(bolt_app, slack_api, SELLER, f"acc:{globex.id}")
    message = slack_api.last_message_to(ADMIN)
    click(bolt_app, SELLER, "nomination_accept", message)
    click(bolt_app, SELLER, "nomination_reject", message)
    assert session.scalars(sa.select(Nomination)).one().status is N.pending
    assert sum("Only program managers" in t for t in private_replies(slack_api)) == 2
    assert slack_api.last_view()["callback_id"] == "nomination_modal"  # no reject form was opened


def test_reject_asks_for_a_reason_and_tells_the_nominator(bolt_app, slack_api, session):
    nominate(bolt_app, slack_api, SELLER, ("new:Hooli", "New customer: Hooli"))
    click(bolt_app, ADMIN, "nomination_reject", slack_api.last_message_to(ADMIN))
    form = slack_api.last_view()
    assert form["callback_id"] == "nomination_reject_modal"
    empty = ok(dispatch(bolt_app, view_submission(None, {}, user_id=ADMIN, view=form)))
    assert empty["response_action"] == "errors" and "reason" in empty["errors"]
    ok(dispatch(bolt_app, view_submission(None, {"reason": {"value": plain_value("Legal says no")}}, user_id=ADMIN,
                                          view=form)))
    nomination = session.scalars(sa.select(Nomination)).one()
    assert (nomination.status, nomination.reject_reason) == (N.rejected, "Legal says no")
    assert "Legal says no" in text_of(slack_api.last_message_to(SELLER))
    assert session.scalar(sa.select(sa.func.count(Account.id))) == 0
    # the same form submitted again (or after someone else decided) only says so
    again = ok(dispatch(bolt_app, view_submission(None, {"reason": {"value": plain_value("x")}}, user_id=ADMIN,
                                                  view=form)))
    assert again["response_action"] == "update" and "already rejected" in json.dumps(again["view"])


def test_a_duplicate_nomination_is_merged_and_its_nominator_told(bolt_app, slack_api, session, globex):
    nominate(bolt_app, slack_api, SELLER, f"acc:{globex.id}")
    nominate(bolt_app, slack_api, OTHER, f"acc:{globex.id}", email="DANA@globex.example", why="Great on video")
    assert len(slack_api.messages_to(ADMIN)) == 1  # the program manager isn't asked twice
    assert "already nominated by <@USELLER>" in text_of(slack_api.last_message_to(OTHER))
    review = slack_api.last_message_to(ADMIN)
    assert "Also nominated by <@UOTHER>" in text_of(review) and "Great on video" in text_of(review)
    click(bolt_app, ADMIN, "nomination_accept", review)
    points = session.execute(sa.select(PointsEntry.user_id, PointsEntry.points)).all()
    assert points == [(SELLER, 10)]
    assert [n.status for n in session.scalars(sa.select(Nomination).order_by(Nomination.id))] == [N.accepted, N.merged]


def test_the_nominate_buttons_open_the_form(bolt_app, slack_api):
    for action in ("nominate_open", "home_nominate"):
        ok(dispatch(bolt_app, block_actions(action, user_id=SELLER)))
        assert slack_api.last_view()["callback_id"] == "nomination_modal"
    assert len(slack_api.successful("views.open")) == 2
