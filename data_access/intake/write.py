"""Step 3, writing: a preview applied in one serialised transaction with the delivery record and
the journal entry (:func:`apply`); the one-row helpers the forms use."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, delete, insert, select, tuple_, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from ..datasets import Dataset
from ..db import WriteBusy, bump_data_version, get_meta, write_transaction
from ..derive import DERIVED_COLUMNS
from ..journal import record as journal_record
from ..wording import count
from .context import IntakeError, _norm_key, year_of
from .preview import Preview, _table_columns, fill_derived, preview

# --- writing -------------------------------------------------------------------------------------


@dataclass
class Outcome:
    added: int
    updated: int
    removed: int
    data_version: int
    journal_id: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        if not self.changed:
            return "Aucun changement : la base contient déjà exactement ces données."
        return (f"{count(self.added, 'ligne ajoutée')}, {count(self.updated, 'modifiée')}, "
                f"{count(self.removed, 'supprimée')}.")


def dependants(table_name: str) -> list[tuple]:
    """(child table, fk column, nullable) for every foreign key pointing at ``table_name``.id."""
    out = []
    for t in SQLModel.metadata.sorted_tables:
        for fk in t.foreign_keys:
            if fk.column.table.name == table_name and fk.column.name == "id":
                out.append((t, fk.parent, fk.parent.nullable))
    return out


def delete_rows(conn: Connection, table_name: str, ids: list[int]) -> None:
    """Delete rows by id with what depends on them (nullable references are cleared)."""
    if not ids:
        return
    tbl = SQLModel.metadata.tables[table_name]
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for child, col, nullable in dependants(table_name):
            if nullable:
                conn.execute(update(child).where(col.in_(chunk)).values({col.name: None}))
            elif "id" in child.c and dependants(child.name):
                child_ids = [r[0] for r in conn.execute(select(child.c.id).where(col.in_(chunk)))]
                delete_rows(conn, child.name, child_ids)
            else:
                conn.execute(delete(child).where(col.in_(chunk)))
        conn.execute(delete(tbl).where(tbl.c.id.in_(chunk)) if "id" in tbl.c else delete(tbl))


def row_values(ds: Dataset, rec: dict) -> dict:
    """Values written for a row: the file's columns and the derived ones (computed from them)."""
    cols = _table_columns(ds) + [c for c in DERIVED_COLUMNS.get(ds.table, ())]
    return {c: rec.get(c) for c in cols}


def write_children(conn: Connection, ds: Dataset, pairs: list[tuple[int, dict]]) -> None:
    for lc in ds.lists:
        child = SQLModel.metadata.tables[lc.table]
        todo = [(pid, rec) for pid, rec in pairs if lc.name in rec]   # a list not carried is left alone
        ids = [pid for pid, _ in todo]
        for i in range(0, len(ids), 500):
            conn.execute(delete(child).where(child.c[lc.fk].in_(ids[i:i + 500])))
        values = []
        for pid, rec in todo:
            named = rec.get("_named_ids", {}).get(lc.name, {})
            for item in rec.get(lc.name) or ():
                if lc.value:
                    values.append({lc.fk: pid, lc.code: item[0], lc.value: item[1]})
                elif lc.ref:
                    values.append({lc.fk: pid, lc.code: named[item]})
                else:
                    values.append({lc.fk: pid, lc.code: item})
        if values:
            conn.execute(insert(child), values)


def _ids_by_key(conn: Connection, ds: Dataset, recs: list[dict]) -> list[int]:
    """Ids of freshly inserted rows, found by their natural key."""
    tbl = ds.tbl
    key_cols = [c for c in ds.key if c in tbl.c]
    if ds.lookup:
        key_cols = [ds.lookup.fk] + [c for c in key_cols if c not in dict(ds.lookup.by)]
    found = {}
    cols = [tbl.c[c] for c in key_cols]
    for i in range(0, len(recs), 400):
        chunk = recs[i:i + 400]
        wanted = [tuple(r.get(c) for c in key_cols) for r in chunk]
        cond = tuple_(*cols).in_(wanted) if len(cols) > 1 else cols[0].in_([w[0] for w in wanted])
        for row in conn.execute(select(tbl.c.id, *cols).where(cond)):
            found[tuple(_norm_key(v) for v in row[1:])] = row[0]
    return [found[tuple(r.get(c) for c in key_cols)] for r in recs]


def write_preview(conn: Connection, pv: Preview) -> None:
    ds = pv.dataset
    tbl = ds.tbl
    has_id = "id" in tbl.c
    if pv.removed:
        if has_id:
            delete_rows(conn, ds.table, [r["id"] for r in pv.removed])
        else:
            for r in pv.removed:
                conn.execute(delete(tbl).where(and_(*(tbl.c[c] == r[c] for c in tbl.primary_key.columns.keys()))))
    fill_derived(ds, pv.added + [new for _, new, _ in pv.updated])
    for old_id, new, old in pv.updated:
        values = row_values(ds, new)
        if has_id:
            conn.execute(update(tbl).where(tbl.c.id == old_id).values(values))
        else:
            pk = tbl.primary_key.columns.keys()
            conn.execute(update(tbl).where(and_(*(tbl.c[c] == old[c] for c in pk))).values(values))
    if pv.added:
        cols = _table_columns(ds) + list(DERIVED_COLUMNS.get(ds.table, ()))   # as row_values, once
        values = [{c: r.get(c) for c in cols} for r in pv.added]
        for i in range(0, len(values), 5000):
            conn.execute(insert(tbl), values[i:i + 5000])
    if ds.lists and has_id:
        pairs = [(old_id, new) for old_id, new, _ in pv.updated]
        if pv.added:
            pairs += list(zip(_ids_by_key(conn, ds, pv.added), pv.added))
        write_children(conn, ds, pairs)


def _record_delivery(conn: Connection, ds: Dataset, institution: str, rows: list[dict], today: dt.date) -> None:
    dd = SQLModel.metadata.tables["data_delivery"]
    per_year: dict[int, int] = defaultdict(int)
    for r in rows:
        per_year[year_of(ds, r)] += 1
    for year, n in per_year.items():
        existing = conn.execute(select(dd.c.id, dd.c.received_date, dd.c.rows).where(
            dd.c.institution_code == institution, dd.c.dataset == ds.name, dd.c.year == year)).first()
        if existing is None:
            conn.execute(insert(dd).values(institution_code=institution, dataset=ds.name, year=year,
                                           expected_date=dt.date(year, 12, 15), received_date=today, rows=n))
        elif existing.received_date is None or existing.rows != n:
            conn.execute(update(dd).where(dd.c.id == existing.id).values(received_date=today, rows=n))


class StaleData(IntakeError):
    """The store changed between the preview and the confirmation."""


def apply(engine: Engine, pv: Preview, *, username: str, institution: str | None = None,
          action: str = "import", today: dt.date | None = None) -> Outcome:
    """Write a preview in one serialised transaction, with the delivery record and the journal entry.

    The transaction takes the store's write lock first (:func:`~data_access.db.write_transaction`):
    two imports never interleave. If another write happened since the preview, the preview is
    computed again under the lock; the import goes on only if it would make exactly the same
    changes (else :class:`StaleData`: the user confirmed something that is no longer true).
    """
    ds, v = pv.dataset, pv.validated
    try:
        with write_transaction(engine) as conn:
            current = int(get_meta(conn, "data_version") or 0)
            if current != pv.data_version:
                fresh = preview(conn, v)
                if not fresh.same_changes(pv):
                    raise StaleData("Un autre import ou une saisie a modifié ces données depuis l'aperçu : "
                                    "relancez la vérification du fichier et relisez l'aperçu avant de confirmer.")
                pv = fresh
            write_preview(conn, pv)
            if institution and pv.changes:
                _record_delivery(conn, ds, institution, v.rows, today or dt.date.today())
            version = bump_data_version(conn) if pv.changes else current
            territories = sorted({str(r.get("territory_code")) for r in v.rows if r.get("territory_code")})
            jid = journal_record(
                conn, username=username, action=action, dataset=ds.name, file_name=v.file_name,
                checksum=v.checksum, institution_code=institution,
                territory_code=territories[0] if len(territories) == 1 else None,
                added=len(pv.added), updated=len(pv.updated), removed=len(pv.removed),
                outcome="applique" if pv.changes else "sans_changement",
                detail=(pv.summary() + (" ; " + pv.removals_text() if pv.removed else "")
                        + (" ; " + " ; ".join(pv.replaced) if pv.replaced else ""))[:4000],
                data_version=version)
    except WriteBusy as exc:
        raise ImportBusy(str(exc)) from None
    return Outcome(len(pv.added), len(pv.updated), len(pv.removed), version, jid)


class ImportBusy(IntakeError):
    """Another write held the store's lock too long: "un autre import est en cours"."""


def record_rejection(engine: Engine, *, username: str, dataset: str, file_name: str, checksum: str | None,
                     problems: list[str], institution: str | None = None) -> int:
    """Journal a refused import (the data tables are untouched)."""
    with engine.begin() as conn:
        return journal_record(conn, username=username, action="import", dataset=dataset, file_name=file_name,
                              checksum=checksum, institution_code=institution, outcome="rejete",
                              detail="\n".join(problems[:50])[:4000])
