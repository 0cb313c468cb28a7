"""The deployment files: what the Docker image runs is scripts/container.sh, tested here directly (base
images cannot be pulled on CI), and compose.yaml migrates once before RefBot starts."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.conftest import SIGNING_SECRET
from tests.support.refbot_server import ROOT, RefBotServer, free_port

SCRIPT = ROOT / "scripts" / "container.sh"
REFBOT_BIN = str(Path(sys.executable).parent / "refbot")


def run(*args: str, env: dict[str, str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "REFBOT_")) and k != "DATABASE_URL"}
    return subprocess.run(["bash", str(SCRIPT), *args], env={**base, "REFBOT_BIN": REFBOT_BIN, **env}, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def test_migrate_upgrades_then_start_serves(tmp_path, slack_api):
    url = f"sqlite:///{tmp_path / 'refbot.db'}"
    done = run("migrate", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "is at revision" in done.stdout
    current = run("db", "current", env={"DATABASE_URL": url}, cwd=tmp_path)  # any refbot command passes through
    assert "up to date" in current.stdout

    with RefBotServer(slack_api_url=slack_api.base_url, database_url=url, signing_secret=SIGNING_SECRET,
                      workdir=tmp_path, command=["bash", str(SCRIPT), "start"],
                      extra_env={"REFBOT_BIN": REFBOT_BIN}) as srv:
        health = run("health", env={"PORT": str(srv.port)}, cwd=tmp_path)
        assert health.returncode == 0, health.stderr
    after = run("health", env={"PORT": str(srv.port)}, cwd=tmp_path)
    assert after.returncode == 1 and "not ready" in after.stderr


def test_migrate_waits_for_the_database_then_says_why_it_gave_up(tmp_path):
    started = time.monotonic()
    done = run("migrate", env={"DATABASE_URL": f"postgresql://refbot:pw@127.0.0.1:{free_port()}/refbot",
                               "REFBOT_DB_WAIT": "3"}, cwd=tmp_path)
    assert done.returncode == 1
    assert 2 <= time.monotonic() - started < 30  # bash counts whole seconds: a 3 s wait may take 2.x s
    assert done.stderr.strip().startswith("refbot: Could not use the database") and "Traceback" not in done.stderr


def test_a_bad_setting_is_not_waited_for(tmp_path):
    started = time.monotonic()
    done = run("migrate", env={"DATABASE_URL": "mysql://x", "REFBOT_DB_WAIT": "30"}, cwd=tmp_path)
    assert done.returncode != 0 and "DATABASE_URL must be" in done.stderr
    assert time.monotonic() - started < 15


def test_socket_mode_health_needs_its_port(tmp_path):
    done = run("health", env={"SLACK_APP_TOKEN": "xapp-1"}, cwd=tmp_path)
    assert done.returncode == 1 and "REFBOT_HEALTH_PORT" in done.stderr


def test_image_and_compose_run_the_tested_entry_point():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["/app/scripts/container.sh"]' in dockerfile
    assert "COPY scripts/container.sh ./scripts/container.sh" in dockerfile
    assert "-c constraints.txt" in dockerfile
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            for src in line.split()[1:-1]:
                assert (ROOT / src).exists(), src
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert services["migrate"]["command"] == ["migrate"]
    assert services["refbot"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["refbot"]["command"] == ["start"]
    example = (ROOT / ".env.example").read_text()
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "REFBOT_ADMINS", "REFBOT_HOST",
                 "LOG_LEVEL", "LOG_FORMAT", "GUNICORN_CMD_ARGS"):
        assert f"{name}=" in example, name
