"""sign-in throttling per client address: login_attempt.client

Failures are counted per (account, client address) and per client address (see
data_access/users.py). Attempts recorded before this revision get the client ``local``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # added with a server default so that existing rows get a value, which is then dropped:
    # the application always writes the client
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client', sa.String(length=64), nullable=False, server_default='local'))
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.alter_column('client', existing_type=sa.String(length=64), existing_nullable=False,
                              server_default=None)
        batch_op.create_index('ix_login_attempt_client_at', ['client', 'attempted_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempt_client_at')
        batch_op.drop_column('client')
