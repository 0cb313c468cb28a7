"""Reference requests: create (with policy checks and the opportunity upsert), approve, decline,
suggest another contact, cancel, mark scheduled, and the approval SLA (remind, escalate, expire).

Every state change goes through `lifecycle.transition` (one guarded UPDATE + an audit event) and the
Slack messages it causes are queued in the same transaction (outbox), with these keys:

    request:{id}:created:seller            seller's confirmation
    request:{id}:approval_dm[:...]         every DM with decision buttons (owner, admins, reminders,
                                           escalations); all are updated in place after the decision
                                           with key "<that key>:update:<status>"
    request:{id}:flagged:{pm}              resting/busy contact, to each program manager
    request:{id}:approved:seller           contact details (the first time they are shown)
    request:{id}:declined:seller / :suggested:seller / :expired:seller / :reminded:seller / :escalated:seller
    request:{id}:cancelled:owner           the approver learns the seller cancelled
    request:{id}:scheduled:{epoch}:owner   the approver learns when the call is

So a double click, a redelivered payload or two people clicking at once change the request once and
send each message once.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from refbot.blocks import requests as blocks
from refbot.blocks.format import date_text, plural
from refbot.config import CoreSettings
from refbot.domain import (
    MAX_EMPLOYEES,
    OPEN_REQUEST_STATUSES,
    SALES_STAGES,
    STAGE_LABELS,
    AccountStatus,
    ActivityType,
    ContactStatus,
    OpportunityOutcome,
    RequestStatus,
    parse_quantity,
)
from refbot.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from refbot.geo import country_name, resolve_country
from refbot.models import (
    Account,
    Contact,
    CrmTeamMember,
    CrmUser,
    Opportunity,
    OutboxMessage,
    ReferenceRequest,
    RequestEvent,
    SearchLog,
)
from refbot.services import lifecycle, users
from refbot.services.availability import Availability, contact_availability
from refbot.services.outbox import enqueue
from refbot.services.policy import Policy, load_policy

if TYPE_CHECKING:
    from slack_sdk import WebClient

    from refbot.context import AppContext

S = RequestStatus
SUGGESTED_REASON = blocks.SUGGESTED_REASON
SCHEDULE_PAST_LIMIT = dt.timedelta(days=7)
MAX_TOPICS = 10

# Maximum lengths of free-text fields (the modal enforces them too).
LIMITS = {
    "prospect": 200,
    "crm_id": 100,
    "industry": 100,
    "topics": 300,
    "note": 1000,
    "urgent_reason": 300,
    "justification": 500,
    "reason": 500,
}


# ------------------------------------------------------------------ environment


@dataclass
class RequestEnv:
    """What request use cases need besides the session: settings (admins, timezone), the Slack client
    for profile lookups (None offline and in unit tests), and the current time."""

    settings: CoreSettings
    client: WebClient | None
    now: dt.datetime

    @classmethod
    def from_ctx(cls, ctx: AppContext) -> RequestEnv:
        return cls(settings=ctx.settings, client=ctx.client, now=ctx.clock.now())

    def tz(self, session: Session, user_id: str) -> str:
        return users.user_tz(
            session=session, client=self.client, slack_id=user_id, default=self.settings.refbot_timezone
        )

    def today(self, session: Session, user_id: str | None = None) -> dt.date:
        """Today in `user_id`'s timezone (the program's when None)."""
        tz_name = self.tz(session, user_id) if user_id else self.settings.refbot_timezone
        try:
            return self.now.astimezone(zoneinfo.ZoneInfo(tz_name)).date()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return self.now.astimezone(self.settings.tz).date()

    def is_admin(self, session: Session, user_id: str) -> bool:
        return users.is_admin(settings=self.settings, session=session, client=self.client, slack_id=user_id)  # type: ignore[arg-type]

    def admins(self, session: Session) -> list[str]:
        return users.admin_ids(settings=self.settings, session=session, client=self.client)  # type: ignore[arg-type]


# ------------------------------------------------------------------ small helpers


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


def _first(name: str) -> str:
    return name.split(" ")[0] if name else "They"


def get_request(*, session: Session, request_id: int) -> ReferenceRequest:
    request = session.get(ReferenceRequest, request_id)
    if request is None:
        raise NotFound(f"Request #{request_id} doesn't exist (anymore).")
    return request


def contact_details(contact: Contact) -> blocks.ContactDetails:
    return blocks.ContactDetails(
        name=contact.name, title=contact.title or "", email=contact.email, phone=contact.phone,
        timezone=contact.timezone,
    )


def card_of(
    *, session: Session, request: ReferenceRequest, today: dt.date | None = None, policy: Policy | None = None
) -> blocks.RequestCard:
    """Everything messages may show about a request (no contact email/phone). With `today`, includes the
    contact's recent use and, for flagged requests, why the contact is resting."""
    contact, account, opp = request.contact, request.account, request.opportunity
    usage = reason = ""
    if today is not None:
        avail = contact_availability(
            session=session, contact_id=contact.id, today=today, policy=policy, exclude_request_id=request.id
        )
        usage = avail.usage_text()
        reason = avail.reason()
    if request.flagged and not reason:
        created = session.scalar(
            sa.select(RequestEvent.detail).where(RequestEvent.request_id == request.id,
                                                 RequestEvent.action == "created")
        )
        reason = str((created or {}).get("unavailable", ""))
    return blocks.RequestCard(
        id=request.id,
        status=S(request.status),
        requester_id=request.requester_id,
        owner_id=request.owner_id,
        contact_name=contact.name,
        contact_title=contact.title or "",
        account_name=account.name,
        prospect_company=opp.prospect_company,
        activity_type=ActivityType(request.activity_type),
        needed_by=request.needed_by,
        created_at=request.created_at,
        stage=opp.stage,
        amount=opp.amount,
        crm_id=opp.crm_id,
        industry=opp.industry,
        employees=opp.employees,
        country=opp.country,
        topics=tuple(request.topics or ()),
        note=request.note or "",
        urgent=request.urgent,
        urgent_reason=request.urgent_reason,
        justification=request.justification,
        flagged=request.flagged,
        decided_by=_closed_by(session, request),
        decided_at=_closed_at(session, request),
        decline_reason=request.decline_reason,
        scheduled_at=request.scheduled_at,
        suggested_from_id=request.suggested_from_id,
        usage=usage,
        unavailable_reason=reason if request.flagged else "",
    )


def _closing_event(session: Session, request: ReferenceRequest) -> RequestEvent | None:
    if S(request.status) not in (S.cancelled, S.expired):
        return None
    return session.scalar(
        sa.select(RequestEvent)
        .where(RequestEvent.request_id == request.id, RequestEvent.to_status == request.status)
        .order_by(RequestEvent.id.desc())
        .limit(1)
    )


def _closed_by(session: Session, request: ReferenceRequest) -> str | None:
    event = _closing_event(session, request)
    return event.actor_id if event is not None else request.decided_by


def _closed_at(session: Session, request: ReferenceRequest) -> dt.datetime | None:
    event = _closing_event(session, request)
    return event.created_at if event is not None else request.decided_at


def _has_alternatives(session: Session, request: ReferenceRequest) -> bool:
    return bool(alternative_contacts(session=session, request=request))


def alternative_contacts(*, session: Session, request: ReferenceRequest) -> list[Contact]:
    """Active contacts of the request's account other than the requested one (for "Suggest")."""
    return list(
        session.scalars(
            sa.select(Contact)
            .where(
                Contact.account_id == request.account_id,
                Contact.id != request.contact_id,
                Contact.status == ContactStatus.active,
            )
            .order_by(Contact.name)
            .limit(blocks.MAX_OPTIONS)
        )
    )


def contact_choices(
    *, session: Session, query: str = "", limit: int = blocks.MAX_OPTIONS
) -> tuple[list[tuple[str, list[tuple[str, str]]]], int]:
    """Active contacts of active accounts matching `query` (name, title, company or external id), as
    [(company, [(label, contact id)])] with at most `limit` contacts; and how many match in all."""
    stmt = (
        sa.select(Contact.id, Contact.name, Contact.title, Account.name)
        .join(Account, Contact.account_id == Account.id)
        .where(Contact.status == ContactStatus.active, Account.status == AccountStatus.active)
        .order_by(sa.func.lower(Account.name), sa.func.lower(Contact.name), Contact.id)
    )
    query = query.strip()
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Contact.name).like(like),
                sa.func.lower(Account.name).like(like),
                sa.func.lower(Contact.title).like(like),
                Contact.external_id == query,
            )
        )
    rows = session.execute(stmt).all()
    groups: dict[str, list[tuple[str, str]]] = {}
    for contact_id, name, title, account in rows[:limit]:
        groups.setdefault(account, []).append((f"{name} · {title}" if title else name, str(contact_id)))
    return list(groups.items()), len(rows)


# ------------------------------------------------------------------ the request form


@dataclass(frozen=True)
class RequestInput:
    """What the seller typed, unparsed. `justification` is None when the form did not ask for it."""

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
    urgent: bool = False
    urgent_reason: str = ""
    justification: str | None = None


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
        raise NotAllowed(f"{contact.name} isn't available for references ({state}). Try another contact.")
    if contact.account.status != AccountStatus.active:
        raise NotAllowed(
            f"{contact.account.name} isn't taking reference requests right now ({contact.account.status}). "
            "Try another customer."
        )
    return contact


def request_form(
    *,
    session: Session,
    env: RequestEnv,
    requester_id: str,
    contact_id: int,
    search_id: int | None = None,
    prefill: blocks.RequestPrefill | None = None,
    notice: str = "",
) -> blocks.RequestForm:
    """What the request modal shows for `contact_id`, prefilled from the search `search_id`."""
    contact = requestable_contact(session=session, contact_id=contact_id)
    policy = load_policy(session=session)
    today = env.today(session, requester_id)
    avail = contact_availability(session=session, contact_id=contact_id, today=today, policy=policy)
    if prefill is None:
        prefill = prefill_from_search(session=session, search_id=search_id)
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
        earliest=add_business_days(today, policy.lead_time_business_days),
        lead_time_days=policy.lead_time_business_days,
        min_stage=policy.min_stage,
        unavailable_reason="" if avail.available else avail.reason(),
        activities=tuple(activities),
        contact_topics=tuple(contact.topics or ()),
        prefill=prefill,
        notice=notice,
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
    return blocks.RequestPrefill(
        prospect_company=data.prospect_company, crm_id=data.crm_id, stage=data.stage, amount=data.amount,
        industry=data.industry, employees=data.employees, country=data.country, activity=data.activity,
        needed_by=data.needed_by, topics=data.topics, note=data.note, urgent=data.urgent,
        urgent_reason=data.urgent_reason, justification=data.justification or "",
    )


def validate_request(
    *, session: Session, env: RequestEnv, requester_id: str, contact_id: int, data: RequestInput
) -> ValidRequest:
    """Check the form against the policies. Raises ValidationFailed with errors keyed by form field
    (prospect, crm_id, stage, amount, industry, employees, country, activity, needed_by, urgent_reason,
    topics, note, justification), or NotFound/NotAllowed when the contact can't be requested."""
    contact = requestable_contact(session=session, contact_id=contact_id)
    if contact.account.owner_id is None and not env.settings.refbot_admins:
        raise NotAllowed(
            f"{contact.account.name} has no account owner and RefBot has no program managers to approve "
            "requests. Ask your Slack admin to set REFBOT_ADMINS."
        )
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
        errors["activity"] = f"{_first(contact.name)} agreed to: {labels}."

    urgent = bool(data.urgent)
    needed_by = data.needed_by
    if needed_by is None:
        errors["needed_by"] = "By when do you need it?"
    elif needed_by < today:
        errors["needed_by"] = "That date has passed. Pick today or later."
    else:
        lead = policy.lead_time_business_days
        have = business_days_between(today, needed_by)
        if have < lead and not urgent:
            earliest = add_business_days(today, lead)
            errors["needed_by"] = (
                f"That's {plural(have, 'business day')} away; requests need {plural(lead, 'business day')} "
                f"({date_text(earliest)} or later). If it can't wait, tick Urgent and say why."
            )
    if urgent and not urgent_reason and "urgent_reason" not in errors:
        errors["urgent_reason"] = "Say why it's urgent: the account owner sees it."

    avail = contact_availability(session=session, contact_id=contact_id, today=today, policy=policy)
    if not avail.available and not justification and "justification" not in errors:
        errors["justification"] = (
            f"{_first(contact.name)} is resting ({avail.reason()}). Say why this deal needs them."
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

FOREIGN_DEAL = ("That CRM opportunity id is another seller's deal: check the id, or leave it empty "
                "to start your own deal for this prospect.")


def may_use_deal(*, session: Session, opportunity: Opportunity, seller_id: str) -> bool:
    """A seller may attach requests to their own deal, or to a CRM deal whose team they are on."""
    if opportunity.owner_id in (None, seller_id):
        return True
    if opportunity.crm_synced_at is None or opportunity.crm_id is None:
        return False
    on_team = session.scalar(
        sa.select(CrmTeamMember.user_crm_id)
        .join(CrmUser, CrmUser.crm_id == CrmTeamMember.user_crm_id)
        .where(CrmTeamMember.opportunity_crm_id == opportunity.crm_id, CrmUser.slack_id == seller_id)
        .limit(1)
    )
    return on_team is not None


def crm_id_problem(*, session: Session, crm_id: str, seller_id: str) -> str | None:
    """Why `seller_id` may not use the deal with this CRM id (None: they may, or it is new)."""
    opp = session.scalar(sa.select(Opportunity).where(Opportunity.crm_id == crm_id))
    if opp is None or may_use_deal(session=session, opportunity=opp, seller_id=seller_id):
        return None
    return FOREIGN_DEAL


def upsert_opportunity(
    *,
    session: Session,
    owner_id: str,
    prospect_company: str,
    crm_id: str | None,
    stage: str | None,
    amount: int | None,
    industry: str | None,
    employees: int | None,
    country: str | None,
) -> Opportunity:
    """The deal by CRM id (updated with what the seller just typed), else this seller's open deal with
    the same company and no CRM id, else a new one.

    A CRM id typed by one seller never changes or joins another seller's deal (ValidationFailed), and a
    deal the CRM sync keeps is never changed by what anyone types: the CRM owns its facts."""
    opp: Opportunity | None
    if crm_id:
        opp = session.scalar(sa.select(Opportunity).where(Opportunity.crm_id == crm_id))
    else:
        opp = session.scalar(
            sa.select(Opportunity)
            .where(
                Opportunity.crm_id.is_(None),
                Opportunity.owner_id == owner_id,
                Opportunity.outcome == OpportunityOutcome.open,
                sa.func.lower(Opportunity.prospect_company) == prospect_company.lower(),
            )
            .order_by(Opportunity.id.desc())
            .limit(1)
        )
    if opp is None:
        opp = Opportunity(crm_id=crm_id, prospect_company=prospect_company, owner_id=owner_id)
        try:
            with session.begin_nested():
                session.add(opp)
        except IntegrityError:  # another request created this CRM id concurrently
            opp = session.scalar(sa.select(Opportunity).where(Opportunity.crm_id == crm_id))
            if opp is None:
                raise
    if not may_use_deal(session=session, opportunity=opp, seller_id=owner_id):
        raise ValidationFailed(FOREIGN_DEAL, {"crm_id": FOREIGN_DEAL})
    if opp.crm_synced_at is not None:
        return opp
    opp.prospect_company = prospect_company
    if opp.owner_id is None:
        opp.owner_id = owner_id
    for name, value in (("stage", stage), ("amount", amount), ("industry", industry), ("employees", employees),
                        ("country", country)):
        if value is not None:
            setattr(opp, name, value)
    session.flush()
    return opp


# ------------------------------------------------------------------ create


@dataclass(frozen=True)
class CreateResult:
    request: ReferenceRequest
    created: bool  # False when this submission had already created it


def find_by_token(*, session: Session, client_token: str) -> ReferenceRequest | None:
    return session.scalar(sa.select(ReferenceRequest).where(ReferenceRequest.client_token == client_token))


def create_request(
    *,
    session: Session,
    env: RequestEnv,
    requester_id: str,
    contact_id: int,
    data: RequestInput,
    client_token: str | None = None,
    search_id: int | None = None,
) -> CreateResult:
    """Validate and store a request as pending_approval, tell the seller, and ask the approver.

    `client_token` (the modal's view id) makes a redelivered submission return the first request.
    """
    if client_token:
        existing = find_by_token(session=session, client_token=client_token)
        if existing is not None:
            return CreateResult(existing, created=False)
    valid = validate_request(session=session, env=env, requester_id=requester_id, contact_id=contact_id, data=data)
    contact = requestable_contact(session=session, contact_id=contact_id)
    criteria = _criteria(session=session, search_id=search_id, valid=valid)
    try:
        with session.begin_nested():
            opp = upsert_opportunity(
                session=session, owner_id=requester_id, prospect_company=valid.prospect_company,
                crm_id=valid.crm_id, stage=valid.stage, amount=valid.amount, industry=valid.industry,
                employees=valid.employees, country=valid.country,
            )
            request = ReferenceRequest(
                team_id=contact.account.team_id,
                opportunity_id=opp.id,
                contact_id=contact.id,
                account_id=contact.account_id,
                requester_id=requester_id,
                owner_id=contact.account.owner_id,
                activity_type=valid.activity,
                needed_by=valid.needed_by,
                urgent=valid.urgent,
                urgent_reason=valid.urgent_reason,
                topics=valid.topics,
                note=valid.note,
                justification=valid.justification,
                flagged=not valid.availability.available,
                status=S.pending_approval,
                criteria=criteria,
                client_token=client_token,
                created_at=env.now,
                updated_at=env.now,
            )
            session.add(request)
            session.flush()
    except IntegrityError:
        if client_token:
            existing = find_by_token(session=session, client_token=client_token)
            if existing is not None:  # the same submission, delivered twice at once
                return CreateResult(existing, created=False)
        raise
    _created_event(session, env, request, actor_id=requester_id, availability=valid.availability,
                   detail={"search_id": search_id} if search_id else {})
    session.refresh(request)
    _notify_created(session, env, request, tell_seller=True)
    return CreateResult(request, created=True)


def _criteria(*, session: Session, search_id: int | None, valid: ValidRequest) -> dict[str, Any]:
    """The search criteria behind the request ("Search again" re-runs them)."""
    if search_id is not None:
        entry = session.get(SearchLog, search_id)
        if entry is not None and entry.criteria:
            return dict(entry.criteria)
    derived: dict[str, Any] = {
        "industry": valid.industry,
        "employees": valid.employees,
        "country": valid.country,
        "activity": valid.activity.value,
        "topics": valid.topics or None,
    }
    return {k: v for k, v in derived.items() if v is not None}


def _created_event(
    session: Session, env: RequestEnv, request: ReferenceRequest, *, actor_id: str, availability: Availability,
    detail: dict[str, Any],
) -> None:
    info = dict(detail)
    if not availability.available:
        info["unavailable"] = availability.reason()
    session.add(
        RequestEvent(
            request_id=request.id, actor_id=actor_id, action="created", from_status=None,
            to_status=S.pending_approval, detail=info, created_at=env.now,
        )
    )
    session.flush()


def approvers(*, session: Session, env: RequestEnv, request: ReferenceRequest) -> list[str]:
    """Who gets the approval DM: the account owner, or the program managers when there is none."""
    if request.owner_id:
        return [request.owner_id]
    return env.admins(session)


def _approval_key(request_id: int, index: int, user_id: str) -> str:
    return f"request:{request_id}:approval_dm" if index == 0 else f"request:{request_id}:approval_dm:{user_id}"


def _notify_created(session: Session, env: RequestEnv, request: ReferenceRequest, *, tell_seller: bool) -> None:
    policy = load_policy(session=session)
    card = card_of(session=session, request=request, today=env.today(session), policy=policy)
    can_suggest = _has_alternatives(session, request)
    to = approvers(session=session, env=env, request=request)
    for i, uid in enumerate(to):
        lead = None
        if request.owner_id is None:
            lead = f":information_source: {card.account_name} has no account owner, so a program manager decides."
        text, blks = blocks.approval_dm(card, reader_tz=env.tz(session, uid), can_suggest=can_suggest, lead=lead)
        enqueue(session=session, key=_approval_key(request.id, i, uid), channel=uid, text=text, blocks=blks)
    if tell_seller:
        text, blks = blocks.seller_created_dm(card, approvers=to)
        enqueue(session=session, key=f"request:{request.id}:created:seller", channel=request.requester_id,
                text=text, blocks=blks)
    if request.flagged:
        text, blks = blocks.flagged_dm(card)
        for pm in env.admins(session):
            enqueue(session=session, key=f"request:{request.id}:flagged:{pm}", channel=pm, text=text, blocks=blks)


# ------------------------------------------------------------------ decisions


def can_decide(*, session: Session, env: RequestEnv, request: ReferenceRequest, user_id: str) -> bool:
    """The account owner (as asked, or as the account says now) or a program manager."""
    if user_id in {request.owner_id, request.account.owner_id} - {None}:
        return True
    return env.is_admin(session, user_id)


def require_decider(*, session: Session, env: RequestEnv, request: ReferenceRequest, user_id: str) -> None:
    if not can_decide(session=session, env=env, request=request, user_id=user_id):
        owner = f"<@{request.owner_id}>" if request.owner_id else "a program manager"
        raise NotAllowed(
            f"Request #{request.id} is not yours to approve: {owner} (the account owner) or a program "
            "manager decides. Nothing was changed."
        )


def require_pending(request: ReferenceRequest, to: RequestStatus) -> None:
    """Fail early (before opening a modal) when the request was decided already."""
    if S(request.status) is not S.pending_approval:
        raise InvalidTransition(lifecycle.refusal(request.id, S(request.status), to))


def _update_button_dms(session: Session, env: RequestEnv, request: ReferenceRequest) -> None:
    """Edit every DM that carried decision buttons for `request`: show the outcome, remove the buttons."""
    prefix = f"request:{request.id}:approval_dm"
    rows = session.execute(
        sa.select(OutboxMessage.dedupe_key, OutboxMessage.channel).where(
            OutboxMessage.dedupe_key.startswith(prefix, autoescape=True),
            OutboxMessage.method == "chat.postMessage",
        ).order_by(OutboxMessage.id)
    ).all()
    if not rows:
        return
    card = card_of(session=session, request=request)
    for key, channel in rows:
        text, blks = blocks.decided_dm(card, reader_tz=env.tz(session, channel) if channel else None)
        enqueue(session=session, key=f"{key}:update:{S(request.status).value}", channel=None,
                method="chat.update", update_of=key, text=text, blocks=blks)


def approve(*, session: Session, env: RequestEnv, request_id: int, actor_id: str) -> ReferenceRequest:
    """Approve a pending request; the seller gets the contact's details and the next steps."""
    request = get_request(session=session, request_id=request_id)
    require_decider(session=session, env=env, request=request, user_id=actor_id)
    request = lifecycle.transition(
        session=session, request_id=request_id, to=S.approved, actor_id=actor_id, action="approve",
        now=env.now, from_statuses={S.pending_approval}, values={"decided_by": actor_id, "decided_at": env.now},
    )
    _update_button_dms(session, env, request)
    card = card_of(session=session, request=request)
    text, blks = blocks.seller_approved_dm(card, contact_details(request.contact), now=env.now)
    enqueue(session=session, key=f"request:{request.id}:approved:seller", channel=request.requester_id,
            text=text, blocks=blks)
    return request


def decline(
    *, session: Session, env: RequestEnv, request_id: int, actor_id: str, reason: str
) -> ReferenceRequest:
    """Decline a pending request with a reason; the seller gets it and a Search again button."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why, so the seller knows what to do next.", {"reason": "Say why, briefly."})
    if len(reason) > LIMITS["reason"]:
        raise ValidationFailed("The reason is too long.", {"reason": f"Keep it under {LIMITS['reason']} characters."})
    request = get_request(session=session, request_id=request_id)
    require_decider(session=session, env=env, request=request, user_id=actor_id)
    request = lifecycle.transition(
        session=session, request_id=request_id, to=S.declined, actor_id=actor_id, action="decline",
        now=env.now, from_statuses={S.pending_approval},
        values={"decided_by": actor_id, "decided_at": env.now, "decline_reason": reason},
        detail={"reason": reason},
    )
    _update_button_dms(session, env, request)
    text, blks = blocks.seller_declined_dm(card_of(session=session, request=request))
    enqueue(session=session, key=f"request:{request.id}:declined:seller", channel=request.requester_id,
            text=text, blocks=blks)
    return request


def suggest(
    *, session: Session, env: RequestEnv, request_id: int, actor_id: str, contact_id: int, reason: str = ""
) -> ReferenceRequest:
    """Decline the request in favour of another contact of the same account; a new request for that
    contact goes to its approver. Returns the new request."""
    reason = (reason or "").strip()
    if len(reason) > LIMITS["reason"]:
        raise ValidationFailed("The reason is too long.", {"reason": f"Keep it under {LIMITS['reason']} characters."})
    request = get_request(session=session, request_id=request_id)
    require_decider(session=session, env=env, request=request, user_id=actor_id)
    require_pending(request, S.declined)
    alternative = session.get(Contact, contact_id)
    if (
        alternative is None
        or alternative.account_id != request.account_id
        or alternative.id == request.contact_id
        or alternative.status != ContactStatus.active
    ):
        raise ValidationFailed("Pick another active contact of this account.",
                               {"contact": f"Pick another active contact at {request.account.name}."})
    old = lifecycle.transition(
        session=session, request_id=request_id, to=S.declined, actor_id=actor_id, action="suggest",
        now=env.now, from_statuses={S.pending_approval},
        values={"decided_by": actor_id, "decided_at": env.now, "decline_reason": SUGGESTED_REASON},
        detail={"suggested_contact_id": contact_id, "reason": reason},
    )
    policy = load_policy(session=session)
    avail = contact_availability(session=session, contact_id=contact_id, today=env.today(session), policy=policy)
    new = ReferenceRequest(
        team_id=old.team_id,
        opportunity_id=old.opportunity_id,
        contact_id=alternative.id,
        account_id=alternative.account_id,
        requester_id=old.requester_id,
        owner_id=alternative.account.owner_id,
        activity_type=old.activity_type,
        needed_by=old.needed_by,
        urgent=old.urgent,
        urgent_reason=old.urgent_reason,
        topics=list(old.topics or []),
        note=old.note,
        justification=(reason or "Suggested by the account owner.") if not avail.available else None,
        flagged=not avail.available,
        status=S.pending_approval,
        criteria=old.criteria,
        suggested_from_id=old.id,
        client_token=f"suggested-from:{request_id}",
        created_at=env.now,
        updated_at=env.now,
    )
    session.add(new)
    session.flush()
    _created_event(session, env, new, actor_id=actor_id, availability=avail, detail={"suggested_from": old.id})
    session.refresh(new)
    _update_button_dms(session, env, old)
    text, blks = blocks.seller_suggested_dm(card_of(session=session, request=old),
                                            card_of(session=session, request=new), reason=reason)
    enqueue(session=session, key=f"request:{old.id}:suggested:seller", channel=old.requester_id,
            text=text, blocks=blks)
    _notify_created(session, env, new, tell_seller=False)
    return new


def cancel(*, session: Session, env: RequestEnv, request_id: int, actor_id: str) -> ReferenceRequest:
    """The seller (or a program manager) cancels an open request; the approver is told."""
    request = get_request(session=session, request_id=request_id)
    if actor_id != request.requester_id and not env.is_admin(session, actor_id):
        raise NotAllowed(
            f"Only <@{request.requester_id}>, who asked, or a program manager can cancel request #{request.id}."
        )
    was = S(request.status)
    request = lifecycle.transition(
        session=session, request_id=request_id, to=S.cancelled, actor_id=actor_id, action="cancel",
        now=env.now, from_statuses=OPEN_REQUEST_STATUSES,
    )
    _update_button_dms(session, env, request)
    card = card_of(session=session, request=request)
    text, blks = blocks.owner_cancelled_dm(card)
    told = [request.owner_id] if request.owner_id else (env.admins(session) if was is S.pending_approval else [])
    for uid in told:
        if uid and uid != actor_id:
            enqueue(session=session, key=f"request:{request.id}:cancelled:{uid}", channel=uid, text=text,
                    blocks=blks)
    return request


def can_schedule(*, session: Session, env: RequestEnv, request: ReferenceRequest, user_id: str) -> bool:
    return user_id == request.requester_id or can_decide(session=session, env=env, request=request, user_id=user_id)


def mark_scheduled(
    *, session: Session, env: RequestEnv, request_id: int, actor_id: str, scheduled_at: dt.datetime
) -> ReferenceRequest:
    """Record when the call (or other activity) happens: approved/scheduled -> scheduled, scheduled_at in
    UTC. Saving the same time twice changes nothing. The approver is told."""
    if scheduled_at.tzinfo is None:
        raise ValueError("scheduled_at must be timezone-aware")
    scheduled_at = scheduled_at.astimezone(dt.UTC)
    request = get_request(session=session, request_id=request_id)
    if not can_schedule(session=session, env=env, request=request, user_id=actor_id):
        raise NotAllowed(f"Only <@{request.requester_id}>, who asked, can schedule request #{request.id}.")
    if S(request.status) is S.scheduled and request.scheduled_at == scheduled_at:
        return request
    check_schedule_time(now=env.now, scheduled_at=scheduled_at)
    request = lifecycle.transition(
        session=session, request_id=request_id, to=S.scheduled, actor_id=actor_id, action="schedule",
        now=env.now, from_statuses={S.approved, S.scheduled}, values={"scheduled_at": scheduled_at},
        detail={"scheduled_at": scheduled_at.isoformat()},
    )
    card = card_of(session=session, request=request)
    epoch = int(scheduled_at.timestamp())
    for uid in {request.owner_id} - {None, actor_id, request.requester_id}:
        assert uid is not None
        text, blks = blocks.owner_scheduled_dm(card, reader_tz=env.tz(session, uid))
        enqueue(session=session, key=f"request:{request.id}:scheduled:{epoch}:{uid}", channel=uid, text=text,
                blocks=blks)
    text, blks = blocks.seller_scheduled_dm(card, reader_tz=env.tz(session, request.requester_id))
    enqueue(session=session, key=f"request:{request.id}:scheduled:{epoch}:seller", channel=request.requester_id,
            text=text, blocks=blks)
    return request


def check_schedule_time(*, now: dt.datetime, scheduled_at: dt.datetime) -> None:
    """Raise ValidationFailed (field "date") for a call time more than a week in the past."""
    if scheduled_at < now - SCHEDULE_PAST_LIMIT:
        raise ValidationFailed("That's more than a week ago.",
                               {"date": "That's more than a week ago; pick the date of the call."})


# ------------------------------------------------------------------ the seller's list


def my_requests(
    *, session: Session, user_id: str, closed_limit: int = 10
) -> tuple[list[blocks.RequestCard], list[blocks.RequestCard]]:
    """(open requests by needed-by date, the `closed_limit` most recently closed) of a seller."""
    open_rows = session.scalars(
        sa.select(ReferenceRequest)
        .where(ReferenceRequest.requester_id == user_id,
               ReferenceRequest.status.in_(list(OPEN_REQUEST_STATUSES)))
        .order_by(ReferenceRequest.needed_by, ReferenceRequest.id)
    ).all()
    closed_rows = session.scalars(
        sa.select(ReferenceRequest)
        .where(ReferenceRequest.requester_id == user_id,
               ReferenceRequest.status.not_in(list(OPEN_REQUEST_STATUSES)))
        .order_by(ReferenceRequest.updated_at.desc(), ReferenceRequest.id.desc())
        .limit(closed_limit)
    ).all()
    return ([card_of(session=session, request=r) for r in open_rows],
            [card_of(session=session, request=r) for r in closed_rows])


# ------------------------------------------------------------------ approval SLA (the approval_reminders job)


def pending_request_ids(*, session: Session) -> list[int]:
    return list(
        session.scalars(
            sa.select(ReferenceRequest.id)
            .where(ReferenceRequest.status == S.pending_approval)
            .order_by(ReferenceRequest.id)
        )
    )


def due_sla_steps(*, request: ReferenceRequest, policy: Policy, now: dt.datetime, today: dt.date) -> list[str]:
    """What the approval SLA asks for now: ["expire"], or any of "remind", "escalate" (in that order)."""
    if S(request.status) is not S.pending_approval:
        return []
    if today > request.needed_by:
        return ["expire"]
    waited = now - request.created_at
    steps = []
    if waited >= dt.timedelta(hours=policy.approval_remind_hours):
        steps.append("remind")
    if waited >= dt.timedelta(hours=policy.approval_escalate_hours):
        steps.append("escalate")
    return steps


def remind_approvers(*, session: Session, env: RequestEnv, request_id: int) -> list[str]:
    """Send the approver(s) a reminder with the decision buttons and tell the seller. Returns who was
    reminded. Call once per request (the job claims it); outbox keys make repeats silent anyway."""
    request = get_request(session=session, request_id=request_id)
    if S(request.status) is not S.pending_approval:
        return []
    policy = load_policy(session=session)
    card = card_of(session=session, request=request, today=env.today(session), policy=policy)
    can_suggest = _has_alternatives(session, request)
    to = approvers(session=session, env=env, request=request)
    hours = policy.approval_remind_hours
    for uid in to:
        text, blks = blocks.approval_dm(card, reader_tz=env.tz(session, uid), can_suggest=can_suggest,
                                        lead=blocks.reminder_lead(hours=hours))
        enqueue(session=session, key=f"request:{request.id}:approval_dm:reminder:{uid}", channel=uid, text=text,
                blocks=blks)
    text, blks = blocks.seller_reminded_dm(card, hours=hours)
    enqueue(session=session, key=f"request:{request.id}:reminded:seller", channel=request.requester_id, text=text,
            blocks=blks)
    lifecycle.record_event(session=session, request_id=request.id, actor_id=None, action="reminded", now=env.now,
                           detail={"to": to})
    return to


def escalate(*, session: Session, env: RequestEnv, request_id: int) -> list[str]:
    """Ask the program managers (other than the owner) to decide; tell the seller. Returns who was asked."""
    request = get_request(session=session, request_id=request_id)
    if S(request.status) is not S.pending_approval:
        return []
    policy = load_policy(session=session)
    card = card_of(session=session, request=request, today=env.today(session), policy=policy)
    can_suggest = _has_alternatives(session, request)
    hours = policy.approval_escalate_hours
    to = [pm for pm in env.admins(session) if pm != request.owner_id]
    for pm in to:
        text, blks = blocks.approval_dm(card, reader_tz=env.tz(session, pm), can_suggest=can_suggest,
                                        lead=blocks.escalation_lead(card, hours=hours))
        enqueue(session=session, key=f"request:{request.id}:approval_dm:escalated:{pm}", channel=pm, text=text,
                blocks=blks)
    if to:
        text, blks = blocks.seller_escalated_dm(card, hours=hours)
        enqueue(session=session, key=f"request:{request.id}:escalated:seller", channel=request.requester_id,
                text=text, blocks=blks)
    lifecycle.record_event(session=session, request_id=request.id, actor_id=None, action="escalated",
                           now=env.now, detail={"to": to})
    return to


def expire(*, session: Session, env: RequestEnv, request_id: int) -> ReferenceRequest:
    """A request not approved by its needed-by date expires; the seller is told (with Search again)."""
    request = lifecycle.transition(
        session=session, request_id=request_id, to=S.expired, actor_id=None, action="expire", now=env.now,
        from_statuses={S.pending_approval},
    )
    _update_button_dms(session, env, request)
    text, blks = blocks.seller_expired_dm(card_of(session=session, request=request))
    enqueue(session=session, key=f"request:{request.id}:expired:seller", channel=request.requester_id,
            text=text, blocks=blks)
    return request
