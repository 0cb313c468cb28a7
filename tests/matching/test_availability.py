"""Fatigue and busy rules (DESIGN.md "Fatigue"): why a contact rests and when it is free again."""

import datetime as dt

from refbot.matching.candidates import FatiguePolicy, availability
from tests.matching.fixtures import TODAY, ago, candidate

POLICY = FatiguePolicy()  # 2 per rolling 90 days, 30 days apart


def test_never_used_contact_is_available():
    a = availability(candidate(1), today=TODAY, policy=POLICY)
    assert a.available and a.reason is None and a.last_used is None and a.uses_in_window == 0


def test_two_uses_in_the_window_rest_until_the_older_one_leaves_it():
    a = availability(candidate(1, recent_activity_dates=ago(40, 70)), today=TODAY, policy=POLICY)
    assert not a.available
    assert a.reason == "used 2 times in the last 90 days"
    assert a.uses_in_window == 2
    assert a.last_used == TODAY - dt.timedelta(days=40)
    assert a.available_from == TODAY - dt.timedelta(days=70) + dt.timedelta(days=90)


def test_used_recently_rests_for_the_minimum_gap():
    a = availability(candidate(1, recent_activity_dates=ago(12)), today=TODAY, policy=POLICY)
    assert not a.available
    assert a.reason == "last used 12 days ago"
    assert a.available_from == TODAY + dt.timedelta(days=18)


def test_both_limits_give_the_later_date_and_both_reasons():
    a = availability(candidate(1, recent_activity_dates=ago(5, 80)), today=TODAY, policy=POLICY)
    assert a.reason == "used 2 times in the last 90 days; last used 5 days ago"
    assert a.available_from == max(TODAY + dt.timedelta(days=25), TODAY + dt.timedelta(days=10))


def test_busy_contact_has_no_free_date():
    a = availability(candidate(1, open_requests=1), today=TODAY, policy=POLICY)
    assert not a.available and a.busy
    assert a.reason == "busy with an open request"
    assert a.available_from is None
    assert availability(candidate(1, open_requests=2), today=TODAY, policy=POLICY).reason == (
        "busy with 2 open requests"
    )


def test_contact_limit_overrides_the_policy():
    strict = candidate(1, max_per_quarter=1, recent_activity_dates=ago(50))
    a = availability(strict, today=TODAY, policy=POLICY)
    assert not a.available and a.reason == "used once in the last 90 days"
    assert a.available_from == TODAY + dt.timedelta(days=40)
    generous = candidate(2, max_per_quarter=3, recent_activity_dates=ago(35, 70))
    assert availability(generous, today=TODAY, policy=POLICY).available


def test_limit_zero_means_never_and_no_date():
    a = availability(candidate(1, max_per_quarter=0), today=TODAY, policy=POLICY)
    assert not a.available and a.available_from is None
    assert "limit 0" in (a.reason or "")


def test_old_and_future_activities_do_not_count():
    a = availability(candidate(1, recent_activity_dates=ago(100, 200, -5)), today=TODAY, policy=POLICY)
    assert a.available and a.uses_in_window == 0
    assert a.last_used == TODAY - dt.timedelta(days=100)


def test_window_edge_an_activity_leaves_the_window_after_window_days():
    c = candidate(1, recent_activity_dates=ago(90, 45))
    assert availability(c, today=TODAY, policy=POLICY).available  # day 90 is out of the rolling window
    assert not availability(c, today=TODAY - dt.timedelta(days=1), policy=POLICY).available


def test_policy_is_configurable():
    relaxed = FatiguePolicy(max_per_window=4, window_days=30, min_gap_days=7)
    assert availability(candidate(1, recent_activity_dates=ago(8, 9, 10)), today=TODAY, policy=relaxed).available
