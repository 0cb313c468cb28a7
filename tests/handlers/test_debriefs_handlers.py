"""The loop through the real Bolt app and the Slack stand-in, with time moved by the tests:
schedule -> prompt -> debrief -> activity -> thank-you -> outcome -> report figures."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from refbot.domain import OpportunityOutcome, PointsReason
from refbot.domain import RequestStatus as S
from refbot.jobs import run_job
from refbot.models import Activity, Debrief, Opportunity, PointsEntry, ReferenceRequest
from refbot.playground.slack_api import texts_of
from tests import loop_data as data
from tests.support.payloads import (
    block_actions,
    checkboxes,
    datepicker,
    dispatch,
    plain_value,
    radio,
    slash_command,
    static_select,
    timepicker,
    view_submission,
)

START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # Mon 10:00 in Berlin


@pytest.fixture(autouse=True)
def people(slack_api):
    data.add_people(slack_api)
    slack_api.add_user(data.STRANGER, "Stan", tz="UTC")


def text(message) -> str:
    return "\n".join([message.get("text", "")] + texts_of(message.get("blocks", [])))


def buttons(message) -> list[str]:
    return [el["action_id"] for blk in message.get("blocks", []) if blk["type"] == "actions"
            for el in blk["elements"]] + [blk["accessory"]["action_id"] for blk in message.get("blocks", [])
                                          if blk.get("accessory")]


def click(app, user, action_id, message):
    response = dispatch(app, block_actions(action_id, user_id=user, message=message))
    assert response.status == 200, response.body


def submit(app, slack_api, user, values):
    """Submit the modal the stand-in opened last, as Slack would (untouched inputs keep their initial value)."""
    response = dispatch(app, view_submission(None, values, user_id=user, view=slack_api.last_view()))
    assert response.status == 200, response.body
    return json.loads(response.body) if response.body else {}


def command(app, user, text_):
    response = dispatch(app, slash_command(text_, user_id=user))
    assert response.status == 200, response.body


def private_replies(slack_api) -> list[str]:
    return [c.args.get("text", "") for c in slack_api.successful("response_url")]


def file_debrief(app, slack_api, *, insights="Loved the migration story", redo=False):
    prompt = slack_api.last_message_to(data.SELLER)
    click(app, data.SELLER, "debrief_happened", prompt)
    assert slack_api.last_view()["callback_id"] == "debrief_modal"
    return submit(app, slack_api, data.SELLER, {
        "met_needs": {"value": radio("yes")},
        "rating": {"value": static_select("4")},
        "insights": {"value": plain_value(insights)},
        "concerns": {"value": plain_value("Worried about pricing")},
        "redo": {"value": checkboxes(["yes"] if redo else [])},
    })


@pytest.fixture
def scheduled(ctx):
    """A call the seller recorded after it took place (yesterday), for a deal closing on Fri 27 Nov."""
    with ctx.db.unit_of_work() as s:
        opp = data.opportunity(s, "Initech", amount=250_000, close=dt.date(2026, 11, 27))
        req = data.request(s, scheduled_at=START - dt.timedelta(days=1), recorded_at=START, opp=opp,
                           created_at=START - dt.timedelta(days=5), approved_at=START - dt.timedelta(days=5, hours=-3))
        return req.id, opp.id


def test_the_whole_loop(bolt_app, ctx, clock, slack_api, scheduled):
    request_id, opp_id = scheduled

    # prompt: the call took place yesterday, so the next job run asks (twice run, once sent)
    run_job(ctx, "debrief_prompts")
    run_job(ctx, "debrief_prompts")
    [prompt] = slack_api.history(data.SELLER)
    assert buttons(prompt) == ["debrief_happened", "debrief_not_happened", "debrief_rescheduled"]

    # debrief: It happened -> modal -> filed
    clock.advance(hours=1)
    assert file_debrief(bolt_app, slack_api) == {}
    with ctx.db.unit_of_work() as s:
        req = s.get(ReferenceRequest, request_id)
        assert req.status is S.debriefed
        activity = s.query(Activity).one()
        assert (activity.request_id, activity.contact_id, activity.source) == (request_id, req.contact_id, "request")
        debrief = s.query(Debrief).one()
        assert debrief.rating == 4 and debrief.on_time and debrief.insights == "Loved the migration story"
    prompt = slack_api.message(prompt["channel"], prompt["ts"])
    assert buttons(prompt) == [] and "Debrief filed" in text(prompt)

    # thank-you: the owner's summary carries the prompt; the note is prefilled and editable
    summary = slack_api.last_message_to(data.OWNER)
    assert "Worried about pricing" in text(summary) and buttons(summary) == ["thank_you_open"]
    click(bolt_app, data.OWNER, "thank_you_open", summary)
    modal = slack_api.last_view()
    note = next(b for b in modal["blocks"] if b.get("block_id") == "note")["element"]["initial_value"]
    assert note.startswith("Hi Dana,") and "Initech" in note
    assert "Loved the migration story" not in note and "pricing" not in note  # the debrief stays internal
    assert note.rstrip().endswith("Olivia Owner")  # the owner's real name, not the Slack handle
    open_email = next(b["accessory"] for b in modal["blocks"] if b.get("accessory", {}).get("url"))
    assert open_email["url"].startswith("mailto:") and "Hi%20Dana%2C" in open_email["url"]
    submit(bolt_app, slack_api, data.OWNER, {})  # sent as drafted
    summary = slack_api.message(summary["channel"], summary["ts"])
    # The owner's own summary says "you", not their own mention (issue 16; was "by <@UOWNER>").
    assert buttons(summary) == [] and "Thank-you sent by you" in text(summary)
    with ctx.db.unit_of_work() as s:
        assert s.get(ReferenceRequest, request_id).thank_you_note == note

    # outcome: the close date passes, the seller is asked, clicks Won and confirms the amount
    clock.set(dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC))
    run_job(ctx, "outcome_followups")
    run_job(ctx, "outcome_followups")
    follow_up = slack_api.last_message_to(data.SELLER)
    assert buttons(follow_up) == ["outcome_won", "outcome_lost"]
    click(bolt_app, data.SELLER, "outcome_won", follow_up)
    assert slack_api.last_view()["callback_id"] == "outcome_modal"
    submit(bolt_app, slack_api, data.SELLER, {"amount": {"value": plain_value("300k")}})
    won_note = slack_api.last_message_to(data.OWNER)
    assert won_note["text"] == "Globex helped close Initech ($300K). Tell them their help made a difference."
    follow_up = slack_api.message(follow_up["channel"], follow_up["ts"])
    assert buttons(follow_up) == [] and "won" in text(follow_up)
    with ctx.db.unit_of_work() as s:
        assert s.get(Opportunity, opp_id).outcome is OpportunityOutcome.won
        reasons = sorted((e.reason.value, e.user_id or "") for e in s.query(PointsEntry))
    assert reasons == sorted([
        (PointsReason.request_completed.value, data.SELLER), (PointsReason.debrief_on_time.value, data.SELLER),
        (PointsReason.advocate_activity.value, ""), (PointsReason.thank_you_sent.value, data.OWNER),
        (PointsReason.deal_won.value, data.SELLER)])

    # report: the program manager sees the figures
    command(bolt_app, data.ADMIN, "stats")
    [report] = [c for c in slack_api.successful("response_url") if "Reference program" in c.args.get("text", "")]
    shown = text(report.args)
    for figure in ("*1 request*", "Debriefed: 1", "Median wait: 3 h", "100% filed (1 of 1)", "1 of 1 sent",
                   "$300K from 1 won deal", "1. Dana Scully (Globex) · 1 activity"):
        assert figure in shown, figure

    # no message of the loop ever showed the contact's email or phone; the one view that has the email is the
    # account owner's thank-you note (its Open email button)
    messages = "\n".join(t for c in slack_api.calls() if c.method != "views.open" for t in texts_of(c.args))
    assert "dana@globex.example" not in messages and "1234567" not in slack_api.all_text()
    with_email = [c.args["view"]["callback_id"] for c in slack_api.calls("views.open")
                  if "dana@globex.example" in json.dumps(c.args)]
    assert with_email == ["thank_you_modal"]


def test_double_clicks_and_double_submits_count_once(bolt_app, ctx, clock, slack_api, scheduled):
    request_id, opp_id = scheduled
    run_job(ctx, "debrief_prompts")
    prompt = slack_api.last_message_to(data.SELLER)
    click(bolt_app, data.SELLER, "debrief_happened", prompt)
    click(bolt_app, data.SELLER, "debrief_happened", prompt)  # a second modal: harmless
    view = slack_api.last_view()
    values = {"met_needs": {"value": radio("partly")}, "rating": {"value": static_select("3")}}
    for _ in range(2):
        assert dispatch(bolt_app, view_submission(None, values, user_id=data.SELLER, view=view)).status == 200
    with ctx.db.unit_of_work() as s:
        assert s.query(Debrief).count() == 1 and s.query(Activity).count() == 1
        points = s.query(PointsEntry).count()
    assert len(slack_api.messages_to(data.OWNER)) == 1

    clock.set(dt.datetime(2026, 11, 28, 9, 0, tzinfo=dt.UTC))
    run_job(ctx, "outcome_followups")
    follow_up = slack_api.last_message_to(data.SELLER)
    click(bolt_app, data.SELLER, "outcome_lost", follow_up)
    click(bolt_app, data.SELLER, "outcome_lost", follow_up)
    with ctx.db.unit_of_work() as s:
        assert s.get(Opportunity, opp_id).outcome is OpportunityOutcome.lost
        assert s.query(PointsEntry).count() == points
    assert slack_api.history(data.OWNER)[-1]["text"].startswith("Debrief")  # no won note for a lost deal


def test_it_didnt_happen_closes_the_request_as_missed(bolt_app, ctx, slack_api, scheduled):
    request_id, _ = scheduled
    run_job(ctx, "debrief_prompts")
    prompt = slack_api.last_message_to(data.SELLER)
    click(bolt_app, data.SELLER, "debrief_not_happened", prompt)
    assert slack_api.last_view()["callback_id"] == "debrief_not_happened_modal"
    submit(bolt_app, slack_api, data.SELLER, {"choice": {"value": radio("missed")},
                                              "reason": {"value": plain_value("No-show")}})
    with ctx.db.unit_of_work() as s:
        assert s.get(ReferenceRequest, request_id).status is S.missed
        assert s.query(Activity).count() == 0
    assert "Closed as missed" in text(slack_api.message(prompt["channel"], prompt["ts"]))


def test_rescheduled_takes_the_new_time_in_the_sellers_timezone(bolt_app, ctx, clock, slack_api, scheduled):
    request_id, _ = scheduled
    run_job(ctx, "debrief_prompts")
    click(bolt_app, data.SELLER, "debrief_rescheduled", slack_api.last_message_to(data.SELLER))
    modal = slack_api.last_view()
    assert modal["callback_id"] == "debrief_reschedule_modal"
    assert "America/New_York" in json.dumps(modal)
    submit(bolt_app, slack_api, data.SELLER, {"date": {"value": datepicker("2026-11-26")},
                                              "time": {"value": timepicker("11:30")}})
    new_time = dt.datetime(2026, 11, 26, 16, 30, tzinfo=dt.UTC)  # 11:30 in New York
    with ctx.db.unit_of_work() as s:
        req = s.get(ReferenceRequest, request_id)
        assert (req.status, req.scheduled_at) == (S.scheduled, new_time)
    clock.set(new_time + dt.timedelta(hours=2))
    run_job(ctx, "debrief_prompts")
    run_job(ctx, "debrief_prompts")
    first, second = slack_api.history(data.SELLER)
    assert "Rescheduled" in text(first) and buttons(first) == []
    assert "How did it go?" in text(second) and "debrief_happened" in buttons(second)


def test_a_new_time_more_than_a_week_ago_is_refused_inline(bolt_app, ctx, slack_api, scheduled):
    run_job(ctx, "debrief_prompts")
    click(bolt_app, data.SELLER, "debrief_rescheduled", slack_api.last_message_to(data.SELLER))
    answer = submit(bolt_app, slack_api, data.SELLER, {"date": {"value": datepicker("2026-11-02")}})
    assert answer["response_action"] == "errors" and "date" in answer["errors"]


def test_someone_else_clicking_is_told_privately_and_nothing_changes(bolt_app, ctx, slack_api, scheduled):
    request_id, _ = scheduled
    run_job(ctx, "debrief_prompts")
    click(bolt_app, data.STRANGER, "debrief_happened", slack_api.last_message_to(data.SELLER))
    assert any("Only <@USELLER>" in t for t in private_replies(slack_api))
    with ctx.db.unit_of_work() as s:
        assert s.get(ReferenceRequest, request_id).status is S.scheduled
    assert slack_api.last_view() is None


def test_a_refused_modal_submission_is_explained_in_a_dm(bolt_app, ctx, clock, slack_api, scheduled):
    request_id, _ = scheduled
    run_job(ctx, "debrief_prompts")
    click(bolt_app, data.SELLER, "debrief_not_happened", slack_api.last_message_to(data.SELLER))
    with ctx.db.unit_of_work() as s:  # meanwhile the request was cancelled elsewhere
        s.get(ReferenceRequest, request_id).status = S.cancelled
    submit(bolt_app, slack_api, data.SELLER, {"choice": {"value": radio("missed")}})
    assert "was cancelled, so it can't be closed as missed" in slack_api.last_message_to(data.SELLER)["text"]


def test_stats_is_for_program_managers(bolt_app, slack_api):
    command(bolt_app, data.SELLER, "stats")
    assert any("is for program managers" in t for t in private_replies(slack_api))
    command(bolt_app, data.ADMIN, "stats 2026-13-40")
    assert any("can't read '2026-13-40' as a date" in t for t in private_replies(slack_api))
    command(bolt_app, data.ADMIN, "stats 30d")
    assert any(t.startswith("Reference program: 0 requests") for t in private_replies(slack_api))


def test_outcome_command_picks_among_my_open_deals(bolt_app, ctx, slack_api):
    command(bolt_app, data.SELLER, "outcome")
    assert any("no open deals that used references" in t for t in private_replies(slack_api))
    with ctx.db.unit_of_work() as s:
        for prospect in ("Initech", "Vandelay"):
            opp = data.opportunity(s, prospect)
            data.request(s, scheduled_at=START - dt.timedelta(days=2), status=S.debriefed, opp=opp)
    command(bolt_app, data.SELLER, "outcome")
    modal = slack_api.last_view()
    picker = next(b for b in modal["blocks"] if b.get("block_id") == "deal")
    options = {o["text"]["text"]: o["value"] for o in picker["element"]["options"]}
    assert set(options) == {"Initech · $250K", "Vandelay · $250K"}
    answer = submit(bolt_app, slack_api, data.SELLER, {"deal": {"value": static_select(options["Vandelay · $250K"])},
                                                        "outcome": {"value": radio("won")},
                                                        "amount": {"value": plain_value("lots")}})
    assert answer["response_action"] == "errors" and "amount" in answer["errors"]
    submit(bolt_app, slack_api, data.SELLER, {"deal": {"value": static_select(options["Vandelay · $250K"])},
                                              "outcome": {"value": radio("won")}})
    with ctx.db.unit_of_work() as s:
        assert s.get(Opportunity, int(options["Vandelay · $250K"])).outcome is OpportunityOutcome.won
    assert "Vandelay: won" in slack_api.last_message_to(data.SELLER)["text"]


def test_end_to_end_from_the_request_workflow(bolt_app, ctx, clock, slack_api):
    """Issue 4's buttons hand over to the loop: approve -> Mark scheduled (a call that already took
    place) -> the next job run prompts -> debrief filed."""
    with ctx.db.unit_of_work() as s:
        request_id = data.request(s, scheduled_at=None, status=S.pending_approval,
                                  created_at=START - dt.timedelta(days=2)).id
    assert dispatch(bolt_app, block_actions("request_approve", str(request_id), user_id=data.OWNER)).status == 200
    approved = slack_api.last_message_to(data.SELLER)
    assert "request_mark_scheduled" in buttons(approved)
    click(bolt_app, data.SELLER, "request_mark_scheduled", approved)
    submit(bolt_app, slack_api, data.SELLER, {"date": {"value": datepicker("2026-11-22")},
                                              "time": {"value": timepicker("10:00")}})
    with ctx.db.unit_of_work() as s:
        req = s.get(ReferenceRequest, request_id)
        assert req.status is S.scheduled and req.scheduled_at < clock.now()

    run_job(ctx, "debrief_prompts")
    run_job(ctx, "debrief_prompts")
    prompts = [m for m in slack_api.history(data.SELLER) if "debrief_happened" in buttons(m)]
    assert len(prompts) == 1
    assert file_debrief(bolt_app, slack_api) == {}
    with ctx.db.unit_of_work() as s:
        assert s.get(ReferenceRequest, request_id).status is S.debriefed
        assert s.query(Activity).filter_by(request_id=request_id).count() == 1
