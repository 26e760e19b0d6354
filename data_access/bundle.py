"""Export the whole store as a bundle of CSV files, and load such a bundle back.

A bundle is a directory holding one ``<table>.csv`` per table and a
``manifest.json`` (schema revision, export date, and for each table its file,
row count, columns and SHA-256). CSV conventions: UTF-8, comma-separated, header
row, ISO dates (``2018-03-01``), ISO date-times with offset, booleans ``true`` /
``false``, empty cell = no value. Exporting a store and importing the bundle into
an empty store reproduces it exactly (same rows, same ids).

Accounts: the password hashes (Argon2id) are left out unless asked for
(``password_hashes=True``, ``python -m dashboard export --avec-mots-de-passe``): the
``password_hash`` column is there but empty, and on import such an account gets
:data:`UNUSABLE_PASSWORD`, which no password matches, until an administrator sets one
(``python -m dashboard user set NOM --mot-de-passe``). With the hashes the round trip is
exact. The directory is made private (0700) and every file is written 0600, also when
the directory or the files already exist.

Loading one CSV file named after a table (``ise_call.csv``) appends its rows.
Validation with French messages naming file, line and column is done here on
types and references; the partners' yearly files have their own validating
importers (see docs/formats.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Boolean, Date, DateTime, Float, Integer, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from . import models  # noqa: F401
from .db import bulk_insert, bump_data_version, current_revision, reset_sequences, store_is_empty, write_transaction
from .derive import DERIVED_COLUMNS, derive_frame
from .wording import count

MANIFEST = "manifest.json"
FORMAT_VERSION = 1
# Columns holding secrets, exported only on request (written empty otherwise).
SECRET_COLUMNS = {"user_account": ("password_hash",)}
# What an account imported without its hash gets: not an Argon2 hash, so every sign-in is refused.
UNUSABLE_PASSWORD = "!"
RESET_COMMAND = "python -m dashboard user set NOM --mot-de-passe"

log = logging.getLogger(__name__)


class BundleError(Exception):
    """A bundle or file cannot be loaded; the message is in French and names the problem."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


def _tables():
    """The tables a bundle carries: everything but derived data (materialised aggregates)."""
    return models.tables_in_dependency_order()


# --- export ------------------------------------------------------------------------------


def _format_value(value, col_type) -> str:
    if value is None:
        return ""
    if isinstance(col_type, Boolean):
        return "true" if value else "false"
    if isinstance(col_type, DateTime):
        return value.isoformat()
    if isinstance(col_type, Date):
        return value.isoformat()
    if isinstance(col_type, Float):
        return repr(float(value))
    return str(value)


def table_csv(conn, tbl, *, limit: int | None = None, blank: tuple[str, ...] = ()) -> tuple[bytes, int]:
    """One table as CSV bytes in the bundle's conventions, rows ordered by primary key; the columns
    named in ``blank`` keep their header but are written empty (secrets left out)."""
    cols = list(tbl.c)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c.name for c in cols])
    stmt = select(*cols).order_by(*tbl.primary_key.columns)
    if limit is not None:
        stmt = stmt.limit(limit)
    n = 0
    for row in conn.execute(stmt):
        writer.writerow(["" if c.name in blank else _format_value(v, _sql_type(c)) for v, c in zip(row, cols)])
        n += 1
    return buf.getvalue().encode("utf-8"), n


def _write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by its owner only (0600), an existing file included;
    a symbolic link in its place is refused rather than followed."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as f:
        os.fchmod(f.fileno(), 0o600)  # before any byte is written: an existing file keeps its mode on open
        f.truncate(0)
        f.write(data)


def export_bundle(engine: Engine, directory: str | Path, *, password_hashes: bool = False) -> dict:
    """Write every table to ``directory`` (created, 0700) as CSV files plus a manifest, all 0600;
    returns the manifest. The accounts' password hashes only with ``password_hashes=True``."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(out, 0o700)
    manifest = {
        "format_version": FORMAT_VERSION,
        "schema_revision": current_revision(engine),
        "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "password_hashes": password_hashes,
        "tables": [],
    }
    with engine.connect() as conn:
        for tbl in _tables():
            data, n = table_csv(conn, tbl, blank=() if password_hashes else SECRET_COLUMNS.get(tbl.name, ()))
            _write_private(out / f"{tbl.name}.csv", data)
            manifest["tables"].append({
                "table": tbl.name,
                "file": f"{tbl.name}.csv",
                "rows": n,
                "columns": [c.name for c in tbl.c],
                "sha256": hashlib.sha256(data).hexdigest(),
            })
    _write_private(out / MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return manifest


# --- parsing -------------------------------------------------------------------------------

_TRUE = {"true", "1", "vrai", "oui", "yes"}
_FALSE = {"false", "0", "faux", "non", "no"}


@dataclass
class ParsedTable:
    table: str
    frame: pd.DataFrame
    problems: list[str] = field(default_factory=list)


def _sql_type(col):
    """The underlying SQL type (UTCDateTime and other decorators → their implementation)."""
    return getattr(col.type, "impl_instance", col.type)


def _parse_cell(raw: str, col, file_name: str, line: int, problems: list[str]):
    if raw == "" and col.name in SECRET_COLUMNS.get(col.table.name, ()):
        return UNUSABLE_PASSWORD  # exported without its hash: the account waits for a new password
    if raw == "":
        if not col.nullable and not col.primary_key and col.default is None and col.server_default is None:
            problems.append(f"{file_name}, ligne {line}, colonne « {col.name} » : valeur manquante (obligatoire).")
        return None
    t = _sql_type(col)
    try:
        if isinstance(t, Boolean):
            low = raw.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError
        if isinstance(t, Integer):
            return int(raw)
        if isinstance(t, Float):
            return float(raw)
        if isinstance(t, DateTime):
            value = dt.datetime.fromisoformat(raw)
            if value.tzinfo is None:
                value = value.replace(tzinfo=dt.timezone.utc)
            return value
        if isinstance(t, Date):
            return dt.date.fromisoformat(raw)
    except ValueError:
        expected = {
            Boolean: "un booléen (true/false)", Integer: "un nombre entier", Float: "un nombre",
            DateTime: "une date et heure ISO (AAAA-MM-JJTHH:MM:SS)", Date: "une date ISO (AAAA-MM-JJ)",
        }
        what = next((v for k, v in expected.items() if isinstance(t, k)), "une valeur valide")
        problems.append(f"{file_name}, ligne {line}, colonne « {col.name} » : « {raw} » n'est pas {what}.")
        return None
    return raw


def parse_table_csv(table_name: str, data: bytes, file_name: str) -> ParsedTable:
    """Parse a CSV of one table, checking header and cell types; problems are French sentences."""
    tbl = SQLModel.metadata.tables[table_name]
    problems: list[str] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ParsedTable(table_name, pd.DataFrame(), [
            f"{file_name} : le fichier n'est pas un texte UTF-8 (fichier binaire ou autre encodage)."])
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        return ParsedTable(table_name, pd.DataFrame(), [f"{file_name} : le fichier est vide."])
    header = [h.strip() for h in header]
    known = {c.name for c in tbl.c}
    unknown = [h for h in header if h not in known]
    derived = set(DERIVED_COLUMNS.get(table_name, ()))
    # a NOT NULL column with a default (session_format: "ctme") may be absent: older files lack it
    missing = [c.name for c in tbl.c if c.name not in header and c.name not in derived
               and not c.nullable and c.server_default is None and c.default is None
               and not (c.primary_key and c.autoincrement is not False and c.name == "id")]
    for h in unknown:
        problems.append(f"{file_name}, ligne 1 : colonne inconnue « {h} » pour la table {table_name}.")
    for m in missing:
        problems.append(f"{file_name}, ligne 1 : colonne obligatoire « {m} » absente.")
    if problems:
        return ParsedTable(table_name, pd.DataFrame(), problems)
    cols = [tbl.c[h] for h in header]
    records = []
    for line, row in enumerate(reader, start=2):
        if not row:
            continue
        if len(row) != len(header):
            problems.append(f"{file_name}, ligne {line} : {len(row)} valeurs au lieu de {len(header)}.")
            continue
        records.append({c.name: _parse_cell(v, c, file_name, line, problems) for c, v in zip(cols, row)})
    frame = pd.DataFrame.from_records(records, columns=header)
    if table_name in DERIVED_COLUMNS and not frame.empty:
        frame = derive_frame(table_name, frame)
    return ParsedTable(table_name, frame, problems)


# --- import ----------------------------------------------------------------------------------


def _records(frame: pd.DataFrame) -> list[dict]:
    out = []
    cols = list(frame.columns)
    for row in frame.itertuples(index=False, name=None):
        rec = {}
        for c, v in zip(cols, row):
            if v is None or (not isinstance(v, (str, bool, dt.date)) and pd.isna(v)):
                rec[c] = None
            elif hasattr(v, "item"):
                rec[c] = v.item()
            else:
                rec[c] = v
        out.append(rec)
    return out


def _parents_first(tbl, frame: pd.DataFrame) -> pd.DataFrame:
    """Order rows so that a self-referencing foreign key (territory.parent_code) never points forward."""
    self_fks = [fk for fk in tbl.foreign_keys if fk.column.table is tbl]
    if not self_fks or frame.empty:
        return frame
    fk = self_fks[0]
    child, key = fk.parent.name, fk.column.name
    placed: set = set()
    order: list[int] = []
    remaining = list(range(len(frame)))
    while remaining:
        ready = [i for i in remaining
                 if frame.iloc[i][child] is None or pd.isna(frame.iloc[i][child]) or frame.iloc[i][child] in placed
                 or frame.iloc[i][child] not in set(frame[key])]
        if not ready:  # a cycle: let the database report it
            order.extend(remaining)
            break
        order.extend(ready)
        placed.update(frame.iloc[i][key] for i in ready)
        remaining = [i for i in remaining if i not in set(ready)]
    return frame.iloc[order].reset_index(drop=True)


def _integrity_message(exc: IntegrityError, where: str) -> str:
    detail = str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc)
    if "FOREIGN KEY" in detail.upper() or "foreign key" in detail:
        return (f"{where} : une référence pointe vers un élément absent de la base (territoire, institution…). "
                f"Détail : {detail}")
    if "UNIQUE" in detail.upper() or "duplicate key" in detail:
        return f"{where} : une ligne existe déjà avec la même clé. Détail : {detail}"
    return f"{where} : écriture refusée par la base. Détail : {detail}"


def import_bundle(engine: Engine, directory: str | Path) -> dict[str, int]:
    """Load a bundle into an **empty** store, all tables in one transaction."""
    folder = Path(directory)
    manifest_path = folder / MANIFEST
    if not manifest_path.exists():
        raise BundleError(f"{folder} : aucun fichier {MANIFEST} ; ce dossier n'est pas un export de la base.")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BundleError(f"{manifest_path} : manifeste illisible ({exc}).") from None
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BundleError(f"{manifest_path} : version de format {manifest.get('format_version')} non prise en charge.")
    if not store_is_empty(engine):
        raise BundleError(
            "La base n'est pas vide : un export complet ne se recharge que dans une base qui ne contient que "
            "ses données de référence (créez-en une avec « python -m dashboard init », sans --sample)."
        )
    entries = {e["table"]: e for e in manifest.get("tables", [])}
    problems: list[str] = []
    parsed: dict[str, ParsedTable] = {}
    for tbl in _tables():
        entry = entries.get(tbl.name)
        if entry is None:
            continue
        path = folder / entry["file"]
        if not path.exists():
            problems.append(f"{path} : fichier annoncé par le manifeste mais absent.")
            continue
        data = path.read_bytes()
        if entry.get("sha256") and hashlib.sha256(data).hexdigest() != entry["sha256"]:
            problems.append(f"{path.name} : le contenu ne correspond pas à l'empreinte du manifeste "
                            "(fichier modifié ou tronqué).")
        p = parse_table_csv(tbl.name, data, path.name)
        problems.extend(p.problems)
        if len(p.frame) != entry.get("rows", len(p.frame)):
            problems.append(f"{path.name} : {len(p.frame)} lignes lues, {entry['rows']} annoncées par le manifeste.")
        parsed[tbl.name] = p
    unknown = sorted(set(entries) - {t.name for t in _tables()})
    for name in unknown:
        problems.append(f"{MANIFEST} : table inconnue « {name} » (export d'une autre version ?).")
    if problems:
        raise BundleError(problems)
    inserted: dict[str, int] = {}
    with write_transaction(engine) as conn:  # one transaction: a failure rolls every table back
        # The bundle is the whole store: its reference rows and bookkeeping replace the ones the
        # migrations loaded, so that the round trip is exact.
        for tbl in reversed(_tables()):
            conn.execute(tbl.delete())
        for tbl in _tables():
            p = parsed.get(tbl.name)
            if p is None or p.frame.empty:
                continue
            try:
                inserted[tbl.name] = bulk_insert(conn, tbl.name, _records(_parents_first(tbl, p.frame)))
            except IntegrityError as exc:
                raise BundleError(_integrity_message(exc, f"{tbl.name}.csv")) from None
        reset_sequences(conn)
        bump_data_version(conn)
    locked = accounts_without_password(engine)
    if locked:
        log.warning(password_reset_notice(locked))
    return inserted


def accounts_without_password(engine: Engine) -> list[str]:
    """Accounts that hold :data:`UNUSABLE_PASSWORD` (loaded from a bundle exported without hashes)."""
    ua = SQLModel.metadata.tables["user_account"]
    with engine.connect() as conn:
        return list(conn.execute(select(ua.c.username).where(ua.c.password_hash == UNUSABLE_PASSWORD)
                                 .order_by(ua.c.username)).scalars())


def password_reset_notice(usernames: list[str]) -> str:
    """French sentence telling which accounts need a new password, and how to set it."""
    return (f"{count(len(usernames), 'compte rechargé')} sans mot de passe (export fait sans "
            f"--avec-mots-de-passe) : {', '.join(usernames)}. Ils ne peuvent pas se connecter tant qu'un "
            f"administrateur n'a pas défini leur mot de passe : {RESET_COMMAND}")


def import_table_file(engine: Engine, path: str | Path, table_name: str | None = None) -> int:
    """Append the rows of one ``<table>.csv`` file, in one transaction (all or nothing)."""
    path = Path(path)
    name = table_name or path.stem
    if name not in SQLModel.metadata.tables:
        raise BundleError(
            f"{path.name} : impossible de savoir quelle table alimenter (« {name} » inconnu). "
            "Nommez le fichier d'après la table ou précisez --dataset."
        )
    if not path.exists():
        raise BundleError(f"{path} : fichier introuvable.")
    p = parse_table_csv(name, path.read_bytes(), path.name)
    if p.problems:
        raise BundleError(p.problems)
    if p.frame.empty:
        raise BundleError(f"{path.name} : aucune ligne de données.")
    with engine.begin() as conn:
        try:
            n = bulk_insert(conn, name, _records(p.frame))
        except IntegrityError as exc:
            raise BundleError(_integrity_message(exc, path.name)) from None
        reset_sequences(conn)
        bump_data_version(conn)
    if name in SECRET_COLUMNS and (locked := accounts_without_password(engine)):
        log.warning(password_reset_notice(locked))
    return n
