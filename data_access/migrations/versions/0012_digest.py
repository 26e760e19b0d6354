"""Digest e-mail: user_account.email, user_account.digest; tables digest_run and verdict_snapshot (issue 15)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 23:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch.add_column(sa.Column('digest', sa.Boolean(), nullable=True))
    op.create_table(
        'digest_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('run_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('since', sa.Date(), nullable=False),
        sa.Column('messages', sa.Integer(), nullable=False),
        sa.Column('sent', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'verdict_snapshot',
        sa.Column('territory_code', sa.String(length=12), nullable=False),
        sa.Column('indicator_id', sa.String(length=20), nullable=False),
        sa.Column('verdict', sa.String(length=40), nullable=True),
        sa.Column('objective', sa.String(length=40), nullable=True),
        sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('territory_code', 'indicator_id'),
    )


def downgrade() -> None:
    op.drop_table('verdict_snapshot')
    op.drop_table('digest_run')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('digest')
        batch.drop_column('email')
