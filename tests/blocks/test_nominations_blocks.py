import datetime as dt

from refbot.blocks import nominations as b
from refbot.domain import NominationStatus as N
from refbot.playground.slack_api import texts_of, validate_blocks, validate_view

CARD = b.NominationCard(id=7, nominator_id="USELLER", status=N.pending, account_name="Globex <Corp>",
                        account_is_new=True, contact_name="Dana Scully", contact_title="VP Finance",
                        contact_email="dana@globex.example", why="Line one\nLine two", products=("Ledger",),
                        activities=("call", "case_study"), created_at=dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
                        similar_account="Globex Corporation")


def inputs(view):
    return [blk["block_id"] for blk in view["blocks"] if blk["type"] == "input"]


def test_the_form_asks_for_the_few_things_needed_and_fits_slack():
    view = b.nomination_modal(["Ledger", "Payroll"])
    assert validate_view(view) == []
    assert inputs(view) == ["account", "name", "title", "email", "why", "products", "products_other", "activities"]
    account = view["blocks"][1]["element"]
    assert (account["type"], account["action_id"]) == ("external_select", b.ACCOUNT_ACTION)
    assert "products" not in inputs(b.nomination_modal([]))
    many = b.nomination_modal([f"Product {i}" for i in range(300)])
    assert validate_view(many) == [] and len(many["blocks"][6]["element"]["options"]) == 100


def test_account_options_fit_slacks_limits():
    label = b.new_customer_label("x" * 300)
    options = b.account_options([(label, "new:" + "x" * 300)] * 150)
    assert len(options) == 100 and len(options[0]["text"]["text"]) <= 75 and len(options[0]["value"]) <= 150


def test_the_review_dm_shows_the_email_to_program_managers_and_buttons_only_while_pending():
    text, blocks = b.review_dm(CARD)
    shown = "\n".join(texts_of(blocks))
    assert validate_blocks(blocks, surface="message") == []
    assert "dana@globex.example" in shown and "Globex &lt;Corp&gt;" in shown and "> Line two" in shown
    assert "Did they mean *Globex Corporation*?" in shown
    assert [e["action_id"] for e in blocks[-1]["elements"]] == [b.ACCEPT_ACTION, b.REJECT_ACTION]
    decided = b.NominationCard(**{**CARD.__dict__, "status": N.rejected, "reviewed_by": "UADMIN",
                                  "reject_reason": "Not now"})
    _, blocks = b.review_dm(decided)
    assert all(blk["type"] != "actions" for blk in blocks)
    assert "Rejected by <@UADMIN>" in "\n".join(texts_of(blocks)) and "Not now" in "\n".join(texts_of(blocks))
    own = "\n".join(texts_of(b.review_dm(decided, reader_id="UADMIN")[1]))
    assert "Rejected by you" in own and "<@UADMIN>" not in own  # the decider's own copy
    assert "Rejected by <@UADMIN>" in "\n".join(texts_of(b.review_dm(decided, reader_id="UPM2")[1]))


def test_the_nominator_never_sees_the_email_and_points_are_pluralised():
    for status, points in ((N.pending, 0), (N.accepted, 1), (N.accepted, 10), (N.rejected, 0)):
        card = b.NominationCard(**{**CARD.__dict__, "status": status, "points": points, "reviewed_by": "UADMIN"})
        for text, blocks in (b.submitted_dm(card, reviewers=2), b.decided_dm(card)):
            assert "dana@globex.example" not in text + "\n".join(texts_of(blocks))
    accepted = b.NominationCard(**{**CARD.__dict__, "status": N.accepted, "points": 1, "reviewed_by": "UADMIN"})
    assert "+1 point." in b.submitted_dm(accepted, reviewers=1)[1][0]["text"]["text"]
    assert "You earned 10 points" in b.decided_dm(
        b.NominationCard(**{**accepted.__dict__, "points": 10}))[1][0]["text"]["text"]


def test_the_reject_form_fits_slack():
    assert validate_view(b.reject_modal(CARD, metadata='{"nomination_id": 7}')) == []


def test_nomination_messages_say_why_and_never_show_stored_state_words():
    text, blocks = b.review_dm(CARD)
    shown = "\n".join(texts_of(blocks))
    assert "You get this because you review nominations" in shown and "Ask the customer first" in shown
    pending = b.submitted_dm(CARD, reviewers=1)[0]
    assert "waiting for review" in pending and "pending" not in pending
    merged = b.NominationCard(**{**CARD.__dict__, "status": N.merged})
    assert "merged" not in b.review_dm(merged)[0] and "already nominated" in b.review_dm(merged)[0]
    accepted = b.NominationCard(**{**CARD.__dict__, "status": N.accepted, "reviewed_by": "UADMIN"})
    assert "`/reference search`" in "\n".join(texts_of(b.decided_dm(accepted)[1]))
