"""The first-run welcome (Home tab and `/reference`): the three things RefBot does for a seller and one example
search from the program's own data. Pure."""

from __future__ import annotations

from typing import Any

from refbot.blocks import kit


def welcome_blocks(example: str | None) -> list[dict[str, Any]]:
    """At most 3 blocks."""
    if example:
        tip = f"Try it: `/reference search {kit.escape(example)}`"
    else:
        tip = "Try it once references are in: `/reference search bank in Germany VP`"
    return [
        kit.section(
            ":wave: *Welcome to RefBot.* Here is what it does for you:\n"
            "1. *Finds the right reference customer* for your deal: industry, size, country, who they are.\n"
            "2. *Gets it approved in Slack*: the account owner says yes from a DM, then you set up the call.\n"
            "3. *Earns you points*: debrief your calls and nominate happy customers."
        ),
        kit.section(tip),
        kit.context("You see this once. `/reference help` lists everything."),
    ]


def welcome_message(example: str | None) -> tuple[str, list[dict[str, Any]]]:
    return "Welcome to RefBot: it finds, approves and credits your customer references.", welcome_blocks(example)
