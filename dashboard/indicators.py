"""Compute one indicator of the référentiel for the current filters.

One general mechanism for every indicator: the kind says which SQL aggregate to
run (:mod:`data_access.indicator_data`) and how to shape it into an
:class:`~dashboard.results.IndicatorResult`; the direction says how to judge it
(:func:`dashboard.verdict.verdict`). No indicator is special-cased.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from data_access import indicator_data as sqlagg
from data_access import queries, transmission
from data_access.source_query import column, institution_column
from data_access.vocabulary import VOCABULARIES

from .filters import ALL_INSTITUTIONS, REGION, Filters, describe, territory_scope
from .referentiel import Indicator
from .results import IndicatorResult, Verdict
from .verdict import verdict as judge

SELECTION, REGION_SCOPE = "selection", "region"
# Region shown in the inter-regional comparison: Rhône-Alpes is part of Auvergne-Rhône-Alpes since 2016.
COMPARISON_HIGHLIGHT = "R84"


class Reference:
    """Reference data the computations need (territories, perimeters, institutions)."""

    def __init__(self, territories: pd.DataFrame, perimeters: pd.DataFrame, institutions: pd.DataFrame,
                 all_territories: pd.DataFrame | None = None):
        self.territories = territories
        self.perimeters = perimeters
        self.institutions = institutions
        self.all_territories = all_territories if all_territories is not None else territories
        self.territory_names = dict(zip(self.all_territories["code"], self.all_territories["name"]))
        self.institution_names = dict(zip(institutions["code"], institutions["name"]))
        self.population = dict(zip(self.all_territories["code"], self.all_territories["population"]))
        self.level = dict(zip(self.all_territories["code"], self.all_territories["level"]))

    @classmethod
    def from_engine(cls, engine: Engine) -> "Reference":
        return cls(queries.territories(engine), queries.cme_perimeters(engine), queries.institutions(engine),
                   queries.all_territories(engine))

    def territory_label(self, code) -> str:
        if code is None or (isinstance(code, float) and np.isnan(code)):
            return "—"
        name = self.territory_names.get(code, code)
        level = self.level.get(code)
        return f"CME {name}" if level == "cme" else (f"{name} ({code})" if level == "departement" else name)


def _labeller(ind: Indicator, ref: Reference, col_ref: str | None):
    """Function code -> French label for a breakdown column."""
    if not col_ref:
        return lambda c: c
    col = column(ind.source, col_ref)
    vocab = col.info.get("vocabulary")
    if vocab:
        labels = VOCABULARIES[vocab]
        return lambda c: labels.get(c, "Non renseigné" if c is None else str(c))
    targets = {fk.column.table.name for fk in col.foreign_keys}
    if "institution" in targets:
        return lambda c: ref.institution_names.get(c, str(c))
    if "territory" in targets:
        return ref.territory_label
    return lambda c: "Non renseigné" if c is None else str(c)


def _hide(frame: pd.DataFrame, threshold: int, case_level: bool, count_cols: list[str]) -> pd.DataFrame:
    """Flag cells of case-level sources counting fewer than ``threshold`` persons (0 is not hidden)."""
    frame = frame.copy()
    frame["hidden"] = False
    if not case_level or frame.empty:
        return frame
    for col in count_cols:
        if col in frame:
            frame["hidden"] |= (frame[col] > 0) & (frame[col] < threshold)
    return frame


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > 0)).astype(float)


def weighted_quantiles(x: np.ndarray, n: np.ndarray, qs=(0.1, 0.25, 0.5, 0.75, 0.9)) -> list[float]:
    """Quantiles of values ``x`` repeated ``n`` times (lower interpolation, like a median of persons)."""
    order = np.argsort(x)
    x, n = np.asarray(x)[order], np.asarray(n)[order]
    cum = np.cumsum(n)
    total = cum[-1]
    return [float(x[np.searchsorted(cum, q * total, side="left")]) for q in qs]


def _years_frame(years: tuple[int, ...]) -> pd.DataFrame:
    return pd.DataFrame({"year": list(years)})


def _series_from(frame: pd.DataFrame, kind: str, years: tuple[int, ...], threshold: int,
                 case_level: bool) -> pd.DataFrame:
    """Sum a grouped frame over its territories, one row per year."""
    cols = [c for c in ("rows", "value", "numerator", "denominator") if c in frame]
    agg = frame.groupby("year")[cols].sum().reset_index() if not frame.empty else pd.DataFrame(
        {"year": pd.Series(dtype=int), **{c: pd.Series(dtype=float) for c in cols}})
    out = _years_frame(years).merge(agg, on="year", how="left")
    if kind in ("share", "survey"):
        out["value"] = _ratio(out["numerator"], out["denominator"])
    else:
        out["numerator"] = np.nan
        out["denominator"] = np.nan
    present = out["rows"].fillna(0) > 0 if "rows" in out else pd.Series(False, index=out.index)
    out.loc[~present, "value"] = np.nan
    out = _hide(out, threshold, case_level,
                ["denominator", "numerator"] if kind in ("share", "survey") else ["value"])
    return out[["year", "value", "numerator", "denominator", "hidden"]]


def compute(engine: Engine, ind: Indicator, filters: Filters, ref: Reference, *,
            small_cell_threshold: int = 5, records: bool = True, comparison: bool = True) -> IndicatorResult:
    """The indicator under the filters.

    ``records=False`` skips the dated records of descriptors and existence matrices (a query
    each) and ``comparison=False`` the 13-region values: callers that only use the series
    (maps per territory, bilans) leave them out. Calendars always fetch their records: they
    are the calendar's data.
    """
    src, kind = ind.source, ind.kind
    years = filters.years
    sel_scope = set(territory_scope(filters.territory, ref.territories, ref.perimeters))
    region_scope = set(territory_scope(REGION, ref.territories, ref.perimeters))
    institution = None if filters.institution == ALL_INSTITUTIONS else filters.institution
    inst_applies = institution_column(src) is not None
    result = IndicatorResult(
        indicator=ind,
        selection_label=describe(filters, ref.territories, ref.institutions),
        institution_applies=inst_applies or institution is None,
        small_cell_threshold=small_cell_threshold,
    )
    case_level = src.case_level
    label_by = _labeller(ind, ref, src.by)
    kwargs = {"years": years, "territories": sorted(region_scope), "institution": institution}

    def in_sel(frame):
        if frame.empty or "territory_code" not in frame or src.territory is None:
            return frame
        return frame[frame["territory_code"].isin(sel_scope)]

    with engine.connect() as conn:
        if not filters.is_region and src.territory is not None:
            present = sqlagg.territories_present(conn, src, **kwargs)
            if present == {REGION}:
                # A regional-only source (CPR, regional plan…): show the regional record, flagged.
                sel_scope = sel_scope | {REGION}
                result.regional_only = True
        if kind in ("count", "share", "survey", "typology", "descriptor"):
            base = sqlagg.grouped(conn, src, kind if kind not in ("typology", "descriptor") else "count", **kwargs)
            parts = [(SELECTION, in_sel(base))]
            if not filters.is_region:
                parts.append((REGION_SCOPE, base))
            result.series = pd.concat(
                [_series_from(f, "share" if kind == "share" else kind, years, small_cell_threshold, case_level)
                 .assign(scope=scope) for scope, f in parts], ignore_index=True)
            if src.by and kind in ("share", "typology", "descriptor"):
                by_frame = in_sel(sqlagg.grouped(conn, src, kind if kind == "share" else "count", by=src.by,
                                                 **kwargs))
                result.breakdown = _breakdown(by_frame, kind, label_by, small_cell_threshold, case_level)
            if src.detail_by and kind == "share":
                result.detail = _detail(conn, ind, ref, kwargs, in_sel, small_cell_threshold)
            if ind.spread and filters.is_region:
                result.verdict = _spread_verdict(base, ref, ind)
        elif kind == "duration":
            counts = sqlagg.value_counts(conn, src, **kwargs)
            parts = [(SELECTION, in_sel(counts))] + ([] if filters.is_region else [(REGION_SCOPE, counts)])
            series, dist = [], None
            for scope, frame in parts:
                s, d = _duration(frame, years, small_cell_threshold)
                series.append(s.assign(scope=scope))
                if scope == SELECTION:
                    dist = d
            result.series = pd.concat(series, ignore_index=True)
            result.distribution = dist
        elif kind == "existence":
            matrix = sqlagg.existence(conn, src, **kwargs)
            if not src.by:
                matrix = in_sel(matrix.rename(columns={"row": "territory_code"})).rename(
                    columns={"territory_code": "row"})
            if src.numerator is None and not matrix.empty:
                # existence by presence: a row that has records some year but none this year is a "Non"
                grid = pd.MultiIndex.from_product([sorted(matrix["row"].unique()), list(years)],
                                                  names=["row", "year"]).to_frame(index=False)
                matrix = grid.merge(matrix, on=["row", "year"], how="left")
                matrix["exists"] = matrix["exists"].astype("boolean").fillna(False).astype(bool)
            label_row = _labeller(ind, ref, src.by) if src.by else ref.territory_label
            matrix["row_label"] = matrix["row"].map(label_row)
            result.matrix = matrix[["row", "row_label", "year", "exists"]]
            share = matrix.groupby("year")["exists"].mean() if not matrix.empty else pd.Series(dtype=float)
            result.series = _years_frame(years).assign(
                value=lambda f: f["year"].map(share).astype(float), numerator=np.nan, denominator=np.nan,
                hidden=False, scope=SELECTION)
            if src.text and records:
                result.records = _records(conn, ind, ref, kwargs, in_sel)
        elif kind == "calendar":
            result.records = _records(conn, ind, ref, kwargs, in_sel)
        if kind == "descriptor" and records:
            result.records = _records(conn, ind, ref, kwargs, in_sel)
        if src.comparison == "regions" and comparison:
            result.comparison = _comparison(conn, ind, ref)
        if kind in STATUS_KINDS and not result.series.empty:
            scopes = {SELECTION: sel_scope, REGION_SCOPE: region_scope | {REGION}}
            result.series = _with_status(conn, ind, result.series, scopes, years, sorted(region_scope | {REGION}))
    for frame_name in ("breakdown", "detail"):
        frame = getattr(result, frame_name)
        if frame is not None and "hidden" in frame:
            result.hidden_cells += int(frame["hidden"].sum())
    if not result.series.empty:
        result.hidden_cells += int(result.series["hidden"].sum())
        if ind.cumulative:
            result.series = _cumulate(result.series)
    if result.verdict is None and ind.direction != "none":
        sel = result.selection_series()
        if not sel.empty:
            values = sel.set_index("year")["value"].where(~sel.set_index("year")["hidden"])
            result.verdict = judge(values, ind.direction, unit=ind.unit,
                                   is_share=kind in ("share", "survey", "existence"))
    return result


# Kinds whose yearly series tells "nothing happened" (0) from "nothing was sent" (see
# data_access/transmission.py); existence matrices and calendars say it by their rows.
STATUS_KINDS = ("count", "share", "survey", "typology", "descriptor", "duration")
ZERO_FILLED_KINDS = ("count", "typology", "descriptor")


def _with_status(conn, ind: Indicator, series: pd.DataFrame, scopes: dict[str, set[str]], years,
                 territories: list[str]) -> pd.DataFrame:
    """Add each year's transmission ``status`` (and ``expected`` / ``covered`` units) to a series, and
    turn the value of a year whose data were received (or declared empty) into a true 0.

    Coverage is read from all the rows of the source's dataset, not only the indicator's population:
    a CME that sent its communication actions of the year, none about the service offers, has 0 such
    actions, not "non transmis". An institution filter does not change coverage either."""
    src = ind.source
    ds = transmission.dataset_of_source(src)
    population = src.model_copy(update={"where": {}, "numerator": None, "denominator": None, "value": "count"}) \
        if ds is not None else src
    rows = sqlagg.grouped(conn, population, "count", years=None, territories=territories, institution=None)
    if rows.empty or src.territory is None or "territory_code" not in rows:
        rows = rows.assign(territory_code=REGION)
    rows = rows.assign(territory_code=rows["territory_code"].fillna(REGION).astype(str))
    if ds is not None:
        declared = transmission.declarations(conn, ds.name, territories)
        empty = transmission.empty_delivery_years(conn, ds.name)
    else:
        declared, empty = pd.DataFrame(columns=["year", "territory_code"]), set()
    parts = []
    for scope, units in scopes.items():
        st = transmission.status_by_year(rows, declared, set(units), years, empty_years=empty)
        if ds is None:   # no declaration possible: received or not, never "partiel"
            st["status"] = st["status"].replace({"partiel": "transmis", "zero": "transmis"})
        parts.append(st.assign(scope=scope))
    status = pd.concat(parts, ignore_index=True)
    out = series.drop(columns=[c for c in ("status", "expected", "covered") if c in series]) \
        .merge(status, on=["year", "scope"], how="left")
    out["status"] = out["status"].fillna("non_transmis")
    received = out["status"].isin(["transmis", "zero", "partiel"])
    if ind.kind in ZERO_FILLED_KINDS:
        out.loc[received & out["value"].isna(), "value"] = 0.0
    elif ind.kind in ("share", "survey"):
        for col in ("numerator", "denominator"):
            out.loc[received & out[col].isna(), col] = 0.0
    elif ind.kind == "duration":
        out.loc[received & out["denominator"].isna(), "denominator"] = 0.0
    return out


def _cumulate(series: pd.DataFrame) -> pd.DataFrame:
    """Running total over the years, per scope (years without rows add nothing)."""
    out = series.sort_values(["scope", "year"]).copy()
    out["value"] = out.groupby("scope")["value"].transform(
        lambda v: v.fillna(0).cumsum().where(v.notna().cumsum() > 0))
    return out.reset_index(drop=True)


def _breakdown(frame: pd.DataFrame, kind: str, label, threshold: int, case_level: bool) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=["year", "category", "category_label", "value", "numerator", "denominator",
                                     "hidden"])
    cols = [c for c in ("rows", "value", "numerator", "denominator") if c in frame]
    agg = frame.groupby(["year", "category"], dropna=False)[cols].sum().reset_index()
    if kind == "share":
        agg["value"] = _ratio(agg["numerator"], agg["denominator"])
        agg = _hide(agg, threshold, case_level, ["numerator", "denominator"])
    else:
        agg["numerator"] = np.nan
        agg["denominator"] = np.nan
        agg = _hide(agg, threshold, case_level, ["value"])
    agg.loc[agg["hidden"], ["value", "numerator", "denominator"]] = np.nan
    agg["category_label"] = agg["category"].map(label)
    return agg[["year", "category", "category_label", "value", "numerator", "denominator", "hidden"]]


def _detail(conn, ind: Indicator, ref: Reference, kwargs, in_sel, threshold: int) -> pd.DataFrame:
    src = ind.source
    frame = in_sel(sqlagg.grouped(conn, src, "share", by=src.detail_by, **kwargs))
    label = _labeller(ind, ref, src.detail_by)
    if frame.empty:
        return pd.DataFrame(columns=["category", "category_label", "value", "hidden"])
    agg = frame.groupby("category", dropna=False)["numerator"].sum().reset_index()
    agg = agg[agg["numerator"] > 0].rename(columns={"numerator": "value"})
    agg = _hide(agg, threshold, src.case_level, ["value"])
    agg.loc[agg["hidden"], "value"] = np.nan
    agg["category_label"] = agg["category"].map(label)
    return agg.sort_values("value", ascending=False)[["category", "category_label", "value", "hidden"]]


def _records(conn, ind: Indicator, ref: Reference, kwargs, in_sel) -> pd.DataFrame:
    src = ind.source
    recs = in_sel(sqlagg.records(conn, src, **kwargs))
    out = pd.DataFrame({"date": recs["date"]} if "date" in recs else {"year": recs.get("year")})
    out["territory_label"] = recs["territory_code"].map(ref.territory_label) if "territory_code" in recs else "—"
    out["category_label"] = recs["by"].map(_labeller(ind, ref, src.by)) if "by" in recs else ""
    title_label = _labeller(ind, ref, src.title)
    out["title"] = recs["title"].map(title_label) if "title" in recs else ""
    out["text"] = recs["text"].fillna("") if "text" in recs else ""
    if src.start:
        out["start"] = pd.to_datetime(recs["start"])
        out["end"] = pd.to_datetime(recs["end"])
        status_label = _labeller(ind, ref, src.status)
        out["status_label"] = recs["status"].map(
            lambda v: ("Réalisée" if v else "Prévue") if isinstance(v, (bool, np.bool_)) else status_label(v))
    return out.reset_index(drop=True)


def _duration(counts: pd.DataFrame, years, threshold: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, dist = [], []
    for year in years:
        f = counts[counts["year"] == year] if not counts.empty else counts
        n = int(f["n"].sum()) if not f.empty else 0
        if n == 0:
            rows.append({"year": year, "value": np.nan, "numerator": np.nan, "denominator": np.nan,
                         "hidden": False})
            continue
        agg = f.groupby("x")["n"].sum()
        p10, q1, med, q3, p90 = weighted_quantiles(agg.index.to_numpy(), agg.to_numpy())
        hidden = n < threshold
        rows.append({"year": year, "value": np.nan if hidden else med, "numerator": np.nan,
                     "denominator": float(n), "hidden": hidden})
        if not hidden:
            dist.append({"year": year, "n": n, "p10": p10, "q1": q1, "median": med, "q3": q3, "p90": p90})
    return pd.DataFrame(rows), pd.DataFrame(dist, columns=["year", "n", "p10", "q1", "median", "q3", "p90"])


def _spread_verdict(base: pd.DataFrame, ref: Reference, ind: Indicator) -> Verdict | None:
    """Homogeneity across départements: coefficient of variation of the per-capita values, per year."""
    if base.empty:
        return None
    f = base.copy()
    f["population"] = f["territory_code"].map(ref.population)
    f = f[f["territory_code"].map(ref.level) == "departement"].dropna(subset=["population"])
    if f.empty:
        return None
    f["rate"] = f["value"] / f["population"]
    cv = f.groupby("year")["rate"].agg(lambda r: r.std(ddof=0) / r.mean() if r.mean() else np.nan)
    v = judge(cv, "down", unit=None)
    if v is None:
        return None
    return Verdict(v.code, "Homogénéité entre départements (écart relatif des taux par habitant) : "
                   + v.reason[0].lower() + v.reason[1:], v.slope, v.first, v.last, v.points)


def _comparison(conn, ind: Indicator, ref: Reference) -> pd.DataFrame:
    regions = ref.all_territories[(ref.all_territories["level"] == "region")
                                  & (ref.all_territories["code"] != REGION)]
    frame = sqlagg.region_values(conn, ind.id, regions["code"])
    if frame.empty:
        return frame
    if ind.kind == "share":
        frame["value"] = _ratio(frame["numerator"], frame["denominator"]).fillna(frame["value"] / 100)
        frame["rate_per_100k"] = np.nan
    else:
        pop = frame["region"].map(ref.population).astype(float)
        frame["rate_per_100k"] = frame["value"] / pop * 100_000
    names = dict(zip(regions["code"], regions["name"]))
    frame["region_label"] = frame["region"].map(names)
    frame.loc[frame["region"] == COMPARISON_HIGHLIGHT, "region_label"] = "Auvergne-Rhône-Alpes (dont Rhône-Alpes)"
    frame["highlight"] = frame["region"] == COMPARISON_HIGHLIGHT
    return frame[["region", "region_label", "year", "value", "rate_per_100k", "highlight", "is_estimate"]]
