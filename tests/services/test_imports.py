"""CSV import/export: every bad row reported as file:line: column, nothing half-written, upserts that only
change what changed, and an exact round trip."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from refbot.models import Account, Activity, Contact
from refbot.services.imports import ImportFailed, export_texts, import_files

ACCOUNTS = '''\ufeffAccount ID, Name ,INDUSTRY,Employees,Annual-Revenue,Country,Region,Products,Use Cases,Competitor_Replaced,Owner,Status,Case_Study_URL,Notes
A1,"Globex, Inc.",Banking,"5,000",$2.5B,Germany,,Payments;Analytics,Fraud detection,Oracle,UOWNER1,active,,"Loves us, says ""great""
second line"
A2,Initech Café,Healthcare,120k,2bn,usa,,,,,,paused,https://example.com/initech,
A3,Tyrell,Manufacturing,50,120M,MX,na,,,,,,,
'''
CONTACTS = '''contact_id,account_id,name,title,seniority,persona,email,phone,topics,activities,max_per_quarter,status,timezone,languages
C1,A1,Dana Scully,Chief Information Officer,,technical,Dana@Example.com,+49 30 1,roi;integration,call;site visit,2,active,Europe/Berlin,German;English
C2,A2,Bob,VP Finance,,business,,,,,,opted_out,,
C3,A3,Rachael,Senior Developer,Director,,,,,,,,,
'''
ACTIVITIES = '''contact_id,date,type,opportunity,notes
C1,2026-10-01,call,Umbrella,
C1,2026-11-02,Site Visit,,went well
'''


def run_import(database, *files: tuple[str, str], client=None):
    """One all-or-nothing import, committed, as `refbot import` does it."""
    with database.unit_of_work() as session:
        return import_files(session=session, files=list(files), client=client)


def failed_import(database, *files: tuple[str, str]) -> list[str]:
    with pytest.raises(ImportFailed) as info, database.unit_of_work() as session:
        import_files(session=session, files=list(files))
    return info.value.problems


def one(database, model, external_id):
    with database.sessionmaker() as s:
        return s.scalars(sa.select(model).where(model.external_id == external_id)).one()


def count(database, model) -> int:
    with database.sessionmaker() as s:
        return s.scalar(sa.select(sa.func.count()).select_from(model))


def exported(database) -> dict[str, str]:
    with database.sessionmaker() as s:
        return export_texts(session=s)


def test_values_are_normalised_and_region_and_seniority_derived(database):
    report = run_import(database, ("a.csv", ACCOUNTS), ("c.csv", CONTACTS), ("x.csv", ACTIVITIES))
    assert report.summary() == (
        "Imported 3 accounts (3 new, 0 updated, 0 unchanged), 3 contacts (3 new, 0 updated, 0 unchanged), "
        "2 activities (2 new, 0 updated, 0 unchanged)."
    )
    globex = one(database, Account, "A1")
    assert (globex.name, globex.country, globex.region, globex.employees, globex.annual_revenue) == (
        "Globex, Inc.", "DE", "EMEA", 5000, 2_500_000_000)
    assert globex.products == ["Payments", "Analytics"] and globex.owner_id == "UOWNER1"
    assert globex.notes == 'Loves us, says "great"\nsecond line'
    initech = one(database, Account, "A2")
    assert (initech.country, initech.region, initech.employees, initech.annual_revenue) == (
        "US", "NA", 120_000, 2_000_000_000)
    assert (initech.status, initech.products) == ("paused", [])
    tyrell = one(database, Account, "A3")
    assert (tyrell.country, tyrell.region, tyrell.status) == ("MX", "NA", "active")  # a given region wins

    dana = one(database, Contact, "C1")
    assert (dana.seniority, dana.email, dana.activities) == ("c_level", "dana@example.com", ["call", "site_visit"])
    assert dana.languages == ["German", "English"] and dana.max_per_quarter == 2
    assert one(database, Contact, "C2").seniority == "vp"
    assert one(database, Contact, "C3").seniority == "director"  # a given seniority wins over the title
    with database.sessionmaker() as s:
        assert sorted((a.occurred_on.isoformat(), a.type) for a in s.scalars(sa.select(Activity))) == [
            ("2026-10-01", "call"), ("2026-11-02", "site_visit")]


def test_reimport_changes_nothing_then_an_edit_updates_only_that_row(database):
    files = [("a.csv", ACCOUNTS), ("c.csv", CONTACTS), ("x.csv", ACTIVITIES)]
    run_import(database, *files)
    stamps = {a.external_id: a.updated_at for a in [one(database, Account, x) for x in ("A1", "A2", "A3")]}

    report = run_import(database, *files)
    assert report.summary() == (
        "Imported 3 accounts (0 new, 0 updated, 3 unchanged), 3 contacts (0 new, 0 updated, 3 unchanged), "
        "2 activities (0 new, 0 updated, 2 unchanged)."
    )
    assert {x: one(database, Account, x).updated_at for x in stamps} == stamps
    assert count(database, Activity) == 2

    edited = ACCOUNTS.replace("120k,2bn,usa", "130k,2bn,usa")
    report = run_import(database, ("a.csv", edited), ("x.csv", ACTIVITIES.replace("went well", "went very well")))
    assert report.summary() == (
        "Imported 3 accounts (0 new, 1 updated, 2 unchanged), 2 activities (0 new, 1 updated, 1 unchanged)."
    )
    assert one(database, Account, "A2").employees == 130_000
    assert one(database, Account, "A1").updated_at == stamps["A1"]


def test_columns_left_out_keep_their_values_and_empty_cells_clear_them(database):
    run_import(database, ("a.csv", ACCOUNTS), ("c.csv", CONTACTS))
    run_import(database, ("a.csv", "account_id,name\nA2,Initech Healthcare\n"))
    initech = one(database, Account, "A2")
    assert (initech.name, initech.industry, initech.status, initech.region) == (
        "Initech Healthcare", "Healthcare", "paused", "NA")

    run_import(database, ("a.csv", "account_id,name,industry,country\nA3,Tyrell,,Mexico\n"))
    tyrell = one(database, Account, "A3")
    assert (tyrell.industry, tyrell.region) == (None, "NA")  # same country: the region given earlier stays
    run_import(database, ("a.csv", "account_id,name,country\nA3,Tyrell,Brazil\n"))
    assert one(database, Account, "A3").region == "LATAM"  # new country: region derived again

    run_import(database, ("c.csv", "contact_id,account_id,name,title\nC2,A2,Bob,Chief Financial Officer\n"))
    bob = one(database, Contact, "C2")
    assert (bob.title, bob.seniority, bob.status) == ("Chief Financial Officer", "c_level", "opted_out")


def test_files_in_any_order_and_contacts_may_reference_accounts_already_imported(database):
    report = run_import(
        database, ("x.csv", ACTIVITIES), ("c.csv", CONTACTS), ("a.csv", ACCOUNTS))  # order of arguments is free
    assert "3 contacts (3 new" in report.summary()
    run_import(database, ("more.csv", "contact_id,account_id,name\nC9,A1,Fox Mulder\n"))
    assert one(database, Contact, "C9").account_id == one(database, Account, "A1").id


def test_semicolon_separated_export_from_european_excel_is_read(database):
    text = "account_id;name;products;employees\nA1;Globex;\"Payments;Identity\";5000\n"
    run_import(database, ("a.csv", text))
    assert one(database, Account, "A1").products == ["Payments", "Identity"]


AWKWARD_ACCOUNTS = '''account_id,name,industry,employees,annual_revenue,country,region,products,use_cases,competitor_replaced,owner,status,case_study_url,notes,deployment
z-9,"Zürich Versicherungs, AG",Insurance,12000,9.5B,Switzerland,,Identity,,"Contoso, ""legacy""",W0ORG,retired,,"Line one
Line two, with comma

and a blank line",on-prem
007,東京 Logistics 株式会社,,0,,JP,,Analytics;Data Platform,Route analytics;Shipment tracking,,,,,,
A-10,"  Spaces  ",Media,,,,apac,,,,,,https://example.com/x?a=1&b=2,   ,cloud
'''
AWKWARD_CONTACTS = '''contact_id,account_id,name,title,seniority,persona,email,phone,topics,activities,max_per_quarter,status,timezone,languages
c1,z-9,"Søren ""Sunny"" Ølgaard",Head of Claims,,business,s.o@example.com,"+41 44 555 01 01, ext. 3",roi,call;video;call,0,paused,Europe/Zurich,German;French;English
c10,007,山田 太郎,,,,,,,,,,Asia/Tokyo,
'''
AWKWARD_ACTIVITIES = '''contact_id,date,type,opportunity,notes
c1,2025-12-31,video,"Acme, Inc. (renewal)","He said ""yes""
on camera"
c1,2025-12-31,call,"Acme, Inc. (renewal)",
c10,2026-01-05,event,,
'''

AWKWARD_ACCOUNTS_EXPORTED = '''account_id,name,industry,employees,annual_revenue,country,region,products,use_cases,competitor_replaced,owner,status,case_study_url,notes,deployment
007,東京 Logistics 株式会社,,0,,JP,APAC,Analytics;Data Platform,Route analytics;Shipment tracking,,,active,,,
A-10,Spaces,Media,,,,APAC,,,,,active,https://example.com/x?a=1&b=2,,cloud
z-9,"Zürich Versicherungs, AG",Insurance,12000,9500000000,CH,EMEA,Identity,,"Contoso, ""legacy""",W0ORG,retired,,"Line one
Line two, with comma

and a blank line",on_prem
'''


def test_import_export_import_export_round_trips_byte_for_byte(database):
    run_import(database, ("accounts.csv", AWKWARD_ACCOUNTS), ("contacts.csv", AWKWARD_CONTACTS),
               ("activities.csv", AWKWARD_ACTIVITIES))
    first = exported(database)
    assert list(first) == ["accounts.csv", "contacts.csv", "activities.csv"]
    assert first["accounts.csv"].splitlines()[0] == (
        "account_id,name,industry,employees,annual_revenue,country,region,products,use_cases,competitor_replaced,"
        "owner,status,case_study_url,notes,deployment")
    assert first["contacts.csv"].splitlines()[0] == (
        "contact_id,account_id,name,title,seniority,persona,email,phone,topics,activities,max_per_quarter,status,"
        "timezone,languages")
    assert first["activities.csv"].splitlines()[0] == "contact_id,date,type,opportunity,notes"
    assert [row[0] for row in csv.reader(io.StringIO(first["accounts.csv"]))] == [
        "account_id", "007", "A-10", "z-9"]  # sorted by id, not by insertion
    assert first["accounts.csv"] == AWKWARD_ACCOUNTS_EXPORTED
    zurich = one(database, Account, "z-9")
    assert (zurich.region, zurich.deployment, zurich.status) == ("EMEA", "on_prem", "retired")
    assert one(database, Contact, "c1").activities == ["call", "video"]

    report = run_import(database, *first.items())
    assert report.summary() == (
        "Imported 3 accounts (0 new, 0 updated, 3 unchanged), 2 contacts (0 new, 0 updated, 2 unchanged), "
        "3 activities (0 new, 0 updated, 3 unchanged)."
    )
    assert exported(database) == first

    # into an empty database: the same program, the same bytes
    with database.unit_of_work() as s:
        for model in (Activity, Contact, Account):
            s.execute(sa.delete(model))
    run_import(database, *first.items())
    assert exported(database) == first


GOOD_ACCOUNT = ("good.csv", "account_id,name\nA3,Fine Corp\n")


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        pytest.param(("accounts.csv", "account_id,industry\nA1,Banking\n"),
                     "accounts.csv:1: name: required column is missing", id="missing-column"),
        pytest.param(("activities.csv", "contact_id,date\nC1,2026-01-01\n"),
                     "activities.csv:1: type: required column is missing", id="missing-column-activities"),
        pytest.param(("accounts.csv", "account_id,name\nA1,\n"),
                     "accounts.csv:2: name: required value is missing", id="missing-value"),
        pytest.param(("contacts.csv", "contact_id,account_id,name\n,A1,Dana\n"),
                     "contacts.csv:2: contact_id: required value is missing", id="missing-id"),
        pytest.param(("accounts.csv", "account_id,name,status\nA1,X,sleeping\n"),
                     "accounts.csv:2: status: 'sleeping' is not one of: active, paused, retired", id="bad-enum"),
        pytest.param(("contacts.csv", "contact_id,account_id,name,seniority\nC1,A1,Dana,boss\n"),
                     "contacts.csv:2: seniority: 'boss' is not one of: c_level, vp, director", id="bad-seniority"),
        pytest.param(("contacts.csv", "contact_id,account_id,name,activities\nC1,A1,Dana,call;lunch\n"),
                     "contacts.csv:2: activities: 'lunch' is not one of: call, site_visit", id="bad-activity-type"),
        pytest.param(("contacts.csv", "contact_id,account_id,name\nC1,NOPE,Dana\n"),
                     "contacts.csv:2: account_id: unknown account 'NOPE'", id="unknown-account"),
        pytest.param(("activities.csv", "contact_id,date,type\nC9,2026-01-01,call\n"),
                     "activities.csv:2: contact_id: unknown contact 'C9'", id="unknown-contact"),
        pytest.param(("accounts.csv", "account_id,name,employees\nA1,X,lots\n"),
                     "accounts.csv:2: employees: 'lots' is not a number", id="bad-number"),
        pytest.param(("contacts.csv", "contact_id,account_id,name,max_per_quarter\nC1,A1,Dana,two\n"),
                     "contacts.csv:2: max_per_quarter: 'two' is not a whole number", id="bad-whole-number"),
        pytest.param(("accounts.csv", "account_id,name\nA1,X\nA1,Y\n"),
                     "accounts.csv:3: account_id: duplicate id 'A1' (also on accounts.csv:2)", id="duplicate-id"),
        pytest.param(("activities.csv", "contact_id,date,type\nC1,2026-01-01,call\nC1,2026-01-01,Call\n"),
                     "activities.csv:3: row: the same activity (contact, date, type, opportunity) as activities.csv:2",
                     id="duplicate-activity"),
        pytest.param(("activities.csv", "contact_id,date,type\nC1,01/02/2026,call\n"),
                     "activities.csv:2: date: '01/02/2026' is not a date in YYYY-MM-DD form", id="bad-date"),
        pytest.param(("activities.csv", "contact_id,date,type\nC1,2026-02-30,call\n"),
                     "activities.csv:2: date: '2026-02-30' is not a date", id="impossible-date"),
        pytest.param(("accounts.csv", "account_id,name,country\nA1,X,Atlantis\n"),
                     "accounts.csv:2: country: unknown country 'Atlantis'", id="bad-country"),
        pytest.param(("accounts.csv", "account_id,name,region\nA1,X,Mars\n"),
                     "accounts.csv:2: region: 'Mars' is not one of NA, LATAM, EMEA, APAC", id="bad-region"),
        pytest.param(("contacts.csv", "contact_id,account_id,name,email\nC1,A1,Dana,dana-at-example\n"),
                     "contacts.csv:2: email: 'dana-at-example' is not an email address", id="bad-email"),
        pytest.param(("contacts.csv", "contact_id,account_id,name,timezone\nC1,A1,Dana,Berlin\n"),
                     "contacts.csv:2: timezone: 'Berlin' is not a timezone name", id="bad-timezone"),
        pytest.param(("accounts.csv", "account_id,name,deployment\nA1,X,mainframe\n"),
                     "accounts.csv:2: deployment: 'mainframe' is not one of: cloud, hybrid, on_prem", id="bad-deployment"),
        pytest.param(("accounts.csv", "account_id,name,owner\nA1,X,olga\n"),
                     "accounts.csv:2: owner: 'olga' is neither a Slack user id (U…) nor an email", id="bad-owner"),
        pytest.param(("accounts.csv", f"account_id,name\nA1,{'x' * 201}\n"),
                     "accounts.csv:2: name: too long (201 characters, at most 200)", id="too-long"),
        pytest.param(("accounts.csv", "account_id,name,revenue\nA1,X,5\n"),
                     "accounts.csv:1: revenue: unknown column for a accounts file", id="unknown-column"),
        pytest.param(("accounts.csv", "account_id,name,Name\nA1,X,Y\n"),
                     "accounts.csv:1: name: the column appears twice", id="duplicate-column"),
        pytest.param(("people.csv", "id,full name\n1,Dana\n"),
                     "people.csv:1: header: not an accounts file (account_id, name, …)", id="unrecognised-file"),
        pytest.param(("accounts.csv", "account_id,name\nA1,X,surprise\n"),
                     "accounts.csv:2: column 3: a value in a column without a header", id="extra-cell"),
    ],
)
def test_every_error_class_is_reported_with_its_line_and_nothing_is_written(database, file, expected):
    run_import(database, ("a.csv", "account_id,name\nA1,Globex\n"), ("c.csv", "contact_id,account_id,name\nC1,A1,Dana\n"))
    problems = failed_import(database, GOOD_ACCOUNT, file)
    assert [p for p in problems if p.startswith(expected)], problems
    assert len(problems) == 1, problems
    assert count(database, Account) == 1 and count(database, Contact) == 1 and count(database, Activity) == 0


def test_all_problems_are_listed_at_once_with_physical_line_numbers(database):
    accounts = (
        "account_id,name,employees,country,notes\n"
        'A1,Ok,5,DE,"a note\nover two lines"\n'  # lines 2-3
        "A2,,x,Atlantis,\n"  # line 4: three problems
        "\n"  # line 5: blank, skipped
        "A3,Bad,,Nowhere,\n"  # line 6
    )
    contacts = "contact_id,account_id,name,persona\nC1,A2,Dana,sales\nC2,A9,Eve,business\n"
    problems = failed_import(database, ("accounts.csv", accounts), ("contacts.csv", contacts))
    assert problems == [
        "accounts.csv:4: name: required value is missing",
        "accounts.csv:4: employees: 'x' is not a number (examples: 5000, 5,000, 5k, $2.5B)",
        "accounts.csv:4: country: unknown country 'Atlantis' (use a name or ISO code, e.g. Germany or DE)",
        "accounts.csv:6: country: unknown country 'Nowhere' (use a name or ISO code, e.g. Germany or DE)",
        "contacts.csv:2: persona: 'sales' is not one of: business, technical",
        "contacts.csv:3: account_id: unknown account 'A9' (not in RefBot nor in this import)",
    ]
    assert count(database, Account) == 0 and count(database, Contact) == 0


def test_a_bad_row_late_in_a_big_file_means_nothing_is_written(database):
    rows = "".join(f"A{i},Company {i},{i * 10}\n" for i in range(1, 501))
    problems = failed_import(database, ("accounts.csv", "account_id,name,employees\n" + rows + "A501,Late,-3\n"))
    assert problems == ["accounts.csv:502: employees: '-3' is not a number (examples: 5000, 5,000, 5k, $2.5B)"]
    assert count(database, Account) == 0


def test_owner_email_without_a_bot_token_is_a_clear_error(database):
    problems = failed_import(database, ("a.csv", "account_id,name,owner\nA1,X,olga@corp.example\n"))
    assert problems == ["a.csv:2: owner: can't resolve email olga@corp.example without SLACK_BOT_TOKEN "
                        "(or use the Slack user id)"]


def test_owner_email_is_resolved_through_users_lookup_by_email_once(database, slack_api):
    slack_api.add_user("UOLGA", "Olga", email="olga@corp.example")
    client = slack_api.new_web_client()
    text = "account_id,name,owner\nA1,X,Olga@Corp.example\nA2,Y,olga@corp.example\nA3,Z,U0KEEP\n"
    run_import(database, ("a.csv", text), client=client)
    assert [one(database, Account, x).owner_id for x in ("A1", "A2", "A3")] == ["UOLGA", "UOLGA", "U0KEEP"]
    assert len(slack_api.calls("users.lookupByEmail")) == 1
    assert exported(database)["accounts.csv"].splitlines()[1].split(",")[10] == "UOLGA"  # export writes the id

    problems = failed_import(database, ("a.csv", "account_id,name,owner\nA4,W,nobody@corp.example\n"))
    assert problems == ["a.csv:2: owner: can't resolve email nobody@corp.example without SLACK_BOT_TOKEN "
                        "(or use the Slack user id)"]
    with pytest.raises(ImportFailed) as info, database.unit_of_work() as s:
        import_files(session=s, files=[("a.csv", "account_id,name,owner\nA4,W,nobody@corp.example\n")], client=client)
    assert info.value.problems == ["a.csv:2: owner: no Slack user has the email nobody@corp.example"]


def test_import_queries_in_bulk_not_per_row(database):
    accounts = "account_id,name\n" + "".join(f"A{i},Company {i}\n" for i in range(300))
    contacts = "contact_id,account_id,name,title\n" + "".join(f"C{i},A{i % 300},Person {i},CTO\n" for i in range(900))
    activities = "contact_id,date,type\n" + "".join(f"C{i},2026-01-{i % 28 + 1:02d},call\n" for i in range(900))
    statements: list[str] = []

    def count_statement(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(database.engine, "before_cursor_execute", count_statement)
    try:
        run_import(database, ("a.csv", accounts), ("c.csv", contacts), ("x.csv", activities))
        first = len(statements)
        statements.clear()
        run_import(database, ("a.csv", accounts.replace("Company 1\n", "Company One\n")), ("c.csv", contacts))
    finally:
        sa.event.remove(database.engine, "before_cursor_execute", count_statement)
    assert first < 40, first  # 2,100 rows: a handful of SELECTs and batched INSERTs
    assert len(statements) < 20, len(statements)
    assert count(database, Contact) == 900 and count(database, Activity) == 900


def test_every_iso_country_is_known_to_the_importer(database):
    rows = "account_id,name,country\nK1,Astana Bank,Kazakhstan\nK2,Moscow Co,Russia\nK3,La Paz SA,Bolivia\n" \
           "K4,Hanoi Ltd,Viet Nam\nK5,Kyiv LLC,UKR\nK6,Abidjan SA,Côte d'Ivoire\n"
    run_import(database, ("a.csv", rows))
    got = {ext: (one(database, Account, ext).country, one(database, Account, ext).region)
           for ext in ("K1", "K2", "K3", "K4", "K5", "K6")}
    assert got == {"K1": ("KZ", "EMEA"), "K2": ("RU", "EMEA"), "K3": ("BO", "LATAM"), "K4": ("VN", "APAC"),
                   "K5": ("UA", "EMEA"), "K6": ("CI", "EMEA")}
