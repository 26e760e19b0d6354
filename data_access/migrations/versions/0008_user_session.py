"""Sessions that survive a reload: user_session

A signed-in browser keeps a random token in a cookie; the store keeps its SHA-256, its expiry and
its revocation (see data_access/sessions.py).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'user_session',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('username', sa.String(length=60), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_user_session_username', 'user_session', ['username'])


def downgrade() -> None:
    op.drop_index('ix_user_session_username', table_name='user_session')
    op.drop_table('user_session')
