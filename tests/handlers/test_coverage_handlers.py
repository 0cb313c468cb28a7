"""Coverage gaps on the program manager's Home tab, and "Ask the owner to nominate", through the real Bolt app."""

from __future__ import annotations

import datetime as dt

import pytest

from refbot.models import Account, SearchLog
from refbot.playground.slack_api import texts_of
from tests import loop_data as data
from tests.support.payloads import block_actions, dispatch

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def people(slack_api):
    data.add_people(slack_api)


def test_gaps_on_home_and_the_owner_is_asked_once(bolt_app, slack_api, session):
    session.add(SearchLog(user_id=data.SELLER, query="bank in <!channel> Germany",
                          criteria={"industry": "Banking", "country": "DE"}, unmatched=True,
                          created_at=NOW - dt.timedelta(days=1)))
    session.add(Account(external_id="A1", name="Beispielbank", industry="Banking", country="DE", owner_id=data.OWNER))
    session.commit()
    seller_view = data.open_home(bolt_app, slack_api, data.SELLER)
    assert "Coverage gaps" not in "\n".join(texts_of(seller_view["blocks"]))

    view = data.open_home(bolt_app, slack_api, data.ADMIN)
    text = "\n".join(texts_of(view["blocks"]))
    assert "Coverage gaps (1)" in text and "Financial Services · Germany" in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert "Not a reference yet: *Beispielbank*" in text

    assert dispatch(bolt_app, block_actions("coverage_ask_nominate", user_id=data.ADMIN, view=view)).status == 200
    [dm] = slack_api.messages_to(data.OWNER)
    assert "Beispielbank" in dm.args["text"] and "nominate_open" in str(dm.args["blocks"])
    refreshed = slack_api.home(data.ADMIN)
    assert "was asked to nominate" in "\n".join(texts_of(refreshed["blocks"]))
    # the old Home (button still there) clicked again: no second DM
    assert dispatch(bolt_app, block_actions("coverage_ask_nominate", user_id=data.ADMIN, view=view)).status == 200
    assert len(slack_api.messages_to(data.OWNER)) == 1


def test_only_program_managers_can_ask(bolt_app, slack_api, session):
    session.add(SearchLog(user_id=data.SELLER, query="bank in Germany", criteria={"industry": "Banking", "country": "DE"},
                          unmatched=True, created_at=NOW - dt.timedelta(days=1)))
    session.add(Account(external_id="A1", name="Beispielbank", industry="Banking", country="DE", owner_id=data.OWNER))
    session.commit()
    view = data.open_home(bolt_app, slack_api, data.ADMIN)
    dispatch(bolt_app, block_actions("coverage_ask_nominate", user_id=data.SELLER, view=view))
    assert slack_api.messages_to(data.OWNER) == []


def test_the_cut_gap_list_on_home_leads_to_reference_gaps_which_lists_them_for_program_managers_only(
        bolt_app, slack_api, session):
    from tests.support.payloads import slash_command

    places = ("DE", "FR", "ES", "IT", "NL")
    for i, country in enumerate(places):
        session.add(SearchLog(user_id=data.SELLER, query=f"bank in {country}", criteria={"industry": "Banking",
                              "country": country}, unmatched=True, created_at=NOW - dt.timedelta(days=1 + i)))
    session.add(Account(external_id="A1", name="Beispielbank", industry="Banking", country="DE", owner_id=data.OWNER))
    session.commit()
    text = "\n".join(texts_of(data.open_home(bolt_app, slack_api, data.ADMIN)["blocks"]))
    assert "Coverage gaps (5)" in text and "…and 2 more: `/reference gaps` lists the top 15" in text
    assert "refbot gaps" not in text  # a server command is no way forward for someone reading Slack

    url = slack_api.response_url()
    dispatch(bolt_app, slash_command("gaps", user_id=data.ADMIN, response_url=url))
    answer = slack_api.wait_for("response_url")[-1].args
    shown = "\n".join(texts_of(answer["blocks"]))
    assert "Coverage gaps (5)" in shown and "Financial Services · France" in shown
    assert "Not a reference yet: *Beispielbank*" in shown and "coverage_ask_nominate" in str(answer["blocks"])

    url = slack_api.response_url()
    dispatch(bolt_app, slash_command("gaps", user_id=data.SELLER, response_url=url))
    refused = [c.args["text"] for c in slack_api.wait_for("response_url") if c.args.get("text", "").startswith("`")]
    assert "`/reference gaps` is for program managers. Ask one of them if you need it." in refused
