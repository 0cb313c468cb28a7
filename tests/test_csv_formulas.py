"""Spreadsheet formulas never leave `refbot export` live (issue 15, item 3; OWASP "CSV injection"): a cell
starting with =, +, -, @, tab or CR gets a leading quote, import drops exactly that quote, so export ->
import -> export is byte-identical, and real values (-5, +1 555 0100) stay what they were."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from refbot import cli
from refbot.models import Account, Contact
from refbot.services import nominations
from refbot.services.imports import defuse, undefuse

HYPERLINK = '=HYPERLINK("http://evil.example","Dana")'
CALC = "+cmd|' /C calc'!A0"
SUM = "@SUM(1+1)"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def run(db_url, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    for var in ("SLACK_BOT_TOKEN", "SLACK_API_URL", "REFBOT_TIMEZONE", "REFBOT_ADMINS"):
        monkeypatch.delenv(var, raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def cells(path) -> list[dict[str, str]]:
    """The file as a spreadsheet reads it: one dict per row."""
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def no_live_formula(rows: list[dict[str, str]], numeric: tuple[str, ...] = ()) -> bool:
    return all(not value.startswith(TRIGGERS) or (col in numeric and value.lstrip("+-").isdigit())
               for row in rows for col, value in row.items())


def test_nominated_imported_and_typed_formulas_are_defused_and_round_trip(run, tmp_path, database):
    (tmp_path / "accounts.csv").write_text(
        "account_id,name,industry,employees,annual_revenue\n"
        f'A1,"{SUM}",Banking,"5,000",\n'
        "A2,Globex,-,120,\n", encoding="utf-8")
    (tmp_path / "contacts.csv").write_text(
        "contact_id,account_id,name,title,phone,max_per_quarter\n"
        f'C1,A1,Bob Porter,"{CALC.replace(chr(34), chr(34) * 2)}",+1 555 0100,3\n', encoding="utf-8")
    code, _, err = run("import", str(tmp_path / "accounts.csv"), str(tmp_path / "contacts.csv"))
    assert (code, err) == (0, "")
    with database.sessionmaker() as s:  # a seller nominates a customer; the program manager accepts
        globex = s.scalar(sa.select(Account).where(Account.external_id == "A2"))
        data = nominations.NominationInput(account=f"acc:{globex.id}", contact_name=HYPERLINK, contact_title="CFO",
                                           contact_email="dana@globex.example", why="Happy", products=[],
                                           products_other="", activities=["call"])
        now = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)
        result = nominations.submit(session=s, nominator_id="USELLER", data=data, reviewers=["UADMIN"], now=now)
        s.commit()
        nominations.accept(session=s, nomination_id=result.nomination_id, actor_id="UADMIN", is_admin=True, now=now)
        s.commit()
        assert s.scalar(sa.select(Contact.name).where(Contact.email == "dana@globex.example")) == HYPERLINK

    assert run("export", "out1")[0] == 0
    accounts, contacts = cells(tmp_path / "out1" / "accounts.csv"), cells(tmp_path / "out1" / "contacts.csv")
    assert [a["name"] for a in accounts] == ["'" + SUM, "Globex"]
    assert accounts[1]["industry"] == "'-"
    assert accounts[0]["employees"] == "5000"
    (bob,) = [c for c in contacts if c["contact_id"] == "C1"]
    (dana,) = [c for c in contacts if c["email"] == "dana@globex.example"]
    assert dana["name"] == "'" + HYPERLINK
    assert bob["title"] == "'" + CALC
    assert bob["phone"] == "'+1 555 0100"  # shown as text in a spreadsheet, not evaluated
    assert bob["max_per_quarter"] == "3"
    assert no_live_formula(accounts + contacts)

    first = {p.name: p.read_bytes() for p in (tmp_path / "out1").iterdir()}
    code, out, _ = run("import", *(str(tmp_path / "out1" / n) for n in sorted(first)))
    assert code == 0 and "0 updated" in out and "1 updated" not in out  # nothing changed on the way back
    with database.sessionmaker() as s:
        assert s.scalar(sa.select(Contact.phone).where(Contact.external_id == "C1")) == "+1 555 0100"
        assert s.scalar(sa.select(Contact.title).where(Contact.external_id == "C1")) == CALC
        assert s.scalar(sa.select(Account.name).where(Account.external_id == "A1")) == SUM
    run("export", "out2")
    assert {p.name: p.read_bytes() for p in (tmp_path / "out2").iterdir()} == first


def test_negative_numbers_in_text_columns_stay_numbers(run, tmp_path):
    (tmp_path / "accounts.csv").write_text("account_id,name,notes\nA1,Globex,-5\nA2,Initech,+5.5\n")
    assert run("import", str(tmp_path / "accounts.csv"))[0] == 0
    run("export", "out")
    assert [a["notes"] for a in cells(tmp_path / "out" / "accounts.csv")] == ["-5", "+5.5"]


@given(st.text(alphabet=st.sampled_from(["'", "=", "+", "-", "@", "\t", "\r", "a", "1", " ", "."]), max_size=8))
def test_defuse_is_undone_exactly_and_never_leaves_a_formula(text):
    assert undefuse(defuse(text)) == text
    out = defuse(text)
    assert not out.startswith(TRIGGERS) or out.lstrip("+-").replace(".", "", 1).isdigit()
