import dataclasses
import datetime as dt
import json

from refbot.blocks import debriefs as b
from refbot.domain import ActivityType, MetNeeds, OpportunityOutcome
from refbot.domain import RequestStatus as S
from refbot.playground.slack_api import validate_blocks, validate_view

CALL = dt.datetime(2026, 11, 24, 14, 0, tzinfo=dt.UTC)

CARD = b.CallCard(
    request_id=12,
    status=S.scheduled,
    requester_id="USELLER",
    owner_id="UOWNER",
    contact_name="Dana Scully",
    contact_title="VP Finance",
    account_name="Globex <Bank>",
    prospect_company="Initech",
    activity=ActivityType.call,
    call_at=CALL,
)

DEBRIEF = b.DebriefView(
    met_needs=MetNeeds.partly,
    rating=4,
    insights="Loved the migration story\nand the support team",
    concerns="Pricing",
    redo_needed=False,
    notes="",
    filed_by="USELLER",
    filed_at=CALL + dt.timedelta(hours=3),
    on_time=True,
)

REF = b.HelpedRef(request_id=12, contact_name="Dana Scully", contact_title="VP Finance", account_name="Globex",
                  owner_id="UOWNER", activity=ActivityType.call, call_at=CALL)

DEAL = b.DealCard(opportunity_id=7, prospect_company="Initech", amount=250_000,
                  expected_close_date=dt.date(2026, 12, 1), seller_id="USELLER", outcome=OpportunityOutcome.open,
                  outcome_by=None, references=(REF,))


def actions(blocks):
    return [el for blk in blocks if blk["type"] in ("actions",) for el in blk["elements"]] + [
        blk["accessory"] for blk in blocks if blk.get("accessory")
    ]


def test_prompt_offers_the_three_answers_for_this_request():
    text, blocks = b.debrief_prompt(CARD, reader_tz="Europe/Berlin")
    assert validate_blocks(blocks, surface="message") == []
    assert [(a["action_id"], a["value"]) for a in actions(blocks)] == [
        ("debrief_happened", "12"), ("debrief_not_happened", "12"), ("debrief_rescheduled", "12")]
    assert "Dana Scully" in text and "Initech" in text
    # user text is escaped: no accidental link or mention markup
    assert "Globex &lt;Bank&gt;" in json.dumps(blocks)


def test_reminder_says_the_debrief_is_still_missing():
    text, blocks = b.debrief_prompt(CARD, reader_tz="UTC", reminder=True)
    assert text.startswith("Reminder:")
    assert "still missing" in blocks[0]["text"]["text"]
    assert len(actions(blocks)) == 3


def test_debrief_modal_asks_every_question_and_fits_slack_limits():
    view = b.debrief_modal(CARD, metadata='{"request_id": 12}', reader_tz="Europe/Berlin")
    assert validate_view(view) == []
    inputs = {blk["block_id"]: blk for blk in view["blocks"] if blk["type"] == "input"}
    assert list(inputs) == ["met_needs", "rating", "insights", "concerns", "redo", "notes"]
    assert not inputs["met_needs"]["optional"] and not inputs["rating"]["optional"]
    assert all(inputs[k]["optional"] for k in ("insights", "concerns", "redo", "notes"))
    assert [o["value"] for o in inputs["met_needs"]["element"]["options"]] == ["yes", "partly", "no"]
    assert [o["value"] for o in inputs["rating"]["element"]["options"]] == ["5", "4", "3", "2", "1"]
    assert view["callback_id"] == "debrief_modal"


def test_not_happened_modal_defaults_to_reschedule_with_an_optional_new_time():
    view = b.not_happened_modal(CARD, metadata="{}", reader_tz="Europe/Berlin")
    assert validate_view(view) == []
    by_id = {blk.get("block_id"): blk for blk in view["blocks"]}
    assert by_id["choice"]["element"]["initial_option"]["value"] == "reschedule"
    assert {o["value"] for o in by_id["choice"]["element"]["options"]} == {"reschedule", "missed"}
    assert by_id["date"]["optional"] and "initial_date" not in by_id["date"]["element"]
    assert "back to approved" in by_id["time"]["hint"]["text"]


def test_reschedule_modal_starts_from_the_current_time_in_the_readers_timezone():
    view = b.reschedule_modal(CARD, metadata="{}", reader_tz="Europe/Berlin")
    assert validate_view(view) == []
    by_id = {blk.get("block_id"): blk for blk in view["blocks"]}
    assert by_id["date"]["element"]["initial_date"] == "2026-11-24"
    assert by_id["time"]["element"]["initial_time"] == "15:00"  # 14:00 UTC in Berlin
    assert not by_id["date"]["optional"]


def test_owner_summary_ends_with_the_thank_you_prompt_until_it_is_sent():
    text, blocks = b.owner_debrief_dm(CARD, DEBRIEF, thank_you=None, reader_tz="UTC")
    assert validate_blocks(blocks, surface="message") == []
    dumped = json.dumps(blocks, ensure_ascii=False)
    assert "Partly" in dumped and "★★★★☆ 4/5" in dumped and "Pricing" in dumped
    assert "Notes" not in dumped  # empty answers are left out
    assert [(a["action_id"], a["value"]) for a in actions(blocks)] == [("thank_you_open", "12")]
    assert "needs met: partly, 4/5" in text

    sent = b.ThankYouView(note="Thanks!", thanked_by="UOWNER", thanked_at=CALL + dt.timedelta(days=1))
    _, blocks = b.owner_debrief_dm(CARD, DEBRIEF, thank_you=sent, reader_tz="UTC")
    assert actions(blocks) == []
    assert "Thank-you sent by <@UOWNER>" in json.dumps(blocks)
    _, own = b.owner_debrief_dm(CARD, DEBRIEF, thank_you=sent, reader_tz="UTC", reader_id="UOWNER")
    assert "Thank-you sent by you" in json.dumps(own) and "<@UOWNER>" not in json.dumps(own)


def test_thank_you_draft_has_the_deal_context_and_stays_short():
    note = b.thank_you_draft(CARD, sender_name="Olivia Owner", tz_name="Europe/Berlin")
    assert note.startswith("Hi Dana,")
    assert "reference call with Initech on 24 Nov" in note
    assert note.rstrip().endswith("Best,\nOlivia Owner")
    assert len(note) < 400
    bare = b.thank_you_draft(CARD, sender_name="", tz_name="UTC")
    assert bare.rstrip().endswith("Best,")


def test_open_email_is_a_mailto_link_with_the_note_url_encoded_within_slacks_limit():
    view = b.thank_you_modal(CARD, draft="Hi Dana,\n\nThanks & see you — Olivia", metadata="{}",
                             email="dana@globex.example")
    assert validate_view(view) == []
    button = next(blk["accessory"] for blk in view["blocks"] if blk.get("accessory", {}).get("url"))
    assert button["text"]["text"] == "Open email"
    assert button["url"] == ("mailto:dana@globex.example?subject=Thank%20you%20for%20the%20reference%20call%20with"
                             "%20Initech&body=Hi%20Dana%2C%0A%0AThanks%20%26%20see%20you%20%E2%80%94%20Olivia")
    long = b.mailto_url("dana@globex.example", subject="Thanks", body="Danke schön " * 400)
    assert 2900 < len(long) <= 3000 and long.endswith(("Danke", "sch%C3%B6n"))  # cut at a word, never inside an escape
    without = b.thank_you_modal(CARD, draft="Hi", metadata="{}")
    assert "url" not in json.dumps(without) and "no email" in json.dumps(without)


def test_thank_you_modal_prefills_the_editable_note():
    view = b.thank_you_modal(CARD, draft="Hi Dana, thanks", metadata="{}")
    assert validate_view(view) == []
    note = next(blk for blk in view["blocks"] if blk.get("block_id") == "note")
    assert note["element"]["initial_value"] == "Hi Dana, thanks" and note["element"]["multiline"]
    assert view["submit"]["text"] == "Mark as sent"


def test_back_to_approved_offers_mark_scheduled():
    _, blocks = b.prompt_back_to_approved(CARD)
    assert [(a["action_id"], a["value"]) for a in actions(blocks)] == [("request_mark_scheduled", "12")]


def test_redo_offer_uses_the_search_again_contract():
    _, blocks = b.redo_offer(CARD)
    assert [(a["action_id"], a["value"]) for a in actions(blocks)] == [("search_again", "12")]


def test_filed_prompt_shows_points_with_correct_plurals():
    assert "+1 point (on time)." in b.prompt_filed(CARD, points=1, on_time=True)[0]
    assert "+8 points." in b.prompt_filed(CARD, points=8, on_time=False)[0]
    assert "point" not in b.prompt_filed(CARD, points=0, on_time=False)[0]


def test_missing_debriefs_list_is_capped_and_pluralised():
    one = [b.MissingDebrief(CARD, days_since_call=4)]
    text, blocks = b.missing_debriefs_dm(one, reader_tz="UTC")
    assert text.startswith("1 debrief still missing")
    assert "call 4 days ago" in blocks[1]["text"]["text"]
    many = [b.MissingDebrief(dataclasses.replace(CARD, request_id=i), days_since_call=1) for i in range(25)]
    text, blocks = b.missing_debriefs_dm(many, reader_tz="UTC")
    assert text.startswith("25 debriefs")
    assert validate_blocks(blocks, surface="message") == []
    assert blocks[1]["text"]["text"].count("\n•") == 19 and "…and 5 more" in blocks[1]["text"]["text"]
    assert "call 1 day ago" in blocks[1]["text"]["text"]


def test_follow_up_asks_won_or_lost_for_the_opportunity():
    text, blocks = b.outcome_followup_dm(DEAL, today=dt.date(2026, 12, 4))
    assert validate_blocks(blocks, surface="message") == []
    assert [(a["action_id"], a["value"]) for a in actions(blocks)] == [("outcome_won", "7"), ("outcome_lost", "7")]
    lead = blocks[0]["text"]["text"]
    assert "3 days ago" in lead and "1 reference helped: Dana Scully (Globex)" in lead
    lost = actions(blocks)[1]
    assert lost["confirm"]["confirm"]["text"] == "Mark lost"


def test_outcome_modal_fixed_deal_prefills_outcome_and_amount():
    view = b.outcome_modal([DEAL], metadata='{"opportunity_id": 7}', outcome=OpportunityOutcome.won, fixed=True)
    assert validate_view(view) == []
    by_id = {blk.get("block_id"): blk for blk in view["blocks"]}
    assert "deal" not in by_id
    assert by_id["outcome"]["element"]["initial_option"]["value"] == "won"
    assert by_id["amount"]["element"]["initial_value"] == "250000"


def test_outcome_modal_picker_lists_at_most_100_deals():
    deals = [dataclasses.replace(DEAL, opportunity_id=i, prospect_company=f"Prospect {i}") for i in range(120)]
    view = b.outcome_modal(deals, metadata="{}")
    assert validate_view(view) == []
    picker = next(blk for blk in view["blocks"] if blk.get("block_id") == "deal")
    assert len(picker["element"]["options"]) == 100
    assert "initial_option" not in next(blk for blk in view["blocks"] if blk.get("block_id") == "outcome")["element"]


def test_won_note_tells_the_owner_which_customer_helped_close_which_deal_for_how_much():
    won = dataclasses.replace(DEAL, outcome=OpportunityOutcome.won, outcome_by="USELLER")
    text, blocks = b.owner_won_dm(won, [REF], tz_name="Europe/Berlin")
    assert validate_blocks(blocks, surface="message") == []
    assert text == "Globex helped close Initech ($250K). Tell them their help made a difference."
    dumped = json.dumps(blocks, ensure_ascii=False)
    assert "<@USELLER> won the deal for *$250K*" in dumped
    assert "reference call on 24 Nov" in dumped
    assert "your reference played a real part" in dumped


def test_recorded_outcome_replaces_the_buttons():
    won = dataclasses.replace(DEAL, outcome=OpportunityOutcome.won, outcome_by="USELLER")
    text, blocks = b.outcome_recorded(won)
    assert actions(blocks) == [] and "won" in text and "$250K" in blocks[0]["text"]["text"]
    lost = dataclasses.replace(DEAL, outcome=OpportunityOutcome.lost, outcome_by="UADMIN")
    assert "lost*, recorded by <@UADMIN>" in b.outcome_recorded(lost)[1][0]["text"]["text"]
    _, blocks = b.outcome_confirmation(won, owners_told=("UOWNER", "UOTHER"))
    assert "account owners (<@UOWNER>, <@UOTHER>)" in json.dumps(blocks)


def test_no_message_shows_contact_email_or_phone():
    # The cards have no email/phone at all; make sure no builder invents a mailto/tel link.
    outputs = [
        b.debrief_prompt(CARD, reader_tz="UTC"), b.owner_debrief_dm(CARD, DEBRIEF, thank_you=None, reader_tz="UTC"),
        b.prompt_missed(CARD, by="USELLER"), b.missed_owner_dm(CARD, by="USELLER"),
        b.owner_won_dm(DEAL, [REF], tz_name="UTC"),
    ]
    for _, blocks in outputs:
        dumped = json.dumps(blocks)
        assert "mailto:" not in dumped and "tel:" not in dumped
