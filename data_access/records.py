"""One-record writes for the data-entry forms, through the importers' validation.

A form's values are turned into the text cells of a one-line file and validated exactly as an
imported file would be (types, codes, territory level and rights, dates in the period, checks
between fields); French problems are raised as :class:`~data_access.intake.IntakeError`.
Every write is one transaction, is journaled and bumps the data version.

- :func:`save_record` adds a row, or edits the row ``record_id`` (a row of a dataset with an ``id``);
- :func:`delete_record` deletes it, with what depends on it (attendance, participants…);
- :func:`save_rows` replaces a whole scope (e.g. the attendance of one meeting) like an import.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection, Engine

from . import intake
from .dataset_files import _text, dataset_frame
from .datasets import DATASETS, Dataset
from .db import bump_data_version, table, write_transaction
from .journal import record as journal_record
from .tabular import RawTable
from .users import User, WriteRefused, require_writer

FORM = "Saisie"


def _raw(ds: Dataset, rows: list[dict]) -> RawTable:
    headers = [f.header for f in ds.fields]
    cells = [[_text(values.get(f.name), f.kind, ",") for f in ds.fields] for values in rows]
    return RawTable(FORM, headers, cells, [None] * len(rows), "formulaire")  # type: ignore[list-item]


def _validate(conn: Connection, ds: Dataset, rows: list[dict], user: User, context: dict | None = None):
    require_writer(user, what="saisir des données")
    ctx = intake.load_context(conn, allowed_territories=user.allowed_territories(), **(context or {}))
    v = intake.validate(ds, _raw(ds, rows), ctx)
    if v.problems:
        raise intake.IntakeError(v.messages())
    return v, ctx


def _key_clash(conn: Connection, ds: Dataset, rec: dict, record_id: int | None) -> str | None:
    if ds.keyless:   # identical rows are allowed (two requests of the same kind the same day)
        return None
    tbl = ds.tbl
    cond = [tbl.c[k] == rec[k] for k in ds.key if k in tbl.c]
    if ds.lookup:
        cond.append(tbl.c[ds.lookup.fk] == rec[ds.lookup.fk])
    found = conn.execute(select(tbl.c.id).where(and_(*cond))).first()
    if found and found[0] != record_id:
        shown = ", ".join(f"{ds.field(k).header} = {intake.show_value(rec.get(k))}" for k in ds.key)
        return f"{FORM} : un enregistrement existe déjà avec la même clé ({shown}) ; modifiez-le plutôt."
    return None


def _old_row(conn: Connection, ds: Dataset, record_id: int) -> dict:
    row = conn.execute(select(ds.tbl).where(ds.tbl.c.id == record_id)).first()
    if row is None:
        raise intake.IntakeError(f"{ds.label} : l'enregistrement n° {record_id} n'existe pas (supprimé entre-temps ?).")
    return dict(row._mapping)


def _check_old_territory(conn: Connection, ds: Dataset, old: dict, user: User, what: str) -> None:
    terr = old.get("territory_code")
    if terr is None and ds.lookup:
        pt = table(ds.lookup.table)
        terr = conn.execute(select(pt.c.territory_code).where(pt.c.id == old[ds.lookup.fk])).scalar()
    require_writer(user, terr, what)


def save_record(engine: Engine, dataset: str, values: dict, user: User, record_id: int | None = None, *,
                context: dict | None = None) -> int:
    """Add (``record_id`` None) or edit one row; returns its id. ``context``: what the référentiel tells
    the validation (:func:`dashboard.services.importing.context_kwargs`), as for an imported file."""
    ds = DATASETS[dataset]
    if "id" not in ds.tbl.c:
        raise ValueError(f"{dataset} has no id: use save_rows")
    with write_transaction(engine) as conn:
        v, ctx = _validate(conn, ds, [values], user, context)
        rec = v.rows[0]
        old = None
        if record_id is not None:
            old = _old_row(conn, ds, record_id)
            _check_old_territory(conn, ds, old, user, "modifier cet enregistrement")
        clash = _key_clash(conn, ds, rec, record_id)
        if clash:
            raise intake.IntakeError(clash)
        intake.fill_derived(ds, [rec])
        row_values = intake.row_values(ds, rec)
        if old is None:
            record_id = int(conn.execute(insert(ds.tbl).values(row_values)).inserted_primary_key[0])
            action, added, updated = "saisie", 1, 0
        else:
            for col in ds.exclude:  # columns the form does not show keep their value
                row_values.pop(col, None)
            conn.execute(update(ds.tbl).where(ds.tbl.c.id == record_id).values(row_values))
            action, added, updated = "modification", 0, 1
        intake.write_children(conn, ds, [(record_id, rec)])
        version = bump_data_version(conn)
        journal_record(conn, username=user.username, action=action, dataset=ds.name,
                       territory_code=intake.row_territory(ds, ctx, rec),
                       added=added, updated=updated, outcome="applique", data_version=version,
                       detail=_describe(ds, rec, record_id))
    return record_id


def _describe(ds: Dataset, rec: dict, record_id) -> str:
    shown = ", ".join(f"{ds.field(k).header} = {intake.show_value(rec.get(k))}" for k in ds.key)
    return f"{ds.label} n° {record_id} : {shown}"


def delete_record(engine: Engine, dataset: str, record_id: int, user: User) -> None:
    ds = DATASETS[dataset]
    require_writer(user, what="supprimer des données")
    if ds.admin_only and not user.is_admin:
        raise WriteRefused(f"« {ds.label} » : réservé aux administrateurs, votre compte ne peut pas en supprimer.")
    with write_transaction(engine) as conn:
        old = _old_row(conn, ds, record_id)
        _check_old_territory(conn, ds, old, user, "supprimer cet enregistrement")
        intake.delete_rows(conn, ds.table, [record_id])
        version = bump_data_version(conn)
        journal_record(conn, username=user.username, action="suppression", dataset=ds.name,
                       territory_code=old.get("territory_code"), removed=1, outcome="applique",
                       data_version=version, detail=_describe(ds, old, record_id))


def save_rows(engine: Engine, dataset: str, rows: list[dict], user: User, *,
              context: dict | None = None) -> intake.Outcome:
    """Replace the scope the rows cover (as an import of these rows would)."""
    ds = DATASETS[dataset]
    with engine.connect() as conn:
        v, _ = _validate(conn, ds, rows, user, context)
        pv = intake.preview(conn, v)
    return intake.apply(engine, pv, username=user.username, action="saisie")


def record_values(engine: Engine, dataset: str, record_id: int) -> dict:
    """Field values of one stored row (to fill an edit form)."""
    ds = DATASETS[dataset]
    with engine.connect() as conn:
        frame = dataset_frame(conn, ds, ids=[record_id])
    if frame.empty:
        raise intake.IntakeError(f"{ds.label} : l'enregistrement n° {record_id} n'existe pas.")
    return {k: (None if not isinstance(v, (tuple, list)) and pd.isna(v) else v)
            for k, v in frame.iloc[0].to_dict().items()}


def list_records(engine: Engine, dataset: str, *, territories: list[str] | None = None,
                 years: list[int] | None = None) -> pd.DataFrame:
    """Stored rows with their ``id``, newest first (for the forms' tables)."""
    ds = DATASETS[dataset]
    with engine.connect() as conn:
        frame = dataset_frame(conn, ds, years=years, territories=territories, with_id=True)
    return frame.iloc[::-1].reset_index(drop=True)


__all__ = ["FORM", "WriteRefused", "delete_record", "list_records", "record_values", "save_record", "save_rows"]
