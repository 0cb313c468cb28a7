"""success stories: a seller's internal write-up of a deal won with references, approved by a program manager

Revision ID: 0006
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import refbot.models.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "success_stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.String(length=32), nullable=False),
        sa.Column("need", sa.Text(), nullable=False),
        sa.Column("helped", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("status", sa.Enum("pending", "approved", "rejected", name="story_status", native_enum=False,
                                    create_constraint=True, length=32), nullable=False),
        sa.Column("reviewed_by", sa.String(length=32), nullable=True),
        sa.Column("reviewed_at", refbot.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        sa.Column("created_at", refbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", refbot.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["opportunity_id"], ["opportunities.id"],
                                name=op.f("fk_success_stories_opportunity_id_opportunities")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_success_stories")),
        sa.UniqueConstraint("opportunity_id", name=op.f("uq_success_stories_opportunity_id")),
    )
    with op.batch_alter_table("success_stories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_success_stories_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_success_stories_reviewed_at"), ["reviewed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_success_stories_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("success_stories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_success_stories_status"))
        batch_op.drop_index(batch_op.f("ix_success_stories_reviewed_at"))
        batch_op.drop_index(batch_op.f("ix_success_stories_author_id"))
    op.drop_table("success_stories")
