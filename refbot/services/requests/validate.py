"""Checking the request form against the policies (lead time, sales stage, fatigue, field limits)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from refbot.blocks.format import date_text, plural
from refbot.blocks.kit import escape
from refbot.blocks.requests import RequestDraft
from refbot.domain import (
    MAX_EMPLOYEES,
    SALES_STAGES,
    STAGE_LABELS,
    AccountStatus,
    ActivityType,
    ContactStatus,
    parse_quantity,
)
from refbot.errors import NotAllowed, NotFound, ValidationFailed
from refbot.geo import resolve_country
from refbot.models import Contact
from refbot.services.availability import Availability, contact_availability
from refbot.services.policy import load_policy
from refbot.services.requests.approvals import require_second_person
from refbot.services.requests.deals import crm_id_problem, picked_deal
from refbot.services.requests.env import LIMITS, MAX_TOPICS, RequestEnv, first_name


def business_days_between(start: dt.date, end: dt.date) -> int:
    """Weekdays d with start < d <= end (0 when end <= start)."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for i in range(1, rest + 1):
        if (start + dt.timedelta(days=weeks * 7 + i)).weekday() < 5:
            count += 1
    return count


def add_business_days(start: dt.date, n: int) -> dt.date:
    day = start
    while n > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def parse_topics(text: str) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for part in re.split(r"[,;\n]+", text or ""):
        topic = part.strip()
        if topic and topic.lower() not in seen:
            seen.add(topic.lower())
            out.append(topic[:60])
    return out[:MAX_TOPICS]


@dataclass(frozen=True)
class RequestInput(RequestDraft):
    """What the seller typed, unparsed. `justification` is None when the form did not ask for it."""

    urgent: bool | None = False  # None (the form): urgent when the date is inside the lead time, with a reason
    justification: str | None = None
    deal_id: str | None = None  # with a CRM connected: the picked deal (its facts replace the typed ones)


@dataclass(frozen=True)
class ValidRequest:
    prospect_company: str
    crm_id: str | None
    stage: str
    amount: int | None
    industry: str | None
    employees: int | None
    country: str | None
    activity: ActivityType
    needed_by: dt.date
    topics: list[str]
    note: str
    urgent: bool
    urgent_reason: str | None
    justification: str | None
    availability: Availability


def requestable_contact(*, session: Session, contact_id: int) -> Contact:
    """The contact, if it can be requested now (active contact of an active account)."""
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound("That reference contact doesn't exist (anymore). Run `/reference search` again.")
    if contact.status != ContactStatus.active:
        state = str(contact.status).replace("_", " ")
        raise NotAllowed(f"{escape(contact.name)} isn't available for references ({state}). Try another contact.")
    if contact.account.status != AccountStatus.active:
        raise NotAllowed(
            f"{escape(contact.account.name)} isn't taking reference requests right now ({contact.account.status}). "
            "Try another customer."
        )
    return contact


# The form fields a picked CRM deal fills; their errors show on the deal picker.
DEAL_FIELDS = ("prospect", "crm_id", "stage", "amount", "industry", "employees", "country")


def validate_request(
    *, session: Session, env: RequestEnv, requester_id: str, contact_id: int, data: RequestInput
) -> ValidRequest:
    """Check the form; with a CRM connected, the deal's facts come from the picked CRM deal (stage through
    the stage mapping), and problems with them show on the deal picker (`deal`)."""
    if not env.settings.crm_enabled:
        return _validate(session=session, env=env, requester_id=requester_id, contact_id=contact_id, data=data)
    opp, problem = picked_deal(session=session, seller_id=requester_id, deal_id=data.deal_id)
    if opp is not None:
        if opp.stage is None:
            problem = (f"Its Salesforce stage '{opp.crm_stage or 'none'}' has no RefBot stage yet: ask a program "
                       "manager to map it (refbot crm mapping set).")
        data = replace(data, prospect_company=opp.prospect_company, crm_id=opp.crm_id or "", stage=opp.stage,
                       amount=str(opp.amount) if opp.amount is not None else "", industry=opp.industry or "",
                       employees=str(opp.employees) if opp.employees is not None else "",
                       country=opp.country or "")
    try:
        valid = _validate(session=session, env=env, requester_id=requester_id, contact_id=contact_id, data=data)
    except ValidationFailed as exc:
        errors = {k: v for k, v in exc.field_errors.items() if k not in DEAL_FIELDS}
        deal_errors = [v for k, v in exc.field_errors.items() if k in DEAL_FIELDS]
        if problem or deal_errors:
            errors["deal"] = problem or deal_errors[0]
        raise ValidationFailed(exc.message, errors) from None
    if problem:
        raise ValidationFailed(problem, {"deal": problem})
    return valid


def _validate(
    *, session: Session, env: RequestEnv, requester_id: str, contact_id: int, data: RequestInput
) -> ValidRequest:
    """Check the form against the policies. Raises ValidationFailed with errors keyed by form field
    (prospect, crm_id, stage, amount, industry, employees, country, activity, needed_by, urgent_reason,
    topics, note, justification), or NotFound/NotAllowed when the contact can't be requested."""
    contact = requestable_contact(session=session, contact_id=contact_id)
    require_second_person(session=session, env=env, account=contact.account, requester_id=requester_id)
    policy = load_policy(session=session)
    today = env.today(session, requester_id)
    errors: dict[str, str] = {}

    def text(field: str, value: str | None) -> str:
        value = (value or "").strip()
        if len(value) > LIMITS[field]:
            errors[field] = f"Keep it under {LIMITS[field]:,} characters (now {len(value):,})."
        return value

    prospect = text("prospect", data.prospect_company)
    if not prospect and "prospect" not in errors:
        errors["prospect"] = "Which company is the prospect?"
    crm_id = text("crm_id", data.crm_id) or None
    if crm_id and "crm_id" not in errors:
        problem = crm_id_problem(session=session, crm_id=crm_id, seller_id=requester_id)
        if problem:
            errors["crm_id"] = problem
    industry = text("industry", data.industry) or None
    topics_raw = text("topics", data.topics)
    note = text("note", data.note)
    urgent_reason = text("urgent_reason", data.urgent_reason) or None
    justification = text("justification", data.justification) or None

    stage = (data.stage or "").strip().lower()
    if stage not in SALES_STAGES:
        errors["stage"] = "Pick the deal's sales stage."
    elif SALES_STAGES.index(stage) < SALES_STAGES.index(policy.min_stage):
        need = STAGE_LABELS[policy.min_stage]
        errors["stage"] = (
            f"References start at {need}: customers give their time to qualified deals. This deal is at "
            f"{STAGE_LABELS[stage]}; ask again once it reaches {need}."
        )

    amount = employees = None
    for field, raw in (("amount", data.amount), ("employees", data.employees)):
        if raw and raw.strip():
            try:
                value = parse_quantity(raw)
            except ValueError as exc:
                errors[field] = str(exc)[:150]
                continue
            if field == "amount":
                amount = value
            elif value > MAX_EMPLOYEES:
                errors[field] = f"'{raw.strip()[:40]}' is more employees than any company has."
            else:
                employees = value

    country = None
    if data.country and data.country.strip():
        country = resolve_country(data.country)
        if country is None:
            errors["country"] = f"I don't know the country '{data.country.strip()[:40]}'. Try e.g. Germany or DE."

    activity: ActivityType | None = None
    try:
        activity = ActivityType(data.activity) if data.activity else None
    except ValueError:
        activity = None
    agreed = [a for a in (contact.activities or ()) if a in ActivityType.__members__]
    if activity is None:
        errors["activity"] = "Pick an activity."
    elif agreed and activity.value not in agreed:
        labels = ", ".join(ActivityType(a).label.lower() for a in agreed)
        errors["activity"] = f"{first_name(contact.name)} agreed to: {labels}."

    urgent = bool(data.urgent)
    needed_by = data.needed_by
    lead = policy.lead_time_business_days
    if needed_by is None:
        errors["needed_by"] = "By when do you need it?"
    elif needed_by < today:
        errors["needed_by"] = "That date has passed. Pick today or later."
    else:
        have = business_days_between(today, needed_by)
        inside = have < lead
        if data.urgent is None:  # one question: a date inside the lead time asks why it's urgent
            urgent = inside
        if inside and not urgent:
            earliest = add_business_days(today, lead)
            errors["needed_by"] = (
                f"That's {plural(have, 'business day')} away; requests need {plural(lead, 'business day')} "
                f"({date_text(earliest)} or later). If it can't wait, tick Urgent and say why."
            )
        elif inside and data.urgent is None and not urgent_reason and "urgent_reason" not in errors:
            errors["urgent_reason"] = (
                f"That's {plural(have, 'business day')} away, inside the lead time ({plural(lead, 'business day')}): "
                f"say why it's urgent (the account owner sees it), or pick {date_text(add_business_days(today, lead))} "
                "or later."
            )
    if data.urgent and not urgent_reason and "urgent_reason" not in errors:
        errors["urgent_reason"] = "Say why it's urgent: the account owner sees it."

    avail = contact_availability(session=session, contact_id=contact_id, today=today, policy=policy)
    if not avail.available and not justification and "justification" not in errors:
        errors["justification"] = (
            f"{first_name(contact.name)} is not free right now: {avail.reason()}. Say why this deal needs them."
        )
    if errors:
        raise ValidationFailed("Please fix the highlighted fields.", errors)
    assert activity is not None and needed_by is not None
    return ValidRequest(
        prospect_company=prospect,
        crm_id=crm_id,
        stage=stage,
        amount=amount,
        industry=industry,
        employees=employees,
        country=country,
        activity=activity,
        needed_by=needed_by,
        topics=parse_topics(topics_raw),
        note=note,
        urgent=urgent,
        urgent_reason=urgent_reason if urgent else None,
        justification=justification if not avail.available else None,
        availability=avail,
    )


# ------------------------------------------------------------------ opportunity
