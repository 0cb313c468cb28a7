"""Search results and the structured search modal. Pure: data in, Block Kit out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from refbot.blocks import kit
from refbot.blocks.format import date_text, employees, escape, money, plural, relative_days, truncate
from refbot.blocks.no_match import no_match_actions
from refbot.domain import ActivityType, Persona, Region, Seniority
from refbot.geo import country_name, place_groups, region_name
from refbot.matching.criteria import Criteria
from refbot.matching.engine import Match, SearchResult
from refbot.matching.text import words

SEARCH_MODAL = "search_modal"
REQUEST_ACTION = "request_from_search"
REFINE_ACTION = "search_refine"
NOMINATE_ACTION = "nominate_open"
MAX_OPTIONS = 100
GROUP_PREFIX = "group:"
REGION_GROUPS = ("EMEA", "APAC", "Latin America")  # whole regions: the form's region select has them  # a named place in the form's place select ("group:DACH")
REORDERED_NOTE = (
    "Near-equal fits are listed least recently used first, and resting contacts after available ones, "
    "so the order can differ from the percentages."
)


def _availability_line(match: Match, today: dt.date) -> str:
    if match.available:
        if match.last_used:
            return f":white_check_mark: Available · last used {relative_days(match.last_used, today)}"
        return ":white_check_mark: Available · not used yet"
    when = f" · free again {date_text(match.available_from)}" if match.available_from else ""
    return f":hourglass_flowing_sand: Resting: {escape(match.unavailable_reason or 'over its limit')}{when}"


def match_blocks(match: Match, *, rank: int, search_id: int | None, today: dt.date) -> list[dict[str, Any]]:
    c = match.candidate
    where = country_name(c.country) or region_name(c.region) or "location unknown"
    facts = " · ".join(x for x in (escape(c.industry or ""), employees(c.employees), escape(where)) if x)
    who = escape(c.title or "Contact")
    if c.seniority:
        who += f" ({Seniority(c.seniority).label}"
        who += f", {c.persona.value})" if c.persona else ")"
    lines = [f"*{rank}. {escape(c.account_name)}* — {match.fit}% fit", facts, who]
    if match.reasons:
        lines.append(":heavy_check_mark: " + escape("; ".join(match.reasons[:5])))
    if match.compromises:
        lines.append(":warning: " + escape("; ".join(match.compromises[:3])))
    if match.more_at_account:
        lines.append(f"+{plural(match.more_at_account, 'more contact')} at this account")
    button = None
    if search_id is not None:
        style: kit.Style | None = "primary" if match.available else None
        button = kit.button("Request", REQUEST_ACTION, f"{search_id}:{c.contact_id}", style=style)
    return [
        kit.section("\n".join(lines), block_id=f"match_{c.contact_id}", accessory=button),
        kit.context(_availability_line(match, today)),
    ]


def results_message(
    *,
    criteria: Criteria,
    result: SearchResult,
    search_id: int | None,
    today: dt.date,
    notes: list[str] | None = None,
    query_text: str = "",
) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) for a search's results. At most 5 x 2 + 6 blocks, well under 50."""
    if result.unused:  # words that matched nothing are listed once below, not in what was searched for
        unmatched = set(result.unused)
        kept = [k for k in criteria.keywords if not set(words(k)) <= unmatched]
        criteria = criteria.model_copy(update={"keywords": kept})
    summary = criteria.summary() or "any reference"
    blocks: list[dict[str, Any]] = []
    matches = result.matches[:5]
    unused = ("Didn't use: " + escape(", ".join(result.unused))) if result.unused else ""
    if not matches and not criteria.summary() and result.unused:
        # Nothing understood: saying "No reference matches any reference" would blame the program.
        said = escape(", ".join(result.unused))
        text = f"I didn't recognise anything to search for in “{said}”."
        blocks.append(kit.section(f"*I didn't recognise anything to search for* in “{said}”. Try an industry, a "
                                  "country, a company size or a title, e.g. `/reference search bank in Germany VP`."))
        if search_id is not None:
            blocks.append(_footer(search_id))
        return text, blocks
    if not matches:
        text = f"No reference matches {escape(summary)} yet."
        blocks.append(kit.section(f"*No reference matches* {escape(summary)} yet."))
        if unused:
            blocks.append(kit.context(unused))
        blocks.append(_nominate_hint())
        if search_id is not None:
            blocks.append(_footer(search_id))
            blocks.append(no_match_actions(search_id))
        return text, blocks
    head = f"*{plural(len(matches), 'reference')} for* {escape(summary)}"
    if result.good_count == 0:
        head = f"*No good match for* {escape(summary)}. The closest usable references:"
    elif result.good_count < min(3, len(matches)) or len(matches) < 3:
        good = "good match" if result.good_count == 1 else "good matches"
        head = f"*Only {result.good_count} {good} for* {escape(summary)}"
    blocks.append(kit.section(head))
    context = []
    if notes:
        context.append("Understood: " + escape(", ".join(notes)))
    if result.relaxed:
        context.append("Relaxed to find more: " + escape(", ".join(result.relaxed)))
    if unused:
        context.append(unused)
    if result.reordered:
        context.append(REORDERED_NOTE)
    if context:
        blocks.append(kit.context(" · ".join(context)))
    blocks.append(kit.divider())
    for i, match in enumerate(matches, start=1):
        blocks.extend(match_blocks(match, rank=i, search_id=search_id, today=today))
    if result.good_count < 3:
        blocks.append(_nominate_hint())
    if search_id is not None:
        blocks.append(_footer(search_id))
        if result.good_count == 0:
            blocks.append(no_match_actions(search_id))
    names = ", ".join(m.candidate.account_name for m in matches)
    lead = "No good match" if result.good_count == 0 else plural(len(matches), "reference")
    text = truncate(escape(f"{lead} for {summary}: {names}"), 3000)
    return text, blocks


def _nominate_hint() -> kit.Block:
    return kit.context(
        "Know a happy customer who fits? Nominate them with `/reference nominate` — the program team will ask them."
    )


def _footer(search_id: int) -> kit.Block:
    return kit.actions(
        kit.button("Refine", REFINE_ACTION, str(search_id)),
        kit.button("Nominate a customer", NOMINATE_ACTION, "search"),
        block_id="search_footer",
    )


# ------------------------------------------------------------------ the structured search modal


def _place_select(countries: list[str], c: Criteria) -> kit.Block:
    """Prospect place: a named group of countries (DACH, the Nordics, ANZ, ...) or one of the program's
    countries. A group's value is GROUP_PREFIX + its name."""
    groups = [(f"{g.name} ({', '.join(sorted(country_name(i) for i in g.countries)[:4])}"
               + (", ..." if len(g.countries) > 4 else "") + ")", GROUP_PREFIX + g.name)
              for g in place_groups() if g.name not in REGION_GROUPS]
    listed = sorted(((country_name(iso), iso) for iso in set(countries)), key=lambda x: x[0])
    element = kit.grouped_select([("Countries", listed), ("Groups of countries", groups)], placeholder="Anywhere")
    initial = GROUP_PREFIX + c.place if c.place and " or " not in c.place else (c.country or None)
    for group in element["option_groups"]:
        for opt in group["options"]:
            if opt["value"] == initial:
                element["initial_option"] = opt
    return kit.input_block("country", "Prospect country or region", element, optional=True,
                           hint="A group (DACH, the Nordics, ANZ...) counts each of its countries as the same place.")


def _static(
    block_id: str,
    label: str,
    options: list[tuple[str, str]],
    initial: str | None,
    *,
    placeholder: str,
    hint: str | None = None,
) -> kit.Block | None:
    if not options:
        return None
    element = kit.static_select(options, initial, placeholder=placeholder)
    return kit.input_block(block_id, label, element, optional=True, hint=hint)


def _multi(block_id: str, label: str, options: list[tuple[str, str]], initial: list[str]) -> kit.Block | None:
    if not options:
        return None
    return kit.input_block(block_id, label, kit.multi_static_select(options, initial, placeholder="Any"), optional=True)


def _text(block_id: str, label: str, initial: str | None, *, placeholder: str, hint: str | None = None) -> kit.Block:
    element = kit.text_input(truncate(initial, 200), placeholder=placeholder, max_length=200)
    return kit.input_block(block_id, label, element, optional=True, hint=hint)


def search_modal(
    *,
    criteria: Criteria | None,
    industries: list[str],
    products: list[str],
    use_cases: list[str],
    countries: list[str],
    topics: list[str],
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The structured search form, prefilled with `criteria` (from a parsed text search, for Refine)."""
    c = criteria or Criteria()

    def same(values: list[str]) -> list[tuple[str, str]]:
        return [(v, v) for v in sorted(set(values), key=str.lower)]

    blocks = [
        _static("industry", "Prospect industry", same(industries), c.industry, placeholder="Any industry"),
        _text(
            "employees",
            "Prospect employees",
            c.employees_text().removesuffix(" employees") or None,
            placeholder="e.g. 5000, 5k, 2,000+, under 500, mid-market",
        ),
        _text(
            "revenue",
            "Prospect annual revenue",
            money(c.annual_revenue) if c.annual_revenue else None,
            placeholder="e.g. $2B or 500M",
        ),
        _place_select(countries, c),
        _static("region", "Region", [(region_name(r), r.value) for r in Region], c.region.value if c.region else None,
                placeholder="Any region", hint="Used when there is no reference in the country."),
        _multi("products", "Products", same(products), list(c.products)),
        _static("use_case", "Use case", same(use_cases), c.use_case, placeholder="Any use case"),
        _text("competitor", "Competitor replaced", c.competitor, placeholder="e.g. Oracle"),
        _static("seniority", "Who will take the call?", [(s.label, s.value) for s in Seniority],
                c.seniority.value if c.seniority else None, placeholder="Any level",
                hint="RefBot looks for a peer or more senior reference."),
        _static("persona", "Their focus", [("Business", Persona.business.value), ("Technical", Persona.technical.value)],
                c.persona.value if c.persona else None, placeholder="Either"),
        _multi("topics", "Topics to cover", same(topics), list(c.topics)),
        _static("activity", "Activity", [(a.label, a.value) for a in ActivityType],
                c.activity.value if c.activity else None, placeholder="Reference call"),
        _text("language", "Language", c.language, placeholder="e.g. German"),
        _text("keywords", "Anything else", " ".join(c.keywords) if c.keywords else None,
              placeholder="e.g. a customer name or 'fraud'"),
    ]
    return kit.modal("Find a reference", blocks, callback_id=SEARCH_MODAL, submit="Search", metadata=metadata or {})
