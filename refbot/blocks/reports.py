"""The program report for `/reference stats` (Block Kit) and `refbot report` (plain text). Pure: both
render the dict built by refbot.services.reports.build_report, so they always show the same figures.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from refbot.blocks import kit
from refbot.blocks.format import date_text, escape, money, plural, truncate, uses_text
from refbot.domain import RequestStatus
from refbot.tz import find_zone

LISTED = 10
# Statuses in the order a program manager reads them (the lifecycle), then the side exits.
STATUS_ORDER = (
    RequestStatus.pending_approval,
    RequestStatus.approved,
    RequestStatus.scheduled,
    RequestStatus.completed,
    RequestStatus.debriefed,
    RequestStatus.declined,
    RequestStatus.cancelled,
    RequestStatus.expired,
    RequestStatus.missed,
)


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


def _within_48h(approval: dict[str, Any]) -> str:
    """"60% (3 of 5)", or "no decisions yet" rather than "— (0 of 0)"."""
    if not approval["eligible_48h"]:
        return "no decisions yet"
    return f"{_pct(approval['within_48h_share'])} ({approval['within_48h']} of {approval['eligible_48h']})"


def _hours(hours: float | None) -> str:
    if hours is None:
        return "—"
    if hours < 48:
        return f"{hours:.1f} h".replace(".0 h", " h")
    return f"{hours / 24:.1f} days".replace(".0 days", " days")


def _day(iso: str | None, tz_name: str | None = None) -> str:
    if not iso:
        return "—"
    when = dt.datetime.fromisoformat(iso)
    tz = find_zone(tz_name)
    if tz is not None:
        when = when.astimezone(tz)
    return date_text(when.date())


def period_text(report: dict[str, Any]) -> str:
    tz = report.get("timezone")
    since = f"Since {_day(report['since'], tz)}" if report.get("since") else "All time"
    return f"{since} · as of {_day(report['generated_at'], tz)}"


def status_lines(report: dict[str, Any]) -> list[str]:
    by = report["requests"]["by_status"]
    return [f"{s.label}: {by.get(s.value, 0):,}" for s in STATUS_ORDER if by.get(s.value, 0)]


def win_rate_text(win: dict[str, Any]) -> str:
    """'Win rate 60% with references (3 of 5) vs 40% without (4 of 10) · small sample', or what is known."""
    w, wo = win["with_references"], win["without_references"]
    if not w["closed"]:  # not "— with references (0 of 0)"
        return "no closed deals with references yet"
    with_refs = f"{_pct(w['rate'])} with references ({w['won']} of {w['closed']})"
    if not win["comparable"]:
        return f"{with_refs}; no closed deals {'without' if w['closed'] else 'with'} references to compare"
    note = " · small sample, read with care" if win["small_sample"] else ""
    return f"{with_refs} vs {_pct(wo['rate'])} without ({wo['won']} of {wo['closed']}){note}"


def served_text(srv: dict[str, Any]) -> str:
    return (f"{srv['served']} served · {srv['declined']} declined · {srv['expired']} expired"
            + (f" · {srv['cancelled']} cancelled" if srv["cancelled"] else ""))


def _more(total: int, shown: int, word: str) -> list[str]:
    return [f"…and {plural(total - shown, word)} more"] if total > shown else []


def _debriefs(deb: dict[str, Any]) -> str:
    """"75% filed (3 of 4)" and the on-time / missing counts, or "None due yet" rather than "— filed (0 of 0)"."""
    if not deb["due"]:
        return "None due yet: a debrief is due after each call."
    return (f"{_pct(deb['completion_rate'])} filed ({deb['filed']} of {deb['due']})\n"
            f"On time: {deb['on_time']} · missing: {len(deb['missing'])}")


def report_message(report: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) for `/reference stats`: at most 13 blocks."""
    req, appr, deb, thx = report["requests"], report["approval"], report["debriefs"], report["thank_yous"]
    out, adv = report["outcomes"], report["top_advocates"]

    statuses = "\n".join(status_lines(report)) or "none yet"
    blocks: list[dict[str, Any]] = [
        kit.header("Reference program report"),
        kit.context(period_text(report)),
        kit.section(
            fields=[
                f"*{plural(req['total'], 'request')}*\n{statuses}",
                f"*Approval*\nMedian wait: {_hours(appr['median_hours'])}\n"
                f"Approved within 48 h: {_within_48h(appr)}\n"
                f"Asked to call: {_hours(report['time_to_call']['median_hours'])}",
                f"*Debriefs*\n{_debriefs(deb)}",
                f"*Thank-yous*\n{thx['sent']} of {thx['due']} sent" if thx["due"] else "*Thank-yous*\nNone due yet",
                f"*Influenced revenue*\n{money(out['influenced_revenue'])} from "
                f"{plural(out['won'], 'won deal')}\n{plural(out['lost'], 'lost deal')}",
                f"*Demand signals*\n{plural(report['unmatched_searches']['count'], 'unmatched search', 'unmatched searches')}\n"
                f"{plural(report['channel_asks']['count'], 'ask')} in channels",
                f"*Win rate*\n{win_rate_text(report['win_rate'])}",
                f"*Served vs refused*\n{served_text(report['served'])}",
            ],
        ),
    ]
    if out["won_deals"]:
        lines = [f"• *{escape(d['prospect'])}* {money(d['amount']) if d['amount'] else ''} — helped by "
                 f"{escape(', '.join(d['references']) or '—')}" for d in out["won_deals"][:LISTED]]
        blocks.append(kit.section("*Won with references*\n" + "\n".join(lines + _more(len(out["won_deals"]), LISTED, "deal"))))
    if adv:
        lines = [f"{i}. {escape(a['contact'])} ({escape(a['account'])}) · {plural(a['activities'], 'activity')}"
                 for i, a in enumerate(adv, 1)]
        blocks.append(kit.section("*Top advocates*\n" + "\n".join(lines)))
    sellers = [s for s in report["top_sellers"] if s["requests"] or s["won_deals"]]
    if sellers:
        lines = [f"{i}. <@{s['user_id']}> · {plural(s['requests'], 'request')}"
                 + (f" · {money(s['influenced_revenue'])} won" if s["won_deals"] else "")
                 for i, s in enumerate(sellers, 1)]
        blocks.append(kit.section("*Top sellers*\n" + "\n".join(lines)))
    if deb["missing"]:
        items = deb["missing"]
        lines = [f"• #{m['request_id']} <@{m['requester_id']}> — {escape(m['contact'])} ({escape(m['account'])}) "
                 f"for {escape(m['prospect'])} · {plural(m['days_since_call'], 'day')} since the call"
                 for m in items[:LISTED]]
        blocks.append(kit.section("*Debriefs missing*\n" + "\n".join(lines + _more(len(items), LISTED, "request"))))
    at_limit = report["contacts_at_limit"]
    if at_limit:
        lines = [f"• {escape(c['contact'])} ({escape(c['account'])}) · {uses_text(c['uses'], c['limit'])}"
                 for c in at_limit[:LISTED]]
        blocks.append(kit.section(f"*At or over their limit* ({len(at_limit)})\n"
                              + "\n".join(lines + _more(len(at_limit), LISTED, "contact"))))
    never = report["accounts_never_used"]
    if never:
        names = ", ".join(escape(a["account"]) for a in never[:LISTED])
        extra = f" and {len(never) - LISTED} more" if len(never) > LISTED else ""
        blocks.append(kit.section(f"*Accounts never used* ({len(never)})\n{names}{extra}"))
    recent = report["unmatched_searches"]["recent"]
    if recent:
        blocks.append(kit.context("Unmatched lately: " + escape("; ".join(truncate(q, 60) for q in recent))))
    filed = f"debriefs {_pct(deb['completion_rate'])} filed" if deb["due"] else "no debriefs due yet"
    text = f"Reference program: {plural(req['total'], 'request')}, {filed}, {money(out['influenced_revenue'])} influenced revenue."
    return text, blocks


def report_text(report: dict[str, Any]) -> str:
    """The same report as plain text for the terminal."""
    req, appr, deb, thx = report["requests"], report["approval"], report["debriefs"], report["thank_yous"]
    out = report["outcomes"]
    lines = [
        "Reference program report",
        period_text(report),
        "",
        f"Requests: {req['total']:,}",
        *(f"  {line}" for line in status_lines(report)),
        f"Median time to approval: {_hours(appr['median_hours'])}",
        f"Median time from asking to the call: {_hours(report['time_to_call']['median_hours'])} "
        f"({plural(report['time_to_call']['calls'], 'call')})",
        f"Requests: {served_text(report['served'])}",
        f"Approved within 48 h: {_within_48h(appr)}",
        f"Debriefs filed: {_pct(deb['completion_rate'])} ({deb['filed']} of {deb['due']}, {deb['on_time']} on time)",
        f"Thank-yous sent: {thx['sent']} of {thx['due']}",
        f"Influenced revenue: {money(out['influenced_revenue'])} ({plural(out['won'], 'won deal')}, "
        f"{plural(out['lost'], 'lost deal')})",
        f"Unmatched searches: {report['unmatched_searches']['count']:,} of "
        f"{plural(report['unmatched_searches']['total_searches'], 'search', 'searches')}",
        f"Asks in channels: {report['channel_asks']['count']:,}",
        f"Win rate: {win_rate_text(report['win_rate'])}",
    ]
    for d in out["won_deals"]:
        amount = money(d["amount"]) if d["amount"] else "amount unknown"
        lines.append(f"  won: {d['prospect']} ({amount}), helped by {', '.join(d['references']) or '—'}")
    if report["top_advocates"]:
        lines += ["", "Top advocates:"]
        lines += [f"  {i}. {a['contact']} ({a['account']}): {plural(a['activities'], 'activity')}"
                  for i, a in enumerate(report["top_advocates"], 1)]
    reasons = report["served"]["decline_reasons"]
    if reasons:
        lines += ["", "Why requests were declined:"]
        lines += [f"  {r['reason']}: {r['count']}" for r in reasons]
    sellers = [s for s in report["top_sellers"] if s["requests"] or s["won_deals"]]
    if sellers:
        lines += ["", "Top sellers:"]
        lines += [f"  {i}. {s['user_id']}: {plural(s['requests'], 'request')}, "
                  f"{money(s['influenced_revenue'])} from {plural(s['won_deals'], 'won deal')}"
                  for i, s in enumerate(sellers, 1)]
    if deb["missing"]:
        lines += ["", f"Debriefs missing ({len(deb['missing'])}):"]
        lines += [f"  #{m['request_id']} {m['requester_id']}: {m['contact']} ({m['account']}) for {m['prospect']}, "
                  f"{plural(m['days_since_call'], 'day')} since the call" for m in deb["missing"]]
    if report["contacts_at_limit"]:
        lines += ["", f"Contacts at or over their limit ({len(report['contacts_at_limit'])}):"]
        lines += [f"  {c['contact']} ({c['account']}): {c['uses']} of {c['limit']}" for c in report["contacts_at_limit"]]
    if report["accounts_never_used"]:
        lines += ["", f"Accounts never used ({len(report['accounts_never_used'])}):"]
        lines += [f"  {a['account']}" for a in report["accounts_never_used"]]
    if report["unmatched_searches"]["recent"]:
        lines += ["", "Recent unmatched searches:"]
        lines += [f"  {q}" for q in report["unmatched_searches"]["recent"]]
    return "\n".join(lines)
