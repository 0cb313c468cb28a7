"""The CRM sync against the Salesforce stand-in, through the real simple-salesforce client."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from refbot.domain import ContactStatus
from refbot.models import Account, Contact, CrmCursor, CrmTeamMember, CrmUser, Opportunity
from tests.crm.helpers import run_sync
from tests.support import salesforce_api as sfapi


def state_of(session, obj: str) -> CrmCursor:
    session.expire_all()
    return session.get(CrmCursor, obj)


def accounts(session):
    return {a.name: a for a in session.scalars(sa.select(Account))}


def test_a_full_sync_brings_reference_accounts_their_contacts_owners_and_deals(crm_ctx, org, session, slack_api):
    result = run_sync(crm_ctx)
    assert result.ok, result.summary()
    accs = accounts(session)
    assert set(accs) == {"Globex Bank", "Hooli"}  # the prospect isn't a reference account (the filter)
    globex = accs["Globex Bank"]
    assert (globex.crm_id, globex.industry, globex.employees, globex.annual_revenue, globex.country,
            globex.region) == (org.globex, "Banking", 5200, 1_500_000_000, "DE", "EMEA")
    assert globex.owner_id == "UANA"  # the owner's email matched to Slack with users.lookupByEmail
    assert slack_api.calls("users.lookupByEmail")
    contacts = {c.name: c for c in session.scalars(sa.select(Contact))}
    assert set(contacts) == {"Dana Scully", "Fox Mulder"}  # Bill works for the prospect
    assert contacts["Dana Scully"].email == "dana@globex.example" and contacts["Dana Scully"].account_id == globex.id
    deal = session.scalar(sa.select(Opportunity))
    assert (deal.crm_id, deal.name, deal.prospect_company, deal.industry, deal.employees, deal.country) == (
        org.deal, "Initech platform", "Initech", "Insurance", 3000, "FR")
    assert (deal.crm_stage, deal.stage, deal.amount, str(deal.expected_close_date), deal.owner_id) == (
        "Needs Analysis", "discovery", 250_000, "2026-12-15", "UBEN")
    assert session.scalars(sa.select(CrmTeamMember.user_crm_id)).all() == [org.ana]
    assert {u.crm_id: u.slack_id for u in session.scalars(sa.select(CrmUser))} == {
        org.ana: "UANA", org.ben: "UBEN", org.cy: None}
    queries = org.sf.queries()
    assert any("FROM Account WHERE (Type IN ('Customer - Direct', 'Customer - Channel'))" in q for q in queries)
    assert any("FROM Opportunity WHERE (IsClosed = false OR CloseDate >= 2026-08-25)" in q for q in queries)


def test_a_resync_overwrites_crm_facts_and_never_what_the_program_manager_set(crm_ctx, org, session):
    run_sync(crm_ctx)
    with crm_ctx.db.unit_of_work() as s:
        dana = s.scalar(sa.select(Contact).where(Contact.crm_id == org.dana))
        dana.activities, dana.topics, dana.max_per_quarter = ["call", "case_study"], ["roi"], 1
        dana.status = ContactStatus.paused
        globex = s.scalar(sa.select(Account).where(Account.crm_id == org.globex))
        globex.products, globex.notes = ["Payments"], "loves us"
    org.sf.update("Contact", org.dana, Title="CFO", Email="dana.scully@globex.example")
    org.sf.update("Account", org.globex, Name="Globex Bank AG", Industry="Financial Services", NumberOfEmployees=6000)
    assert run_sync(crm_ctx).ok
    dana = session.scalar(sa.select(Contact).where(Contact.crm_id == org.dana))
    assert (dana.title, dana.email) == ("CFO", "dana.scully@globex.example")
    assert (dana.activities, dana.topics, dana.max_per_quarter, dana.status) == (
        ["call", "case_study"], ["roi"], 1, ContactStatus.paused)
    globex = session.scalar(sa.select(Account).where(Account.crm_id == org.globex))
    assert (globex.name, globex.industry, globex.employees) == ("Globex Bank AG", "Financial Services", 6000)
    assert (globex.products, globex.notes) == (["Payments"], "loves us")


def test_the_second_sync_reads_only_what_changed_since_its_cursor(crm_ctx, org, session):
    run_sync(crm_ctx)
    state = state_of(session, "accounts")
    cursor, cursor_id = state.cursor, state.cursor_id
    before = len(org.sf.queries())
    org.sf.update("Account", org.hooli, NumberOfEmployees=900)
    result = run_sync(crm_ctx)
    assert result.ok
    new = org.sf.queries()[before:]
    account_query = next(q for q in new if "FROM Account" in q)
    stamp = cursor.strftime('%Y-%m-%dT%H:%M:%SZ')
    assert f"(SystemModstamp > {stamp} OR (SystemModstamp = {stamp} AND Id > '{cursor_id}'))" in account_query
    by_obj = {r.obj.value: r.applied for r in result.objects}
    assert (by_obj["accounts"], by_obj["contacts"], by_obj["users"]) == (1, 0, 0)  # only the changed one
    assert accounts(session)["Hooli"].employees == 900


def test_a_full_sync_rereads_everything(crm_ctx, org):
    run_sync(crm_ctx)
    result = run_sync(crm_ctx, full=True)
    assert {r.obj.value: r.applied for r in result.objects}["accounts"] == 2
    assert all("SystemModstamp >=" not in q for q in org.sf.queries()[-5:])


def test_unmappable_records_are_reported_with_their_salesforce_id_and_skipped(crm_ctx, org, session):
    atlantis = org.sf.add("Account", Name="Atlantis Corp", Type="Customer - Direct", BillingCountry="Atlantis",
                          OwnerId=org.ana)
    orphan = org.sf.add("Account", Name="Orphan Inc", Type="Customer - Direct", BillingCountry="DE", OwnerId=org.cy)
    result = run_sync(crm_ctx)
    assert result.ok
    issues = next(r for r in result.objects if r.obj.value == "accounts").issues
    assert any(atlantis in i and "unknown country 'Atlantis'" in i for i in issues)
    assert any(orphan in i and "no Slack account" in i for i in issues)
    assert set(accounts(session)) == {"Globex Bank", "Hooli"}
    assert state_of(session, "accounts").issues == issues  # kept for `refbot crm status`


def test_request_limit_mid_sync_stops_cleanly_keeps_the_cursor_and_resumes(crm_ctx, org, session, sf_api):
    for i in range(7):
        sf_api.add("Account", Name=f"Ref {i}", Type="Customer - Direct", BillingCountry="DE", OwnerId=org.ana)
    sf_api.fail("query_more", status=403, code="REQUEST_LIMIT_EXCEEDED", message="TotalRequests Limit exceeded.")
    result = run_sync(crm_ctx)
    assert result.error is not None and result.error.kind == "rate_limit"
    assert result.failed_object.value == "accounts"
    # users: 1 page, accounts: the first page of 3 only; nothing after it, no contacts yet
    assert len(accounts(session)) == 3
    assert session.scalar(sa.select(sa.func.count(Contact.id))) == 0
    state = state_of(session, "accounts")
    assert "REQUEST_LIMIT_EXCEEDED" in state.last_error and state.last_success_at is None
    assert state.cursor is not None
    resumed = run_sync(crm_ctx)
    assert resumed.ok, resumed.summary()
    assert len(accounts(session)) == 9
    assert state_of(session, "accounts").last_error is None


def test_a_timeout_mid_page_and_a_500_each_stop_the_sync_and_the_next_run_finishes(crm_ctx, org, session, sf_api):
    for i in range(4):
        sf_api.add("Contact", AccountId=org.globex, Name=f"Person {i}")
    sf_api.stall("query_more", seconds=4, after=1)  # users and accounts fit a page each... contacts page 2 stalls
    result = run_sync(crm_ctx)
    assert result.error is not None and result.error.kind == "timeout", result.summary()
    assert "did not answer within 2 s" in result.error.message
    sf_api.fail("query", status=500)
    result = run_sync(crm_ctx)
    assert result.error is not None and result.error.kind == "unavailable"
    assert run_sync(crm_ctx).ok
    assert session.scalar(sa.select(sa.func.count(Contact.id))) == 6


def test_an_expired_token_is_renewed_and_bad_credentials_stop_before_anything_is_written(
        crm_ctx, org, session, sf_api):
    sf_api.fail("query", status=401, code="INVALID_SESSION_ID", message="Session expired or invalid", after=2)
    assert run_sync(crm_ctx).ok
    assert len([r for r in sf_api.requests if r.kind == "token"]) == 2
    bad = crm_ctx.settings.model_copy(update={"salesforce_client_secret": "wrong"})
    from refbot.context import build_context

    ctx2 = build_context(bad, clock=crm_ctx.clock, db=crm_ctx.db)
    sf_api.update("Account", org.hooli, Name="Hooli XYZ")
    result = run_sync(ctx2)
    assert result.error is not None and result.error.kind == "auth"
    assert "SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET" in result.error.message
    assert "Hooli XYZ" not in accounts(session)


def test_credentials_never_appear_in_logs(crm_ctx, org, sf_api, caplog):
    for name in (None, "urllib3", "simple_salesforce", "refbot"):
        caplog.set_level(logging.DEBUG, logger=name)
    sf_api.fail("query", status=401, code="INVALID_SESSION_ID", after=1)
    run_sync(crm_ctx)
    sf_api.fail("query", status=403, code="REQUEST_LIMIT_EXCEEDED")
    run_sync(crm_ctx)
    bad = crm_ctx.settings.model_copy(update={"salesforce_client_secret": "wrong-" + sfapi.CLIENT_SECRET})
    from refbot.context import build_context

    run_sync(build_context(bad, clock=crm_ctx.clock, db=crm_ctx.db))
    logged = caplog.text
    assert "REQUEST_LIMIT_EXCEEDED" in logged  # the sync did log its stop
    assert sfapi.CLIENT_SECRET not in logged
    assert "00Dstub!" not in logged  # no access token
    assert "POST /services/oauth2/token" in logged  # urllib3's debug lines were captured too
