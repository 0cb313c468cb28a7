import datetime as dt

from refbot.blocks.home import (
    ActivityLine,
    AdminHome,
    HomeData,
    LimitLine,
    NominationLine,
    OwnerHome,
    RequestLine,
    SellerHome,
    cap_blocks,
    home_view,
)
from refbot.blocks.leaderboard import ProgramTotals
from refbot.domain import ActivityType
from refbot.domain import RequestStatus as S
from refbot.playground.slack_api import texts_of, validate_view

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


def line(i, status=S.pending_approval, **kw):
    return RequestLine(id=i, status=status, requester_id="USELLER", owner_id="UOWNER", contact_name="D" * 150,
                       account_name="A" * 150, prospect="P" * 150, activity=ActivityType.call,
                       needed_by=dt.date(2026, 12, 1), created_at=NOW - dt.timedelta(hours=i), **kw)


def heavy() -> HomeData:
    many = tuple(line(i) for i in range(500))
    past = tuple(line(i, S.scheduled, scheduled_at=NOW - dt.timedelta(days=1), call_at=NOW - dt.timedelta(days=1))
                 for i in range(500))
    return HomeData(
        user_id="USELLER", now=NOW, today=NOW.date(),
        seller=SellerHome(open_requests=many, open_total=500, debriefs=past, debriefs_total=500, points=7, rank=1,
                          ranked=1, quarter="Q4 2026"),
        owner=OwnerHome(accounts=40, approvals=many, approvals_total=500, upcoming=many, upcoming_total=500,
                        recent=tuple(ActivityLine("D", "A", ActivityType.video, NOW.date()) for _ in range(500)),
                        recent_total=500),
        admin=AdminHome(aging_hours=24, aging=many, aging_total=500,
                        nominations=tuple(NominationLine(i, "UNOM", "N" * 200, "T" * 200, "A" * 200, True, NOW)
                                          for i in range(500)), nominations_total=500,
                        missing_debriefs=past, missing_total=500,
                        at_limit=tuple(LimitLine("C", "A", 2, 2) for _ in range(500)), at_limit_total=500,
                        unmatched_queries=tuple("q" * 500 for _ in range(500)), unmatched_total=500, channel_asks=1,
                        quarter="Q4 2026", kpis=ProgramTotals(requests=1, deals_won=1, influenced=250_000),
                        leaderboard_channel="<#C0SALES>"),
    )


def test_a_heavy_user_with_every_role_stays_within_slacks_limits():
    view = home_view(heavy(), reader_tz="Europe/Berlin")
    assert validate_view(view) == []
    assert len(view["blocks"]) <= 100
    text = "\n".join(texts_of(view))
    # a cut list says how much is left and leads there: Next / Previous republish the tab at that page
    assert "Showing 1–8 of 500 open requests" in text and "Next 8 ›" in text
    assert "Showing 1–5 of 500 approvals" in text
    assert "Your open requests (500)" in text and "Approvals waiting for you (500)" in text
    assert "*1 point*" not in text and "*7 points* this quarter (Q4 2026) · rank 1 of 1" in text
    assert "1 reference ask seen" in text


def test_a_new_seller_sees_how_to_start_and_no_other_roles():
    view = home_view(HomeData(user_id="U1", now=NOW, today=NOW.date(), seller=SellerHome(quarter="Q4 2026")))
    text = "\n".join(texts_of(view))
    assert "No open requests" in text and "No points yet this quarter" in text
    assert "Approvals waiting" not in text and "Program manager" not in text and "Debriefs waiting" not in text
    actions = [el["action_id"] for b in view["blocks"] if b["type"] == "actions" for el in b["elements"]]
    assert actions == ["home_search", "home_request", "home_nominate"]


def test_cap_blocks_says_what_was_left_out():
    blocks = [{"type": "divider"}] * 130
    capped = cap_blocks(blocks)
    assert len(capped) == 100 and "31 more items" in capped[-1]["elements"][0]["text"]


def test_rows_read_as_plain_words_for_each_role():
    fresh = RequestLine(id=1, status=S.pending_approval, requester_id="USELLER", owner_id="UADMIN",
                        contact_name="Dana Scully", account_name="Globex", prospect="Initech",
                        activity=ActivityType.call, needed_by=dt.date(2026, 12, 1), created_at=NOW,
                        flagged=True, justification="Only CFO on <SAP>", can_suggest=True)
    home = HomeData(
        user_id="UADMIN", now=NOW, today=NOW.date(), seller=SellerHome(quarter="Q4 2026"),
        owner=OwnerHome(accounts=1, approvals=(fresh,), approvals_total=1),
        admin=AdminHome(aging_hours=24, at_limit=(LimitLine("Kenji", "Dalen", 3, 1), LimitLine("Ana", "Dalen", 2, 2)),
                        at_limit_total=2, quarter="Q4 2026"),
    )
    text = "\n".join(texts_of(home_view(home)))
    assert "waiting under an hour" in text and "0 hours" not in text
    assert "Only CFO on &lt;SAP&gt;" in text and "is resting or busy" in text
    assert "3 uses, limit 1" in text and "2 of 2 uses" in text and "3 of 1" not in text
    assert "Black-market" not in text and "pending_approval" not in text
    assert "Flagged requests*\nNone" in text  # the section is there even when empty
    # Approvals of someone else's request come before the reader's own requests
    assert text.index("Approvals waiting for you") < text.index("Your open requests")
