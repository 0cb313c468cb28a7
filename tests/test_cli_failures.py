"""Issue 17: every failure at start and in every CLI command ends in one or two sentences that say what is
wrong and what to do, with a non-zero exit code, and never a traceback unless --debug or LOG_LEVEL=DEBUG.
Run as a real process (`python -m refbot.cli`), as an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.refbot_server import ROOT, free_port

CLOSED = f"127.0.0.1:{free_port()}"  # nothing listens there
DEAD_PG = f"postgresql://refbot:secret@{CLOSED}/refbot"


def refbot(*args: str, env: dict[str, str], cwd: Path, timeout: float = 60) -> tuple[int, str, str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "REFBOT_", "LOG_")) and k not in ("DATABASE_URL", "PORT")}
    proc = subprocess.run([sys.executable, "-m", "refbot.cli", *args], cwd=cwd, env={**base, **env},
                          capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def assert_one_sentence(code: int, err: str, *needles: str) -> None:
    assert code != 0
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("refbot: ")
    assert lines[0].count(". ") + lines[0].count(": ") <= 4  # one or two sentences, not a dump
    for needle in needles:
        assert needle in err, (needle, err)


@pytest.fixture
def http_env(tmp_path, slack_api):
    return {"SLACK_BOT_TOKEN": "xoxb-revoked", "SLACK_SIGNING_SECRET": "s3cret", "SLACK_API_URL": slack_api.base_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'refbot.db'}", "PORT": str(free_port()), "REFBOT_HOST": "127.0.0.1"}


def test_start_with_a_revoked_token(tmp_path, slack_api, http_env):
    slack_api.expected_token = "xoxb-the-real-one"
    code, _, err = refbot("start", env=http_env, cwd=tmp_path)
    assert_one_sentence(code, err, "Slack refused SLACK_BOT_TOKEN (invalid_auth)", "OAuth & Permissions")


def test_start_when_slack_is_unreachable(tmp_path, http_env):
    code, _, err = refbot("start", env={**http_env, "SLACK_API_URL": f"http://{CLOSED}/api/"}, cwd=tmp_path)
    assert_one_sentence(code, err, "Could not reach Slack at", "SLACK_API_URL")


def test_debug_shows_the_traceback(tmp_path, slack_api, http_env):
    slack_api.expected_token = "xoxb-the-real-one"
    code, _, err = refbot("--debug", "start", env=http_env, cwd=tmp_path)
    assert code == 1 and "Traceback" in err and "Slack refused SLACK_BOT_TOKEN" in err
    code, _, err = refbot("start", env={**http_env, "LOG_LEVEL": "DEBUG"}, cwd=tmp_path)
    assert code == 1 and "Traceback" in err


@pytest.mark.parametrize("command", [["report"], ["db", "upgrade"], ["db", "current"], ["policy", "show"],
                                     ["search", "banking"], ["export", "out"], ["jobs", "run", "outbox"]])
def test_database_unreachable(tmp_path, command, slack_api):
    env = {"DATABASE_URL": DEAD_PG, "SLACK_BOT_TOKEN": "xoxb-x", "SLACK_API_URL": slack_api.base_url,
           "SLACK_SIGNING_SECRET": "s3cret"}
    code, _, err = refbot(*command, env=env, cwd=tmp_path)
    assert_one_sentence(code, err, "Could not use the database at postgresql+psycopg://refbot:***@",
                        "check DATABASE_URL")
    assert "secret" not in err


def test_start_with_the_database_unreachable(tmp_path, http_env):
    code, _, err = refbot("start", env={**http_env, "DATABASE_URL": DEAD_PG}, cwd=tmp_path)
    assert_one_sentence(code, err, "Could not use the database at", "check DATABASE_URL")


@pytest.mark.parametrize("command", [["report"], ["db", "upgrade"], ["demo"], ["start"], ["check"]])
def test_sqlite_in_a_missing_folder(tmp_path, command, http_env):
    missing = tmp_path / "no" / "such" / "folder" / "refbot.db"
    code, out, err = refbot(*command, env={**http_env, "DATABASE_URL": f"sqlite:///{missing}"}, cwd=tmp_path)
    text = out + err if command == ["check"] else err
    assert code == 1 and "Traceback" not in text
    assert f"the folder {missing.parent} does not exist" in text
    assert not missing.parent.exists()


def test_import_says_when_slack_rate_limited_the_owner_lookups(tmp_path, slack_api):
    (tmp_path / "accounts.csv").write_text("account_id,name,owner\nA1,Globex,olga@corp.example\n")
    slack_api.add_user("UOLGA", "Olga", email="olga@corp.example")
    slack_api.fail("users.lookupByEmail", status=429, retry_after=0, times=10)
    env = {"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_API_URL": slack_api.base_url,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}"}
    code, out, err = refbot("import", "accounts.csv", env=env, cwd=tmp_path)
    assert_one_sentence(code, err, "Slack rate-limited the owner look-ups", "nothing was imported")
    assert "no Slack user has the email" not in err
    assert len(slack_api.calls("users.lookupByEmail")) == 4  # the first try and three retries

    code, out, err = refbot("export", "out", env=env, cwd=tmp_path)
    assert code == 0 and (tmp_path / "out" / "accounts.csv").read_text().count("\n") == 1  # header only


def test_import_when_slack_is_unreachable(tmp_path):
    (tmp_path / "accounts.csv").write_text("account_id,name,owner\nA1,Globex,olga@corp.example\n")
    env = {"SLACK_BOT_TOKEN": "xoxb-x", "SLACK_API_URL": f"http://{CLOSED}/api/",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}"}
    code, _, err = refbot("import", "accounts.csv", env=env, cwd=tmp_path)
    assert_one_sentence(code, err, "Could not reach Slack to look up owners", "nothing was imported")


def test_version_and_help_work_without_any_settings(tmp_path):
    code, out, _ = refbot("--version", env={}, cwd=tmp_path)
    assert code == 0 and out.startswith("refbot ") and out.strip() != "refbot"
    code, out, _ = refbot("report", "--help", env={}, cwd=tmp_path)
    assert code == 0 and "30d" in out and "README_report" not in out
    assert not (tmp_path / "refbot.db").exists()


def test_db_downgrade_needs_a_revision(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}"}
    assert refbot("db", "upgrade", env=env, cwd=tmp_path)[0] == 0
    code, _, err = refbot("db", "downgrade", env=env, cwd=tmp_path)
    assert code == 2 and "required: revision" in err
    code, _, err = refbot("db", "downgrade", "base", env=env, cwd=tmp_path)
    assert_one_sentence(code, err, "drops every RefBot table", "--yes")
    code, out, _ = refbot("db", "current", env=env, cwd=tmp_path)
    assert "up to date" in out  # nothing was dropped
    code, out, _ = refbot("db", "downgrade", "base", "--yes", env=env, cwd=tmp_path)
    assert code == 0 and "base (empty)" in out


def test_every_flag_has_help():
    import argparse

    from refbot.cli.core import build_parser

    def walk(parser: argparse.ArgumentParser, where: str) -> list[str]:
        missing = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    missing += walk(child, f"{where} {name}")
            elif not isinstance(action, argparse._HelpAction) and not action.help:
                missing.append(f"{where} {'/'.join(action.option_strings) or action.dest}")
        return missing

    assert walk(build_parser(), "refbot") == []


def test_repo_root_is_importable():
    assert (ROOT / "refbot" / "cli" / "core.py").exists()
