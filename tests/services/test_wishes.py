"""The wish list: merging (typo-tolerant), ranking by sellers and pipeline, the owner asked once, wishers told once."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from refbot.domain import ContactStatus, OpportunityOutcome
from refbot.errors import InvalidTransition, NotAllowed, ValidationFailed
from refbot.models import Account, Contact, OutboxMessage, Wish, WishedCustomer
from refbot.services import wishes
from tests import loop_data as data

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def wish(session, who, customer, why="same use case", deal=None):
    result = wishes.submit(session=session, requester_id=who,
                           data=wishes.WishInput(customer=customer, why=why, opportunity_id=deal), now=NOW)
    session.commit()
    return result


def dms(session, channel, key_part=""):
    return [m for m in session.scalars(sa.select(OutboxMessage).where(OutboxMessage.channel == channel))
            if key_part in m.dedupe_key]


def test_wishes_for_one_customer_merge_despite_suffixes_case_and_typos(session):
    first = wish(session, "U1", "Globex Corporation")
    second = wish(session, "U2", "GLOBEX corp.")
    third = wish(session, "U3", "Globx")  # a typo
    other = wish(session, "U4", "Initech")
    assert first.customer_id == second.customer_id == third.customer_id != other.customer_id
    assert (second.merged, third.wishers) == (True, 3)
    assert session.scalar(sa.select(sa.func.count()).select_from(WishedCustomer)) == 2


def test_short_names_are_not_merged_as_typos(session):
    assert wish(session, "U1", "Acme").customer_id != wish(session, "U2", "Acne").customer_id


def test_a_seller_wishing_twice_updates_their_wish(session):
    wish(session, "U1", "Globex", why="first reason")
    again = wish(session, "U1", "globex", why="better reason")
    assert again.repeated and again.wishers == 1
    assert session.scalar(sa.select(Wish.why)) == "better reason"


def test_the_list_ranks_by_sellers_then_open_pipeline_counting_each_deal_once(session):
    big = data.opportunity(session, "BigDeal", amount=900_000, owner_id="U1")
    small = data.opportunity(session, "SmallDeal", amount=50_000, owner_id="U2")
    lost = data.opportunity(session, "Lost", amount=5_000_000, owner_id="U3")
    lost.outcome = OpportunityOutcome.lost
    session.commit()
    wish(session, "U1", "Hooli", deal=big.id)
    wish(session, "U2", "Umbrella", deal=small.id)
    wish(session, "U3", "Umbrella")
    wish(session, "U4", "Soylent")
    lines, total = wishes.wish_list(session=session)
    assert [(line.name, line.wishers) for line in lines] == [("Umbrella", 2), ("Hooli", 1), ("Soylent", 1)]
    assert [line.pipeline for line in lines] == [50_000, 900_000, 0] and total == 3


def test_a_deal_must_be_the_sellers_own(session):
    theirs = data.opportunity(session, "NotYours", owner_id="USOMEONE")
    session.commit()
    with pytest.raises(ValidationFailed) as exc:
        wish(session, "U1", "Globex", deal=theirs.id)
    assert "deal" in exc.value.field_errors
    with pytest.raises(ValidationFailed) as exc:
        wish(session, "U1", "  ", why="")
    assert set(exc.value.field_errors) == {"customer", "why"}


def test_the_owner_of_a_known_account_is_asked_once_and_answers_once(session):
    acc = data.account(session, "Globex Inc", owner_id=data.OWNER)  # known, no contact: not a reference
    session.commit()
    first = wish(session, "U1", "Globex", why="migrating off <!channel> legacy")
    wish(session, "U2", "globex")
    assert first.owner_asked
    [ask] = dms(session, data.OWNER)
    assert ask.dedupe_key == f"wish:{first.customer_id}:owner" and "&lt;!channel&gt;" in str(ask.payload)
    customer = session.get(WishedCustomer, first.customer_id)
    assert customer.account_id == acc.id and customer.name == "Globex Inc"
    with pytest.raises(NotAllowed):
        wishes.answer(session=session, customer_id=customer.id, actor_id="U1", is_admin=False, open_to_it=False,
                      now=NOW)
    wishes.answer(session=session, customer_id=customer.id, actor_id=data.OWNER, is_admin=False, open_to_it=False,
                  now=NOW)
    with pytest.raises(InvalidTransition):
        wishes.answer(session=session, customer_id=customer.id, actor_id=data.OWNER, is_admin=False,
                      open_to_it=False, now=NOW)
    [line], _ = wishes.wish_list(session=session)
    assert line.owner_answer == "not_now" and line.wishers == 2


def test_wishers_are_told_once_when_the_customer_becomes_a_reference(session):
    wish(session, "U1", "Hooli", why="x")
    wish(session, "U2", "Hooli Inc", why="y")
    assert wishes.reconcile(session=session, now=NOW) == (0, 0, 0)  # not in RefBot yet
    acc = Account(external_id="H1", name="Hooli", owner_id=data.OWNER)  # e.g. imported
    session.add(acc)
    session.flush()
    assert wishes.reconcile(session=session, now=NOW) == (1, 1, 0)  # linked, owner asked
    session.add(Contact(external_id="HC1", name="Gavin", account_id=acc.id, status=ContactStatus.active))
    session.flush()
    assert wishes.reconcile(session=session, now=NOW) == (0, 0, 1)
    assert wishes.reconcile(session=session, now=NOW) == (0, 0, 0)
    session.commit()
    assert [len(dms(session, u, ":fulfilled")) for u in ("U1", "U2")] == [1, 1]
    assert wishes.wish_list(session=session) == ([], 0)
    late = wish(session, "U3", "hooli")
    assert late.already_reference and len(dms(session, "U3")) == 1
