"""The Salesforce stand-in answers like Salesforce: SOQL subset, paging, errors, OAuth flows."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceRefusedRequest

from tests.support import salesforce_api as sfapi
from tests.support import soql
from tests.support.salesforce_api import SalesforceAPIStub


@pytest.fixture
def sf(monkeypatch):
    with SalesforceAPIStub(batch_size=2) as stub:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", stub.ca_file)
        yield stub


def client(sf: SalesforceAPIStub) -> Salesforce:
    token = requests.post(sf.base_url + "/services/oauth2/token", data={
        "grant_type": "client_credentials", "client_id": sfapi.CLIENT_ID, "client_secret": sfapi.CLIENT_SECRET}).json()
    return Salesforce(instance_url=token["instance_url"], session_id=token["access_token"], version="59.0")


def test_soql_subset_conditions():
    q = soql.parse("SELECT Id, Account.Name FROM Contact WHERE (Title LIKE 'V%' OR NOT Email IN ('a@x', null)) "
                   "AND SystemModstamp >= 2026-01-01T00:00:00Z ORDER BY SystemModstamp DESC, Id LIMIT 5")
    assert (q.fields, q.sobject, q.order_by, q.limit) == (["Id", "Account.Name"], "Contact",
                                                         [("SystemModstamp", True), ("Id", False)], 5)
    row = {"Title": "CTO", "Email": "b@x", "SystemModstamp": "2026-02-01T00:00:00.000+0000"}
    assert q.where is not None and q.where(row.get)
    assert not q.where({**row, "Email": "a@x"}.get)
    with pytest.raises(soql.SOQLError):
        soql.parse("SELECT FROM Account")


def test_query_pages_through_next_records_url_with_relationship_fields(sf):
    owner = sf.add("User", Name="Ana", Email="ana@acme.test")
    ids = [sf.add("Account", Name=f"A{i}", OwnerId=owner, Type="Customer - Direct") for i in range(5)]
    sf.add("Account", Name="P", OwnerId=owner, Type="Prospect")
    c = client(sf)
    first = c.query("SELECT Id, Name, Owner.Email FROM Account WHERE Type = 'Customer - Direct' ORDER BY Name")
    assert (first["totalSize"], first["done"], len(first["records"])) == (5, False, 2)
    assert first["records"][0]["Owner"]["Email"] == "ana@acme.test"
    seen = [r["Id"] for r in first["records"]]
    page = first
    while not page["done"]:
        page = c.query_more(page["nextRecordsUrl"], identifier_is_url=True)
        seen += [r["Id"] for r in page["records"]]
    assert seen == ids


def test_errors_look_like_salesforces(sf):
    c = client(sf)
    with pytest.raises(SalesforceMalformedRequest) as err:
        c.query("SELECT Colour__c FROM Account")
    assert err.value.content[0]["errorCode"] == "INVALID_FIELD"
    sf.hidden_objects.add("Opportunity")
    with pytest.raises(SalesforceMalformedRequest) as err:
        c.query("SELECT Id FROM Opportunity")
    assert err.value.content[0]["errorCode"] == "INVALID_TYPE"
    sf.fail("query", status=403, code="REQUEST_LIMIT_EXCEEDED")
    with pytest.raises(SalesforceRefusedRequest):
        c.query("SELECT Id FROM Account")
    sf.expire_tokens()
    response = requests.get(sf.base_url + "/services/data/v59.0/query", params={"q": "SELECT Id FROM Account"},
                            headers={"Authorization": "Bearer old"})
    assert response.status_code == 401 and response.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_oauth_flows_and_bad_credentials(sf, tmp_path):
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    url = sf.base_url + "/services/oauth2/token"
    bad = requests.post(url, data={"grant_type": "client_credentials", "client_id": sfapi.CLIENT_ID,
                                   "client_secret": "nope"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_client"
    ok = requests.post(url, data={"grant_type": "password", "client_id": sfapi.CLIENT_ID,
                                  "client_secret": sfapi.CLIENT_SECRET, "username": sfapi.USERNAME,
                                  "password": sfapi.PASSWORD + sfapi.SECURITY_TOKEN})
    assert ok.status_code == 200 and ok.json()["access_token"]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    sf.jwt_public_key = key.public_key().public_bytes(serialization.Encoding.PEM,
                                                      serialization.PublicFormat.SubjectPublicKeyInfo)
    claims = {"iss": sfapi.CLIENT_ID, "sub": sfapi.USERNAME, "aud": "https://login.salesforce.com",
              "exp": int(dt.datetime.now(dt.UTC).timestamp()) + 60}
    assertion = jwt.encode(claims, key, algorithm="RS256")
    ok = requests.post(url, data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion})
    assert ok.status_code == 200
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    bad = requests.post(url, data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
                                   "assertion": jwt.encode(claims, other, algorithm="RS256")})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"


def test_create_checks_required_fields_and_references(sf):
    c = client(sf)
    opp = sf.add("Opportunity", Name="Deal")
    with pytest.raises(SalesforceMalformedRequest):
        c.Task.create({"WhatId": opp})
    with pytest.raises(SalesforceMalformedRequest):
        c.Task.create({"WhatId": "006nope", "Subject": "x"})
    created = c.Task.create({"WhatId": opp, "Subject": "Reference call"})
    assert created["success"] and sf.records("Task")[0]["Subject"] == "Reference call"
