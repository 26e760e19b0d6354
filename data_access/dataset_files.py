"""Write a dataset's rows as a partner would send them: French headers, ``JJ/MM/AAAA`` dates,
decimal commas, ``oui``/``non``, lists joined by ``|``. Used for the example files under
``sample_data/examples/``, the test corpus and the "download the current data" button of the
import page (a file that re-imports without any change)."""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict

import pandas as pd
from sqlalchemy import and_, select
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from .datasets import Dataset

# Label of the parent's territory in ``stored_select`` (a row with no territory column of its own).
PARENT_TERRITORY = "_territory"


def stored_select(ds: Dataset):
    """SELECT of a dataset's stored rows: its table's columns and, for a dataset with a lookup, the
    parent's natural key under the file's field names (and the parent's territory as
    ``PARENT_TERRITORY`` when the table has none). Returns the statement and a function giving the
    column of a field."""
    tbl = ds.tbl
    joins, extra = tbl, {}
    if ds.lookup:
        parent = SQLModel.metadata.tables[ds.lookup.table]
        joins = tbl.join(parent, tbl.c[ds.lookup.fk] == parent.c.id)
        extra = {name: parent.c[pc] for name, pc in ds.lookup.by if name not in tbl.c}
        if "territory_code" not in tbl.c and "territory_code" in parent.c:
            extra[PARENT_TERRITORY] = parent.c.territory_code
    stmt = select(*tbl.c, *(c.label(n) for n, c in extra.items())).select_from(joins)
    return stmt, lambda name: tbl.c[name] if name in tbl.c else extra[name]


def in_years(ds: Dataset, column, years) -> object:
    """Condition: the period column ``column`` falls in ``years``."""
    if ds.field(ds.period).kind == "year":
        return column.in_(sorted(years))
    return and_(column >= dt.date(min(years), 1, 1), column <= dt.date(max(years), 12, 31))


def list_values(conn: Connection, ds: Dataset, ids: list[int]) -> dict[str, dict[int, tuple]]:
    """The list cells of stored rows: list field → row id → sorted codes (or (code, number) pairs, or
    the names of the rows a ``ListColumn.ref`` list points at)."""
    out: dict[str, dict[int, tuple]] = {}
    for lc in ds.lists:
        child = SQLModel.metadata.tables[lc.table]
        source = child
        code = child.c[lc.code]
        if lc.ref:
            named = SQLModel.metadata.tables[lc.ref[0]]
            source = child.join(named, child.c[lc.code] == named.c.id)
            code = named.c[lc.ref[1]]
        cols = [child.c[lc.fk], code] + ([child.c[lc.value]] if lc.value else [])
        got: dict[int, list] = defaultdict(list)
        for i in range(0, len(ids), 500):
            for row in conn.execute(select(*cols).select_from(source).where(child.c[lc.fk].in_(ids[i:i + 500]))):
                got[row[0]].append((row[1], row[2]) if lc.value else row[1])
        out[lc.name] = {k: tuple(sorted(v)) for k, v in got.items()}
    return out


def dataset_frame(conn: Connection, ds: Dataset, *, years: list[int] | None = None,
                  territories: list[str] | None = None, limit: int | None = None, ids: list[int] | None = None,
                  with_id: bool = False) -> pd.DataFrame:
    """Stored rows of a dataset as typed values, one column per field (field names; ``id`` first
    when ``with_id``)."""
    tbl = ds.tbl
    stmt, col = stored_select(ds)
    if years:
        stmt = stmt.where(in_years(ds, col(ds.period), years))
    if territories is not None:
        terr_col = tbl.c.territory_code if "territory_code" in tbl.c else (
            SQLModel.metadata.tables[ds.lookup.table].c.territory_code if ds.lookup else None)
        if terr_col is not None:
            stmt = stmt.where(terr_col.in_(territories))
    if ids is not None:
        stmt = stmt.where(tbl.c.id.in_(ids))
    stmt = stmt.order_by(col(ds.period), *(col(k) for k in ds.key))
    if limit:
        stmt = stmt.limit(limit)
    rows = [dict(r._mapping) for r in conn.execute(stmt)]
    if ds.lists and rows:
        lists = list_values(conn, ds, [r["id"] for r in rows])
        for r in rows:
            for name, by_id in lists.items():
                r[name] = by_id.get(r["id"], ())
    names = (["id"] if with_id and "id" in tbl.c else []) + [f.name for f in ds.fields]
    return pd.DataFrame([{n: r.get(n) for n in names} for r in rows], columns=names)


def _text(value, kind: str, decimal: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if kind == "date":
        d = value.date() if isinstance(value, dt.datetime) else value
        return d.strftime("%d/%m/%Y")
    if kind == "bool":
        return "oui" if value else "non"
    if kind == "float":
        text = repr(float(value))
        text = text[:-2] if text.endswith(".0") else text
        return text.replace(".", decimal)
    if kind == "list":
        return "|".join(f"{item[0]}={item[1]}" if isinstance(item, tuple) else str(item) for item in value)
    return str(value)


def to_text_frame(frame: pd.DataFrame, ds: Dataset, *, decimal: str = ",") -> pd.DataFrame:
    """The same rows as text cells under the French headers."""
    out = {}
    for f in ds.fields:
        out[f.header] = [_text(v, f.kind, decimal) for v in frame[f.name].tolist()] if f.name in frame else []
    return pd.DataFrame(out, columns=[f.header for f in ds.fields])


def to_csv_bytes(frame: pd.DataFrame, ds: Dataset, *, sep: str = ";", encoding: str = "utf-8-sig",
                 decimal: str | None = None) -> bytes:
    decimal = decimal or ("," if sep == ";" else ".")
    text = to_text_frame(frame, ds, decimal=decimal).to_csv(sep=sep, index=False, lineterminator="\r\n")
    return text.encode(encoding)


def to_xlsx_bytes(frame: pd.DataFrame, ds: Dataset) -> bytes:
    """An XLSX with typed cells (dates as dates, numbers as numbers) under the French headers."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = ds.name[:31]
    ws.append([f.header for f in ds.fields])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for rec in frame.to_dict("records"):
        row = []
        for f in ds.fields:
            v = rec.get(f.name)
            if v is None or (isinstance(v, float) and pd.isna(v)):
                row.append(None)
            elif f.kind == "bool":
                row.append("oui" if v else "non")
            elif f.kind == "list":
                row.append(_text(v, "list", ","))
            elif hasattr(v, "item"):
                row.append(v.item())
            else:
                row.append(v)
        ws.append(row)
    for col, f in enumerate(ds.fields, start=1):
        if f.kind == "date":
            for (cell,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
                cell.number_format = "DD/MM/YYYY"
        ws.column_dimensions[ws.cell(1, col).column_letter].width = max(12, min(40, len(f.header) + 2))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
