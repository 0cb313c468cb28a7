"""After the call: debrief prompts and reminders, filing the debrief (activity, points, the account
owner's summary), calls that didn't happen or moved, and the thank-you note.

    scheduled --(It happened)--> completed --(debrief filed)--> debriefed
    scheduled/completed --(didn't happen)--> approved (no new time yet) | scheduled (new time) | missed

Exactly once: a prompt or reminder is an outbox message keyed by the request *and its call time*
("request:12:debrief_prompt:1795338000"), so a rescheduled call is prompted again, and running the job
twice sends nothing twice. One Debrief per request (unique), one Activity per request (unique), points
keyed by their source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.blocks import debriefs as blocks
from refbot.db import add_unique, touch_homes
from refbot.domain import MetNeeds, PointsReason
from refbot.domain import RequestStatus as S
from refbot.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from refbot.models import Activity, Debrief, OutboxMessage, ReferenceRequest, RequestEvent
from refbot.services import lifecycle
from refbot.services.outbox import enqueue
from refbot.services.points import award
from refbot.services.policy import Policy
from refbot.tz import zone

# A debrief is owed while the request is in one of these (completed = "It happened" clicked, not filed yet).
AWAITING = (S.scheduled, S.completed)
PROMPTED = "debrief_prompted"
REMINDED = "debrief_reminded"
ESCALATED = "debrief_escalated"
RESCHEDULE_PAST_LIMIT = dt.timedelta(days=7)
TEXT_LIMIT = 2000


# ------------------------------------------------------------------ reading


def get_request(*, session: Session, request_id: int) -> ReferenceRequest:
    request = session.get(ReferenceRequest, request_id)
    if request is None:
        raise NotFound(f"Request #{request_id} doesn't exist (anymore).")
    return request


def call_at(request: ReferenceRequest) -> dt.datetime | None:
    """When the call took (or takes) place: the scheduled time, else when it was marked done."""
    return request.scheduled_at or request.completed_at


def call_ts(request: ReferenceRequest) -> int | None:
    when = call_at(request)
    return int(when.timestamp()) if when is not None else None


def owner_of(request: ReferenceRequest) -> str | None:
    """Who approves, gets the debrief summary and thanks the contact: the account owner."""
    return request.owner_id or request.account.owner_id


def card_of(request: ReferenceRequest) -> blocks.CallCard:
    return blocks.CallCard(
        request_id=request.id,
        status=S(request.status),
        requester_id=request.requester_id,
        owner_id=owner_of(request),
        contact_name=request.contact.name,
        contact_title=request.contact.title or "",
        account_name=request.account.name,
        prospect_company=request.opportunity.prospect_company,
        activity=request.activity_type,
        call_at=call_at(request),
    )


def debrief_view(debrief: Debrief) -> blocks.DebriefView:
    return blocks.DebriefView(
        met_needs=debrief.met_needs,
        rating=debrief.rating,
        insights=debrief.insights or "",
        concerns=debrief.concerns or "",
        redo_needed=debrief.redo_needed,
        notes=debrief.notes or "",
        filed_by=debrief.filed_by,
        filed_at=debrief.filed_at,
        on_time=debrief.on_time,
    )


def get_debrief(*, session: Session, request_id: int) -> Debrief | None:
    return session.scalar(sa.select(Debrief).where(Debrief.request_id == request_id))


# ------------------------------------------------------------------ keys


def prompt_key(request_id: int, ts: int) -> str:
    return f"request:{request_id}:debrief_prompt:{ts}"


def reminder_key(request_id: int, ts: int) -> str:
    return f"request:{request_id}:debrief_reminder:{ts}"


def summary_key(request_id: int) -> str:
    return f"request:{request_id}:debrief_summary"


def _sent_prompt_keys(session: Session, request_id: int) -> list[str]:
    """Keys of every debrief prompt/reminder queued for the request (to edit them in place)."""
    prefixes = (f"request:{request_id}:debrief_prompt:", f"request:{request_id}:debrief_reminder:")
    rows = session.scalars(
        sa.select(OutboxMessage.dedupe_key)
        .where(
            sa.or_(*(OutboxMessage.dedupe_key.startswith(p, autoescape=True) for p in prefixes)),
            OutboxMessage.method == "chat.postMessage",
        )
        .order_by(OutboxMessage.id)
    )
    return list(rows)


def _update_prompts(session: Session, request_id: int, state: str, text: str, blks: list[dict]) -> None:
    """Replace the buttons of every prompt the seller got for this request."""
    for key in _sent_prompt_keys(session, request_id):
        enqueue(session=session, key=f"{key}:update:{state}", channel=None, method="chat.update",
                update_of=key, text=text, blocks=blks)


def _events(session: Session, request_ids: Sequence[int], action: str) -> dict[int, list[RequestEvent]]:
    out: dict[int, list[RequestEvent]] = {}
    if not request_ids:
        return out
    for event in session.scalars(
        sa.select(RequestEvent)
        .where(RequestEvent.request_id.in_(list(request_ids)), RequestEvent.action == action)
        .order_by(RequestEvent.id)
    ):
        out.setdefault(event.request_id, []).append(event)
    return out


def _event_for_call(events: list[RequestEvent], ts: int) -> RequestEvent | None:
    return next((e for e in events if (e.detail or {}).get("call_ts") == ts), None)


# ------------------------------------------------------------------ prompts, reminders, escalation (jobs)


def _awaiting(session: Session, *, before: dt.datetime) -> list[ReferenceRequest]:
    """Requests still owing a debrief whose call time is at or before `before`."""
    when = sa.func.coalesce(ReferenceRequest.scheduled_at, ReferenceRequest.completed_at)
    return list(
        session.scalars(
            sa.select(ReferenceRequest)
            .where(ReferenceRequest.status.in_(list(AWAITING)), when.is_not(None), when <= before)
            .order_by(ReferenceRequest.id)
        )
    )


def due_prompts(*, session: Session, now: dt.datetime, policy: Policy) -> list[int]:
    """Requests whose call was at least `debrief_delay_hours` ago and that were not prompted for it yet.

    A call recorded after it took place (scheduled time in the past) is due at once.
    """
    candidates = _awaiting(session, before=now - dt.timedelta(hours=policy.debrief_delay_hours))
    keys = {r.id: prompt_key(r.id, call_ts(r) or 0) for r in candidates}
    sent = set(session.scalars(sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys.values()))))
    return [rid for rid, key in keys.items() if key not in sent]


def send_prompt(*, session: Session, request_id: int, now: dt.datetime, policy: Policy, tz_name: str | None) -> bool:
    """DM the seller "How did it go?" once per call time. False when not due or already sent."""
    request = session.get(ReferenceRequest, request_id)
    if request is None or S(request.status) not in AWAITING:
        return False
    ts, when = call_ts(request), call_at(request)
    if ts is None or when is None or when > now - dt.timedelta(hours=policy.debrief_delay_hours):
        return False
    return _send_prompt(session=session, request=request, ts=ts, now=now, tz_name=tz_name, reminder=False)


def _send_prompt(*, session: Session, request: ReferenceRequest, ts: int, now: dt.datetime, tz_name: str | None,
                 reminder: bool) -> bool:
    """Queue the prompt (or its reminder) for call time `ts` once and record it; False when it was queued already."""
    text, blks = blocks.debrief_prompt(card_of(request), reader_tz=tz_name, reminder=reminder)
    key = reminder_key(request.id, ts) if reminder else prompt_key(request.id, ts)
    if enqueue(session=session, key=key, channel=request.requester_id, text=text, blocks=blks) is None:
        return False
    lifecycle.record_event(session=session, request_id=request.id, actor_id=None,
                           action=REMINDED if reminder else PROMPTED, now=now, detail={"call_ts": ts})
    if not reminder:  # a debrief is due now: it joins the seller's and the program managers' queues
        touch_homes(session, request.requester_id, admins=True)
    return True


def _due_after(
    session: Session, requests: Sequence[ReferenceRequest], *, after: str, unless: str, wait: dt.timedelta,
    now: dt.datetime,
) -> list[ReferenceRequest]:
    """Requests with an `after` event for their current call time at least `wait` ago and no `unless` event."""
    ids = [r.id for r in requests]
    done, blocked = _events(session, ids, after), _events(session, ids, unless)
    due = []
    for r in requests:
        ts = call_ts(r)
        if ts is None:
            continue
        event = _event_for_call(done.get(r.id, []), ts)
        if event is not None and event.created_at + wait <= now and _event_for_call(blocked.get(r.id, []), ts) is None:
            due.append(r)
    return due


def due_reminders(*, session: Session, now: dt.datetime, policy: Policy) -> list[int]:
    """Prompted at least `debrief_reminder_days` ago for the current call time, still no debrief, not reminded."""
    wait = dt.timedelta(days=policy.debrief_reminder_days)
    return [r.id for r in _due_after(session, _awaiting(session, before=now), after=PROMPTED, unless=REMINDED,
                                     wait=wait, now=now)]


def send_reminder(*, session: Session, request_id: int, now: dt.datetime, policy: Policy, tz_name: str | None) -> bool:
    """The one reminder for the current call time. False when not due or already sent."""
    request = session.get(ReferenceRequest, request_id)
    if request is None or S(request.status) not in AWAITING:
        return False
    wait = dt.timedelta(days=policy.debrief_reminder_days)
    if not _due_after(session, [request], after=PROMPTED, unless=REMINDED, wait=wait, now=now):
        return False
    ts = call_ts(request)
    assert ts is not None
    return _send_prompt(session=session, request=request, ts=ts, now=now, tz_name=tz_name, reminder=True)


@dataclass(frozen=True)
class Escalation:
    request_id: int
    call_ts: int


def due_escalations(*, session: Session, now: dt.datetime, policy: Policy) -> list[Escalation]:
    """Reminded at least `debrief_reminder_days` ago for the current call time and still no debrief."""
    wait = dt.timedelta(days=policy.debrief_reminder_days)
    due = _due_after(session, _awaiting(session, before=now), after=REMINDED, unless=ESCALATED, wait=wait, now=now)
    return [Escalation(r.id, call_ts(r) or 0) for r in due]


def escalate(
    *, session: Session, items: Sequence[Escalation], recipients: Sequence[str], now: dt.datetime, tz_name: str | None
) -> int:
    """One DM per program manager listing the debriefs still missing after the reminder. Returns how many."""
    missing = []
    for item in items:
        request = get_request(session=session, request_id=item.request_id)
        when = call_at(request) or now
        missing.append(blocks.MissingDebrief(card_of(request), days_since_call=(now - when).days))
        lifecycle.record_event(session=session, request_id=request.id, actor_id=None, action=ESCALATED, now=now,
                               detail={"call_ts": item.call_ts, "to": list(recipients)})
    if not missing:
        return 0
    text, blks = blocks.missing_debriefs_dm(missing, reader_tz=tz_name)
    batch = ",".join(f"{i.request_id}@{i.call_ts}" for i in items)
    for pm in recipients:
        enqueue(session=session, key=f"debriefs_missing:{pm}:{batch}"[:255], channel=pm, text=text, blocks=blks)
    return len(missing)


# ------------------------------------------------------------------ the seller's answers


def _require_seller(request: ReferenceRequest, user_id: str, is_admin: bool) -> None:
    if user_id != request.requester_id and not is_admin:
        raise NotAllowed(f"Only <@{request.requester_id}>, who asked for request #{request.id}, "
                         "or a program manager can answer for this call.")


def _call_happened(session: Session, request: ReferenceRequest, *, actor_id: str, now: dt.datetime) -> ReferenceRequest:
    """approved/scheduled -> completed (the call happened); a completed request stays as it is."""
    status = S(request.status)
    if status in (S.approved, S.scheduled):
        return lifecycle.transition(
            session=session, request_id=request.id, to=S.completed, actor_id=actor_id, action="call_happened",
            now=now, from_statuses={S.approved, S.scheduled}, values={"completed_at": now},
        )
    if status is not S.completed:
        raise InvalidTransition(lifecycle.refusal(request.id, status, S.debriefed))
    return request


def start_debrief(*, session: Session, request_id: int, user_id: str, is_admin: bool, now: dt.datetime) -> blocks.CallCard:
    """"It happened": the call is completed; the debrief modal opens next. Clicking twice is harmless."""
    request = get_request(session=session, request_id=request_id)
    _require_seller(request, user_id, is_admin)
    if S(request.status) is S.debriefed:
        raise InvalidTransition(f"The debrief for request #{request.id} is already filed. Thanks!")
    request = _call_happened(session, request, actor_id=user_id, now=now)
    return card_of(request)


def answerable(*, session: Session, request_id: int, user_id: str, is_admin: bool) -> blocks.CallCard:
    """The call a seller may still answer for ("didn't happen", "rescheduled"); raises otherwise."""
    request = get_request(session=session, request_id=request_id)
    _require_seller(request, user_id, is_admin)
    status = S(request.status)
    if status is S.debriefed:
        raise InvalidTransition(f"The debrief for request #{request.id} is already filed, so the call happened.")
    if status not in (S.approved, S.scheduled, S.completed):
        raise InvalidTransition(lifecycle.refusal(request.id, status, S.scheduled))
    return card_of(request)


def check_new_time(new_time: dt.datetime, now: dt.datetime) -> dt.datetime:
    """A new call time in UTC; ValidationFailed (field "date") when it is more than a week ago."""
    if new_time.tzinfo is None:
        raise ValueError("new_time must be timezone-aware")
    if new_time < now - RESCHEDULE_PAST_LIMIT:
        raise ValidationFailed("That's more than a week ago.",
                               {"date": "That's more than a week ago; pick the date of the call."})
    return new_time.astimezone(dt.UTC)


def reschedule(
    *, session: Session, request_id: int, user_id: str, is_admin: bool, new_time: dt.datetime, now: dt.datetime,
    tz_name: str | None,
) -> blocks.CallCard:
    """The call moved: it stays scheduled at `new_time` (prompted again after the new time)."""
    new_time = check_new_time(new_time, now)
    request = get_request(session=session, request_id=request_id)
    _require_seller(request, user_id, is_admin)
    status = S(request.status)
    if status is S.scheduled and request.scheduled_at == new_time:
        return card_of(request)
    if status is S.completed:  # "It happened" was clicked by mistake: back to approved first
        lifecycle.transition(session=session, request_id=request.id, to=S.approved, actor_id=user_id,
                             action="call_not_happened", now=now, from_statuses={S.completed},
                             values={"completed_at": None}, detail={"next": "reschedule"})
    elif status not in (S.approved, S.scheduled):
        raise InvalidTransition(lifecycle.refusal(request.id, status, S.scheduled))
    request = lifecycle.transition(
        session=session, request_id=request.id, to=S.scheduled, actor_id=user_id, action="reschedule", now=now,
        from_statuses={S.approved, S.scheduled}, values={"scheduled_at": new_time},
        detail={"scheduled_at": new_time.isoformat(), "previous": (call_at(request) or now).isoformat()},
    )
    card = card_of(request)
    ts = int(new_time.timestamp())
    text, blks = blocks.prompt_rescheduled(card, reader_tz=tz_name)
    _update_prompts(session, request.id, f"rescheduled:{ts}", text, blks)
    owner = owner_of(request)
    if owner and owner != user_id:
        text, blks = blocks.rescheduled_owner_dm(card, by=user_id, reader_tz=tz_name)
        enqueue(session=session, key=f"request:{request.id}:rescheduled:{ts}:{owner}", channel=owner, text=text,
                blocks=blks)
    return card


@dataclass(frozen=True)
class NotHappened:
    outcome: str  # "missed" | "approved" | "rescheduled"
    card: blocks.CallCard


def not_happened(
    *, session: Session, request_id: int, user_id: str, is_admin: bool, choice: str, new_time: dt.datetime | None,
    reason: str, now: dt.datetime, tz_name: str | None,
) -> NotHappened:
    """The call didn't happen: close it as missed (nothing counted), or reschedule (with a new time, or
    back to approved so the seller marks it scheduled later)."""
    request = get_request(session=session, request_id=request_id)
    _require_seller(request, user_id, is_admin)
    status = S(request.status)
    reason = reason.strip()[:500]
    if choice == blocks.CHOICE_MISSED:
        request = lifecycle.transition(
            session=session, request_id=request.id, to=S.missed, actor_id=user_id, action="call_missed", now=now,
            from_statuses={S.approved, S.scheduled, S.completed}, detail={"reason": reason} if reason else {},
        )
        card = card_of(request)
        text, blks = blocks.prompt_missed(card, by=user_id)
        _update_prompts(session, request.id, "missed", text, blks)
        owner = owner_of(request)
        if owner and owner != user_id:
            text, blks = blocks.missed_owner_dm(card, by=user_id)
            enqueue(session=session, key=f"request:{request.id}:missed:{owner}", channel=owner, text=text, blocks=blks)
        return NotHappened("missed", card)
    if choice != blocks.CHOICE_RESCHEDULE:
        raise ValidationFailed("Choose reschedule or missed.", {"choice": "Choose one."})
    if new_time is not None:
        return NotHappened("rescheduled", reschedule(session=session, request_id=request.id, user_id=user_id,
                                                     is_admin=is_admin, new_time=new_time, now=now, tz_name=tz_name))
    if status is S.approved:
        return NotHappened("approved", card_of(request))
    request = lifecycle.transition(
        session=session, request_id=request.id, to=S.approved, actor_id=user_id, action="call_not_happened", now=now,
        from_statuses={S.scheduled, S.completed}, values={"completed_at": None},
        detail={"next": "reschedule", **({"reason": reason} if reason else {})},
    )
    card = card_of(request)
    text, blks = blocks.prompt_back_to_approved(card)
    _update_prompts(session, request.id, f"approved:{call_ts(request) or 0}", text, blks)
    return NotHappened("approved", card)


# ------------------------------------------------------------------ filing the debrief


@dataclass(frozen=True)
class DebriefAnswers:
    met_needs: MetNeeds
    rating: int
    insights: str = ""
    concerns: str = ""
    redo_needed: bool = False
    notes: str = ""

    def validated(self) -> DebriefAnswers:
        errors = {}
        if not 1 <= self.rating <= 5:
            errors["rating"] = "Pick 1 to 5."
        for field in ("insights", "concerns", "notes"):
            if len(getattr(self, field)) > TEXT_LIMIT:
                errors[field] = f"At most {TEXT_LIMIT:,} characters."
        if errors:
            raise ValidationFailed("Please fix the highlighted fields.", errors)
        return DebriefAnswers(
            met_needs=MetNeeds(self.met_needs), rating=int(self.rating), insights=self.insights.strip(),
            concerns=self.concerns.strip(), redo_needed=bool(self.redo_needed), notes=self.notes.strip(),
        )


@dataclass(frozen=True)
class FiledDebrief:
    created: bool  # False: it was already filed (double submit, redelivery)
    debrief_id: int
    card: blocks.CallCard
    on_time: bool
    points: int  # the seller's points for it


def on_time_deadline(*, session: Session, request: ReferenceRequest, policy: Policy) -> dt.datetime:
    """`debrief_on_time_days` after the call — or after the call was recorded, when it was recorded late."""
    start = call_at(request) or request.created_at
    recorded = session.scalar(
        sa.select(sa.func.max(RequestEvent.created_at)).where(
            RequestEvent.request_id == request.id, RequestEvent.to_status == S.scheduled
        )
    )
    if recorded is not None and recorded > start:
        start = recorded
    return start + dt.timedelta(days=policy.debrief_on_time_days)


def _record_activity(session: Session, request: ReferenceRequest, *, notes: str, tz_name: str | None,
                     now: dt.datetime) -> Activity:
    """The use of the contact that fatigue and rotation count from now on (one per request)."""
    existing = session.scalar(sa.select(Activity).where(Activity.request_id == request.id))
    if existing is not None:
        return existing
    occurred_on = (call_at(request) or now).astimezone(zone(tz_name)).date()
    label = request.opportunity.prospect_company[:200]
    same = session.scalar(
        sa.select(Activity).where(
            Activity.contact_id == request.contact_id, Activity.occurred_on == occurred_on,
            Activity.type == request.activity_type, Activity.opportunity == label,
        )
    )
    if same is not None and same.request_id is None:  # already imported from a CSV: link it, don't count twice
        same.request_id = request.id
        same.opportunity_id = request.opportunity_id
        session.flush()
        return same
    if same is not None:
        label = f"{label[:190]} (#{request.id})"
    activity = Activity(
        contact_id=request.contact_id, occurred_on=occurred_on, type=request.activity_type, opportunity=label,
        opportunity_id=request.opportunity_id, request_id=request.id, notes=notes[:500], source="request",
        created_at=now,
    )
    session.add(activity)
    session.flush()
    return activity


def file_debrief(
    *, session: Session, request_id: int, user_id: str, is_admin: bool, answers: DebriefAnswers, now: dt.datetime,
    policy: Policy, tz_name: str | None, fallback_owner_ids: Sequence[str] = (),
) -> FiledDebrief:
    """File the one debrief of a request: activity recorded, request debriefed, points awarded, the account
    owner gets the summary with a thank-you prompt, and a redo offers the seller a new search.

    Filing twice (double submit, redelivered payload) returns the first one with created=False.
    `fallback_owner_ids`: who gets the summary when the account has no owner (the program managers).
    """
    answers = answers.validated()
    request = get_request(session=session, request_id=request_id)
    _require_seller(request, user_id, is_admin)
    existing = get_debrief(session=session, request_id=request.id)
    if existing is not None:
        return FiledDebrief(False, existing.id, card_of(request), existing.on_time, 0)
    request = _call_happened(session, request, actor_id=user_id, now=now)
    on_time = now <= on_time_deadline(session=session, request=request, policy=policy)
    debrief = Debrief(
        request_id=request.id, happened=True, met_needs=answers.met_needs, rating=answers.rating,
        insights=answers.insights, concerns=answers.concerns, redo_needed=answers.redo_needed, notes=answers.notes,
        filed_by=user_id, filed_at=now, on_time=on_time,
    )
    if not add_unique(session, debrief):  # a concurrent submission filed it first
        session.expire_all()
        first = get_debrief(session=session, request_id=request.id)
        if first is None:
            raise
        return FiledDebrief(False, first.id, card_of(request), first.on_time, 0)
    request = lifecycle.transition(
        session=session, request_id=request.id, to=S.debriefed, actor_id=user_id, action="debrief_filed", now=now,
        from_statuses={S.completed}, detail={"debrief_id": debrief.id, "on_time": on_time},
    )
    _record_activity(session, request, notes=answers.insights, tz_name=tz_name, now=now)

    seller = request.requester_id
    entries = [
        award(session=session, reason=PointsReason.request_completed, source_key=f"request:{request.id}:completed",
              user_id=seller, note=f"Request #{request.id} completed", now=now),
        award(session=session, reason=PointsReason.debrief_on_time, source_key=f"request:{request.id}:debrief_on_time",
              user_id=seller, note=f"Debrief for request #{request.id} on time", now=now) if on_time else None,
    ]
    points = sum(e.points for e in entries if e is not None)
    award(session=session, reason=PointsReason.advocate_activity, source_key=f"request:{request.id}:advocate",
          contact_id=request.contact_id, account_id=request.account_id,
          note=f"{request.activity_type.label} for {request.opportunity.prospect_company}", now=now)

    card = card_of(request)
    text, blks = blocks.prompt_filed(card, points=points, on_time=on_time)
    _update_prompts(session, request.id, "filed", text, blks)
    owner = card.owner_id or next(iter(fallback_owner_ids), None)
    if owner:
        text, blks = blocks.owner_debrief_dm(card, debrief_view(debrief), thank_you=None, reader_tz=tz_name,
                                             reader_id=owner)
        enqueue(session=session, key=summary_key(request.id), channel=owner, text=text, blocks=blks)
    if answers.redo_needed:
        text, blks = blocks.redo_offer(card)
        enqueue(session=session, key=f"request:{request.id}:redo_offer", channel=seller, text=text, blocks=blks)
    return FiledDebrief(True, debrief.id, card, on_time, points)


# ------------------------------------------------------------------ thank-you


def _require_thanker(request: ReferenceRequest, user_id: str, is_admin: bool) -> None:
    owner = owner_of(request)
    if user_id != owner and not is_admin:
        who = f"<@{owner}>" if owner else "a program manager"
        raise NotAllowed(f"The thank-you for request #{request.id} is {who}'s to send.")


@dataclass(frozen=True)
class ThankYouDraft:
    card: blocks.CallCard
    note: str
    sent: blocks.ThankYouView | None  # set when it was already marked sent
    email: str | None = None  # the contact's, for the Open email button (the thanker owns the account)


def _thanked(request: ReferenceRequest) -> blocks.ThankYouView | None:
    if request.thanked_at is None:
        return None
    return blocks.ThankYouView(note=request.thank_you_note or "", thanked_by=request.thanked_by,
                               thanked_at=request.thanked_at)


def thank_you_draft(
    *, session: Session, request_id: int, user_id: str, is_admin: bool, sender_name: str, tz_name: str | None
) -> ThankYouDraft:
    """The prefilled note (prospect, activity, date; never the seller's debrief) for the thank-you modal."""
    request = get_request(session=session, request_id=request_id)
    _require_thanker(request, user_id, is_admin)
    if S(request.status) not in (S.completed, S.debriefed):
        raise InvalidTransition(f"Request #{request.id} is {request.status.label.lower()}: there's no call to "
                                "thank the contact for yet.")
    card = card_of(request)
    note = blocks.thank_you_draft(card, sender_name=sender_name, tz_name=tz_name)
    return ThankYouDraft(card, note, _thanked(request), request.contact.email)


@dataclass(frozen=True)
class ThankYouResult:
    created: bool  # False: it was already marked sent (by `sent.thanked_by`)
    sent: blocks.ThankYouView
    points: int


def mark_thank_you_sent(
    *, session: Session, request_id: int, user_id: str, is_admin: bool, note: str, now: dt.datetime,
    tz_name: str | None,
) -> ThankYouResult:
    """Log the gratitude once: note, who, when; an audit event; points; the prompt updated in place."""
    note = note.strip()
    if not note:
        raise ValidationFailed("Write a short note first.", {"note": "Write a short note first."})
    if len(note) > TEXT_LIMIT:
        raise ValidationFailed("That note is too long.", {"note": f"At most {TEXT_LIMIT:,} characters."})
    request = get_request(session=session, request_id=request_id)
    _require_thanker(request, user_id, is_admin)
    if S(request.status) not in (S.completed, S.debriefed):
        raise InvalidTransition(f"Request #{request.id} has no call to thank the contact for.")
    result = session.execute(
        sa.update(ReferenceRequest)
        .where(ReferenceRequest.id == request.id, ReferenceRequest.thanked_at.is_(None))
        .values(thank_you_note=note, thanked_at=now, thanked_by=user_id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(request)
    sent = _thanked(request)
    assert sent is not None
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return ThankYouResult(False, sent, 0)
    lifecycle.record_event(session=session, request_id=request.id, actor_id=user_id, action="thank_you_sent", now=now,
                           detail={"note": note[:500]})
    entry = award(session=session, reason=PointsReason.thank_you_sent, source_key=f"request:{request.id}:thank_you",
                  user_id=user_id, note=f"Thanked {request.contact.name}", now=now)
    debrief = get_debrief(session=session, request_id=request.id)
    if debrief is not None:
        summary = session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.dedupe_key == summary_key(request.id))).first()
        if summary is not None:  # its reader is whoever got the summary: "Thank-you sent by you" if they sent it
            text, blks = blocks.owner_debrief_dm(card_of(request), debrief_view(debrief), thank_you=sent,
                                                 reader_tz=tz_name, reader_id=summary.channel)
            enqueue(session=session, key=f"{summary_key(request.id)}:update:thanked", channel=None,
                    method="chat.update", update_of=summary_key(request.id), text=text, blocks=blks)
    return ThankYouResult(True, sent, entry.points if entry is not None else 0)
