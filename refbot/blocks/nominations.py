"""Nomination modal, account suggestions, the program manager's review DM and the nominator's DMs. Pure.

A nomination's email is shown only to program managers (the review DM): they need it to contact the
customer. The nominator's DMs and every other surface show names only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from refbot.blocks import kit
from refbot.blocks.format import escape, person, plural, slack_datetime, truncate
from refbot.domain import ActivityType, NominationStatus

# Slack ids (CONTRACTS.md)
NOMINATION_MODAL = "nomination_modal"
REJECT_MODAL = "nomination_reject_modal"
OPEN_ACTION = "nominate_open"
ACCEPT_ACTION = "nomination_accept"
REJECT_ACTION = "nomination_reject"
# The customer account is an external_select answered by block_suggestion; its action id must be unique
# app-wide (every other input uses kit.VALUE; the block id names the field).
ACCOUNT_ACTION = "nomination_account"

ACCOUNT_PREFIX = "acc:"
NEW_PREFIX = "new:"

LIMITS = {"name": 200, "title": 200, "email": 320, "why": 1500, "products": 500, "reason": 500, "account": 140}
MAX_PRODUCT_OPTIONS = 100


@dataclass(frozen=True)
class NominationCard:
    """What the nomination messages show."""

    id: int
    nominator_id: str
    status: NominationStatus
    account_name: str
    account_is_new: bool
    contact_name: str
    contact_title: str = ""
    contact_email: str | None = None
    why: str = ""
    products: tuple[str, ...] = ()
    activities: tuple[str, ...] = ()
    created_at: dt.datetime | None = None
    also_nominated_by: tuple[str, ...] = ()
    similar_account: str | None = None  # an existing account whose name is close to a "new" customer's
    existing_contact: bool = False  # the person is already a reference contact
    reviewed_by: str | None = None
    reviewed_at: dt.datetime | None = None
    reject_reason: str | None = None
    points: int = 0


# ------------------------------------------------------------------ small helpers


def activity_label(value: str) -> str:
    try:
        return ActivityType(value).label
    except ValueError:
        return value


def who(card: NominationCard) -> str:
    """'Dana Scully (VP Finance, Globex)' — names only, escaped for mrkdwn."""
    inner = ", ".join(escape(x) for x in (card.contact_title, card.account_name) if x)
    name = escape(card.contact_name)
    return f"{name} ({inner})" if inner else name


# ------------------------------------------------------------------ the nomination form


def nomination_modal(products: list[str], *, metadata: str = "{}") -> dict[str, Any]:
    """The short nomination form. `products`: the products present in the program's data (may be empty)."""
    account = {**kit.external_select(placeholder="Start typing the company name", min_query_length=1),
               "action_id": ACCOUNT_ACTION}
    blocks: list[dict[str, Any]] = [
        kit.context("Know a happy customer? Tell the program team who they are; they'll ask them and tell you."),
        kit.input_block("account", "Customer account", account, optional=False,
               hint="Pick their account as you type, or choose “New customer” if it isn't listed."),
        kit.input_block("name", "Contact name", kit.text_input(placeholder="Dana Scully", max_length=LIMITS["name"]), optional=False),
        kit.input_block("title", "Title", kit.text_input(placeholder="VP Finance", max_length=LIMITS["title"]), optional=True),
        kit.input_block("email", "Email", kit.email_input(placeholder="dana@example.com"), optional=True,
               hint="Only the program team sees it."),
        kit.input_block("why", "Why are they happy?",
               kit.text_input(placeholder="Cut their month-end close from 10 days to 3…", max_length=LIMITS["why"],
                     multiline=True), optional=False),
    ]
    shown = sorted(products, key=str.casefold)[:MAX_PRODUCT_OPTIONS]
    if shown:
        blocks.append(kit.input_block("products", "Products they use", kit.multi_static_select([(p, p) for p in shown], placeholder="Pick products"), optional=True))
        blocks.append(kit.input_block("products_other", "Other products",
                             kit.text_input(placeholder="Comma-separated", max_length=LIMITS["products"]), optional=True))
    else:
        blocks.append(kit.input_block("products_other", "Products they use",
                             kit.text_input(placeholder="Comma-separated", max_length=LIMITS["products"]), optional=True))
    blocks.append(kit.input_block("activities", "They would do", kit.checkboxes(kit.options((a.label, a.value) for a in ActivityType)), optional=True))
    return kit.modal(
        "Nominate a customer", callback_id=NOMINATION_MODAL, submit="Nominate", metadata=metadata,
        blocks=blocks,
    )


def account_options(choices: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Options for the account external_select: [(label, value)] -> Block Kit options (at most 100)."""
    return kit.options(choices)


def new_customer_label(typed: str) -> str:
    return truncate(f"New customer: {' '.join(typed.split())}", 75)


# ------------------------------------------------------------------ review (program managers)


def _details(card: NominationCard, *, show_email: bool) -> list[dict[str, Any]]:
    account = escape(card.account_name) + (" _(new customer)_" if card.account_is_new else "")
    fields = [f"*Customer*\n{account}",
              f"*Contact*\n{escape(card.contact_name)}" + (f", {escape(card.contact_title)}" if card.contact_title else "")]
    if show_email:  # the program manager asks the customer first: say plainly when there is no address
        fields.append(f"*Email*\n{escape(card.contact_email) if card.contact_email else 'not given: ask the nominator'}")
    if card.products:
        fields.append("*Products*\n" + truncate(", ".join(escape(p) for p in card.products), 1900))
    if card.activities:
        fields.append("*Would do*\n" + ", ".join(activity_label(a) for a in card.activities))
    blocks = [kit.section(fields=fields)]
    if card.why:
        quoted = "\n".join(f"> {line}" for line in escape(truncate(card.why, 1500)).splitlines() if line.strip())
        blocks.append(kit.section(f"*Why they're happy*\n{quoted}"))
    return blocks


_STATE = {
    NominationStatus.pending: "waiting for review",
    NominationStatus.accepted: "accepted",
    NominationStatus.rejected: "not accepted",
    NominationStatus.merged: "already nominated",
}


def state_text(status: NominationStatus) -> str:
    """A nomination's state in words (never the stored value)."""
    return _STATE[status]


def decision_line(card: NominationCard, reader_tz: str | None = None, reader_id: str | None = None) -> str:
    """Who decided, and when; "you" to the program manager who did."""
    when = f" · {slack_datetime(card.reviewed_at, reader_tz)}" if card.reviewed_at else ""
    by = person(card.reviewed_by, reader_id, nobody="a program manager")
    if card.status is NominationStatus.accepted:
        return f":white_check_mark: Accepted by {by}{when}"
    if card.status is NominationStatus.rejected:
        reason = f": {escape(truncate(card.reject_reason, 300))}" if card.reject_reason else ""
        return f":x: Rejected by {by}{when}{reason}"
    if card.status is NominationStatus.merged:
        return ":link: Merged into an earlier nomination of the same person"
    return ":hourglass_flowing_sand: Waiting for a decision"


def review_dm(card: NominationCard, *, reader_tz: str | None = None,
              reader_id: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """The program manager's DM (`reader_id`'s copy): the nomination, with Accept / Reject while it is pending."""
    lead = f":star2: *New reference nomination* from <@{card.nominator_id}>"
    blocks = [kit.section(lead), *_details(card, show_email=True)]
    notes = []
    if card.also_nominated_by:
        notes.append("Also nominated by " + ", ".join(f"<@{u}>" for u in card.also_nominated_by))
    if card.similar_account and card.account_is_new:
        notes.append(f"Did they mean *{escape(card.similar_account)}*? It is already an account; accepting "
                     "creates a new one.")
    if card.existing_contact:
        notes.append("Already a reference contact: accepting updates their record.")
    if notes:
        blocks.append(kit.context("\n".join(notes)))
    if card.status is NominationStatus.pending:
        blocks.append(kit.context("You get this because you review nominations for the reference program. "
                                  "*Accept* adds them as a reference contact and gives the nominator points; "
                                  "*Reject* asks you why (the nominator sees it). Ask the customer first."))
        blocks.append(kit.actions(
            kit.button("Accept", ACCEPT_ACTION, str(card.id), style="primary"),
            kit.button("Reject", REJECT_ACTION, str(card.id), style="danger"),
            block_id=f"nomination_{card.id}",
        ))
    else:
        blocks.append(kit.context(decision_line(card, reader_tz, reader_id)))
    text = f"Nomination from <@{card.nominator_id}>: {escape(card.contact_name)} ({escape(card.account_name)})"
    if card.status is not NominationStatus.pending:
        text += f" · {state_text(card.status)}"
    return truncate(text, 3000), blocks


def reject_modal(card: NominationCard, *, metadata: str) -> dict[str, Any]:
    return kit.modal(
        "Reject nomination", callback_id=REJECT_MODAL, submit="Reject", metadata=metadata,
        blocks=[
            kit.section(f"Reject <@{card.nominator_id}>'s nomination of {who(card)}?"),
            kit.input_block("reason", "Why? (the nominator sees it)",
                   kit.text_input(placeholder="Already a reference through another team", max_length=LIMITS["reason"],
                         multiline=True), optional=False),
        ],
    )


def notice_modal(title: str, text: str) -> dict[str, Any]:
    """`text` is mrkdwn (a refusal): user text in it is escaped where the message is made."""
    return kit.modal(title, [kit.section(text)], close="Close")


# ------------------------------------------------------------------ the nominator's side


def submitted_dm(card: NominationCard, *, reviewers: int) -> tuple[str, list[dict[str, Any]]]:
    """The nominator's confirmation; edited in place when the nomination is decided."""
    if card.status is NominationStatus.accepted:
        lead = f":white_check_mark: Your nomination of {who(card)} was accepted"
        lead += f" by <@{card.reviewed_by}>." if card.reviewed_by else "."
        if card.points:
            lead += f" +{plural(card.points, 'point')}."
    elif card.status is NominationStatus.rejected:
        lead = f":x: Your nomination of {who(card)} was not accepted"
        lead += f" by <@{card.reviewed_by}>." if card.reviewed_by else "."
        if card.reject_reason:
            lead += f"\n> {escape(truncate(card.reject_reason, 500))}"
    else:
        to = "the program team" if reviewers != 1 else "the program manager"
        lead = (f":inbox_tray: Thanks! I sent your nomination of {who(card)} to {to}. "
                "I'll tell you here when they decide.")
    text = f"Nomination of {card.contact_name} ({card.account_name}): {state_text(card.status)}"
    return truncate(escape(text), 3000), [kit.section(lead)]


def decided_dm(card: NominationCard) -> tuple[str, list[dict[str, Any]]]:
    """A fresh DM (so the nominator is notified) when the program team decides."""
    if card.status is NominationStatus.accepted:
        text = f":tada: {who(card)} is now a reference customer, thanks to you!"
        if card.points:
            text += f" You earned {plural(card.points, 'point')}."
        by = f"<@{card.reviewed_by}> accepted your nomination" if card.reviewed_by else "Your nomination was accepted"
        return truncate(f"Your nomination of {escape(card.contact_name)} was accepted", 3000), [
            kit.section(text),
            kit.context(f"{by}. Sellers can now find them with `/reference search`; the program team will "
                        "ask before each request."),
        ]
    by = f" by <@{card.reviewed_by}>" if card.reviewed_by else ""
    text = f"Your nomination of {who(card)} was not accepted{by}."
    if card.reject_reason:
        text += f"\n> {escape(truncate(card.reject_reason, 500))}"
    text += "\nThanks for thinking of the program — keep them coming."
    return truncate(f"Your nomination of {escape(card.contact_name)} was not accepted", 3000), [kit.section(text)]


def merged_dm(card: NominationCard, *, original_nominator: str, original_status: NominationStatus,
              same_person: bool) -> tuple[str, list[dict[str, Any]]]:
    """Told to a nominator whose nomination duplicates an earlier one (never counted twice)."""
    if same_person:
        state = "was accepted" if original_status is NominationStatus.accepted else "is waiting for review"
        text = f":information_source: You already nominated {who(card)}; it {state}. Nothing else to do."
    else:
        state = ("and they are already a reference customer" if original_status is NominationStatus.accepted
                 else "and the program team is reviewing it")
        text = (f":information_source: {who(card)} was already nominated by <@{original_nominator}>, {state}. "
                "I added your notes to that nomination.")
    return truncate(f"{escape(card.contact_name)} was already nominated", 3000), [kit.section(text)]
