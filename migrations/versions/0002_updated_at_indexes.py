"""index accounts.updated_at and contacts.updated_at

Every search checks whether the reference data changed since the engine was built (max(updated_at));
without an index that is a full table scan per search (5 ms at 10k contacts on SQLite).

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_accounts_updated_at", "accounts", ["updated_at"])
    op.create_index("ix_contacts_updated_at", "contacts", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_contacts_updated_at", table_name="contacts")
    op.drop_index("ix_accounts_updated_at", table_name="accounts")
