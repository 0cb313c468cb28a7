"""`refbot search`: the matching engine from the command line (offline: no Slack token needed)."""

from __future__ import annotations

import argparse
import json

from refbot.cli import core as cli

MAX_LIMIT = 50


def _criteria_from_args(args: argparse.Namespace, base: dict) -> dict:
    from refbot.domain import ActivityType, Persona, Seniority, parse_enum
    from refbot.geo import resolve_region

    data = dict(base)
    try:
        if args.industry:
            data["industry"] = args.industry
        if args.employees:
            data.update(_size(args.employees, "employees"))
        if args.revenue:
            data.update(_size(args.revenue, "revenue"))
        if args.country:
            data.update(_place(args.country))
        if args.region:
            region = resolve_region(args.region)
            if not region:
                raise cli.CLIError(f"--region: '{args.region}' is not one of NA, LATAM, EMEA, APAC.")
            data["region"] = region
        if args.product:
            data["products"] = list(args.product)
        if args.use_case:
            data["use_case"] = args.use_case
        if args.competitor:
            data["competitor"] = args.competitor
        if args.seniority:
            data["seniority"] = parse_enum(Seniority, args.seniority)
        if args.persona:
            data["persona"] = parse_enum(Persona, args.persona)
        if args.topic:
            data["topics"] = list(args.topic)
        if args.activity:
            data["activity"] = parse_enum(ActivityType, args.activity)
        if args.language:
            data["language"] = args.language
    except ValueError as exc:
        raise cli.CLIError(str(exc)) from None
    return data


def _place(text: str) -> dict[str, object]:
    """--country: a country, a list ("DE,AT"), or a named group ("DACH", "the Nordics")."""
    from refbot.geo import place_groups, resolve_country

    key = " ".join(text.lower().split())
    group = next((g for g in place_groups() if key in (g.name.lower(), *g.words) and g.countries), None)
    if group is not None:
        return {"countries": sorted(group.countries), "place": group.name}
    isos = []
    for part in text.split(","):
        iso = resolve_country(part)
        if not iso:
            raise cli.CLIError(f"--country: I don't know the country '{part.strip()[:40]}' (a name, a code or a group like DACH).")
        isos.append(iso)
    return {"country": isos[0], "countries": isos} if len(isos) > 1 else {"country": isos[0]}


def _size(text: str, kind: str) -> dict[str, object]:
    """--employees/--revenue: a number, or bounds the search box reads ("2000+", "under 500", "1k-5k")."""
    from refbot.domain import parse_quantity

    try:
        return {"employees" if kind == "employees" else "annual_revenue": parse_quantity(text)}
    except ValueError:
        pass
    from refbot.matching.parser import Vocabulary, parse_query

    c = parse_query(f"{text} {kind}", Vocabulary()).criteria
    fields = ("employees", "employees_min", "employees_max") if kind == "employees" else (
        "annual_revenue", "revenue_min", "revenue_max")
    found = {f: getattr(c, f) for f in fields if getattr(c, f)}
    if not found:
        raise cli.CLIError(f"--{kind}: '{text[:40]}' is not a size (e.g. 5000, 5k, 2000+, under 500, 1k-5k).")
    return found


def cmd_search(args: argparse.Namespace) -> int:
    from refbot.clock import Clock
    from refbot.matching.criteria import Criteria
    from refbot.services import search as service

    if not 1 <= args.limit <= MAX_LIMIT:
        raise cli.CLIError(f"--limit must be between 1 and {MAX_LIMIT} (it was {args.limit}).")
    settings = cli.load_core_settings()
    today = Clock().today(settings.tz)
    with cli.unit_of_work(settings) as session:
        text = " ".join(args.text or [])
        base: dict = {}
        notes: list[str] = []
        if text:
            parsed = service.parse_text(session=session, text=text, today=today)
            base = parsed.criteria.model_dump(exclude_defaults=True)
            notes = list(parsed.notes)
        criteria = Criteria.model_validate(_criteria_from_args(args, base))
        outcome = service.run_search(
            session=session, criteria=criteria, today=today, limit=args.limit, source="cli", query_text=text
        )
    matches = outcome.result.matches
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "contact_id": m.candidate.contact_external_id,
                        "account_id": m.candidate.account_external_id,
                        "account": m.candidate.account_name,
                        "title": m.candidate.title,
                        "score": m.score,
                        "fit": m.fit,
                        "more_at_account": m.more_at_account,
                        "reasons": m.reasons,
                        "compromises": m.compromises,
                        "available": m.available,
                        "available_from": m.available_from.isoformat() if m.available_from else None,
                        "unavailable_reason": m.unavailable_reason,
                    }
                    for m in matches
                ],
                indent=2,
            )
        )
        return 0
    result = outcome.result
    print(f"Criteria: {criteria.summary() or 'any'}")
    if notes:
        print(f"Understood: {', '.join(notes)}")
    if result.unused:
        print(f"Didn't use: {', '.join(result.unused)}")
    if result.relaxed:
        print(f"Relaxed: {', '.join(result.relaxed)}")
    if not matches:
        print(f"No good match: no reference matches {criteria.summary() or 'this'} yet. "
              "Nominate happy customers (`/reference nominate` in Slack) to grow the program.")
        return 0
    if result.good_count == 0:
        print("No good match. The closest usable references:")
    elif result.good_count < min(3, len(matches)) or len(matches) < 3:
        print(f"Only {result.good_count} good {'match' if result.good_count == 1 else 'matches'}. "
              "Nominate happy customers to grow the program.")
    if result.reordered:
        print("Note: near-equal fits are listed least recently used first, resting contacts after available ones.")
    for i, m in enumerate(matches, 1):
        c = m.candidate
        status = "available" if m.available else f"resting ({m.unavailable_reason}; free {m.available_from})"
        more = f" (+{m.more_at_account} more at this account)" if m.more_at_account else ""
        print(f"{i}. {c.account_name} [{c.account_external_id}] — {c.title} [{c.contact_external_id}] — "
              f"{m.fit}% fit — {status}{more}")
        if m.reasons:
            print(f"   + {'; '.join(m.reasons)}")
        if m.compromises:
            print(f"   - {'; '.join(m.compromises)}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="find the best-fit references (free text and/or filters)")
    p.add_argument("text", nargs="*", help="free text, e.g. healthcare 5k employees germany VP integration")
    p.add_argument("--industry", help="e.g. banking, healthcare, insurance")
    p.add_argument("--employees", help="e.g. 5000, 5k, 2000+, under 500, 1k-5k")
    p.add_argument("--revenue", help="annual revenue in USD, e.g. 2B")
    p.add_argument("--country", help="a country name or ISO code, a list (DE,AT) or a group (DACH, Nordics, ANZ)")
    p.add_argument("--region", help="NA, LATAM, EMEA or APAC")
    p.add_argument("--product", action="append", help="a product the customer uses (repeat for more)")
    p.add_argument("--use-case", dest="use_case", help="e.g. claims automation")
    p.add_argument("--competitor", help="a competitor the customer replaced")
    p.add_argument("--seniority", help="c_level, vp, director, manager or individual")
    p.add_argument("--persona", help="business or technical")
    p.add_argument("--topic", action="append", help="a topic the contact can speak to (repeat for more)")
    p.add_argument("--activity", help="call, site_visit, case_study, video, press, event, analyst")
    p.add_argument("--language", help="a language the contact speaks, e.g. German or de")
    p.add_argument("--limit", type=int, default=5, metavar="N",
                   help=f"how many rows to show, one per account: 1-{MAX_LIMIT} (default 5)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_search)

