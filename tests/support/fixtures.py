"""pytest fixtures for the Slack stand-in; load with `pytest_plugins = ["tests.support.fixtures"]`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from refbot.playground.slack_api import SlackAPIStub


@pytest.fixture
def slack_api() -> Iterator[SlackAPIStub]:
    """A fresh local Slack Web API for this test (its own port, empty record), stopped afterwards."""
    with SlackAPIStub() as stub:
        yield stub
