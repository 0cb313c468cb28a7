"""First run: a seller opening RefBot's Home tab or typing `/reference` for the first time gets a short welcome,
once per person (a row in `welcomes`, claimed by its primary key, so two first opens at once welcome once).
People who used RefBot before the welcome existed (a request, nomination or wish; searches alone don't count:
someone who only searched has not met the rest) are marked as welcomed without being shown it."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.db import add_unique
from refbot.domain import AccountStatus, ContactStatus, Seniority
from refbot.geo import country_name
from refbot.models import Account, Contact, Nomination, ReferenceRequest, Welcome, Wish


def welcomed(*, session: Session, user_id: str) -> bool:
    return session.get(Welcome, user_id) is not None


def has_history(*, session: Session, user_id: str) -> bool:
    checks = (
        sa.select(ReferenceRequest.id).where(ReferenceRequest.requester_id == user_id),
        sa.select(Nomination.id).where(Nomination.nominator_id == user_id),
        sa.select(Wish.id).where(Wish.requester_id == user_id),
    )
    return any(session.scalar(q.limit(1)) is not None for q in checks)


def claim(*, session: Session, user_id: str, now: dt.datetime, history: bool | None = None) -> bool:
    """True exactly once per person, the first time they meet RefBot (False if they had used it before;
    `history` is that answer when the caller read it before the command it is answering logged a search)."""
    if not user_id or welcomed(session=session, user_id=user_id):
        return False
    if history is None:
        history = has_history(session=session, user_id=user_id)
    # False too when another open of the same Home claimed it a moment ago
    return add_unique(session, Welcome(user_id=user_id, shown_at=now)) and not history


def example_search(*, session: Session) -> str | None:
    """A search that finds references in this program: its most common industry and country among active
    references, with their most common seniority ("Banking Germany VP"). None when there are none yet."""
    rows = session.execute(
        sa.select(Account.industry, Account.country, Contact.seniority)
        .join(Contact, Contact.account_id == Account.id)
        .where(Account.status == AccountStatus.active, Contact.status == ContactStatus.active)
    ).all()
    if not rows:
        return None
    places = Counter((i, c) for i, c, _ in rows if i or c)
    if not places:
        return None
    (industry, country), _ = places.most_common(1)[0]
    seniorities = Counter(s for i, c, s in rows if (i, c) == (industry, country) and s)
    words = [industry or "", country_name(country) if country else ""]
    if seniorities:
        words.append(Seniority(seniorities.most_common(1)[0][0]).label)
    return " ".join(w for w in words if w)
