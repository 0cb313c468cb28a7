"""The first-run welcome: once per person, on their first Home tab or first `/reference`, with an example
search from the program's own data; people who used RefBot before never see it."""

from __future__ import annotations

import pytest

from refbot.domain import ContactStatus, Seniority
from refbot.models import Account, Contact, Nomination, Welcome
from refbot.playground.slack_api import texts_of
from tests import loop_data as data
from tests.support.payloads import app_home_opened, dispatch, slash_command


@pytest.fixture(autouse=True)
def program(slack_api, session):
    for user in (data.SELLER, "UNEW", "UOLD"):
        slack_api.add_user(user, user.title(), tz="Europe/Berlin")
    for i, (industry, country) in enumerate([("Banking", "DE"), ("Banking", "DE"), ("Retail", "US")]):
        acc = Account(external_id=f"A{i}", name=f"Acc{i}", industry=industry, country=country)
        session.add(acc)
        session.flush()
        session.add(Contact(external_id=f"C{i}", name=f"P{i}", account_id=acc.id, seniority=Seniority.vp,
                            status=ContactStatus.active))
    session.commit()


def home_text(app, slack_api, user):
    assert dispatch(app, app_home_opened(user, view=slack_api.home(user))).status == 200
    return "\n".join(texts_of(slack_api.home(user)["blocks"]))


def test_first_home_shows_the_welcome_once_with_an_example_from_the_program(bolt_app, slack_api, session):
    first = home_text(bolt_app, slack_api, data.SELLER)
    assert "Welcome to RefBot" in first and "`/reference search Banking Germany VP`" in first
    assert "Welcome to RefBot" not in home_text(bolt_app, slack_api, data.SELLER)
    assert session.query(Welcome).count() == 1


def test_first_reference_command_opens_the_form_with_the_welcome_behind_it_once(bolt_app, slack_api, session):
    for _ in range(2):
        url = slack_api.response_url()
        assert dispatch(bolt_app, slash_command("", user_id="UNEW", response_url=url)).status == 200
        assert slack_api.last_view()["callback_id"] == "search_modal"
    posted = [c.args.get("text", "") for c in slack_api.calls("response_url")]
    assert len(posted) == 1 and "Welcome to RefBot" in posted[0]
    assert "Welcome to RefBot" not in home_text(bolt_app, slack_api, "UNEW")  # the Home tab doesn't repeat it


def test_a_search_typed_first_keeps_its_answer_and_the_welcome_waits_for_home(bolt_app, slack_api, session):
    url = slack_api.response_url()
    assert dispatch(bolt_app, slash_command("search retail US", user_id="UNEW", response_url=url)).status == 200
    posted = [c.args.get("text", "") for c in slack_api.calls("response_url")]
    assert len(posted) == 1 and "Welcome" not in posted[0]
    assert "Welcome to RefBot" in home_text(bolt_app, slack_api, "UNEW")


def test_someone_who_used_refbot_before_is_not_welcomed(bolt_app, slack_api, session):
    session.add(Nomination(nominator_id="UOLD", account_name="Globex", contact_name="Dana", dedupe_key="k"))
    session.commit()
    assert "Welcome to RefBot" not in home_text(bolt_app, slack_api, "UOLD")
    url = slack_api.response_url()
    dispatch(bolt_app, slash_command("", user_id="UOLD", response_url=url))
    assert not any("Welcome" in c.args.get("text", "") for c in slack_api.calls("response_url"))

