"""Logging set-up: LOG_LEVEL (DEBUG, INFO, WARNING, ERROR) and LOG_FORMAT (text or json, one object a line)."""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

_NOISY = ("apscheduler", "slack_bolt", "slack_sdk", "urllib3", "alembic", "gunicorn.error")


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO 8601), level, logger, message, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def env_level() -> str:
    level = os.environ.get("LOG_LEVEL", "").strip().upper()
    return level if level in ("DEBUG", "INFO", "WARNING", "ERROR") else ""


def configure(level: str | None = None, fmt: str | None = None, *, verbose: bool = False) -> None:
    """(Re)configure the root logger. RefBot's own loggers log at INFO unless LOG_LEVEL says otherwise;
    chatty libraries stay at WARNING unless LOG_LEVEL is DEBUG."""
    chosen = (level or env_level()).upper()
    level = chosen or ("INFO" if verbose else "WARNING")
    fmt = (fmt or os.environ.get("LOG_FORMAT", "") or "text").strip().lower()
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("refbot").setLevel(level if chosen else "INFO")
    for noisy in _NOISY:
        logging.getLogger(noisy).setLevel(logging.DEBUG if level == "DEBUG" else max(logging.WARNING, logging.getLevelName(level)))
