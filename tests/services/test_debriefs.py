"""Debrief prompts, reminders, escalation, filing, calls that didn't happen, thank-you notes."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from refbot.domain import MetNeeds, PointsReason
from refbot.domain import RequestStatus as S
from refbot.errors import InvalidTransition, NotAllowed, ValidationFailed
from refbot.models import Activity, Debrief, PointsEntry, ReferenceRequest, RequestEvent
from refbot.playground.slack_api import texts_of
from refbot.services import debriefs
from refbot.services.availability import contact_availability
from refbot.services.policy import load_policy, update_policy
from tests import loop_data as data

START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
CALL = START + dt.timedelta(days=1)  # Tue 24 Nov, 10:00 in Berlin
TZ = "Europe/Berlin"
ANSWERS = debriefs.DebriefAnswers(met_needs=MetNeeds.yes, rating=4, insights="Loved the migration story",
                                  concerns="Pricing", redo_needed=False, notes="")


@pytest.fixture
def request_id(ctx) -> int:
    with ctx.db.unit_of_work() as session:
        return data.request(session, scheduled_at=CALL).id


def uow(ctx, fn, **kwargs):
    with ctx.db.unit_of_work() as session:
        return fn(session=session, **kwargs)


def policy(ctx):
    with ctx.db.unit_of_work() as session:
        return load_policy(session=session)


def prompt(ctx, request_id):
    now = ctx.clock.now()
    return uow(ctx, debriefs.send_prompt, request_id=request_id, now=now, policy=policy(ctx), tz_name=TZ)


def due(ctx, fn):
    return uow(ctx, fn, now=ctx.clock.now(), policy=policy(ctx))


def file(ctx, request_id, *, user=data.SELLER, admin=False, answers=ANSWERS):
    return uow(ctx, debriefs.file_debrief, request_id=request_id, user_id=user, is_admin=admin, answers=answers,
               now=ctx.clock.now(), policy=policy(ctx), tz_name=TZ, fallback_owner_ids=[data.ADMIN])


def buttons(message):
    return [el["action_id"] for blk in message["blocks"] if blk["type"] == "actions" for el in blk["elements"]] + [
        blk["accessory"]["action_id"] for blk in message["blocks"] if blk.get("accessory")]


def text(message) -> str:
    return "\n".join(texts_of(message["blocks"]))


# ------------------------------------------------------------------ prompts


def test_prompt_comes_two_hours_after_the_call_and_only_once(ctx, clock, slack_api, request_id):
    clock.set(CALL + dt.timedelta(hours=1, minutes=59))
    assert due(ctx, debriefs.due_prompts) == []
    assert prompt(ctx, request_id) is False
    clock.set(CALL + dt.timedelta(hours=2))
    assert due(ctx, debriefs.due_prompts) == [request_id]
    assert prompt(ctx, request_id) is True
    assert prompt(ctx, request_id) is False
    assert due(ctx, debriefs.due_prompts) == []
    [msg] = slack_api.history(data.SELLER)
    assert buttons(msg) == ["debrief_happened", "debrief_not_happened", "debrief_rescheduled"]
    assert "How did it go?" in text(msg) and "Dana Scully" in text(msg)


def test_a_call_recorded_after_it_took_place_is_prompted_at_the_next_run(ctx, clock):
    with ctx.db.unit_of_work() as session:
        rid = data.request(session, scheduled_at=START - dt.timedelta(days=3), recorded_at=START).id
    assert due(ctx, debriefs.due_prompts) == [rid]


def test_the_delay_is_a_program_policy(ctx, clock, request_id):
    uow(ctx, update_policy, changes={"debrief_delay_hours": 0}, updated_by=data.ADMIN)
    clock.set(CALL)
    assert due(ctx, debriefs.due_prompts) == [request_id]


def test_requests_not_scheduled_are_never_prompted(ctx, clock):
    with ctx.db.unit_of_work() as session:
        data.request(session, scheduled_at=None, status=S.approved)
        data.request(session, scheduled_at=START - dt.timedelta(days=2), status=S.cancelled)
    assert due(ctx, debriefs.due_prompts) == []


def test_rescheduling_moves_the_call_and_prompts_again_after_the_new_time(ctx, clock, slack_api, request_id):
    clock.set(CALL + dt.timedelta(hours=3))
    assert prompt(ctx, request_id)
    new_time = CALL + dt.timedelta(days=3)
    card = uow(ctx, debriefs.reschedule, request_id=request_id, user_id=data.SELLER, is_admin=False,
               new_time=new_time, now=clock.now(), tz_name=TZ)
    assert card.status is S.scheduled and card.call_at == new_time
    [old_prompt] = slack_api.history(data.SELLER)
    assert buttons(old_prompt) == [] and "Rescheduled" in text(old_prompt)
    assert "rescheduled" in text(slack_api.last_message_to(data.OWNER))
    assert due(ctx, debriefs.due_prompts) == []
    clock.set(new_time + dt.timedelta(hours=2))
    assert due(ctx, debriefs.due_prompts) == [request_id]
    assert prompt(ctx, request_id) and not prompt(ctx, request_id)
    assert len(slack_api.messages_to(data.SELLER)) == 2


def test_rescheduling_to_more_than_a_week_ago_is_refused(ctx, clock, request_id):
    with pytest.raises(ValidationFailed) as err:
        uow(ctx, debriefs.reschedule, request_id=request_id, user_id=data.SELLER, is_admin=False,
            new_time=START - dt.timedelta(days=8), now=clock.now(), tz_name=TZ)
    assert "date" in err.value.field_errors


# ------------------------------------------------------------------ reminder and escalation


def test_one_reminder_after_two_days_then_the_program_managers_hear_once(ctx, clock, slack_api, request_id):
    clock.set(CALL + dt.timedelta(hours=2))
    prompt(ctx, request_id)
    clock.advance(days=2, minutes=-1)
    assert due(ctx, debriefs.due_reminders) == []
    clock.advance(minutes=1)
    assert due(ctx, debriefs.due_reminders) == [request_id]
    send = dict(request_id=request_id, policy=policy(ctx), tz_name=TZ)
    assert uow(ctx, debriefs.send_reminder, now=clock.now(), **send) is True
    assert uow(ctx, debriefs.send_reminder, now=clock.now(), **send) is False
    assert "Reminder:" in slack_api.last_message_to(data.SELLER)["text"]
    assert len(slack_api.messages_to(data.SELLER)) == 2

    clock.advance(days=2, minutes=-1)
    assert due(ctx, debriefs.due_escalations) == []
    clock.advance(minutes=1)
    items = due(ctx, debriefs.due_escalations)
    assert [i.request_id for i in items] == [request_id]
    assert uow(ctx, debriefs.escalate, items=items, recipients=[data.ADMIN], now=clock.now(), tz_name=TZ) == 1
    assert due(ctx, debriefs.due_escalations) == []
    [pm] = slack_api.history(data.ADMIN)
    assert "1 debrief still missing" in pm["text"]
    assert f"#{request_id} <@{data.SELLER}>" in text(pm) and "call 4 days ago" in text(pm)


def test_a_filed_debrief_stops_reminders(ctx, clock, request_id):
    clock.set(CALL + dt.timedelta(hours=2))
    prompt(ctx, request_id)
    file(ctx, request_id)
    clock.advance(days=5)
    assert due(ctx, debriefs.due_reminders) == [] and due(ctx, debriefs.due_escalations) == []


# ------------------------------------------------------------------ filing


def test_filing_records_the_activity_awards_points_and_tells_the_owner(ctx, clock, slack_api, request_id):
    clock.set(CALL + dt.timedelta(hours=2))
    prompt(ctx, request_id)
    clock.advance(hours=1)
    card = uow(ctx, debriefs.start_debrief, request_id=request_id, user_id=data.SELLER, is_admin=False,
               now=clock.now())
    assert card.status is S.completed
    result = file(ctx, request_id)
    assert result.created and result.on_time

    with ctx.db.unit_of_work() as session:
        req = session.get(ReferenceRequest, request_id)
        assert req.status is S.debriefed and req.completed_at == CALL + dt.timedelta(hours=3)
        [activity] = session.query(Activity).all()
        assert (activity.contact_id, activity.request_id, activity.source) == (req.contact_id, request_id, "request")
        assert activity.occurred_on == dt.date(2026, 11, 24) and activity.opportunity == "Initech"
        debrief = session.query(Debrief).one()
        assert (debrief.met_needs, debrief.rating, debrief.insights) == (MetNeeds.yes, 4, "Loved the migration story")
        entries = {e.reason: e for e in session.query(PointsEntry)}
        assert set(entries) == {PointsReason.request_completed, PointsReason.debrief_on_time,
                                PointsReason.advocate_activity}
        assert entries[PointsReason.request_completed].user_id == data.SELLER
        assert entries[PointsReason.debrief_on_time].user_id == data.SELLER
        advocate = entries[PointsReason.advocate_activity]
        assert (advocate.contact_id, advocate.account_id) == (req.contact_id, req.account_id)
        assert result.points == sum(e.points for e in entries.values() if e.user_id == data.SELLER) > 0
        # fatigue and rotation count the call from now on
        assert contact_availability(session=session, contact_id=req.contact_id, today=dt.date(2026, 11, 25)
                                    ).uses_in_window == 1

    [seller_prompt] = slack_api.history(data.SELLER)
    assert buttons(seller_prompt) == [] and "Debrief filed" in text(seller_prompt)
    summary = slack_api.last_message_to(data.OWNER)
    assert buttons(summary) == ["thank_you_open"]
    assert "Loved the migration story" in text(summary) and "Pricing" in text(summary)
    assert "dana@globex.example" not in slack_api.all_text()


def test_filing_twice_files_once(ctx, clock, slack_api, request_id):
    clock.set(CALL + dt.timedelta(hours=2))
    first = file(ctx, request_id)
    again = file(ctx, request_id, answers=debriefs.DebriefAnswers(met_needs=MetNeeds.no, rating=1))
    assert first.created and not again.created and again.debrief_id == first.debrief_id
    with ctx.db.unit_of_work() as session:
        assert session.query(Debrief).one().rating == 4
        assert session.query(Activity).count() == 1
        assert session.query(PointsEntry).count() == 3
    assert len(slack_api.messages_to(data.OWNER)) == 1


def test_a_late_debrief_earns_no_on_time_points(ctx, clock, request_id):
    clock.set(CALL + dt.timedelta(days=2, minutes=1))
    result = file(ctx, request_id)
    assert not result.on_time
    with ctx.db.unit_of_work() as session:
        reasons = {e.reason for e in session.query(PointsEntry)}
    assert PointsReason.debrief_on_time not in reasons and PointsReason.request_completed in reasons


def test_a_call_recorded_late_is_on_time_counted_from_when_it_was_recorded(ctx, clock):
    with ctx.db.unit_of_work() as session:
        rid = data.request(session, scheduled_at=START - dt.timedelta(days=5), recorded_at=START).id
    clock.set(START + dt.timedelta(days=1))
    assert file(ctx, rid).on_time


def test_redo_needed_offers_a_new_search_with_the_same_criteria(ctx, clock, slack_api, request_id):
    clock.set(CALL + dt.timedelta(hours=2))
    file(ctx, request_id, answers=debriefs.DebriefAnswers(met_needs=MetNeeds.partly, rating=3, redo_needed=True))
    offer = slack_api.last_message_to(data.SELLER)
    assert buttons(offer) == ["search_again"]
    assert offer["blocks"][1]["elements"][0]["value"] == str(request_id)


def test_only_the_seller_or_a_program_manager_files_the_debrief(ctx, clock, request_id):
    clock.set(CALL + dt.timedelta(hours=2))
    with pytest.raises(NotAllowed):
        file(ctx, request_id, user=data.STRANGER)
    with pytest.raises(NotAllowed):
        uow(ctx, debriefs.start_debrief, request_id=request_id, user_id=data.OWNER, is_admin=False, now=clock.now())
    assert file(ctx, request_id, user=data.ADMIN, admin=True).created


def test_rating_out_of_range_is_refused_with_the_field(ctx, clock, request_id):
    with pytest.raises(ValidationFailed) as err:
        file(ctx, request_id, answers=debriefs.DebriefAnswers(met_needs=MetNeeds.yes, rating=6))
    assert set(err.value.field_errors) == {"rating"}


def test_a_debriefed_request_cannot_be_started_again(ctx, clock, request_id):
    clock.set(CALL + dt.timedelta(hours=2))
    file(ctx, request_id)
    with pytest.raises(InvalidTransition, match="already filed"):
        uow(ctx, debriefs.start_debrief, request_id=request_id, user_id=data.SELLER, is_admin=False, now=clock.now())


# ------------------------------------------------------------------ the call didn't happen


def not_happened(ctx, request_id, choice, new_time=None):
    return uow(ctx, debriefs.not_happened, request_id=request_id, user_id=data.SELLER, is_admin=False,
               choice=choice, new_time=new_time, reason="prospect was ill", now=ctx.clock.now(), tz_name=TZ)


def test_a_missed_call_is_closed_and_counts_nothing(ctx, clock, slack_api, request_id):
    clock.set(CALL + dt.timedelta(hours=2))
    prompt(ctx, request_id)
    assert not_happened(ctx, request_id, "missed").outcome == "missed"
    with ctx.db.unit_of_work() as session:
        assert session.get(ReferenceRequest, request_id).status is S.missed
        assert session.query(Activity).count() == 0 and session.query(PointsEntry).count() == 0
        event = session.query(RequestEvent).filter_by(action="call_missed").one()
        assert event.detail == {"reason": "prospect was ill"}
    [seller_prompt] = slack_api.history(data.SELLER)
    assert buttons(seller_prompt) == [] and "Closed as missed" in text(seller_prompt)
    assert "didn't happen" in text(slack_api.last_message_to(data.OWNER))
    clock.advance(days=3)
    assert due(ctx, debriefs.due_reminders) == []


def test_no_new_time_yet_sends_the_request_back_to_approved(ctx, clock, slack_api, request_id):
    clock.set(CALL + dt.timedelta(hours=2))
    prompt(ctx, request_id)
    assert not_happened(ctx, request_id, "reschedule").outcome == "approved"
    with ctx.db.unit_of_work() as session:
        assert session.get(ReferenceRequest, request_id).status is S.approved
    [seller_prompt] = slack_api.history(data.SELLER)
    assert buttons(seller_prompt) == ["request_mark_scheduled"]
    assert due(ctx, debriefs.due_prompts) == []


def test_it_happened_by_mistake_can_still_be_rescheduled(ctx, clock, request_id):
    clock.set(CALL + dt.timedelta(hours=2))
    uow(ctx, debriefs.start_debrief, request_id=request_id, user_id=data.SELLER, is_admin=False, now=clock.now())
    new_time = CALL + dt.timedelta(days=2)
    assert not_happened(ctx, request_id, "reschedule", new_time).outcome == "rescheduled"
    with ctx.db.unit_of_work() as session:
        req = session.get(ReferenceRequest, request_id)
        assert (req.status, req.scheduled_at, req.completed_at) == (S.scheduled, new_time, None)


# ------------------------------------------------------------------ thank-you


def test_thank_you_draft_is_for_the_account_owner_with_the_deal_context(ctx, clock, request_id):
    clock.set(CALL + dt.timedelta(hours=2))
    file(ctx, request_id)
    draft = uow(ctx, debriefs.thank_you_draft, request_id=request_id, user_id=data.OWNER, is_admin=False,
                sender_name="Olivia", tz_name=TZ)
    assert draft.sent is None
    assert "Initech" in draft.note and "reference call" in draft.note
    # The note goes to the customer: nothing from the seller's internal debrief reaches it.
    with ctx.db.unit_of_work() as session:
        debrief = session.scalars(sa.select(Debrief).where(Debrief.request_id == request_id)).one()
        internal = [debrief.insights, debrief.concerns, debrief.notes]
    assert [field for field in internal if field and field.strip() in draft.note] == []
    assert all(field for field in internal[:2])  # the test's debrief does have insights and concerns
    with pytest.raises(NotAllowed):
        uow(ctx, debriefs.thank_you_draft, request_id=request_id, user_id=data.SELLER, is_admin=False,
            sender_name="", tz_name=TZ)


def test_marking_the_thank_you_sent_logs_it_once_and_updates_the_prompt(ctx, clock, slack_api, request_id):
    clock.set(CALL + dt.timedelta(hours=2))
    file(ctx, request_id)
    clock.advance(hours=5)
    kwargs = dict(request_id=request_id, user_id=data.OWNER, is_admin=False, note="  Thank you, Dana!  ",
                  tz_name=TZ)
    first = uow(ctx, debriefs.mark_thank_you_sent, now=clock.now(), **kwargs)
    again = uow(ctx, debriefs.mark_thank_you_sent, now=clock.now(), **kwargs)
    assert first.created and first.points > 0 and not again.created and again.points == 0
    with ctx.db.unit_of_work() as session:
        req = session.get(ReferenceRequest, request_id)
        assert (req.thank_you_note, req.thanked_by, req.thanked_at) == ("Thank you, Dana!", data.OWNER, clock.now())
        assert session.query(RequestEvent).filter_by(action="thank_you_sent").count() == 1
        [entry] = session.query(PointsEntry).filter_by(reason=PointsReason.thank_you_sent).all()
        assert entry.user_id == data.OWNER
    [summary] = slack_api.history(data.OWNER)
    # The owner reads their own summary: "you", not their own mention (issue 16; was "by <@OWNER>").
    assert buttons(summary) == [] and "Thank-you sent by you" in text(summary)
    assert len(slack_api.successful("chat.update")) == 1


def test_a_thank_you_sent_by_a_program_manager_names_them_in_the_owners_summary(ctx, clock, slack_api, request_id):
    clock.set(CALL + dt.timedelta(hours=2))
    file(ctx, request_id)
    uow(ctx, debriefs.mark_thank_you_sent, request_id=request_id, user_id=data.ADMIN, is_admin=True,
        note="Thank you, Dana!", now=clock.now(), tz_name=TZ)
    [summary] = slack_api.history(data.OWNER)
    assert f"Thank-you sent by <@{data.ADMIN}>" in text(summary) and "sent by you" not in text(summary)


def test_an_empty_thank_you_note_is_refused(ctx, clock, request_id):
    clock.set(CALL + dt.timedelta(hours=2))
    file(ctx, request_id)
    with pytest.raises(ValidationFailed):
        uow(ctx, debriefs.mark_thank_you_sent, request_id=request_id, user_id=data.OWNER, is_admin=False,
            note="   ", now=clock.now(), tz_name=TZ)
