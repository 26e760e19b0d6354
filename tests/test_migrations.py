"""Alembic migrations: upgrade from empty, match the models, downgrade cleanly."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from data_access.db import current_revision, head_revision, make_engine, upgrade_schema


def _check_upgrade_from_empty(url):
    engine = make_engine(url)
    assert current_revision(engine) is None
    upgrade_schema(engine)
    assert current_revision(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    # idempotent: a second upgrade (app and CLI run it on every start) changes nothing
    upgrade_schema(engine)
    assert current_revision(engine) == head_revision()
    # and the chain goes down to nothing and back up
    from alembic import command

    from data_access.db import alembic_config

    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    assert not (set(SQLModel.metadata.tables) & set(inspect(engine).get_table_names()))
    upgrade_schema(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_upgrade_from_empty_on_selected_backend(new_database_url):
    _check_upgrade_from_empty(new_database_url())


@pytest.mark.postgres
def test_upgrade_from_empty_on_postgresql(pg_server):
    _check_upgrade_from_empty(pg_server.create_database())


def test_indexes_for_the_page_queries(empty_engine):
    insp = inspect(empty_engine)
    names = {ix["name"] for t in ("ise_call", "retention_case", "ctme_session", "indicator_value")
             for ix in insp.get_indexes(t)}
    assert {"ix_ise_call_territory_date", "ix_retention_case_territory_date",
            "ix_indicator_value_indicator_year"} <= names
