"""The program's own search vocabulary (acronyms and synonyms), stored in the database and merged with
the built-in glossary into the one `Vocabulary` the search, the form and the channel-ask reader use."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.matching.text import fold
from refbot.models import VocabularyTerm

MAX_TERM = 100
MAX_MEANING = 200


class VocabularyError(ValueError):
    """Bad input for a vocabulary entry: the message says what to fix."""


def _key(text: str) -> str:
    return " ".join(fold(text).replace("-", " ").split())


def _clean(text: str, *, what: str, limit: int) -> str:
    value = " ".join((text or "").replace("\x00", "").split())
    if not value:
        raise VocabularyError(f"The {what} is empty.")
    if len(value) > limit:
        raise VocabularyError(f"The {what} is {len(value)} characters long; at most {limit}.")
    if not any(ch.isalnum() for ch in value):
        raise VocabularyError(f"The {what} '{value}' has no letters or digits.")
    return value


@dataclass(frozen=True)
class AddResult:
    term: str
    meaning: str
    created: bool  # False: the pair was there already (adding twice is harmless)


def add_term(*, session: Session, term: str, meaning: str, added_by: str | None = None) -> AddResult:
    """Teach the search that `term` means `meaning` ("SSO" -> "single sign-on"). Idempotent."""
    term = _clean(term, what="term", limit=MAX_TERM)
    meaning = _clean(meaning, what="meaning", limit=MAX_MEANING)
    tk, mk = _key(term), _key(meaning)
    if tk == mk:
        raise VocabularyError(f"'{term}' and '{meaning}' are the same words; give the other way people say it.")
    existing = session.scalar(
        sa.select(VocabularyTerm).where(VocabularyTerm.term_key == tk, VocabularyTerm.meaning_key == mk)
    )
    if existing is not None:
        return AddResult(existing.term, existing.meaning, created=False)
    session.add(VocabularyTerm(term=term, meaning=meaning, term_key=tk, meaning_key=mk, added_by=added_by))
    session.flush()
    return AddResult(term, meaning, created=True)


def remove_term(*, session: Session, term: str, meaning: str | None = None) -> int:
    """Forget a term (all its meanings, or just `meaning`); the number of entries removed."""
    stmt = sa.delete(VocabularyTerm).where(VocabularyTerm.term_key == _key(term))
    if meaning:
        stmt = stmt.where(VocabularyTerm.meaning_key == _key(meaning))
    result = session.execute(stmt)
    return int(getattr(result, "rowcount", 0) or 0)


def list_terms(*, session: Session) -> list[tuple[str, str]]:
    """The program's own (term, meaning) pairs, alphabetically."""
    rows = session.execute(
        sa.select(VocabularyTerm.term, VocabularyTerm.meaning).order_by(
            VocabularyTerm.term_key, VocabularyTerm.meaning_key
        )
    ).all()
    return [(t, m) for t, m in rows]
