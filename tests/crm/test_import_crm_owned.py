"""The CSV importer leaves the CRM-owned columns of synced records alone and says so; program-owned
columns (willingness, topics, limits, status) still import."""

from __future__ import annotations

import sqlalchemy as sa

from refbot.domain import Seniority
from refbot.models import Account, Contact
from refbot.services.imports import import_files
from tests.crm.helpers import run_sync


def test_import_over_synced_records_keeps_crm_facts_and_names_the_columns(crm_ctx, org, session):
    assert run_sync(crm_ctx).ok
    accounts = (f"account_id,name,industry,country,products,notes\n{org.globex},Wrong Name,Retail,France,"
                "Payments;Cards,Loves us\nCSV1,Umbrella,Pharma,UK,,\n")
    contacts = (f"contact_id,account_id,name,title,activities,topics,max_per_quarter\n"
                f"{org.dana},{org.hooli},Not Dana,Intern,call;video,roi,1\n")
    with crm_ctx.db.unit_of_work() as s:
        report = import_files(session=s, files=[("accounts.csv", accounts), ("contacts.csv", contacts)])
    summary = report.summary()
    assert ("The CRM owns name, industry, country of 1 account synced from the CRM; name, title of 1 contact "
            "synced from the CRM: those columns were left as the CRM has them") in summary
    globex = session.scalar(sa.select(Account).where(Account.crm_id == org.globex))
    assert (globex.name, globex.industry, globex.country) == ("Globex Bank", "Banking", "DE")
    assert (globex.products, globex.notes) == (["Payments", "Cards"], "Loves us")
    assert session.scalar(sa.select(Account.name).where(Account.external_id == "CSV1")) == "Umbrella"
    dana = session.scalar(sa.select(Contact).where(Contact.crm_id == org.dana))
    assert (dana.name, dana.title, dana.account.name, dana.seniority) == (
        "Dana Scully", "VP Finance", "Globex Bank", Seniority.vp)
    assert (dana.activities, dana.topics, dana.max_per_quarter) == (["call", "video"], ["roi"], 1)


def test_without_synced_records_the_summary_says_nothing_about_the_crm(session, database):
    with database.unit_of_work() as s:
        report = import_files(session=s, files=[("accounts.csv", "account_id,name\nA1,Globex\n")])
    assert "CRM" not in report.summary()
