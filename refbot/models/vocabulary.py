"""The program's own search vocabulary: acronyms and synonyms a program manager adds
(`refbot vocabulary add SSO "single sign-on"`), on top of the built-in glossary."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from refbot.models.base import Base, utcnow


class VocabularyTerm(Base):
    __tablename__ = "vocabulary_terms"
    __table_args__ = (sa.UniqueConstraint("term_key", "meaning_key", name="uq_vocabulary_terms_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(sa.String(100))
    meaning: Mapped[str] = mapped_column(sa.String(200))
    term_key: Mapped[str] = mapped_column(sa.String(100), index=True)  # case, accents and spacing folded
    meaning_key: Mapped[str] = mapped_column(sa.String(200))
    added_by: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
