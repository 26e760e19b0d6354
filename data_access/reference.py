"""Reference data every store needs, shipped as versioned files and loaded by ``init`` and the
migrations: the region, its départements, the CME territories and their perimeters, the 13
metropolitan regions (with populations, their source and year), the institutions, the instances
of the charter (CPR, CMEs, the indicators working group), the survey questions and the years.

The files are ``data_access/reference_data/<table>.csv`` (UTF-8, comma, header row of column
names, ``true``/``false``, empty cell = no value). :func:`sync_reference` upserts them by primary
key: rows missing from the store are added, rows that differ are updated, rows of the store that
the files do not list (an instance created through the forms, a working group of the sample) are
left alone — reference rows are referred to by the data and are never deleted here.

The sync reads the *actual* columns of the store's tables (reflection), so that a migration can
call it whatever the later state of the models: columns of a file that the table does not have
yet are ignored. When a reference file changes, add a migration that calls :func:`sync_reference`
again (existing stores get the change on upgrade; new ones on creation).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from pathlib import Path

from sqlalchemy import Boolean, Date, DateTime, Float, Integer, MetaData, and_, insert, select, update
from sqlalchemy.engine import Connection

REFERENCE_DIR = Path(__file__).resolve().parent / "reference_data"
# In dependency order (every foreign key points to an earlier table or to the same one).
REFERENCE_TABLES = ("territory", "cme_perimeter", "institution", "reporting_year", "instance", "survey_question")
META_KEY = "reference_version"


class ReferenceError(Exception):
    """A reference file cannot be read (a packaging error, not a user's)."""


def reference_version() -> str:
    """SHA-256 (first 16 hex digits) of the reference files, in table order."""
    digest = hashlib.sha256()
    for name in REFERENCE_TABLES:
        digest.update(name.encode())
        digest.update((REFERENCE_DIR / f"{name}.csv").read_bytes())
    return digest.hexdigest()[:16]


def _typed(text: str, col, where: str):
    if text == "":
        return None
    t = col.type
    t = getattr(t, "impl_instance", t)
    try:
        if isinstance(t, Boolean):
            if text.lower() not in ("true", "false"):
                raise ValueError(text)
            return text.lower() == "true"
        if isinstance(t, Integer):
            return int(text)
        if isinstance(t, Float):
            return float(text)
        if isinstance(t, DateTime):
            return dt.datetime.fromisoformat(text)
        if isinstance(t, Date):
            return dt.date.fromisoformat(text)
    except ValueError:
        raise ReferenceError(f"{where} : valeur « {text} » invalide pour {col.name}") from None
    return text


def read_rows(name: str, table) -> list[dict]:
    """The rows of ``reference_data/<name>.csv`` typed after ``table``'s columns (others ignored)."""
    path = REFERENCE_DIR / f"{name}.csv"
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    unknown = set(reader.fieldnames or ()) - {c.name for c in table.c}
    rows = []
    for line, raw in enumerate(reader, start=2):
        rows.append({k: _typed(v, table.c[k], f"{path.name}, ligne {line}") for k, v in raw.items()
                     if k not in unknown})
    return rows


def reference_frames() -> dict:
    """The reference rows as DataFrames typed after the models (for the sample generator)."""
    import pandas as pd
    from sqlmodel import SQLModel

    from . import models  # noqa: F401

    out = {}
    for name in REFERENCE_TABLES:
        tbl = SQLModel.metadata.tables[name]
        out[name] = pd.DataFrame(read_rows(name, tbl), columns=[c.name for c in tbl.c])
    return out


def sync_reference(conn: Connection) -> dict[str, tuple[int, int]]:
    """Upsert the reference files into the store (inside the caller's transaction).

    Returns ``{table: (added, updated)}``; records the files' version in ``store_meta``. Uses the
    store's own columns (reflection), so it can run from any migration.
    """
    md = MetaData()
    md.reflect(bind=conn, only=[*REFERENCE_TABLES, "store_meta"])
    changes: dict[str, tuple[int, int]] = {}
    for name in REFERENCE_TABLES:
        tbl = md.tables[name]
        pk = [c.name for c in tbl.primary_key.columns]
        stored = {tuple(r._mapping[c] for c in pk): dict(r._mapping) for r in conn.execute(select(tbl))}
        added, updated = [], 0
        for row in read_rows(name, tbl):
            key = tuple(row[c] for c in pk)
            old = stored.get(key)
            if old is None:
                added.append(row)
            elif any(_differs(old.get(k), v) for k, v in row.items()):
                conn.execute(update(tbl).where(and_(*(tbl.c[c] == row[c] for c in pk))).values(row))
                updated += 1
        # Parents before children within a table (a territory's parent region first).
        added.sort(key=lambda r: r.get("parent_code") is not None)
        if added:
            conn.execute(insert(tbl), added)
        changes[name] = (len(added), updated)
    meta = md.tables["store_meta"]
    version = reference_version()
    if conn.execute(select(meta.c.key).where(meta.c.key == META_KEY)).first():
        conn.execute(update(meta).where(meta.c.key == META_KEY).values(value=version))
    else:
        conn.execute(insert(meta).values(key=META_KEY, value=version))
    if any(a or u for a, u in changes.values()):
        _bump(conn, meta)
    return changes


def _differs(stored, new) -> bool:
    if isinstance(stored, dt.datetime) and isinstance(new, dt.date) and not isinstance(new, dt.datetime):
        stored = stored.date()
    return stored != new


def _bump(conn: Connection, meta) -> None:
    """Bump the data version the caches key on (reflected table: usable from a migration)."""
    row = conn.execute(select(meta.c.value).where(meta.c.key == "data_version")).first()
    version = str(int(row[0]) + 1) if row else "1"
    if row:
        conn.execute(update(meta).where(meta.c.key == "data_version").values(value=version))
    else:
        conn.execute(insert(meta).values(key="data_version", value=version))
    now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    if conn.execute(select(meta.c.key).where(meta.c.key == "updated_at")).first():
        conn.execute(update(meta).where(meta.c.key == "updated_at").values(value=now))
    else:
        conn.execute(insert(meta).values(key="updated_at", value=now))


__all__ = ["REFERENCE_DIR", "REFERENCE_TABLES", "ReferenceError", "read_rows", "reference_frames",
           "reference_version", "sync_reference"]
