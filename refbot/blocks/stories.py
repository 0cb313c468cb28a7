"""Success stories in Slack: the seller's invitation and form, the program manager's review DM, the
author's answer, and the story as the leaderboard and the digest show it. Pure builders on the kit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from refbot.blocks import kit
from refbot.blocks.format import escape, money

WRITE_ACTION = "story_write"
APPROVE_ACTION = "story_approve"
REJECT_ACTION = "story_reject"
STORY_MODAL = "story_modal"
REJECT_MODAL = "story_reject_modal"
FIELD_MAX = 500
INTERNAL = "Internal only: shared with colleagues in RefBot's posts, never with customers."


@dataclass(frozen=True)
class StoryCard:
    story_id: int
    opportunity_id: int
    prospect: str
    amount: int | None
    author_id: str
    need: str
    helped: str
    result: str
    status: str


def _story_text(card: StoryCard) -> str:
    return (f"*What they needed:* {escape(card.need)}\n*Who helped:* {escape(card.helped)}\n"
            f"*The result:* {escape(card.result)}")


def invite_dm(opportunity_id: int, prospect: str) -> tuple[str, list[dict[str, Any]]]:
    text = f"Congratulations on {escape(prospect)}! Turn it into a short success story for the team?"
    return text, [
        kit.section(f":trophy: *{escape(prospect)}* was won with a customer reference. A three-line story — what "
                    "they needed, who helped, the result — shows the team what references do; once a program "
                    "manager approves it, it appears in the weekly leaderboard and the monthly digest."),
        kit.actions(kit.button("Write the story", WRITE_ACTION, str(opportunity_id), style="primary")),
        kit.context(INTERNAL),
    ]


def story_modal(opportunity_id: int, prospect: str, *, need: str, helped: str, result: str) -> dict[str, Any]:
    def field(block_id: str, label: str, initial: str, hint: str) -> dict[str, Any]:
        return kit.input_block(block_id, label, kit.text_input(initial, max_length=FIELD_MAX, multiline=True),
                               optional=False, hint=hint)

    return kit.modal(
        "Success story",
        [
            kit.section(f"*{escape(prospect)}* — three lines for your colleagues."),
            field("need", "What the prospect needed", need, "Their problem or doubt, in their words if you can."),
            field("helped", "Who helped", helped, "Customers and roles. No emails or phone numbers."),
            field("result", "The result", result, "What happened: signed, how much, why it mattered."),
            kit.context(INTERNAL + " A program manager approves it first."),
        ],
        callback_id=STORY_MODAL, submit="Send for approval", metadata={"opportunity_id": opportunity_id},
    )


def review_dm(card: StoryCard) -> tuple[str, list[dict[str, Any]]]:
    amount = f" ({money(card.amount)})" if card.amount else ""
    text = f"New success story to approve: {escape(card.prospect)}{amount}, by <@{card.author_id}>."
    return text, [
        kit.section(f"*Success story to approve:* {escape(card.prospect)}{amount}, by <@{card.author_id}>"),
        kit.section(_story_text(card)),
        kit.actions(kit.button("Approve", APPROVE_ACTION, str(card.story_id), style="primary"),
                    kit.button("Reject", REJECT_ACTION, str(card.story_id))),
        kit.context("You get this as a program manager. Approved stories appear in the weekly leaderboard and "
                    "the monthly digest. " + INTERNAL),
    ]


def reviewed(card: StoryCard, *, by: str, reader_id: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """Replaces the review DM's buttons once decided ("by you" when `reader_id` decided)."""
    word = "approved" if card.status == "approved" else "rejected"
    who = "you" if by == reader_id else f"<@{by}>"
    return (f"Story of {escape(card.prospect)}: {word}.",
            [kit.section(f"*Success story:* {escape(card.prospect)} — {word} by {who}"), kit.section(_story_text(card))])


def reject_modal(story_id: int, prospect: str) -> dict[str, Any]:
    return kit.modal(
        "Reject the story",
        [kit.section(f"Why isn't the story of *{escape(prospect)}* ready? The seller sees your reason."),
         kit.input_block("reason", "Reason", kit.text_input(max_length=500, multiline=True), optional=False)],
        callback_id=REJECT_MODAL, submit="Reject", metadata={"story_id": story_id},
    )


def author_told(card: StoryCard, *, reason: str | None) -> tuple[str, list[dict[str, Any]]]:
    if card.status == "approved":
        text = f"Your success story of {escape(card.prospect)} is approved."
        return text, [kit.section(f":tada: {text} It appears in the next weekly leaderboard and the monthly digest.")]
    text = f"Your success story of {escape(card.prospect)} needs another pass."
    return text, [
        kit.section(f"{text}\n>{escape(reason or '')}"),
        kit.actions(kit.button("Edit the story", WRITE_ACTION, str(card.opportunity_id))),
    ]


def story_summary(card: StoryCard) -> dict[str, str]:
    """A story as the leaderboard and the digest show it: a title and escaped mrkdwn text."""
    amount = f" ({money(card.amount)})" if card.amount else ""
    return {"title": f"{card.prospect}{amount}", "text": _story_text(card) + f"\n_Told by <@{card.author_id}>_"}
