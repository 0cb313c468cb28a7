import dataclasses
import datetime as dt
import json

from refbot.blocks import requests as b
from refbot.domain import ActivityType
from refbot.domain import RequestStatus as S

CREATED = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)

CARD = b.RequestCard(
    id=12,
    status=S.pending_approval,
    requester_id="USELLER",
    owner_id="UOWNER",
    contact_name="Dana Scully",
    contact_title="VP Finance",
    account_name="Globex",
    prospect_company="Initech",
    activity_type=ActivityType.call,
    needed_by=dt.date(2026, 11, 26),
    created_at=CREATED,
    stage="evaluation",
    amount=250_000,
    industry="Banking",
    employees=5000,
    country="DE",
    topics=("roi", "migration"),
    note="CFO <b>wants</b> rollout details",
    usage="Used once in the last 90 days (limit 2)",
)

FORM = b.RequestForm(
    contact_name="Dana Scully",
    contact_title="VP Finance",
    account_name="Globex",
    earliest=dt.date(2026, 11, 26),
    lead_time_days=3,
    min_stage="discovery",
    activities=(ActivityType.call, ActivityType.video),
    contact_topics=("roi", "integration"),
    prefill=b.RequestPrefill(industry="Banking", employees="5,000", country="Germany", topics="roi"),
)


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def walk(node):
    """Every dict inside a Block Kit structure."""
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v)


def assert_within_limits(blocks, *, max_blocks=50):
    assert len(blocks) <= max_blocks
    ids = [blk["block_id"] for blk in blocks if "block_id" in blk]
    assert len(ids) == len(set(ids)), "block ids must be unique"
    for node in walk(blocks):
        if node.get("type") == "button":
            assert len(node["text"]["text"]) <= 75 and len(node["value"]) <= 2000
        if node.get("type") == "section" and "text" in node:
            assert len(node["text"]["text"]) <= 3000
        if node.get("type") == "section" and "fields" in node:
            assert len(node["fields"]) <= 10
        if "options" in node and isinstance(node["options"], list):
            assert len(node["options"]) <= 100
            assert all(len(o["text"]["text"]) <= 75 for o in node["options"])


def by_id(view, block_id):
    return next(blk for blk in view["blocks"] if blk.get("block_id") == block_id)


# ------------------------------------------------------------------ request modal


def test_request_modal_is_prefilled_and_asks_for_no_justification_when_available():
    view = b.request_modal(FORM, metadata='{"contact_id": 7}')
    assert view["callback_id"] == "request_modal"
    assert len(view["title"]["text"]) <= 24 and len(view["submit"]["text"]) <= 24
    assert view["private_metadata"] == '{"contact_id": 7}'
    assert_within_limits(view["blocks"], max_blocks=100)
    assert "Banking · 5,000 employees · Germany (from your search)" in by_id(view, "deal_details")["text"]["text"]
    assert by_id(view, "deal_details")["accessory"]["action_id"] == b.DETAILS_ACTION
    assert len([blk for blk in view["blocks"] if blk["type"] == "input"]) <= b.MAX_FORM_INPUTS
    detailed = b.request_modal(dataclasses.replace(FORM, show_details=True), metadata="{}")
    assert by_id(detailed, "industry")["element"]["initial_value"] == "Banking"
    assert by_id(detailed, "country")["element"]["initial_value"] == "Germany"
    assert by_id(view, "needed_by")["element"]["initial_date"] == "2026-11-26"
    assert "Requests need 3 business days (Thu 26 Nov 2026 or later)" in by_id(view, "needed_by")["hint"]["text"]
    activities = [o["value"] for o in by_id(view, "activity")["element"]["options"]]
    assert activities == ["call", "video"]
    assert "Dana speaks to: roi, integration" in by_id(view, "topics")["hint"]["text"]
    assert "References start at Discovery" in by_id(view, "stage")["hint"]["text"]
    assert not any(blk.get("block_id") == "justification" for blk in view["blocks"])
    assert all(blk["element"]["action_id"] == b.VALUE for blk in view["blocks"] if blk["type"] == "input")


def test_request_modal_for_a_resting_contact_requires_a_justification():
    form = dataclasses.replace(FORM, unavailable_reason="used 2 times in the last 90 days (limit 2)")
    view = b.request_modal(form, metadata="{}")
    block = by_id(view, "justification")
    assert block["optional"] is False
    inputs = [blk["block_id"] for blk in view["blocks"] if blk["type"] == "input"]
    assert inputs[0] == "justification" and len(inputs) <= b.MAX_FORM_INPUTS  # the question that matters first
    assert "Dana is resting" in dumps(view["blocks"])


def test_request_modal_redisplays_what_was_typed():
    prefill = b.RequestPrefill(prospect_company="Initech", stage="proposal", urgent=True, urgent_reason="Board",
                               needed_by=dt.date(2026, 11, 24), activity="video")
    view = b.request_modal(dataclasses.replace(FORM, prefill=prefill), metadata="{}")
    assert by_id(view, "stage")["element"]["initial_option"]["value"] == "proposal"
    assert by_id(view, "urgent_reason")["element"]["initial_value"] == "Board"
    assert by_id(view, "needed_by")["element"]["initial_date"] == "2026-11-24"
    assert by_id(view, "activity")["element"]["initial_option"]["value"] == "video"


def test_pick_contact_modal_types_ahead_and_options_show_availability():
    view = b.pick_contact_modal(query="", matches=0, metadata="{}")
    assert view["callback_id"] == b.PICK_MODAL
    element = by_id(view, "contact")["element"]
    assert element["type"] == "external_select" and element["action_id"] == b.PICK_ACTION
    assert "Showing" not in dumps(view)
    empty = b.pick_contact_modal(query="zzz", matches=0, metadata="{}")
    assert "No active reference contact matches *zzz*" in dumps(empty)
    options = b.contact_option_list([
        b.ContactChoice(7, "Dana Scully", "VP Finance", "Globex", "resting", dt.date(2027, 1, 5)),
        b.ContactChoice(8, "Bob Builder", "", "Globex", "busy"),
        b.ContactChoice(9, "A" * 90, "Chief Executive Officer", "Initech Worldwide", "available"),
    ])
    texts = [o["text"]["text"] for o in options]
    assert texts[:2] == ["Dana Scully, VP Finance (Globex) · resting until 5 Jan", "Bob Builder (Globex) · busy"]
    assert len(texts[2]) <= 75 and texts[2].endswith(" · available")


# ------------------------------------------------------------------ approval DMs


def test_approval_dm_shows_what_the_owner_needs_and_three_buttons():
    text, blocks = b.approval_dm(CARD, reader_tz="Europe/Berlin")
    assert "<@USELLER> asks to use Dana Scully (VP Finance, Globex)" in text
    assert_within_limits(blocks)
    dump = dumps(blocks)
    for fact in ("Initech · Evaluation · $250K", "Thu 26 Nov 2026", "Reference call", "roi, migration",
                 "Banking · 5,000 employees · Germany", "Used once in the last 90 days", "Request #12"):
        assert fact in dump, fact
    assert "CFO &lt;b&gt;wants&lt;/b&gt;" in dump  # user text is escaped
    actions = next(blk for blk in blocks if blk["type"] == "actions")
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        ("request_approve", "12"), ("request_decline", "12"), ("request_suggest", "12")]
    _, blocks = b.approval_dm(CARD, reader_tz=None, can_suggest=False)
    actions = next(blk for blk in blocks if blk["type"] == "actions")
    assert [e["action_id"] for e in actions["elements"]] == ["request_approve", "request_decline"]


def test_flagged_and_urgent_requests_say_so():
    card = dataclasses.replace(CARD, urgent=True, urgent_reason="Board on Friday", flagged=True,
                               unavailable_reason="already committed to 1 open request",
                               justification="Only SAP banking reference")
    dump = dumps(b.approval_dm(card, reader_tz=None)[1])
    assert "Urgent:* Board on Friday" in dump
    assert "Dana Scully is resting*: already committed to 1 open request" in dump
    assert "Only SAP banking reference" in dump
    text, _ = b.flagged_dm(card)
    assert text.startswith("Flagged: <@USELLER> asked for Dana Scully")


def test_decided_dm_replaces_buttons_with_who_and_when():
    card = dataclasses.replace(CARD, status=S.approved, decided_by="UOWNER",
                               decided_at=dt.datetime(2026, 11, 23, 14, 30, tzinfo=dt.UTC))
    _, blocks = b.decided_dm(card, reader_tz="Europe/Berlin")
    assert not any(blk["type"] == "actions" for blk in blocks)
    dump = dumps(blocks)
    assert "Approved by <@UOWNER>" in dump and "Mon 23 Nov 2026, 15:30 CET" in dump
    declined = dataclasses.replace(card, status=S.declined, decline_reason="On leave")
    assert "Declined by <@UOWNER>" in dumps(b.decided_dm(declined, reader_tz=None)[1])
    assert "*Reason:* On leave" in dumps(b.decided_dm(declined, reader_tz=None)[1])
    suggested = dataclasses.replace(card, status=S.declined, decline_reason=b.SUGGESTED_REASON)
    assert "suggested another contact" in dumps(b.decided_dm(suggested, reader_tz=None)[1])
    expired = dataclasses.replace(CARD, status=S.expired)
    assert "Expired: not approved by Thu 26 Nov 2026" in dumps(b.decided_dm(expired, reader_tz=None)[1])


# ------------------------------------------------------------------ seller DMs


def test_only_the_approved_dm_reveals_contact_details():
    details = b.ContactDetails(name="Dana Scully", title="VP Finance", email="dana@globex.example",
                               phone="+1 555 0100", timezone="America/New_York")
    card = dataclasses.replace(CARD, status=S.approved, decided_by="UOWNER")
    text, blocks = b.seller_approved_dm(card, details, now=CREATED)
    dump = dumps(blocks)
    assert "dana@globex.example" in text
    # A place and a 24-hour time, as everywhere in the app (issue 16; was "America/New_York (now 04:00)").
    for fact in ("mailto:dana@globex.example", "+1 555 0100", "New York time (now 04:00)", "Mark scheduled"):
        assert fact in dump, fact
    assert "America/New_York" not in dump
    for zone, shown in (("America/Argentina/Buenos_Aires", "Buenos Aires time (now 06:00)"), ("UTC", "UTC (now 09:00)")):
        assert shown in dumps(b.seller_approved_dm(card, dataclasses.replace(details, timezone=zone), now=CREATED)[1])
    assert_within_limits(blocks)
    button = next(e for blk in blocks if blk["type"] == "actions" for e in blk["elements"])
    assert (button["action_id"], button["value"]) == ("request_mark_scheduled", "12")
    unknown = b.seller_approved_dm(card, dataclasses.replace(details, timezone=None, phone=None))[1]
    assert "*Timezone*\\nunknown" in dumps(unknown)


def test_declined_and_expired_dms_offer_search_again():
    card = dataclasses.replace(CARD, status=S.declined, decided_by="UOWNER", decline_reason="On leave")
    text, blocks = b.seller_declined_dm(card)
    assert "declined: On leave" in text
    assert any(e["action_id"] == "search_again" and e["value"] == "12"
               for blk in blocks if blk["type"] == "actions" for e in blk["elements"])
    text, blocks = b.seller_expired_dm(dataclasses.replace(CARD, status=S.expired))
    assert "wasn't approved by its needed-by date (Thu 26 Nov 2026)" in text
    assert "search_again" in dumps(blocks)


def test_seller_messages_use_correct_plurals():
    assert "after 1 hour" in b.seller_reminded_dm(CARD, hours=1)[0]
    assert "after 24 hours; I reminded <@UOWNER>" in b.seller_reminded_dm(CARD, hours=24)[0]
    assert "waited 48 hours" in b.seller_escalated_dm(CARD, hours=48)[0]
    text, blocks = b.seller_created_dm(CARD, approvers=["UOWNER"])
    assert "Request #12 sent" in text and "<@UOWNER> (the account owner) decides" in dumps(blocks)


def test_the_reminder_to_the_seller_keeps_the_owners_mention_a_mention():
    text, blocks = b.seller_reminded_dm(dataclasses.replace(CARD, contact_name="Dana <b>"), hours=24)
    shown = dumps(blocks)
    assert "<@UOWNER>" in shown and "&lt;@UOWNER&gt;" not in shown and "Dana &lt;b&gt;" in shown
    assert "Nothing for you to do yet" in text


def test_the_seller_learns_when_the_owner_usually_answers():
    def said(**kw):
        return dumps(b.seller_created_dm(CARD, approvers=["UOWNER"], **kw)[1])

    assert "they usually answer within about 3 hours" in said(usual_hours=2.6)
    assert "they usually answer within about 1 hour." in said(usual_hours=1.2)
    assert "they usually answer within about 2 days" in said(usual_hours=50)
    assert "I'll remind them if there's no answer within 24 hours" in said(usual_hours=None, sla_hours=24)


def test_the_approval_dm_tells_the_owner_why_they_got_it():
    _, blocks = b.approval_dm(CARD, reader_tz="UTC", reader_id="UOWNER")
    assert "You own Globex, so you decide" in dumps(blocks)


# ------------------------------------------------------------------ /reference my


def test_my_requests_lists_open_ones_with_cancel_and_stays_within_limits():
    approved = dataclasses.replace(CARD, id=13, status=S.approved)
    closed = dataclasses.replace(CARD, id=9, status=S.declined, decline_reason="On leave")
    text, blocks = b.my_requests_message([CARD, approved], [closed], reader_tz="Europe/Berlin")
    assert text == "Your reference requests: 2 open requests."
    dump = dumps(blocks)
    assert "2 open requests · 1 recent closed one" in dump
    assert "waiting for <@UOWNER>" in dump and "#9 Dana Scully (Globex) · Declined: On leave" in dump
    actions = [blk for blk in blocks if blk["type"] == "actions"]
    assert [[e["action_id"] for e in a["elements"]] for a in actions] == [
        ["request_cancel"], ["request_mark_scheduled", "request_cancel"]]
    assert actions[0]["elements"][0]["confirm"]["confirm"]["text"] == "Cancel request"

    many = [dataclasses.replace(CARD, id=100 + i) for i in range(25)]
    text, blocks = b.my_requests_message(many, [closed] * 10, reader_tz=None)
    assert_within_limits(blocks)
    assert "…and 5 more open requests." in dumps(blocks)


def test_my_requests_when_there_are_none():
    text, blocks = b.my_requests_message([], [], reader_tz=None)
    assert "no reference requests yet" in text and len(blocks) == 1


# ------------------------------------------------------------------ small modals


def test_decline_suggest_and_schedule_modals():
    view = b.decline_modal(CARD, metadata='{"request_id": 12}')
    assert view["callback_id"] == "request_decline_modal" and by_id(view, "reason")["optional"] is False
    view = b.suggest_modal(CARD, [("Bob Builder · CTO", "8")], metadata="{}")
    assert view["callback_id"] == "request_suggest_modal"
    assert by_id(view, "contact")["element"]["options"][0]["value"] == "8"
    view = b.schedule_modal(CARD, metadata="{}", reader_tz="Europe/Berlin")
    assert by_id(view, "date")["element"]["initial_date"] == "2026-11-26"
    assert by_id(view, "time")["element"]["initial_time"] == "10:00"
    assert "Europe/Berlin" in by_id(view, "time")["hint"]["text"]
    later = b.schedule_modal(CARD, metadata="{}", reader_tz="Europe/Berlin",
                             initial=dt.datetime(2026, 11, 27, 13, 0, tzinfo=dt.UTC))
    assert by_id(later, "time")["element"]["initial_time"] == "14:00"
    for view in (b.decline_modal(CARD, metadata=""), b.suggest_modal(CARD, [], metadata=""),
                 b.schedule_modal(CARD, metadata="", reader_tz="UTC"), b.notice_modal("A very long title indeed!!", "x")):
        assert len(view["title"]["text"]) <= 24
