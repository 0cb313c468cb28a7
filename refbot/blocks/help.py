"""`/reference help`. Pure."""

from __future__ import annotations

from typing import Any

from refbot.blocks import kit
from refbot.blocks.format import escape, truncate


def help_message(usages: list[tuple[str, str]], *, admin: bool) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) listing what RefBot does and every subcommand the reader may use."""
    intro = (
        "*RefBot finds the right reference customer for your deal* and keeps the program fair: "
        "it ranks the best-fit customers, asks their account owner for you, reminds you to debrief, "
        "and makes sure the customer is thanked."
    )
    lines = [f"• `{escape(usage)}` — {escape(summary)}" for usage, summary in sorted(usages)]
    blocks: list[dict[str, Any]] = [
        kit.header("RefBot help"),
        kit.section(intro),
    ]
    chunk: list[str] = []
    for line in lines:  # keep each section under Slack's 3,000 characters
        if sum(len(x) + 1 for x in chunk) + len(line) > 2800:
            blocks.append(kit.section("\n".join(chunk)))
            chunk = []
        chunk.append(truncate(line, 2800))
    if chunk:
        blocks.append(kit.section("\n".join(chunk)))
    footer = "You are a program manager: admin commands are included." if admin else (
        "Example: `/reference search healthcare 5k employees Germany VP integration`"
    )
    blocks.append(kit.context(footer))
    text = "RefBot help: " + ", ".join(escape(u) for u, _ in sorted(usages))
    return truncate(text, 3000), blocks
