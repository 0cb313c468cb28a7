"""The wish list: sellers name customers they wish were references, and why.

Wishes for the same customer merge into one wished customer: the same company name once accents, case,
punctuation and legal suffixes are ignored (`normalize_company`, as nominations do), or a near-identical one
(a typo: similarity >= 90). A wished customer RefBot knows as an account is linked to it; its account owner
is asked once, by DM, whether the customer would be open to it. When the customer becomes a reference (an
active contact at an active account, from an accepted nomination, an import or the CRM sync), everyone who
wished for it is told once (`reconcile`, run after each wish and by the `wishes` job).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from rapidfuzz import fuzz
from sqlalchemy.orm import Session

from refbot.blocks import wishes as blocks
from refbot.blocks.kit import escape
from refbot.domain import AccountStatus, ContactStatus, OpportunityOutcome
from refbot.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from refbot.models import Account, Contact, Opportunity, ReferenceRequest, Wish, WishedCustomer
from refbot.services.nominations import normalize_company
from refbot.services.outbox import enqueue

SAME_CUSTOMER = 90  # rapidfuzz ratio of two normalised names that are one customer misspelt
MAX_DEALS = 100  # Slack's options per select
NAME_MAX = 200
WHY_MAX = 1000


# ------------------------------------------------------------------ identity


def _similar(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) < 5:  # "acme" / "acne": too short to call a typo
        return False
    return fuzz.ratio(a, b) >= SAME_CUSTOMER


def find_customer(*, session: Session, name: str) -> WishedCustomer | None:
    """The wished customer `name` names (exactly, or misspelt), or None."""
    key = normalize_company(name)
    exact = session.scalar(sa.select(WishedCustomer).where(WishedCustomer.name_key == key))
    if exact is not None or not key:
        return exact
    for cid, other in session.execute(sa.select(WishedCustomer.id, WishedCustomer.name_key).order_by(WishedCustomer.id)):
        if _similar(key, other):
            return session.get(WishedCustomer, cid)
    return None


def find_account(*, session: Session, name: str) -> Account | None:
    """The account `name` names: same normalised name first, else the closest near-identical one."""
    key = normalize_company(name)
    if not key:
        return None
    close: int | None = None
    for aid, account_name in session.execute(
        sa.select(Account.id, Account.name).where(Account.status != AccountStatus.retired).order_by(Account.id)
    ):
        other = normalize_company(account_name)
        if other == key:
            return session.get(Account, aid)
        if close is None and _similar(key, other):
            close = aid
    return session.get(Account, close) if close is not None else None


def is_reference(session: Session, account_id: int | None) -> bool:
    """Does the account have an active contact (at an active account), i.e. can sellers ask for it?"""
    if account_id is None:
        return False
    return session.scalar(
        sa.select(Contact.id).join(Account, Account.id == Contact.account_id)
        .where(Contact.account_id == account_id, Contact.status == ContactStatus.active,
               Account.status == AccountStatus.active).limit(1)
    ) is not None


# ------------------------------------------------------------------ the form


def deal_choices(*, session: Session, user_id: str) -> list[tuple[str, str]]:
    """(label, opportunity id) for the seller's open deals: theirs in the CRM or the ones they requested for."""
    requested = sa.select(ReferenceRequest.opportunity_id).where(ReferenceRequest.requester_id == user_id)
    rows = session.execute(
        sa.select(Opportunity.id, Opportunity.prospect_company, Opportunity.amount)
        .where(Opportunity.outcome == OpportunityOutcome.open,
               sa.or_(Opportunity.owner_id == user_id, Opportunity.id.in_(requested)))
        .order_by(Opportunity.amount.desc().nulls_last(), Opportunity.prospect_company, Opportunity.id)
        .limit(MAX_DEALS)
    ).all()
    return [(blocks.deal_label(prospect, amount), str(oid)) for oid, prospect, amount in rows]


@dataclass(frozen=True)
class WishInput:
    customer: str
    why: str
    opportunity_id: int | None = None
    search_id: int | None = None


def validate(*, session: Session, user_id: str, data: WishInput) -> tuple[str, str]:
    """(customer name, why), cleaned; ValidationFailed.field_errors keyed by the modal's block ids."""
    errors: dict[str, str] = {}
    name = " ".join(data.customer.replace("\x00", "").split())
    if not normalize_company(name):
        errors["customer"] = "Which customer do you wish were a reference?"
    elif len(name) > NAME_MAX:
        errors["customer"] = f"Keep it under {NAME_MAX} characters."
    why = data.why.replace("\x00", "").strip()
    if not why:
        errors["why"] = "Say in a sentence why: it helps the program team ask them."
    elif len(why) > WHY_MAX:
        errors["why"] = f"Keep it under {WHY_MAX} characters."
    if data.opportunity_id is not None and str(data.opportunity_id) not in {
            v for _, v in deal_choices(session=session, user_id=user_id)}:
        errors["deal"] = "Pick one of your open deals (or none)."
    if errors:
        raise ValidationFailed(f"Please check the form: {next(iter(errors.values()))}", errors)
    return name, why


# ------------------------------------------------------------------ wishing


@dataclass(frozen=True)
class Wished:
    customer_id: int | None
    customer_name: str
    wishers: int  # sellers wishing for it, this one included
    repeated: bool = False  # this seller had wished for it before: their wish was updated
    merged: bool = False  # others had wished for it first (perhaps spelt differently)
    already_reference: bool = False  # it is a reference already: nothing was stored
    owner_asked: bool = False  # its owner was asked (now or before)


def _serialize(session: Session) -> None:
    """Two sellers wishing for the same new customer at once must make one wished customer (SQLite already
    runs one writer at a time; PostgreSQL takes a lock held until the transaction ends)."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha1(b"refbot:wishes").digest()[:8], "big", signed=True)
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _wishers(session: Session, customer_id: int) -> int:
    return int(session.scalar(sa.select(sa.func.count(Wish.id)).where(Wish.customer_id == customer_id)) or 0)


def submit(*, session: Session, requester_id: str, data: WishInput, now: dt.datetime,
           token: str | None = None) -> Wished:
    """Record the wish (merged into the customer's earlier wishes), ask the owner once, confirm by DM.
    `token` (the modal's view id) makes a redelivered submission send no second confirmation."""
    name, why = validate(session=session, user_id=requester_id, data=data)
    _serialize(session)
    customer = find_customer(session=session, name=name)
    account = (session.get(Account, customer.account_id) if customer is not None and customer.account_id
               else find_account(session=session, name=name))
    if account is not None and is_reference(session, account.id):
        if customer is not None and customer.fulfilled_at is None:  # it just became one: tell the earlier wishers
            customer.account_id = customer.account_id or account.id
            _fulfil(session, customer, now)
        text, blks = blocks.already_reference_dm(customer=account.name)
        enqueue(session=session, key=f"wish:confirm:{requester_id}:{token or now.isoformat()}", channel=requester_id,
                text=text, blocks=blks)
        return Wished(customer.id if customer else None, account.name, 0, already_reference=True)
    merged = customer is not None
    if customer is None:
        customer = WishedCustomer(name=account.name if account else name, name_key=normalize_company(name),
                                  account_id=account.id if account else None, created_at=now)
        session.add(customer)
        session.flush()
    else:
        if customer.account_id is None and account is not None:
            customer.account_id = account.id
        customer.fulfilled_at = None  # it was a reference once and is not now: back on the list
    wish = session.scalar(sa.select(Wish).where(Wish.customer_id == customer.id, Wish.requester_id == requester_id))
    repeated = wish is not None
    if wish is None:
        wish = Wish(customer_id=customer.id, requester_id=requester_id, typed_name=name, why=why,
                    opportunity_id=data.opportunity_id, search_id=data.search_id, created_at=now)
        session.add(wish)
    else:
        wish.why, wish.typed_name = why, name
        wish.opportunity_id = data.opportunity_id or wish.opportunity_id
        wish.search_id = data.search_id or wish.search_id
    session.flush()
    others = merged and session.scalar(sa.select(Wish.id).where(Wish.customer_id == customer.id,
                                                                Wish.requester_id != requester_id).limit(1))
    count = _wishers(session, customer.id)
    asked = _ask_owner(session, customer, now)
    text, blks = blocks.wished_dm(customer=customer.name, wishers=count, repeated=repeated,
                                  owner_asked=asked or customer.owner_asked_at is not None)
    enqueue(session=session, key=f"wish:confirm:{requester_id}:{token or now.isoformat()}", channel=requester_id,
            text=text, blocks=blks)
    return Wished(customer.id, customer.name, count, repeated=repeated, merged=bool(others),
                  owner_asked=customer.owner_asked_at is not None)


# ------------------------------------------------------------------ the account owner


def _reasons(session: Session, customer_id: int) -> list[tuple[str, str]]:
    return [(w.requester_id, w.why) for w in session.scalars(
        sa.select(Wish).where(Wish.customer_id == customer_id).order_by(Wish.id).limit(blocks.MAX_REASONS))]


def _ask_owner(session: Session, customer: WishedCustomer, now: dt.datetime) -> bool:
    """DM the account owner once: would the customer be open to being a reference? True when asked now."""
    if customer.owner_asked_at is not None or customer.fulfilled_at is not None or customer.account_id is None:
        return False
    account = session.get(Account, customer.account_id)
    if account is None or not account.owner_id:
        return False
    claimed = session.execute(
        sa.update(WishedCustomer).where(WishedCustomer.id == customer.id, WishedCustomer.owner_asked_at.is_(None))
        .values(owner_asked_at=now).execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    session.refresh(customer)
    text, blks = blocks.owner_dm(customer_id=customer.id, customer=account.name,
                                 wishers=_wishers(session, customer.id), reasons=_reasons(session, customer.id))
    enqueue(session=session, key=f"wish:{customer.id}:owner", channel=account.owner_id, text=text, blocks=blks)
    return True


def answer(*, session: Session, customer_id: int, actor_id: str, is_admin: bool, open_to_it: bool,
           now: dt.datetime) -> WishedCustomer:
    """The owner's answer (first one counts). "Yes" goes on to the nomination form; "Not now" is shown to the
    program managers on the wish list."""
    customer = session.get(WishedCustomer, customer_id)
    if customer is None:
        raise NotFound("That wish doesn't exist any more.")
    account = session.get(Account, customer.account_id) if customer.account_id else None
    if not is_admin and (account is None or account.owner_id != actor_id):
        raise NotAllowed("Only the customer's account owner can answer this.")
    result = session.execute(
        sa.update(WishedCustomer).where(WishedCustomer.id == customer_id, WishedCustomer.owner_answer.is_(None))
        .values(owner_answer="yes" if open_to_it else "not_now", owner_answered_by=actor_id)
        .execution_options(synchronize_session=False)
    )
    session.refresh(customer)
    if result.rowcount != 1 and not open_to_it:  # type: ignore[attr-defined]
        raise InvalidTransition(f"You already answered about {escape(customer.name)}.")
    return customer


# ------------------------------------------------------------------ the program manager's list


@dataclass(frozen=True)
class WishLine:
    customer_id: int
    name: str
    wishers: int
    pipeline: int  # the open deals' amounts the wishers named (each deal once)
    known_account: bool
    owner_id: str | None
    owner_answer: str | None
    reasons: tuple[str, ...]


def wish_list(*, session: Session, limit: int = 10) -> tuple[list[WishLine], int]:
    """(the wished customers most wanted first: most sellers, then most open pipeline; how many in all).
    Customers that became references are off the list."""
    open_customers = sa.select(WishedCustomer.id).where(WishedCustomer.fulfilled_at.is_(None))
    counts = dict(session.execute(
        sa.select(Wish.customer_id, sa.func.count(sa.distinct(Wish.requester_id)))
        .where(Wish.customer_id.in_(open_customers)).group_by(Wish.customer_id)).tuples().all())
    pipeline: dict[int, int] = {}
    deals = session.execute(
        sa.select(Wish.customer_id, Opportunity.id, Opportunity.amount)
        .join(Opportunity, Opportunity.id == Wish.opportunity_id)
        .where(Wish.customer_id.in_(open_customers), Opportunity.outcome == OpportunityOutcome.open)
        .distinct()
    ).all()
    for cid, _, amount in deals:
        pipeline[cid] = pipeline.get(cid, 0) + int(amount or 0)
    ranked = sorted(counts, key=lambda cid: (-counts[cid], -pipeline.get(cid, 0), cid))
    lines: list[WishLine] = []
    for cid in ranked[:limit]:
        customer = session.get(WishedCustomer, cid)
        assert customer is not None
        account = session.get(Account, customer.account_id) if customer.account_id else None
        reasons = tuple(session.scalars(sa.select(Wish.why).where(Wish.customer_id == cid).order_by(Wish.id)
                                        .limit(blocks.MAX_REASONS)))
        lines.append(WishLine(cid, customer.name, counts[cid], pipeline.get(cid, 0), account is not None,
                              account.owner_id if account else None, customer.owner_answer, reasons))
    return lines, len(ranked)


# ------------------------------------------------------------------ becoming a reference


def reconcile(*, session: Session, now: dt.datetime, customer_ids: list[int] | None = None) -> tuple[int, int, int]:
    """Link wished customers to accounts that appeared since, ask their owners, and tell the wishers of those
    that became references (each once). Returns (linked, owners asked, customers fulfilled)."""
    stmt = sa.select(WishedCustomer).where(WishedCustomer.fulfilled_at.is_(None)).order_by(WishedCustomer.id)
    if customer_ids is not None:
        stmt = stmt.where(WishedCustomer.id.in_(customer_ids))
    linked = asked = fulfilled = 0
    for customer in list(session.scalars(stmt)):
        if customer.account_id is None:
            account = find_account(session=session, name=customer.name)
            if account is None:
                continue
            customer.account_id = account.id
            linked += 1
            session.flush()
        if is_reference(session, customer.account_id):
            fulfilled += _fulfil(session, customer, now)
        elif _ask_owner(session, customer, now):
            asked += 1
    return linked, asked, fulfilled


def _fulfil(session: Session, customer: WishedCustomer, now: dt.datetime) -> int:
    claimed = session.execute(
        sa.update(WishedCustomer).where(WishedCustomer.id == customer.id, WishedCustomer.fulfilled_at.is_(None))
        .values(fulfilled_at=now).execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return 0
    account = session.get(Account, customer.account_id) if customer.account_id else None
    name = account.name if account else customer.name
    for wish in session.scalars(sa.select(Wish).where(Wish.customer_id == customer.id).order_by(Wish.id)):
        text, blks = blocks.fulfilled_dm(customer=name, typed=wish.typed_name)
        enqueue(session=session, key=f"wish:{wish.id}:fulfilled", channel=wish.requester_id, text=text, blocks=blks)
    return 1
