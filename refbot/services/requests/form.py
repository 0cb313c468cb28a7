"""What the request modal shows: the contact, the earliest date, and what to prefill."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from sqlalchemy.orm import Session

from refbot.blocks import requests as blocks
from refbot.domain import SALES_STAGES, ActivityType
from refbot.geo import country_name
from refbot.models import SearchLog
from refbot.services.availability import contact_availability
from refbot.services.policy import load_policy
from refbot.services.requests.env import RequestEnv
from refbot.services.requests.validate import RequestInput, add_business_days, requestable_contact

DEFAULT_NEEDED_BY_BUSINESS_DAYS = 10  # the form suggests about two weeks out, not the earliest legal date


def request_form(
    *,
    session: Session,
    env: RequestEnv,
    requester_id: str,
    contact_id: int,
    search_id: int | None = None,
    prefill: blocks.RequestPrefill | None = None,
    notice: str = "",
    show_details: bool = False,
) -> blocks.RequestForm:
    """What the request modal shows for `contact_id`, prefilled from the search `search_id`."""
    contact = requestable_contact(session=session, contact_id=contact_id)
    policy = load_policy(session=session)
    today = env.today(session, requester_id)
    avail = contact_availability(session=session, contact_id=contact_id, today=today, policy=policy)
    if prefill is None:
        prefill = prefill_from_search(session=session, search_id=search_id)
    earliest = add_business_days(today, policy.lead_time_business_days)
    activities = []
    for value in contact.activities or ():
        try:
            activities.append(ActivityType(value))
        except ValueError:
            continue
    return blocks.RequestForm(
        contact_name=contact.name,
        contact_title=contact.title or "",
        account_name=contact.account.name,
        earliest=earliest,
        default_needed_by=max(earliest, add_business_days(today, DEFAULT_NEEDED_BY_BUSINESS_DAYS)),
        stages=SALES_STAGES[SALES_STAGES.index(policy.min_stage):] if policy.min_stage in SALES_STAGES else SALES_STAGES,
        show_details=show_details,
        lead_time_days=policy.lead_time_business_days,
        min_stage=policy.min_stage,
        unavailable_reason="" if avail.available else avail.reason(),
        activities=tuple(activities),
        contact_topics=tuple(contact.topics or ()),
        prefill=prefill,
        notice=notice,
        crm_deals=env.settings.crm_enabled,
    )


def prefill_from_search(*, session: Session, search_id: int | None) -> blocks.RequestPrefill:
    if search_id is None:
        return blocks.RequestPrefill()
    entry = session.get(SearchLog, search_id)
    if entry is None:
        return blocks.RequestPrefill()
    c: dict[str, Any] = entry.criteria or {}
    employees = c.get("employees")
    topics = c.get("topics") or []
    return blocks.RequestPrefill(
        industry=str(c.get("industry") or ""),
        employees=f"{int(employees):,}" if isinstance(employees, int | float) else "",
        country=country_name(c.get("country")) if c.get("country") else "",
        activity=str(c["activity"]) if c.get("activity") else None,
        topics=", ".join(str(t) for t in topics) if isinstance(topics, list) else "",
    )


def prefill_from_input(data: RequestInput) -> blocks.RequestPrefill:
    """Redisplay what the seller typed (when the form has to be shown again)."""
    typed = {f.name: getattr(data, f.name) for f in fields(blocks.RequestDraft)}
    return blocks.RequestPrefill(**typed, urgent=bool(data.urgent), justification=data.justification or "")
