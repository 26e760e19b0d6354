"""OpenID Connect identity of an account: user_account.oidc_issuer, user_account.oidc_subject

An administrator links an account to the identity (issuer and subject of the ID token) a provider
such as ProConnect gives its user; signing in through that provider opens the account (see
data_access/users.py). A unique index: one identity opens at most one account.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('oidc_issuer', sa.String(length=255), nullable=True))
        batch.add_column(sa.Column('oidc_subject', sa.String(length=255), nullable=True))
    op.create_index('ix_user_account_oidc', 'user_account', ['oidc_issuer', 'oidc_subject'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_user_account_oidc', table_name='user_account')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('oidc_subject')
        batch.drop_column('oidc_issuer')
