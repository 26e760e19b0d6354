"""The journal of writes: every import (applied, without change or rejected), every form entry,
edit and deletion, and every comment written — who, when, what, how many rows."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection, Engine

from .db import table


def record(conn: Connection, *, username: str, action: str, dataset: str, outcome: str,
           file_name: str | None = None, checksum: str | None = None, institution_code: str | None = None,
           territory_code: str | None = None, added: int = 0, updated: int = 0, removed: int = 0,
           detail: str | None = None, data_version: int | None = None) -> int:
    """Append one entry (inside the caller's transaction); returns its id."""
    tbl = table("journal_entry")
    result = conn.execute(insert(tbl).values(
        at=dt.datetime.now(dt.timezone.utc), username=username, action=action, dataset=dataset,
        file_name=file_name, checksum=checksum, institution_code=institution_code, territory_code=territory_code,
        rows_added=added, rows_updated=updated, rows_removed=removed, outcome=outcome, detail=detail,
        data_version=data_version))
    return int(result.inserted_primary_key[0])


def entries(engine: Engine, *, limit: int = 500, dataset: str | None = None, username: str | None = None,
            outcome: str | None = None) -> pd.DataFrame:
    """The latest entries, newest first."""
    tbl = table("journal_entry")
    stmt = select(tbl).order_by(tbl.c.at.desc(), tbl.c.id.desc()).limit(limit)
    if dataset:
        stmt = stmt.where(tbl.c.dataset == dataset)
    if username:
        stmt = stmt.where(tbl.c.username == username)
    if outcome:
        stmt = stmt.where(tbl.c.outcome == outcome)
    with engine.connect() as conn:
        return pd.DataFrame([dict(r._mapping) for r in conn.execute(stmt)],
                            columns=[c.name for c in tbl.c])
