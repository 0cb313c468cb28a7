"""The monthly executive digest message (Block Kit) and its terminal text. Pure: both render the dict built
by refbot.services.digest.build_digest, whose figures are the program report's for the month."""

from __future__ import annotations

from typing import Any

from refbot.blocks import kit
from refbot.blocks.format import escape, money, plural, truncate
from refbot.blocks.reports import _hours, _pct, _within_48h, served_text, win_rate_text

LISTED = 5
STORY_CHARS = 600


def _won_lines(out: dict[str, Any], *, markup: bool) -> list[str]:
    deals = sorted(out["won_deals"], key=lambda d: -(d["amount"] or 0))
    lines = []
    for d in deals[:LISTED]:
        name = f"*{escape(d['prospect'])}*" if markup else d["prospect"]
        refs = ", ".join(d["references"]) or "—"
        lines.append(f"• {name} {money(d['amount']) if d['amount'] else '(amount unknown)'} — helped by "
                     f"{escape(refs) if markup else refs}")
    if len(deals) > LISTED:
        lines.append(f"…and {plural(len(deals) - LISTED, 'deal')} more")
    return lines


def _reason_text(srv: dict[str, Any]) -> str:
    return "; ".join(f"{r['reason']} ({r['count']})" for r in srv["decline_reasons"])


def headline(digest: dict[str, Any]) -> str:
    """The one-line summary (notification text) — figures only, no user text."""
    r = digest["report"]
    out = r["outcomes"]
    return (f"Reference program, {digest['title']}: {money(out['influenced_revenue'])} influenced revenue from "
            f"{plural(out['won'], 'won deal')}, {plural(r['requests']['total'], 'request')}.")


def digest_message(digest: dict[str, Any], *, why: str) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks) of the digest, at most 14 blocks. `why` says why the reader got it."""
    r = digest["report"]
    out, appr, srv, win = r["outcomes"], r["approval"], r["served"], r["win_rate"]
    fields = [
        f"*Influenced revenue*\n{money(out['influenced_revenue'])} from {plural(out['won'], 'won deal')}",
        f"*Win rate*\n{win_rate_text(win)}",
        f"*Requests*\n{plural(r['requests']['total'], 'request')}: {served_text(srv)}",
        f"*Speed*\nTo approval: {_hours(appr['median_hours'])} (median)\n"
        f"To the call: {_hours(r['time_to_call']['median_hours'])} (median)\n"
        f"Approved within 48 h: {_within_48h(appr)}",
        f"*Debriefs*\n{_pct(r['debriefs']['completion_rate'])} filed ({r['debriefs']['filed']} of "
        f"{r['debriefs']['due']})" if r["debriefs"]["due"] else "*Debriefs*\nNone due",
        f"*Coverage gaps*\n{plural(r['unmatched_searches']['count'], 'search', 'searches')} found no fitting "
        f"reference\n{plural(r['channel_asks']['count'], 'ask')} made in channels instead of RefBot",
    ]
    blocks: list[dict[str, Any]] = [
        kit.header(f"Reference program · {digest['title']}"),
        kit.context(escape(why)),
        kit.section(fields=fields),
    ]
    if out["won_deals"]:
        blocks.append(kit.section("*Deals won with references*\n" + "\n".join(_won_lines(out, markup=True))))
    if srv["decline_reasons"]:
        blocks.append(kit.context("Why requests were declined: " + escape(truncate(_reason_text(srv), 1500))))
    adv = r["top_advocates"][:LISTED]
    sellers = [s for s in r["top_sellers"] if s["requests"] or s["won_deals"]][:LISTED]
    people = []
    if adv:
        people.append("*Top advocates*\n" + "\n".join(
            f"{i}. {escape(a['contact'])} ({escape(a['account'])}) · {plural(a['activities'], 'activity')}"
            for i, a in enumerate(adv, 1)))
    if sellers:
        people.append("*Top sellers*\n" + "\n".join(
            f"{i}. <@{s['user_id']}> · {plural(s['requests'], 'request')}"
            + (f" · {money(s['influenced_revenue'])} won" if s["won_deals"] else "")
            for i, s in enumerate(sellers, 1)))
    if people:
        blocks.append(kit.section(fields=people))
    gaps = [c for c in digest.get("coverage") or [] if c["demand"] > c["supply"]][:LISTED]
    if gaps:
        blocks.append(kit.section("*Where we lack references*\n" + "\n".join(
            f"• {escape(c['segment'])}: asked for {plural(c['demand'], 'time')}, {plural(c['supply'], 'reference')} "
            "available"
            for c in gaps)))
    recent = r["unmatched_searches"]["recent"]
    if recent:
        blocks.append(kit.context("Searched for, not found: " + escape("; ".join(truncate(q, 60) for q in recent))))
    for story in (digest.get("stories") or [])[:3]:
        # story["text"] is escaped mrkdwn already (refbot.blocks.stories.story_summary)
        blocks.append(kit.section(f"*Success story: {escape(story['title'])}*\n{truncate(story['text'], STORY_CHARS)}"))
    if win["comparable"] and win["small_sample"]:
        blocks.append(kit.context("Win rates rest on few closed deals this month: read them as a trend, not a verdict."))
    blocks.append(kit.context("Charts follow in this conversation. Program managers: `/reference stats` has every figure."))
    return headline(digest), blocks


def digest_text(digest: dict[str, Any]) -> str:
    """The digest for the terminal (`refbot digest`)."""
    r = digest["report"]
    out, appr, srv = r["outcomes"], r["approval"], r["served"]
    lines = [
        f"Reference program digest: {digest['title']}",
        "",
        f"Influenced revenue: {money(out['influenced_revenue'])} ({plural(out['won'], 'won deal')}, "
        f"{plural(out['lost'], 'lost deal')})",
        *(line.replace("• ", "  ") for line in _won_lines(out, markup=False)),
        f"Win rate: {win_rate_text(r['win_rate'])}",
        f"Requests: {r['requests']['total']:,} ({served_text(srv)})",
    ]
    if srv["decline_reasons"]:
        lines.append(f"  declined because: {_reason_text(srv)}")
    lines += [
        f"Median time to approval: {_hours(appr['median_hours'])}; to the call: "
        f"{_hours(r['time_to_call']['median_hours'])}",
        f"Debriefs filed: {_pct(r['debriefs']['completion_rate'])} ({r['debriefs']['filed']} of {r['debriefs']['due']})",
        f"Coverage gaps: {plural(r['unmatched_searches']['count'], 'unmatched search', 'unmatched searches')}, "
        f"{plural(r['channel_asks']['count'], 'ask')} in channels",
    ]
    if r["top_advocates"]:
        lines += ["Top advocates:"] + [f"  {i}. {a['contact']} ({a['account']}): {plural(a['activities'], 'activity')}"
                                       for i, a in enumerate(r["top_advocates"], 1)]
    sellers = [s for s in r["top_sellers"] if s["requests"] or s["won_deals"]]
    if sellers:
        lines += ["Top sellers:"] + [f"  {i}. {s['user_id']}: {plural(s['requests'], 'request')}, "
                                     f"{money(s['influenced_revenue'])} won" for i, s in enumerate(sellers, 1)]
    lines += ["", "By month: " + ", ".join(f"{m['label']} {money(m['influenced_revenue'])}/{m['requests']}"
                                           for m in digest["series"]) + " (influenced revenue/requests)"]
    return "\n".join(lines)
