"""Nominations: a seller suggests a happy customer; a program manager accepts (the account and contact are
created or updated, the nominator earns points) or rejects with a reason.

The same person nominated twice is one nomination: a later nomination of a person with a pending or
accepted nomination is stored as `merged` (pointing at the first), adds its details to it, and never earns
points. Decisions are conditional UPDATEs, so a double click or two program managers deciding at once
yield one decision. Every DM is written to the outbox in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import sqlalchemy as sa
from rapidfuzz import fuzz, process, utils
from sqlalchemy.orm import Session

from refbot.blocks import nominations as blocks
from refbot.blocks.format import person
from refbot.blocks.kit import escape
from refbot.db import touch_homes
from refbot.domain import (
    AccountStatus,
    ActivityType,
    ContactStatus,
    NominationStatus,
    PointsReason,
    seniority_from_title,
)
from refbot.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from refbot.models import Account, Contact, Nomination, OutboxMessage
from refbot.services.outbox import enqueue
from refbot.services.points import award

N = NominationStatus
OPEN_STATUSES = (N.pending, N.accepted)
SUGGESTIONS = 8
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]{2,}$")
_LEGAL_SUFFIXES = frozenset({
    "inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "llc", "llp", "lp", "plc",
    "gmbh", "ag", "kg", "se", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "ab", "oy", "as", "aps", "pty",
    "kk", "group", "holding", "holdings",
})


# ------------------------------------------------------------------ normalisation and identity


@lru_cache(maxsize=200_000)  # pure; the account picker normalises every account name on each keystroke
def normalize_text(text: str | None) -> str:
    """'  Dána  SCULLY-Mulder ' -> 'dana scully mulder' (accents, case, punctuation and spacing ignored)."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_ish = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", ascii_ish.casefold()).replace("_", " ").split())


@lru_cache(maxsize=200_000)
def normalize_company(name: str | None) -> str:
    """'Globex Corp.' and 'GLOBEX Corporation' -> 'globex' (legal suffixes dropped unless that is all)."""
    words = normalize_text(name).split()
    kept = [w for w in words if w not in _LEGAL_SUFFIXES]
    return " ".join(kept or words)


def normalize_email(email: str | None) -> str:
    return (email or "").strip().lower()


def dedupe_key(*, email: str | None, name: str, account_name: str) -> str:
    """The identity of a nominated person: their email, else their name at their company."""
    mail = normalize_email(email)
    if mail:
        return f"email:{mail}"[:400]
    return f"name:{normalize_text(name)}@{normalize_company(account_name)}"[:400]


# ------------------------------------------------------------------ the form


def product_vocabulary(*, session: Session, limit: int = blocks.MAX_PRODUCT_OPTIONS) -> list[str]:
    """Products present in the program's accounts, the most common first (at most `limit`)."""
    counts: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    for products in session.scalars(sa.select(Account.products)):
        for product in products or []:
            name = " ".join(str(product).split())
            if not name:
                continue
            key = name.casefold()
            counts[key] += 1
            spelled.setdefault(key, name)
    return [spelled[k] for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def account_choices(*, session: Session, query: str, limit: int = SUGGESTIONS) -> list[tuple[str, str]]:
    """[(label, value)] for the account picker: existing accounts matching `query` (typo-tolerant), then
    "New customer: <query>" unless the query names an existing account exactly."""
    typed = " ".join((query or "").split())[: blocks.LIMITS["account"]]
    rows = session.execute(
        sa.select(Account.id, Account.name).where(Account.status != AccountStatus.retired).order_by(Account.name)
    ).all()
    if not typed:
        return [(name, f"{blocks.ACCOUNT_PREFIX}{aid}") for aid, name in rows[:limit]]
    names = {aid: name for aid, name in rows}
    wanted, start = normalize_company(typed), normalize_text(typed)
    exact: list[int] = []
    prefix: list[int] = []
    for aid, name in rows:
        if normalize_company(name) == wanted:
            exact.append(aid)
        elif normalize_text(name).startswith(start):
            prefix.append(aid)
    seen = set(exact) | set(prefix)
    fuzzy = [
        aid for _, score, aid in process.extract(
            typed, names, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit * 2, score_cutoff=70
        )
        if aid not in seen
    ]
    picked = (exact + prefix + fuzzy)[:limit]
    choices = [(names[aid], f"{blocks.ACCOUNT_PREFIX}{aid}") for aid in picked]
    if not exact:
        choices.append((blocks.new_customer_label(typed), f"{blocks.NEW_PREFIX}{typed}"))
    return choices


def similar_account(*, session: Session, name: str) -> str | None:
    """The closest existing account name to a new customer's (score >= 85), for "did you mean …?"."""
    names = list(session.scalars(sa.select(Account.name)))
    best = process.extractOne(name, names, scorer=fuzz.WRatio, processor=utils.default_process, score_cutoff=85)
    return best[0] if best else None


@dataclass(frozen=True)
class NominationInput:
    """The form as typed. `account` is "acc:<id>" (an existing account) or "new:<name>"."""

    account: str | None
    contact_name: str
    contact_title: str = ""
    contact_email: str = ""
    why: str = ""
    products: list[str] = field(default_factory=list)
    products_other: str = ""
    activities: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ValidNomination:
    account_id: int | None
    account_name: str
    contact_name: str
    contact_title: str
    contact_email: str | None
    why: str
    products: list[str]
    activities: list[str]


def _dedupe(items: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        clean = " ".join(item.split())
        if clean and clean.casefold() not in seen:
            seen[clean.casefold()] = clean[:100]
    return list(seen.values())


def validate(*, session: Session, data: NominationInput) -> ValidNomination:
    """Check the form; ValidationFailed.field_errors is keyed by the modal's block ids."""
    errors: dict[str, str] = {}
    account_id: int | None = None
    account_name = ""
    choice = (data.account or "").strip()
    if choice.startswith(blocks.ACCOUNT_PREFIX):
        try:
            account = session.get(Account, int(choice[len(blocks.ACCOUNT_PREFIX):]))
        except ValueError:
            account = None
        if account is None:
            errors["account"] = "That account no longer exists. Pick it again."
        else:
            account_id, account_name = account.id, account.name
    elif choice.startswith(blocks.NEW_PREFIX):
        typed = choice[len(blocks.NEW_PREFIX):].replace("\x00", "")  # PostgreSQL can't store NUL characters
        account_name = " ".join(typed.split())[: blocks.LIMITS["account"]]
        if not normalize_text(account_name):
            errors["account"] = "Type the customer's company name."
    else:
        errors["account"] = "Pick the customer's account (or “New customer”)."

    name = " ".join(data.contact_name.split())
    if not name:
        errors["name"] = "Who is the happy customer?"
    elif len(name) > blocks.LIMITS["name"]:
        errors["name"] = f"Keep it under {blocks.LIMITS['name']} characters."
    title = " ".join(data.contact_title.split())
    if len(title) > blocks.LIMITS["title"]:
        errors["title"] = f"Keep it under {blocks.LIMITS['title']} characters."
    email = normalize_email(data.contact_email)
    if email and (len(email) > blocks.LIMITS["email"] or not _EMAIL.match(email)):
        errors["email"] = "That doesn't look like an email address (name@company.com)."
    why = data.why.strip()
    if not why:
        errors["why"] = "Say in a sentence why they are happy: it helps the program team ask them."
    elif len(why) > blocks.LIMITS["why"]:
        errors["why"] = f"Keep it under {blocks.LIMITS['why']} characters."
    products = _dedupe(list(data.products) + [p for p in re.split(r"[,;\n]", data.products_other or "")])
    if len(products) > 20:
        errors["products_other" if data.products_other else "products"] = "List at most 20 products."
    activities = []
    for value in data.activities:
        try:
            activities.append(ActivityType(value).value)
        except ValueError:
            errors["activities"] = "Pick from the list."
    if errors:
        first = next(iter(errors.values()))
        raise ValidationFailed(f"Please check the form: {first}", errors)
    return ValidNomination(account_id, account_name, name, title, email or None, why, products,
                           sorted(set(activities), key=[a.value for a in ActivityType].index))


# ------------------------------------------------------------------ reading


def get_nomination(*, session: Session, nomination_id: int) -> Nomination:
    nomination = session.get(Nomination, nomination_id)
    if nomination is None:
        raise NotFound(f"Nomination #{nomination_id} doesn't exist any more.")
    return nomination


def card_of(*, session: Session, nomination: Nomination, points: int = 0) -> blocks.NominationCard:
    also = tuple(
        uid for uid in session.scalars(
            sa.select(Nomination.nominator_id)
            .where(Nomination.merged_into_id == nomination.id, Nomination.nominator_id != nomination.nominator_id)
            .order_by(Nomination.id)
        )
    )
    is_new = nomination.account_id is None
    existing_contact = nomination.status is N.pending and _find_contact(
        session, account_id=nomination.account_id, name=nomination.contact_name, email=nomination.contact_email
    ) is not None
    return blocks.NominationCard(
        id=nomination.id,
        nominator_id=nomination.nominator_id,
        status=N(nomination.status),
        account_name=nomination.account_name,
        account_is_new=is_new,
        contact_name=nomination.contact_name,
        contact_title=nomination.contact_title or "",
        contact_email=nomination.contact_email,
        why=nomination.why or "",
        products=tuple(nomination.products or ()),
        activities=tuple(nomination.activities or ()),
        created_at=nomination.created_at,
        also_nominated_by=tuple(dict.fromkeys(also)),
        similar_account=similar_account(session=session, name=nomination.account_name) if is_new else None,
        existing_contact=existing_contact,
        reviewed_by=nomination.reviewed_by,
        reviewed_at=nomination.reviewed_at,
        reject_reason=nomination.reject_reason,
        points=points,
    )


def pending(*, session: Session, limit: int | None = None) -> tuple[list[Nomination], int]:
    """(the oldest pending nominations, how many are pending)."""
    total = session.scalar(sa.select(sa.func.count(Nomination.id)).where(Nomination.status == N.pending)) or 0
    stmt = sa.select(Nomination).where(Nomination.status == N.pending).order_by(Nomination.created_at, Nomination.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt)), int(total)


# ------------------------------------------------------------------ submitting


@dataclass(frozen=True)
class Submitted:
    nomination_id: int
    status: NominationStatus  # pending (new), merged (someone else nominated them first)
    original_id: int | None = None  # the earlier nomination of the same person
    original_nominator: str | None = None
    repeated: bool = False  # the nominator had already nominated this person: nothing new was stored


def _serialize_nominations(session: Session) -> None:
    """Two people nominating the same customer at the same moment must not both create a nomination.
    SQLite already runs one write transaction at a time (BEGIN IMMEDIATE); PostgreSQL takes a lock held
    until this transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha1(b"refbot:nominations").digest()[:8], "big", signed=True)
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _find_original(session: Session, valid: ValidNomination, key: str) -> Nomination | None:
    """The earliest pending/accepted nomination of the same person (same email, or same name at the same
    company when either side has no email)."""
    same_key = session.scalar(
        sa.select(Nomination).where(Nomination.dedupe_key == key, Nomination.status.in_(OPEN_STATUSES))
        .order_by(Nomination.id).limit(1)
    )
    if same_key is not None:
        return same_key
    name, company = normalize_text(valid.contact_name), normalize_company(valid.account_name)
    candidates = session.scalars(
        sa.select(Nomination).where(Nomination.status.in_(OPEN_STATUSES)).order_by(Nomination.id)
    )
    for other in candidates:
        if normalize_text(other.contact_name) != name or normalize_company(other.account_name) != company:
            continue
        if not valid.contact_email or not other.contact_email:
            return other
    return None


def _already_nominated_by(session: Session, original: Nomination, nominator_id: str) -> bool:
    if original.nominator_id == nominator_id:
        return True
    return session.scalar(
        sa.select(Nomination.id).where(Nomination.merged_into_id == original.id,
                                       Nomination.nominator_id == nominator_id).limit(1)
    ) is not None


def _review_keys(session: Session, nomination_id: int) -> list[str]:
    prefix = f"nomination:{nomination_id}:review:"
    return sorted(session.scalars(
        sa.select(OutboxMessage.dedupe_key).where(
            OutboxMessage.dedupe_key.startswith(prefix, autoescape=True), OutboxMessage.method == "chat.postMessage"
        )
    ))


def submit(
    *, session: Session, nominator_id: str, data: NominationInput, reviewers: list[str], now: dt.datetime,
    token: str | None = None,
) -> Submitted:
    """Store a nomination and DM the program managers (`reviewers`), or merge it into an earlier nomination of
    the same person. `token` (e.g. the modal's view id) makes a repeated submission a no-op."""
    valid = validate(session=session, data=data)
    _serialize_nominations(session)
    key = dedupe_key(email=valid.contact_email, name=valid.contact_name, account_name=valid.account_name)
    original = _find_original(session, valid, key)
    if original is not None and _already_nominated_by(session, original, nominator_id):
        card = card_of(session=session, nomination=original)
        text, blks = blocks.merged_dm(card, original_nominator=nominator_id, original_status=N(original.status),
                                      same_person=True)
        enqueue(session=session, key=f"nomination:{original.id}:repeat:{token or now.isoformat()}",
                channel=nominator_id, text=text, blocks=blks)
        return Submitted(original.id, N(original.status), original.id, nominator_id, repeated=True)

    nomination = Nomination(
        nominator_id=nominator_id, account_name=valid.account_name, account_id=valid.account_id,
        contact_name=valid.contact_name, contact_title=valid.contact_title, contact_email=valid.contact_email,
        why=valid.why, products=valid.products, activities=valid.activities, status=N.pending, dedupe_key=key,
        created_at=now, updated_at=now,
    )
    if original is not None:
        nomination.status = N.merged
        nomination.merged_into_id = original.id
    session.add(nomination)
    session.flush()

    if original is not None:
        _merge_details(original, valid, now)
        session.flush()
        card = card_of(session=session, nomination=nomination)
        text, blks = blocks.merged_dm(card, original_nominator=original.nominator_id,
                                      original_status=N(original.status), same_person=False)
        enqueue(session=session, key=f"nomination:{nomination.id}:submitted", channel=nominator_id, text=text,
                blocks=blks)
        if original.status is N.pending:  # show the reviewers who else vouches for this customer
            original_card = card_of(session=session, nomination=original)
            text, blks = blocks.review_dm(original_card)
            for review_key in _review_keys(session, original.id):
                enqueue(session=session, key=f"{review_key}:merge:{nomination.id}", channel=None,
                        method="chat.update", update_of=review_key, text=text, blocks=blks)
        touch_homes(session, nominator_id, admins=original.status is N.pending)
        return Submitted(nomination.id, N.merged, original.id, original.nominator_id)

    card = card_of(session=session, nomination=nomination)
    text, blks = blocks.review_dm(card)
    for reviewer in reviewers:
        enqueue(session=session, key=f"nomination:{nomination.id}:review:{reviewer}", channel=reviewer, text=text,
                blocks=blks)
    text, blks = blocks.submitted_dm(card, reviewers=len(reviewers))
    enqueue(session=session, key=f"nomination:{nomination.id}:submitted", channel=nominator_id, text=text,
            blocks=blks)
    touch_homes(session, nominator_id, *reviewers, admins=True)
    return Submitted(nomination.id, N.pending)


def _merge_details(original: Nomination, valid: ValidNomination, now: dt.datetime) -> None:
    """A duplicate nomination fills what the first one lacked and adds products and activities."""
    if not original.contact_title and valid.contact_title:
        original.contact_title = valid.contact_title
    if not original.contact_email and valid.contact_email:
        original.contact_email = valid.contact_email
    original.products = _dedupe(list(original.products or []) + valid.products)
    order = [a.value for a in ActivityType]
    original.activities = sorted(set(original.activities or []) | set(valid.activities), key=order.index)
    if valid.why and valid.why not in (original.why or ""):
        original.why = ((original.why or "") + "\n\n" + valid.why).strip()[:4000]
    original.updated_at = now


# ------------------------------------------------------------------ deciding


@dataclass(frozen=True)
class Decision:
    nomination_id: int
    status: NominationStatus
    account_id: int | None = None
    contact_id: int | None = None
    points: int = 0


def _require_admin(is_admin: bool) -> None:
    if not is_admin:
        raise NotAllowed("Only program managers can accept or reject nominations.")


def refusal(nomination: Nomination, reader_id: str | None = None) -> str:
    """Why a nomination can't be decided (any more), to `reader_id` ("by you" when they decided it)."""
    by = f" by {person(nomination.reviewed_by, reader_id)}" if nomination.reviewed_by else ""
    state = {
        N.accepted: f"was already accepted{by}.",
        N.rejected: f"was already rejected{by}.",
        N.merged: "was merged into an earlier one; decide on that one.",
    }.get(N(nomination.status), "is still waiting for a decision.")
    return f"The nomination of {escape(nomination.contact_name)} {state}"


def require_pending(*, session: Session, nomination_id: int, is_admin: bool,
                    actor_id: str | None = None) -> Nomination:
    """For opening the reject form: the nomination, if the clicker may still decide it."""
    _require_admin(is_admin)
    nomination = get_nomination(session=session, nomination_id=nomination_id)
    if nomination.status is not N.pending:
        raise InvalidTransition(refusal(nomination, actor_id))
    return nomination


def _claim_decision(session: Session, nomination_id: int, to: NominationStatus, actor_id: str, now: dt.datetime,
                    **values: object) -> Nomination:
    """Move pending -> `to` with a conditional UPDATE: of two concurrent clicks, exactly one wins."""
    nomination = get_nomination(session=session, nomination_id=nomination_id)
    result = session.execute(
        sa.update(Nomination)
        .where(Nomination.id == nomination_id, Nomination.status == N.pending)
        .values(status=to, reviewed_by=actor_id, reviewed_at=now, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(nomination)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidTransition(refusal(nomination, actor_id))
    return nomination


def _find_account(session: Session, nomination: Nomination) -> Account | None:
    if nomination.account_id is not None:
        return session.get(Account, nomination.account_id)
    wanted = normalize_company(nomination.account_name)
    for account_id, name in session.execute(sa.select(Account.id, Account.name).order_by(Account.id)):
        if normalize_company(name) == wanted:
            return session.get(Account, account_id)
    return None


def _find_contact(session: Session, *, account_id: int | None, name: str, email: str | None) -> Contact | None:
    if email:
        found = session.scalar(
            sa.select(Contact).where(sa.func.lower(Contact.email) == normalize_email(email)).order_by(Contact.id)
            .limit(1)
        )
        if found is not None:
            return found
    if account_id is None:
        return None
    wanted = normalize_text(name)
    for contact in session.scalars(sa.select(Contact).where(Contact.account_id == account_id).order_by(Contact.id)):
        if normalize_text(contact.name) == wanted and (not email or not contact.email):
            return contact
    return None


def _free_external_id(session: Session, model: type[Account] | type[Contact], base: str) -> str:
    candidate, n = base, 1
    while session.scalar(sa.select(model.id).where(model.external_id == candidate)) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def accept(*, session: Session, nomination_id: int, actor_id: str, is_admin: bool, now: dt.datetime) -> Decision:
    """Accept: create or update the account and contact (linked to the nominator), award the nominator's
    points, update the reviewers' DMs and tell the nominator."""
    _require_admin(is_admin)
    nomination = _claim_decision(session, nomination_id, N.accepted, actor_id, now)

    account = _find_account(session, nomination)
    if account is None:
        account = Account(
            external_id=_free_external_id(session, Account, f"NOM-{nomination.id}"), name=nomination.account_name,
            products=list(nomination.products or []), status=AccountStatus.active,
            nominated_by=nomination.nominator_id, created_at=now, updated_at=now,
        )
        session.add(account)
        session.flush()
    else:
        account.products = _dedupe(list(account.products or []) + list(nomination.products or []))
        account.updated_at = now

    contact = _find_contact(session, account_id=account.id, name=nomination.contact_name,
                            email=nomination.contact_email)
    if contact is None:
        contact = Contact(
            external_id=_free_external_id(session, Contact, f"NOM-{nomination.id}"), account_id=account.id,
            name=nomination.contact_name, title=nomination.contact_title or "",
            seniority=seniority_from_title(nomination.contact_title), email=nomination.contact_email,
            activities=list(nomination.activities or []), status=ContactStatus.active,
            nominated_by=nomination.nominator_id, created_at=now, updated_at=now,
        )
        session.add(contact)
    else:
        if not contact.title and nomination.contact_title:
            contact.title = nomination.contact_title
            contact.seniority = seniority_from_title(nomination.contact_title)
        if not contact.email and nomination.contact_email:
            contact.email = nomination.contact_email
        order = [a.value for a in ActivityType]
        contact.activities = sorted(set(contact.activities or []) | set(nomination.activities or []),
                                    key=lambda a: order.index(a) if a in order else len(order))
        contact.nominated_by = contact.nominated_by or nomination.nominator_id
        contact.updated_at = now
    session.flush()
    nomination.account_id = account.id
    nomination.contact_id = contact.id

    entry = award(session=session, reason=PointsReason.nomination_accepted,
                  source_key=f"nomination:{nomination.id}:accepted", user_id=nomination.nominator_id,
                  note=f"Nominated {nomination.contact_name} ({nomination.account_name})", now=now)
    points = entry.points if entry is not None else 0
    _tell_decision(session, nomination, points)
    return Decision(nomination.id, N.accepted, account.id, contact.id, points)


def reject(
    *, session: Session, nomination_id: int, actor_id: str, is_admin: bool, reason: str, now: dt.datetime
) -> Decision:
    _require_admin(is_admin)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Say why, briefly: the nominator sees it.", {"reason": "Say why, briefly."})
    nomination = _claim_decision(session, nomination_id, N.rejected, actor_id, now,
                                 reject_reason=reason[: blocks.LIMITS["reason"]])
    _tell_decision(session, nomination, 0)
    return Decision(nomination.id, N.rejected)


def _tell_decision(session: Session, nomination: Nomination, points: int) -> None:
    """Edit every reviewer's DM in place; the nominator gets one new DM (it notifies them), and their
    confirmation stays as it was: one message per decision. Every Home tab that lists it is refreshed."""
    card = card_of(session=session, nomination=nomination, points=points)
    status = card.status.value
    reviewers = []
    for review_key in _review_keys(session, nomination.id):
        reviewer = review_key.rsplit(":", 1)[-1]
        text, blks = blocks.review_dm(card, reader_id=reviewer)  # "Accepted by you" in the decider's own copy
        enqueue(session=session, key=f"{review_key}:{status}", channel=None, method="chat.update",
                update_of=review_key, text=text, blocks=blks)
        reviewers.append(reviewer)
    text, blks = blocks.decided_dm(card)
    enqueue(session=session, key=f"nomination:{nomination.id}:{status}", channel=nomination.nominator_id, text=text,
            blocks=blks)
    touch_homes(session, nomination.nominator_id, nomination.reviewed_by, *reviewers, admins=True)
