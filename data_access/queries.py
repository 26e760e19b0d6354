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


def objectives(conn, indicator_id: str | None = None, territory: str | None = None) -> list[dict]:
    """Rows of the objectives register (issue 15), for one indicator and/or one territory, oldest
    span first; ``conn`` is an engine or a connection."""
    t = table("objective")
    stmt = select(t).order_by(t.c.indicator_id, t.c.territory_code, t.c.first_year)
    if indicator_id is not None:
        stmt = stmt.where(t.c.indicator_id == indicator_id)
    if territory is not None:
        stmt = stmt.where(t.c.territory_code == territory)
    if isinstance(conn, Engine):
        with conn.connect() as c:
            return [dict(r._mapping) for r in c.execute(stmt)]
    return [dict(r._mapping) for r in conn.execute(stmt)]


def freins_plan(engine: Engine, territories) -> dict[str, pd.DataFrame]:
    """What the freins tracker reads for some territories (dashboard/core/freins.py): ``freins`` (id,
    territory_code, identified_date, category as its French label, label), ``actions`` (id,
    territory_code, plan, title, planned_start, planned_end, actual_start, actual_end, status), ``links``
    (action_id, frein_id), ``results`` (action_id, title, result_date) — the local results linked to an action."""
    from .vocabulary import label

    codes = sorted(set(territories))
    f, a, p, af, r = (table(n) for n in ("frein", "plan_action", "action_plan", "action_frein", "local_result"))
    with engine.connect() as conn:
        freins = pd.DataFrame(conn.execute(
            select(f.c.id, f.c.territory_code, f.c.identified_date, f.c.category, f.c.label)
            .where(f.c.territory_code.in_(codes))).mappings().all(),
            columns=["id", "territory_code", "identified_date", "category", "label"])
        actions = pd.DataFrame(conn.execute(
            select(a.c.id, a.c.territory_code, p.c.title.label("plan"), a.c.title, a.c.planned_start,
                   a.c.planned_end, a.c.actual_start, a.c.actual_end, a.c.status)
            .join(p, p.c.id == a.c.plan_id).where(a.c.territory_code.in_(codes))).mappings().all(),
            columns=["id", "territory_code", "plan", "title", "planned_start", "planned_end", "actual_start",
                     "actual_end", "status"])
        links = pd.DataFrame(conn.execute(
            select(af.c.action_id, af.c.frein_id).join(f, f.c.id == af.c.frein_id)
            .where(f.c.territory_code.in_(codes))).mappings().all(), columns=["action_id", "frein_id"])
        results = pd.DataFrame(conn.execute(
            select(r.c.action_id, r.c.title, r.c.result_date)
            .where(r.c.territory_code.in_(codes), r.c.action_id.is_not(None))).mappings().all(),
            columns=["action_id", "title", "result_date"])
    freins["category"] = [label("frein_category", c) for c in freins["category"]]
    return {"freins": freins, "actions": actions, "links": links, "results": results}


def steering_decisions(engine: Engine, territories) -> pd.DataFrame:
    """Decisions and improvement axes of some territories (dashboard/core/decisions.py)."""
    t = table("steering_decision")
    with engine.connect() as conn:
        rows = conn.execute(select(t).where(t.c.territory_code.in_(sorted(set(territories))))
                            .order_by(t.c.decided_date, t.c.id)).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in t.columns])
