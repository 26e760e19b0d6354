"""Translate a référentiel *source* into SQL.

A source (see ``dashboard/core/referentiel.py``) names a table, an optional parent
table joined through its foreign key, the time column (date or year), the
territory column, a population filter (``where``) and what to aggregate. This
module turns it into SQLAlchemy Core expressions, so that every indicator is
aggregated in SQL the same way on SQLite and PostgreSQL.

This module only needs an object with the source's attributes (duck typing):
``data_access`` does not import ``dashboard``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
from sqlalchemy import Integer, and_, cast, extract, func, literal, or_, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement, Select
from sqlmodel import SQLModel

from . import models  # noqa: F401


def _tables(source):
    md = SQLModel.metadata
    base = md.tables[source.table]
    parent = md.tables[source.join] if getattr(source, "join", None) else None
    return base, parent


def column(source, ref: str):
    """Column ``ref`` (``col`` or ``table.col``) of the source table or its joined parent."""
    base, parent = _tables(source)
    if "." in ref:
        tname, cname = ref.split(".", 1)
        tbl = parent if parent is not None and tname == parent.name else base
        if tbl.name != tname:
            raise KeyError(ref)
        return tbl.c[cname]
    return base.c[ref]


def span_columns(source):
    """(first year, last year) columns of a ``span`` source, or None."""
    span = getattr(source, "span", None)
    if not span:
        return None
    return column(source, span[0]), column(source, span[1])


def from_clause(source):
    """The source table, joined to its parent; a ``span`` source is also joined to ``reporting_year``
    so that a row (a multi-year plan) appears once in every year from its first to its last year."""
    base, parent = _tables(source)
    clause = base if parent is None else base.join(parent)
    span = span_columns(source)
    if span is not None:
        years = SQLModel.metadata.tables["reporting_year"]
        clause = clause.join(years, and_(years.c.year >= span[0], years.c.year <= span[1]))
    return clause


def _referenced(value: str):
    """``table.column`` → SELECT of its non-null values (for ``in_table`` / ``not_in_table``)."""
    tname, cname = value.split(".", 1)
    ref = SQLModel.metadata.tables[tname].c[cname]
    return select(ref).where(ref.is_not(None))


# The operators of the référentiel's filter language, ``{column: {operator: value}}``: the one table
# that the référentiel schema (dashboard/core/referentiel.py) checks names against and that ``condition``
# turns into SQL. "Not equal" and "not in" keep NULLs (a missing value is not the excluded one).
OPERATORS: dict[str, Any] = {
    "ne": lambda col, v: or_(col != v, col.is_(None)),
    "lt": lambda col, v: col < v,
    "le": lambda col, v: col <= v,
    "gt": lambda col, v: col > v,
    "ge": lambda col, v: col >= v,
    "is_null": lambda col, v: col.is_(None) if v else col.is_not(None),
    "not_in": lambda col, v: or_(col.not_in(list(v)), col.is_(None)),
    # referenced by (or absent from) another table's column: ``{id: {in_table: action_frein.frein_id}}``
    # keeps the freins that at least one action addresses
    "in_table": lambda col, v: col.in_(_referenced(v)),
    "not_in_table": lambda col, v: col.not_in(_referenced(v)),
}
# Operators whose value names a column of another table (``table.column``), checked by the schema.
TABLE_OPERATORS = frozenset({"in_table", "not_in_table"})


def condition(source, where: dict[str, Any] | None) -> ColumnElement[bool]:
    """SQL condition for a ``where`` dict of the référentiel's small filter language: a plain value
    (equality), a list (one of), ``True`` / ``False``, ``{operator: value}`` (:data:`OPERATORS`) or
    ``any_of: [where, …]`` (OR)."""
    if not where:
        return true()
    parts = []
    for key, cond in where.items():
        if key == "any_of":
            parts.append(or_(*(condition(source, sub) for sub in cond)))
            continue
        col = column(source, key)
        if isinstance(cond, dict):
            for op, value in cond.items():
                if op not in OPERATORS:  # pragma: no cover - the référentiel schema rejects it first
                    raise ValueError(f"opérateur inconnu {op}")
                parts.append(OPERATORS[op](col, value))
        elif isinstance(cond, list):
            parts.append(col.in_(cond))
        elif cond is True:
            parts.append(col.is_(True))
        elif cond is False:
            parts.append(col.is_(False))
        else:
            parts.append(col == cond)
    return and_(*parts)


def year_expression(source) -> ColumnElement[int]:
    """The row's year: the year column, the year of the date column, or each year of a ``span``."""
    if getattr(source, "span", None):
        return SQLModel.metadata.tables["reporting_year"].c.year
    if getattr(source, "year", None):
        return column(source, source.year)
    return cast(extract("year", column(source, source.date)), Integer)


def territory_expression(source):
    ref = getattr(source, "territory", None)
    return column(source, ref) if ref else None


def institution_column(source):
    """The column of the source (or its joined parent) that references an institution, if any."""
    md = SQLModel.metadata
    tables = [md.tables[source.table]] + ([md.tables[source.join]] if getattr(source, "join", None) else [])
    for tbl in tables:
        for col in tbl.c:
            if any(fk.column.table.name == "institution" for fk in col.foreign_keys):
                return col
    return None


def filter_clause(source, *, years: Iterable[int] | None = None, territories: Iterable[str] | None = None,
                  institution: str | None = None):
    """(year expression, territory expression, WHERE clause) for the source within the filters.

    The clause holds the source's population filter, then the years, the territory codes in scope
    and, when the source has an institution dimension, the institution.
    """
    year = year_expression(source)
    terr = territory_expression(source)
    conds = [condition(source, getattr(source, "where", None))]
    if years is not None:
        conds.append(year.in_(list(years)))
    if territories is not None and terr is not None:
        conds.append(terr.in_(list(territories)))
    inst_col = institution_column(source)
    if institution and inst_col is not None:
        conds.append(inst_col == institution)
    return year, terr, and_(*conds)


def population_select(source, *, years: Iterable[int] | None = None,
                      territories: Iterable[str] | None = None) -> tuple[Select, ColumnElement, Any]:
    """SELECT … FROM the source WHERE its population filter (and optional year/territory filters)."""
    year, terr, where = filter_clause(source, years=years, territories=territories)
    return select().select_from(from_clause(source)).where(where), year, terr


def coverage_frame(conn: Connection, source) -> pd.DataFrame:
    """Rows of the source population per year and territory: columns year, territory_code, rows."""
    stmt, year, terr = population_select(source)
    terr_col = terr if terr is not None else literal(None)
    stmt = stmt.add_columns(
        year.label("year"), terr_col.label("territory_code"), func.count().label("rows")
    ).group_by(year, terr_col)
    frame = pd.DataFrame(conn.execute(stmt).mappings().all(), columns=["year", "territory_code", "rows"])
    if not frame.empty:
        frame["year"] = frame["year"].astype("Int64")
        frame["rows"] = frame["rows"].astype(int)
    return frame


__all__ = [
    "column", "condition", "coverage_frame", "filter_clause", "from_clause", "institution_column",
    "population_select", "span_columns", "territory_expression", "year_expression",
]

