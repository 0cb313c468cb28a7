"""Request workflow messages and modals: the request form, approval DMs, seller and owner DMs,
`/reference my`, and the decline / suggest / schedule modals. Pure: data in, Block Kit out.

A contact's email and phone appear only in `seller_approved_dm` (after approval): every other
builder gets a `RequestCard`, which has no contact details at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from refbot.blocks import kit
from refbot.blocks.format import (
    date_text,
    datetime_text,
    escape,
    money,
    person,
    plural,
    slack_datetime,
    truncate,
    zone_label,
)
from refbot.domain import SALES_STAGES, STAGE_LABELS, ActivityType, RequestStatus
from refbot.geo import country_name
from refbot.tz import find_zone, zone

# Slack ids (CONTRACTS.md)
FROM_SEARCH_ACTION = "request_from_search"
REQUEST_MODAL = "request_modal"
PICK_MODAL = "request_pick_modal"
PICK_ACTION = "request_pick_contact"  # the picker's external_select (unique app-wide)
DECLINE_MODAL = "request_decline_modal"
SUGGEST_MODAL = "request_suggest_modal"
SCHEDULE_MODAL = "request_schedule_modal"
APPROVE_ACTION = "request_approve"
DECLINE_ACTION = "request_decline"
SUGGEST_ACTION = "request_suggest"
MARK_SCHEDULED_ACTION = "request_mark_scheduled"
CANCEL_ACTION = "request_cancel"
TAKE_SUGGESTION_ACTION = "request_take_suggestion"
PASS_SUGGESTION_ACTION = "request_pass_suggestion"
SEARCH_AGAIN_ACTION = "search_again"
OPEN_ACTION = "request_open"  # a request's details in a modal (refbot.handlers.home)
# Every input element in these modals uses this action id; the block id names the field.
VALUE = kit.VALUE  # the action_id of every input element

MAX_OPEN_LISTED = 20
MAX_OPTIONS = 100


@dataclass(frozen=True)
class RequestCard:
    """What any message about a request may show. Deliberately has no contact email or phone."""

    id: int
    status: RequestStatus
    requester_id: str
    owner_id: str | None
    contact_name: str
    contact_title: str
    account_name: str
    prospect_company: str
    activity_type: ActivityType
    needed_by: dt.date
    created_at: dt.datetime
    stage: str | None = None
    amount: int | None = None
    crm_id: str | None = None
    industry: str | None = None
    employees: int | None = None
    country: str | None = None
    topics: tuple[str, ...] = ()
    note: str = ""
    urgent: bool = False
    urgent_reason: str | None = None
    justification: str | None = None
    flagged: bool = False
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    decline_reason: str | None = None
    scheduled_at: dt.datetime | None = None
    suggested_from_id: int | None = None
    usage: str = ""  # how often the contact was used recently
    unavailable_reason: str = ""  # why the contact is resting/busy ('' when available)
    suggested_contact: str = ""  # declined in favour of this contact (the owner's suggestion)
    suggestion_answer: str = ""  # the seller's answer to that suggestion: "taken", "passed", "lapsed" or ""
    awaiting_seller: bool = False  # an owner's suggestion (approved by them) the seller hasn't taken yet


@dataclass(frozen=True)
class ContactDetails:
    name: str
    title: str
    email: str | None
    phone: str | None
    timezone: str | None


@dataclass(frozen=True)
class RequestDraft:
    """The request form's answers as typed: what the form shows (RequestPrefill) and what it sends back
    (refbot.services.requests.RequestInput) both start from these."""

    prospect_company: str = ""
    crm_id: str = ""
    stage: str | None = None
    amount: str = ""
    industry: str = ""
    employees: str = ""
    country: str = ""
    activity: str | None = None
    needed_by: dt.date | None = None
    topics: str = ""
    note: str = ""
    urgent_reason: str = ""


@dataclass(frozen=True)
class RequestPrefill(RequestDraft):
    """Initial values of the request form (from a search, or what the seller typed before)."""

    urgent: bool = False
    justification: str = ""


@dataclass(frozen=True)
class RequestForm:
    contact_name: str
    contact_title: str
    account_name: str
    earliest: dt.date  # earliest needed-by date without "urgent"
    lead_time_days: int
    min_stage: str
    unavailable_reason: str = ""
    activities: tuple[ActivityType, ...] = ()  # what the contact agreed to (empty = anything)
    contact_topics: tuple[str, ...] = ()
    prefill: RequestPrefill = field(default_factory=RequestPrefill)
    notice: str = ""
    default_needed_by: dt.date | None = None  # about two weeks out (never before `earliest`)
    stages: tuple[str, ...] = ()  # the stages the gate accepts (empty: all)
    show_details: bool = False  # amount, CRM id, industry, employees, country as inputs
    crm_deals: bool = False  # the CRM is connected: pick one of your deals instead of typing it


DEAL_ACTION = "crm_deal"  # the request form's deal picker (an external select answered by type-ahead)


@dataclass(frozen=True)
class DealChoice:
    """One of the seller's open CRM deals, as the deal picker lists it."""

    opportunity_id: int
    prospect_company: str
    name: str | None
    crm_stage: str | None
    amount: int | None


def deal_options(deals: Sequence[DealChoice]) -> list[dict[str, Any]]:
    """Options for the deal picker: 'Initech: Initech platform · Needs Analysis · $250K' (Slack: 100 options,
    75 characters each)."""
    out = []
    for d in deals[:100]:
        parts = [x for x in (d.crm_stage, money(d.amount) if d.amount is not None else None) if x]
        title = d.prospect_company if not d.name or d.name == d.prospect_company else f"{d.prospect_company}: {d.name}"
        tail = " · ".join(parts)
        room = 75 - (len(tail) + 3 if tail else 0)
        label = kit.truncate(title, max(room, 20)) + (f" · {tail}" if tail else "")
        out.append(kit.option(kit.truncate(label, 75), str(d.opportunity_id)))
    return out


# ------------------------------------------------------------------ small helpers


def who(card: RequestCard) -> str:
    """'Dana Scully (VP Finance, Globex)'."""
    inner = ", ".join(x for x in (card.contact_title, card.account_name) if x)
    return f"{card.contact_name} ({inner})" if inner else card.contact_name


def deal_text(card: RequestCard) -> str:
    """'Initech · Evaluation · $250K'."""
    parts = [escape(card.prospect_company)]
    if card.stage:
        parts.append(STAGE_LABELS.get(card.stage, card.stage))
    if card.amount is not None:
        parts.append(money(card.amount))
    return " · ".join(parts)


def prospect_text(card: RequestCard) -> str:
    parts = [escape(card.industry or "")]
    if card.employees is not None:
        parts.append(plural(card.employees, "employee"))
    if card.country:
        parts.append(escape(country_name(card.country)))
    return " · ".join(p for p in parts if p)


def topics_text(topics: tuple[str, ...] | list[str]) -> str:
    return ", ".join(escape(t) for t in topics) if topics else "—"


def next_step(card: RequestCard) -> str:
    s = card.status
    if card.awaiting_seller:
        return "take the contact the owner suggested, or pass (see my DM)"
    if s is RequestStatus.pending_approval:
        return f"waiting for <@{card.owner_id}>" if card.owner_id else "waiting for a program manager"
    if s is RequestStatus.approved:
        return "contact them, then *Mark scheduled*"
    if s is RequestStatus.scheduled:
        return "have the call; I'll ask for your debrief"
    if s is RequestStatus.completed:
        return "file your debrief"
    return ""


def decision_line(card: RequestCard, reader_tz: str | None, reader_id: str | None = None) -> str:
    """Who decided what, and when (replaces the buttons of an approval DM); "you" to the person who did."""
    when = f" · {slack_datetime(card.decided_at, reader_tz)}" if card.decided_at else ""
    by = person(card.decided_by, reader_id)
    s = card.status
    if s is RequestStatus.pending_approval:
        return ":hourglass_flowing_sand: Waiting for approval"
    if s is RequestStatus.declined and card.decline_reason == SUGGESTED_REASON:
        instead = f"*{escape(card.suggested_contact)}*" if card.suggested_contact else "another contact"
        who_ = person(card.decided_by, reader_id, capital=True)
        seller = person(card.requester_id, reader_id)
        answer = {"taken": f"{seller} took them.", "passed": f"{seller} passed; nothing more to do.",
                  "lapsed": f"{seller} didn't answer in time, so it lapsed; nothing more to do."}.get(
            card.suggestion_answer, f"{seller} takes them or passes; I'll tell you.")
        return f":twisted_rightwards_arrows: {who_} suggested {instead} instead{when}. {answer}"
    if s is RequestStatus.declined:
        return f":x: Declined by {by}{when}"
    if s is RequestStatus.cancelled:
        return f":no_entry_sign: Cancelled by {by}{when}. Nothing more to do."
    if s is RequestStatus.expired and card.suggested_from_id is not None:
        return f":hourglass: Lapsed: {person(card.requester_id, reader_id)} didn't take this suggestion in time"
    if s is RequestStatus.expired:
        return f":hourglass: Expired: not approved by {date_text(card.needed_by)}"
    return f":white_check_mark: Approved by {by}{when}"


def already_decided(card: RequestCard, *, reader_id: str, reader_tz: str | None) -> str:
    """The private answer to a click on a request someone already decided: who, what and when."""
    verb = {RequestStatus.declined: "declined", RequestStatus.cancelled: "cancelled",
            RequestStatus.expired: "expired"}.get(card.status, "approved")
    if card.status is RequestStatus.declined and card.decline_reason == SUGGESTED_REASON:
        verb = "answered with another contact"
    if card.status is RequestStatus.expired and card.suggested_from_id is not None:
        return f"Request #{card.id} lapsed: the suggestion wasn't taken in time. Nothing changed."
    if card.status is RequestStatus.expired:
        return f"Request #{card.id} expired on {date_text(card.needed_by)}: nobody approved it in time. Nothing changed."
    by = person(card.decided_by, reader_id)
    when = f" on {datetime_text(card.decided_at, reader_tz)}" if card.decided_at else ""
    return f"Request #{card.id} was already {verb} by {by}{when}. Nothing changed."


SUGGESTED_REASON = "suggested another contact"


# ------------------------------------------------------------------ the request form


URGENT_OPTION = "urgent"  # the checkbox of forms opened before the urgency question replaced it
DETAILS_ACTION = "request_deal_details"  # "Edit deal details" inside the request form
NEEDED_BY_BLOCK = "needed_by"  # its datepicker dispatches: the urgency question appears inside the lead time
MAX_FORM_INPUTS = 7  # inputs on screen by default (a resting contact's "Why …?" included)


def _first(form: RequestForm) -> str:
    return form.contact_name.split(" ")[0] if form.contact_name else "they"


def inside_lead_time(form: RequestForm, day: dt.date | None) -> bool:
    return day is not None and day < form.earliest


def prospect_facts(p: RequestPrefill) -> str:
    """'Banking · 5,000 employees · Germany' (what the search said about the prospect)."""
    return " · ".join(escape(x) for x in (p.industry, f"{p.employees} employees" if p.employees else "", p.country)
                      if x)


def deal_blocks(form: RequestForm) -> list[dict[str, Any]]:
    """The prospect and deal part of the request form, in one place: company and stage always; amount, CRM
    opportunity and the prospect's industry, size and country behind *Edit deal details* (prefilled from the
    search and shown as context until then)."""
    p = form.prefill
    if form.crm_deals:  # the CRM is connected: the deal comes from it (prospect, stage, amount)
        return [kit.input_block(
            "deal", "Deal", {**kit.external_select(placeholder="Type to find your deal", min_query_length=0),
                             "action_id": DEAL_ACTION},
            optional=False, hint="Your open Salesforce deals (yours, or you are on the team). Prospect, stage and "
                                 "amount come from Salesforce.")]
    stages = form.stages or SALES_STAGES
    blocks = [
        kit.input_block("prospect", "Prospect company", kit.text_input(p.prospect_company, placeholder="e.g. Initech"),
                        optional=False),
        kit.input_block("stage", "Sales stage", kit.static_select([(STAGE_LABELS[s], s) for s in stages],
                                                                  p.stage if p.stage in stages else None,
                                                                  placeholder="Pick the deal's stage"),
                        optional=False,
                        hint=f"References start at {STAGE_LABELS.get(form.min_stage, form.min_stage)}."),
    ]
    if form.show_details:
        blocks += [
            kit.input_block("amount", "Deal amount", kit.text_input(p.amount, placeholder="e.g. 250k or $1.2M",
                                                                    max_length=30), optional=True),
            kit.input_block("crm_id", "CRM opportunity ID", kit.text_input(p.crm_id, placeholder="e.g. 0065g00000XyZab",
                                                                           max_length=100),
                            optional=True, hint="Links the request to the deal for influenced-revenue reports."),
            kit.input_block("industry", "Prospect industry", kit.text_input(p.industry, placeholder="e.g. Banking",
                                                                            max_length=100), optional=True),
            kit.input_block("employees", "Prospect employees", kit.text_input(p.employees, placeholder="e.g. 5000 or 5k",
                                                                              max_length=30), optional=True),
            kit.input_block("country", "Prospect country", kit.text_input(p.country, placeholder="e.g. Germany",
                                                                          max_length=60), optional=True),
        ]
        return blocks
    facts = prospect_facts(p)
    known = [f"*Prospect:* {facts} (from your search)"] if facts else []
    if p.amount or p.crm_id:
        known.append(" · ".join(x for x in (escape(p.amount), escape(p.crm_id)) if x))
    lead = " · ".join(known) if known else "Add the deal amount, CRM opportunity ID and the prospect's industry, size and country"
    blocks.append(kit.section(lead + ".", block_id="deal_details",
                              accessory=kit.button("Edit deal details", DETAILS_ACTION, "details")))
    return blocks


def request_modal(form: RequestForm, *, metadata: str) -> dict[str, Any]:
    """The request form for one contact, on a diet: at most MAX_FORM_INPUTS inputs by default. A resting
    contact's "Why …?" comes first; the urgency question only when the date is inside the lead time."""
    p = form.prefill
    first = _first(form)
    head = f"Request *{escape(form.contact_name)}*"
    if form.contact_title:
        head += f", {escape(form.contact_title)}"
    head += f" at *{escape(form.account_name)}*. The account owner decides; keep it short."
    blocks: list[dict[str, Any]] = [kit.section(head)]
    if form.notice:
        blocks.append(kit.context(f":warning: {escape(form.notice)}"))
    if form.unavailable_reason:
        blocks += [
            kit.context(f":warning: *{escape(first)} is resting:* {escape(form.unavailable_reason)}. You can still "
                        "ask; say why this deal needs them. The program managers are told."),
            kit.input_block("justification", f"Why {first}?", kit.text_input(
                p.justification, placeholder="e.g. the only reference on this core system", max_length=500,
                multiline=True), optional=False, hint="Required: this contact is resting or busy."),
        ]
    blocks += deal_blocks(form)
    activities = list(form.activities) or list(ActivityType)
    activity_initial = p.activity if p.activity in {a.value for a in activities} else activities[0].value
    needed_by = p.needed_by or form.default_needed_by or form.earliest
    topics_hint = "What the prospect wants to hear about."
    if form.contact_topics:
        topics_hint += f" {first} speaks to: {', '.join(form.contact_topics[:12])}."
    blocks += [
        kit.input_block("activity", "Activity", kit.static_select([(a.label, a.value) for a in activities],
                                                                  activity_initial, placeholder="Pick one"),
                        optional=False),
        kit.input_block(
            NEEDED_BY_BLOCK, "Needed by", kit.datepicker(needed_by.isoformat(), placeholder="Pick a date"),
            optional=False, dispatch=True,
            hint=f"Requests need {plural(form.lead_time_days, 'business day')} ({date_text(form.earliest)} or "
                 "later); an earlier date asks why it's urgent.",
        ),
    ]
    if inside_lead_time(form, needed_by) or p.urgent_reason:
        blocks.append(kit.input_block(
            "urgent_reason", "Why is this urgent?",
            kit.text_input(p.urgent_reason, placeholder="e.g. board decision on Friday", max_length=300),
            # Required for a date inside the lead time (the form refuses it without a reason): not "(optional)".
            optional=not inside_lead_time(form, needed_by), hint=f"The date is inside the lead time ({plural(form.lead_time_days, 'business day')}); "
                                "the account owner sees why."))
    blocks += [
        kit.input_block("topics", "Topics to cover", kit.text_input(p.topics, placeholder="e.g. migration, ROI",
                                                                    max_length=300), optional=True, hint=topics_hint),
        kit.input_block("note", f"Note for {first}", kit.text_input(p.note, placeholder="Who will join, what they care about",
                                                                    max_length=1000, multiline=True), optional=True),
    ]
    return kit.modal(
        "Request a reference", callback_id=REQUEST_MODAL, submit="Send request", metadata=metadata,
        blocks=blocks,
    )


@dataclass(frozen=True)
class ContactChoice:
    """One answer of the contact picker's type-ahead."""

    contact_id: int
    name: str
    title: str
    account_name: str
    state: str  # "available", "resting" or "busy"
    until: dt.date | None = None  # resting until (None: not resting, or no end in sight)


def availability_word(choice: ContactChoice) -> str:
    """'available', 'resting until 5 Jan', 'busy'."""
    if choice.state == "resting":
        return f"resting until {choice.until.day} {choice.until:%b}" if choice.until else "resting"
    return choice.state


def contact_option_list(choices: list[ContactChoice]) -> list[dict[str, Any]]:
    """Options for the contact picker: 'Dana Scully, VP Finance (Globex) · available' (at most 75 characters,
    the availability always shown)."""
    out = []
    for c in choices[:MAX_OPTIONS]:
        tail = f" · {availability_word(c)}"
        who_ = f"{c.name}, {c.title} ({c.account_name})" if c.title else f"{c.name} ({c.account_name})"
        out.append(kit.option(truncate(who_, 75 - len(tail)) + tail, str(c.contact_id)))
    return out


def pick_contact_modal(*, query: str, matches: int, metadata: str) -> dict[str, Any]:
    """`/reference request [words]` with no single match: a type-ahead over every contact (block_suggestion)."""
    if query and matches == 0:
        text = (f"No active reference contact matches *{escape(query)}*. Type another name below, or run "
                "`/reference search` to find the best fit.")
    elif query:
        text = f"{plural(matches, 'contact')} match *{escape(query)}*: type a name, title or company below to pick one."
    else:
        text = "Who should the prospect talk to? Type a name, title or company. Not sure? `/reference search` finds the best fit."
    element = {**kit.external_select(placeholder="Name, title or company", min_query_length=1),
               "action_id": PICK_ACTION}
    return kit.modal(
        "Request a reference", callback_id=PICK_MODAL, submit="Next", metadata=metadata,
        blocks=[kit.section(text),
                kit.input_block("contact", "Reference contact", element, optional=False,
                                hint="Each contact shows whether they are available, resting or busy.")],
    )


def notice_modal(title: str, text: str) -> dict[str, Any]:
    """A modal that only says something (e.g. replaces a form whose request was decided meanwhile). `text` is
    mrkdwn, like every refusal RefBot raises: user text in it is escaped where the message is made."""
    return kit.modal(title, close="Close", blocks=[kit.section(text)])


# ------------------------------------------------------------------ the account owner's side


def _summary_blocks(card: RequestCard, *, lead: str) -> list[dict[str, Any]]:
    fields = [
        f"*Deal*\n{deal_text(card)}",
        f"*Needed by*\n{date_text(card.needed_by)}",
        f"*Activity*\n{card.activity_type.label}",
    ]
    if card.topics:  # an empty field reads as a blank to fill in
        fields.append(f"*Topics*\n{truncate(topics_text(card.topics), 1900)}")
    prospect = prospect_text(card)
    if prospect:
        fields.append(f"*Prospect*\n{prospect}")
    if card.usage:
        fields.append(f"*Recent use of {escape(card.contact_name.split(' ')[0])}*\n{escape(card.usage)}")
    blocks: list[dict[str, Any]] = [kit.section(lead), kit.section(fields=fields)]
    if card.note:
        blocks.append(kit.section(f"*Note for {escape(card.contact_name)}:*\n{escape(truncate(card.note, 2500))}"))
    if card.urgent:
        blocks.append(kit.context(f":rotating_light: *Urgent:* {escape(card.urgent_reason or '')}"))
    if card.flagged:
        text = f":warning: *{escape(card.contact_name)} is resting*"
        if card.unavailable_reason:
            text += f": {escape(card.unavailable_reason)}"
        if card.justification:
            text += f"\n*Why this contact:* {escape(card.justification)}"
        blocks.append(kit.context(text))
    return blocks


def _ask_line(card: RequestCard) -> str:
    return (
        f"*<@{card.requester_id}> asks for a {card.activity_type.label.lower()}* with "
        f"*{escape(card.contact_name)}*" + (f", {escape(card.contact_title)}" if card.contact_title else "")
        + f" at *{escape(card.account_name)}*"
    )


def approval_dm(
    card: RequestCard, *, reader_tz: str | None, can_suggest: bool = True, lead: str | None = None,
    reader_id: str | None = None,
) -> tuple[str, list[dict[str, Any]]]:
    """The account owner's DM with Approve / Decline / Suggest another contact. `lead` prefixes reminders
    (and says why a program manager got it); to the owner, a line says why: they own the account."""
    top = _ask_line(card)
    if lead:
        top = f"{lead}\n{top}"
    elif reader_id is not None and reader_id == card.owner_id:
        top += (f"\nYou own {escape(card.account_name)}, so you decide: approve, decline, or suggest someone "
                "else there.")
    blocks = _summary_blocks(card, lead=top)
    buttons = [
        kit.button("Approve", APPROVE_ACTION, str(card.id), style="primary"),
        kit.button("Decline", DECLINE_ACTION, str(card.id), style="danger"),
    ]
    if can_suggest:
        buttons.append(kit.button("Suggest another contact", SUGGEST_ACTION, str(card.id)))
    blocks.append(kit.actions(*buttons, block_id=f"decide_{card.id}"))
    blocks.append(kit.context(f"Request #{card.id} · asked {slack_datetime(card.created_at, reader_tz)}"))
    text = (
        f"{_notice_prefix(lead)}<@{card.requester_id}> asks to use {escape(who(card))} for a "
        f"{card.activity_type.label.lower()}, needed by {date_text(card.needed_by)}."
    )
    return text, blocks


def _notice_prefix(lead: str | None) -> str:
    """What the notification of an approval DM starts with: "Reminder: " for a reminder, "Escalated to you: "
    for an escalation, nothing for a first ask (whatever its lead says, e.g. why a program manager decides)."""
    if lead and lead.startswith(REMINDER_MARK):
        return "Reminder: "
    if lead and lead.startswith(ESCALATION_MARK):
        return "Escalated to you: "
    return ""


def decided_dm(
    card: RequestCard, *, reader_tz: str | None, reader_id: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The approval DM after the decision: same facts, buttons replaced by who decided and when."""
    blocks = _summary_blocks(card, lead=_ask_line(card))
    line = decision_line(card, reader_tz, reader_id)
    if card.status is RequestStatus.declined and card.decline_reason and card.decline_reason != SUGGESTED_REASON:
        line += f"\n*Reason:* {escape(card.decline_reason)}"
    blocks.append(kit.section(line))
    blocks.append(kit.context(f"Request #{card.id} · asked {slack_datetime(card.created_at, reader_tz)}"))
    seller = f"<@{card.requester_id}>"
    if card.status is RequestStatus.cancelled:
        text = f"{seller} cancelled request #{card.id} for {escape(who(card))}. Nothing more to do."
    elif card.status is RequestStatus.declined and card.decline_reason == SUGGESTED_REASON:
        text = f"Request #{card.id} from {seller}: you suggested {escape(card.suggested_contact or 'another contact')}."
    else:
        text = f"Request #{card.id} from {seller}: {_STATUS_WORDS.get(card.status, 'decided')}."
    return text, blocks


_STATUS_WORDS = {RequestStatus.approved: "approved", RequestStatus.declined: "declined",
                 RequestStatus.expired: "expired: not approved by its needed-by date"}


def owner_cancelled_dm(card: RequestCard) -> tuple[str, list[dict[str, Any]]]:
    """To an approver who had no DM about the request to update (one message per event)."""
    text = f"<@{card.requester_id}> cancelled request #{card.id} for {escape(who(card))}. Nothing more to do."
    return text, [kit.section(f":no_entry_sign: <@{card.requester_id}> cancelled request #{card.id} for "
                              f"*{escape(card.contact_name)}* ({escape(card.account_name)}). Nothing more to do.")]


def owner_scheduled_dm(card: RequestCard, *, reader_tz: str | None) -> tuple[str, list[dict[str, Any]]]:
    assert card.scheduled_at is not None
    when = slack_datetime(card.scheduled_at, reader_tz)
    text = (f"<@{card.requester_id}> scheduled the {card.activity_type.label.lower()} with {escape(card.contact_name)} "
            f"for {datetime_text(card.scheduled_at, reader_tz)}.")
    return text, [kit.section(f":calendar: <@{card.requester_id}> scheduled the {card.activity_type.label.lower()} "
                           f"with *{escape(card.contact_name)}* ({escape(card.account_name)}) for {when}.")]


def seller_scheduled_dm(card: RequestCard, *, reader_tz: str | None) -> tuple[str, list[dict[str, Any]]]:
    assert card.scheduled_at is not None
    text = (f"Request #{card.id}: {card.activity_type.label.lower()} with {escape(card.contact_name)} scheduled for "
            f"{datetime_text(card.scheduled_at, reader_tz)}. I'll ask for your debrief afterwards.")
    return text, [kit.section(f":calendar: *Scheduled:* {card.activity_type.label.lower()} with "
                           f"*{escape(card.contact_name)}* ({escape(card.account_name)}) on "
                           f"{slack_datetime(card.scheduled_at, reader_tz)}. I'll ask for your debrief afterwards."),
                  kit.context(f"Request #{card.id} · changed plans? Use *Reschedule* in `/reference my`.")]


def flagged_dm(card: RequestCard, *, can_decide: bool = True,
               reader_tz: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """To a program manager: a request for a resting or busy contact, with Open / Approve / Decline while it
    waits (`can_decide` False for the program manager who asked: never the requester). After the decision the
    buttons give way to who decided (approvals.update_button_dms)."""
    approver = f"<@{card.owner_id}> (the account owner) or a program manager" if card.owner_id else "a program manager"
    text = f"Flagged: <@{card.requester_id}> asked for {escape(who(card))}, who is resting."
    lines = [
        f":warning: *Flagged request #{card.id}:* <@{card.requester_id}> asked for *{escape(card.contact_name)}* "
        f"({escape(card.account_name)}), who is resting: {escape(card.unavailable_reason or 'over the limit')}.",
        f"*Why this contact:* {escape(card.justification or '—')}",
        f"Deal: {deal_text(card)} · needed by {date_text(card.needed_by)} · {approver} decides.",
    ]
    blocks = [kit.section("\n".join(lines))]
    if card.status is not RequestStatus.pending_approval:
        blocks.append(kit.context(decision_line(card, reader_tz)))
    elif can_decide:
        blocks.append(kit.context("You get this because you run the reference program: look closer, or decide "
                                  "here if the owner can't."))
        blocks.append(kit.actions(
            kit.button("Open", OPEN_ACTION, str(card.id)),
            kit.button("Approve", APPROVE_ACTION, str(card.id), style="primary"),
            kit.button("Decline", DECLINE_ACTION, str(card.id), style="danger"),
            block_id=f"flagged_{card.id}"))
    else:
        blocks.append(kit.context("You asked for it, so the account owner or another program manager decides."))
    return text, blocks


def details_modal(card: RequestCard, *, reader_tz: str | None, can_decide: bool) -> dict[str, Any]:
    """A request's facts (no contact details), opened from a flagged request's *Open* button; who decides."""
    blocks = _summary_blocks(card, lead=_ask_line(card))
    if card.status is RequestStatus.pending_approval:
        note = ("Approve or Decline from the message or your Home tab." if can_decide
                else "You can't decide this one: " + next_step(card) + ".")
        blocks.append(kit.context(f"Waiting since {slack_datetime(card.created_at, reader_tz)}. {note}"))
    else:
        blocks.append(kit.context(decision_line(card, reader_tz)))
    return kit.modal(f"Request #{card.id}", blocks, close="Close")


# ------------------------------------------------------------------ the seller's side


def answer_time_text(hours: float | None, *, sla_hours: int) -> str:
    """'usually answers within about 3 hours' (the approver's median), else the reminder SLA."""
    if hours is None:
        return f"I'll remind them if there's no answer within {plural(sla_hours, 'hour')}"
    if hours < 1:
        return "they usually answer within the hour"
    if hours < 36:
        return f"they usually answer within about {plural(round(hours), 'hour')}"
    return f"they usually answer within about {plural(round(hours / 24), 'day')}"


def seller_created_dm(
    card: RequestCard, *, approvers: list[str], usual_hours: float | None = None, sla_hours: int = 24
) -> tuple[str, list[dict[str, Any]]]:
    """The seller's confirmation: what was sent, who decides (and why them), when to expect the answer."""
    names = " or ".join(f"<@{a}>" for a in approvers) or "a program manager"
    role = "the account owner" if approvers == [card.owner_id] else "a program manager"
    lines = [
        f":outbox_tray: *Request #{card.id} sent:* {escape(who(card))} for {deal_text(card)}, "
        f"needed by {date_text(card.needed_by)}.",
        f"*{card.status.label}:* {names} ({role}) decides; {answer_time_text(usual_hours, sla_hours=sla_hours)}. "
        "I'll DM you the answer.",
    ]
    if card.urgent:
        lines.append(":rotating_light: Marked urgent.")
    if card.flagged:
        lines.append(f":warning: {escape(card.contact_name)} is resting, so the program managers were told.")
    text = f"Request #{card.id} sent: {escape(who(card))}, waiting for approval."
    return text, [kit.section("\n".join(lines)), kit.context("`/reference my` lists your requests; you can cancel there.")]


def _seller_button(card: RequestCard, text: str, action_id: str) -> dict[str, Any]:
    """The one next step under a seller's DM."""
    return kit.actions(kit.button(text, action_id, str(card.id), style="primary"), block_id=f"seller_{card.id}")


def _contact_timezone(details: ContactDetails, now: dt.datetime | None) -> str:
    """The contact's zone as people say it, with their time: "New York time (now 04:00)", 24-hour like every
    time the app shows. A name that is no known zone is shown as given."""
    if not details.timezone:
        return "unknown"
    tz = find_zone(details.timezone)
    if tz is None:
        return escape(details.timezone)
    label = escape(zone_label(details.timezone))
    if now is None:
        return label
    return f"{label} (now {now.astimezone(tz):%H:%M})"


def seller_approved_dm(
    card: RequestCard, details: ContactDetails, *, now: dt.datetime | None = None, reader_tz: str | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The first message that reveals the contact's email and phone, with the next steps. Once the call is
    scheduled (the message is edited then), *Mark scheduled* gives way to when it is."""
    first = details.name.split(" ")[0] if details.name else "them"
    by = f"<@{card.decided_by}>" if card.decided_by else "The account owner"
    email = f"<mailto:{details.email}|{escape(details.email)}>" if details.email else "—"
    fields = [
        f"*Name*\n{escape(details.name)}",
        f"*Title*\n{escape(details.title) or '—'}",
        f"*Email*\n{email}",
        f"*Phone*\n{escape(details.phone) or '—'}",
        f"*Timezone*\n{_contact_timezone(details, now)}",
        f"*Needed by*\n{date_text(card.needed_by)}",
    ]
    steps = (
        f"*Next:* email {escape(first)} to propose times (copy {by}), brief your prospect, then click "
        "*Mark scheduled*. I'll ask for your debrief after the call."
    )
    blocks = [
        kit.section(f":white_check_mark: {by} *approved request #{card.id}*: you can contact "
                 f"*{escape(details.name)}* at {escape(card.account_name)} for {escape(card.prospect_company)}."),
        kit.section(fields=fields),
    ]
    if card.scheduled_at is not None and card.status is not RequestStatus.approved:
        blocks.append(kit.section(
            f":calendar: *Scheduled* for {slack_datetime(card.scheduled_at, reader_tz)}. I'll ask for your debrief "
            "after the call. Changed plans? *Reschedule* in `/reference my`."))
    else:
        blocks += [kit.section(steps), _seller_button(card, "Mark scheduled", MARK_SCHEDULED_ACTION)]
    text = f"Request #{card.id} approved: contact {escape(details.name)} ({escape(details.email or 'no email on file')})."
    return text, blocks


def seller_declined_dm(card: RequestCard) -> tuple[str, list[dict[str, Any]]]:
    by = f"<@{card.decided_by}>" if card.decided_by else "The account owner"
    text = f"Request #{card.id} for {escape(who(card))} was declined: {escape(card.decline_reason or 'no reason given')}."
    blocks = [
        kit.section(f":x: {by} *declined request #{card.id}* ({escape(card.contact_name)}, "
                 f"{escape(card.account_name)}).\n*Reason:* {escape(card.decline_reason or 'none given')}"),
        _seller_button(card, "Search again", SEARCH_AGAIN_ACTION),
    ]
    return text, blocks


def seller_suggested_dm(old: RequestCard, new: RequestCard, *, reason: str,
                        answer_by: dt.date | None = None) -> tuple[str, list[dict[str, Any]]]:
    """The owner answered with another contact, approved by their click: the seller takes them or passes
    (by `answer_by`, after which the suggestion lapses)."""
    by = f"<@{old.decided_by}>" if old.decided_by else "The account owner"
    first = new.contact_name.split(" ")[0] if new.contact_name else "them"
    lines = [
        f":twisted_rightwards_arrows: {by} suggests *{escape(new.contact_name)}*"
        + (f" ({escape(new.contact_title)})" if new.contact_title else "")
        + f" instead of {escape(old.contact_name)} for your {new.activity_type.label.lower()} with "
        f"{escape(new.prospect_company)} (request #{old.id}), and has approved them.",
    ]
    if reason:
        lines.append(f"*Why:* {escape(reason)}")
    by_when = f" by {date_text(answer_by)} (then the suggestion lapses)" if answer_by else ""
    lines.append(f"*Next:* take {escape(first)} to get their contact details, or pass{by_when}.")
    blocks = [
        kit.section("\n".join(lines)),
        kit.actions(kit.button(f"Take {truncate(first, 60)}", TAKE_SUGGESTION_ACTION, str(new.id), style="primary"),
                    kit.button("No thanks", PASS_SUGGESTION_ACTION, str(new.id)), block_id=f"suggested_{new.id}"),
        kit.context(f"You asked for {escape(old.contact_name)} at {escape(old.account_name)} (request #{old.id}); "
                    f"this suggestion is request #{new.id}."),
    ]
    text = (f"Request #{old.id}: {by} suggests {escape(new.contact_name)} instead of {escape(old.contact_name)}. "
            "Take them or pass.")
    return text, blocks


def seller_passed_dm(card: RequestCard) -> tuple[str, list[dict[str, Any]]]:
    """The suggestion DM after the seller passed on it."""
    text = f"You passed on {escape(card.contact_name)} (request #{card.id}); the account owner was told."
    return text, [kit.section(f":heavy_minus_sign: {text} Try another reference:"),
                  _seller_button(card, "Search again", SEARCH_AGAIN_ACTION)]


def seller_suggestion_lapsed_dm(card: RequestCard, *, answer_by: dt.date,
                                edit: bool = False) -> tuple[str, list[dict[str, Any]]]:
    """An owner's suggestion the seller didn't take by `answer_by`: it lapsed. The new DM says so with Search
    again; `edit`: the suggestion DM itself, which loses its Take / No thanks buttons."""
    by = f"<@{card.owner_id}>" if card.owner_id else "The account owner"  # who suggested (and owns the account)
    what = (f"{by}'s suggestion of {escape(card.contact_name)} ({escape(card.account_name)}, request #{card.id}) "
            f"lapsed: you didn't take them by {date_text(answer_by)}.")
    if edit:
        return what, [kit.section(f":hourglass: {what}")]
    text = f"{what} Search again to find another reference."
    return text, [kit.section(f":hourglass: {what}\n*Next:* search again with the same criteria, or ask for "
                              "them again with `/reference request`."),
                  _seller_button(card, "Search again", SEARCH_AGAIN_ACTION)]


def seller_reminded_dm(card: RequestCard, *, hours: int) -> tuple[str, list[dict[str, Any]]]:
    """Built from escaped parts (the mention stays a mention): nothing for the seller to do yet."""
    approver = f"<@{card.owner_id}>" if card.owner_id else "the program managers"
    text = (f"Request #{card.id} ({escape(card.contact_name)}) is still waiting for approval after "
            f"{plural(hours, 'hour')}; I reminded {approver}. Nothing for you to do yet.")
    return text, [kit.section(f":hourglass_flowing_sand: {text}")]


def seller_escalated_dm(card: RequestCard, *, hours: int) -> tuple[str, list[dict[str, Any]]]:
    text = (f"Request #{card.id} ({escape(card.contact_name)}) has waited {plural(hours, 'hour')} for approval, so I "
            "asked the program managers to step in. Nothing for you to do yet.")
    return text, [kit.section(f":rotating_light: {text}")]


def seller_expired_dm(card: RequestCard) -> tuple[str, list[dict[str, Any]]]:
    text = (f"Request #{card.id} for {escape(who(card))} expired: it wasn't approved by its needed-by date "
            f"({date_text(card.needed_by)}).")
    blocks = [
        kit.section(f":hourglass: {text}"),
        _seller_button(card, "Search again", SEARCH_AGAIN_ACTION),
    ]
    return text, blocks


REMINDER_MARK = ":alarm_clock: *Reminder:*"
ESCALATION_MARK = ":rotating_light: *Escalated to you:*"


def escalation_lead(card: RequestCard, *, hours: int) -> str:
    owner = f"<@{card.owner_id}>" if card.owner_id else "Nobody"
    return (f"{ESCALATION_MARK} {owner} hasn't answered in {plural(hours, 'hour')}. "
            "As a program manager you can decide.")


def reminder_lead(*, hours: int) -> str:
    return f"{REMINDER_MARK} this request has waited {plural(hours, 'hour')} for your answer."


# ------------------------------------------------------------------ /reference my


def _my_line(card: RequestCard, reader_tz: str | None) -> str:
    line = (f"*#{card.id} {escape(card.contact_name)}* ({escape(card.account_name)}) for "
            f"{escape(card.prospect_company)} · {card.status.label}")
    if card.status is RequestStatus.scheduled and card.scheduled_at:
        line += f" for {slack_datetime(card.scheduled_at, reader_tz)}"
    else:
        line += f" · needed by {date_text(card.needed_by)}"
    step = next_step(card)
    if step:
        line += f"\n_Next:_ {step}"
    return line


def my_requests_message(
    open_cards: list[RequestCard], closed_cards: list[RequestCard], *, reader_tz: str | None, notice: str = ""
) -> tuple[str, list[dict[str, Any]]]:
    """The seller's requests: open ones first (with Cancel), then the most recent closed ones. `notice`
    (e.g. "Request #12 cancelled") goes on top."""
    top = [kit.context(notice)] if notice else []
    if not open_cards and not closed_cards:
        text = "You have no reference requests yet. Find a reference with `/reference search`."
        return text, [*top, kit.section(text)]
    blocks: list[dict[str, Any]] = [
        *top,
        kit.header("Your reference requests"),
        kit.context(f"{plural(len(open_cards), 'open request') if open_cards else 'No open requests'} · "
                    f"{plural(len(closed_cards), 'recent closed one')}"),
    ]
    for card in open_cards[:MAX_OPEN_LISTED]:
        blocks.append(kit.section(_my_line(card, reader_tz), block_id=f"my_{card.id}"))
        buttons = []
        if card.status in (RequestStatus.approved, RequestStatus.scheduled) and not card.awaiting_seller:
            label = "Mark scheduled" if card.status is RequestStatus.approved else "Reschedule"
            buttons.append(kit.button(label, MARK_SCHEDULED_ACTION, str(card.id)))
        confirm = kit.confirm_dialog(
            "Cancel this request?",
            f"Request #{card.id} for {card.contact_name} will be cancelled and the owner told.",
            confirm="Cancel request",
            deny="Keep it",
        )
        buttons.append(kit.button("Cancel request", CANCEL_ACTION, str(card.id), style="danger", confirm=confirm))
        blocks.append(kit.actions(*buttons, block_id=f"my_actions_{card.id}"))
    if len(open_cards) > MAX_OPEN_LISTED:
        blocks.append(kit.context(f"…and {plural(len(open_cards) - MAX_OPEN_LISTED, 'more open request')}."))
    if closed_cards:
        blocks.append(kit.divider())
        lines = []
        passed = {c.id for c in closed_cards if c.suggestion_answer == "passed"}
        for card in closed_cards:
            lines.append(f"#{card.id} {escape(card.contact_name)} ({escape(card.account_name)}) · "
                         + _closed_outcome(card, passed_from=card.suggested_from_id in passed))
        blocks.append(kit.section("*Recently closed*\n" + "\n".join(lines)))
    text = f"Your reference requests: {plural(len(open_cards), 'open request') if open_cards else 'none open'}."
    return text, blocks


def _closed_outcome(card: RequestCard, *, passed_from: bool) -> str:
    """How a closed request ended, in the seller's words: an owner's suggestion is not a plain "Declined", and
    the suggestion the seller passed on is not "Cancelled"."""
    if card.status is RequestStatus.declined and card.decline_reason == SUGGESTED_REASON:
        instead = escape(card.suggested_contact) if card.suggested_contact else "another contact"
        answer = {"taken": "; you took them", "passed": "; you passed",
                  "lapsed": "; the suggestion lapsed"}.get(card.suggestion_answer, "")
        return f"the owner suggested {instead} instead{answer}"
    if card.status is RequestStatus.cancelled and passed_from:
        return "you passed on this suggestion"
    if card.status is RequestStatus.expired and card.suggested_from_id is not None:
        return "this suggestion lapsed: not taken in time"
    out = card.status.label
    if card.status is RequestStatus.declined and card.decline_reason:
        out += f": {escape(truncate(card.decline_reason, 80))}"
    return out


# ------------------------------------------------------------------ decline / suggest / schedule modals


def decline_modal(card: RequestCard, *, metadata: str) -> dict[str, Any]:
    return kit.modal(
        "Decline request", callback_id=DECLINE_MODAL, submit="Decline", close="Back", metadata=metadata,
        blocks=[
            kit.section(f"Decline <@{card.requester_id}>'s request #{card.id} for *{escape(card.contact_name)}*?"),
            kit.input_block("reason", "Reason for the seller", kit.text_input(
                "", placeholder="e.g. Dana is on leave until January", max_length=500, multiline=True),
                optional=False, hint="The seller sees this, with a button to search again."),
        ],
    )


def suggest_modal(card: RequestCard, options: list[tuple[str, str]], *, metadata: str) -> dict[str, Any]:
    """`options` = [(label, contact id)] of the account's other active contacts."""
    return kit.modal(
        "Suggest a contact", callback_id=SUGGEST_MODAL, submit="Suggest", close="Back", metadata=metadata,
        blocks=[
            kit.section(f"Suggest someone else at *{escape(card.account_name)}* instead of "
                     f"*{escape(card.contact_name)}*. Your suggestion counts as your approval: "
                     f"<@{card.requester_id}> takes them (and gets their details) or passes."),
            kit.input_block("contact", "Contact", kit.static_select(options, placeholder="Pick a contact"), optional=False),
            kit.input_block("reason", "Why them?", kit.text_input("", placeholder="e.g. ran the migration themselves",
                                                        max_length=500, multiline=True), optional=True),
        ],
    )


def schedule_modal(
    card: RequestCard, *, metadata: str, reader_tz: str, initial: dt.datetime | None = None
) -> dict[str, Any]:
    """Date and time of the call, in the seller's own timezone."""
    start = initial.astimezone(zone(reader_tz)) if initial else None
    day = start.date() if start else card.needed_by
    time = f"{start:%H:%M}" if start else "10:00"
    return kit.modal(
        "Mark scheduled", callback_id=SCHEDULE_MODAL, submit="Save", metadata=metadata,
        blocks=[
            kit.section(f"When is the {card.activity_type.label.lower()} with *{escape(card.contact_name)}*?"),
            kit.input_block("date", "Date", kit.datepicker(day.isoformat()), optional=False),
            kit.input_block("time", "Time", kit.timepicker(time), optional=False,
                   hint=f"In your timezone ({reader_tz})."),
        ],
    )
