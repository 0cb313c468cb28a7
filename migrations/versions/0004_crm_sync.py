"""crm sync: cursors, CRM users and opportunity teams, write-backs; crm ids on accounts, contacts, deals

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import refbot.models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('crm_cursors',
    sa.Column('object', sa.String(length=32), nullable=False),
    sa.Column('cursor', refbot.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cursor_id', sa.String(length=18), nullable=True),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('last_attempt_at', refbot.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', refbot.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', refbot.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('issues', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('object', name=op.f('pk_crm_cursors'))
    )
    op.create_table('crm_team_members',
    sa.Column('opportunity_crm_id', sa.String(length=18), nullable=False),
    sa.Column('user_crm_id', sa.String(length=18), nullable=False),
    sa.PrimaryKeyConstraint('opportunity_crm_id', 'user_crm_id', name=op.f('pk_crm_team_members'))
    )
    with op.batch_alter_table('crm_team_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_team_members_user_crm_id'), ['user_crm_id'], unique=False)

    op.create_table('crm_users',
    sa.Column('crm_id', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('slack_id', sa.String(length=32), nullable=True),
    sa.Column('synced_at', refbot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('crm_id', name=op.f('pk_crm_users'))
    )
    with op.batch_alter_table('crm_users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_users_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_crm_users_slack_id'), ['slack_id'], unique=False)

    op.create_table('crm_writebacks',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('crm_id', sa.String(length=18), nullable=False),
    sa.Column('opportunity_crm_id', sa.String(length=18), nullable=False),
    sa.Column('written_at', refbot.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_crm_writebacks'))
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('crm_id', sa.String(length=18), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_accounts_crm_id'), ['crm_id'])

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('crm_id', sa.String(length=18), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_contacts_crm_id'), ['crm_id'])

    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('crm_stage', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('crm_owner_id', sa.String(length=18), nullable=True))
        batch_op.add_column(sa.Column('crm_synced_at', refbot.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_opportunities_crm_owner_id'), ['crm_owner_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('opportunities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunities_crm_owner_id'))
        batch_op.drop_column('crm_synced_at')
        batch_op.drop_column('crm_owner_id')
        batch_op.drop_column('crm_stage')
        batch_op.drop_column('name')

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_contacts_crm_id'), type_='unique')
        batch_op.drop_column('crm_id')

    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_accounts_crm_id'), type_='unique')
        batch_op.drop_column('crm_id')

    op.drop_table('crm_writebacks')
    with op.batch_alter_table('crm_users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_users_slack_id'))
        batch_op.drop_index(batch_op.f('ix_crm_users_email'))

    op.drop_table('crm_users')
    with op.batch_alter_table('crm_team_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_team_members_user_crm_id'))

    op.drop_table('crm_team_members')
    op.drop_table('crm_cursors')
