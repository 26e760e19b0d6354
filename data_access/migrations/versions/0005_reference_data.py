"""reference data: territories, perimeters, institutions, instances, survey questions, years

Loads the versioned files of ``data_access/reference_data/`` (see data_access/reference.py), so
that a store made with ``init`` accepts the partners' files; existing stores get any missing or
changed reference row. Downgrade leaves the rows: data refer to them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from data_access.reference import sync_reference

    sync_reference(op.get_bind())


def downgrade() -> None:
    pass
