"""Engine, sessions, schema upgrades and low-level bulk writes.

The same code path serves SQLite (embedded default) and PostgreSQL
(``DATABASE_URL=postgresql+psycopg://…``). The schema is always managed by the
Alembic migrations under ``data_access/migrations``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, event, func, inspect, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import SQLModel, create_engine

from . import models  # noqa: F401  (registers the tables on SQLModel.metadata)
from .settings import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
log = logging.getLogger(__name__)

_ENGINES: dict[str, Engine] = {}


def normalise_url(url: str) -> str:
    """Accept the usual ``postgres://`` / ``postgresql://`` spellings and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def make_engine(url: str | None = None) -> Engine:
    """A new engine for ``url`` (default: the configured ``DATABASE_URL``)."""
    url = normalise_url(url or get_settings().database_url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def get_engine(url: str | None = None) -> Engine:
    """A process-wide engine per URL (reused by the app and the CLI)."""
    key = normalise_url(url or get_settings().database_url)
    if key not in _ENGINES:
        _ENGINES[key] = make_engine(key)
    return _ENGINES[key]


# Key of the PostgreSQL advisory lock that serialises every write of the store (imports, forms,
# comments, accounts, sign-in bookkeeping). Any 64-bit integer; this one spells "MAINTIEN".
WRITE_LOCK_KEY = 0x4D41494E5449454E
WRITE_LOCK_TIMEOUT_S = 30


class WriteBusy(Exception):
    """Another write held the store's write lock longer than the timeout (French message)."""

    def __init__(self, message: str = "Un autre import ou une autre saisie est en cours : réessayez dans un "
                                      "instant (rien n'a été écrit)."):
        super().__init__(message)


def _is_lock_timeout(exc: OperationalError) -> bool:
    text_ = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text_ or "lock timeout" in text_ or "could not obtain lock" in text_ \
        or getattr(getattr(exc, "orig", None), "sqlstate", None) == "55P03"


@contextmanager
def write_transaction(engine: Engine, *, timeout_s: float = WRITE_LOCK_TIMEOUT_S) -> Iterator[Connection]:
    """One write transaction, serialised with every other write of the store.

    SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock before the first read, so what the
    transaction reads (the data version, the rows an import replaces) cannot change under it; a
    second writer waits up to the busy timeout. PostgreSQL: a transaction-level advisory lock
    (``pg_advisory_xact_lock``) taken first, with ``lock_timeout``. Readers are never blocked.
    Commits on success, rolls back on any exception; raises :class:`WriteBusy` when the lock could
    not be had within ``timeout_s``.
    """
    with engine.connect() as conn:
        try:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(timeout_s * 1000)}ms'")
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
        except OperationalError as exc:
            conn.rollback()
            if _is_lock_timeout(exc):
                raise WriteBusy() from None
            raise
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()


def alembic_config(connection: Connection | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade_schema(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with the Alembic migrations."""
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def table(name: str):
    try:
        return SQLModel.metadata.tables[name]
    except KeyError:
        raise KeyError(f"table inconnue : {name}") from None


def frame_records(frame: pd.DataFrame) -> list[dict]:
    """Rows of ``frame`` as dicts of plain Python values (NaN/NA -> None), column-wise for speed."""
    columns: dict[str, list] = {}
    for name in frame.columns:
        col = frame[name]
        mask = col.isna().to_numpy()
        if col.dtype.kind in "iub" or str(col.dtype) in {"Int64", "Int32", "boolean"}:
            values = col.astype(object).to_numpy()
            values = [None if m else (v.item() if hasattr(v, "item") else v) for v, m in zip(values, mask)]
        elif col.dtype.kind == "f":
            values = [None if m else float(v) for v, m in zip(col.to_numpy(), mask)]
        elif col.dtype.kind == "M":
            values = [None if m else v.to_pydatetime() for v, m in zip(col, mask)]
        else:
            values = col.astype(object).to_numpy().tolist()
            if mask.any():
                values = [None if m else v for v, m in zip(values, mask)]
        columns[name] = values
    names = list(columns)
    return [dict(zip(names, row)) for row in zip(*(columns[n] for n in names))]


def bulk_insert(conn: Connection, table_name: str, rows: pd.DataFrame | Iterable[dict],
                chunk_size: int = 20_000) -> int:
    """Insert many rows in the current transaction; returns the number inserted."""
    tbl = table(table_name)
    records = frame_records(rows) if isinstance(rows, pd.DataFrame) else list(rows)
    for start in range(0, len(records), chunk_size):
        conn.execute(tbl.insert(), records[start:start + chunk_size])
    return len(records)


def reset_sequences(conn: Connection) -> None:
    """After inserting explicit ids on PostgreSQL, move each id sequence past the max id."""
    if conn.dialect.name != "postgresql":
        return
    for tbl in SQLModel.metadata.sorted_tables:
        if "id" in tbl.c and tbl.c.id.primary_key and tbl.c.id.autoincrement:
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{tbl.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {tbl.name}), 0) + 1, false)"
            ))


def row_counts(conn: Connection, *, include_derived: bool = False) -> dict[str, int]:
    """Rows per table (derived tables such as the aggregate cache left out unless asked)."""
    return {
        t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
        for t in models.tables_in_dependency_order(include_derived)
    }


def store_is_empty(engine: Engine) -> bool:
    """True when the store holds nothing but its reference data (territories, institutions…, loaded
    by the migrations), its bookkeeping (``store_meta``) and derived data: no activity, no account,
    no journal entry. Such a store may receive the sample or a full export bundle."""
    from .reference import REFERENCE_TABLES

    insp = inspect(engine)
    if not insp.has_table("territory"):
        return True
    skip = set(REFERENCE_TABLES) | {"store_meta"}
    with engine.connect() as conn:
        for tbl in models.tables_in_dependency_order():
            if tbl.name in skip or not insp.has_table(tbl.name):
                continue
            if conn.execute(select(tbl.c[next(iter(tbl.c.keys()))]).limit(1)).first() is not None:
                return False
    return True


def get_meta(conn: Connection, key: str, default: str | None = None) -> str | None:
    tbl = table("store_meta")
    value = conn.execute(select(tbl.c.value).where(tbl.c.key == key)).scalar_one_or_none()
    return default if value is None else value


def set_meta(conn: Connection, key: str, value: str) -> None:
    tbl = table("store_meta")
    if conn.execute(select(tbl.c.key).where(tbl.c.key == key)).first():
        conn.execute(tbl.update().where(tbl.c.key == key).values(value=value))
    else:
        conn.execute(tbl.insert().values(key=key, value=value))


def bump_data_version(conn: Connection) -> int:
    """Increment the data version the caches key on; returns the new version."""
    import datetime as dt

    version = int(get_meta(conn, "data_version", "0")) + 1
    set_meta(conn, "data_version", str(version))
    set_meta(conn, "updated_at", dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"))
    return version


def data_version(engine: Engine | None = None) -> int:
    with (engine or get_engine()).connect() as conn:
        return int(get_meta(conn, "data_version", "0"))
