"""CSV import/export: every bad row reported with file:line: column, nothing half-written, exact round trip."""

from __future__ import annotations

import datetime as dt

import pytest

from refbot.models import Account, Activity, Contact
from refbot.services.imports import ImportFailed, export_texts, import_files
from refbot.services.demo import load_demo

ACCOUNTS = '''Account ID,Name,Industry,Employees,Annual_Revenue,Country,Region,Products,Use_Cases,Competitor_Replaced,Owner,Status,Case_Study_URL,Notes
A1,"Globex, Inc.",Banking,"5,000",$2.5B,Germany,,Payments;Analytics,Fraud detection,Oracle,UOWNER,active,,"Loves us, says ""great""
second line"
A2,Initech Café,Healthcare,120k,,usa,,,,,,,,
'''
CONTACTS = '''contact_id,account_id,name,title,seniority,persona,email,phone,topics,activities,max_per_quarter,status,timezone,languages
C1,A1,Dana Scully,Chief Information Officer,,technical,Dana@Example.com,+49 30 1,roi;integration,call;site visit,2,active,Europe/Berlin,German;English
C2,A2,Bob,VP Finance,,business,,,,,,opted_out,,
'''
ACTIVITIES = '''contact_id,date,type,opportunity,notes
C1,2026-10-01,call,Umbrella,
C1,2026-11-02,site_visit,,went well
'''


def _import(session, **files):
    report = import_files(session=session, files=[(f"{k}.csv", v) for k, v in files.items()])
    session.commit()
    return report


def test_import_derives_and_normalises(session):
    report = _import(session, accounts=ACCOUNTS, contacts=CONTACTS, activities=ACTIVITIES)
    assert "2 accounts (2 new" in report.summary() and "2 activities (2 new" in report.summary()
    globex = session.query(Account).filter_by(external_id="A1").one()
    assert (globex.country, globex.region, globex.employees, globex.annual_revenue) == ("DE", "EMEA", 5000, 2_500_000_000)
    assert globex.products == ["Payments", "Analytics"] and "\n" in globex.notes
    initech = session.query(Account).filter_by(external_id="A2").one()
    assert (initech.country, initech.region, initech.employees) == ("US", "NA", 120_000)
    dana = session.query(Contact).filter_by(external_id="C1").one()
    assert dana.seniority == "c_level" and dana.email == "dana@example.com"
    assert dana.activities == ["call", "site_visit"]
    assert session.query(Contact).filter_by(external_id="C2").one().seniority == "vp"


def test_reimport_changes_nothing_and_round_trip_is_exact(session):
    _import(session, accounts=ACCOUNTS, contacts=CONTACTS, activities=ACTIVITIES)
    first = export_texts(session=session)
    before = {a.external_id: a.updated_at for a in session.query(Account)}
    report = _import(session, accounts=ACCOUNTS, contacts=CONTACTS, activities=ACTIVITIES)
    assert "0 new, 0 updated, 2 unchanged" in report.summary()
    assert {a.external_id: a.updated_at for a in session.query(Account)} == before
    report = _import(session, **{k.removesuffix(".csv"): v for k, v in first.items()})
    assert "updated" in report.summary() and ", 0 updated" in report.summary().split("contacts")[0]
    assert export_texts(session=session) == first


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"accounts": "account_id,industry\nA1,Banking\n"}, "accounts.csv:1: name: required column is missing"),
        ({"accounts": "account_id,name\nA1,\n"}, "accounts.csv:2: name: required value is missing"),
        ({"accounts": "account_id,name,status\nA1,X,sleeping\n"}, "accounts.csv:2: status: 'sleeping' is not one of"),
        ({"accounts": "account_id,name,employees\nA1,X,lots\n"}, "accounts.csv:2: employees: 'lots' is not a number"),
        ({"accounts": "account_id,name\nA1,X\nA1,Y\n"}, "accounts.csv:3: account_id: duplicate id 'A1'"),
        ({"accounts": "account_id,name,country\nA1,X,Atlantis\n"}, "accounts.csv:2: country: unknown country"),
        ({"contacts": "contact_id,account_id,name\nC1,NOPE,Dana\n"}, "contacts.csv:2: account_id: unknown account 'NOPE'"),
        ({"contacts": "contact_id,account_id,name,seniority\nC1,A1,Dana,boss\n"}, "contacts.csv:2: seniority:"),
        ({"activities": "contact_id,date,type\nC9,2026-01-01,call\n"}, "activities.csv:2: contact_id: unknown contact 'C9'"),
        ({"activities": "contact_id,date,type\nC1,01/02/2026,call\n"}, "activities.csv:2: date: '01/02/2026' is not a date"),
    ],
)
def test_every_error_class_is_reported_and_nothing_is_written(session, files, expected):
    _import(session, accounts="account_id,name\nA1,Globex\n", contacts="contact_id,account_id,name\nC1,A1,Dana\n")
    good_account = "account_id,name\nA3,Fine Corp\n"
    with pytest.raises(ImportFailed) as info:
        import_files(session=session, files=[("good.csv", good_account), *[(f"{k}.csv", v) for k, v in files.items()]])
    session.rollback()
    assert any(p.startswith(expected) for p in info.value.problems), info.value.problems
    assert session.query(Account).filter_by(external_id="A3").count() == 0


def test_all_problems_are_listed_at_once(session):
    bad = "account_id,name,employees,country\nA1,,x,Atlantis\nA2,Ok,5,DE\nA3,Bad,,Nowhere\n"
    with pytest.raises(ImportFailed) as info:
        import_files(session=session, files=[("accounts.csv", bad)])
    assert len(info.value.problems) == 4
    assert session.query(Account).count() == 0


def test_owner_email_needs_slack_to_resolve(session):
    with pytest.raises(ImportFailed) as info:
        import_files(session=session, files=[("a.csv", "account_id,name,owner\nA1,X,olga@corp.example\n")])
    assert "owner: can't resolve an email without SLACK_BOT_TOKEN" in info.value.problems[0]


def test_owner_email_resolved_through_users_lookup(session, slack_api):
    slack_api.add_user("UOLGA", "Olga", email="olga@corp.example")
    client = slack_api.new_web_client()
    import_files(session=session, files=[("a.csv", "account_id,name,owner\nA1,X,Olga@Corp.example\n")], client=client)
    assert session.query(Account).one().owner_id == "UOLGA"


def test_demo_program_is_realistic_and_idempotent(session):
    today = dt.date(2026, 11, 23)
    load_demo(session=session, today=today)
    session.commit()
    assert session.query(Account).count() >= 200 and session.query(Contact).count() >= 600
    assert session.query(Contact).filter_by(status="opted_out").count() > 0
    assert len({a.industry for a in session.query(Account)}) >= 10
    assert {a.region for a in session.query(Account)} == {"NA", "LATAM", "EMEA", "APAC"}
    recent = [a.contact_id for a in session.query(Activity) if (today - a.occurred_on).days <= 90]
    assert any(recent.count(c) >= 2 for c in set(recent))  # some contacts are fatigued
    report = load_demo(session=session, today=today)
    assert ", 0 new" not in report.summary() or "0 updated" in report.summary()
    assert session.query(Account).count() == 220
