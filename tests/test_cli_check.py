"""`refbot check`: a checklist of what RefBot needs, against the Slack stand-in, with the fix for each failure."""

from __future__ import annotations

import pytest

from refbot import db as dbmod
from refbot.cli import core as cli
from refbot.slack_scopes import BOT_SCOPES


@pytest.fixture
def env(monkeypatch, tmp_path, slack_api):
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_APP_TOKEN", "REFBOT_LEADERBOARD_CHANNEL", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path / 'refbot.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test-token")
    monkeypatch.setenv("SLACK_API_URL", slack_api.base_url)
    dbmod.upgrade(url)
    return monkeypatch


def check(capsys) -> tuple[int, str]:
    code = cli.main(["check"])
    return code, capsys.readouterr().out


def test_everything_ready(env, slack_api, capsys):
    slack_api.add_channel("C0SALES", "sales")
    env.setenv("REFBOT_LEADERBOARD_CHANNEL", "#sales")
    env.setenv("SLACK_APP_TOKEN", "xapp-1-good")
    code, out = check(capsys)
    assert code == 0, out
    assert "[ok]   Bot token (auth.test): @refbot in Acme" in out
    assert "[ok]   App-level token (apps.connections.open)" in out
    assert f"[ok]   Scopes: all {len(BOT_SCOPES)} that manifest.yml asks for are granted" in out
    assert "reachable, at the latest schema" in out and "writable" in out
    assert "[ok]   Leaderboard channel: #sales (C0SALES)" in out
    assert out.rstrip().endswith("All checks passed.")


def test_each_failure_comes_with_its_fix(env, slack_api, capsys, tmp_path):
    slack_api.scopes = [s for s in BOT_SCOPES if s not in ("users:read.email", "groups:read")]
    slack_api.app_token = "xapp-1-right"
    env.setenv("SLACK_APP_TOKEN", "xapp-1-wrong")
    slack_api.add_channel("C0EXTERNAL", "partners", is_ext_shared=True)
    env.setenv("REFBOT_LEADERBOARD_CHANNEL", "C0EXTERNAL")
    env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    code, out = check(capsys)
    assert code == 1
    assert "[FAIL] Scopes: missing users:read.email (program managers and account owners given by email); " \
           "groups:read" in out
    assert "reinstall the app" in out
    assert "[FAIL] App-level token (apps.connections.open): invalid_auth" in out and "connections:write" in out
    assert "schema at no revision (empty), latest is" in out
    assert "[FAIL] Leaderboard channel: C0EXTERNAL: C0EXTERNAL is shared with other organisations" in out
    assert out.rstrip().endswith("4 checks failed.")


def test_a_revoked_token(env, slack_api, capsys):
    slack_api.expected_token = "xoxb-another"
    code, out = check(capsys)
    assert code == 1
    assert "[FAIL] Bot token (auth.test): Slack refused it (invalid_auth)" in out
    assert "fix: copy the Bot User OAuth Token" in out
    assert "[skip] Scopes: needs a working bot token" in out
