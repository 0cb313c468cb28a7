"""`refbot import`, `refbot export` and `refbot demo` as a program manager runs them: output and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from refbot import cli
from refbot.models import Account, Contact

ACCOUNTS = """account_id,name,industry,employees,country,owner,notes
A1,"Globex, Inc.",Banking,"5,000",Germany,UOWNER01,"multi
line"
A2,Initech,Healthcare,120k,usa,,
"""
CONTACTS = """contact_id,account_id,name,title,email,activities
C1,A1,Dana Scully,Chief Information Officer,dana@example.com,call;site visit
C2,A2,Bob Porter,VP Finance,,
"""
ACTIVITIES = "contact_id,date,type,opportunity\nC1,2026-10-01,call,Umbrella\n"


@pytest.fixture
def run(db_url, tmp_path, monkeypatch, capsys):
    """Run `refbot ARGS` against the test database from an empty directory (no .env); (exit code, out, err)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    for var in ("SLACK_BOT_TOKEN", "SLACK_API_URL", "REFBOT_TIMEZONE"):
        monkeypatch.delenv(var, raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def write(directory: Path, **files: str) -> list[str]:
    paths = []
    for name, text in files.items():
        (directory / f"{name}.csv").write_text(text, encoding="utf-8")
        paths.append(str(directory / f"{name}.csv"))
    return paths


def count(database, model) -> int:
    with database.sessionmaker() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(model))


def test_import_prints_what_changed_and_exits_0(run, tmp_path, database):
    paths = write(tmp_path, activities=ACTIVITIES, contacts=CONTACTS, accounts=ACCOUNTS)
    code, out, err = run("import", *paths)
    assert (code, err) == (0, "")
    assert out == ("Imported 2 accounts (2 new, 0 updated, 0 unchanged), 2 contacts (2 new, 0 updated, 0 unchanged), "
                   "1 activity (1 new, 0 updated, 0 unchanged).\n")
    code, out, _ = run("import", *paths)
    assert code == 0 and "2 accounts (0 new, 0 updated, 2 unchanged)" in out
    assert count(database, Account) == 2


def test_import_lists_every_problem_and_writes_nothing(run, tmp_path, database):
    bad_accounts = ACCOUNTS.replace("120k", "lots") + "A1,Again,,,,,\nA3,,,,Atlantis,,\n"
    bad_contacts = CONTACTS + "C3,A9,Eve,,,\n"
    paths = write(tmp_path, accounts=bad_accounts, contacts=bad_contacts)
    code, out, err = run("import", *paths)
    assert code == 1 and out == ""
    acc, con = paths
    assert err.splitlines() == [
        f"{acc}:4: employees: 'lots' is not a number (examples: 5000, 5,000, 5k, $2.5B)",
        f"{acc}:5: account_id: duplicate id 'A1' (also on {acc}:2)",
        f"{acc}:6: name: required value is missing",
        f"{acc}:6: country: unknown country 'Atlantis' (use a name or ISO code, e.g. Germany or DE)",
        f"{con}:4: account_id: unknown account 'A9' (not in RefBot nor in this import)",
        "refbot: 5 problems, nothing was imported.",
    ]
    assert count(database, Account) == 0 and count(database, Contact) == 0


def test_import_of_a_file_that_is_not_a_refbot_file_or_missing(run, tmp_path):
    code, _, err = run("import", *write(tmp_path, people="id,full name\n1,Dana\n"))
    assert code == 1
    assert "people.csv:1: header: not an accounts file (account_id, name, …)" in err
    assert err.endswith("refbot: 1 problem, nothing was imported.\n")
    code, _, err = run("import", str(tmp_path / "nope.csv"))
    assert code == 1 and "nope.csv: can't read the file (No such file or directory)" in err


def test_owner_emails_need_the_bot_token_and_resolve_with_it(run, tmp_path, monkeypatch, slack_api, database):
    paths = write(tmp_path, accounts="account_id,name,owner\nA1,Globex,olga@corp.example\n")
    code, _, err = run("import", *paths)
    assert code == 1
    assert "accounts.csv:2: owner: can't resolve email olga@corp.example without SLACK_BOT_TOKEN" in err

    slack_api.add_user("UOLGA", "Olga", email="olga@corp.example")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_API_URL", slack_api.base_url)
    code, out, _ = run("import", *paths)
    assert code == 0 and "1 account (1 new" in out
    with database.sessionmaker() as s:
        assert s.scalar(sa.select(Account.owner_id)) == "UOLGA"


def test_export_then_import_then_export_is_byte_identical(run, tmp_path):
    run("import", *write(tmp_path, accounts=ACCOUNTS, contacts=CONTACTS, activities=ACTIVITIES))
    code, out, _ = run("export", "out1")
    assert code == 0
    assert out == ("Wrote out1/accounts.csv (2 rows), out1/contacts.csv (2 rows), "
                   "out1/activities.csv (1 row).\n")
    first = {p.name: p.read_bytes() for p in (tmp_path / "out1").iterdir()}
    assert sorted(first) == ["accounts.csv", "activities.csv", "contacts.csv"]
    assert first["accounts.csv"].startswith(b"account_id,name,industry,employees,annual_revenue,country,region,")

    code, out, _ = run("import", *(str(tmp_path / "out1" / n) for n in ("contacts.csv", "accounts.csv", "activities.csv")))
    assert (code, out) == (0, "Imported 2 accounts (0 new, 0 updated, 2 unchanged), 2 contacts (0 new, 0 updated, "
                              "2 unchanged), 1 activity (0 new, 0 updated, 1 unchanged).\n")
    run("export", "out2")
    assert {p.name: p.read_bytes() for p in (tmp_path / "out2").iterdir()} == first


def test_export_into_a_file_is_refused(run, tmp_path):
    (tmp_path / "taken").write_text("x")
    code, _, err = run("export", "taken")
    assert code == 1 and "taken is a file, not a directory" in err


def test_demo_loads_a_program_once_and_can_be_owned_by_the_person_trying_it(run, database):
    code, out, _ = run("demo", "--accounts", "24", "--contacts", "60", "--seed", "3", "--owner", "U0TRYME")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Demo program loaded: 24 accounts (24 new, 0 updated, 0 unchanged), "
                               "60 contacts (60 new, 0 updated, 0 unchanged)")
    assert "Every account is owned by U0TRYME" in out and "Try it: refbot search" in out
    with database.sessionmaker() as s:
        assert set(s.scalars(sa.select(Account.owner_id))) == {"U0TRYME"}

    code, out, _ = run("demo", "--accounts", "24", "--contacts", "60", "--seed", "3", "--owner", "U0TRYME")
    assert code == 0 and "24 accounts (0 new, 0 updated, 24 unchanged)" in out
    assert count(database, Account) == 24 and count(database, Contact) == 60


def test_demo_refuses_an_owner_that_is_not_a_slack_id(run, database):
    code, _, err = run("demo", "--owner", "me@corp.example")
    assert code == 1 and "--owner must be your Slack member id" in err
    assert count(database, Account) == 0


def test_demo_refuses_a_database_holding_a_real_program(run, tmp_path, database):
    run("import", *write(tmp_path, accounts=ACCOUNTS))
    code, out, err = run("demo")
    assert (code, out) == (1, "")
    assert "This database already holds your own accounts (A1, A2…)" in err and "DATABASE_URL" in err
    assert count(database, Account) == 2
