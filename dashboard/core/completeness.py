"""Completeness of the data: the partners' deliveries (partner × dataset × year: received or
not, when, how many rows) and, for each indicator of the référentiel, whether it can be computed
for each CME territory (and the region) and year.

The second table is what Q1's criterion on data reliability reads as "indicators newly available
over the period": :func:`first_years` gives, per indicator, the first year it could be computed,
and :func:`newly_available` counts them per year.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Engine

from dashboard.core.referentiel import Referentiel, load_referentiel
from data_access.db import table
from data_access.source_query import coverage_frame
from data_access.vocabulary import DATASET
from data_access.wording import count

REGION = "R82"


def deliveries(engine: Engine, today: dt.date | None = None) -> pd.DataFrame:
    """One row per partner × dataset × year, with a French status."""
    today = today or dt.date.today()
    dd, inst = table("data_delivery"), table("institution")
    stmt = (select(dd.c.institution_code, inst.c.name, dd.c.dataset, dd.c.year, dd.c.expected_date,
                   dd.c.received_date, dd.c.rows)
            .join(inst, inst.c.code == dd.c.institution_code)
            .order_by(dd.c.institution_code, dd.c.dataset, dd.c.year))
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(stmt).mappings().all(),
                             columns=["institution_code", "name", "dataset", "year", "expected_date",
                                      "received_date", "rows"])
    if frame.empty:
        return frame.assign(status=pd.Series(dtype=str), delay_days=pd.Series(dtype="Int64"))

    def status(r) -> tuple[str, int | None]:
        if r.received_date is None or pd.isna(r.received_date):
            return ("manquante" if r.expected_date < today else "attendue"), None
        delay = (r.received_date - r.expected_date).days
        return ("reçue en retard" if delay > 30 else "reçue"), delay

    st = [status(r) for r in frame.itertuples()]
    frame["status"] = [s for s, _ in st]
    frame["delay_days"] = pd.array([d for _, d in st], dtype="Int64")
    frame["dataset_label"] = frame["dataset"].map(lambda d: DATASET.get(d, d))
    return frame


def deliveries_matrix(frame: pd.DataFrame, problems_only: bool = False) -> pd.DataFrame:
    """Partner × dataset rows, one column per year, French cell texts; the rows with a missing
    delivery first, then those with a late one (an "État" column says which), then the rest in
    partner order. ``problems_only``: only the rows with a missing or late delivery."""
    from dashboard.core.formatting import fmt_date, fmt_number

    if frame.empty:
        return pd.DataFrame()

    def cell(r) -> str:
        if r.status in ("manquante", "attendue"):
            return "✗ manquante" if r.status == "manquante" else "… attendue"
        mark = "⚠" if r.status == "reçue en retard" else "✓"
        return f"{mark} {fmt_date(r.received_date)} · {fmt_number(r.rows)} l."

    frame = frame.assign(cell=[cell(r) for r in frame.itertuples()],
                         Partenaire=frame["name"] + " (" + frame["institution_code"] + ")",
                         Jeu=frame["dataset_label"])
    out = frame.pivot_table(index=["Partenaire", "Jeu"], columns="year", values="cell", aggfunc="first")
    out.columns = [str(c) for c in out.columns]
    tally = frame.groupby(["Partenaire", "Jeu"])["status"].agg(
        missing=lambda s: int((s == "manquante").sum()), late=lambda s: int((s == "reçue en retard").sum()))
    out = out.join(tally)

    def state(missing: int, late: int) -> str:
        parts = ([count(missing, "manquante")] if missing else []) + ([count(late, "en retard", "en retard")]
                                                                        if late else [])
        return " · ".join(parts) if parts else "à jour"

    out.insert(0, "État", [state(m, lt) for m, lt in zip(out["missing"], out["late"])])
    out = out.reset_index().sort_values(["missing", "late", "Partenaire", "Jeu"], ascending=[False, False, True, True])
    if problems_only:
        out = out[(out["missing"] > 0) | (out["late"] > 0)]
    out = out.drop(columns=["missing", "late"])
    return out[["Partenaire", "Jeu", "État", *[c for c in out.columns if c not in ("Partenaire", "Jeu", "État")]]] \
        .reset_index(drop=True)


def problem_style(value) -> str:
    """CSS of a cell of the deliveries matrix: missing in red, late in orange."""
    text = str(value)
    if text.startswith("✗") or "manquante" in text:
        return "background-color: #fbe0de; color: #8c0000"
    if text.startswith("⚠") or "en retard" in text:
        return "background-color: #fdebd3; color: #7a3a00"
    return ""


def computability(engine: Engine, ref: Referentiel | None = None) -> pd.DataFrame:
    """Per indicator × territory (region and CME territories) × year: rows of its population.

    An indicator can be computed for a CME territory and year when its source has rows there (for
    data recorded per département: in a département of the CME's perimeter); regional sources count
    for the region only.
    """
    ref = ref or load_referentiel()
    per, terr = table("cme_perimeter"), table("territory")
    with engine.connect() as conn:
        perimeter = pd.DataFrame(conn.execute(select(per.c.cme_code, per.c.departement_code)).all(),
                                 columns=["cme", "dep"])
        ry = table("reporting_year")
        years = [y for (y,) in conn.execute(select(ry.c.year).where(ry.c.in_charter.is_(True)).order_by(ry.c.year))]
        cmes = [c for (c,) in conn.execute(select(terr.c.code).where(terr.c.level == "cme").order_by(terr.c.code))]
        to_cme = dict(zip(perimeter["dep"], perimeter["cme"]))
        rows = []
        for q in ref.questions:
            for ind in ref.indicators(q.id):
                cov = coverage_frame(conn, ind.source)
                by_year: dict[tuple[str, int], int] = {}
                if not cov.empty:
                    cov = cov.dropna(subset=["year"])
                    for r in cov.itertuples():
                        y = int(r.year)
                        by_year[(REGION, y)] = by_year.get((REGION, y), 0) + int(r.rows)
                        code = r.territory_code
                        cme = code if code in cmes else to_cme.get(code)
                        if cme:
                            by_year[(cme, y)] = by_year.get((cme, y), 0) + int(r.rows)
                for t in [REGION, *cmes]:
                    for y in years:
                        n = by_year.get((t, y), 0)
                        rows.append({"question": q.id, "indicator": ind.id, "label": ind.short_label,
                                     "territory": t, "year": y, "rows": n, "computable": n > 0})
    return pd.DataFrame(rows)


def first_years(matrix: pd.DataFrame, territory: str = REGION) -> pd.DataFrame:
    """Per indicator: the first year it could be computed for ``territory`` (NA if never)."""
    sub = matrix[matrix["territory"] == territory]
    got = sub[sub["computable"]].groupby("indicator")["year"].min()
    out = sub.drop_duplicates("indicator")[["question", "indicator", "label"]].set_index("indicator")
    out["first_year"] = got.reindex(out.index).astype("Int64")
    return out.reset_index()


def newly_available(matrix: pd.DataFrame, territory: str = REGION) -> pd.DataFrame:
    """Indicators that became computable each year (the first year of each)."""
    fy = first_years(matrix, territory).dropna(subset=["first_year"])
    return fy.groupby("first_year").size().rename("indicators").reset_index().rename(columns={"first_year": "year"})


def summary(matrix: pd.DataFrame) -> pd.DataFrame:
    """Per question × territory × year: share of its indicators that can be computed (%)."""
    g = matrix.groupby(["question", "territory", "year"])["computable"]
    return (g.mean() * 100).rename("share").reset_index()


def computability_figure(matrix: pd.DataFrame, territory: str, question: str | None = None):
    """Heatmap indicator × year: green when the indicator can be computed, with its row count."""
    import plotly.graph_objects as go

    from dashboard.core.formatting import fmt_number

    sub = matrix[matrix["territory"] == territory]
    if question:
        sub = sub[sub["question"] == question]
    indicators = list(dict.fromkeys(sub["indicator"]))
    labels = dict(zip(sub["indicator"], sub["label"]))
    years = sorted(sub["year"].unique())
    grid = sub.pivot_table(index="indicator", columns="year", values="rows", aggfunc="sum").reindex(indicators)
    z = (grid > 0).astype(int).values
    values = grid.fillna(0).astype(int).values
    text = [[fmt_number(v) if v else "—" for v in row] for row in values]
    rows = [[count(v, "ligne") for v in row] for row in values]
    ylabels = [f"{i} · {labels[i][:48]}" for i in indicators]
    fig = go.Figure(go.Heatmap(
        z=z, x=[str(y) for y in years], y=ylabels, text=text, texttemplate="%{text}", zmin=0, zmax=1, customdata=rows,
        colorscale=[[0, "#f4c7c3"], [0.5, "#f4c7c3"], [0.5, "#b7e1cd"], [1, "#b7e1cd"]], showscale=False,
        hovertemplate="%{y}<br>%{x} : %{customdata}<extra></extra>", xgap=2, ygap=2))
    fig.update_layout(height=max(220, 26 * len(indicators) + 80), margin=dict(l=10, r=10, t=30, b=10),
                      yaxis=dict(autorange="reversed", automargin=True), xaxis=dict(side="top", type="category"),
                      separators=", ")
    return fig


def newly_available_figure(frame: pd.DataFrame):
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=[str(y) for y in frame["year"]], y=frame["indicators"], text=frame["indicators"],
                           textposition="outside", marker_color="#1f77b4",
                           customdata=[count(n, "indicateur calculable") for n in frame["indicators"]],
                           hovertemplate="%{x} : %{customdata} pour la première fois<extra></extra>"))
    fig.update_layout(height=280, margin=dict(l=10, r=10, t=30, b=10), yaxis_title="Indicateurs",
                      xaxis=dict(type="category"), separators=", ")
    return fig
