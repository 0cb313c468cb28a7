"""Configuration: every bad or missing setting stops the bot with one clear sentence, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from refbot.config import ConfigError, load_core_settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
VARS = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "DATABASE_URL",
    "PORT",
    "REFBOT_TIMEZONE",
    "REFBOT_ADMINS",
    "REFBOT_LEADERBOARD_CHANNEL",
)


@pytest.fixture
def env(monkeypatch):
    for var in VARS:
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


GOOD = {"SLACK_BOT_TOKEN": "xoxb-1-2", "SLACK_SIGNING_SECRET": "s3cret"}


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN is missing"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN must be"),
        ({"SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET is missing"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong-kind"}, "SLACK_APP_TOKEN must be"),
        ({"SLACK_API_URL": "not a url"}, "SLACK_API_URL must be"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be"),
        ({"PORT": "eighty"}, "PORT must be"),
        ({"PORT": "70000"}, "PORT must be"),
        ({"REFBOT_TIMEZONE": "Mars/Olympus"}, "REFBOT_TIMEZONE must be"),
        ({"REFBOT_ADMINS": "U123,not-an-id"}, "REFBOT_ADMINS must be"),
    ],
)
def test_bad_setting_names_the_variable(env, overrides, variable):
    for key, value in {**GOOD, **overrides}.items():
        env.setenv(key, value)
    with pytest.raises(ConfigError) as info:
        load_settings(_env_file=None)
    message = str(info.value)
    assert message.startswith(variable)
    assert "\n" not in message


def test_good_settings_are_normalised(env):
    for key, value in {
        **GOOD,
        "SLACK_API_URL": "http://127.0.0.1:9999/api",
        "DATABASE_URL": "postgresql://u:p@db/refbot",
        "REFBOT_ADMINS": " U0PM1 , PM@Example.com ",
        "PORT": "8080",
    }.items():
        env.setenv(key, value)
    settings = load_settings(_env_file=None)
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.database_url == "postgresql+psycopg://u:p@db/refbot"
    assert settings.admin_ids == {"U0PM1"} and settings.admin_emails == {"pm@example.com"}
    assert settings.port == 8080 and not settings.socket_mode
    assert "p@db" not in repr(settings) and "s3cret" not in repr(settings)


def test_socket_mode_needs_no_signing_secret(env):
    env.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    env.setenv("SLACK_APP_TOKEN", "xapp-1")
    assert load_settings(_env_file=None).socket_mode


def test_offline_commands_need_no_tokens(env):
    assert load_core_settings(_env_file=None).database_url == "sqlite:///refbot.db"


def test_dotenv_file_is_read(env, tmp_path):
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dotenv\nSLACK_SIGNING_SECRET=abc\n")
    settings = load_settings(_env_file=tmp_path / ".env")
    assert settings.slack_bot_token == "xoxb-from-dotenv"


@pytest.mark.parametrize("argv", [["-m", "refbot.cli", "start"], [str(ROOT / "app.py")]])
def test_start_without_token_exits_with_one_sentence(tmp_path, argv):
    env = {k: v for k, v in os.environ.items() if k not in VARS}
    result = subprocess.run(
        [sys.executable, *argv], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "SLACK_BOT_TOKEN" in lines[0] and "manifest.yml" in lines[0]
    assert not (tmp_path / "refbot.db").exists()  # nothing was created
