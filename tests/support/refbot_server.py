"""Start RefBot for real — `refbot start` in HTTP mode (gunicorn + Bolt's WSGI adapter) — in a child
process on a loopback port, against the local Slack Web API stand-in. Bounded in time; always stopped."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def http_get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    """(status, body) of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RefBotServer:
    def __init__(
        self,
        *,
        slack_api_url: str,
        database_url: str,
        signing_secret: str,
        bot_token: str = "xoxb-test-token",
        admins: str = "UADMIN",
        workdir: Path | None = None,
        extra_env: dict[str, str] | None = None,
        probe_url: str | None = None,
        command: list[str] | None = None,
    ) -> None:
        self.command = command or [sys.executable, "-m", "refbot.cli", "start"]
        self.port = free_port()
        self.probe_url = probe_url
        self.url = f"http://127.0.0.1:{self.port}"
        self.events_url = f"{self.url}/slack/events"
        self.workdir = workdir or ROOT
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "REFBOT_")) and k not in ("DATABASE_URL", "PORT")
        }
        self.env.update(
            {
                "SLACK_BOT_TOKEN": bot_token,
                "SLACK_SIGNING_SECRET": signing_secret,
                "SLACK_API_URL": slack_api_url,
                "DATABASE_URL": database_url,
                "PORT": str(self.port),
                "REFBOT_HOST": "127.0.0.1",
                "REFBOT_ADMINS": admins,
                "REFBOT_TIMEZONE": "Europe/Berlin",
                "PYTHONUNBUFFERED": "1",
                **(extra_env or {}),
            }
        )
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = Path(self.workdir) / f"refbot-{self.port}.log"

    def start(self, timeout: float = 30.0) -> RefBotServer:
        log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self._log = log
        self.proc = subprocess.Popen(
            self.command,
            cwd=self.workdir,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"refbot start exited with {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.probe_url or f"{self.url}/healthz", timeout=1) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"refbot did not come up within {timeout} s:\n{self.output()}")

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def kill(self) -> None:
        """Kill hard (SIGKILL), as a crash would."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        if getattr(self, "_log", None):
            self._log.close()
        with contextlib.suppress(OSError):
            self.log_path.unlink()

    def __enter__(self) -> RefBotServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
