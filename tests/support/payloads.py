"""Slack's request bodies and signing live in refbot/playground/payloads.py (the playground page sends
exactly what the tests send); re-exported here for the tests."""

from refbot.playground.payloads import *  # noqa: F403
