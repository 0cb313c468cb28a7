"""What a sales leader sees: their team on the Home tab, the monthly DM, the ready-to-post message for
their team channel, the modal to edit it, and the post itself. Pure: they render refbot.services.leaders'
team view (whose figures are the program report's over the team)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from refbot.blocks import kit
from refbot.blocks.format import escape, money, plural, truncate
from refbot.blocks.reports import _hours, served_text, win_rate_text

POST_ACTION = "leader_post_open"
POST_MODAL = "leader_post_modal"
TEXT_BLOCK, CHANNEL_BLOCK = "post_text", "post_channel"
POST_MAX = 3000
LISTED = 5
OUTCOME_WORDS = {"won": "won", "lost": "lost", "open": "still open"}


def _name(view: dict[str, Any], uid: str) -> str:
    return view["names"].get(uid) or "a teammate"


def figures_fields(view: dict[str, Any]) -> list[str]:
    r = view["report"]
    out = r["outcomes"]
    return [
        f"*Influenced revenue*\n{money(out['influenced_revenue'])} from {plural(out['won'], 'won deal')}",
        f"*Win rate*\n{win_rate_text(r['win_rate'])}",
        f"*Requests*\n{plural(r['requests']['total'], 'request')}: {served_text(r['served'])}",
        f"*Speed*\nTo approval: {_hours(r['approval']['median_hours'])} · to the call: "
        f"{_hours(r['time_to_call']['median_hours'])}",
        f"*Debriefs missing*\n{len(r['debriefs']['missing'])}",
        f"*Asked in channels instead*\n{plural(r['channel_asks']['count'], 'ask')}",
    ]


def team_home_blocks(view: dict[str, Any], *, now: dt.datetime) -> list[dict[str, Any]]:
    """The leader's section of their Home tab: at most 10 blocks."""
    r = view["report"]
    blocks: list[dict[str, Any]] = [
        kit.header("Your team"),
        kit.context(f"You lead {plural(len(view['team']), 'person', 'people')} in RefBot · {escape(view['title'])}"),
        kit.section(fields=figures_fields(view)),
    ]
    if view["open"]:
        lines = [f"• <@{o['requester_id']}> — {escape(o['contact'])} ({escape(o['account'])}) for "
                 f"{escape(o['prospect'])} · {o['status']}" for o in view["open"][:LISTED]]
        more = len(view["open"]) - LISTED
        blocks.append(kit.section("*Open requests*\n" + "\n".join(lines) + (f"\n…and {more} more" if more > 0 else "")))
    if view["deals"]:
        lines = [f"• *{escape(d['prospect'])}* {money(d['amount']) if d['amount'] else ''} — "
                 f"{OUTCOME_WORDS.get(d['outcome'], d['outcome'])}, with {escape(', '.join(d['references']))} "
                 f"(<@{d['seller']}>)" for d in view["deals"][:LISTED]]
        blocks.append(kit.section("*Deals with references* (last 90 days)\n" + "\n".join(lines)))
    missing = r["debriefs"]["missing"]
    if missing:
        lines = [f"• <@{m['requester_id']}> — call with {escape(m['contact'])} for {escape(m['prospect'])}, "
                 f"{plural(m['days_since_call'], 'day')} ago" for m in missing[:LISTED]]
        blocks.append(kit.section("*Debriefs missing* — a nudge from you helps\n" + "\n".join(lines)))
    if view["asks"]:
        lines = [f"• <@{a['user_id']}> in <#{a['channel_id']}>: “{escape(truncate(a['query'], 80))}”"
                 for a in view["asks"][:LISTED]]
        blocks.append(kit.section("*Asked in channels instead of RefBot* — point them to `/reference search`\n"
                                  + "\n".join(lines)))
    blocks.append(kit.actions(kit.button("Write a post for your team", POST_ACTION, "last")))
    return blocks


def team_post_text(view: dict[str, Any]) -> str:
    """The ready-to-post message for the leader's team channel, as plain text they can edit. Internal
    figures only: deal and customer names, never contact details."""
    r = view["report"]
    out = r["outcomes"]
    lines = [f"*What customer references did for our team — {view['title']}*"]
    if out["won_deals"]:
        deals = ", ".join(f"{d['prospect']}" + (f" ({money(d['amount'])})" if d["amount"] else "")
                          for d in out["won_deals"][:LISTED])
        lines.append(f"• {plural(out['won'], 'deal')} won with a customer reference: {deals} — "
                     f"{money(out['influenced_revenue'])} in all")
    if r["requests"]["total"]:  # a post says what happened, never "0 reference requests … median —"
        median = r["approval"]["median_hours"]
        lines.append(f"• {plural(r['requests']['total'], 'reference request')}, {r['served']['served']} served"
                     + (f"; median {_hours(median)} to approval" if median is not None else ""))
    sellers = [s for s in r["top_sellers"] if s["requests"] or s["won_deals"]][:3]
    if sellers:
        who = [_name(view, s["user_id"]) for s in sellers]
        who = [w for i, w in enumerate(who) if w not in who[:i]]
        lines.append(f"• Thanks to {', '.join(who)} for bringing customers into their deals.")
    asks = r["channel_asks"]["count"]
    tip = ("Need a customer to talk to your prospect? Ask RefBot (`/reference search bank in Germany`) rather "
           "than in channels: it finds the best fit and keeps our customers from being over-asked.")
    if asks:
        tip += f" ({plural(asks, 'ask')} went to channels this time.)"
    lines.append(tip)
    return truncate("\n".join(lines), POST_MAX)


def leader_dm(view: dict[str, Any], *, month: str) -> tuple[str, list[dict[str, Any]]]:
    """The monthly DM to a leader: their team's month and a post ready for their team channel."""
    blocks = [
        kit.header(f"Your team's references · {view['title']}"),
        kit.context("You get this monthly because you lead a sales team in RefBot."),
        kit.section(fields=figures_fields(view)),
        kit.section("*Ready to post for your team* (edit it first if you like)\n>"
                    + escape(team_post_text(view)).replace("\n", "\n>")),
        kit.actions(kit.button("Edit and post", POST_ACTION, month, style="primary")),
    ]
    out = view["report"]["outcomes"]
    text = (f"Your team in {view['title']}: {money(out['influenced_revenue'])} influenced revenue, "
            f"{plural(view['report']['requests']['total'], 'request')} — a post for your team is ready.")
    return text, blocks


def post_modal(text: str, *, month: str) -> dict[str, Any]:
    return kit.modal(
        "Post for your team",
        [
            kit.input_block(TEXT_BLOCK, "Message", kit.text_input(text, max_length=POST_MAX, multiline=True,
                                                                   min_length=1), optional=False),
            kit.input_block(CHANNEL_BLOCK, "Post in", kit.conversations_select(placeholder="Your team channel"),
                            optional=False, hint="An internal channel: the post names customers and deals."),
        ],
        callback_id=POST_MODAL, submit="Post", metadata={"month": month},
    )


def team_post_message(text: str, *, leader_id: str) -> tuple[str, list[dict[str, Any]]]:
    """What lands in the team channel: the leader's words (escaped) and who shared them."""
    safe = escape(text)
    return truncate(safe, 300), [kit.section(safe), kit.context(f"Shared by <@{leader_id}> from RefBot's monthly "
                                                                 "team summary")]

