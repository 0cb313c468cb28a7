"""Fixtures for the CRM tests: the Salesforce REST stand-in (HTTPS on a loopback port, its certificate
trusted through REQUESTS_CA_BUNDLE) and settings/context connected to it, on top of the Slack stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from refbot.config import Settings
from refbot.context import AppContext, build_context
from tests.support import salesforce_api as sfapi
from tests.support.salesforce_api import SalesforceAPIStub


@pytest.fixture
def sf_api(monkeypatch) -> Iterator[SalesforceAPIStub]:
    with SalesforceAPIStub(batch_size=3) as stub:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", stub.ca_file)
        yield stub


@pytest.fixture
def crm_settings(settings: Settings, sf_api: SalesforceAPIStub) -> Settings:
    return settings.model_copy(update={
        "salesforce_instance_url": sf_api.base_url,
        "salesforce_client_id": sfapi.CLIENT_ID,
        "salesforce_client_secret": sfapi.CLIENT_SECRET,
        "salesforce_timeout_seconds": 2.0,
    })


@pytest.fixture
def crm_ctx(crm_settings, database, clock) -> AppContext:
    return build_context(crm_settings, clock=clock, db=database)


class Org:
    """A small org: two owners in Slack (Ana, Ben), one CRM user who isn't (Cy), reference accounts and a
    prospect account, contacts, and deals."""

    def __init__(self, sf: SalesforceAPIStub, slack) -> None:
        self.sf = sf
        slack.add_user("UANA", "ana", email="ana@acme.test", tz="Europe/Berlin")
        slack.add_user("UBEN", "ben", email="ben@acme.test", tz="America/New_York")
        self.ana = sf.add("User", Name="Ana Owner", Email="ana@acme.test", IsActive=True)
        self.ben = sf.add("User", Name="Ben Seller", Email="Ben@Acme.test", IsActive=True)
        self.cy = sf.add("User", Name="Cy Nobody", Email="cy@elsewhere.test", IsActive=True)
        self.globex = sf.add("Account", Name="Globex Bank", Type="Customer - Direct", Industry="Banking",
                             NumberOfEmployees=5200, AnnualRevenue=1.5e9, BillingCountry="Germany", OwnerId=self.ana)
        self.hooli = sf.add("Account", Name="Hooli", Type="Customer - Channel", Industry="Technology",
                            NumberOfEmployees=800, BillingCountry="United States", OwnerId=self.ana)
        self.prospect = sf.add("Account", Name="Initech", Type="Prospect", Industry="Insurance",
                               NumberOfEmployees=3000, BillingCountry="France", OwnerId=self.ben)
        self.dana = sf.add("Contact", AccountId=self.globex, Name="Dana Scully", FirstName="Dana", LastName="Scully",
                           Title="VP Finance", Email="Dana@Globex.example", Phone="+49 30 1")
        self.fox = sf.add("Contact", AccountId=self.hooli, Name="Fox Mulder", Title="CTO", Email="fox@hooli.example")
        self.bill = sf.add("Contact", AccountId=self.prospect, Name="Bill Lumbergh", Title="VP")
        self.deal = sf.add("Opportunity", Name="Initech platform", AccountId=self.prospect, StageName="Needs Analysis",
                           Amount=250000.0, CloseDate="2026-12-15", IsClosed=False, IsWon=False, OwnerId=self.ben)
        self.team = sf.add("OpportunityTeamMember", OpportunityId=self.deal, UserId=self.ana,
                           TeamMemberRole="Sales Engineer")


@pytest.fixture
def org(sf_api, slack_api) -> Org:
    return Org(sf_api, slack_api)
