"""`refbot search` and `refbot vocabulary`: offline, like Slack (no good match, one row per account), and
the program's own words reach the next search."""

from __future__ import annotations

import json

import pytest

from refbot import cli
from refbot.models import Account, Contact, SearchLog


@pytest.fixture
def offline(offline_env, database):
    with database.unit_of_work() as s:
        bank = Account(external_id="A1", name="Globex Bank", industry="Banking", employees=5000, country="DE",
                       use_cases=["Identity federation"])
        s.add_all([Contact(external_id="C1", name="Dana", title="CIO", seniority="c_level", account=bank),
                   Contact(external_id="C2", name="Eve", title="VP IT", seniority="vp", account=bank),
                   Contact(external_id="C3", name="Kai", title="CTO", seniority="c_level",
                           account=Account(external_id="A2", name="Astana Pay", industry="Banking", country="KZ"))])
    return database


def test_one_row_per_account_with_fit_and_the_rest_counted(offline, capsys):
    assert cli.main(["search", "bank", "in", "DACH", "pls", "blorft"]) == 0
    out = capsys.readouterr().out
    assert out.count("Globex Bank") == 1 and "(+1 more at this account)" in out and "% fit" in out
    assert "Didn't use: blorft" in out and "no mention" not in out


def test_no_good_match_is_said_as_in_slack(offline, capsys):
    assert cli.main(["search", "--industry", "Retail", "--country", "JP"]) == 0
    out = capsys.readouterr().out
    assert "No good match" in out


@pytest.mark.parametrize("limit", ["0", "-3", "500"])
def test_a_limit_out_of_range_is_refused(offline, capsys, limit):
    assert cli.main(["search", "bank", "--limit", limit]) == 1
    err = capsys.readouterr().err
    assert "--limit must be between 1 and 50" in err and "Traceback" not in err


def test_groups_lists_and_bounds_in_flags(offline, capsys):
    assert cli.main(["search", "--industry", "Banking", "--country", "DACH", "--employees", "2000+", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["account"] == "Globex Bank" and rows[0]["more_at_account"] == 1
    assert cli.main(["search", "--country", "Kazakhstan", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["account"] == "Astana Pay"
    assert cli.main(["search", "--country", "Narnia"]) == 1
    assert "I don't know the country 'Narnia'" in capsys.readouterr().err


def test_cli_searches_are_not_counted_as_sellers_searches(offline, capsys, database):
    assert cli.main(["search", "--industry", "Retail"]) == 0
    with database.unit_of_work() as s:
        assert s.query(SearchLog).one().source == "cli"
    capsys.readouterr()
    assert cli.main(["report", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["unmatched_searches"]["total_searches"] == 0 and report["unmatched_searches"]["count"] == 0


def test_vocabulary_add_list_remove_reaches_the_next_search(offline, capsys):
    assert cli.main(["search", "IDF", "--json"]) == 0
    before = json.loads(capsys.readouterr().out)
    assert cli.main(["vocabulary", "add", "IDF", "identity federation"]) == 0
    assert 'Search now reads "IDF" as "identity federation"' in capsys.readouterr().out
    assert cli.main(["vocabulary", "add", "idf", "Identity  Federation"]) == 0  # twice: harmless
    assert "already reads" in capsys.readouterr().out
    assert cli.main(["vocabulary", "list"]) == 0
    assert capsys.readouterr().out.strip() == "IDF = identity federation"
    assert cli.main(["search", "IDF", "--json"]) == 0
    after = json.loads(capsys.readouterr().out)
    assert any("same use case: Identity federation" in r["reasons"] for r in after)
    assert not any("same use case: Identity federation" in r["reasons"] for r in before)
    assert cli.main(["vocabulary", "remove", "IDF"]) == 0
    assert "Removed" in capsys.readouterr().out
    assert cli.main(["vocabulary", "remove", "IDF"]) == 1
    assert "not in the program's vocabulary" in capsys.readouterr().err


def test_vocabulary_bad_input_is_one_sentence(offline, capsys):
    assert cli.main(["vocabulary", "add", "SSO", "sso"]) == 1
    assert "the same words" in capsys.readouterr().err
    assert cli.main(["vocabulary", "add", "SSO", "x" * 300]) == 1
    assert "at most 200" in capsys.readouterr().err
