"""Was anything sent? Telling "nothing happened" (0) from "nothing was sent" (missing).

A territory-year of a dataset is **covered** when the store holds rows of that dataset for it, or
its sender declared "nothing this year" (``data_declaration``), or a partner's yearly delivery of
that dataset was received empty (``data_delivery.rows = 0``: it covers every territory that year).

The **expected** units of a scope are its territories that are covered in some year of the store
(a CME that never sent anything nor declared anything is not expected: its absence cannot be told
from a territory that has no such activity). For one year and one scope, the status is:

- ``transmis``: every expected unit covered, rows received;
- ``zero``: every expected unit covered, no row at all — the value is a true 0;
- ``partiel``: some expected units covered, others not — the value is the covered units' sum,
  shown flagged and left out of the verdicts;
- ``non_transmis``: no expected unit covered — no value.

Pure functions on small frames, plus the queries that feed them; no Streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection

from .datasets import DATASET_LIST, Dataset
from .db import table

STATUS_LABELS = {
    "transmis": "transmis",
    "zero": "aucun (déclaré)",
    "partiel": "partiel",
    "non_transmis": "non transmis",
}


def dataset_of_source(source) -> Dataset | None:
    """The dataset whose rows feed a référentiel source (its table, else its joined parent's, else the
    dataset of which the table is a list column), if it is declarable."""
    for name in (source.table, getattr(source, "join", None)):
        for ds in DATASET_LIST:
            if name and ds.table == name:
                return ds if ds.declarable else None
    for ds in DATASET_LIST:
        if any(lc.table == source.table for lc in ds.lists):
            return ds if ds.declarable else None
    return None


def declarations(conn: Connection, dataset: str | None, territories: Iterable[str] | None = None) -> pd.DataFrame:
    """Declared "nothing this year" of a dataset (of any dataset when None): columns year,
    territory_code (every year)."""
    t = table("data_declaration")
    q = select(t.c.year, t.c.territory_code)
    if dataset is not None:
        q = q.where(t.c.dataset == dataset)
    if territories is not None:
        q = q.where(t.c.territory_code.in_(sorted(territories)))
    return pd.DataFrame(conn.execute(q).all(), columns=["year", "territory_code"])


def empty_delivery_years(conn: Connection, dataset: str) -> set[int]:
    """Years for which a partner's yearly delivery of the dataset was received with no row."""
    t = table("data_delivery")
    q = select(t.c.year).where(t.c.dataset == dataset, t.c.rows == 0, t.c.received_date.is_not(None))
    return {int(y) for (y,) in conn.execute(q)}


def status_by_year(rows: pd.DataFrame, declared: pd.DataFrame, scope: set[str], years: Iterable[int],
                   *, empty_years: set[int] = frozenset()) -> pd.DataFrame:
    """Status of each year for a scope.

    ``rows``: year, territory_code, rows (every year of the store, territories of any scope);
    ``declared``: year, territory_code; ``scope``: the territory codes of the scope.
    Returns year, status, expected (units), covered (units)."""
    def units(frame: pd.DataFrame) -> pd.DataFrame:
        if frame.empty:
            return pd.DataFrame({"year": pd.Series(dtype=int), "territory_code": pd.Series(dtype=str)})
        return frame[frame["territory_code"].isin(scope)][["year", "territory_code"]]

    with_rows = units(rows[rows["rows"] > 0]) if not rows.empty else units(rows)
    said = units(declared)
    expected = set(with_rows["territory_code"]) | set(said["territory_code"])
    out = []
    for year in years:
        got = set(with_rows.loc[with_rows["year"] == year, "territory_code"])
        zero = set(said.loc[said["year"] == year, "territory_code"])
        covered = (got | zero) & expected
        if year in empty_years and expected:
            covered = set(expected)
        if expected and covered >= expected:
            status = "transmis" if got else "zero"
        elif covered:
            status = "partiel"
        else:
            status = "non_transmis"
        out.append({"year": year, "status": status, "expected": len(expected), "covered": len(covered)})
    return pd.DataFrame(out, columns=["year", "status", "expected", "covered"])
