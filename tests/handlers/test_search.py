"""/reference search and the search modal, through the real Bolt app and the Slack stand-in."""

from __future__ import annotations

import datetime as dt

import pytest

from refbot.models import Account, Activity, Contact, SearchLog
from tests.support.payloads import (
    block_actions,
    dispatch,
    plain_value,
    slash_command,
    static_select,
    view_submission,
)

SELLER = "USELLER"


@pytest.fixture
def program(session, slack_api):
    slack_api.add_user(SELLER, "Sam Seller", tz="America/New_York")
    rows = [
        ("A1", "Globex Health", "Healthcare", 4800, "DE", "VP Engineering", "technical"),
        ("A2", "Initech Care", "Healthcare", 120000, "US", "IT Manager", "technical"),
        ("A3", "Umbrella Bank", "Banking", 5200, "DE", "Chief Financial Officer", "business"),
        ("A4", "Soylent Clinics", "Healthcare", 5500, "FR", "VP Operations", "business"),
    ]
    for i, (aid, name, industry, size, country, title, persona) in enumerate(rows):
        account = Account(external_id=aid, name=name, industry=industry, employees=size, country=country,
                          owner_id="UOWNER", use_cases=["Integration"], products=["Payments"])
        contact = Contact(external_id=f"C{i}", name=f"Person {i}", title=title, persona=persona,
                          email=f"person{i}@example.com", phone="+49 30 1234", account=account,
                          seniority={"VP Engineering": "vp", "IT Manager": "manager",
                                     "Chief Financial Officer": "c_level", "VP Operations": "vp"}[title])
        session.add(contact)
    session.commit()
    # Soylent's VP was used twice recently: resting.
    soylent = session.query(Contact).filter_by(external_id="C3").one()
    session.add_all([
        Activity(contact_id=soylent.id, occurred_on=dt.date(2026, 11, 10), type="call"),
        Activity(contact_id=soylent.id, occurred_on=dt.date(2026, 10, 1), type="call"),
    ])
    session.commit()


def _search(app, slack_api, text):
    url = slack_api.response_url()
    response = dispatch(app, slash_command(f"search {text}", user_id=SELLER, response_url=url))
    assert response.status == 200
    return slack_api.wait_for("response_url")[-1].args


def test_search_answers_privately_with_ranked_reasons_and_no_contact_details(bolt_app, slack_api, program, session):
    reply = _search(bolt_app, slack_api, "healthcare 5k employees germny VP integration")
    assert reply["response_type"] == "ephemeral"
    text = str(reply["blocks"])
    assert text.index("Globex Health") < text.index("Initech Care")
    assert "same industry" in text.lower() and "germany" in text.lower()
    assert "@example.com" not in slack_api.all_text() and "1234" not in slack_api.all_text()
    buttons = [b["accessory"] for b in reply["blocks"] if b.get("accessory", {}).get("action_id") == "request_from_search"]
    assert buttons and all(":" in b["value"] for b in buttons)
    log = session.query(SearchLog).one()
    assert log.user_id == SELLER and log.criteria["country"] == "DE" and not log.unmatched


def test_resting_contact_is_marked_and_ranked_after_available_ones(bolt_app, slack_api, program):
    reply = _search(bolt_app, slack_api, "healthcare 5k employees VP")
    sections = [b["text"]["text"] for b in reply["blocks"] if b["type"] == "section" and "fit" in b["text"]["text"]]
    contexts = [b["elements"][0]["text"] for b in reply["blocks"] if b["type"] == "context"]
    assert any("Resting" in c and "free again" in c for c in contexts)
    soylent_rank = next(i for i, s in enumerate(sections) if "Soylent" in s)
    assert soylent_rank > 0  # an available reference of comparable fit comes first


def test_no_match_says_so_suggests_nominating_and_is_recorded(bolt_app, slack_api, session):
    reply = _search(bolt_app, slack_api, "mining company in chile")
    assert "No reference matches" in reply["text"]
    assert "/reference nominate" in str(reply["blocks"])
    assert session.query(SearchLog).one().unmatched


def test_bare_command_opens_the_search_modal_and_submitting_posts_results(bolt_app, slack_api, program):
    dispatch(bolt_app, slash_command("", user_id=SELLER, channel_id="C1"))
    view = slack_api.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == "search_modal"
    values = {"industry": {"value": static_select("Banking")}, "employees": {"value": plain_value("5,000")}}
    response = dispatch(bolt_app, view_submission("search_modal", values, SELLER, private_metadata=view["private_metadata"]))
    assert response.status == 200
    posted = slack_api.wait_for("chat.postEphemeral")[0].args
    assert posted["user"] == SELLER and posted["channel"] == "C1"
    assert "Umbrella Bank" in str(posted["blocks"])


def test_bad_number_in_the_modal_is_an_inline_error(bolt_app, slack_api, program):
    values = {"employees": {"value": plain_value("lots")}}
    response = dispatch(bolt_app, view_submission("search_modal", values, SELLER, private_metadata="{}"))
    assert response.status == 200
    assert '"response_action": "errors"' in response.body.replace("'", '"') or "errors" in response.body
    assert "employees" in response.body
    assert slack_api.calls("chat.postEphemeral") == []


def test_refine_opens_the_modal_prefilled(bolt_app, slack_api, program):
    reply = _search(bolt_app, slack_api, "banking germany")
    footer = next(b for b in reply["blocks"] if b.get("block_id") == "search_footer")
    refine = next(e for e in footer["elements"] if e["action_id"] == "search_refine")
    dispatch(bolt_app, block_actions("search_refine", refine["value"], SELLER))
    view = slack_api.wait_for("views.open")[0].args["view"]
    industry = next(b for b in view["blocks"] if b["block_id"] == "industry")
    assert industry["element"]["initial_option"]["value"] == "Banking"


def test_help_lists_subcommands(bolt_app, slack_api):
    url = slack_api.response_url()
    dispatch(bolt_app, slash_command("help", user_id=SELLER, response_url=url))
    reply = slack_api.wait_for("response_url")[0].args
    assert "/reference search" in str(reply["blocks"]) and "/reference request" in str(reply["blocks"])
    assert "nudges" not in str(reply["blocks"])  # admin-only commands are hidden from sellers


def test_unknown_subcommand_suggests_the_closest(bolt_app, slack_api):
    url = slack_api.response_url()
    dispatch(bolt_app, slash_command("serch banking", user_id=SELLER, response_url=url))
    assert "Did you mean `/reference search`?" in slack_api.wait_for("response_url")[0].args["text"]


def test_one_row_per_account_words_not_used_shown_once_and_groups_in_the_form(bolt_app, slack_api, program, session):
    account = session.query(Account).filter_by(external_id="A3").one()
    session.add(Contact(external_id="C9", name="Person 9", title="VP Payments", seniority="vp", account=account))
    session.commit()
    reply = _search(bolt_app, slack_api, "bank in DACH pls blorft")
    text = str(reply["blocks"])
    assert text.count("Umbrella Bank") == 1 and "+1 more contact at this account" in text
    assert text.count("blorft") == 1 and "Didn't use: blorft" in text and "no mention" not in text
    assert "DACH" in text

    dispatch(bolt_app, slash_command("", user_id=SELLER, channel_id="C1"))
    view = slack_api.wait_for("views.open")[0].args["view"]
    place = next(b for b in view["blocks"] if b["block_id"] == "country")
    groups = {o["value"] for g in place["element"]["option_groups"] for o in g["options"]}
    assert {"DE", "group:DACH", "group:the Nordics", "group:ANZ"} <= groups
    values = {"country": {"value": static_select("group:DACH")}, "employees": {"value": plain_value("2,000+")},
              "industry": {"value": static_select("Banking")}}
    response = dispatch(bolt_app, view_submission("search_modal", values, SELLER, private_metadata=view["private_metadata"]))
    assert response.status == 200
    posted = str(slack_api.wait_for("chat.postEphemeral")[0].args["blocks"])
    assert "Umbrella Bank" in posted and "DACH" in posted and "at least 2,000 employees" in posted
    log = session.query(SearchLog).order_by(SearchLog.id.desc()).first()
    assert log.criteria["place"] == "DACH" and log.criteria["employees_min"] == 2000
