import dataclasses
import datetime as dt
import json
import threading

import pytest
import sqlalchemy as sa

from refbot.config import CoreSettings
from refbot.domain import RequestStatus as S
from refbot.errors import InvalidTransition, NotAllowed, ValidationFailed
from refbot.models import (
    Account,
    Activity,
    Contact,
    Opportunity,
    OutboxMessage,
    ReferenceRequest,
    RequestEvent,
    SearchLog,
)
from refbot.services import requests as svc
from refbot.services.availability import contact_availability
from refbot.services.policy import update_policy

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # Monday
THURSDAY = dt.date(2026, 11, 26)  # 3 business days later


@pytest.fixture
def env() -> svc.RequestEnv:
    settings = CoreSettings(_env_file=None, refbot_timezone="Europe/Berlin", refbot_admins=["UADMIN"])
    return svc.RequestEnv(settings=settings, client=None, now=NOW)


@pytest.fixture
def ids(session) -> dict[str, int]:
    globex = Account(external_id="A1", name="Globex", owner_id="UOWNER", industry="Banking", country="DE")
    dana = Contact(external_id="C1", name="Dana Scully", title="VP Finance", account=globex,
                   email="dana@globex.example", phone="+1 555 0100", timezone="America/New_York",
                   topics=["roi", "integration"], activities=["call", "video"])
    bob = Contact(external_id="C2", name="Bob Builder", title="CTO", account=globex, email="bob@globex.example")
    ownerless = Account(external_id="A2", name="Initrode")
    carl = Contact(external_id="C3", name="Carl Chen", title="CIO", account=ownerless, email="carl@initrode.example")
    session.add_all([globex, dana, bob, ownerless, carl])
    session.commit()
    return {"dana": dana.id, "bob": bob.id, "carl": carl.id, "globex": globex.id}


def form(**changes) -> svc.RequestInput:
    base = svc.RequestInput(
        prospect_company="Initech", crm_id="OPP-1", stage="evaluation", amount="250k", industry="Banking",
        employees="5,000", country="Germany", activity="call", needed_by=THURSDAY, topics="roi, migration",
        note="Their CFO wants to hear about the rollout.",
    )
    return dataclasses.replace(base, **changes)


def create(session, env, contact_id, *, requester="USELLER", token=None, **changes) -> ReferenceRequest:
    result = svc.create_request(session=session, env=env, requester_id=requester, contact_id=contact_id,
                                data=form(**changes), client_token=token)
    session.commit()
    return result.request


def outbox(session) -> dict[str, OutboxMessage]:
    return {m.dedupe_key: m for m in session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))}


def field_errors(exc_info) -> dict[str, str]:
    return exc_info.value.field_errors


# ------------------------------------------------------------------ create


def test_create_stores_a_pending_request_asks_the_owner_and_confirms_to_the_seller(session, env, ids):
    request = create(session, env, ids["dana"], token="V1")
    assert request.status is S.pending_approval
    assert request.owner_id == "UOWNER"
    assert request.opportunity.crm_id == "OPP-1"
    assert (request.opportunity.amount, request.opportunity.employees, request.opportunity.country) == (
        250_000, 5000, "DE")
    assert request.topics == ["roi", "migration"]
    assert [(e.action, e.to_status) for e in request.events] == [("created", S.pending_approval)]
    msgs = outbox(session)
    approval = msgs[f"request:{request.id}:approval_dm"]
    assert approval.channel == "UOWNER"
    dump = json.dumps(approval.payload)
    for fact in ("USELLER", "Dana Scully", "Initech", "Evaluation", "$250K", "Thu 26 Nov 2026", "roi, migration",
                 "request_approve", "request_decline", "request_suggest", "Not used in the last 90 days"):
        assert fact in dump, fact
    seller = msgs[f"request:{request.id}:created:seller"]
    assert seller.channel == "USELLER" and "Waiting for approval" in json.dumps(seller.payload)
    # Nobody sees the contact's email or phone before approval.
    everything = json.dumps([m.payload for m in msgs.values()])
    assert "dana@globex.example" not in everything and "555 0100" not in everything


def test_same_submission_twice_creates_one_request(session, env, ids):
    first = create(session, env, ids["dana"], token="V1")
    again = svc.create_request(session=session, env=env, requester_id="USELLER", contact_id=ids["dana"],
                               data=form(), client_token="V1")
    session.commit()
    assert again.created is False and again.request.id == first.id
    assert session.scalar(sa.select(sa.func.count()).select_from(ReferenceRequest)) == 1
    assert len(outbox(session)) == 2


def test_opportunity_is_upserted_by_crm_id(session, env, ids):
    create(session, env, ids["dana"], token="V1")
    create(session, env, ids["bob"], token="V2", stage="proposal", amount="300k", prospect_company="Initech AG")
    opps = session.scalars(sa.select(Opportunity)).all()
    assert len(opps) == 1
    assert (opps[0].stage, opps[0].amount, opps[0].prospect_company) == ("proposal", 300_000, "Initech AG")


def test_without_crm_id_the_sellers_open_deal_with_that_company_is_reused(session, env, ids):
    create(session, env, ids["dana"], token="V1", crm_id="")
    create(session, env, ids["bob"], token="V2", crm_id="", prospect_company="initech")
    create(session, env, ids["carl"], token="V3", crm_id="", prospect_company="Hooli")
    assert session.scalar(sa.select(sa.func.count()).select_from(Opportunity)) == 2


def test_criteria_come_from_the_search(session, env, ids):
    log = SearchLog(user_id="USELLER", criteria={"industry": "Banking", "country": "DE", "topics": ["roi"]})
    session.add(log)
    session.commit()
    result = svc.create_request(session=session, env=env, requester_id="USELLER", contact_id=ids["dana"],
                                data=form(), client_token="V1", search_id=log.id)
    assert result.request.criteria == {"industry": "Banking", "country": "DE", "topics": ["roi"]}
    prefill = svc.prefill_from_search(session=session, search_id=log.id)
    assert (prefill.industry, prefill.country, prefill.topics) == ("Banking", "Germany", "roi")


# ------------------------------------------------------------------ policies


def test_lead_time_needs_three_business_days_unless_urgent_with_a_reason(session, env, ids):
    with pytest.raises(ValidationFailed) as exc:
        create(session, env, ids["dana"], needed_by=dt.date(2026, 11, 25))
    assert "2 business days away; requests need 3 business days (Thu 26 Nov 2026 or later)" in (
        field_errors(exc)["needed_by"])
    with pytest.raises(ValidationFailed) as exc:
        create(session, env, ids["dana"], needed_by=dt.date(2026, 11, 25), urgent=True)
    assert set(field_errors(exc)) == {"urgent_reason"}
    request = create(session, env, ids["dana"], needed_by=dt.date(2026, 11, 25), urgent=True,
                     urgent_reason="Board meets Wednesday")
    assert request.urgent and request.urgent_reason == "Board meets Wednesday"
    assert "Board meets Wednesday" in json.dumps(outbox(session)[f"request:{request.id}:approval_dm"].payload)


def test_needed_by_in_the_past_is_refused(session, env, ids):
    with pytest.raises(ValidationFailed) as exc:
        create(session, env, ids["dana"], needed_by=dt.date(2026, 11, 20), urgent=True, urgent_reason="x")
    assert field_errors(exc)["needed_by"].startswith("That date has passed")


def test_stage_gate_explains_the_minimum_stage(session, env, ids):
    with pytest.raises(ValidationFailed) as exc:
        create(session, env, ids["dana"], stage="prospecting")
    assert "References start at Discovery" in field_errors(exc)["stage"]
    update_policy(session=session, changes={"min_stage": "proposal"}, updated_by="UADMIN")
    session.commit()
    with pytest.raises(ValidationFailed) as exc:
        create(session, env, ids["dana"], stage="evaluation")
    assert "References start at Proposal" in field_errors(exc)["stage"]


def test_numbers_country_activity_and_lengths_are_checked(session, env, ids):
    with pytest.raises(ValidationFailed) as exc:
        create(session, env, ids["dana"], amount="lots", country="Atlantis", activity="press",
               note="x" * 1001, prospect_company="")
    errors = field_errors(exc)
    assert set(errors) == {"amount", "country", "activity", "note", "prospect"}
    assert "Dana agreed to: reference call, video" in errors["activity"]
    assert "under 1,000 characters" in errors["note"]
    assert session.scalar(sa.select(sa.func.count()).select_from(ReferenceRequest)) == 0


def test_fatigued_contact_needs_a_justification_and_is_flagged_to_program_managers(session, env, ids):
    for day in (dt.date(2026, 9, 1), dt.date(2026, 10, 1)):
        session.add(Activity(contact_id=ids["dana"], occurred_on=day, type="call"))
    session.commit()
    with pytest.raises(ValidationFailed) as exc:
        create(session, env, ids["dana"])
    assert "used 2 times in the last 90 days (limit 2)" in field_errors(exc)["justification"]
    request = create(session, env, ids["dana"], justification="Only banking reference on SAP")
    assert request.flagged and request.justification == "Only banking reference on SAP"
    msgs = outbox(session)
    flagged = json.dumps(msgs[f"request:{request.id}:flagged:UADMIN"].payload)
    assert "Only banking reference on SAP" in flagged and "used 2 times" in flagged
    assert "is resting" in json.dumps(msgs[f"request:{request.id}:approval_dm"].payload)


def test_busy_contact_needs_a_justification(session, env, ids):
    create(session, env, ids["dana"], token="V1")
    with pytest.raises(ValidationFailed) as exc:
        create(session, env, ids["dana"], token="V2", requester="UOTHER")
    assert "already committed to 1 open request" in field_errors(exc)["justification"]


def test_paused_contact_cannot_be_requested(session, env, ids):
    session.get(Contact, ids["bob"]).status = "paused"
    session.commit()
    with pytest.raises(NotAllowed, match="Bob Builder isn't available"):
        create(session, env, ids["bob"])


def test_account_without_owner_sends_the_approval_to_program_managers(session, env, ids):
    request = create(session, env, ids["carl"])
    approval = outbox(session)[f"request:{request.id}:approval_dm"]
    assert approval.channel == "UADMIN"
    assert "no account owner" in json.dumps(approval.payload)


# ------------------------------------------------------------------ decisions


def test_only_owner_or_program_manager_may_approve(session, env, ids):
    request = create(session, env, ids["dana"])
    with pytest.raises(NotAllowed, match="not yours to approve"):
        svc.approve(session=session, env=env, request_id=request.id, actor_id="USTRANGER")
    session.rollback()
    assert session.get(ReferenceRequest, request.id).status is S.pending_approval
    svc.approve(session=session, env=env, request_id=request.id, actor_id="UADMIN")
    session.commit()
    assert session.get(ReferenceRequest, request.id).decided_by == "UADMIN"


def test_approve_reveals_the_contact_to_the_seller_and_updates_the_owner_dm(session, env, ids):
    request = create(session, env, ids["dana"])
    svc.approve(session=session, env=env, request_id=request.id, actor_id="UOWNER")
    session.commit()
    msgs = outbox(session)
    seller = json.dumps(msgs[f"request:{request.id}:approved:seller"].payload)
    for fact in ("dana@globex.example", "+1 555 0100", "New York time", "VP Finance", "request_mark_scheduled"):
        assert fact in seller, fact
    update = msgs[f"request:{request.id}:approval_dm:update:approved"]
    assert update.method == "chat.update" and update.update_of == f"request:{request.id}:approval_dm"
    assert "Approved by you" in json.dumps(update.payload)  # the owner reads it: "you", not their own mention
    assert "request_approve" not in json.dumps(update.payload)
    with pytest.raises(InvalidTransition, match="already approved"):
        svc.approve(session=session, env=env, request_id=request.id, actor_id="UOWNER")


def test_decline_needs_a_reason_and_offers_search_again(session, env, ids):
    request = create(session, env, ids["dana"])
    with pytest.raises(ValidationFailed):
        svc.decline(session=session, env=env, request_id=request.id, actor_id="UOWNER", reason="  ")
    svc.decline(session=session, env=env, request_id=request.id, actor_id="UOWNER", reason="Dana is on leave")
    session.commit()
    assert session.get(ReferenceRequest, request.id).status is S.declined
    seller = json.dumps(outbox(session)[f"request:{request.id}:declined:seller"].payload)
    assert "Dana is on leave" in seller and "search_again" in seller


def test_suggest_declines_the_original_and_asks_for_the_other_contact(session, env, ids):
    request = create(session, env, ids["dana"])
    with pytest.raises(ValidationFailed):
        svc.suggest(session=session, env=env, request_id=request.id, actor_id="UOWNER", contact_id=ids["carl"])
    new = svc.suggest(session=session, env=env, request_id=request.id, actor_id="UOWNER",
                      contact_id=ids["bob"], reason="Bob ran the migration")
    session.commit()
    old = session.get(ReferenceRequest, request.id)
    assert old.status is S.declined and old.decline_reason == "suggested another contact"
    assert new.status is S.approved and new.suggested_from_id == old.id and new.decided_by == "UOWNER"
    assert (new.contact_id, new.opportunity_id, new.requester_id) == (ids["bob"], old.opportunity_id, "USELLER")
    msgs = outbox(session)
    assert f"request:{new.id}:approval_dm" not in msgs  # the owner's click approved it
    assert "Bob ran the migration" in json.dumps(msgs[f"request:{old.id}:suggested:seller"].payload)
    with pytest.raises(InvalidTransition):
        svc.suggest(session=session, env=env, request_id=request.id, actor_id="UOWNER", contact_id=ids["bob"])


def test_cancel_by_the_seller_tells_the_owner(session, env, ids):
    request = create(session, env, ids["dana"])
    with pytest.raises(NotAllowed):
        svc.cancel(session=session, env=env, request_id=request.id, actor_id="USTRANGER")
    svc.cancel(session=session, env=env, request_id=request.id, actor_id="USELLER")
    session.commit()
    msgs = outbox(session)
    assert f"request:{request.id}:cancelled:UOWNER" not in msgs  # one message: the approval DM, edited
    update = msgs[f"request:{request.id}:approval_dm:update:cancelled"].payload
    assert "cancelled request" in update["text"] and "Cancelled by <@USELLER>" in json.dumps(update)
    with pytest.raises(InvalidTransition, match="was cancelled"):
        svc.approve(session=session, env=env, request_id=request.id, actor_id="UOWNER")


def test_mark_scheduled_stores_utc_once(session, env, ids):
    request = create(session, env, ids["dana"])
    when = dt.datetime(2026, 11, 26, 15, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    with pytest.raises(InvalidTransition, match="still waiting for approval"):
        svc.mark_scheduled(session=session, env=env, request_id=request.id, actor_id="USELLER", scheduled_at=when)
    session.rollback()
    svc.approve(session=session, env=env, request_id=request.id, actor_id="UOWNER")
    for _ in range(2):
        svc.mark_scheduled(session=session, env=env, request_id=request.id, actor_id="USELLER", scheduled_at=when)
    session.commit()
    request = session.get(ReferenceRequest, request.id)
    assert request.status is S.scheduled
    assert request.scheduled_at == dt.datetime(2026, 11, 26, 14, 0, tzinfo=dt.UTC)
    actions = [e.action for e in session.scalars(sa.select(RequestEvent).where(RequestEvent.request_id == request.id))]
    assert actions == ["created", "approve", "schedule"]
    dms = [k for k in outbox(session) if k.startswith(f"request:{request.id}:scheduled:")]
    epoch = int(when.timestamp())
    # the owner is told; the seller's confirmation is the edit of their DM with the contact's details (issue 16:
    # one message per event), not a second DM
    assert dms == [f"request:{request.id}:scheduled:{epoch}:UOWNER"]
    assert f"request:{request.id}:approved:seller:update:scheduled:{epoch}" in outbox(session)
    with pytest.raises(NotAllowed):
        svc.mark_scheduled(session=session, env=env, request_id=request.id, actor_id="USTRANGER",
                           scheduled_at=when + dt.timedelta(days=1))


def test_my_requests_lists_open_ones_first_then_recent_closed(session, env, ids):
    a = create(session, env, ids["dana"], token="V1", needed_by=dt.date(2026, 12, 10))
    b = create(session, env, ids["bob"], token="V2", needed_by=dt.date(2026, 12, 1))
    c = create(session, env, ids["carl"], token="V3")
    svc.cancel(session=session, env=env, request_id=c.id, actor_id="USELLER")
    session.commit()
    open_cards, closed = svc.my_requests(session=session, user_id="USELLER")
    assert [x.id for x in open_cards] == [b.id, a.id]
    assert [(x.id, x.status) for x in closed] == [(c.id, S.cancelled)]
    assert svc.my_requests(session=session, user_id="UOTHER") == ([], [])


# ------------------------------------------------------------------ SLA


def test_sla_steps_follow_the_policy(session, env, ids):
    request = create(session, env, ids["dana"])
    policy = svc.load_policy(session=session)

    def steps(hours, today=dt.date(2026, 11, 24)):
        return svc.due_sla_steps(request=request, policy=policy, now=NOW + dt.timedelta(hours=hours), today=today)

    assert steps(23) == []
    assert steps(24) == ["remind"]
    assert steps(48, today=dt.date(2026, 11, 25)) == ["remind", "escalate"]
    assert steps(49, today=dt.date(2026, 11, 27)) == ["expire"]


def test_an_unanswered_suggestion_lapses_after_the_policys_business_days_or_at_needed_by(session, env, ids):
    request = create(session, env, ids["dana"], needed_by=dt.date(2026, 12, 18))
    new = svc.suggest(session=session, env=env, request_id=request.id, actor_id="UOWNER", contact_id=ids["bob"])
    session.commit()
    policy = svc.load_policy(session=session)

    def lapsing(today):
        return svc.lapsing_suggestion_ids(session=session, policy=policy, today=today, tz=env.settings.tz)

    assert svc.suggestion_answer_by(request=new, policy=policy, tz=env.settings.tz) == dt.date(2026, 11, 30)
    assert lapsing(dt.date(2026, 11, 30)) == [] and lapsing(dt.date(2026, 12, 1)) == [new.id]
    update_policy(session=session, changes={"suggestion_expire_business_days": 10}, updated_by="UADMIN")
    policy = svc.load_policy(session=session)
    assert lapsing(dt.date(2026, 12, 1)) == [] and lapsing(dt.date(2026, 12, 8)) == [new.id]
    new.needed_by = dt.date(2026, 11, 25)  # never after the needed-by date
    assert lapsing(dt.date(2026, 11, 26)) == [new.id]
    svc.answer_suggestion(session=session, env=env, request_id=new.id, actor_id="USELLER", take=True)
    assert lapsing(dt.date(2026, 12, 31)) == []  # taken: nothing lapses
    with pytest.raises(InvalidTransition):
        svc.lapse_suggestion(session=session, env=env, request_id=new.id)


def test_a_suggestion_taken_while_it_lapses_ends_taken_not_both(session, database, env, ids):
    """The seller takes the suggestion on one instance while the lapse job runs on another: the lapse waits
    for the seller's transaction (the row is locked) and then finds it taken, so nobody gets the contact's
    details and a "lapsed" DM. PostgreSQL only: SQLite has a single writer, so the two never interleave."""
    if database.dialect != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    request = create(session, env, ids["dana"], needed_by=dt.date(2026, 12, 18))
    new = svc.suggest(session=session, env=env, request_id=request.id, actor_id="UOWNER", contact_id=ids["bob"])
    session.commit()
    outcome: dict[str, object] = {}

    def lapse() -> None:
        with database.unit_of_work() as other:
            try:
                svc.lapse_suggestion(session=other, env=env, request_id=new.id)
                outcome["lapse"] = "expired"
            except InvalidTransition as exc:
                outcome["lapse"] = exc.message

    with database.unit_of_work() as seller:
        svc.answer_suggestion(session=seller, env=env, request_id=new.id, actor_id="USELLER", take=True)
        job = threading.Thread(target=lapse)
        job.start()
        job.join(timeout=1.0)
        assert job.is_alive(), outcome  # the lapse waits on the seller's open transaction
    job.join(timeout=30)
    assert "not a suggestion waiting" in str(outcome["lapse"])
    session.expire_all()
    assert session.get(ReferenceRequest, new.id).status is S.approved
    assert f"request:{new.id}:lapsed:seller" not in outbox(session)


@pytest.mark.parametrize("value", [0, 31, "five"])
def test_the_suggestion_expiry_policy_is_checked_like_the_others(session, value):
    with pytest.raises(ValidationFailed) as err:
        update_policy(session=session, changes={"suggestion_expire_business_days": value}, updated_by="cli")
    assert "suggestion_expire_business_days: must be a whole number from 1 to 30" in err.value.message


def test_expire_tells_the_seller_and_closes_the_buttons(session, env, ids):
    request = create(session, env, ids["dana"])
    svc.expire(session=session, env=env, request_id=request.id)
    session.commit()
    msgs = outbox(session)
    assert "expired" in msgs[f"request:{request.id}:expired:seller"].payload["text"]
    assert "Expired" in json.dumps(msgs[f"request:{request.id}:approval_dm:update:expired"].payload)


# ------------------------------------------------------------------ helpers


def test_business_days():
    monday = dt.date(2026, 11, 23)
    assert svc.business_days_between(monday, dt.date(2026, 11, 26)) == 3
    assert svc.business_days_between(dt.date(2026, 11, 27), dt.date(2026, 11, 30)) == 1  # Fri -> Mon
    assert svc.business_days_between(monday, dt.date(2026, 12, 7)) == 10
    assert svc.business_days_between(monday, monday) == 0
    assert svc.add_business_days(dt.date(2026, 11, 26), 3) == dt.date(2026, 12, 1)


def test_availability_counts_uses_gap_busy_and_contact_override(session, env, ids):
    today = dt.date(2026, 11, 23)
    avail = contact_availability(session=session, contact_id=ids["dana"], today=today)
    assert avail.available and avail.usage_text() == "Not used in the last 90 days"
    session.add(Activity(contact_id=ids["dana"], occurred_on=dt.date(2026, 11, 13), type="call"))
    session.commit()
    avail = contact_availability(session=session, contact_id=ids["dana"], today=today)
    assert avail.too_recent and not avail.over_limit
    assert avail.reason() == "last used 10 days ago (needs 30 days' rest)"
    session.get(Contact, ids["dana"]).max_per_quarter = 1
    session.commit()
    avail = contact_availability(session=session, contact_id=ids["dana"], today=today)
    assert avail.over_limit and "used 1 time in the last 90 days (limit 1)" in avail.reason()
    assert contact_availability(session=session, contact_id=ids["dana"], today=dt.date(2027, 3, 1)).available


def test_contact_choices_group_active_contacts_by_company(session, ids):
    groups, total = svc.contact_choices(session=session)
    assert total == 3
    assert groups == [("Globex", [("Bob Builder · CTO", str(ids["bob"])), ("Dana Scully · VP Finance", str(ids["dana"]))]),
                      ("Initrode", [("Carl Chen · CIO", str(ids["carl"]))])]
    session.get(Contact, ids["bob"]).status = "paused"
    session.commit()
    assert svc.contact_choices(session=session, query="globex") == (
        [("Globex", [("Dana Scully · VP Finance", str(ids["dana"]))])], 1)
    assert svc.contact_choices(session=session, query="C3")[1] == 1
    assert svc.contact_choices(session=session, query="nobody") == ([], 0)


def test_the_justification_error_reads_as_one_sentence_for_a_busy_contact_too(session, env, ids):
    create(session, env, ids["dana"], token="V1")
    with pytest.raises(ValidationFailed) as exc:
        create(session, env, ids["dana"], token="V2", requester="UOTHER")
    error = field_errors(exc)["justification"]
    assert error == "Dana is not free right now: already committed to 1 open request. Say why this deal needs them."
    assert "resting (" not in error  # a busy contact is not "resting", and no parentheses inside parentheses
