"""After the call: debrief prompts and modals, the account owner's debrief summary with its thank-you
prompt, deal-outcome follow-ups and the "your customer helped close a deal" note. Pure: data in,
Block Kit out.

None of these messages shows a contact's email or phone: the cards below have neither.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import quote

from refbot.blocks import kit
from refbot.blocks.format import (
    date_text,
    escape,
    money,
    person,
    plural,
    relative_days,
    slack_datetime,
    truncate,
)
from refbot.domain import ActivityType, MetNeeds, OpportunityOutcome, RequestStatus
from refbot.tz import zone

# Slack ids (CONTRACTS.md "Loop"). Buttons on request messages carry the request id, outcome buttons
# the opportunity id.
HAPPENED_ACTION = "debrief_happened"
NOT_HAPPENED_ACTION = "debrief_not_happened"
RESCHEDULED_ACTION = "debrief_rescheduled"
THANK_YOU_ACTION = "thank_you_open"
THANK_YOU_EMAIL_ACTION = "thank_you_email"  # the Open email (mailto:) button: Slack opens the url
WON_ACTION = "outcome_won"
LOST_ACTION = "outcome_lost"
DEBRIEF_MODAL = "debrief_modal"
NOT_HAPPENED_MODAL = "debrief_not_happened_modal"
RESCHEDULE_MODAL = "debrief_reschedule_modal"
THANK_YOU_MODAL = "thank_you_modal"
OUTCOME_MODAL = "outcome_modal"
# Owned by the request workflow (issue 4): value = request id.
MARK_SCHEDULED_ACTION = "request_mark_scheduled"
SEARCH_AGAIN_ACTION = "search_again"

CHOICE_RESCHEDULE = "reschedule"
CHOICE_MISSED = "missed"
MAX_OPTIONS = 100
MAX_LISTED = 20
NOTE_MAX = 2000

MET_NEEDS_LABELS = {MetNeeds.yes: "Yes", MetNeeds.partly: "Partly", MetNeeds.no: "No"}
RATING_LABELS = {5: "5 – Excellent", 4: "4 – Good", 3: "3 – OK", 2: "2 – Poor", 1: "1 – Bad"}


@dataclass(frozen=True)
class CallCard:
    """One reference activity (usually a call) as the loop's messages show it."""

    request_id: int
    status: RequestStatus
    requester_id: str
    owner_id: str | None  # who approves and thanks: the account owner, else None
    contact_name: str
    contact_title: str
    account_name: str
    prospect_company: str
    activity: ActivityType
    call_at: dt.datetime | None

    @property
    def first_name(self) -> str:
        return self.contact_name.split(" ")[0] if self.contact_name.strip() else "them"

    @property
    def activity_name(self) -> str:
        """'reference call', 'site visit', ..."""
        return self.activity.label[0].lower() + self.activity.label[1:]


@dataclass(frozen=True)
class DebriefView:
    met_needs: MetNeeds | None
    rating: int | None
    insights: str
    concerns: str
    redo_needed: bool
    notes: str
    filed_by: str
    filed_at: dt.datetime
    on_time: bool


@dataclass(frozen=True)
class ThankYouView:
    note: str
    thanked_by: str | None
    thanked_at: dt.datetime


@dataclass(frozen=True)
class MissingDebrief:
    card: CallCard
    days_since_call: int


@dataclass(frozen=True)
class HelpedRef:
    """A reference that helped a deal (its call took place)."""

    request_id: int
    contact_name: str
    contact_title: str
    account_name: str
    owner_id: str | None
    activity: ActivityType
    call_at: dt.datetime | None


@dataclass(frozen=True)
class DealCard:
    opportunity_id: int
    prospect_company: str
    amount: int | None
    expected_close_date: dt.date | None
    seller_id: str | None
    outcome: OpportunityOutcome
    outcome_by: str | None
    references: tuple[HelpedRef, ...]


# ------------------------------------------------------------------ small helpers


# Free-text answers: multiline, up to NOTE_MAX characters unless a field says otherwise.
_note_input = partial(kit.text_input, max_length=NOTE_MAX, multiline=True)


def _quote(text: str, limit: int = 900) -> str:
    return "\n".join("> " + line for line in escape(truncate(text.strip(), limit)).splitlines() if line.strip())


def who(card: CallCard | HelpedRef) -> str:
    """'*Dana Scully* (VP Finance, Globex)'."""
    inner = ", ".join(escape(x) for x in (card.contact_title, card.account_name) if x)
    return f"*{escape(card.contact_name)}* ({inner})" if inner else f"*{escape(card.contact_name)}*"


def _when(card: CallCard, reader_tz: str | None) -> str:
    return slack_datetime(card.call_at, reader_tz) if card.call_at else "a date not recorded"


def _local_date(when: dt.datetime, tz_name: str | None) -> dt.date:
    return when.astimezone(zone(tz_name)).date()


def _short_date(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


# ------------------------------------------------------------------ debrief prompt (seller)


def debrief_prompt(card: CallCard, *, reader_tz: str | None, reminder: bool = False) -> tuple[str, list[dict[str, Any]]]:
    """The DM after the call: It happened / It didn't happen / Rescheduled."""
    what = f"{card.activity_name} with {who(card)} for *{escape(card.prospect_company)}*"
    if reminder:
        lead = f":alarm_clock: *Reminder:* your debrief for the {what} ({_when(card, reader_tz)}) is still missing."
        text = f"Reminder: your debrief for the {card.activity_name} with {escape(card.contact_name)} is still missing."
    else:
        lead = f":telephone_receiver: *How did it go?* Your {what} was {_when(card, reader_tz)}."
        text = f"How did your {card.activity_name} with {escape(card.contact_name)} for {escape(card.prospect_company)} go?"
    value = str(card.request_id)
    blocks = [
        kit.section(lead),
        kit.actions(
            kit.button("It happened", HAPPENED_ACTION, value, style="primary"),
            kit.button("It didn't happen", NOT_HAPPENED_ACTION, value),
            kit.button("Rescheduled", RESCHEDULED_ACTION, value),
            block_id=f"debrief_{card.request_id}",
        ),
        kit.context(f"Request #{card.request_id} · a 1-minute debrief records the call for {escape(card.first_name)} "
                 "and earns you points."),
    ]
    return text, blocks


def prompt_filed(card: CallCard, *, points: int, on_time: bool) -> tuple[str, list[dict[str, Any]]]:
    """Replaces the prompt's buttons once the debrief is filed."""
    earned = f" +{plural(points, 'point')}" + (" (on time)" if on_time else "") + "." if points else ""
    text = f"Debrief filed for request #{card.request_id}. Thanks!{earned}"
    line = (f":white_check_mark: *Debrief filed* for the {card.activity_name} with {who(card)}. "
            f"Thanks!{earned}")
    return text, [kit.section(line), kit.context(f"Request #{card.request_id}")]


def prompt_missed(card: CallCard, *, by: str) -> tuple[str, list[dict[str, Any]]]:
    text = f"Request #{card.request_id} closed as missed: the {card.activity_name} didn't happen."
    line = (f":heavy_minus_sign: *Closed as missed* by <@{by}>: the {card.activity_name} with {who(card)} "
            f"didn't happen. Nothing was counted against {escape(card.first_name)}.")
    return text, [kit.section(line), kit.context(f"Request #{card.request_id}")]


def prompt_rescheduled(card: CallCard, *, reader_tz: str | None) -> tuple[str, list[dict[str, Any]]]:
    text = f"Request #{card.request_id} rescheduled; I'll ask for your debrief after the new call."
    line = (f":calendar: *Rescheduled* to {_when(card, reader_tz)}: the {card.activity_name} with {who(card)}. "
            "I'll ask for your debrief after the call.")
    return text, [kit.section(line), kit.context(f"Request #{card.request_id}")]


def _one_step(lead: str, block_id: str, label: str, action_id: str, request_id: int) -> list[dict[str, Any]]:
    """A message with one primary next-step button."""
    button = kit.button(label, action_id, str(request_id), style="primary")
    return [kit.section(lead), kit.actions(button, block_id=block_id)]


def prompt_back_to_approved(card: CallCard) -> tuple[str, list[dict[str, Any]]]:
    """The call didn't happen and has no new time yet: back to approved, with Mark scheduled."""
    text = f"Request #{card.request_id} is back to approved: click Mark scheduled once you have a new time."
    lead = (f":leftwards_arrow_with_hook: *Back to approved:* the {card.activity_name} with {who(card)} "
            "didn't happen. Agree a new time, then click *Mark scheduled*.")
    blocks = _one_step(lead, f"debrief_{card.request_id}", "Mark scheduled", MARK_SCHEDULED_ACTION, card.request_id)
    return text, [*blocks, kit.context(f"Request #{card.request_id}")]


def redo_offer(card: CallCard) -> tuple[str, list[dict[str, Any]]]:
    """The debrief said a redo is needed: offer a new search with the same criteria."""
    text = f"You said {escape(card.prospect_company)} needs another reference. Find one with the same criteria?"
    lead = (f":repeat: You said *{escape(card.prospect_company)}* needs another reference. "
            "Search again with the same criteria?")
    return text, _one_step(lead, f"redo_{card.request_id}", "Find another reference", SEARCH_AGAIN_ACTION,
                           card.request_id)


# ------------------------------------------------------------------ modals (seller)


def _call_line(card: CallCard, reader_tz: str | None) -> str:
    return (f"{card.activity.label} with {who(card)} for *{escape(card.prospect_company)}* · "
            f"{_when(card, reader_tz)} · request #{card.request_id}")


def debrief_modal(card: CallCard, *, metadata: str, reader_tz: str | None) -> dict[str, Any]:
    met = [kit.option(MET_NEEDS_LABELS[m], m.value) for m in MetNeeds]
    ratings = [(RATING_LABELS[r], str(r)) for r in (5, 4, 3, 2, 1)]
    return kit.modal(
        "Debrief", callback_id=DEBRIEF_MODAL, submit="File debrief", close="Later", metadata=metadata,
        blocks=[
            kit.section(_call_line(card, reader_tz)),
            kit.input_block("met_needs", "Did it meet the prospect's needs?", kit.radio_buttons(met),
                   optional=False),
            kit.input_block("rating", "How did it go?", kit.static_select(ratings, placeholder="1 to 5"), optional=False),
            kit.input_block("insights", "Buyer insights", _note_input(placeholder="What did the prospect value most?"),
                   optional=True),
            kit.input_block("concerns", "Lingering concerns", _note_input(placeholder="What still worries them?"), optional=True),
            kit.input_block("redo", "Redo needed?", kit.checkboxes(
                [kit.option("Yes, the prospect needs another reference", "yes")]), optional=True,
                hint="I'll offer you a new search with the same criteria."),
            kit.input_block("notes", "Notes", _note_input(placeholder="Anything else the program manager should know"),
                   optional=True),
        ],
    )


def _date_time_inputs(card: CallCard, reader_tz: str, initial: dt.datetime | None, *, optional: bool,
                      hint: str) -> list[dict[str, Any]]:
    day: dt.date | None = None
    time = "10:00"
    if initial is not None:
        local = initial.astimezone(zone(reader_tz))
        day, time = local.date(), f"{local:%H:%M}"
    return [
        kit.input_block("date", "New date", kit.datepicker(day.isoformat() if day else None), optional=optional),
        kit.input_block("time", "Time", kit.timepicker(time), optional=optional,
               hint=f"In your timezone ({reader_tz}). {hint}".strip()),
    ]


def not_happened_modal(card: CallCard, *, metadata: str, reader_tz: str) -> dict[str, Any]:
    choices = [
        kit.option("Reschedule it", CHOICE_RESCHEDULE),
        kit.option("Close it as missed (nothing is counted)", CHOICE_MISSED),
    ]
    return kit.modal(
        "It didn't happen", callback_id=NOT_HAPPENED_MODAL, submit="Save", close="Back", metadata=metadata,
        blocks=[
            kit.section(_call_line(card, reader_tz)),
            kit.input_block("choice", "What now?", kit.radio_buttons(choices, initial=choices[0]),
                   optional=False),
            *_date_time_inputs(card, reader_tz, None, optional=True,
                               hint="No new time yet? Leave the date empty: the request goes back to approved."),
            kit.input_block("reason", "What happened?", _note_input(placeholder="e.g. the prospect postponed", max_length=500),
                   optional=True),
        ],
    )


def reschedule_modal(card: CallCard, *, metadata: str, reader_tz: str) -> dict[str, Any]:
    return kit.modal(
        "Reschedule", callback_id=RESCHEDULE_MODAL, submit="Save", close="Back", metadata=metadata,
        blocks=[
            kit.section(_call_line(card, reader_tz)),
            *_date_time_inputs(card, reader_tz, card.call_at, optional=False, hint=""),
        ],
    )


# ------------------------------------------------------------------ account owner: summary + thank-you


def _stars(rating: int | None) -> str:
    if rating is None:
        return "—"
    return "★" * rating + "☆" * (5 - rating) + f" {rating}/5"


def owner_debrief_dm(
    card: CallCard, debrief: DebriefView, *, thank_you: ThankYouView | None, reader_tz: str | None,
    reader_id: str | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """The debrief summary for the account owner (`reader_id`), ending with the thank-you prompt (or who sent
    it: "you" when the reader did)."""
    met = MET_NEEDS_LABELS.get(debrief.met_needs, "—") if debrief.met_needs else "—"
    blocks: list[dict[str, Any]] = [
        kit.section(f":memo: *Debrief from <@{debrief.filed_by}>:* {card.activity_name} with {who(card)} "
                 f"for *{escape(card.prospect_company)}* ({_when(card, reader_tz)})."),
        kit.section(fields=[
            f"*Met the prospect's needs*\n{met}",
            f"*How it went*\n{_stars(debrief.rating)}",
            f"*Redo needed*\n{'Yes' if debrief.redo_needed else 'No'}",
        ]),
    ]
    for title, body in (("Buyer insights", debrief.insights), ("Lingering concerns", debrief.concerns),
                        ("Notes", debrief.notes)):
        if body.strip():
            blocks.append(kit.section(f"*{title}*\n{_quote(body)}"))
    if thank_you is None:
        why = f"You own {escape(card.account_name)}: a short note" if card.owner_id else "A short note"
        blocks.append(kit.section(
            f":pray: *Thank {escape(card.first_name)}.* {why} from you keeps them happy to help. "
            "I've drafted one with the deal context.",
            accessory=kit.button("Write thank-you", THANK_YOU_ACTION, str(card.request_id), style="primary"),
        ))
    else:
        by = person(thank_you.thanked_by, reader_id, nobody="someone")
        blocks.append(kit.context(f":white_check_mark: Thank-you sent by {by} · "
                               f"{slack_datetime(thank_you.thanked_at, reader_tz)}"))
    blocks.append(kit.context(f"Request #{card.request_id}"))
    text = escape(f"Debrief: {card.activity_name} with {card.contact_name} ({card.account_name}) for "
                  f"{card.prospect_company} — needs met: {met.lower()}, {debrief.rating or '—'}/5.")
    return text, blocks


def thank_you_draft(card: CallCard, *, sender_name: str, tz_name: str | None) -> str:
    """A short, editable note to the customer: the prospect, the activity, the date, signed with the owner's
    name. It goes outside the company, so nothing from the seller's debrief (buyer insights, concerns,
    notes are internal) is ever in it."""
    when = f" on {_short_date(_local_date(card.call_at, tz_name))}" if card.call_at else ""
    lines = [
        f"Hi {card.first_name},",
        "",
        f"Thank you for the {card.activity_name} with {card.prospect_company}{when}.",
        "Your time and honesty make a real difference to them and to us.",
        "",
        "Best,",
    ]
    if sender_name.strip():
        lines.append(sender_name.strip())
    return "\n".join(lines)


def mailto_url(email: str, *, subject: str, body: str, limit: int = kit.URL_MAX) -> str:
    """mailto: with the subject and body url-encoded, within Slack's url length (the body is shortened at a
    line or word boundary when it would not fit)."""
    def url(text: str) -> str:
        return f"mailto:{quote(email, safe='@')}?subject={quote(subject, safe='')}&body={quote(text, safe='')}"

    text = body
    while len(url(text)) > limit and text:
        cut = max(text.rfind("\n", 0, len(text) - 1), text.rfind(" ", 0, len(text) - 1))
        text = text[:cut].rstrip() if cut > 0 else ""
    return url(text)


def thank_you_subject(card: CallCard) -> str:
    return f"Thank you for the {card.activity_name} with {card.prospect_company}"


def thank_you_modal(card: CallCard, *, draft: str, metadata: str, email: str | None = None) -> dict[str, Any]:
    """The editable note; with the contact's email, an *Open email* button (the draft in a new email)."""
    blocks: list[dict[str, Any]] = []
    if email:
        blocks.append(kit.section(
            f"Send {who(card)} a thank-you: *Open email* starts one to {escape(email)} with this note, or use "
            "your usual channel. Then click *Mark as sent*.",
            accessory=kit.button("Open email", THANK_YOU_EMAIL_ACTION, str(card.request_id),
                                 url=mailto_url(email, subject=thank_you_subject(card), body=draft)),
        ))
    else:
        blocks.append(kit.section(f"Edit the note, send it to {who(card)} (RefBot has no email for them: use "
                                  "your usual channel), then click *Mark as sent*."))
    blocks.append(kit.input_block("note", "Thank-you note", _note_input(draft, max_length=NOTE_MAX), optional=False,
                                  hint="It goes to the customer: keep the seller's debrief out of it."))
    return kit.modal("Thank-you note", callback_id=THANK_YOU_MODAL, submit="Mark as sent", metadata=metadata,
                     blocks=blocks)


def missed_owner_dm(card: CallCard, *, by: str) -> tuple[str, list[dict[str, Any]]]:
    text = f"Request #{card.request_id}: the {card.activity_name} with {escape(card.contact_name)} didn't happen."
    line = (f":heavy_minus_sign: The {card.activity_name} with {who(card)} for *{escape(card.prospect_company)}* "
            f"didn't happen; <@{by}> closed request #{card.request_id}. Nothing was counted against "
            f"{escape(card.first_name)}.")
    return text, [kit.section(line)]


def rescheduled_owner_dm(card: CallCard, *, by: str, reader_tz: str | None) -> tuple[str, list[dict[str, Any]]]:
    text = f"Request #{card.request_id}: the {card.activity_name} with {escape(card.contact_name)} was rescheduled."
    line = (f":calendar: <@{by}> rescheduled the {card.activity_name} with {who(card)} for "
            f"*{escape(card.prospect_company)}* to {_when(card, reader_tz)}.")
    return text, [kit.section(line), kit.context(f"Request #{card.request_id}")]


# ------------------------------------------------------------------ program managers


def missing_debriefs_dm(items: list[MissingDebrief], *, reader_tz: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Escalation: debriefs still missing after the seller's reminder."""
    n = len(items)
    head = (f":rotating_light: *{plural(n, 'debrief')} still missing* after a reminder. "
            "A nudge from you helps:")
    lines = []
    for item in items[:MAX_LISTED]:
        c = item.card
        ago = "today" if item.days_since_call <= 0 else f"{plural(item.days_since_call, 'day')} ago"
        lines.append(f"• #{c.request_id} <@{c.requester_id}> — {escape(c.contact_name)} "
                     f"({escape(c.account_name)}) for {escape(c.prospect_company)} · call {ago}")
    if n > MAX_LISTED:
        lines.append(f"…and {n - MAX_LISTED} more (`refbot report` lists them all).")
    text = f"{plural(n, 'debrief')} still missing after a reminder."
    return text, [kit.section(head), kit.section("\n".join(lines))]


# ------------------------------------------------------------------ deal outcome


def _refs_line(refs: tuple[HelpedRef, ...] | list[HelpedRef], limit: int = 5) -> str:
    names = [f"{escape(r.contact_name)} ({escape(r.account_name)})" for r in list(refs)[:limit]]
    if len(refs) > limit:
        names.append(f"{len(refs) - limit} more")
    return ", ".join(names)


def outcome_followup_dm(deal: DealCard, *, today: dt.date) -> tuple[str, list[dict[str, Any]]]:
    """To the seller once the expected close date has passed: Won / Lost."""
    when = ""
    if deal.expected_close_date:
        when = (f" It was expected to close {date_text(deal.expected_close_date)} "
                f"({relative_days(deal.expected_close_date, today)}).")
    helped = f"\n{plural(len(deal.references), 'reference')} helped: {_refs_line(deal.references)}."
    value = str(deal.opportunity_id)
    blocks = [
        kit.section(f":crystal_ball: *Did {escape(deal.prospect_company)} close?*{when}{helped}"),
        kit.actions(
            kit.button("Won", WON_ACTION, value, style="primary"),
            kit.button("Lost", LOST_ACTION, value, confirm=kit.confirm_dialog(
                "Mark the deal lost?", f"{deal.prospect_company} will be recorded as lost.",
                confirm="Mark lost", deny="Cancel")),
            block_id=f"outcome_{deal.opportunity_id}",
        ),
        kit.context("Won deals tell the customers who helped that it made a difference. "
                 "You can also use `/reference outcome`."),
    ]
    return f"Did {escape(deal.prospect_company)} close? Tell me: won or lost.", blocks


def outcome_recorded(deal: DealCard, *, reader_id: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """Replaces a follow-up's buttons once the outcome is known ("by you" to `reader_id` when they recorded it)."""
    by = (" by you" if deal.outcome_by == reader_id else f" by <@{deal.outcome_by}>") if deal.outcome_by else ""
    if deal.outcome is OpportunityOutcome.won:
        amount = f" ({money(deal.amount)})" if deal.amount else ""
        line = f":trophy: *{escape(deal.prospect_company)}: won*{amount}, recorded{by}. Congratulations!"
    else:
        line = f":heavy_minus_sign: *{escape(deal.prospect_company)}: lost*, recorded{by}."
    return f"{escape(deal.prospect_company)}: {deal.outcome.value}.", [kit.section(line)]


def outcome_confirmation(deal: DealCard, *, owners_told: tuple[str, ...]) -> tuple[str, list[dict[str, Any]]]:
    """To whoever recorded the outcome outside a follow-up DM (`/reference outcome`)."""
    text, blks = outcome_recorded(deal, reader_id=deal.outcome_by)
    if owners_told:
        names = ", ".join(f"<@{o}>" for o in owners_told)
        blks.append(kit.context(f"I told the account {'owner' if len(owners_told) == 1 else 'owners'} "
                             f"({names}) which customers helped."))
    return text, blks


def outcome_modal(
    deals: list[DealCard], *, metadata: str, outcome: OpportunityOutcome | None = None, fixed: bool = False
) -> dict[str, Any]:
    """Won/lost and the signed amount. `fixed`: for deals[0] only (from a follow-up button), else a picker."""
    blocks: list[dict[str, Any]] = []
    if fixed:
        d = deals[0]
        helped = f" · {plural(len(d.references), 'reference')} helped" if d.references else ""
        blocks.append(kit.section(f"*{escape(d.prospect_company)}*{helped}"))
    else:
        options = [(d.prospect_company + (f" · {money(d.amount)}" if d.amount else ""), str(d.opportunity_id))
                   for d in deals[:MAX_OPTIONS]]
        blocks.append(kit.input_block("deal", "Deal", kit.static_select(options, placeholder="Pick a deal"),
                                      optional=False, hint="Your open deals that used references."))
    choices = [kit.option("Won", OpportunityOutcome.won.value), kit.option("Lost", OpportunityOutcome.lost.value)]
    initial_choice = next((c for c in choices if outcome is not None and c["value"] == outcome.value), None)
    radio = kit.radio_buttons(choices, initial=initial_choice)
    blocks.append(kit.input_block("outcome", "Outcome", radio, optional=False))
    initial = str(deals[0].amount) if fixed and deals[0].amount else ""
    blocks.append(kit.input_block("amount", "Signed amount", _note_input(initial, placeholder="e.g. 250k", max_length=30,
                                                        multiline=False),
                         optional=True, hint="For won deals: counts as revenue the references influenced."))
    return kit.modal(
        "Deal outcome", callback_id=OUTCOME_MODAL, submit="Save", metadata=metadata,
        blocks=blocks,
    )


def owner_won_dm(deal: DealCard, refs: list[HelpedRef], *, tz_name: str | None) -> tuple[str, list[dict[str, Any]]]:
    """To an account owner: which of their customers helped close which deal, for how much."""
    amount = f" for *{money(deal.amount)}*" if deal.amount else ""
    seller = f"<@{deal.seller_id}>" if deal.seller_id else "the seller"
    lines = []
    for r in refs[:MAX_LISTED]:
        when = f" on {_short_date(_local_date(r.call_at, tz_name))}" if r.call_at else ""
        lines.append(f"• {who(r)}: {r.activity.label.lower()}{when}")
    first = refs[0]
    customers = ", ".join(dict.fromkeys(escape(r.account_name) for r in refs))
    suggestion = (f"Hi {first.contact_name.split(' ')[0] or 'there'}, good news: {deal.prospect_company} "
                  "signed with us, and your reference played a real part. Thank you!")
    blocks = [
        kit.section(f":tada: *{customers} helped close {escape(deal.prospect_company)}!* {seller} won the deal{amount}."),
        kit.section("\n".join(lines)),
        kit.section(f"*Tell them their help made a difference.* Suggested note:\n{_quote(suggestion)}"),
    ]
    text = (f"{customers} helped close {escape(deal.prospect_company)}"
            + (f" ({money(deal.amount)})" if deal.amount else "") + ". Tell them their help made a difference.")
    return text, blocks
