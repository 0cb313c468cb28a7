"""`refbot crm check|sync|status|mapping` and the scheduled `crm_sync` job, as a program manager uses them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from refbot import cli
from refbot.jobs import run_job
from refbot.models import Account, Opportunity, ScheduledRun
from tests.support import salesforce_api as sfapi


@pytest.fixture
def run(db_url, tmp_path, monkeypatch, capsys, sf_api, slack_api):
    monkeypatch.chdir(tmp_path)
    env = {"DATABASE_URL": db_url, "SALESFORCE_INSTANCE_URL": sf_api.base_url, "SALESFORCE_CLIENT_ID": sfapi.CLIENT_ID,
           "SALESFORCE_CLIENT_SECRET": sfapi.CLIENT_SECRET, "SLACK_BOT_TOKEN": "xoxb-test-token",
           "SLACK_API_URL": slack_api.base_url, "SALESFORCE_TIMEOUT_SECONDS": "2"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)

    def run(*args: str) -> tuple[int, str, str]:
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_check_says_what_works(run, org):
    code, out, err = run("crm", "check")
    assert code == 0, err
    assert "ok:      Signed in to https://127.0.0.1" in out and "(client-credentials flow)" in out
    assert "ok:      Can read Opportunity: Name, AccountId, Account.Name" in out
    assert out.rstrip().endswith("Salesforce is ready: run `refbot crm sync`.")


def test_check_names_bad_credentials_a_missing_field_permission_and_a_disabled_api(run, org, sf_api, monkeypatch):
    sf_api.hidden_fields["Account"] = {"Industry"}
    code, out, err = run("crm", "check")
    assert code == 1
    assert "problem: The integration user can't read Account.Industry (INVALID_FIELD)" in out
    assert "ok:      Can read Contact" in out  # the rest still works
    assert err.startswith("refbot: Salesforce is not fully usable: The integration user can't read Account.Industry")
    sf_api.hidden_objects.add("OpportunityTeamMember")
    assert "can't read OpportunityTeamMember records (INVALID_TYPE)" in run("crm", "check")[1]
    sf_api.api_enabled = False
    code, out, _ = run("crm", "check")
    assert "problem: The Salesforce API is disabled for this org or user (API_DISABLED_FOR_ORG)" in out
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", "nope")
    code, out, err = run("crm", "check")
    assert code == 1 and "Salesforce rejected the connected app (invalid_client)" in out
    assert "nope" not in out + err and "Traceback" not in err


def test_refbot_check_includes_salesforce(run, org, sf_api):
    out = run("check")[1]
    assert "[ok]   Salesforce: signed in; 5 objects readable" in out
    sf_api.api_enabled = False
    code, out, _ = run("check")
    assert code == 1 and "[FAIL] Salesforce: The Salesforce API is disabled" in out


def test_check_without_salesforce_or_with_half_its_settings(run, monkeypatch):
    monkeypatch.delenv("SALESFORCE_CLIENT_SECRET")
    code, _, err = run("crm", "check")
    assert code == 2 and err.startswith("refbot: SALESFORCE_CLIENT_SECRET is missing")
    monkeypatch.delenv("SALESFORCE_INSTANCE_URL")
    code, _, err = run("crm", "sync")
    assert code == 1 and "Salesforce is not configured: set SALESFORCE_INSTANCE_URL" in err


def test_sync_prints_progress_and_a_summary_then_status_shows_it(run, org, database):
    code, out, err = run("crm", "sync")
    assert code == 0, err
    assert "accounts: 2 synced (1 page)" in err
    assert out.startswith("Synced: users 3, accounts 2, contacts 2 (1 skipped), opportunities 1, team 1.")
    code, out, _ = run("crm", "status")
    assert code == 0
    assert "accounts: last synced " in out and "records applied in all" in out
    assert "last error" not in out


def test_a_failed_sync_exits_1_says_where_it_stopped_and_status_shows_the_error(run, org, sf_api):
    sf_api.fail("query", status=403, code="REQUEST_LIMIT_EXCEEDED", after=1)
    code, out, err = run("crm", "sync")
    assert code == 1
    assert "The sync stopped at accounts and will resume there: Salesforce's API request limit" in err
    code, out, _ = run("crm", "status")
    assert "accounts: never synced in full" in out and "last error at" in out and "REQUEST_LIMIT_EXCEEDED" in out


def test_skipped_records_are_listed_with_their_salesforce_id(run, org, sf_api):
    bad = sf_api.add("Account", Name="Atlantis", Type="Customer - Direct", BillingCountry="Atlantis", OwnerId=org.ana)
    code, out, _ = run("crm", "sync")
    assert code == 0
    assert f"skipped Account {bad}: Atlantis: unknown country 'Atlantis'" in out
    assert f"skipped Account {bad}" in run("crm", "status")[1]


def test_mapping_show_and_set_change_what_the_sync_reads(run, org, sf_api, database):
    code, out, _ = run("crm", "mapping", "show")
    assert "  industry        <- Industry" in out and "  Needs Analysis               -> discovery" in out
    code, _, err = run("crm", "mapping", "set", "accounts.colour=Colour__c")
    assert code == 1 and "accounts has no field 'colour'" in err
    code, _, err = run("crm", "mapping", "set", "stages.Needs Analysis=later")
    assert code == 1 and "'later' is not a RefBot stage" in err
    sf_api.add_field("Account", "Sector__c")
    sf_api.update("Account", org.globex, Sector__c="Retail Banking")
    assert run("crm", "sync")[0] == 0
    code, out, _ = run("crm", "mapping", "set", "accounts.industry=Sector__c", "stages.Needs Analysis=evaluation")
    assert code == 0 and "  industry        <- Sector__c" in out
    with database.sessionmaker() as s:  # the stage gate reads the new stage mapping at once
        assert s.scalar(sa.select(Opportunity.stage)) == "evaluation"
    assert run("crm", "sync", "--full")[0] == 0
    with database.sessionmaker() as s:
        assert s.scalar(sa.select(Account.industry).where(Account.crm_id == org.globex)) == "Retail Banking"
        assert s.scalar(sa.select(Opportunity.stage)) == "evaluation"


def test_the_job_syncs_once_per_slot_across_instances(crm_ctx, org, database, clock):
    from refbot.context import build_context

    other = build_context(crm_ctx.settings, clock=clock, db=database)
    first = run_job(crm_ctx, "crm_sync")
    assert "accounts 2" in first
    assert run_job(other, "crm_sync").endswith("already done")
    clock.advance(minutes=10)
    assert "accounts" in run_job(other, "crm_sync")
    with database.sessionmaker() as s:
        runs = s.scalars(sa.select(ScheduledRun).where(ScheduledRun.job == "crm_sync")).all()
    assert len(runs) == 2 and all(r.finished_at is not None for r in runs)


def test_the_job_does_nothing_without_a_crm(ctx):
    assert run_job(ctx, "crm_sync") == "no CRM configured"
