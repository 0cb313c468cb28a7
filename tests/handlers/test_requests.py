"""The request workflow end to end through the real Bolt app and the local Slack Web API stand-in."""

import datetime as dt
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from refbot.domain import RequestStatus as S
from refbot.jobs import run_job
from refbot.models import Account, Activity, Contact, ReferenceRequest, RequestEvent, SearchLog
from tests.support.payloads import (
    app_home_opened,
    block_actions,
    block_suggestion,
    datepicker,
    dispatch,
    external_select,
    plain_value,
    slash_command,
    static_select,
    timepicker,
    view_submission,
)

SELLER, OWNER, STRANGER, ADMIN = "USELLER", "UOWNER", "USTRANGER", "UADMIN"
EMAIL = "dana@globex.example"


@pytest.fixture
def world(session, slack_api):
    slack_api.add_user(SELLER, "Sam Seller", tz="America/New_York", email="sam@corp.example")
    slack_api.add_user(OWNER, "Olga Owner", tz="Europe/Berlin", email="olga@corp.example")
    slack_api.add_user(STRANGER, "Stan Stranger", tz="Europe/London")
    slack_api.add_user(ADMIN, "Pat Manager", tz="Europe/Berlin")
    globex = Account(external_id="A1", name="Globex", owner_id=OWNER, industry="Banking", country="DE")
    dana = Contact(external_id="C1", name="Dana Scully", title="VP Finance", account=globex, email=EMAIL,
                   phone="+1 555 0100", timezone="America/New_York", topics=["roi", "integration"])
    bob = Contact(external_id="C2", name="Bob Builder", title="CTO", account=globex, email="bob@globex.example")
    search = SearchLog(user_id=SELLER, criteria={"industry": "Banking", "employees": 5000, "country": "DE",
                                                 "topics": ["roi"], "activity": "call"})
    session.add_all([globex, dana, bob, search])
    session.commit()
    return {"dana": dana.id, "bob": bob.id, "search": search.id}


def ok_values(**override):
    values = {
        "prospect": {"value": plain_value("Initech")},
        "crm_id": {"value": plain_value("OPP-7")},
        "stage": {"value": static_select("evaluation")},
        "amount": {"value": plain_value("250k")},
        "needed_by": {"value": datepicker("2026-11-26")},
    }
    values.update(override)
    return values


def open_form(app, slack_api, world, contact="dana", user=SELLER, details=True):
    """The request form from a search result; with `details`, after *Edit deal details* (amount, CRM id...)."""
    dispatch(app, block_actions("request_from_search", f"{world['search']}:{world[contact]}", user))
    view = slack_api.last_view()
    assert view["callback_id"] == "request_modal"
    if details:
        assert dispatch(app, block_actions("request_deal_details", "details", user, view=view)).status == 200
        view = slack_api.last_view()
        assert view["callback_id"] == "request_modal"
    return view


def submit(app, view, values, user=SELLER):
    response = dispatch(app, view_submission(None, values, user, view=view))
    assert response.status == 200
    return json.loads(response.body) if response.body else {}


def requests_in(session):
    session.expire_all()
    return session.scalars(sa.select(ReferenceRequest).order_by(ReferenceRequest.id)).all()


def owner_dm(slack_api, user=OWNER):
    call = slack_api.messages_to(user)[0]
    return slack_api.message(user, call.response["ts"])


def private_answers(slack_api):
    return "\n".join(json.dumps(c.args) for c in slack_api.calls("response_url"))


@pytest.fixture
def requested(bolt_app, slack_api, world, session):
    """A pending request from the seller for Dana; returns its id."""
    view = open_form(bolt_app, slack_api, world)
    assert submit(bolt_app, view, ok_values()) == {}
    (request,) = requests_in(session)
    return request.id


# ------------------------------------------------------------------ submitting


def test_request_button_opens_a_prefilled_form_and_submit_asks_the_owner(bolt_app, slack_api, world, session):
    view = open_form(bolt_app, slack_api, world, details=False)
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    # The search's prospect facts are shown, not asked again; Edit deal details makes them inputs.
    assert "Banking · 5,000 employees · Germany (from your search)" in json.dumps(view["blocks"], ensure_ascii=False)
    assert "industry" not in inputs and "country" not in inputs
    assert inputs["topics"]["initial_value"] == "roi"
    assert "justification" not in inputs
    assert json.loads(view["private_metadata"]) == {"contact_id": world["dana"], "search_id": world["search"],
                                                    "industry": "Banking", "employees": "5,000",
                                                    "country": "Germany"}
    assert len(inputs) <= 7
    dispatch(bolt_app, block_actions("request_deal_details", "details", SELLER, view=view))
    view = slack_api.last_view()
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert (inputs["industry"]["initial_value"], inputs["employees"]["initial_value"],
            inputs["country"]["initial_value"]) == ("Banking", "5,000", "Germany")

    assert submit(bolt_app, view, ok_values()) == {}
    (request,) = requests_in(session)
    assert request.status is S.pending_approval and request.client_token == view["id"]
    assert request.criteria["industry"] == "Banking"
    owner = slack_api.messages_to(OWNER)
    assert len(owner) == 1
    text = json.dumps(owner[0].args)
    for fact in (SELLER, "Dana Scully", "Initech", "Evaluation", "$250K", "Thu 26 Nov 2026",
                 "request_approve", "request_decline", "request_suggest"):
        assert fact in text, fact
    seller = slack_api.messages_to(SELLER)
    assert len(seller) == 1 and f"Request #{request.id} sent" in seller[0].args["text"]
    assert EMAIL not in slack_api.all_text() and "555 0100" not in slack_api.all_text()


def test_the_same_submission_delivered_twice_creates_one_request(bolt_app, slack_api, world, session):
    view = open_form(bolt_app, slack_api, world)
    payload = view_submission(None, ok_values(), SELLER, view=view)
    assert dispatch(bolt_app, payload).status == 200
    assert dispatch(bolt_app, payload).status == 200
    assert len(requests_in(session)) == 1
    assert len(slack_api.messages_to(OWNER)) == 1 and len(slack_api.messages_to(SELLER)) == 1


def input_ids(view):
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]


def change_date(app, slack_api, view, day, values):
    """The seller picks another Needed-by date (the datepicker dispatches); returns the form as redrawn."""
    state = {k: v for k, v in values.items() if k in input_ids(view)}
    state["needed_by"] = {"value": datepicker(day)}
    assert dispatch(app, block_actions("value", day, SELLER, block_id="needed_by", action_type="datepicker",
                                       view=view, state=state)).status == 200
    return slack_api.last_view()


def test_policy_errors_are_shown_inline_and_nothing_is_stored(bolt_app, slack_api, world, session):
    view = open_form(bolt_app, slack_api, world)
    answer = submit(bolt_app, view, ok_values(stage={"value": static_select("evaluation")},
                                              amount={"value": plain_value("a lot")}))
    assert answer["response_action"] == "errors"
    assert "not a number" in answer["errors"]["amount"]
    assert requests_in(session) == [] and slack_api.messages_to(OWNER) == []


def test_the_stage_list_offers_only_stages_the_gate_accepts(bolt_app, slack_api, world):
    view = open_form(bolt_app, slack_api, world, details=False)
    stage = next(b for b in view["blocks"] if b.get("block_id") == "stage")
    labels = [o["text"]["text"] for o in stage["element"]["options"]]
    assert labels[0] == "Discovery" and "Prospecting" not in labels
    assert "References start at Discovery" in stage["hint"]["text"]


def test_needed_by_defaults_two_weeks_out_and_an_earlier_date_asks_why_it_is_urgent(bolt_app, slack_api, world,
                                                                                    session):
    view = open_form(bolt_app, slack_api, world)
    needed = next(b for b in view["blocks"] if b.get("block_id") == "needed_by")
    assert needed["element"]["initial_date"] == "2026-12-07"  # ten business days out, not Thu 26 Nov
    assert "urgent_reason" not in input_ids(view) and "urgent" not in input_ids(view)
    rushed = ok_values(needed_by={"value": datepicker("2026-11-25")})
    view = change_date(bolt_app, slack_api, view, "2026-11-25", rushed)
    question = next(b for b in view["blocks"] if b.get("block_id") == "urgent_reason")
    assert question["label"]["text"] == "Why is this urgent?"
    assert next(b for b in view["blocks"] if b.get("block_id") == "prospect")["element"]["initial_value"] == "Initech"
    answer = submit(bolt_app, view, rushed)
    assert set(answer["errors"]) == {"urgent_reason"}
    assert "inside the lead time (3 business days)" in answer["errors"]["urgent_reason"]
    assert requests_in(session) == []
    accepted = submit(bolt_app, view, {**rushed, "urgent_reason": {"value": plain_value("Board meets Wednesday")}})
    assert accepted == {}
    (request,) = requests_in(session)
    assert request.urgent and request.urgent_reason == "Board meets Wednesday"
    assert "Board meets Wednesday" in json.dumps(slack_api.messages_to(OWNER)[0].args)


def test_a_later_date_makes_the_urgency_question_go_and_a_reason_left_in_it_does_not_count(bolt_app, slack_api,
                                                                                         world, session):
    view = open_form(bolt_app, slack_api, world)
    view = change_date(bolt_app, slack_api, view, "2026-11-25", ok_values())
    assert "urgent_reason" in input_ids(view)
    assert submit(bolt_app, view, ok_values(needed_by={"value": datepicker("2026-11-30")},
                                            urgent_reason={"value": plain_value("just in case")})) == {}
    (request,) = requests_in(session)
    assert not request.urgent and request.urgent_reason is None
    later = change_date(bolt_app, slack_api, open_form(bolt_app, slack_api, world), "2026-12-01", ok_values())
    assert "urgent_reason" not in input_ids(later)


def test_a_rushed_date_submitted_before_the_question_appeared_brings_the_form_back_with_it(bolt_app, slack_api,
                                                                                         world, session):
    view = open_form(bolt_app, slack_api, world)
    answer = submit(bolt_app, view, ok_values(needed_by={"value": datepicker("2026-11-25")}))
    assert answer["response_action"] == "update"
    assert "urgent_reason" in input_ids(answer["view"])
    assert "inside the lead time" in json.dumps(answer["view"]["blocks"])
    assert requests_in(session) == []


def test_resting_contact_needs_a_justification_and_is_flagged(bolt_app, slack_api, world, session):
    for day in (dt.date(2026, 9, 1), dt.date(2026, 10, 1)):
        session.add(Activity(contact_id=world["dana"], occurred_on=day, type="call"))
    session.commit()
    view = open_form(bolt_app, slack_api, world)
    assert any(b.get("block_id") == "justification" for b in view["blocks"])
    answer = submit(bolt_app, view, ok_values())
    assert "used 2 times in the last 90 days" in answer["errors"]["justification"]
    assert submit(bolt_app, view, ok_values(justification={"value": plain_value("Only SAP bank reference")})) == {}
    (request,) = requests_in(session)
    assert request.flagged
    flagged = slack_api.messages_to(ADMIN)
    assert len(flagged) == 1 and "Only SAP bank reference" in json.dumps(flagged[0].args)


def test_contact_that_became_busy_while_the_form_was_open_gets_the_question(bolt_app, slack_api, world, session):
    view = open_form(bolt_app, slack_api, world)
    other = open_form(bolt_app, slack_api, world, user=STRANGER)
    assert submit(bolt_app, other, ok_values(), user=STRANGER) == {}
    answer = submit(bolt_app, view, ok_values())
    assert answer["response_action"] == "update"
    blocks = answer["view"]["blocks"]
    assert any(b.get("block_id") == "justification" for b in blocks)
    prospect = next(b for b in blocks if b.get("block_id") == "prospect")
    assert prospect["element"]["initial_value"] == "Initech"  # nothing the seller typed is lost


def test_reference_request_command_picks_the_contact_first(bolt_app, slack_api, world, session):
    dispatch(bolt_app, slash_command("request", user_id=SELLER))
    picker = slack_api.last_view()
    assert picker["callback_id"] == "request_pick_modal"
    answer = submit(bolt_app, picker, {"contact": {"request_pick_contact": external_select(str(world["bob"]))}})
    assert answer["response_action"] == "update"
    assert "Bob Builder" in json.dumps(answer["view"]["blocks"])
    dispatch(bolt_app, slash_command("request dana", user_id=SELLER))
    assert slack_api.last_view()["callback_id"] == "request_modal"


def test_the_contact_picker_types_ahead_over_every_contact_with_availability(bolt_app, slack_api, world, session):
    globex = session.get(Account, session.get(Contact, world["dana"]).account_id)
    session.add_all([Contact(external_id=f"X{i}", name=f"Alex Example {i:03}", title="CIO", account=globex)
                     for i in range(150)])
    session.add(Activity(contact_id=world["dana"], occurred_on=dt.date(2026, 11, 10), type="call"))
    session.commit()
    dispatch(bolt_app, slash_command("request", user_id=SELLER))
    picker = slack_api.last_view()
    assert "Showing" not in json.dumps(picker) and "/reference request globex" not in json.dumps(picker)

    def typed(text):
        response = dispatch(bolt_app, block_suggestion("request_pick_contact", text, user_id=SELLER, view=picker))
        assert response.status == 200
        return [o["text"]["text"] for o in json.loads(response.body)["options"]]

    assert typed("dana") == ["Dana Scully, VP Finance (Globex) · resting until 10 Dec"]
    assert typed("bob cto") == ["Bob Builder, CTO (Globex) · available"]
    assert typed("example 149") == ["Alex Example 149, CIO (Globex) · available"]  # not cut at 100
    assert len(typed("globex")) == 100 and all(len(t) <= 75 for t in typed("globex"))
    view = open_form(bolt_app, slack_api, world, contact="bob")
    assert submit(bolt_app, view, ok_values()) == {}
    assert typed("bob") == ["Bob Builder, CTO (Globex) · busy"]


# ------------------------------------------------------------------ deciding


def test_owner_approves_the_dm_is_updated_and_the_seller_gets_the_contact(bolt_app, slack_api, requested, session):
    assert EMAIL not in slack_api.all_text()
    dispatch(bolt_app, block_actions("request_approve", user_id=OWNER, message=owner_dm(slack_api)))
    request = requests_in(session)[0]
    assert request.status is S.approved and request.decided_by == OWNER
    updated = owner_dm(slack_api)
    assert "Approved by you" in json.dumps(updated) and "<@UOWNER>" not in json.dumps(updated)  # the reader did
    assert not any(b["type"] == "actions" for b in updated["blocks"])
    approved = slack_api.messages_to(SELLER)[-1]
    text = json.dumps(approved.args)
    # The contact's zone as people say it (issue 16; was the raw "America/New_York").
    for fact in (EMAIL, "+1 555 0100", "New York time (now ", "VP Finance", "request_mark_scheduled"):
        assert fact in text, fact


def test_a_stranger_cannot_approve(bolt_app, slack_api, requested, session):
    response = dispatch(bolt_app, block_actions("request_approve", user_id=STRANGER, message=owner_dm(slack_api)))
    assert response.status == 200
    assert "not yours to approve" in private_answers(slack_api)
    assert requests_in(session)[0].status is S.pending_approval
    assert slack_api.calls("chat.update") == [] and EMAIL not in slack_api.all_text()


def test_double_approve_is_one_transition_and_one_set_of_messages(bolt_app, slack_api, requested, session):
    message = owner_dm(slack_api)
    for user in (OWNER, ADMIN):
        assert dispatch(bolt_app, block_actions("request_approve", user_id=user, message=message)).status == 200
    events = session.scalars(sa.select(RequestEvent.action).where(RequestEvent.request_id == requested)).all()
    assert events == ["created", "approve"]
    assert len([c for c in slack_api.messages_to(SELLER) if EMAIL in json.dumps(c.args)]) == 1
    assert len(slack_api.successful("chat.update")) == 1
    # the second click: a private answer with who approved it and when, in the reader's timezone (Berlin)
    assert (f"Request #{requested} was already approved by <@UOWNER> on Mon 23 Nov 2026, 10:00 CET. Nothing "
            "changed." in private_answers(slack_api))
    dispatch(bolt_app, block_actions("request_approve", user_id=OWNER, message=message))
    assert f"Request #{requested} was already approved by you on Mon 23 Nov 2026, 10:00 CET" in private_answers(
        slack_api)
    assert len(slack_api.messages_to(OWNER)) == 1  # private answers, never a permanent DM


def test_two_people_clicking_at_once_make_one_decision(bolt_app, slack_api, requested, session):
    message = owner_dm(slack_api)
    payloads = [block_actions("request_approve", user_id=OWNER, message=message),
                block_actions("request_approve", user_id=ADMIN, message=message)]
    barrier = threading.Barrier(2)

    def click(payload):
        barrier.wait()
        return dispatch(bolt_app, payload).status

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(click, payloads)) == [200, 200]
    events = session.scalars(sa.select(RequestEvent).where(RequestEvent.request_id == requested)).all()
    assert [e.action for e in events] == ["created", "approve"]
    assert len([c for c in slack_api.messages_to(SELLER) if EMAIL in json.dumps(c.args)]) == 1
    assert "was already approved by <@" in private_answers(slack_api)


def test_decline_with_a_reason_offers_search_again(bolt_app, slack_api, requested, session):
    dispatch(bolt_app, block_actions("request_decline", user_id=OWNER, message=owner_dm(slack_api)))
    modal = slack_api.last_view()
    assert modal["callback_id"] == "request_decline_modal"
    answer = submit(bolt_app, modal, {"reason": {"value": plain_value("Dana is on leave until January")}},
                    user=OWNER)
    assert answer == {}
    request = requests_in(session)[0]
    assert request.status is S.declined and request.decline_reason == "Dana is on leave until January"
    declined = slack_api.messages_to(SELLER)[-1]
    assert "Dana is on leave until January" in json.dumps(declined.args)
    assert "search_again" in json.dumps(declined.args)
    assert "Declined by you" in json.dumps(owner_dm(slack_api))


def test_search_again_reruns_the_requests_search_for_the_seller(bolt_app, slack_api, requested, world, session):
    dispatch(bolt_app, block_actions("request_decline", user_id=OWNER, message=owner_dm(slack_api)))
    submit(bolt_app, slack_api.last_view(), {"reason": {"value": plain_value("On leave")}}, user=OWNER)
    declined = slack_api.messages_to(SELLER)[-1]
    before = len(slack_api.messages_to(SELLER))
    dispatch(bolt_app, block_actions("search_again", user_id=SELLER,
                                     message=slack_api.message(SELLER, declined.response["ts"])))
    results = slack_api.messages_to(SELLER)
    assert len(results) == before + 1
    text = json.dumps(results[-1].args)
    assert "Globex" in text and "request_from_search" in text
    logs = session.scalars(sa.select(SearchLog).order_by(SearchLog.id)).all()
    assert len(logs) == 2 and logs[-1].source == "search_again"
    assert logs[-1].criteria["industry"] == "Banking" and logs[-1].criteria["country"] == "DE"
    dispatch(bolt_app, block_actions("search_again", str(requested), STRANGER))
    assert "Only <@USELLER>, who asked, can search again" in private_answers(slack_api)


def test_decline_form_of_a_request_decided_meanwhile_says_so(bolt_app, slack_api, requested, session):
    message = owner_dm(slack_api)
    dispatch(bolt_app, block_actions("request_decline", user_id=OWNER, message=message))
    modal = slack_api.last_view()
    dispatch(bolt_app, block_actions("request_approve", user_id=ADMIN, message=message))
    answer = submit(bolt_app, modal, {"reason": {"value": plain_value("no")}}, user=OWNER)
    assert answer["response_action"] == "update"
    # the same words as a button's answer: who decided and when, in the reader's timezone (Berlin)
    (section,) = answer["view"]["blocks"]
    assert section["text"]["text"] == (f"Request #{requested} was already approved by <@UADMIN> on Mon 23 Nov 2026, "
                                       "10:00 CET. Nothing changed.")
    assert answer["view"]["close"]["text"] == "Close" and "submit" not in answer["view"]
    assert requests_in(session)[0].status is S.approved


def test_suggest_form_of_a_request_decided_meanwhile_names_who_and_when(bolt_app, slack_api, requested, world,
                                                                       session, clock):
    message = owner_dm(slack_api)
    dispatch(bolt_app, block_actions("request_suggest", user_id=OWNER, message=message))
    modal = slack_api.last_view()
    clock.advance(minutes=4)
    dispatch(bolt_app, block_actions("request_decline", user_id=ADMIN, message=message))
    submit(bolt_app, slack_api.last_view(), {"reason": {"value": plain_value("Dana is away")}}, user=ADMIN)
    answer = submit(bolt_app, modal, {"contact": {"value": static_select(str(world["bob"]))}}, user=OWNER)
    assert answer["response_action"] == "update"
    assert answer["view"]["blocks"][0]["text"]["text"] == (
        f"Request #{requested} was already declined by <@UADMIN> on Mon 23 Nov 2026, 10:04 CET. Nothing changed.")
    assert len(requests_in(session)) == 1  # no suggested request was made


def suggest_bob(bolt_app, slack_api, world):
    dispatch(bolt_app, block_actions("request_suggest", user_id=OWNER, message=owner_dm(slack_api)))
    modal = slack_api.last_view()
    assert modal["callback_id"] == "request_suggest_modal"
    assert "counts as your approval" in json.dumps(modal)
    answer = submit(bolt_app, modal, {"contact": {"value": static_select(str(world["bob"]))},
                                      "reason": {"value": plain_value("Bob ran the migration")}}, user=OWNER)
    assert answer == {}


def seller_suggestion(slack_api):
    call = slack_api.messages_to(SELLER)[-1]
    return slack_api.message(SELLER, call.response["ts"])


def test_suggest_another_contact_is_approved_by_the_owners_click_and_the_seller_takes_it(
        bolt_app, slack_api, requested, world, session):
    suggest_bob(bolt_app, slack_api, world)
    old, new = requests_in(session)
    assert old.status is S.declined and old.decline_reason == "suggested another contact"
    assert new.status is S.approved and new.decided_by == OWNER and new.suggested_from_id == old.id
    assert len(slack_api.messages_to(OWNER)) == 1  # no second approval DM to the owner for their own suggestion
    owner_text = json.dumps(owner_dm(slack_api))
    assert "You suggested *Bob Builder* instead" in owner_text and "declined" not in owner_text.lower()
    offer = seller_suggestion(slack_api)
    shown = json.dumps(offer)
    assert "Bob ran the migration" in shown and "suggests *Bob Builder*" in shown and "bob@globex" not in shown
    assert [e["action_id"] for b in offer["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "request_take_suggestion", "request_pass_suggestion"]
    dispatch(bolt_app, block_actions("request_take_suggestion", user_id=SELLER, message=offer))
    dispatch(bolt_app, block_actions("request_take_suggestion", user_id=SELLER, message=offer))  # double click
    taken = seller_suggestion(slack_api)
    assert "bob@globex.example" in json.dumps(taken) and "request_mark_scheduled" in json.dumps(taken)
    assert len(slack_api.messages_to(SELLER)) == 2  # sent, then the suggestion (edited in place when taken)
    assert "<@USELLER> took them" in json.dumps(owner_dm(slack_api))


def test_the_seller_can_pass_on_the_owners_suggestion(bolt_app, slack_api, requested, world, session):
    suggest_bob(bolt_app, slack_api, world)
    offer = seller_suggestion(slack_api)
    dispatch(bolt_app, block_actions("request_pass_suggestion", user_id=STRANGER, message=offer))
    assert requests_in(session)[1].status is S.approved  # only the seller answers
    dispatch(bolt_app, block_actions("request_pass_suggestion", user_id=SELLER, message=offer))
    assert requests_in(session)[1].status is S.cancelled
    passed = seller_suggestion(slack_api)
    assert "You passed on Bob Builder" in json.dumps(passed) and "search_again" in json.dumps(passed)
    assert "passed; nothing more to do" in json.dumps(owner_dm(slack_api))
    assert len(slack_api.messages_to(OWNER)) == 1


def test_an_owners_suggestion_the_seller_never_answers_lapses_once(bolt_app, ctx, clock, slack_api, requested, world,
                                                                   session):
    session.get(ReferenceRequest, requested).needed_by = dt.date(2026, 12, 10)
    session.commit()
    suggest_bob(bolt_app, slack_api, world)
    offer = seller_suggestion(slack_api)
    # five business days from Mon 23 Nov (policy suggestion_expire_business_days), in the program's timezone
    assert "or pass by Mon 30 Nov 2026 (then the suggestion lapses)" in json.dumps(offer)
    dispatch(bolt_app, app_home_opened(OWNER))
    seller_dms, owner_dms = len(slack_api.messages_to(SELLER)), len(slack_api.messages_to(OWNER))
    clock.set(dt.datetime(2026, 11, 30, 22, 30, tzinfo=dt.UTC))  # still Mon 30 Nov in Berlin
    run_job(ctx, "approval_reminders")
    assert requests_in(session)[1].status is S.approved and len(slack_api.messages_to(SELLER)) == seller_dms
    publishes = len(slack_api.calls("views.publish", user_id=OWNER))

    clock.set(dt.datetime(2026, 11, 30, 23, 30, tzinfo=dt.UTC))  # Tue 1 Dec in Berlin
    for _ in range(2):  # a re-run (or a second instance) changes nothing more
        run_job(ctx, "approval_reminders")
    old, new = requests_in(session)
    assert new.status is S.expired and old.status is S.declined
    lapsed = slack_api.messages_to(SELLER)[seller_dms:]
    assert len(lapsed) == 1  # one DM: it lapsed, and how to search again
    assert lapsed[0].args["text"] == (f"<@UOWNER>'s suggestion of Bob Builder (Globex, request #{new.id}) lapsed: "
                                      "you didn't take them by Mon 30 Nov 2026. Search again to find another reference.")
    assert "search_again" in json.dumps(lapsed[0].args)
    after = slack_api.message(SELLER, offer["ts"])
    assert not any(b["type"] == "actions" for b in after["blocks"]) and "lapsed" in json.dumps(after)
    assert "<@USELLER> didn't answer in time, so it lapsed" in json.dumps(owner_dm(slack_api))
    assert len(slack_api.messages_to(OWNER)) == owner_dms  # the owner's DM is edited, no new one
    assert len(slack_api.calls("views.publish", user_id=OWNER)) == publishes + 1  # their Home republished
    dispatch(bolt_app, block_actions("request_take_suggestion", str(new.id), SELLER))  # a stale button
    assert requests_in(session)[1].status is S.expired and "bob@globex" not in slack_api.all_text()


def test_approving_a_cancelled_request_gets_a_clear_answer(bolt_app, slack_api, requested, session):
    message = owner_dm(slack_api)
    dispatch(bolt_app, block_actions("request_cancel", str(requested), SELLER, is_ephemeral=True))
    dispatch(bolt_app, block_actions("request_approve", user_id=OWNER, message=message))
    assert (f"Request #{requested} was already cancelled by <@USELLER> on Mon 23 Nov 2026, 10:00 CET. "
            "Nothing changed." in private_answers(slack_api))
    assert requests_in(session)[0].status is S.cancelled


# ------------------------------------------------------------------ the seller's side


def test_my_requests_lists_them_and_cancel_tells_the_owner(bolt_app, slack_api, requested, session):
    dispatch(bolt_app, slash_command("my", user_id=SELLER))
    listing = slack_api.calls("response_url")[-1].args
    assert listing["response_type"] == "ephemeral"
    text = json.dumps(listing)
    assert f"#{requested} Dana Scully" in text and "waiting for <@UOWNER>" in text and "request_cancel" in text

    dispatch(bolt_app, block_actions("request_cancel", str(requested), SELLER, is_ephemeral=True))
    assert requests_in(session)[0].status is S.cancelled
    refreshed = slack_api.calls("response_url")[-1].args
    assert refreshed["replace_original"] is True and "cancelled" in json.dumps(refreshed)
    # one message per event: the owner's approval DM is edited in place, no second DM
    assert len(slack_api.messages_to(OWNER)) == 1
    assert "cancelled request" in owner_dm(slack_api)["text"]
    assert "Cancelled by <@USELLER>" in json.dumps(owner_dm(slack_api))


def test_mark_scheduled_stores_the_call_time_from_the_sellers_timezone(bolt_app, slack_api, requested, session):
    dispatch(bolt_app, block_actions("request_approve", user_id=OWNER, message=owner_dm(slack_api)))
    approved_call = slack_api.messages_to(SELLER)[-1]
    message = slack_api.message(SELLER, approved_call.response["ts"])
    dispatch(bolt_app, block_actions("request_mark_scheduled", user_id=SELLER, message=message))
    modal = slack_api.last_view()
    assert modal["callback_id"] == "request_schedule_modal" and "America/New_York" in json.dumps(modal)
    answer = submit(bolt_app, modal, {"date": {"value": datepicker("2026-11-26")},
                                      "time": {"value": timepicker("10:00")}})
    assert answer == {}
    request = requests_in(session)[0]
    assert request.status is S.scheduled
    assert request.scheduled_at == dt.datetime(2026, 11, 26, 15, 0, tzinfo=dt.UTC)
    assert "scheduled the reference call with Dana Scully" in slack_api.messages_to(OWNER)[-1].args["text"]
    # Mark scheduled goes away once used: the message with the contact's details says when instead, and that
    # edit is the seller's confirmation (one message per event: no second DM)
    after = slack_api.message(SELLER, approved_call.response["ts"])
    assert "request_mark_scheduled" not in json.dumps(after)
    assert "*Scheduled* for <!date^1795705200^{date_short_pretty} at {time}|Thu 26 Nov 2026, 10:00 EST>" in json.dumps(
        after) and "I'll ask for your debrief after the call" in json.dumps(after)
    assert EMAIL in json.dumps(after)
    assert slack_api.messages_to(SELLER)[-1] is approved_call


def schedule_from(bolt_app, slack_api, **where):
    """The seller clicks Mark scheduled where `where` says and saves Thu 26 Nov, 10:00."""
    dispatch(bolt_app, block_actions("request_mark_scheduled", user_id=SELLER, **where))
    modal = slack_api.last_view()
    assert modal["callback_id"] == "request_schedule_modal"
    assert submit(bolt_app, modal, {"date": {"value": datepicker("2026-11-26")},
                                    "time": {"value": timepicker("10:00")}}) == {}


def test_mark_scheduled_on_the_home_tab_refreshes_the_home_and_sends_no_dm(bolt_app, slack_api, requested,
                                                                           session):
    dispatch(bolt_app, app_home_opened(SELLER))
    dispatch(bolt_app, block_actions("request_approve", user_id=OWNER, message=owner_dm(slack_api)))
    before = len(slack_api.messages_to(SELLER))
    home = slack_api.home(SELLER)
    assert "request_mark_scheduled" in json.dumps(home)
    schedule_from(bolt_app, slack_api, view=home)
    assert requests_in(session)[0].status is S.scheduled
    assert len(slack_api.messages_to(SELLER)) == before  # no new DM
    home = json.dumps(slack_api.home(SELLER))
    assert "request_mark_scheduled" not in home and "Thu 26 Nov" in home


def test_mark_scheduled_from_my_requests_redraws_the_list(bolt_app, slack_api, requested, session):
    dispatch(bolt_app, block_actions("request_approve", user_id=OWNER, message=owner_dm(slack_api)))
    before = len(slack_api.messages_to(SELLER))
    schedule_from(bolt_app, slack_api, value=str(requested), is_ephemeral=True)
    assert len(slack_api.messages_to(SELLER)) == before
    redrawn = slack_api.calls("response_url")[-1].args
    assert redrawn["replace_original"] is True
    shown = json.dumps(redrawn)
    assert f"Request #{requested} scheduled" in shown and "Reschedule" in shown and "Scheduled for" in shown


def test_mark_scheduled_after_a_call_that_did_not_happen_edits_that_message(bolt_app, slack_api, requested,
                                                                             session):
    """The "back to approved" prompt's Mark scheduled: that message is edited to say when, no new DM."""
    dispatch(bolt_app, block_actions("request_approve", user_id=OWNER, message=owner_dm(slack_api)))
    prompt = slack_api.post_as_bot(SELLER, {"text": "back to approved", "blocks": [
        {"type": "actions", "block_id": "debrief_1", "elements": [
            {"type": "button", "action_id": "request_mark_scheduled", "value": str(requested),
             "text": {"type": "plain_text", "text": "Mark scheduled"}}]}]})
    before = len(slack_api.messages_to(SELLER))
    schedule_from(bolt_app, slack_api, message=slack_api.message(SELLER, prompt["ts"]))
    assert len(slack_api.messages_to(SELLER)) == before
    edited = slack_api.message(SELLER, prompt["ts"])
    assert "request_mark_scheduled" not in json.dumps(edited) and "*Scheduled:*" in json.dumps(edited)


def test_a_stranger_cannot_schedule(bolt_app, slack_api, requested, session):
    dispatch(bolt_app, block_actions("request_approve", user_id=OWNER, message=owner_dm(slack_api)))
    dispatch(bolt_app, block_actions("request_mark_scheduled", str(requested), STRANGER))
    assert "can schedule request" in private_answers(slack_api)
    assert slack_api.last_view()["callback_id"] == "request_modal"  # no schedule form opened


# ------------------------------------------------------------------ approval SLA


def test_reminder_escalation_and_expiry_each_happen_once(ctx, clock, slack_api, requested, session):
    clock.advance(hours=23)
    run_job(ctx, "approval_reminders")
    assert len(slack_api.messages_to(OWNER)) == 1

    clock.advance(hours=2)  # 25 h
    for _ in range(2):
        run_job(ctx, "approval_reminders")
    owner = slack_api.messages_to(OWNER)
    assert len(owner) == 2 and "Reminder" in owner[1].args["text"]
    reminded = [c for c in slack_api.messages_to(SELLER) if "I reminded <@UOWNER>" in c.args["text"]]
    assert len(reminded) == 1

    clock.advance(hours=24)  # 49 h
    for _ in range(2):
        run_job(ctx, "approval_reminders")
    escalated = slack_api.messages_to(ADMIN)
    assert len(escalated) == 1 and "Escalated to you" in json.dumps(escalated[0].args)
    assert len([c for c in slack_api.messages_to(SELLER) if "program managers" in c.args["text"]]) == 1

    clock.set(dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC))  # the day after needed-by
    for _ in range(2):
        run_job(ctx, "approval_reminders")
    assert requests_in(session)[0].status is S.expired
    assert len([c for c in slack_api.messages_to(SELLER) if "expired" in c.args["text"]]) == 1
    # every DM with decision buttons (owner's, reminder, escalation) lost its buttons
    for user in (OWNER, ADMIN):
        for msg in slack_api.history(user):
            assert not any(b["type"] == "actions" for b in msg.get("blocks", [])), msg
    assert len(slack_api.messages_to(OWNER)) == 2 and len(slack_api.messages_to(ADMIN)) == 1


def test_a_decided_request_gets_no_reminder(bolt_app, ctx, clock, slack_api, requested, session):
    dispatch(bolt_app, block_actions("request_approve", user_id=OWNER, message=owner_dm(slack_api)))
    clock.advance(hours=30)
    run_job(ctx, "approval_reminders")
    assert len(slack_api.messages_to(OWNER)) == 1


# ------------------------------------------------------------------ delivery


@pytest.mark.parametrize("fault", [{"status": 429, "retry_after": 3}, {"status": 500}])
def test_slack_errors_delay_the_approval_dm_but_it_arrives_exactly_once(
    bolt_app, ctx, clock, slack_api, world, session, fault
):
    slack_api.fail("chat.postMessage", times=1, **fault)
    view = open_form(bolt_app, slack_api, world)
    assert submit(bolt_app, view, ok_values()) == {}
    assert slack_api.messages_to(OWNER) == []  # the first attempt failed
    assert len(slack_api.failed("chat.postMessage")) == 1
    clock.advance(seconds=1)
    ctx.deliverer.deliver()
    assert slack_api.messages_to(OWNER) == []  # not due yet (Retry-After / backoff)
    clock.advance(seconds=10)
    for _ in range(2):
        ctx.deliverer.deliver()
    assert len(slack_api.messages_to(OWNER)) == 1
    assert len(slack_api.messages_to(SELLER)) == 1


def test_the_same_click_delivered_twice_opens_one_form_and_worries_nobody(bolt_app, slack_api, world, caplog):
    click = block_actions("request_from_search", f"{world['search']}:{world['dana']}", SELLER, trigger_id="T-twice")
    assert dispatch(bolt_app, click).status == 200
    assert dispatch(bolt_app, click).status == 200  # Slack's trigger works once: the second open is refused
    assert len(slack_api.successful("views.open")) == 1
    assert "went wrong" not in slack_api.all_text()  # the form is open: nothing to tell the seller
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_a_form_slack_no_longer_lets_open_asks_to_click_again(bolt_app, slack_api, world):
    click = block_actions("request_from_search", f"{world['search']}:{world['dana']}", SELLER, trigger_id="expired")
    assert dispatch(bolt_app, click).status == 200
    assert slack_api.successful("views.open") == []
    assert "Please click again" in slack_api.all_text()


def test_search_again_after_a_decline_never_offers_the_declined_contact(bolt_app, slack_api, requested, world, session):
    dispatch(bolt_app, block_actions("request_decline", user_id=OWNER, message=owner_dm(slack_api)))
    submit(bolt_app, slack_api.last_view(), {"reason": {"value": plain_value("On leave")}}, user=OWNER)
    declined = slack_api.messages_to(SELLER)[-1]
    dispatch(bolt_app, block_actions("search_again", user_id=SELLER,
                                     message=slack_api.message(SELLER, declined.response["ts"])))
    blocks = json.dumps(slack_api.messages_to(SELLER)[-1].args["blocks"])
    assert f'"match_{world["bob"]}"' in blocks  # the same account's other contact is offered
    assert f'"match_{world["dana"]}"' not in blocks  # declined for this seller's deal: never again


def test_the_seller_is_told_when_the_owner_usually_answers(bolt_app, slack_api, world, session, clock):
    view = open_form(bolt_app, slack_api, world)
    assert submit(bolt_app, view, ok_values()) == {}
    first = slack_api.messages_to(SELLER)[-1].args
    assert "I'll remind them if there's no answer within 24 hours" in json.dumps(first)  # no history yet
    assert "(the account owner) decides" in json.dumps(first)
    clock.advance(hours=3)
    dispatch(bolt_app, block_actions("request_approve", user_id=OWNER, message=owner_dm(slack_api)))
    view = open_form(bolt_app, slack_api, world, contact="bob")
    assert submit(bolt_app, view, ok_values()) == {}
    second = [c.args for c in slack_api.messages_to(SELLER) if "sent:" in c.args["text"]][-1]
    assert "they usually answer within about 3 hours" in json.dumps(second)
    owner = slack_api.messages_to(OWNER)[-1].args
    assert "You own Globex, so you decide" in json.dumps(owner)
