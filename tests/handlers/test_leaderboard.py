"""`/reference leaderboard` through the real Bolt app: on demand, privately; the channel is set by program
managers only."""

from __future__ import annotations

import datetime as dt

import pytest

from refbot.domain import NominationStatus
from refbot.jobs import run_job
from refbot.models import Nomination
from refbot.playground.slack_api import texts_of
from refbot.services.policy import load_policy
from tests.support.payloads import dispatch, slash_command

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def people(slack_api):
    slack_api.add_user("USELLER", "Sam Seller")
    slack_api.add_user("UADMIN", "Pat Manager")


def command(app, user, text):
    response = dispatch(app, slash_command(text, user_id=user))
    assert response.status == 200, response.body


def last_reply(slack_api) -> str:
    args = slack_api.successful("response_url")[-1].args
    return "\n".join([args.get("text", ""), *texts_of(args.get("blocks", []))])


def accepted(session, nominator, when):
    session.add(Nomination(nominator_id=nominator, account_name="Globex", contact_name=f"C {when}", why="x",
                           status=NominationStatus.accepted, reviewed_at=when, dedupe_key=f"k{when}",
                           created_at=when))
    session.commit()


def test_leaderboard_on_demand_for_week_month_and_quarter(bolt_app, slack_api, session):
    accepted(session, "USELLER", NOW - dt.timedelta(days=2))
    accepted(session, "UOTHER", NOW - dt.timedelta(days=20))
    command(bolt_app, "USELLER", "leaderboard")
    week = last_reply(slack_api)
    assert "Last 7 days" in week and "<@USELLER> · 1 nomination accepted" in week and "UOTHER" not in week
    command(bolt_app, "USELLER", "leaderboard month")
    assert "November 2026" in last_reply(slack_api) and "<@UOTHER>" in last_reply(slack_api)
    command(bolt_app, "USELLER", "leaderboard quarter")
    assert "Q4 2026" in last_reply(slack_api) and "2 new references" in last_reply(slack_api)
    command(bolt_app, "USELLER", "leaderboard year")
    assert "week, month or quarter" in last_reply(slack_api)
    assert all(c.args.get("response_type") == "ephemeral" for c in slack_api.successful("response_url"))
    assert slack_api.successful("chat.postMessage") == []  # nothing in any channel


def test_an_empty_board_says_how_to_get_on_it(bolt_app, slack_api):
    command(bolt_app, "USELLER", "leaderboard")
    assert "Nothing on the board yet" in last_reply(slack_api)


def test_program_managers_choose_the_weekly_channel(bolt_app, slack_api, session, ctx, clock):
    command(bolt_app, "USELLER", "leaderboard channel #wins")
    assert "Only program managers" in last_reply(slack_api)
    assert load_policy(session=session).leaderboard_channel is None

    command(bolt_app, "UADMIN", "leaderboard channel")
    assert "goes to <#C0SALES>, Mondays at 09:00 (Europe/Berlin)" in last_reply(slack_api)

    slack_api.add_channel("C0EXT", "partners", is_ext_shared=True)
    command(bolt_app, "UADMIN", "leaderboard channel <#C0EXT|partners>")
    assert "shared with other organisations" in last_reply(slack_api)

    slack_api.add_channel("C0WINS", "wins")
    command(bolt_app, "UADMIN", "leaderboard channel <#C0WINS|wins>")
    assert "now goes to <#C0WINS>" in last_reply(slack_api)
    session.expire_all()
    assert load_policy(session=session).leaderboard_channel == "C0WINS"

    accepted(session, "USELLER", NOW - dt.timedelta(days=2))
    clock.set(NOW)
    run_job(ctx, "leaderboard")
    assert len(slack_api.messages_to("C0WINS")) == 1 and slack_api.messages_to("C0SALES") == []

    # A name is resolved to the channel's id once, when it is set (issue 17), and checked like an id.
    slack_api.add_channel("C0TEAMWINS", "team-wins")
    command(bolt_app, "UADMIN", "leaderboard channel #Team-Wins")
    session.expire_all()
    assert load_policy(session=session).leaderboard_channel == "C0TEAMWINS"


def test_a_channel_name_gets_the_same_checks_as_an_id(bolt_app, slack_api, session):
    slack_api.add_channel("C0PARTNER", "partners", is_ext_shared=True)
    slack_api.add_channel("C0OLD", "old-wins", is_archived=True)
    slack_api.add_channel("G0SECRET", "secret-wins", is_private=True, is_member=False)
    for name, why in (("#partners", "shared with other organisations"), ("#old-wins", "is archived"),
                      ("#secret-wins", "is private: invite me first"), ("#nowhere", "can't find a channel named")):
        command(bolt_app, "UADMIN", f"leaderboard channel {name}")
        assert why in last_reply(slack_api), name
    session.expire_all()
    assert load_policy(session=session).leaderboard_channel is None
