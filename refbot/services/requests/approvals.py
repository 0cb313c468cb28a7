"""Who decides a request and the DMs that carry the decision buttons.

A second person always decides: the account owner as the account says now (an owner replaced since the
request was made no longer decides), else the program managers; never the requester, whoever they are."""

from __future__ import annotations

import statistics
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.blocks import requests as blocks
from refbot.blocks.kit import escape
from refbot.db import touch_homes
from refbot.domain import RequestStatus
from refbot.errors import InvalidTransition, NotAllowed
from refbot.models import Account, OutboxMessage, ReferenceRequest, RequestEvent
from refbot.services import lifecycle
from refbot.services.outbox import enqueue
from refbot.services.policy import load_policy
from refbot.services.requests.cards import card_of, has_alternatives
from refbot.services.requests.env import RequestEnv, S


def _approvers_of(*, session: Session, env: RequestEnv, owner_id: str | None, requester_id: str) -> list[str]:
    if owner_id and owner_id != requester_id:
        return [owner_id]
    return [pm for pm in env.admins(session) if pm != requester_id]


def approvers(*, session: Session, env: RequestEnv, request: ReferenceRequest) -> list[str]:
    """Who gets the approval DM: the account owner as the account says now, unless they asked for it
    themselves; else the program managers other than the requester."""
    return _approvers_of(session=session, env=env, owner_id=request.account.owner_id,
                         requester_id=request.requester_id)


def require_second_person(*, session: Session, env: RequestEnv, account: Account, requester_id: str) -> None:
    """Refuse a request nobody but the requester could approve (raises NotAllowed)."""
    if _approvers_of(session=session, env=env, owner_id=account.owner_id, requester_id=requester_id):
        return
    if account.owner_id is None:
        raise NotAllowed(
            f"{escape(account.name)} has no account owner and RefBot has no program managers to approve "
            "requests. Ask your Slack admin to set REFBOT_ADMINS."
        )
    raise NotAllowed(
        f"You own {escape(account.name)}, and someone other than the requester has to approve a reference, "
        "but RefBot has no other program manager. Ask your Slack admin to add one to REFBOT_ADMINS."
    )


def _who(request: ReferenceRequest, to: list[str]) -> str:
    """The approvers for people: "<@U1> (the account owner)", "the program managers <@U2> and <@U3>"."""
    if to == [request.account.owner_id]:
        return f"<@{to[0]}> (the account owner)"
    names = [f"<@{uid}>" for uid in to]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"the program manager{'' if len(names) == 1 else 's'} {listed}"


def _approval_key(request_id: int, index: int, user_id: str) -> str:
    return f"request:{request_id}:approval_dm" if index == 0 else f"request:{request_id}:approval_dm:{user_id}"


def _lead(request: ReferenceRequest, to: list[str]) -> str | None:
    """Why a program manager got the DM instead of the account owner (None when the owner did)."""
    owner, account = request.account.owner_id, escape(request.account.name)
    if owner is None:
        return f":information_source: {account} has no account owner, so a program manager decides."
    if owner not in to:
        return (f":information_source: <@{owner}> owns {account} and asked for this reference, so a program "
                "manager decides.")
    return None


def ask_approvers(
    *, session: Session, env: RequestEnv, request: ReferenceRequest, to: list[str], key: Callable[[int, str], str],
    lead: Callable[[blocks.RequestCard], str | None] | None = None,
) -> blocks.RequestCard:
    """Queue the DM with the decision buttons to each of `to` (outbox key `key(index, user)`); `lead` says
    why they get it (by default: why a program manager decides, if one does). Returns the card shown."""
    policy = load_policy(session=session)
    card = card_of(session=session, request=request, today=env.today(session), policy=policy)
    can_suggest = has_alternatives(session=session, request=request)
    top = lead(card) if lead else _lead(request, to)
    for i, uid in enumerate(to):
        text, blks = blocks.approval_dm(card, reader_tz=env.tz(session, uid), can_suggest=can_suggest, lead=top,
                                        reader_id=uid)
        enqueue(session=session, key=key(i, uid), channel=uid, text=text, blocks=blks)
    touch_homes(session, request.requester_id, *to, admins=request.flagged)
    return card


def notify_created(*, session: Session, env: RequestEnv, request: ReferenceRequest, tell_seller: bool) -> None:
    to = approvers(session=session, env=env, request=request)
    card = ask_approvers(session=session, env=env, request=request, to=to,
                         key=lambda i, uid: _approval_key(request.id, i, uid))
    if tell_seller:
        text, blks = blocks.seller_created_dm(card, approvers=to, usual_hours=usual_answer_hours(session=session, approvers=to),
                                              sla_hours=load_policy(session=session).approval_remind_hours)
        enqueue(session=session, key=f"request:{request.id}:created:seller", channel=request.requester_id,
                text=text, blocks=blks)
    if request.flagged:
        flag_to_program_managers(session=session, env=env, request=request, card=card, asked=to)


def flag_to_program_managers(
    *, session: Session, env: RequestEnv, request: ReferenceRequest, card: blocks.RequestCard | None = None,
    asked: list[str] | None = None,
) -> None:
    """Tell every program manager about a request for a resting or busy contact. One message per person: a
    program manager in `asked` has the decision DM already."""
    card = card or card_of(session=session, request=request, today=env.today(session))
    for pm in env.admins(session):
        if pm in (asked or []):
            continue
        text, blks = blocks.flagged_dm(card, can_decide=pm != request.requester_id)
        enqueue(session=session, key=f"request:{request.id}:flagged:{pm}", channel=pm, text=text, blocks=blks)


def usual_answer_hours(*, session: Session, approvers: list[str], last: int = 20) -> float | None:
    """The median time, in hours, these approvers took to decide their `last` decided requests (None
    without any history): what a seller can expect."""
    if not approvers:
        return None
    rows = session.execute(
        sa.select(ReferenceRequest.created_at, ReferenceRequest.decided_at)
        .where(ReferenceRequest.decided_by.in_(approvers), ReferenceRequest.decided_at.is_not(None))
        .order_by(ReferenceRequest.decided_at.desc()).limit(last)
    ).all()
    waits = [(decided - created).total_seconds() / 3600 for created, decided in rows if decided and created]
    return statistics.median(waits) if waits else None


def _keyed(prefix: str) -> Callable[[int, str], str]:
    return lambda _, uid: f"{prefix}:{uid}"


def follow_owner_changes(*, session: Session, env: RequestEnv) -> list[int]:
    """Pending requests whose account changed owner since they were asked (an import): the new owner
    decides them now. Records the change, and sends the new approvers the decision DM. Returns their ids."""
    moved = session.scalars(
        sa.select(ReferenceRequest)
        .join(Account, ReferenceRequest.account_id == Account.id)
        .where(ReferenceRequest.status == S.pending_approval,
               ReferenceRequest.owner_id.is_distinct_from(Account.owner_id))
        .order_by(ReferenceRequest.id)
    ).all()
    for request in moved:
        was, now = request.owner_id, request.account.owner_id
        request.owner_id = now
        lifecycle.record_event(session=session, request_id=request.id, actor_id=None, action="owner_changed",
                               now=env.now, detail={"from": was, "to": now})
        to = approvers(session=session, env=env, request=request)
        ask_approvers(session=session, env=env, request=request, to=to,
                      key=_keyed(f"request:{request.id}:approval_dm:owner:{now}"))
    session.flush()
    return [r.id for r in moved]


# ------------------------------------------------------------------ decisions


def can_decide(*, session: Session, env: RequestEnv, request: ReferenceRequest, user_id: str) -> bool:
    """A second person: the account owner as the account says now (an owner replaced since the request
    was made no longer decides) or a program manager; never the requester."""
    if not user_id or user_id == request.requester_id:
        return False
    if user_id == request.account.owner_id:
        return True
    return env.is_admin(session, user_id)


def _was_owner(session: Session, request: ReferenceRequest, user_id: str) -> bool:
    changes = session.scalars(sa.select(RequestEvent.detail).where(
        RequestEvent.request_id == request.id, RequestEvent.action == "owner_changed")).all()
    return any((detail or {}).get("from") == user_id for detail in changes)


def require_decider(*, session: Session, env: RequestEnv, request: ReferenceRequest, user_id: str) -> None:
    if can_decide(session=session, env=env, request=request, user_id=user_id):
        return
    owner = request.account.owner_id
    if user_id == request.requester_id:
        to = approvers(session=session, env=env, request=request)
        sent = (f"I've sent it to {_who(request, to)}." if to else
                "RefBot has nobody else to ask: your Slack admin can add a program manager to REFBOT_ADMINS.")
        raise NotAllowed(f"You asked for this reference, so someone else decides it: {sent} Nothing was changed.")
    if user_id == request.owner_id or _was_owner(session, request, user_id):
        now = f"<@{owner}> owns the account now and decides it" if owner else "the account has no owner now"
        raise NotAllowed(f"Request #{request.id} is no longer yours to approve: {now} (or a program manager). "
                         "Nothing was changed.")
    who = f"<@{owner}>" if owner else "a program manager"
    raise NotAllowed(
        f"Request #{request.id} is not yours to approve: {who} (the account owner) or a program "
        "manager decides. Nothing was changed."
    )


def require_pending(request: ReferenceRequest, to: RequestStatus) -> None:
    """Fail early (before opening a modal) when the request was decided already."""
    if S(request.status) is not S.pending_approval:
        raise InvalidTransition(lifecycle.refusal(request.id, S(request.status), to))


def update_button_dms(*, session: Session, env: RequestEnv, request: ReferenceRequest, step: str = "") -> set[str]:
    """Edit every DM that carried decision buttons for `request` (approval DMs, the program managers'
    flagged-request DMs): show the outcome, remove the buttons. `step` names a later edit of the same outcome
    (e.g. the seller answered a suggestion). Returns whose DMs were edited (they need no other message)."""
    prefixes = (f"request:{request.id}:approval_dm", f"request:{request.id}:flagged:")
    rows = session.execute(
        sa.select(OutboxMessage.dedupe_key, OutboxMessage.channel).where(
            sa.or_(*(OutboxMessage.dedupe_key.startswith(p, autoescape=True) for p in prefixes)),
            OutboxMessage.method == "chat.postMessage",
        ).order_by(OutboxMessage.id)
    ).all()
    if not rows:
        return set()
    card = card_of(session=session, request=request)
    edited = set()
    for key, channel in rows:
        tz = env.tz(session, channel) if channel else None
        if key.startswith(prefixes[1]):
            text, blks = blocks.flagged_dm(card, reader_tz=tz)
        else:
            text, blks = blocks.decided_dm(card, reader_tz=tz, reader_id=channel)
        enqueue(session=session, key=f"{key}:update:{S(request.status).value}{':' + step if step else ''}",
                channel=None, method="chat.update", update_of=key, text=text, blocks=blks)
        if channel:
            edited.add(channel)
    return edited
