"""Objectives register: table objective (issue 15)

A numeric objective for an indicator of the référentiel, for the region or a territory, every year of
a span or at a deadline (data_access/models.py: Objective; docs/verdicts.md "Objectives").

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 22:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'objective',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('indicator_id', sa.String(length=20), nullable=False),
        sa.Column('territory_code', sa.String(length=12), nullable=False),
        sa.Column('first_year', sa.Integer(), nullable=False),
        sa.Column('last_year', sa.Integer(), nullable=False),
        sa.Column('rule', sa.String(length=40), nullable=False),
        sa.Column('comparator', sa.String(length=40), nullable=False),
        sa.Column('target', sa.Float(), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=True),
        sa.Column('note', sa.String(length=400), nullable=True),
        sa.ForeignKeyConstraint(['territory_code'], ['territory.code']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('indicator_id', 'territory_code', 'first_year', name='uq_objective'),
    )
    op.create_index('ix_objective_indicator_id', 'objective', ['indicator_id'])
    op.create_index('ix_objective_territory_code', 'objective', ['territory_code'])


def downgrade() -> None:
    op.drop_index('ix_objective_territory_code', table_name='objective')
    op.drop_index('ix_objective_indicator_id', table_name='objective')
    op.drop_table('objective')
