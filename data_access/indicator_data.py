"""SQL aggregates behind every indicator of the référentiel.

Each function takes a référentiel *source* (duck-typed, see
``dashboard/core/referentiel.py``), the filters (years, territory codes in scope,
institution) and returns a small pandas DataFrame aggregated by the database.
The same SQL runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Integer, and_, case, cast, func, literal, or_, select
from sqlalchemy.engine import Connection

from .aggregate_cache import cached_frame
from .source_query import column, condition, filter_clause, from_clause

RECORDS_LIMIT = 200


def _flag(source, where) -> object:
    return func.sum(case((condition(source, where), 1), else_=0))


def _measures(source, kind: str) -> dict:
    """SQL measures for a kind: value, numerator, denominator, rows."""
    value = source.value
    rows = func.count()
    out = {"rows": rows}
    if kind == "survey":
        out["numerator"] = func.sum(column(source, "agreeing"))
        out["denominator"] = func.sum(column(source, "respondents"))
        return out
    if source.numerator is not None and kind in ("share", "existence"):
        num = source.numerator
        out["numerator"] = func.sum(column(source, num.sum)) if num.sum else _flag(source, num.where)
        den = source.denominator
        out["denominator"] = func.sum(column(source, den.sum)) if den is not None and den.sum else (
            _flag(source, den.where) if den is not None and den.where else rows)
        if value.startswith("sum:") and num.sum and den is not None and den.sum:
            # a share may be sent as its value only (percent), numerator and denominator being optional
            incomplete = or_(column(source, num.sum).is_(None), column(source, den.sum).is_(None))
            out["sent_value"] = func.sum(case((incomplete, column(source, value.split(":", 1)[1])), else_=None))
            out["sent_rows"] = func.sum(case((incomplete, 1), else_=0))
        return out
    if value.startswith("sum:"):
        out["value"] = func.sum(column(source, value.split(":", 1)[1]))
    else:
        out["value"] = rows
    return out


def _source_key(source) -> str:
    dump = getattr(source, "model_dump_json", None)
    return dump() if dump else repr(source)


def _materialised(conn: Connection, name: str, source, compute, *, years, territories, institution,
                  extra=()) -> pd.DataFrame:
    """Run ``compute(territories, institution)`` over all years once per data version, then keep ``years``."""
    parts = (name, _source_key(source), tuple(sorted(territories)) if territories is not None else None,
             institution, *extra)
    frame = cached_frame(conn, parts, lambda: compute(territories, institution))
    if years is not None and not frame.empty:
        frame = frame[frame["year"].isin(list(years))].reset_index(drop=True)
    return frame


def grouped(conn: Connection, source, kind: str, *, years=None, territories=None, institution=None,
            by: str | None = None) -> pd.DataFrame:
    """Measures grouped by year, territory_code and optionally a category column ``by``.

    Columns: year, territory_code, [category], rows, and value or numerator/denominator.
    Materialised per data version (see :mod:`data_access.aggregate_cache`).
    """
    return _materialised(conn, "grouped", source,
                         lambda terr, inst: _grouped_sql(conn, source, kind, territories=terr, institution=inst, by=by),
                         years=years, territories=territories, institution=institution, extra=(kind, by))


def _grouped_sql(conn: Connection, source, kind: str, *, years=None, territories=None, institution=None,
                 by: str | None = None) -> pd.DataFrame:
    year, terr, where = filter_clause(source, years=years, territories=territories, institution=institution)
    terr_col = terr if terr is not None else literal(None)
    keys = [year.label("year"), terr_col.label("territory_code")]
    if by:
        keys.append(column(source, by).label("category"))
    measures = _measures(source, kind)
    stmt = (select(*keys, *(m.label(n) for n, m in measures.items()))
            .select_from(from_clause(source)).where(where)
            .group_by(*[k.element if hasattr(k, "element") else k for k in keys]))
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.mappings().all(), columns=list(result.keys()))
    for col in ("rows", "value", "numerator", "denominator", "sent_value", "sent_rows"):
        if col in frame:
            frame[col] = pd.to_numeric(frame[col]).astype(float)
    if not frame.empty:
        frame["year"] = frame["year"].astype(int)
    return frame


def territories_present(conn: Connection, source, *, years=None, territories=None,
                        institution=None) -> set[str]:
    """Distinct territory codes holding rows of the source within the filters.

    Materialised per data version (a DISTINCT over a case-level table costs as much as
    an aggregate): territory views, the comparison page and the bilans ask it often.
    """
    if source.territory is None:
        return set()
    frame = _materialised(conn, "present", source,
                          lambda terr, inst: _present_sql(conn, source, territories=terr, institution=inst),
                          years=years, territories=territories, institution=institution)
    return set() if frame.empty else {str(code) for code in frame["territory_code"]}


def _present_sql(conn: Connection, source, *, territories=None, institution=None) -> pd.DataFrame:
    year, terr, where = filter_clause(source, territories=territories, institution=institution)
    stmt = select(year.label("year"), terr.label("territory_code")).select_from(from_clause(source)) \
        .where(where).distinct()
    frame = pd.DataFrame(conn.execute(stmt).all(), columns=["year", "territory_code"])
    if not frame.empty:
        frame["year"] = frame["year"].astype(int)
    return frame


VALUE_COUNTS_COLUMNS = ["year", "territory_code", "x", "n", "event"]


def value_counts(conn: Connection, source, *, years=None, territories=None, institution=None) -> pd.DataFrame:
    """Distribution of a ``median:<col>`` source: year, territory_code, x (days), n (rows), event.

    ``event`` is 1 where ``x`` is an observed delay (the row's ``<col>``) and 0 where it is
    right-censored: a row of a ``cohort`` source that is still open (``cohort.open``) counts the days
    from its ``cohort.start`` date to the reference date (:func:`reference_date`), the delay being at
    least that long. A source without a cohort has only observed delays. Materialised per data version.
    """
    return _materialised(conn, "value_counts", source,
                         lambda terr, inst: _value_counts_sql(conn, source, territories=terr, institution=inst),
                         years=years, territories=territories, institution=institution)


def reference_date(conn: Connection, source):
    """The date a cohort's open rows are known to be still open: the latest ``cohort.start`` or
    ``cohort.end`` date recorded in the source's table (all territories, all years), i.e. the last day
    the store describes. None without rows."""
    coh = source.cohort
    stmt = select(func.max(column(source, coh.start)), func.max(column(source, coh.end))).select_from(
        from_clause(source))
    dates = [pd.Timestamp(d) for d in conn.execute(stmt).one() if d is not None]
    return max(dates) if dates else None


def _value_counts_sql(conn: Connection, source, *, years=None, territories=None, institution=None) -> pd.DataFrame:
    col = column(source, source.value.split(":", 1)[1])
    year, terr, where = filter_clause(source, years=years, territories=territories, institution=institution)
    coh = getattr(source, "cohort", None)
    censoring = coh is not None and coh.start is not None
    # CASE WHEN open THEN 1 ELSE 0 END: a NULL in the open filter's columns reads "not open"
    is_open = case((condition(source, coh.open), 1), else_=0) if censoring else None
    observed = and_(where, col.is_not(None), *([is_open == 0] if censoring else []))
    stmt = (select(year.label("year"), terr.label("territory_code"), cast(col, Integer).label("x"),
                   func.count().label("n"))
            .select_from(from_clause(source)).where(observed)
            .group_by(year, terr, cast(col, Integer)))
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.mappings().all(), columns=list(result.keys())).assign(event=1)
    if censoring:
        start = column(source, coh.start)
        stmt = (select(year.label("year"), terr.label("territory_code"), start.label("start"),
                       func.count().label("n"))
                .select_from(from_clause(source)).where(and_(where, is_open == 1, start.is_not(None)))
                .group_by(year, terr, start))
        result = conn.execute(stmt)
        open_rows = pd.DataFrame(result.mappings().all(), columns=list(result.keys()))
        if not open_rows.empty:
            ref = reference_date(conn, source)
            open_rows["x"] = (ref - pd.to_datetime(open_rows["start"])).dt.days
            open_rows = (open_rows.groupby(["year", "territory_code", "x"], dropna=False, as_index=False)["n"].sum()
                         .assign(event=0))
            frame = pd.concat([frame, open_rows], ignore_index=True)
    frame = frame.reindex(columns=VALUE_COUNTS_COLUMNS)
    if not frame.empty:
        frame = frame.astype({"year": int, "x": int, "n": int, "event": int})
    return frame


def existence(conn: Connection, source, *, years=None, territories=None, institution=None) -> pd.DataFrame:
    """Existence matrix: year, row (territory or the ``by`` column), exists (bool)."""
    year, terr, where = filter_clause(source, years=years, territories=territories, institution=institution)
    row = column(source, source.by) if source.by else terr
    flag = _flag(source, source.numerator.where) if source.numerator is not None else func.count()
    stmt = (select(year.label("year"), row.label("row"), flag.label("hits"))
            .select_from(from_clause(source)).where(where).group_by(year, row))
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.mappings().all(), columns=list(result.keys()))
    if frame.empty:
        return pd.DataFrame(columns=["year", "row", "exists"])
    frame["year"] = frame["year"].astype(int)
    frame["exists"] = frame["hits"].astype(int) > 0
    return frame.drop(columns="hits")


def records(conn: Connection, source, *, years=None, territories=None, institution=None,
            limit: int = RECORDS_LIMIT) -> pd.DataFrame:
    """Dated records of a descriptor or calendar, newest first."""
    year, terr, where = filter_clause(source, years=years, territories=territories, institution=institution)
    date_ref = source.start or source.date
    cols = {"date": column(source, date_ref)} if date_ref else {"year": year}
    if terr is not None:
        cols["territory_code"] = terr
    for name in ("by", "title", "text", "start", "end", "status"):
        ref = getattr(source, name, None)
        if ref:
            cols[name] = column(source, ref)
    stmt = (select(*(c.label(n) for n, c in cols.items())).select_from(from_clause(source)).where(where)
            .order_by(next(iter(cols.values())).desc()).limit(limit))
    result = conn.execute(stmt)
    return pd.DataFrame(result.mappings().all(), columns=list(result.keys()))


def region_values(conn: Connection, indicator_id: str, region_codes: Iterable[str]) -> pd.DataFrame:
    """Yearly values of a Q6 indicator for the metropolitan regions (comparison, article 7)."""
    from .db import table

    iv = table("indicator_value")
    stmt = (select(iv.c.territory_code.label("region"), iv.c.year, iv.c.value, iv.c.numerator, iv.c.denominator,
                   iv.c.is_estimate)
            .where(iv.c.indicator_id == indicator_id, iv.c.territory_code.in_(list(region_codes))))
    result = conn.execute(stmt)
    return pd.DataFrame(result.mappings().all(), columns=list(result.keys()))


def last_update(conn: Connection) -> str | None:
    """ISO timestamp of the last write to the store (set with the data version)."""
    from .db import get_meta

    return get_meta(conn, "updated_at")
