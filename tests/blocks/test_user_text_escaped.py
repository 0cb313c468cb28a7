"""User-typed text never reaches Slack raw: not in the blocks, not in the top-level `text` that
notifications and previews show (issue 15, item 4). Every builder escapes through `kit.escape`."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from refbot.blocks import debriefs, nominations, requests
from refbot.domain import ActivityType, MetNeeds, NominationStatus, RequestStatus

HOSTILE = "Ann <!channel> <@U123> <https://evil.example|click>"
RAW = ("<!channel>", "<@U123>", "<https://evil.example")
ESCAPED = "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt;"
WHEN = dt.datetime(2026, 11, 24, 14, 0, tzinfo=dt.UTC)


def mrkdwn_texts(node: Any) -> list[str]:
    """Every mrkdwn string in a block tree (plain_text is never parsed for mentions by Slack)."""
    if isinstance(node, list):
        return [t for item in node for t in mrkdwn_texts(item)]
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "mrkdwn" else []
        return own + [t for key, value in node.items() if key != "text" or not own for t in mrkdwn_texts(value)]
    return []


def assert_escaped(text: str, blocks: list[dict[str, Any]], *, text_has_user_text: bool = True) -> None:
    for where, value in [("text", text), *(("blocks", t) for t in mrkdwn_texts(blocks))]:
        for raw in RAW:
            assert raw not in value, f"raw {raw!r} in {where}: {value!r}"
    assert any(ESCAPED in t for t in mrkdwn_texts(blocks)), "the user's words are shown, escaped"
    if text_has_user_text:
        assert ESCAPED in text, text


CALL = debriefs.CallCard(
    request_id=12, status=RequestStatus.completed, requester_id="USELLER", owner_id="UOWNER",
    contact_name=HOSTILE, contact_title=HOSTILE, account_name=HOSTILE, prospect_company=HOSTILE,
    activity=ActivityType.call, call_at=WHEN,
)
DEBRIEF = debriefs.DebriefView(
    met_needs=MetNeeds.yes, rating=5, insights=HOSTILE, concerns=HOSTILE, redo_needed=True, notes=HOSTILE,
    filed_by="USELLER", filed_at=WHEN, on_time=True,
)
NOMINATION = nominations.NominationCard(
    id=7, nominator_id="USELLER", status=NominationStatus.pending, account_name=HOSTILE, account_is_new=True,
    contact_name=HOSTILE, contact_title=HOSTILE, contact_email="dana@globex.example", why=HOSTILE,
    products=(HOSTILE,), activities=("call",), created_at=WHEN, similar_account=HOSTILE,
)
REQUEST = requests.RequestCard(
    id=12, status=RequestStatus.pending_approval, requester_id="USELLER", owner_id="UOWNER",
    contact_name=HOSTILE, contact_title=HOSTILE, account_name=HOSTILE, prospect_company=HOSTILE,
    activity_type=ActivityType.call, needed_by=dt.date(2026, 11, 26), created_at=WHEN, stage="evaluation",
    amount=250_000, industry=HOSTILE, employees=5000, country="DE", topics=(HOSTILE,), note=HOSTILE,
    usage=HOSTILE, urgent=True, urgent_reason=HOSTILE,
)


def test_debrief_summary_to_the_owner() -> None:
    assert_escaped(*debriefs.owner_debrief_dm(CALL, DEBRIEF, thank_you=None, reader_tz="UTC"))


@pytest.mark.parametrize("status", [NominationStatus.pending, NominationStatus.accepted, NominationStatus.rejected])
def test_nominators_dms(status: NominationStatus) -> None:
    card = dataclasses.replace(NOMINATION, status=status, reviewed_by="UPM", reviewed_at=WHEN, reject_reason=HOSTILE)
    assert_escaped(*nominations.submitted_dm(card, reviewers=1))
    if status is not NominationStatus.pending:
        assert_escaped(*nominations.decided_dm(card))
    for same_person in (True, False):
        assert_escaped(*nominations.merged_dm(card, original_nominator="UOTHER", original_status=status,
                                              same_person=same_person))


@pytest.mark.parametrize("status", [NominationStatus.pending, NominationStatus.rejected])
def test_program_managers_nomination_review_dm(status: NominationStatus) -> None:
    card = dataclasses.replace(NOMINATION, status=status, reviewed_by="UPM", reviewed_at=WHEN, reject_reason=HOSTILE)
    assert_escaped(*nominations.review_dm(card, reader_tz="UTC"))


def test_approval_dm_and_its_updates() -> None:
    assert_escaped(*requests.approval_dm(REQUEST, reader_tz="UTC"))
    assert_escaped(*requests.approval_dm(REQUEST, reader_tz="UTC", lead="Reminder"))
    declined = dataclasses.replace(REQUEST, status=RequestStatus.declined, decided_by="UOWNER", decided_at=WHEN,
                                   decline_reason=HOSTILE)
    # the updated DM's text names no user text at all ("Request #12 from @seller: declined.")
    assert_escaped(*requests.decided_dm(declined, reader_tz="UTC"), text_has_user_text=False)
    assert_escaped(*requests.seller_declined_dm(declined))


def test_other_request_dms() -> None:
    for text, blocks in (requests.owner_cancelled_dm(REQUEST), requests.flagged_dm(REQUEST),
                         requests.seller_created_dm(REQUEST, approvers=["UOWNER"]), requests.seller_expired_dm(REQUEST),
                         requests.seller_suggested_dm(REQUEST, REQUEST, reason=HOSTILE)):
        assert_escaped(text, blocks)


def test_debrief_prompts_and_outcomes() -> None:
    for text, blocks in (debriefs.debrief_prompt(CALL, reader_tz="UTC"),
                         debriefs.debrief_prompt(CALL, reader_tz="UTC", reminder=True),
                         debriefs.redo_offer(CALL), debriefs.missed_owner_dm(CALL, by="USELLER")):
        assert_escaped(text, blocks)
