"""Write-back (off by default): completed reference activities and credited wins become Tasks on the CRM
opportunity, once each, even across a crash between Salesforce's answer and our commit."""

from __future__ import annotations

import sqlalchemy as sa

from refbot.domain import RequestStatus as S
from refbot.models import CrmWriteback
from refbot.services import crm_writeback
from tests import loop_data as data
from tests.crm.helpers import CALL, deal_with_a_reference, run_sync


def on(ctx):
    ctx.settings = ctx.settings.model_copy(update={"salesforce_write_back": True})
    return ctx


def test_write_back_is_off_by_default(crm_ctx, org, sf_api):
    deal_with_a_reference(crm_ctx, org)
    assert run_sync(crm_ctx).ok
    assert sf_api.records("Task") == []


def test_activities_and_wins_are_written_as_tasks_once(crm_ctx, org, sf_api, session):
    ctx = on(crm_ctx)
    deal_with_a_reference(ctx, org)
    assert "1 written to the CRM" in run_sync(ctx).summary()
    tasks = sf_api.records("Task")
    assert len(tasks) == 1
    task = tasks[0]
    assert task["WhatId"] == org.deal and task["Status"] == "Completed" and task["ActivityDate"] == "2026-11-10"
    assert task["Subject"].startswith("Reference call: Dana Scully (Globex Bank) [RefBot activity:")
    assert "Dana Scully, VP Finance at Globex Bank gave a reference call" in task["Description"]
    org.sf.update("Opportunity", org.deal, StageName="Closed Won", IsClosed=True, IsWon=True)
    result = run_sync(ctx)
    assert "1 written to the CRM" in result.summary()
    assert run_sync(ctx).ok and run_sync(ctx, full=True).ok
    subjects = [t["Subject"] for t in sf_api.records("Task")]
    assert len(subjects) == 2 and subjects[1].startswith("Won with 1 reference [RefBot won:")
    assert {w.crm_id for w in session.scalars(sa.select(CrmWriteback))} == {t["Id"] for t in sf_api.records("Task")}


def test_a_crash_after_salesforce_created_the_task_does_not_write_it_twice(crm_ctx, org, sf_api, session):
    ctx = on(crm_ctx)
    deal_with_a_reference(ctx, org)
    assert run_sync(ctx).ok
    with ctx.db.unit_of_work() as s:  # as if we crashed before committing the write-back row
        s.execute(sa.delete(CrmWriteback))
    assert run_sync(ctx).ok
    assert len(sf_api.records("Task")) == 1
    assert session.scalar(sa.select(sa.func.count()).select_from(CrmWriteback)) == 1


def test_a_failed_write_is_retried_by_the_next_sync(crm_ctx, org, sf_api):
    ctx = on(crm_ctx)
    sf_api.fail("create", status=503, code="SERVER_UNAVAILABLE")
    deal_with_a_reference(ctx, org)  # the first sync wrote nothing: there was no call yet
    result = run_sync(ctx)
    assert result.writeback.error is not None and result.writeback.error.kind == "unavailable"
    assert sf_api.records("Task") == []
    assert run_sync(ctx).writeback.written
    assert len(sf_api.records("Task")) == 1


def test_nothing_is_pending_for_deals_the_crm_does_not_have(ctx, session):
    with ctx.db.unit_of_work() as s:
        data.request(s, scheduled_at=CALL, status=S.completed)
    with ctx.db.unit_of_work() as s:
        assert crm_writeback.pending(session=s) == []
