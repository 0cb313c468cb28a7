"""Success stories: a won deal with references becomes a short internal story the seller writes and a
program manager approves; approved stories appear in the weekly leaderboard post and the digest — never
with a contact's email or phone."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from refbot.domain import MetNeeds, OpportunityOutcome
from refbot.domain import RequestStatus as S
from refbot.jobs import run_job
from refbot.models import Debrief, StoryStatus, SuccessStory
from refbot.playground.slack_api import texts_of
from refbot.services import digest as digest_svc
from refbot.services.outcomes import record_outcome
from tests import loop_data as data
from tests.support.payloads import block_actions, dispatch, plain_value, view_submission

ADMIN = "UADMIN"  # the settings' program manager
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def ok(response):
    assert response.status == 200, response.body
    return json.loads(response.body) if response.body else {}


def everything(slack_api) -> str:
    return json.dumps([c.args for c in slack_api.calls()])


@pytest.fixture
def won(ctx, clock, slack_api):
    """Initech won ($300K) after a call with Dana (VP Finance at Globex), whose debrief quotes her email."""
    with ctx.db.unit_of_work() as s:
        opp = data.opportunity(s, "Initech", amount=300_000)
        req = data.request(s, scheduled_at=NOW - dt.timedelta(days=3), status=S.debriefed, opp=opp)
        s.add(Debrief(request_id=req.id, met_needs=MetNeeds.yes, rating=5, filed_by=data.SELLER, filed_at=NOW,
                      insights="They doubted the SAP migration; Dana (dana@globex.example) told them how she did it"))
        opp_id = opp.id
    with ctx.db.unit_of_work() as s:
        record_outcome(session=s, opportunity_id=opp_id, outcome=OpportunityOutcome.won, user_id=data.SELLER,
                       is_admin=False, amount=None, now=NOW, tz_name="UTC")
    assert not any("success story" in c.args["text"] for c in slack_api.messages_to(data.SELLER))
    clock.set(NOW + dt.timedelta(hours=1))  # the invitation comes an hour after the congratulations
    ctx.deliverer.deliver()
    return opp_id


def write_story(app, slack_api, **fields):
    invite = next(c for c in slack_api.messages_to(data.SELLER) if "success story" in c.args["text"])
    message = slack_api.message(invite.response["channel"], invite.response["ts"])
    ok(dispatch(app, block_actions("story_write", user_id=data.SELLER, message=message)))
    modal = slack_api.last_view()
    values = {k: {"value": plain_value(v)} for k, v in fields.items()}
    return modal, ok(dispatch(app, view_submission(None, values, user_id=data.SELLER, view=modal)))


def review_message(slack_api):
    [dm] = [c for c in slack_api.messages_to(ADMIN) if "success story to approve" in c.args["text"].lower()]
    return slack_api.message(dm.response["channel"], dm.response["ts"])


def test_seller_writes_admin_approves_and_it_shows_in_leaderboard_and_digest(bolt_app, ctx, clock, slack_api,
                                                                           session, won):
    modal, _ = write_story(bolt_app, slack_api)
    initial = {b["block_id"]: b["element"].get("initial_value", "") for b in modal["blocks"] if b["type"] == "input"}
    assert initial["helped"] == "VP Finance at Globex"
    assert "They doubted the SAP migration" in initial["need"] and "dana@globex.example" not in initial["need"]
    assert initial["result"] == "Initech signed ($300K); the reference call answered their questions."
    story = session.scalars(sa.select(SuccessStory)).one()
    assert story.status is StoryStatus.pending and story.author_id == data.SELLER

    # only a program manager approves; a double click approves once
    message = review_message(slack_api)
    ok(dispatch(bolt_app, block_actions("story_approve", user_id=data.SELLER, message=message)))
    assert "Only program managers approve success stories" in slack_api.all_text()
    session.refresh(story)
    assert story.status is StoryStatus.pending
    clock.set(NOW + dt.timedelta(hours=2))
    for _ in range(2):
        ok(dispatch(bolt_app, block_actions("story_approve", user_id=ADMIN, message=message)))
    session.refresh(story)
    assert story.status is StoryStatus.approved and story.reviewed_by == ADMIN
    told = [c for c in slack_api.messages_to(data.SELLER) if "is approved" in c.args["text"]]
    assert len(told) == 1 and "weekly leaderboard" in "\n".join(texts_of(told[0].args["blocks"]))

    clock.set(dt.datetime(2026, 11, 30, 8, 5, tzinfo=dt.UTC))  # next Monday 09:05 Berlin: the weekly post
    run_job(ctx, "leaderboard")
    [post] = slack_api.messages_to("C0SALES")
    board = "\n".join(texts_of(post.args["blocks"]))
    assert "*Success story: Initech ($300K)*" in board and "*Who helped:* VP Finance at Globex" in board
    with ctx.db.unit_of_work() as s:
        digest = digest_svc.build_digest(session=s, month=dt.date(2026, 11, 1), now=NOW, tz_name="Europe/Berlin")
    assert [st["title"] for st in digest["stories"]] == ["Initech ($300K)"]
    from refbot.blocks.digest import digest_message

    assert "*Success story: Initech ($300K)*" in "\n".join(texts_of(digest_message(digest, why="x")[1]))
    # internal only: the contact's email and phone never left RefBot
    assert "dana@globex.example" not in everything(slack_api) and "1234567" not in everything(slack_api)


def test_contact_details_are_refused_inline_and_nothing_is_saved(bolt_app, slack_api, session, won):
    _, answer = write_story(bolt_app, slack_api, helped="Dana, call her on +49 30 1234567",
                            need="Write to dana@globex.example for the details")
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"need", "helped"}
    assert "Leave out emails and phone numbers" in answer["errors"]["helped"]
    assert session.scalars(sa.select(SuccessStory)).all() == []


def test_a_rejected_story_goes_back_with_the_reason_and_can_be_resubmitted(bolt_app, slack_api, session, won):
    write_story(bolt_app, slack_api)
    message = review_message(slack_api)
    ok(dispatch(bolt_app, block_actions("story_reject", user_id=ADMIN, message=message)))
    form = slack_api.last_view()
    empty = ok(dispatch(bolt_app, view_submission(None, {}, user_id=ADMIN, view=form)))
    assert empty["response_action"] == "errors" and "reason" in empty["errors"]
    ok(dispatch(bolt_app, view_submission(None, {"reason": {"value": plain_value("Say <b>which</b> module")}},
                                          user_id=ADMIN, view=form)))
    story = session.scalars(sa.select(SuccessStory)).one()
    assert story.status is StoryStatus.rejected
    told = next(c for c in slack_api.messages_to(data.SELLER) if "needs another pass" in c.args["text"])
    assert "Say &lt;b&gt;which&lt;/b&gt; module" in "\n".join(texts_of(told.args["blocks"]))
    # the "Edit the story" button reopens it with the seller's text, and resubmitting asks again
    msg = slack_api.message(told.response["channel"], told.response["ts"])
    ok(dispatch(bolt_app, block_actions("story_write", user_id=data.SELLER, message=msg)))
    modal = slack_api.last_view()
    ok(dispatch(bolt_app, view_submission(None, {"result": {"value": plain_value("Signed the ledger module")}},
                                          user_id=data.SELLER, view=modal)))
    session.refresh(story)
    assert story.status is StoryStatus.pending and story.result == "Signed the ledger module"


def test_no_story_for_a_deal_without_a_reference_call_or_a_stranger(bolt_app, ctx, slack_api, won):
    with ctx.db.unit_of_work() as s:
        opp = data.opportunity(s, "Vandelay", amount=10_000)
        opp.outcome, opp.outcome_at = OpportunityOutcome.won, NOW
        other = opp.id
    ok(dispatch(bolt_app, block_actions("story_write", str(other), user_id=data.SELLER)))
    assert "isn't one (yet)" in slack_api.all_text()
    ok(dispatch(bolt_app, block_actions("story_write", str(won), user_id=data.STRANGER)))
    assert "Only the seller of Initech can write its story" in slack_api.all_text()
    assert slack_api.calls("views.open") == []


def test_a_refusal_naming_the_prospect_escapes_it_like_every_message(ctx, won):
    from refbot.errors import NotAllowed
    from refbot.models import Opportunity
    from refbot.services import stories as story_service

    with ctx.db.unit_of_work() as s:
        s.get(Opportunity, won).prospect_company = "Initech <!channel>"
    with ctx.db.unit_of_work() as s, pytest.raises(NotAllowed) as refused:
        story_service.draft(session=s, opportunity_id=won, user_id="USOMEONE", is_admin=False)
    assert refused.value.message == "Only the seller of Initech &lt;!channel&gt; can write its story."
