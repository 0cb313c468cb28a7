"""Salesforce settings: optional, validated, and each problem named in one sentence."""

from __future__ import annotations

import pytest

from refbot.config import ConfigError, load_core_settings

URL = "https://acme.my.salesforce.com"


def load(**kw):
    return load_core_settings(_env_file=None, **kw)


def test_without_an_instance_url_there_is_no_crm_and_write_back_is_off():
    s = load()
    assert not s.crm_enabled and s.salesforce_auth_flow is None
    assert s.salesforce_write_back is False
    assert s.salesforce_closed_lookback_days == 90


@pytest.mark.parametrize(
    ("kw", "flow"),
    [
        ({"salesforce_client_id": "k", "salesforce_client_secret": "s"}, "client_credentials"),
        ({"salesforce_client_id": "k", "salesforce_client_secret": "s", "salesforce_username": "u@x.test",
          "salesforce_password": "pw", "salesforce_security_token": "tok"}, "password"),
    ],
)
def test_each_credential_flow_is_recognised(kw, flow):
    assert load(salesforce_instance_url=URL + "/", **kw).salesforce_auth_flow == flow


def test_jwt_flow_needs_a_readable_key_and_a_username(tmp_path):
    key = tmp_path / "key.pem"
    key.write_text("x")
    with pytest.raises(ConfigError, match="^SALESFORCE_USERNAME is missing"):
        load(salesforce_instance_url=URL, salesforce_client_id="k", salesforce_private_key_file=str(key))
    assert load(salesforce_instance_url=URL, salesforce_client_id="k", salesforce_private_key_file=str(key),
                salesforce_username="int@acme.test").salesforce_auth_flow == "jwt"
    with pytest.raises(ConfigError, match="^SALESFORCE_PRIVATE_KEY_FILE must be"):
        load(salesforce_instance_url=URL, salesforce_client_id="k",
             salesforce_private_key_file=str(tmp_path / "missing.pem"), salesforce_username="u")


@pytest.mark.parametrize(
    ("kw", "starts"),
    [
        ({"salesforce_instance_url": URL}, "SALESFORCE_CLIENT_ID is missing"),
        ({"salesforce_instance_url": URL, "salesforce_client_id": "k"}, "SALESFORCE_CLIENT_SECRET is missing"),
        ({"salesforce_instance_url": URL, "salesforce_client_id": "k", "salesforce_password": "p",
          "salesforce_client_secret": "s"}, "SALESFORCE_USERNAME is missing"),
        ({"salesforce_instance_url": "http://acme.my.salesforce.com"}, "SALESFORCE_INSTANCE_URL must be"),
        ({"salesforce_instance_url": "https://acme.my.salesforce.com/services"}, "SALESFORCE_INSTANCE_URL must be"),
        ({"salesforce_account_filter": "WHERE Type = 'x'"}, "SALESFORCE_ACCOUNT_FILTER must be"),
        ({"salesforce_contact_filter": "Name = 'x'; DELETE"}, "SALESFORCE_CONTACT_FILTER must be"),
        ({"salesforce_contact_filter": "Name = 'x"}, "SALESFORCE_CONTACT_FILTER must be"),
        ({"salesforce_closed_lookback_days": 0}, "SALESFORCE_CLOSED_LOOKBACK_DAYS must be"),
        ({"salesforce_write_back": "maybe"}, "SALESFORCE_WRITE_BACK must be"),
        ({"salesforce_api_version": "latest"}, "SALESFORCE_API_VERSION must be"),
    ],
)
def test_bad_settings_name_the_variable_in_one_sentence(kw, starts):
    with pytest.raises(ConfigError) as err:
        load(**kw)
    assert str(err.value).startswith(starts)
    assert str(err.value).endswith(".") and "\n" not in str(err.value)


def test_secrets_never_show_in_the_settings_repr():
    s = load(salesforce_instance_url=URL, salesforce_client_id="key-123", salesforce_client_secret="sekrit-456")
    assert "sekrit-456" not in repr(s) and "key-123" not in str(s)


def test_from_the_environment(monkeypatch):
    monkeypatch.setenv("SALESFORCE_INSTANCE_URL", URL)
    monkeypatch.setenv("SALESFORCE_CLIENT_ID", "k")
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", "s")
    monkeypatch.setenv("SALESFORCE_WRITE_BACK", "true")
    monkeypatch.setenv("SALESFORCE_ACCOUNT_FILTER", "Reference_Program__c = true")
    s = load()
    assert s.crm_enabled and s.salesforce_write_back and s.salesforce_account_filter == "Reference_Program__c = true"
