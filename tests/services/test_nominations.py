import datetime as dt

import pytest
import sqlalchemy as sa

from refbot.domain import NominationStatus as N
from refbot.domain import PointsReason, Seniority
from refbot.errors import InvalidTransition, NotAllowed, ValidationFailed
from refbot.models import Account, Contact, Nomination, OutboxMessage, PointsEntry
from refbot.playground.slack_api import texts_of
from refbot.services import nominations as svc

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
ADMINS = ["UADMIN", "UPM2"]


def make_account(session, name, *, products=(), owner="UOWNER"):
    acc = Account(external_id=f"ACC-{name}", name=name, products=list(products), owner_id=owner)
    session.add(acc)
    session.commit()
    return acc


def form(account, name="Dana Scully", *, email="dana@globex.example", title="VP Finance", why="Closed books in 3 days",
         products=(), other="", activities=("call",)):
    return svc.NominationInput(account=account, contact_name=name, contact_title=title, contact_email=email, why=why,
                               products=list(products), products_other=other, activities=list(activities))


def submit(session, nominator, data, token=None):
    result = svc.submit(session=session, nominator_id=nominator, data=data, reviewers=ADMINS, now=NOW, token=token)
    session.commit()
    return result


def outbox(session, prefix=""):
    rows = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith(prefix))
                           .order_by(OutboxMessage.id))
    return {row.dedupe_key: row for row in rows}


def row_text(row):
    return "\n".join(texts_of(row.payload))


def test_identity_ignores_case_accents_punctuation_and_legal_suffixes():
    assert svc.normalize_company("GLOBEX Corp.") == svc.normalize_company("Globex Corporation") == "globex"
    assert svc.normalize_text("  Dána  SCULLY-Mulder ") == "dana scully mulder"
    assert svc.dedupe_key(email=" Dana@Globex.example ", name="x", account_name="y") == "email:dana@globex.example"
    assert (svc.dedupe_key(email=None, name="Dana Scully", account_name="Globex Inc")
            == svc.dedupe_key(email="", name="dana  scully", account_name="globex"))


def test_account_picker_is_typo_tolerant_and_offers_a_new_customer(session):
    globex = make_account(session, "Globex Corporation")
    make_account(session, "Initech")
    make_account(session, "Umbrella")
    choices = svc.account_choices(session=session, query="globx")
    assert choices[0] == ("Globex Corporation", f"acc:{globex.id}")
    assert choices[-1] == ("New customer: globx", "new:globx")
    assert [label for label, _ in svc.account_choices(session=session, query="Globex Corp")] == ["Globex Corporation"]
    assert [label for label, _ in svc.account_choices(session=session, query="")] == [
        "Globex Corporation", "Initech", "Umbrella"]
    assert svc.account_choices(session=session, query="Hooli") == [("New customer: Hooli", "new:Hooli")]


def test_the_form_is_checked_field_by_field(session):
    with pytest.raises(ValidationFailed) as exc:
        svc.validate(session=session, data=form(None, name=" ", email="dana@", why=""))
    assert set(exc.value.field_errors) == {"account", "name", "email", "why"}
    with pytest.raises(ValidationFailed) as exc:
        svc.validate(session=session, data=form("acc:999"))
    assert "no longer exists" in exc.value.field_errors["account"]
    valid = svc.validate(session=session, data=form("new: Hooli ", email="", products=["Ledger"],
                                                    other="Payroll, ledger ;Billing", activities=["video", "call"]))
    assert (valid.account_id, valid.account_name, valid.contact_email) == (None, "Hooli", None)
    assert valid.products == ["Ledger", "Payroll", "Billing"]
    assert valid.activities == ["call", "video"]


def test_a_nomination_goes_to_every_program_manager_and_the_nominator_gets_a_receipt(session):
    globex = make_account(session, "Globex")
    result = submit(session, "USELLER", form(f"acc:{globex.id}", products=["Ledger"]))
    nomination = session.get(Nomination, result.nomination_id)
    assert (result.status, nomination.status, nomination.account_id) == (N.pending, N.pending, globex.id)
    rows = outbox(session, f"nomination:{nomination.id}:")
    assert set(rows) == {f"nomination:{nomination.id}:review:UADMIN", f"nomination:{nomination.id}:review:UPM2",
                         f"nomination:{nomination.id}:submitted"}
    review = row_text(rows[f"nomination:{nomination.id}:review:UADMIN"])
    assert "dana@globex.example" in review and "Closed books in 3 days" in review and "<@USELLER>" in review
    receipt = rows[f"nomination:{nomination.id}:submitted"]
    assert receipt.channel == "USELLER" and "dana@globex.example" not in row_text(receipt)


def test_a_second_nomination_of_the_same_person_is_merged_and_the_nominator_told_who_was_first(session):
    globex = make_account(session, "Globex")
    first = submit(session, "USELLER", form(f"acc:{globex.id}", products=["Ledger"]))
    second = submit(session, "UOTHER", form(f"acc:{globex.id}", email="DANA@globex.example", title="",
                                            products=["Payroll"], activities=["video"], why="Great video story"))
    assert (second.status, second.original_id, second.original_nominator) == (N.merged, first.nomination_id, "USELLER")
    merged = session.get(Nomination, second.nomination_id)
    original = session.get(Nomination, first.nomination_id)
    assert (merged.status, merged.merged_into_id) == (N.merged, original.id)
    assert original.products == ["Ledger", "Payroll"] and original.activities == ["call", "video"]
    rows = outbox(session)
    told = row_text(rows[f"nomination:{merged.id}:submitted"])
    assert "already nominated by <@USELLER>" in told
    update = rows[f"nomination:{original.id}:review:UADMIN:merge:{merged.id}"]
    assert update.method == "chat.update" and "Also nominated by <@UOTHER>" in row_text(update)
    assert not any(k.startswith(f"nomination:{merged.id}:review") for k in rows)  # reviewers aren't asked twice


def test_the_same_nominator_submitting_again_changes_nothing(session):
    globex = make_account(session, "Globex")
    first = submit(session, "USELLER", form(f"acc:{globex.id}"), token="V1")
    again = submit(session, "USELLER", form(f"acc:{globex.id}"), token="V2")
    assert again.repeated and again.nomination_id == first.nomination_id
    assert session.scalar(sa.select(sa.func.count(Nomination.id))) == 1
    assert "You already nominated" in row_text(outbox(session)[f"nomination:{first.nomination_id}:repeat:V2"])


def test_same_name_at_the_same_company_is_the_same_person_when_an_email_is_missing(session):
    first = submit(session, "USELLER", form("new:Hooli Inc", email=""))
    second = submit(session, "UOTHER", form("new:hooli", name="dana  SCULLY", email="dana@hooli.example"))
    assert second.status is N.merged and second.original_id == first.nomination_id
    assert session.get(Nomination, first.nomination_id).contact_email == "dana@hooli.example"
    other_person = submit(session, "UOTHER", form("new:Hooli", name="Fox Mulder", email=""))
    assert other_person.status is N.pending


def test_a_rejected_person_can_be_nominated_again(session):
    first = submit(session, "USELLER", form("new:Hooli"))
    svc.reject(session=session, nomination_id=first.nomination_id, actor_id="UADMIN", is_admin=True, reason="No",
               now=NOW)
    session.commit()
    assert submit(session, "UOTHER", form("new:Hooli")).status is N.pending


def test_accepting_a_new_customer_creates_account_and_contact_and_awards_the_nominator_once(session):
    first = submit(session, "USELLER", form("new:Hooli", products=["Ledger"], activities=["call", "case_study"]))
    dup = submit(session, "UOTHER", form("new:Hooli"))
    decision = svc.accept(session=session, nomination_id=first.nomination_id, actor_id="UADMIN", is_admin=True,
                          now=NOW)
    session.commit()
    account = session.get(Account, decision.account_id)
    contact = session.get(Contact, decision.contact_id)
    nomination = session.get(Nomination, first.nomination_id)
    assert (account.external_id, account.name, account.products, account.nominated_by) == (
        f"NOM-{nomination.id}", "Hooli", ["Ledger"], "USELLER")
    assert (contact.name, contact.title, contact.seniority, contact.email, contact.activities, contact.nominated_by) == (
        "Dana Scully", "VP Finance", Seniority.vp, "dana@globex.example", ["call", "case_study"], "USELLER")
    assert (nomination.status, nomination.reviewed_by, nomination.account_id, nomination.contact_id) == (
        N.accepted, "UADMIN", account.id, contact.id)
    points = session.scalars(sa.select(PointsEntry)).all()
    assert [(p.user_id, p.reason, p.points) for p in points] == [("USELLER", PointsReason.nomination_accepted, 10)]
    assert decision.points == 10
    assert session.get(Nomination, dup.nomination_id).status is N.merged

    rows = outbox(session)
    assert rows[f"nomination:{nomination.id}:review:UADMIN:accepted"].update_of == f"nomination:{nomination.id}:review:UADMIN"
    assert "Accepted by <@UADMIN>" in row_text(rows[f"nomination:{nomination.id}:review:UPM2:accepted"])
    # The decider's own copy says "you" (issue 16); the other program manager's copy keeps the mention.
    assert "Accepted by you" in row_text(rows[f"nomination:{nomination.id}:review:UADMIN:accepted"])
    # One DM per decision (issue 16): the nominator's confirmation is not edited as well.
    assert f"nomination:{nomination.id}:submitted:accepted" not in rows
    assert "10 points" in row_text(rows[f"nomination:{nomination.id}:accepted"])
    assert rows[f"nomination:{nomination.id}:accepted"].channel == "USELLER"

    with pytest.raises(InvalidTransition, match=r"already accepted by <@UADMIN>"):
        svc.accept(session=session, nomination_id=nomination.id, actor_id="UPM2", is_admin=True, now=NOW)
    session.rollback()
    with pytest.raises(InvalidTransition, match=r"already accepted by you\."):  # the decider, clicking again
        svc.accept(session=session, nomination_id=nomination.id, actor_id="UADMIN", is_admin=True, now=NOW)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(PointsEntry.id))) == 1


def test_accepting_someone_already_in_the_program_updates_their_record(session):
    globex = make_account(session, "Globex", products=["Ledger"])
    existing = Contact(external_id="C-1", account_id=globex.id, name="Dana Scully", title="", email="DANA@globex.example",
                       activities=["call"])
    session.add(existing)
    session.commit()
    result = submit(session, "USELLER", form(f"acc:{globex.id}", products=["Payroll"], activities=["press"]))
    assert "Already a reference contact" in row_text(outbox(session)[f"nomination:{result.nomination_id}:review:UADMIN"])
    decision = svc.accept(session=session, nomination_id=result.nomination_id, actor_id="UADMIN", is_admin=True,
                          now=NOW)
    session.commit()
    session.expire_all()
    assert (decision.account_id, decision.contact_id) == (globex.id, existing.id)
    contact = session.get(Contact, existing.id)
    assert (contact.title, contact.activities, contact.nominated_by) == ("VP Finance", ["call", "press"], "USELLER")
    assert session.get(Account, globex.id).products == ["Ledger", "Payroll"]
    assert session.scalar(sa.select(sa.func.count(Account.id))) == 1


def test_a_new_customer_that_became_an_account_meanwhile_is_not_created_twice(session):
    result = submit(session, "USELLER", form("new:Globex Corp."))
    globex = make_account(session, "GLOBEX Corporation")
    decision = svc.accept(session=session, nomination_id=result.nomination_id, actor_id="UADMIN", is_admin=True,
                          now=NOW)
    session.commit()
    assert decision.account_id == globex.id


def test_only_program_managers_decide(session):
    result = submit(session, "USELLER", form("new:Hooli"))
    with pytest.raises(NotAllowed):
        svc.accept(session=session, nomination_id=result.nomination_id, actor_id="USELLER", is_admin=False, now=NOW)
    with pytest.raises(NotAllowed):
        svc.reject(session=session, nomination_id=result.nomination_id, actor_id="USELLER", is_admin=False,
                   reason="no", now=NOW)
    session.rollback()
    assert session.get(Nomination, result.nomination_id).status is N.pending


def test_rejecting_tells_the_nominator_why(session):
    result = submit(session, "USELLER", form("new:Hooli"))
    with pytest.raises(ValidationFailed):
        svc.reject(session=session, nomination_id=result.nomination_id, actor_id="UADMIN", is_admin=True, reason=" ",
                   now=NOW)
    svc.reject(session=session, nomination_id=result.nomination_id, actor_id="UADMIN", is_admin=True,
               reason="Legal says no press", now=NOW)
    session.commit()
    nomination = session.get(Nomination, result.nomination_id)
    assert (nomination.status, nomination.reject_reason) == (N.rejected, "Legal says no press")
    rows = outbox(session)
    assert "Legal says no press" in row_text(rows[f"nomination:{nomination.id}:rejected"])
    # UADMIN reads their own decision: "you" (issue 16; was "Rejected by <@UADMIN>").
    assert "Rejected by you" in row_text(rows[f"nomination:{nomination.id}:review:UADMIN:rejected"])
    with pytest.raises(InvalidTransition, match="already rejected"):
        svc.accept(session=session, nomination_id=nomination.id, actor_id="UADMIN", is_admin=True, now=NOW)
    assert session.scalar(sa.select(sa.func.count(PointsEntry.id))) == 0


def test_products_offered_are_the_ones_in_the_data_most_common_first(session):
    make_account(session, "A", products=["Ledger", "Payroll"])
    make_account(session, "B", products=["ledger", "Billing"])
    assert svc.product_vocabulary(session=session) == ["Ledger", "Billing", "Payroll"]


def test_mentions_typed_into_a_nomination_reach_no_dm_raw_neither_blocks_nor_notification_text(session):
    hostile = "Ann <!channel> <@U123> <https://evil.example|click>"
    globex = make_account(session, "Globex")
    result = submit(session, "USELLER", form(f"acc:{globex.id}", name=hostile, title=hostile, why=hostile))
    svc.reject(session=session, nomination_id=result.nomination_id, actor_id="UADMIN", is_admin=True,
               reason=hostile, now=NOW)
    session.commit()
    rows = outbox(session, f"nomination:{result.nomination_id}:")
    # two review DMs, the receipt, the decision DM (the review DMs and receipt are also edited in place)
    assert len(rows) >= 4
    for row in rows.values():
        assert "&lt;!channel&gt;" in row.payload["text"] or "&lt;" in str(row.payload["blocks"]), row.payload
        for raw in ("<!channel>", "<@U123>", "<https://evil.example"):
            assert raw not in row.payload["text"], row.payload["text"]
            assert raw not in str(row.payload["blocks"])
