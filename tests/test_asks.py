"""The black-market ask detector: measured on a labelled set of Slack messages, plus focused behaviour."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from pathlib import Path

import pytest

from refbot.asks import AskDetection, detect_ask, strip_slack_markup
from refbot.asks.corpus import Row, evaluate, read_rows

CORPUS = Path(__file__).parent / "data" / "asks"


def _labelled(name: str = "tune.jsonl") -> list[tuple[str, bool]]:
    return [(row.text, row.is_ask) for row in read_rows(CORPUS / name)]


def test_corpus_is_large_balanced_unique_and_split_by_the_hash_of_the_text() -> None:
    tune, heldout = _labelled("tune.jsonl"), _labelled("heldout.jsonl")
    assert len(tune) + len(heldout) >= 1500 and len(heldout) >= 450
    keys = [" ".join(text.split()).lower() for text, _ in tune + heldout]
    assert len(set(keys)) == len(keys), "a message appears twice (or in both parts)"
    for rows in (tune, heldout):
        asks = sum(is_ask for _, is_ask in rows)
        assert 0.40 <= asks / len(rows) <= 0.50, f"{asks} asks out of {len(rows)}"
    # The held-out part is exactly the messages the split rule sends there; nothing was moved by hand.
    assert all(int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % 100 >= 65 for text, _ in heldout)


def _figures(rows: list[tuple[str, bool]]) -> tuple[float, float, str]:
    figures = evaluate([Row(text, is_ask) for text, is_ask in rows], lambda text: detect_ask(text).is_ask)
    report = (
        f"precision {figures.precision:.3f}, recall {figures.recall:.3f}\n"
        + "".join(f"  false positive: {text!r}\n" for text in figures.false_positives)
        + "".join(f"  missed ask: {text!r}\n" for text in figures.missed)
    )
    return figures.precision, figures.recall, report


def test_precision_and_recall_on_the_held_out_messages() -> None:
    precision, recall, report = _figures(_labelled("heldout.jsonl"))
    assert precision >= 0.95 and recall >= 0.90, report


def test_the_model_fits_its_tuning_messages() -> None:
    precision, recall, report = _figures(_labelled("tune.jsonl"))
    assert precision >= 0.97 and recall >= 0.97, report


@pytest.mark.parametrize(
    "text",
    [
        "anyone have a reference in healthcare? prospect is a clinic chain",
        "need a customer reference for a logistics deal in Spain",
        "looking for a happy customer to talk to a prospect",
        "who has a bank in DACH that could take a call?",
        "can someone connect me with a customer using Workflows who'd talk to my prospect",
        "do we have any referenceable customers in retail?",
        "my prospect wants to speak to an existing client in healthcare",
        "reference call needed by Friday",
        "Hi all\nprospect is a hospital in Lyon\nthey would like to talk to another customer in France\nanyone?",
        "any1 got a referance customer in pharma",
        "ANYONE HAVE A CUSTOMER IN INSURANCE WHO COULD TALK TO A PROSPECT",
    ],
)
def test_recognises_asks(text: str) -> None:
    detection = detect_ask(text)
    assert detection.is_ask, detection.signals
    assert detection.confidence >= 0.5
    assert detection.signals


@pytest.mark.parametrize(
    "text",
    [
        "The API reference for the webhooks endpoint is out of date",
        "We published the reference architecture for AWS",
        "Can someone write me a job reference? I'm applying elsewhere",
        "I'm writing a reference letter for a former employee",
        "see the reference docs for the import format",
        "For reference, here's the pricing sheet we sent them",
        "can you cross-reference the sheet with the CRM export?",
        "reference data for the country dropdown is wrong",
        "getting a null reference exception in the sync job",
        "in C# objects are passed by reference",
        "customer called about an outage this morning",
        "call with the customer at 3pm",
        "who has the reference deck?",
        "does anyone have the latest customer reference slide?",
        "who has the customer references spreadsheet?",
        "is there a reference guide for configuring SAML?",
        "Prospect is asking for a reference architecture, anyone have the latest version?",
        "reference customers slide updated",
        "Booked the reference call for Thursday, thanks!",
        "Prospect wants to talk to a customer? Use /reference search and RefBot will find one",
    ],
)
def test_ignores_look_alikes(text: str) -> None:
    detection = detect_ask(text)
    assert not detection.is_ask, detection.signals
    assert detection.confidence < 0.5
    assert detection.query == ""


def test_strips_slack_markup() -> None:
    text = (
        "<@U123ABC> <!here> see <#C024BE91L|customer-references> and <https://ex.com/customer-reference|the wiki> "
        "<https://ex.com/raw> :tada: :skin-tone-2: *bold* _it_ ~old~ `inline code` &lt;tag&gt; &amp;\n"
        "```\nanyone have a reference?\n```\n&gt; quoted line"
    )
    plain = strip_slack_markup(text)
    assert plain == "see and the wiki bold it old <tag> &\nquoted line"


def test_text_inside_code_or_link_targets_does_not_trigger() -> None:
    assert not detect_ask("```\nanyone have a healthcare customer in Germany I can call?\n```").is_ask
    assert not detect_ask("the bot should catch `anyone have a reference in healthcare?` right?").is_ask
    assert not detect_ask(
        "<https://wiki.example.com/need-a-customer-reference-anyone|Sales wiki> was updated"
    ).is_ask
    assert not detect_ask("<#C1|need-a-customer-reference> is the channel for that").is_ask


def test_markup_around_an_ask_does_not_hide_it() -> None:
    text = (
        "<@U02ABCDEF> :wave: *anyone* have a <https://crm.example.com/opp/1|bank> customer in DACH "
        "who'd take a call with my prospect? :pray:\n```Opp: 006ABC, 250k```"
    )
    detection = detect_ask(text)
    assert detection.is_ask, detection.signals
    assert "DACH" in detection.query
    assert "006ABC" not in detection.query


def test_query_keeps_the_wanted_reference() -> None:
    detection = detect_ask("anyone have a healthcare customer in Germany I can call?")
    assert detection.is_ask
    assert "healthcare" in detection.query and "Germany" in detection.query
    assert "anyone" not in detection.query.lower() and "call" not in detection.query.lower()


def test_query_keeps_details_from_every_sentence_and_drops_filler() -> None:
    detection = detect_ask(
        "Hi team! need a ref ASAP. Prospect is a 500-person SaaS company in Austin. Anyone? Thx!"
    )
    assert detection.is_ask
    assert "500-person SaaS company in Austin" in detection.query
    for filler in ("Hi team", "ASAP", "Anyone", "Thx"):
        assert filler not in detection.query


def test_query_is_bounded() -> None:
    detection = detect_ask(
        "need a customer reference for " + "a very large logistics company in Germany, " * 100
    )
    assert detection.is_ask
    assert 0 < len(detection.query) <= 300


@pytest.mark.parametrize(
    "text",
    ["", "   ", "\n\t\n", ":tada: :raised_hands:", "\U0001f64f\U0001f64f", "```\n```", "<@U123>", "?!?"],
)
def test_blank_or_symbol_only_messages_are_not_asks(text: str) -> None:
    detection = detect_ask(text)
    assert detection == AskDetection(is_ask=False, confidence=0.0, query="", signals=detection.signals)


@pytest.mark.parametrize(
    "text",
    [
        "x" * 10_000,
        "\n" * 10_000,
        "a " * 5_000,
        ":" * 10_000,
        "`" * 10_000,
        "<" * 5_000 + ">" * 5_000,
        "anyone have a customer in Germany I can call? " * 230,
        "talk to a prospect " * 600,
    ],
    ids=[
        "one-word",
        "newlines",
        "short-words",
        "colons",
        "backticks",
        "angles",
        "repeated-ask",
        "repeated-purpose",
    ],
)
def test_very_long_messages_are_handled_quickly(text: str) -> None:
    started = time.perf_counter()
    detection = detect_ask(text)
    elapsed = time.perf_counter() - started
    assert 0.0 <= detection.confidence <= 1.0
    assert len(detection.query) <= 300
    assert elapsed < 0.5, f"{elapsed:.3f}s"


def test_detection_is_an_immutable_value() -> None:
    detection = detect_ask("need a customer reference in retail")
    with pytest.raises(dataclasses.FrozenInstanceError):
        detection.is_ask = False  # type: ignore[misc]
    assert detect_ask("need a customer reference in retail") == detection


@pytest.mark.parametrize(
    "text, kept",
    [
        ("anyone have a bank in Ohio whose team could talk to a CIO?", "CIO"),
        ("looking for a customer who'd talk to a head of finance in DACH", "head of finance"),
        ("need a customer in retail who would host a site visit for my prospect", "site visit"),
    ],
)
def test_query_keeps_roles_and_activities_the_search_parser_reads(text: str, kept: str) -> None:
    detection = detect_ask(text)
    assert detection.is_ask, detection.signals
    assert kept in detection.query


@pytest.mark.parametrize(
    "text",
    [
        "can anyone recommend a good reference for learning SQL?",
        "Does the referral bonus apply to contractors too?",
        "Reminder: pipeline review at 3pm, bring your top 5 deals",
    ],
)
def test_chatter_gets_not_even_a_private_hint(text: str) -> None:
    detection = detect_ask(text)
    assert not detection.worth_a_hint and detection.confidence < 0.35
