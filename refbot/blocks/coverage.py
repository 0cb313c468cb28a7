"""Coverage gaps for the program manager (Home tab section, `refbot gaps` text) and the one DM asking an
account owner to nominate a contact. Pure: takes the service's plain results."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from refbot.blocks import kit
from refbot.blocks.format import plural
from refbot.blocks.nominations import OPEN_ACTION as NOMINATE_ACTION

if TYPE_CHECKING:
    from refbot.services.coverage import Coverage, Gap, NominateAsk, Segment

ASK_NOMINATE_ACTION = "coverage_ask_nominate"
LINE = 280


def dump_button(account_id: int, segment: Segment) -> str:
    return json.dumps({"a": account_id, "s": segment.key}, separators=(",", ":"))


def load_button(value: str) -> tuple[int, str]:
    """(account id, segment key) from an "Ask the owner to nominate" button; ValueError when malformed."""
    data = json.loads(value)
    if not isinstance(data, dict) or not isinstance(data.get("a"), int) or not isinstance(data.get("s"), str):
        raise ValueError(value)
    return data["a"], data["s"]


def _figures(g: Gap) -> str:
    asked = [plural(g.searches, "search", "searches")] if g.searches or not (g.asks or g.requests) else []
    if g.unmatched:
        asked.append(f"{g.unmatched:,} with no good match")
    if g.asks:
        asked.append(plural(g.asks, "channel ask"))
    if g.requests:
        asked.append(plural(g.requests, "request"))
    have = "no reference available" if not g.available else f"{plural(g.available, 'reference')} available"
    if g.resting:
        have += f", {g.resting:,} resting"
    return f"{', '.join(asked)} · {have}"


def _examples(g: Gap) -> str:
    return " · ".join(f"“{kit.escape(kit.truncate(e, 80))}”" for e in g.examples)


def gap_blocks(g: Gap, *, max_recruits: int) -> list[dict[str, Any]]:
    text = f"*{kit.escape(g.label)}*\n{_figures(g)}"
    if g.examples:
        text += f"\n_{_examples(g)}_"
    blocks: list[dict[str, Any]] = [kit.section(kit.truncate(text, 900))]
    for r in g.recruits[:max_recruits]:
        line = f"Not a reference yet: *{kit.escape(r.name)}*"
        if not r.owner_id:
            blocks.append(kit.context(f"{line} · no account owner to ask"))
        elif r.asked:
            blocks.append(kit.context(f"{line} · <@{r.owner_id}> was asked to nominate"))
        else:
            blocks.append(kit.section(
                f"{line} · owner <@{r.owner_id}>",
                accessory=kit.button("Ask the owner to nominate", ASK_NOMINATE_ACTION, dump_button(r.account_id, g.segment)),
            ))
    return blocks


def coverage_home(coverage: Coverage, *, max_gaps: int = 3, max_recruits: int = 2) -> list[dict[str, Any]]:
    """The program manager's "Coverage gaps" part of Home: at most 1 + max_gaps * (1 + max_recruits) + 1 blocks."""
    blocks: list[dict[str, Any]] = [kit.section(f"*Coverage gaps ({coverage.total:,})*" if coverage.total
                                                else "*Coverage gaps*\nNone. Every segment sellers asked for has "
                                                     "enough available references.")]
    for g in coverage.gaps[:max_gaps]:
        blocks += gap_blocks(g, max_recruits=max_recruits)
    extra = coverage.total - min(len(coverage.gaps), max_gaps)
    if extra > 0:  # a command that works in Slack, where the program manager is reading
        blocks.append(kit.context(f"…and {extra:,} more: `{GAPS_COMMAND}` lists the top {MESSAGE_GAPS}"))
    return blocks


GAPS_COMMAND = "/reference gaps"
MESSAGE_GAPS = 15  # 15 gaps x (1 + 1 recruit) + 3 blocks: well within a message's 50


def gaps_message(coverage: Coverage, *, since_text: str) -> tuple[str, list[dict[str, Any]]]:
    """`/reference gaps` (program managers): the biggest coverage gaps, each with one account to recruit."""
    if not coverage.gaps:
        text = (f"No coverage gaps since {since_text}: every segment sellers asked for has enough available "
                "references.")
        return text, [kit.section(text)]
    blocks: list[dict[str, Any]] = [
        kit.header(f"Coverage gaps ({coverage.total:,})"),
        kit.context(f"Since {since_text}, biggest first: what sellers asked for and RefBot has too few references "
                    "for. *Ask the owner to nominate* asks an account owner once."),
    ]
    for g in coverage.gaps[:MESSAGE_GAPS]:
        blocks += gap_blocks(g, max_recruits=1)
    extra = coverage.total - min(len(coverage.gaps), MESSAGE_GAPS)
    if extra > 0:
        blocks.append(kit.context(f"…and {extra:,} smaller gaps: `refbot gaps` on the RefBot server lists them all."))
    return f"Coverage gaps since {since_text}: {plural(coverage.total, 'segment')} short of references.", blocks


def gaps_text(coverage: Coverage, *, since_text: str) -> str:
    """`refbot gaps`: plain text, one paragraph per gap."""
    if not coverage.gaps:
        return (f"No coverage gaps since {since_text}: every segment sellers asked for "
                f"({plural(coverage.demand, 'search or ask', 'searches and asks')}) has enough available references.")
    lines = [f"Coverage gaps since {since_text}, biggest first ({coverage.total:,}):", ""]
    for i, g in enumerate(coverage.gaps, 1):
        lines.append(f"{i}. {g.label}")
        lines.append(f"   {_figures(g)}")
        if g.examples:
            lines.append("   e.g. " + " · ".join(f"“{e}”" for e in g.examples))
        for r in g.recruits:
            owner = "owner asked" if r.asked else ("no owner" if not r.owner_id else f"owner {r.owner_id}")
            lines.append(f"   not a reference yet: {r.name} ({owner})")
    extra = coverage.total - len(coverage.gaps)
    if extra > 0:
        lines.append(f"…and {extra:,} more (--limit to see them).")
    return "\n".join(lines)


def nominate_request_dm(*, account_name: str, segment: str, asked_by: str) -> tuple[str, list[dict[str, Any]]]:
    """To the account owner: sellers need references like this customer; would someone there be one?"""
    name = kit.escape(account_name)
    text = f"Would someone at {name} be a customer reference? Sellers are short of references like them."
    return text, [
        kit.section(
            f"Sellers keep looking for *{kit.escape(segment)}* references and RefBot has too few. "
            f"*{name}*, one of your accounts, fits.\n"
            "Would someone there take the odd reference call? If so, nominate them: the program team does "
            "the asking, and you approve every request."
        ),
        kit.actions(kit.button("Nominate a contact", NOMINATE_ACTION, style="primary")),
        kit.context(f"<@{asked_by}> (program manager) asked RefBot to check with you. You won't be asked again "
                    "about this account."),
    ]


def asked_text(asked: NominateAsk) -> str:
    """The program manager's private answer to "Ask the owner to nominate"."""
    name = kit.escape(asked.account_name)
    if asked.owner_id is None:
        return f"{name} has no account owner in RefBot, so there is nobody to ask. Set one in the accounts file."
    if not asked.queued:
        return f"<@{asked.owner_id}> was already asked about {name}. RefBot asks an owner once per account."
    return (f"Asked <@{asked.owner_id}> whether someone at {name} would be a reference. "
            "Their nomination comes to you for review as usual.")
