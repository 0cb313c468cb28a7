"""Property-based tests of the CSV importer: accounts and contacts files with valid rows mixed with bad
cells (bad numbers, unknown countries, overlong text, duplicate ids, missing columns, NUL bytes), written
with a BOM or not, `,` `;` or tab between columns, quotes and line breaks inside cells.

Whatever the files hold, the import either succeeds, and what it stored round-trips through export, or it
raises ImportFailed listing every problem as `file:line: column: problem` and the database is exactly as
before. Never another exception, never a half-written import.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from refbot.models import Account, Activity, Contact
from refbot.services.imports import ImportFailed, export_texts, import_files

IMPORT = settings(
    max_examples=60, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
PROBLEM = re.compile(r"^(accounts|contacts)\.csv:\d+: [^:]+: .+", re.S)


def printable(**kw):
    return st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), **kw)


TRICKY = ['Globex, Inc.', 'say "hi"', 'two\nlines', 'crlf\r\nline', 'semi;colon', 'tab\there', "O'Brien",
          "'; DROP TABLE accounts; --", "=1+1", "🏦 Bank", "  padded  ", "Société Générale"]
text_cell = st.one_of(printable(min_size=1, max_size=30), st.sampled_from(TRICKY))


def within(limit: int) -> st.SearchStrategy[str]:
    return st.one_of(text_cell, st.just("x" * limit)).filter(lambda t: t.strip() and len(t.strip()) <= limit)


def optional(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.just(""), strategy)


list_cell = st.lists(st.sampled_from(["Payments", "Analytics", " Identity ", "payments", "Data Platform", ""]),
                     max_size=4).map(";".join)

VALID_ACCOUNT = {
    "name": within(200),
    "industry": optional(within(100)),
    "employees": st.sampled_from(["", "5000", "5,000", "5k", "1.5k", "120M", "2147483647"]),
    "annual_revenue": st.sampled_from(["", "$2.5B", "2bn", "120M", "999"]),
    "country": st.sampled_from(["", "Germany", "DE", "DEU", "usa", "Mexico", "  france  "]),
    "region": st.sampled_from(["", "EMEA", "Europe", "na", "APAC"]),
    "products": list_cell,
    "use_cases": list_cell,
    "competitor_replaced": optional(within(100)),
    "owner": st.sampled_from(["", "U0OWNER1", "W12345"]),
    "status": st.sampled_from(["", "active", "Paused", "retired"]),
    "case_study_url": st.sampled_from(["", "https://example.com/story?id=1&x=2"]),
    "notes": optional(st.one_of(text_cell, st.lists(text_cell, max_size=5).map("\n".join))),
    "deployment": st.sampled_from(["", "cloud", "SaaS", "on-premise", "Hybrid"]),
}
BAD_ACCOUNT = {
    "name": st.sampled_from(["", "   ", "x" * 201, "nul\x00byte"]),
    "employees": st.sampled_from(["lots", "-5", "1e309", "NaN", "5B", "3,000,000,000", "10**6", "²"]),
    "annual_revenue": st.sampled_from(["lots", "-5", "$", "1e309", "9999999999999999"]),
    "country": st.sampled_from(["Atlantis", "XX", "🇩🇪", "Germany; France"]),
    "region": st.sampled_from(["Mars", "Europa League"]),
    "owner": st.sampled_from(["olga", "u123", "not an owner"]),
    "status": st.sampled_from(["boss", "deleted"]),
    "case_study_url": st.sampled_from(["ftp://example.com", "example.com", "https://"]),
    "deployment": st.sampled_from(["mainframe", "cloud-ish"]),
    "notes": st.just("nul\x00byte"),
    "industry": st.just("y" * 101),
}
VALID_CONTACT = {
    "name": within(200),
    "title": optional(st.one_of(within(200), st.sampled_from(["Chief Information Officer", "VP Finance"]))),
    "seniority": st.sampled_from(["", "vp", "Director", "c_level", "individual"]),
    "persona": st.sampled_from(["", "business", "Technical"]),
    "email": st.sampled_from(["", "dana@example.com", "Dana.Scully+refs@Example.COM"]),
    "phone": st.sampled_from(["", "+49 30 5550 1234"]),
    "topics": st.lists(st.sampled_from(["roi", "integration", " migration "]), max_size=3).map(";".join),
    "activities": st.sampled_from(["", "call", "call;site visit", "Case Study;video;call"]),
    "max_per_quarter": st.sampled_from(["", "0", "2", "12"]),
    "status": st.sampled_from(["", "active", "paused", "opted_out", "retired"]),
    "timezone": st.sampled_from(["", "Europe/Berlin", "America/New_York", "UTC"]),
    "languages": st.sampled_from(["", "German;English", "de"]),
}
BAD_CONTACT = {
    "name": st.sampled_from(["", "x" * 201, "nul\x00byte"]),
    "seniority": st.sampled_from(["boss", "king"]),
    "persona": st.sampled_from(["both"]),
    "email": st.sampled_from(["dana@", "@example.com", "dana example.com"]),
    "activities": st.sampled_from(["golf", "call;golf"]),
    "max_per_quarter": st.sampled_from(["two", "-1", "1.5", "²", "99999999999"]),
    "status": st.sampled_from(["gone"]),
    "timezone": st.sampled_from(["Mars/Base", "Europe/Berlin/Mitte"]),
    "phone": st.just("1" * 65),
}


@st.composite
def table(draw, kind: str, ids: list[str], valid: dict, bad: dict, account_ids: list[str] | None = None):
    """(columns, rows, {row index: bad column}) for one file."""
    optional_columns = draw(st.lists(st.sampled_from(sorted(valid)), unique=True))
    columns = (["account_id", "name"] if kind == "accounts" else ["contact_id", "account_id", "name"])
    columns += [c for c in optional_columns if c not in columns]
    rows, bad_cells = [], {}
    for i, ext in enumerate(ids):
        row = {c: draw(valid[c]) for c in columns if c in valid}
        row[columns[0]] = draw(st.sampled_from([ext, f" {ext} "]))  # cells are trimmed
        if kind == "contacts":
            row["account_id"] = draw(st.sampled_from(account_ids))
        if draw(st.integers(0, 4)) == 0:  # about one row in five has a bad cell
            column = draw(st.sampled_from(sorted(bad)))
            row[column] = draw(bad[column])
            if column not in columns:
                columns.append(column)
            bad_cells[i] = column
        rows.append(row)
    return columns, rows, bad_cells


@st.composite
def import_cases(draw):
    n_accounts = draw(st.integers(1, 5))
    account_ids = [f"A-{n}" for n in draw(st.lists(st.integers(1, 8), min_size=n_accounts, max_size=n_accounts,
                                                   unique=True))]
    contact_ids = [f"C-{n}" for n in draw(st.lists(st.integers(1, 8), max_size=5, unique=True))]
    accounts = draw(table("accounts", account_ids, VALID_ACCOUNT, BAD_ACCOUNT))
    contacts = draw(table("contacts", contact_ids, VALID_CONTACT, BAD_CONTACT, account_ids=account_ids))
    return {
        "accounts": accounts,
        "contacts": contacts,
        "delimiter": draw(st.sampled_from([",", ";", "\t"])),
        "bom": draw(st.booleans()),
        "crlf": draw(st.booleans()),
        "structural": draw(st.sampled_from([None, None, None, "missing name column", "duplicate id",
                                            "unknown account", "extra cell", "header only"])),
    }


def line_breaks(text: str) -> int:
    return len(re.findall(r"\r\n|\r|\n", text))


def write(columns: list[str], rows: list[dict], *, delimiter: str, bom: bool, crlf: bool) -> tuple[str, list[int]]:
    """The file's text and the physical line each row starts on (the header is line 1)."""
    terminator = "\r\n" if crlf else "\n"
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=terminator).writerow(columns)
    lines, line = [], 2
    for row in rows:
        one = io.StringIO()
        csv.writer(one, delimiter=delimiter, lineterminator=terminator).writerow([row.get(c, "") for c in columns])
        lines.append(line)
        line += line_breaks(one.getvalue())
        buf.write(one.getvalue())
    return ("\ufeff" if bom else "") + buf.getvalue(), lines


def snapshot(database) -> tuple[dict[str, str], tuple[int, int, int]]:
    with database.sessionmaker() as s:
        counts = tuple(s.scalar(sa.select(sa.func.count()).select_from(m)) for m in (Account, Contact, Activity))
        return export_texts(session=s), counts


def run_import(database, files):
    with database.unit_of_work() as session:
        return import_files(session=session, files=files)


def build(case) -> tuple[list[tuple[str, str]], dict[str, tuple[list[int], dict[int, str]]], bool]:
    """The files, each file's (row lines, bad cells that must be reported), and whether a structural problem
    (missing column, duplicate id, unknown account, value without a header) was put in."""
    files, where = [], {}
    structural = case["structural"]
    newline = "\r\n" if case["crlf"] else "\n"
    broken = False
    for kind in ("accounts", "contacts"):
        columns, rows, bad = case[kind]
        columns, rows, bad = list(columns), [dict(r) for r in rows], dict(bad)
        if kind == "contacts" and (not rows or structural == "header only"):
            continue
        if kind == "accounts" and structural == "missing name column":
            columns.remove("name")
            bad, broken = {}, True  # a file with a header problem is not read further
        elif kind == "accounts" and structural == "duplicate id":
            rows.append(dict(rows[0]))
            broken = True
        elif kind == "contacts" and structural == "unknown account":
            rows[0]["account_id"] = "NOT-THERE"
            broken = True
        elif kind == "accounts" and structural == "extra cell":
            rows[0][""] = "surprise"
            columns.append("")
            bad.pop(0, None)  # that row is reported for the value without a header, and skipped
            broken = True
        text, lines = write(columns, rows, delimiter=case["delimiter"], bom=case["bom"], crlf=case["crlf"])
        if kind == "accounts" and structural == "extra cell":  # drop the empty header cell: a value without one
            header, _, body = text.partition(newline)
            text = header.removesuffix(case["delimiter"]).removesuffix('""').removesuffix(case["delimiter"])
            text += newline + body
        if kind == "accounts" and structural == "header only":
            text, lines, bad = text.partition(newline)[0], [], {}
        files.append((f"{kind}.csv", text))
        where[f"{kind}.csv"] = (lines, bad)
    return files, where, broken


@IMPORT
@given(case=import_cases())
@example(case={  # regression: "²" is a digit to str.isdigit() but not to int()
    "accounts": (["account_id", "name"], [{"account_id": "A-1", "name": "Globex"}], {}),
    "contacts": (["contact_id", "account_id", "name", "max_per_quarter"],
                 [{"contact_id": "C-1", "account_id": "A-1", "name": "Dana", "max_per_quarter": "²"}],
                 {0: "max_per_quarter"}),
    "delimiter": ",", "bom": False, "crlf": False, "structural": None})
@example(case={  # regression: more employees than the integer column holds, and a NUL byte (PostgreSQL)
    "accounts": (["account_id", "name", "employees", "notes"],
                 [{"account_id": "A-1", "name": "Globex", "employees": "5B", "notes": ""},
                  {"account_id": "A-2", "name": "Initech", "employees": "", "notes": "nul\x00byte"}],
                 {0: "employees", 1: "notes"}),
    "contacts": (["contact_id", "account_id", "name"], [], {}),
    "delimiter": ";", "bom": True, "crlf": True, "structural": None})
def test_import_stores_everything_and_round_trips_or_reports_every_problem_and_writes_nothing(case, database):
    files, where, structural = build(case)
    before = snapshot(database)
    must_fail = structural or any(bad for _, bad in where.values())
    try:
        report = run_import(database, files)
    except ImportFailed as failed:
        assert failed.problems
        for problem in failed.problems:
            assert PROBLEM.match(problem), problem
        for name, (lines, bad) in where.items():
            for row, column in bad.items():
                prefix = f"{name}:{lines[row]}: {column}: "
                assert any(p.startswith(prefix) for p in failed.problems), (prefix, failed.problems)
        assert snapshot(database) == before  # nothing was written at all
        assert must_fail, failed.problems
        return

    assert not must_fail, f"imported despite a bad cell: {where}"
    assert report.summary().startswith("Imported ")
    with database.sessionmaker() as s:
        for name, text in files:
            kind, model = ("accounts", Account) if name == "accounts.csv" else ("contacts", Contact)
            for row in csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""),
                                      delimiter=case["delimiter"]):
                stored = s.scalars(sa.select(model).where(model.external_id == row[
                    "account_id" if kind == "accounts" else "contact_id"].strip())).one()
                assert stored.name == row["name"].strip()
                if "notes" in row and kind == "accounts":
                    assert stored.notes == row["notes"].strip()
    # Export -> import changes nothing, and export again gives the same bytes.
    exported, counts = snapshot(database)
    again = run_import(database, [(n, t) for n, t in exported.items() if n != "activities.csv"])
    assert "0 new, 0 updated" in again.summary() and ", 0 new" not in again.summary().replace("(0 new", "")
    assert snapshot(database) == (exported, counts)


@pytest.mark.parametrize("text", [
    "", "\ufeff", "\x00", "account_id\x00,name\nA1,Globex\n", 'account_id,name\nA1,"unterminated\n',
    "contact_id,date\n", "a,b,c\n1,2,3\n", "account_id,name,name\nA1,x,y\n", "account_id;name\nA1;Globex;extra\n",
])
def test_odd_files_are_reported_never_raised(database, text):
    before = snapshot(database)
    try:
        run_import(database, [("accounts.csv", text)])
    except ImportFailed as failed:
        assert all(re.match(r"^accounts\.csv:\d+: ", p) for p in failed.problems), failed.problems
        assert snapshot(database) == before
