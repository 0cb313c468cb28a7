"""The wish list through the real Bolt app: the command, the no-match button, the owner's answer, the PM's list."""

from __future__ import annotations

import json

import pytest

from refbot.models import Account, Wish
from refbot.playground.slack_api import texts_of
from tests import loop_data as data
from tests.support.payloads import (
    block_actions,
    dispatch,
    plain_value,
    slash_command,
    static_select,
    view_submission,
)


@pytest.fixture(autouse=True)
def people(slack_api):
    data.add_people(slack_api)


def ok(response):
    assert response.status == 200, response.body
    return json.loads(response.body) if response.body else {}


def text_of(message) -> str:
    return "\n".join([message.get("text", ""), *texts_of(message.get("blocks", []))])


def test_wish_command_prefills_the_form_and_the_owner_is_asked(bolt_app, slack_api, session):
    session.add(Account(external_id="A1", name="Globex", owner_id=data.OWNER))
    opp = data.opportunity(session, "Initech", amount=400_000, owner_id=data.SELLER)
    session.commit()
    ok(dispatch(bolt_app, slash_command("wish Globex Corp", user_id=data.SELLER)))
    view = slack_api.last_view()
    assert view["callback_id"] == "wish_modal" and "Globex Corp" in json.dumps(view)
    # the form refuses an empty reason inline
    empty = ok(dispatch(bolt_app, view_submission(None, {"customer": {"value": plain_value("Globex Corp")}},
                                                  user_id=data.SELLER, view=view)))
    assert empty["response_action"] == "errors" and "why" in empty["errors"]
    given = {"customer": {"value": plain_value("Globex Corp")}, "why": {"value": plain_value("same ERP move")},
             "deal": {"value": static_select(str(opp.id))}}
    ok(dispatch(bolt_app, view_submission(None, given, user_id=data.SELLER, view=view)))
    ok(dispatch(bolt_app, view_submission(None, given, user_id=data.SELLER, view=view)))  # redelivered
    [confirm] = slack_api.messages_to(data.SELLER)
    assert "Globex" in confirm.args["text"]
    [ask] = slack_api.messages_to(data.OWNER)
    assert "wish Globex were a customer reference" in ask.args["text"]

    message = slack_api.message(ask.args["channel"], ask.response["ts"])
    ok(dispatch(bolt_app, block_actions("wish_owner_not_now", user_id=data.SELLER, message=message)))
    ok(dispatch(bolt_app, block_actions("wish_owner_not_now", user_id=data.OWNER, message=message)))
    assert session.query(Wish).count() == 1
    listing = command(bolt_app, slack_api, "wishes", data.ADMIN)
    assert "*Globex* · 1 seller · $400K open pipeline · <@UOWNER> said not now" in text_of(listing)
    refused = command(bolt_app, slack_api, "wishes", data.SELLER)
    assert "for program managers" in refused["text"]


def command(app, slack_api, text, user):
    url = slack_api.response_url()
    ok(dispatch(app, slash_command(text, user_id=user, response_url=url)))
    return slack_api.wait_for("response_url")[-1].args


def test_no_good_match_offers_the_wish_and_follow_buttons(bolt_app, slack_api, session):
    reply = command(bolt_app, slack_api, "search bank in Germany", data.SELLER)
    actions = [el["action_id"] for b in reply["blocks"] if b["type"] == "actions" for el in b["elements"]]
    assert "wish_open" in actions and "search_follow" in actions
    search_id = next(el["value"] for b in reply["blocks"] if b["type"] == "actions" for el in b["elements"]
                     if el["action_id"] == "wish_open")
    ok(dispatch(bolt_app, block_actions("wish_open", search_id, user_id=data.SELLER, is_ephemeral=True)))
    view = slack_api.last_view()
    assert view["callback_id"] == "wish_modal" and json.loads(view["private_metadata"])["search_id"]
