"""declarations of "nothing this year": data_declaration

A dataset × territory × year with no row, declared by its sender, reads 0 ("nothing happened")
instead of "non transmis" (see data_access/transmission.py).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'data_declaration',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dataset', sa.String(length=40), nullable=False),
        sa.Column('territory_code', sa.String(length=12), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('note', sa.String(length=400), nullable=True),
        sa.ForeignKeyConstraint(['territory_code'], ['territory.code'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('dataset', 'territory_code', 'year', name='uq_data_declaration'),
    )


def downgrade() -> None:
    op.drop_table('data_declaration')
