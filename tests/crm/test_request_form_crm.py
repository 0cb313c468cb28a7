"""The request form with Salesforce connected, end to end through Bolt: the seller picks one of their own
open deals by type-ahead; prospect, stage and amount come from it; the stage gate reads the CRM stage
through the stage mapping; nobody types a CRM id."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from refbot.models import Contact, Opportunity, ReferenceRequest, SearchLog
from refbot.services.crm_mapping import set_mapping
from refbot.services.policy import update_policy
from tests.crm.helpers import run_sync
from tests.support.payloads import (
    block_actions,
    block_suggestion,
    datepicker,
    dispatch,
    external_select,
    view_submission,
)


@pytest.fixture
def crm_app(crm_settings, crm_ctx):
    from refbot.slack_app import create_app

    return create_app(crm_settings, context=crm_ctx, process_before_response=True)


@pytest.fixture
def synced(crm_ctx, org, session):
    org.umbrella_deal = org.sf.add("Opportunity", Name="Umbrella rollout", AccountId=org.prospect, StageName="Proposal/Price Quote",
                                   Amount=90000.0, CloseDate="2027-01-20", IsClosed=False, IsWon=False, OwnerId=org.ana)
    assert run_sync(crm_ctx).ok
    dana = session.scalar(sa.select(Contact.id).where(Contact.crm_id == org.dana))
    search = SearchLog(user_id="UBEN", criteria={"industry": "Insurance"})
    session.add(search)
    session.commit()
    deals = dict(session.execute(sa.select(Opportunity.crm_id, Opportunity.id)).tuples().all())
    return {"dana": dana, "search": search.id, "initech": deals[org.deal], "umbrella": deals[org.umbrella_deal]}


def open_form(app, slack_api, synced, user="UBEN"):
    dispatch(app, block_actions("request_from_search", f"{synced['search']}:{synced['dana']}", user))
    return slack_api.last_view()


def suggest(app, view, text, user):
    response = dispatch(app, block_suggestion("crm_deal", text, user, view=view))
    return [(o["text"]["text"], o["value"]) for o in json.loads(response.body)["options"]]


def submit(app, view, deal_id, user="UBEN"):
    values = {"deal": {"crm_deal": external_select(str(deal_id))}, "needed_by": {"value": datepicker("2026-11-26")}}
    response = dispatch(app, view_submission(None, values, user, view=view))
    return json.loads(response.body) if response.body else {}


def test_the_form_asks_for_a_deal_not_for_its_facts(crm_app, slack_api, synced):
    view = open_form(crm_app, slack_api, synced)
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["deal"]["type"] == "external_select" and inputs["deal"]["action_id"] == "crm_deal"
    assert not {"prospect", "crm_id", "stage", "amount", "industry", "employees", "country"} & set(inputs)


def test_type_ahead_lists_only_deals_the_seller_owns_or_is_on_the_team_of(crm_app, slack_api, synced):
    view = open_form(crm_app, slack_api, synced)
    assert suggest(crm_app, view, "", "UBEN") == [
        ("Initech: Initech platform · Needs Analysis · $250K", str(synced["initech"]))]
    assert [v for _, v in suggest(crm_app, view, "", "UANA")] == [str(synced["initech"]), str(synced["umbrella"])]
    assert [v for _, v in suggest(crm_app, view, "umbr", "UANA")] == [str(synced["umbrella"])]
    assert suggest(crm_app, view, "", "USTRANGER") == []


def test_submitting_a_picked_deal_uses_the_crm_facts(crm_app, slack_api, synced, session):
    view = open_form(crm_app, slack_api, synced)
    assert submit(crm_app, view, synced["initech"]) == {}
    (request,) = session.scalars(sa.select(ReferenceRequest)).all()
    opp = request.opportunity
    assert (opp.id, opp.prospect_company, opp.amount, opp.stage) == (synced["initech"], "Initech", 250_000, "discovery")
    text = json.dumps(slack_api.messages_to("UANA")[0].args)
    assert "Initech" in text and "$250K" in text and "Discovery" in text


def test_another_sellers_deal_is_refused_on_the_picker(crm_app, slack_api, synced, session):
    view = open_form(crm_app, slack_api, synced)
    answer = submit(crm_app, view, synced["umbrella"])
    assert answer["response_action"] == "errors"
    assert answer["errors"] == {"deal": "That deal isn't one of your open Salesforce deals any more: pick another."}
    assert submit(crm_app, view, "")["errors"]["deal"].startswith("Pick the deal this reference is for")
    assert session.scalars(sa.select(ReferenceRequest)).all() == []


def test_the_stage_gate_reads_the_crm_stage_through_the_mapping(crm_app, crm_ctx, slack_api, synced, session):
    with crm_ctx.db.unit_of_work() as s:
        update_policy(session=s, changes={"min_stage": "evaluation"}, updated_by="UADMIN")
    view = open_form(crm_app, slack_api, synced)
    answer = submit(crm_app, view, synced["initech"])
    assert answer["errors"]["deal"].startswith("References start at Evaluation")
    with crm_ctx.db.unit_of_work() as s:
        set_mapping(session=s, settings=crm_ctx.settings, assignments=["stages.Needs Analysis=evaluation"],
                    updated_by="cli")
    assert submit(crm_app, open_form(crm_app, slack_api, synced), synced["initech"]) == {}
    with crm_ctx.db.unit_of_work() as s:
        set_mapping(session=s, settings=crm_ctx.settings, assignments=["stages.Needs Analysis="], updated_by="cli")
    answer = submit(crm_app, open_form(crm_app, slack_api, synced), synced["initech"])
    assert answer["errors"]["deal"].startswith("Its Salesforce stage 'Needs Analysis' has no RefBot stage yet")
