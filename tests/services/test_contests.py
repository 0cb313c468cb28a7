"""Contests (standings from the ledger, nothing counted twice, announcements once) and nomination targets."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import sqlalchemy as sa

from refbot.domain import NominationStatus, PointsReason
from refbot.errors import NotAllowed, ValidationFailed
from refbot.models import Nomination, OutboxMessage
from refbot.services import contests
from refbot.services.coverage import nominate_key
from refbot.services.outbox import enqueue
from refbot.services.points import award
from tests import loop_data as data

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


def start(session, metric="nominations", first=TODAY, last=TODAY + dt.timedelta(days=7), prize="Dinner", **kw):
    c = contests.create(session=session, data=contests.ContestInput(metric, first, last, prize, kw.get("sponsor")),
                        actor_id=data.ADMIN, is_admin=True, now=NOW, today=TODAY)
    session.commit()
    return c


def at(days, hour=12):
    return dt.datetime.combine(TODAY + dt.timedelta(days=days), dt.time(hour), tzinfo=dt.UTC)


def test_standings_count_each_deed_once_within_the_period_most_first_earliest_on_a_tie(session):
    contest = start(session)
    award(session=session, reason=PointsReason.nomination_accepted, source_key="nomination:1:accepted",
          user_id="UA", now=at(1))
    assert award(session=session, reason=PointsReason.nomination_accepted, source_key="nomination:1:accepted",
                 user_id="UA", now=at(2)) is None  # the same deed again: not counted
    award(session=session, reason=PointsReason.nomination_accepted, source_key="n2", user_id="UB", now=at(0))
    award(session=session, reason=PointsReason.nomination_accepted, source_key="n3", user_id="UC", now=at(3))
    award(session=session, reason=PointsReason.nomination_accepted, source_key="n4", user_id="UC", now=at(4))
    award(session=session, reason=PointsReason.nomination_accepted, source_key="old", user_id="UA", now=at(-1))
    award(session=session, reason=PointsReason.nomination_accepted, source_key="late", user_id="UA", now=at(8))
    award(session=session, reason=PointsReason.debrief_on_time, source_key="d1", user_id="UA", now=at(1))
    session.commit()
    table = contests.standings(session=session, contest=contest, tz=BERLIN)
    assert [(s.user_id, s.count) for s in table] == [("UC", 2), ("UB", 1), ("UA", 1)]
    assert [s.user_id for s in contests.winners(table, places=2)] == ["UC", "UB", "UA"]  # tie for second


def test_recruits_count_accepted_nominations_of_accounts_asked_for_or_wished_for(session):
    contest = start(session, metric="recruits")
    asked, other = data.account(session, "Asked"), data.account(session, "Other")
    enqueue(session=session, key=nominate_key(asked.id), channel=data.OWNER, text="would they?")
    for i, acc in enumerate((asked, other, asked)):
        session.add(Nomination(nominator_id="UA", account_name=acc.name, account_id=acc.id, contact_name=f"P{i}",
                               status=NominationStatus.accepted, reviewed_at=at(1), dedupe_key=f"k{i}"))
    session.add(Nomination(nominator_id="UB", account_name="Asked", account_id=asked.id, contact_name="Q",
                           status=NominationStatus.pending, dedupe_key="kq"))
    session.commit()
    assert [(s.user_id, s.count) for s in contests.standings(session=session, contest=contest, tz=BERLIN)] == [
        ("UA", 2)]


def test_the_form_refuses_bad_periods_overlaps_and_non_managers(session):
    start(session)
    cases = [
        (contests.ContestInput("nominations", TODAY + dt.timedelta(days=3), TODAY + dt.timedelta(days=20)), "metric"),
        (contests.ContestInput("debriefs", TODAY, TODAY - dt.timedelta(days=1)), "ends_on"),
        (contests.ContestInput("debriefs", TODAY - dt.timedelta(days=9), TODAY - dt.timedelta(days=2)), "ends_on"),
        (contests.ContestInput("wins", TODAY, TODAY), "metric"),
        (contests.ContestInput("debriefs", None, TODAY), "starts_on"),
    ]
    for given, field in cases:
        with pytest.raises(ValidationFailed) as exc:
            contests.validate(session=session, data=given, today=TODAY)
        assert field in exc.value.field_errors
    with pytest.raises(NotAllowed):
        contests.create(session=session, data=contests.ContestInput("debriefs", TODAY, TODAY), actor_id="U1",
                        is_admin=False, now=NOW, today=TODAY)


def posts(session):
    return {m.dedupe_key: m for m in session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.dedupe_key.startswith("contest:")))}


def test_start_and_final_announcements_go_out_once_naming_the_winners(session):
    contest = start(session, sponsor="USPONSOR")
    award(session=session, reason=PointsReason.nomination_accepted, source_key="n1", user_id="UWIN", now=at(1))
    session.commit()
    assert contests.announce_due(session=session, now=NOW, tz=BERLIN, channel="C0SALES") == (1, 0)
    assert contests.announce_due(session=session, now=NOW, tz=BERLIN, channel="C0SALES") == (0, 0)
    assert contests.announce_due(session=session, now=at(7), tz=BERLIN, channel="C0SALES") == (0, 0)  # last day
    assert contests.announce_due(session=session, now=at(8), tz=BERLIN, channel="C0SALES") == (0, 1)
    assert contests.announce_due(session=session, now=at(9), tz=BERLIN, channel="C0SALES") == (0, 0)
    session.commit()
    sent = posts(session)
    assert set(sent) == {f"contest:{contest.id}:start", f"contest:{contest.id}:final"}
    assert "<@USPONSOR>" in str(sent[f"contest:{contest.id}:start"].payload)
    assert "<@UWIN>" in sent[f"contest:{contest.id}:final"].payload["text"]


def test_a_contest_that_ended_while_down_gets_only_its_final_post_and_a_cancelled_one_nothing(session):
    start(session, last=TODAY + dt.timedelta(days=2))
    gone = start(session, metric="debriefs")
    contests.cancel(session=session, contest_id=gone.id, is_admin=True, now=NOW)
    session.commit()
    assert contests.announce_due(session=session, now=at(10), tz=BERLIN, channel="C0SALES") == (0, 1)
    assert [k.rsplit(":", 1)[1] for k in posts(session)] == ["final"]
    assert "nobody scored" in next(iter(posts(session).values())).payload["text"]


def test_targets_for_everyone_and_per_seller_with_progress(session):
    since = dt.datetime(2026, 9, 30, 22, tzinfo=dt.UTC)  # 1 Oct, Berlin
    contests.set_target(session=session, target=3, user_ids=[], actor_id=data.ADMIN, is_admin=True, now=NOW, tz=BERLIN)
    contests.set_target(session=session, target=1, user_ids=["UB"], actor_id=data.ADMIN, is_admin=True, now=NOW,
                        tz=BERLIN)
    award(session=session, reason=PointsReason.nomination_accepted, source_key="a", user_id="UA", now=NOW)
    award(session=session, reason=PointsReason.nomination_accepted, source_key="b", user_id="UA",
          now=dt.datetime(2026, 9, 1, tzinfo=dt.UTC))  # last quarter
    session.commit()
    a = contests.target_progress(session=session, user_id="UA", now=NOW, tz=BERLIN, quarter_since=since)
    b = contests.target_progress(session=session, user_id="UB", now=NOW, tz=BERLIN, quarter_since=since)
    assert (a.done, a.target, a.quarter) == (1, 3, "Q4 2026") and (b.done, b.target) == (0, 1)
    contests.set_target(session=session, target=0, user_ids=[], actor_id=data.ADMIN, is_admin=True, now=NOW, tz=BERLIN)
    assert contests.target_progress(session=session, user_id="UA", now=NOW, tz=BERLIN, quarter_since=since) is None
    with pytest.raises(ValidationFailed):
        contests.set_target(session=session, target=500, user_ids=[], actor_id=data.ADMIN, is_admin=True, now=NOW,
                            tz=BERLIN)
    with pytest.raises(NotAllowed):
        contests.set_target(session=session, target=2, user_ids=[], actor_id="UA", is_admin=False, now=NOW, tz=BERLIN)


def test_the_weekly_channel_post_mentions_everyone_in_the_standings(session):
    start(session)
    award(session=session, reason=PointsReason.nomination_accepted, source_key="n1", user_id=data.SELLER, now=NOW)
    session.commit()
    shown = "\n".join(str(b.get("text", {}).get("text", ""))
                      for b in contests.weekly_post_blocks(session=session, now=NOW, tz=BERLIN))
    # Many people read a channel post: "You" would mean nobody in particular, so each row is a mention.
    assert f"1. <@{data.SELLER}> · 1 accepted nomination" in shown and "You" not in shown
