"""Contests and targets through the real Bolt app: the form, the start post, standings and targets on Home."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from refbot.domain import PointsReason
from refbot.jobs import run_job
from refbot.playground.slack_api import texts_of
from refbot.services.points import award
from tests import loop_data as data
from tests.support.payloads import (
    app_home_opened,
    block_actions,
    datepicker,
    dispatch,
    plain_value,
    slash_command,
    static_select,
    users_select,
    view_submission,
)

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def people(slack_api):
    slack_api.add_user(data.SELLER, "Sam Seller", tz="America/New_York")
    slack_api.add_user(data.ADMIN, "Pat Manager", tz="Europe/Berlin")


def ok(response):
    assert response.status == 200, response.body
    return json.loads(response.body) if response.body else {}


def command(app, slack_api, text, user):
    url = slack_api.response_url()
    ok(dispatch(app, slash_command(text, user_id=user, response_url=url)))
    return slack_api.wait_for("response_url")[-1].args


def home_text(app, slack_api, user):
    ok(dispatch(app, app_home_opened(user, view=slack_api.home(user))))
    return "\n".join(texts_of(slack_api.home(user)["blocks"]))


def test_a_manager_starts_a_contest_it_is_announced_once_and_standings_show_on_home(bolt_app, slack_api, session,
                                                                                   ctx):
    assert "for program managers" in command(bolt_app, slack_api, "contest", data.SELLER)["text"]
    ok(dispatch(bolt_app, slash_command("contest", user_id=data.ADMIN)))
    form = slack_api.last_view()
    assert form["callback_id"] == "contest_modal"
    backwards = {"metric": {"value": static_select("nominations")}, "starts_on": {"value": datepicker("2026-11-30")},
                 "ends_on": {"value": datepicker("2026-11-25")}}
    assert ok(dispatch(bolt_app, view_submission(None, backwards, user_id=data.ADMIN, view=form)))["errors"]["ends_on"]
    given = {"metric": {"value": static_select("nominations")}, "starts_on": {"value": datepicker("2026-11-23")},
             "ends_on": {"value": datepicker("2026-12-20")}, "prize": {"value": plain_value("Dinner <!here>")},
             "sponsor": {"value": users_select("USPONSOR")}}
    ok(dispatch(bolt_app, view_submission(None, given, user_id=data.ADMIN, view=form)))
    run_job(ctx, "contests")
    ctx.deliverer.deliver()
    [post] = slack_api.messages_to("C0SALES")
    shown = "\n".join(texts_of(post.args["blocks"]))
    assert "Contest: most accepted nominations" in shown and "<@USPONSOR>" in shown
    assert "&lt;!here&gt;" in shown and "<!here>" not in shown

    award(session=session, reason=PointsReason.nomination_accepted, source_key="n1", user_id=data.SELLER, now=NOW)
    session.commit()
    # Standings on the Home tab are read by that one person, so their own row says "You" (issue 16; was
    # "1. <@USELLER>"); the weekly channel post keeps mentions, since many people read it.
    assert "1. You · 1 accepted nomination" in home_text(bolt_app, slack_api, data.SELLER)
    assert "1. <@USELLER> · 1 accepted nomination" in home_text(bolt_app, slack_api, data.ADMIN)
    assert "1 running" in home_text(bolt_app, slack_api, data.ADMIN)


def test_targets_show_progress_on_the_sellers_home(bolt_app, slack_api, session):
    assert "Usage" in command(bolt_app, slack_api, "target lots", data.ADMIN)["text"]
    reply = command(bolt_app, slack_api, f"target 2 <@{data.SELLER}|sam>", data.ADMIN)
    assert "Nomination target for <@USELLER> in Q4 2026: set to 2 accepted nominations" in reply["text"]
    assert "Nomination target Q4 2026:* 0 of 2 accepted · 2 more to go" in home_text(bolt_app, slack_api, data.SELLER)


def test_start_a_contest_from_home(bolt_app, slack_api):
    home_text(bolt_app, slack_api, data.ADMIN)
    ok(dispatch(bolt_app, block_actions("contest_open", user_id=data.ADMIN, view=slack_api.home(data.ADMIN))))
    assert slack_api.last_view()["callback_id"] == "contest_modal"
