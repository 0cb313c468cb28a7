"""Slack Web API clients: every call goes to SLACK_API_URL."""

from __future__ import annotations

from typing import Any
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from refbot.config import Settings
from refbot.gate import slot_released


class _PatientRateLimitHandler(RateLimitErrorRetryHandler):
    """Waits out a rate limit's Retry-After without holding a work slot (refbot/gate.py)."""

    def prepare_for_next_attempt(self, **kwargs: Any) -> None:
        with slot_released():
            super().prepare_for_next_attempt(**kwargs)


def interactive_client(settings: Settings) -> WebClient:
    """The client listeners use: waits out short rate limits (never call it before ack())."""
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10)
    client.retry_handlers.append(_PatientRateLimitHandler(max_retry_count=2))
    return client


def delivery_client(settings: Settings) -> WebClient:
    """The outbox's client: never sleeps on 429; the outbox schedules the retry instead. It retries at
    once only when the request never reached Slack (URLError: connecting or sending failed); a connection
    dropped while waiting for the answer is left to the outbox, which first checks whether the message
    was posted."""
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=1, error_types=[URLError])],
    )
