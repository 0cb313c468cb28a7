""""Tell me when one joins": one DM, exactly once, when a fitting reference joins or rests enough."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from refbot.domain import ActivityType, ContactStatus, Seniority
from refbot.errors import NotAllowed, NotFound, ValidationFailed
from refbot.matching.criteria import Criteria
from refbot.models import Account, Activity, Contact, OutboxMessage, SearchFollow
from refbot.services import follows
from refbot.services.search import run_search
from tests import loop_data as data

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
BANK_DE = Criteria(industry="Banking", country="DE")


def searched(session, who=data.SELLER, criteria=BANK_DE):
    outcome = run_search(session=session, criteria=criteria, today=TODAY, user_id=who, query_text="bank in Germany",
                         now=NOW)
    session.commit()
    assert outcome.unmatched
    return outcome.search_id


def bank(session, name="Deutsche Beispielbank"):
    acc = Account(external_id=f"A-{name}", name=name, industry="Banking", country="DE", owner_id=data.OWNER)
    session.add(acc)
    session.flush()
    c = Contact(external_id=f"C-{name}", name="Greta", title="VP Operations", seniority=Seniority.vp,
                account_id=acc.id, status=ContactStatus.active)
    session.add(c)
    session.commit()
    return c


def check(session, today=TODAY):
    result = follows.check(session=session, now=dt.datetime.combine(today, dt.time(9), tzinfo=dt.UTC), today=today)
    session.commit()
    return result


def dms(session):
    return list(session.scalars(sa.select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("follow:"))))


def test_one_dm_with_a_request_button_when_a_fitting_reference_joins(session):
    search_id = searched(session)
    follows.follow(session=session, user_id=data.SELLER, search_id=search_id, now=NOW)
    session.commit()
    assert check(session) == (0, 0)
    contact = bank(session)
    assert check(session) == (1, 0)
    assert check(session) == (0, 0)  # never twice
    [dm] = dms(session)
    assert dm.channel == data.SELLER and "Deutsche Beispielbank" in dm.payload["text"]
    buttons = [b["accessory"] for b in dm.payload["blocks"] if b.get("accessory")]
    assert buttons[0]["action_id"] == "request_from_search" and buttons[0]["value"] == f"{search_id}:{contact.id}"
    assert session.scalar(sa.select(SearchFollow.status)) == "notified"


def test_a_resting_reference_available_again_triggers_it(session):
    contact = bank(session)
    session.add(Activity(contact_id=contact.id, occurred_on=TODAY - dt.timedelta(days=10), type=ActivityType.call))
    session.commit()
    search_id = searched(session)  # the only bank rests (used 10 days ago): no good match
    follows.follow(session=session, user_id=data.SELLER, search_id=search_id, now=NOW)
    session.commit()
    assert check(session) == (0, 0)
    assert check(session, TODAY + dt.timedelta(days=21)) == (1, 0)  # 31 days after its last use
    assert len(dms(session)) == 1


def test_following_is_idempotent_own_searches_only_capped_and_expires(session):
    search_id = searched(session)
    first = follows.follow(session=session, user_id=data.SELLER, search_id=search_id, now=NOW)
    again = follows.follow(session=session, user_id=data.SELLER, search_id=search_id, now=NOW)
    assert (first.repeated, again.repeated, again.following) == (False, True, 1)
    with pytest.raises(NotAllowed):
        follows.follow(session=session, user_id="USOMEONE", search_id=search_id, now=NOW)
    with pytest.raises(NotFound):
        follows.follow(session=session, user_id=data.SELLER, search_id=999_999, now=NOW)
    for i in range(follows.MAX_OPEN - 1):
        follows.follow(session=session, user_id=data.SELLER, now=NOW,
                       search_id=searched(session, criteria=Criteria(industry=f"Mining {i}", country="DE")))
    with pytest.raises(ValidationFailed):
        follows.follow(session=session, user_id=data.SELLER, search_id=searched(session, criteria=Criteria(
            industry="Shipping", country="DE")), now=NOW)
    session.commit()
    assert check(session, TODAY + dt.timedelta(days=follows.FOLLOW_DAYS + 1)) == (0, follows.MAX_OPEN)
    bank(session)
    assert check(session, TODAY + dt.timedelta(days=follows.FOLLOW_DAYS + 2)) == (0, 0)  # expired: no DM
