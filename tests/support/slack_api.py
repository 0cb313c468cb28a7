"""Moved to refbot/playground/slack_api.py (the playground and the tests share one stand-in); kept so
older imports keep working."""

from refbot.playground.slack_api import *  # noqa: F403
from refbot.playground.slack_api import __all__  # noqa: F401
