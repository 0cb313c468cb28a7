import datetime as dt

from refbot.domain import PointsReason as R
from refbot.services.points import award, rank, totals
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
