"""`refbot search`: the matching engine from the command line (offline: no Slack token needed)."""

from __future__ import annotations

import argparse
import json

from refbot.cli import core as cli
from refbot.domain import ActivityType, Persona, Seniority, parse_enum, parse_quantity
from refbot.geo import resolve_country, resolve_region


def _criteria_from_args(args: argparse.Namespace, base: dict) -> dict:
    data = dict(base)
    try:
        if args.industry:
            data["industry"] = args.industry
        if args.employees:
            data["employees"] = parse_quantity(args.employees)
        if args.revenue:
            data["annual_revenue"] = parse_quantity(args.revenue)
        if args.country:
            iso = resolve_country(args.country)
            if not iso:
                raise cli.CLIError(f"--country: I don't know the country '{args.country}'.")
            data["country"] = iso
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


def cmd_search(args: argparse.Namespace) -> int:
    from refbot.clock import Clock
    from refbot.matching.criteria import Criteria
    from refbot.services import search as service

    settings = cli.load_core_settings()
    database = cli._open_db(settings)
    today = Clock().today(settings.tz)
    try:
        with database.unit_of_work() as session:
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
    finally:
        database.dispose()
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
    print(f"Criteria: {criteria.summary() or 'any'}")
    if notes:
        print(f"Understood: {', '.join(notes)}")
    if outcome.result.relaxed:
        print(f"Relaxed: {', '.join(outcome.result.relaxed)}")
    if not matches:
        print("No reference matches. Nominate happy customers to grow the program.")
        return 0
    for i, m in enumerate(matches, 1):
        c = m.candidate
        status = "available" if m.available else f"resting ({m.unavailable_reason}; free {m.available_from})"
        print(f"{i}. {c.account_name} [{c.account_external_id}] — {c.title} [{c.contact_external_id}] — {m.score}% — {status}")
        if m.reasons:
            print(f"   + {'; '.join(m.reasons)}")
        if m.compromises:
            print(f"   - {'; '.join(m.compromises)}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="find the best-fit references (free text and/or filters)")
    p.add_argument("text", nargs="*", help="free text, e.g. healthcare 5k employees germany VP integration")
    p.add_argument("--industry", help="e.g. banking, healthcare, insurance")
    p.add_argument("--employees", help="e.g. 5000 or 5k")
    p.add_argument("--revenue", help="annual revenue in USD, e.g. 2B")
    p.add_argument("--country", help="a country name or ISO code, e.g. Germany or DE")
    p.add_argument("--region", help="NA, LATAM, EMEA or APAC")
    p.add_argument("--product", action="append", help="a product the customer uses (repeat for more)")
    p.add_argument("--use-case", dest="use_case", help="e.g. claims automation")
    p.add_argument("--competitor", help="a competitor the customer replaced")
    p.add_argument("--seniority", help="c_level, vp, director, manager or individual")
    p.add_argument("--persona", help="business or technical")
    p.add_argument("--topic", action="append", help="a topic the contact can speak to (repeat for more)")
    p.add_argument("--activity", help="call, site_visit, case_study, video, press, event, analyst")
    p.add_argument("--language", help="a language the contact speaks, e.g. German or de")
    p.add_argument("--limit", type=int, default=5, metavar="N", help="how many matches to show (default 5)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_search)

