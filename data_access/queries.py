"""Query functions: aggregate in SQL, return pandas DataFrames.

Reference lists for the filters live here; the référentiel-driven indicator
queries build on :mod:`data_access.source_query`.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, or_, select
from sqlalchemy.engine import Engine

from . import models  # noqa: F401
from .db import get_meta, table

RA_REGION = "R82"


def _frame(engine: Engine, stmt) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(stmt)
        return pd.DataFrame(result.mappings().all(), columns=list(result.keys()))


def territories(engine: Engine) -> pd.DataFrame:
    """Rhône-Alpes territories (region, CME territories, départements), in display order."""
    t = table("territory")
    stmt = (
        select(t.c.code, t.c.name, t.c.level, t.c.parent_code, t.c.population, t.c.population_year,
               t.c.population_approx, t.c.population_source, t.c.geo_code)
        .where(or_(t.c.code == RA_REGION, t.c.parent_code == RA_REGION))
    )
    frame = _frame(engine, stmt)
    order = {"region": 0, "cme": 1, "departement": 2}
    if frame.empty:
        return frame
    frame["_o"] = frame["level"].map(order)
    return frame.sort_values(["_o", "code"]).drop(columns="_o").reset_index(drop=True)


def all_territories(engine: Engine) -> pd.DataFrame:
    """Every territory of the store, other metropolitan regions included (comparison)."""
    t = table("territory")
    return _frame(engine, select(t.c.code, t.c.name, t.c.level, t.c.parent_code, t.c.population,
                                 t.c.population_year, t.c.population_approx, t.c.population_source,
                                 t.c.geo_code).order_by(t.c.code))


def last_update(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return get_meta(conn, "updated_at")


def cme_perimeters(engine: Engine) -> pd.DataFrame:
    p = table("cme_perimeter")
    return _frame(engine, select(p.c.cme_code, p.c.departement_code, p.c.valid_from, p.c.valid_to))


def institutions(engine: Engine) -> pd.DataFrame:
    i = table("institution")
    return _frame(engine, select(i.c.code, i.c.name, i.c.type, i.c.territory_code, i.c.signatory,
                                 i.c.cpr_member).order_by(i.c.name))


def reporting_years(engine: Engine) -> list[int]:
    y = table("reporting_year")
    with engine.connect() as conn:
        years = [r for (r,) in conn.execute(select(y.c.year).where(y.c.in_charter).order_by(y.c.year))]
    return years


def store_info(engine: Engine) -> dict:
    """What the shell shows about the store: sample flag, data version, last import."""
    with engine.connect() as conn:
        meta = table("store_meta")
        rows = dict(conn.execute(select(meta.c.key, meta.c.value)).all())
        n_terr = conn.execute(select(func.count()).select_from(table("territory"))).scalar_one()
    return {
        "sample": rows.get("sample") == "1",
        "sample_scale": int(rows.get("sample_scale", "0") or 0),
        "data_version": int(rows.get("data_version", "0") or 0),
        "territories": n_terr,
    }


__all__ = ["all_territories", "last_update", "territories", "cme_perimeters", "institutions", "reporting_years",
           "store_info", "get_meta"]
