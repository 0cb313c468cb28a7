"""`refbot report [--since DATE] [--json]`."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from refbot import cli
from refbot.domain import OpportunityOutcome
from refbot.domain import RequestStatus as S
from tests import loop_data as data

KEYS = {"version", "generated_at", "since", "until", "timezone", "requests", "approval", "time_to_call", "served",
        "debriefs", "thank_yous", "outcomes", "win_rate", "top_advocates", "top_sellers", "contacts_at_limit",
        "accounts_never_used", "unmatched_searches", "channel_asks"}


@pytest.fixture
def offline(monkeypatch, offline_env, database):
    monkeypatch.setenv("REFBOT_TIMEZONE", "Europe/Berlin")
    with database.unit_of_work() as s:
        opp = data.opportunity(s, "Initech", amount=120_000)
        opp.outcome, opp.outcome_at = OpportunityOutcome.won, dt.datetime(2024, 5, 2, tzinfo=dt.UTC)
        data.request(s, scheduled_at=dt.datetime(2024, 4, 2, 9, 0, tzinfo=dt.UTC), status=S.debriefed, opp=opp,
                     created_at=dt.datetime(2024, 3, 20, tzinfo=dt.UTC))
        data.request(s, scheduled_at=None, status=S.declined, created_at=dt.datetime(2024, 3, 1, tzinfo=dt.UTC))
        data.account(s, "Umbrella")


def test_json_report_has_the_documented_keys(offline, capsys):
    assert cli.main(["report", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) == KEYS
    assert report["requests"]["total"] == 2
    assert report["requests"]["by_status"]["debriefed"] == 1 and report["requests"]["by_status"]["declined"] == 1
    assert report["outcomes"]["influenced_revenue"] == 120_000
    assert report["timezone"] == "Europe/Berlin" and report["since"] is None
    assert "Umbrella" in [a["account"] for a in report["accounts_never_used"]]


def test_since_counts_from_midnight_in_the_program_timezone(offline, capsys):
    assert cli.main(["report", "--json", "--since", "2024-03-10"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["since"] == "2024-03-09T23:00:00+00:00"
    assert report["requests"]["total"] == 1  # the declined request is older


def test_text_report_is_readable(offline, capsys):
    assert cli.main(["report"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Reference program report\nAll time")
    assert "Requests: 2" in out and "Influenced revenue: $120K (1 won deal, 0 lost deals)" in out


def test_a_bad_date_is_one_line_and_exit_code_1(offline, capsys):
    assert cli.main(["report", "--since", "last week"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "refbot: --since: 'last week' is not a date like 2026-10-01 or a number of days like 30d."
