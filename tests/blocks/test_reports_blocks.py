import copy

from refbot.blocks.reports import report_message, report_text
from refbot.playground.slack_api import texts_of, validate_blocks

REPORT = {
    "version": 1,
    "generated_at": "2026-11-30T09:00:00+00:00",
    "since": "2026-10-31T23:00:00+00:00",
    "timezone": "Europe/Berlin",
    "requests": {
        "total": 6,
        "by_status": {"pending_approval": 1, "approved": 0, "scheduled": 1, "completed": 0, "debriefed": 3,
                      "declined": 1, "cancelled": 0, "expired": 0, "missed": 0},
    },
    "approval": {"approved": 4, "median_hours": 30.0, "eligible_48h": 5, "within_48h": 3, "within_48h_share": 0.6},
    "debriefs": {
        "due": 4, "filed": 3, "on_time": 2, "completion_rate": 0.75,
        "missing": [{"request_id": 9, "requester_id": "USELLER", "contact": "Dana Scully", "account": "Globex",
                     "prospect": "Initech", "call_at": "2026-11-25T14:00:00+00:00", "days_since_call": 1}],
    },
    "thank_yous": {"due": 3, "sent": 1, "share": 0.333},
    "outcomes": {"won": 1, "lost": 1, "influenced_revenue": 250000,
                 "won_deals": [{"opportunity_id": 7, "prospect": "Initech", "amount": 250000,
                                "references": ["Globex", "Hooli"]}]},
    "top_advocates": [{"contact_id": 1, "contact": "Dana Scully", "account": "Globex", "activities": 2},
                      {"contact_id": 2, "contact": "Fox Mulder", "account": "Hooli", "activities": 1}],
    "contacts_at_limit": [{"contact_id": 1, "contact": "Dana Scully", "account": "Globex", "uses": 2, "limit": 2}],
    "accounts_never_used": [{"account_id": 3, "account": "Umbrella"}],
    "unmatched_searches": {"count": 2, "total_searches": 9, "recent": ["mining in Chile", "airline 50k"]},
    "channel_asks": {"count": 1},
    "until": None,
    "time_to_call": {"calls": 4, "median_hours": 96.0},
    "served": {"served": 4, "declined": 1, "expired": 0, "cancelled": 0, "refused": 1, "served_share": 0.8,
               "decline_reasons": [{"reason": "customer is in a renewal", "count": 1}]},
    "win_rate": {"with_references": {"won": 1, "lost": 1, "closed": 2, "rate": 0.5},
                 "without_references": {"won": 1, "lost": 3, "closed": 4, "rate": 0.25},
                 "comparable": True, "difference": 0.25, "small_sample": True},
    "top_sellers": [{"user_id": "USELLER", "requests": 5, "won_deals": 1, "influenced_revenue": 250000}],
}


def test_stats_message_shows_every_figure_within_block_kit_limits():
    text, blocks = report_message(REPORT)
    assert validate_blocks(blocks, surface="message") == []
    dumped = "\n".join(texts_of(blocks))
    for expected in (
        "Since Sun 1 Nov 2026",  # the period starts at midnight in the program's timezone
        "*6 requests*", "Waiting for approval: 1", "Debriefed: 3", "Declined: 1",
        "Median wait: 30 h", "Approved within 48 h: 60% (3 of 5)",
        "75% filed (3 of 4)", "missing: 1", "1 of 3 sent",
        "$250K from 1 won deal", "1 lost deal",
        "2 unmatched searches", "1 ask in channels",
        "*Initech* $250K — helped by Globex, Hooli",
        "1. Dana Scully (Globex) · 2 activities", "2. Fox Mulder (Hooli) · 1 activity",
        "#9 <@USELLER> — Dana Scully (Globex) for Initech · 1 day since the call",
        "Dana Scully (Globex) · 2 of 2", "*Accounts never used* (1)\nUmbrella",
        "mining in Chile; airline 50k",
        "Asked to call: 4 days",
        "50% with references (1 of 2) vs 25% without (1 of 4) · small sample, read with care",
        "4 served · 1 declined · 0 expired",
        "1. <@USELLER> · 5 requests · $250K won",
    ):
        assert expected in dumped, expected
    assert "Approved: 0" not in dumped  # empty statuses are left out
    assert text == "Reference program: 6 requests, debriefs 75% filed, $250K influenced revenue."


def test_an_empty_program_renders_without_dashes_breaking_anything():
    empty = copy.deepcopy(REPORT)
    empty.update(since=None, top_advocates=[], contacts_at_limit=[], accounts_never_used=[], top_sellers=[])
    empty["requests"] = {"total": 0, "by_status": {k: 0 for k in REPORT["requests"]["by_status"]}}
    empty["approval"] = {"approved": 0, "median_hours": None, "eligible_48h": 0, "within_48h": 0,
                         "within_48h_share": None}
    empty["debriefs"] = {"due": 0, "filed": 0, "on_time": 0, "completion_rate": None, "missing": []}
    empty["outcomes"] = {"won": 0, "lost": 0, "influenced_revenue": 0, "won_deals": []}
    empty["unmatched_searches"] = {"count": 0, "total_searches": 0, "recent": []}
    text, blocks = report_message(empty)
    assert validate_blocks(blocks, surface="message") == []
    dumped = "\n".join(texts_of(blocks))
    assert "All time" in dumped and "*0 requests*\nnone yet" in dumped and "Median wait: —" in dumped
    assert len(blocks) == 3


def test_long_lists_are_capped_in_slack_but_complete_in_the_terminal():
    big = copy.deepcopy(REPORT)
    big["accounts_never_used"] = [{"account_id": i, "account": f"Account {i:02d}"} for i in range(30)]
    big["contacts_at_limit"] = [{"contact_id": i, "contact": f"C{i}", "account": "A", "uses": 3, "limit": 2}
                                for i in range(30)]
    _, blocks = report_message(big)
    assert validate_blocks(blocks, surface="message") == []
    dumped = "\n".join(texts_of(blocks))
    assert "Account 09 and 20 more" in dumped and "Account 10" not in dumped
    assert "…and 20 contacts more" in dumped
    text = report_text(big)
    assert "Accounts never used (30):" in text and "  Account 29" in text


def test_terminal_text_has_the_same_figures():
    text = report_text(REPORT)
    for line in (
        "Requests: 6", "  Waiting for approval: 1", "Median time to approval: 30 h",
        "Approved within 48 h: 60% (3 of 5)", "Debriefs filed: 75% (3 of 4, 2 on time)",
        "Thank-yous sent: 1 of 3", "Influenced revenue: $250K (1 won deal, 1 lost deal)",
        "Unmatched searches: 2 of 9 searches", "Asks in channels: 1",
        "  won: Initech ($250K), helped by Globex, Hooli", "  1. Dana Scully (Globex): 2 activities",
        "  #9 USELLER: Dana Scully (Globex) for Initech, 1 day since the call",
        "  Dana Scully (Globex): 2 of 2", "  Umbrella", "  mining in Chile",
    ):
        assert line in text.splitlines(), line
