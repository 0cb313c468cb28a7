import datetime as dt

import pytest

from refbot.domain import PointsReason as R
from refbot.models import Account, Contact, PointsEntry
from refbot.services.points import award, rank, ranked_count, totals
from refbot.services.policy import update_policy

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


def test_ledger_awards_once_per_source_with_policy_values(session):
    assert award(session=session, reason=R.nomination_accepted, source_key="nomination:1", user_id="U1", now=NOW)
    assert award(session=session, reason=R.nomination_accepted, source_key="nomination:1", user_id="U1", now=NOW) is None
    update_policy(session=session, changes={"points.debrief_on_time": 7}, updated_by="UADMIN")
    award(session=session, reason=R.debrief_on_time, source_key="debrief:4", user_id="U2", now=NOW)
    award(session=session, reason=R.advocate_activity, source_key="advocate:4", contact_id=None, account_id=None,
          user_id="U2", points=1, now=NOW - dt.timedelta(days=40))
    session.commit()
    week = (NOW - dt.timedelta(days=7), NOW + dt.timedelta(seconds=1))
    assert totals(session=session, since=week[0], until=week[1]) == [("U1", 10), ("U2", 7)]
    assert rank(session=session, user_id="U2", since=week[0], until=week[1]) == (2, 7)
    assert rank(session=session, user_id="U9", since=week[0], until=week[1]) == (None, 0)


def test_totals_count_a_period_from_since_inclusive_to_until_exclusive(session):
    start = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    award(session=session, reason=R.manual, source_key="a", user_id="U1", points=4, now=start)
    award(session=session, reason=R.manual, source_key="b", user_id="U1", points=6, now=start + dt.timedelta(days=3))
    award(session=session, reason=R.manual, source_key="c", user_id="U2", points=9, now=start + dt.timedelta(days=7))
    session.commit()
    week = dict(totals(session=session, since=start, until=start + dt.timedelta(days=7)))
    assert week == {"U1": 10}
    assert dict(totals(session=session, since=start + dt.timedelta(days=3), until=start + dt.timedelta(days=8))) == {
        "U1": 6, "U2": 9}
    assert totals(session=session, since=start, until=start + dt.timedelta(days=30), limit=1) == [("U1", 10)]
    assert ranked_count(session=session, since=start, until=start + dt.timedelta(days=30)) == 2


def test_advocate_points_go_to_the_contact_and_account_not_onto_the_people_board(session):
    acc = Account(external_id="A1", name="Globex")
    session.add(acc)
    session.flush()
    contact = Contact(external_id="C1", name="Dana", account_id=acc.id)
    session.add(contact)
    session.flush()
    entry = award(session=session, reason=R.advocate_activity, source_key="request:1:advocate", contact_id=contact.id,
                  account_id=acc.id, now=NOW)
    assert entry is not None and entry.points == 5  # the policy's advocate_activity default
    session.commit()
    assert totals(session=session, since=NOW - dt.timedelta(days=1), until=NOW + dt.timedelta(days=1)) == []
    with pytest.raises(ValueError):
        award(session=session, reason=R.manual, source_key="nobody", points=1, now=NOW)


def test_equal_points_share_a_rank(session):
    for uid, pts in (("U1", 10), ("U2", 10), ("U3", 7)):
        award(session=session, reason=R.manual, source_key=f"k:{uid}", user_id=uid, points=pts, now=NOW)
    session.commit()
    period = dict(since=NOW - dt.timedelta(days=1), until=NOW + dt.timedelta(days=1))
    assert [rank(session=session, user_id=u, **period) for u in ("U1", "U2", "U3")] == [(1, 10), (1, 10), (3, 7)]


def test_a_long_source_key_is_still_awarded_once(session):
    key = "x" * 250
    assert award(session=session, reason=R.manual, source_key=key, user_id="U1", points=1, now=NOW) is not None
    assert award(session=session, reason=R.manual, source_key=key, user_id="U1", points=1, now=NOW) is None
    session.commit()
    assert session.query(PointsEntry).count() == 1
