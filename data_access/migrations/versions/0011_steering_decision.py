"""Decisions and improvement axes of the CPR and the CME: table steering_decision (issue 15)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'steering_decision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('territory_code', sa.String(length=12), nullable=False),
        sa.Column('decided_date', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('description', sa.String(length=1000), nullable=True),
        sa.Column('owner_institution_code', sa.String(length=30), nullable=True),
        sa.Column('due_date', sa.Date(), nullable=True),
        sa.Column('status', sa.String(length=40), nullable=False),
        sa.Column('closed_date', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['territory_code'], ['territory.code']),
        sa.ForeignKeyConstraint(['owner_institution_code'], ['institution.code']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('territory_code', 'decided_date', 'title', name='uq_steering_decision'),
    )
    op.create_index('ix_steering_decision_territory_code', 'steering_decision', ['territory_code'])


def downgrade() -> None:
    op.drop_index('ix_steering_decision_territory_code', table_name='steering_decision')
    op.drop_table('steering_decision')
