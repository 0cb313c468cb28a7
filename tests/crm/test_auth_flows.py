"""The connector signs in with each flow the settings allow: JWT bearer and username-password (trials)."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from refbot.context import build_context
from tests.crm.helpers import run_sync
from tests.support import salesforce_api as sfapi


def test_jwt_bearer_flow(crm_ctx, org, sf_api, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "server.key"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    sf_api.jwt_public_key = key.public_key().public_bytes(serialization.Encoding.PEM,
                                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    settings = crm_ctx.settings.model_copy(update={"salesforce_client_secret": None,
                                                   "salesforce_private_key_file": str(path),
                                                   "salesforce_username": sfapi.USERNAME})
    assert settings.salesforce_auth_flow == "jwt"
    assert run_sync(build_context(settings, clock=crm_ctx.clock, db=crm_ctx.db)).ok
    unknown = settings.model_copy(update={"salesforce_username": "someone@else.test"})
    result = run_sync(build_context(unknown, clock=crm_ctx.clock, db=crm_ctx.db))
    assert result.error is not None and "pre-authorized on the connected app" in result.error.message


def test_username_password_flow_for_trials(crm_ctx, org, sf_api):
    settings = crm_ctx.settings.model_copy(update={"salesforce_username": sfapi.USERNAME,
                                                   "salesforce_password": sfapi.PASSWORD,
                                                   "salesforce_security_token": sfapi.SECURITY_TOKEN})
    assert settings.salesforce_auth_flow == "password"
    assert run_sync(build_context(settings, clock=crm_ctx.clock, db=crm_ctx.db)).ok
    wrong = settings.model_copy(update={"salesforce_security_token": "old-token"})
    result = run_sync(build_context(wrong, clock=crm_ctx.clock, db=crm_ctx.db))
    assert result.error is not None
    assert "check SALESFORCE_USERNAME, SALESFORCE_PASSWORD and SALESFORCE_SECURITY_TOKEN" in result.error.message
