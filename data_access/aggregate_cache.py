"""Materialised aggregates: grouped frames persisted in the store, keyed on the data version.

Scanning a case-level table of ~1 M rows takes about a second on this machine, and a
question page needs dozens of such aggregates. The frames are small (years ×
territories × categories), so each is computed once over the whole region and all
years, stored in ``aggregate_cache`` with the current ``store_meta.data_version``, and
read back by every server process until a write bumps the version. Filters on years
and territories are then applied to the small frame in memory.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable

import pandas as pd
from sqlalchemy import delete, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from .db import get_meta, table

log = logging.getLogger(__name__)


def cache_key(parts: tuple) -> str:
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()


def cached_frame(conn: Connection, parts: tuple, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """The frame stored for ``parts`` at the current data version, computing and storing it if absent."""
    tbl = table("aggregate_cache")
    version = int(get_meta(conn, "data_version", "0"))
    key = cache_key(parts)
    row = conn.execute(select(tbl.c.payload).where(tbl.c.key == key, tbl.c.data_version == version)).first()
    if row is not None:
        return pd.read_json(io.StringIO(row[0]), orient="split", dtype=False)
    frame = compute()
    payload = frame.to_json(orient="split", index=False, date_format="iso")
    try:  # a separate short transaction: the caller's connection only reads
        with conn.engine.begin() as write:
            write.execute(delete(tbl).where(tbl.c.key == key))
            write.execute(tbl.insert().values(key=key, data_version=version, payload=payload))
    except SQLAlchemyError as exc:  # a read-only role or a concurrent writer: serve the frame anyway
        log.info("aggregate cache not written: %s", exc)
    return frame


def clear(conn: Connection) -> None:
    conn.execute(delete(table("aggregate_cache")))
