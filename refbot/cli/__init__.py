"""The `refbot` command line (see `refbot.cli.core`)."""

from refbot.cli.core import main

__all__ = ["main"]
