"""CTME sessions or other tools with the same purpose: ctme_session.session_format

The charter's Q4.C3.I1 counts "CTME … ou autres outils mis en œuvre avec la même finalité". Existing
rows are CTME sessions; the unique key becomes territory × date × format.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ctme_session') as batch:
        batch.add_column(sa.Column('session_format', sa.String(length=40), nullable=False, server_default='ctme'))
        batch.drop_constraint('uq_ctme_territory_date', type_='unique')
        batch.create_unique_constraint('uq_ctme_territory_date_format',
                                       ['territory_code', 'session_date', 'session_format'])


def downgrade() -> None:
    with op.batch_alter_table('ctme_session') as batch:
        batch.drop_constraint('uq_ctme_territory_date_format', type_='unique')
        batch.create_unique_constraint('uq_ctme_territory_date', ['territory_code', 'session_date'])
        batch.drop_column('session_format')
