"""vocabulary_terms: the program's own acronyms and synonyms for search

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import refbot.models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "vocabulary_terms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("term", sa.String(100), nullable=False),
        sa.Column("meaning", sa.String(200), nullable=False),
        sa.Column("term_key", sa.String(100), nullable=False),
        sa.Column("meaning_key", sa.String(200), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=True),
        sa.Column("created_at", refbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("term_key", "meaning_key", name="uq_vocabulary_terms_pair"),
    )
    op.create_index("ix_vocabulary_terms_term_key", "vocabulary_terms", ["term_key"])


def downgrade() -> None:
    op.drop_index("ix_vocabulary_terms_term_key", table_name="vocabulary_terms")
    op.drop_table("vocabulary_terms")
