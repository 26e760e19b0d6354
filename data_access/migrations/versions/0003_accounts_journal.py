"""accounts, sign-in attempts, journal of writes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'user_account',
        sa.Column('username', sa.String(length=60), nullable=False),
        sa.Column('display_name', sa.String(length=120), nullable=False),
        sa.Column('role', sa.String(length=40), nullable=False),
        sa.Column('password_hash', sa.String(length=200), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('username'),
    )
    op.create_table(
        'user_territory',
        sa.Column('username', sa.String(length=60), nullable=False),
        sa.Column('territory_code', sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(['territory_code'], ['territory.code']),
        sa.ForeignKeyConstraint(['username'], ['user_account.username']),
        sa.PrimaryKeyConstraint('username', 'territory_code'),
    )
    op.create_table(
        'login_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=60), nullable=False),
        sa.Column('attempted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('success', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_login_attempt_user_at', 'login_attempt', ['username', 'attempted_at'])
    op.create_table(
        'journal_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('username', sa.String(length=60), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('dataset', sa.String(length=40), nullable=False),
        sa.Column('file_name', sa.String(length=255), nullable=True),
        sa.Column('checksum', sa.String(length=64), nullable=True),
        sa.Column('institution_code', sa.String(length=30), nullable=True),
        sa.Column('territory_code', sa.String(length=12), nullable=True),
        sa.Column('rows_added', sa.Integer(), nullable=False),
        sa.Column('rows_updated', sa.Integer(), nullable=False),
        sa.Column('rows_removed', sa.Integer(), nullable=False),
        sa.Column('outcome', sa.String(length=40), nullable=False),
        sa.Column('detail', sa.Text(), nullable=True),
        sa.Column('data_version', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_journal_entry_at', 'journal_entry', ['at'])


def downgrade() -> None:
    op.drop_index('ix_journal_entry_at', table_name='journal_entry')
    op.drop_table('journal_entry')
    op.drop_index('ix_login_attempt_user_at', table_name='login_attempt')
    op.drop_table('login_attempt')
    op.drop_table('user_territory')
    op.drop_table('user_account')
