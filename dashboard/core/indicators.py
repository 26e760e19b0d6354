"""Compute one indicator of the référentiel for the current filters.

One general mechanism for every indicator: the kind says which SQL aggregate to
run (:mod:`data_access.indicator_data`) and how to shape it into an
:class:`~dashboard.core.results.IndicatorResult`; the direction says how to judge it
(:func:`dashboard.core.verdict.verdict`). No indicator is special-cased.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from dashboard.core import objectives, secrecy
from dashboard.core.filters import ALL_INSTITUTIONS, REGION, Filters, describe, territory_scope, territory_scope_by_year
from dashboard.core.kinds import spec
from dashboard.core.referentiel import Indicator, Ratio
from dashboard.core.results import IndicatorResult, Verdict
from dashboard.core.verdict import judged_values, volumes_of
from dashboard.core.verdict import verdict as judge
from data_access import indicator_data as sqlagg
from data_access import queries, transmission
from data_access.source_query import column, institution_column
from data_access.vocabulary import VOCABULARIES

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

    def missing(c) -> bool:   # None from the database, NaN once grouped by pandas (dropna=False)
        return c is None or (isinstance(c, float) and c != c)

    col = column(ind.source, col_ref)
    vocab = col.info.get("vocabulary")
    if vocab:
        labels = VOCABULARIES[vocab]
        return lambda c: "Non renseigné" if missing(c) else labels.get(c, str(c))
    targets = {fk.column.table.name for fk in col.foreign_keys}
    if "institution" in targets:
        return lambda c: "Non renseigné" if missing(c) else ref.institution_names.get(c, str(c))
    if "territory" in targets:
        return ref.territory_label
    return lambda c: "Non renseigné" if missing(c) else str(c)


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


QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
_STEP_TOLERANCE = 1e-9   # a Kaplan-Meier product reads 0.4999999999 for 1/2


def weighted_quantiles(x: np.ndarray, n: np.ndarray, qs=QUANTILES, event: np.ndarray | None = None) -> list[float]:
    """Quantiles of delays ``x`` counted ``n`` times; ``event`` 0 marks a right-censored delay (a case
    still open, known to last at least ``x``), 1 (the default) an observed one.

    The distribution is the Kaplan-Meier estimate (``scipy.stats.ecdf`` on ``scipy.stats.CensoredData``;
    a censored delay tied with observed ones is still at risk at that time), which is the plain empirical
    distribution when nothing is censored. The q-quantile is the smallest delay t where the estimated
    share of ended delays F(t) reaches q; where F equals q exactly up to the next observed delay, the
    midpoint of those two delays (the convention of R's ``survival`` package): without censoring the
    median of an even count is the mean of the two middle values, as Excel's MEDIAN and pandas. NaN
    where it is not estimable: F never reaches q (too many cases still open), or stays at q up to the
    last delay, which is censored.
    """
    from scipy import stats

    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=np.int64)
    event = np.ones(len(x), dtype=bool) if event is None else np.asarray(event).astype(bool)
    keep = n > 0
    x, n, event = x[keep], n[keep], event[keep]
    if not event.any():
        return [float("nan")] * len(qs)
    data = stats.CensoredData(uncensored=np.repeat(x[event], n[event]), right=np.repeat(x[~event], n[~event]))
    cdf = stats.ecdf(data).cdf
    t, f = np.asarray(cdf.quantiles, dtype=float), np.asarray(cdf.probabilities, dtype=float)
    jumps = np.diff(np.concatenate([[0.0], f])) > _STEP_TOLERANCE   # observed delays (censored: no step)
    t, f = t[jumps], f[jumps]
    out = []
    for q in qs:
        reached = np.flatnonzero(f >= q - _STEP_TOLERANCE)
        if reached.size == 0:
            out.append(float("nan"))
            continue
        i = int(reached[0])
        if abs(f[i] - q) <= _STEP_TOLERANCE:   # flat at exactly q: midpoint up to the next observed delay
            out.append(float((t[i] + t[i + 1]) / 2) if i + 1 < len(t) else float("nan"))
        else:
            out.append(float(t[i]))
    return out


def _value_only_years(frame: pd.DataFrame) -> pd.Series:
    """Years whose share was sent as one value only (no numerator nor denominator, optional in the
    format): that value, in [0, 1] (sent in percent). One territory's row is kept as sent."""
    g = frame.groupby("year").agg(groups=("rows", "size"), rows=("rows", "sum"), sent_rows=("sent_rows", "sum"),
                                  sent=("sent_value", "sum"))
    one = g[(g["groups"] == 1) & (g["rows"] == 1) & (g["sent_rows"] == 1)]
    return (one["sent"] / 100).astype(float)


def _incomplete_years(frame: pd.DataFrame) -> set[int]:
    """Years mixing territories sent with numerator and denominator and territories sent as a value
    only: no share of the whole can be computed from them (left blank rather than computed from a part)."""
    g = frame.groupby("year").agg(groups=("rows", "size"), sent_rows=("sent_rows", "sum"))
    return set(g.index[(g["sent_rows"] > 0) & (g["groups"] > 1)])


def _years_frame(years: tuple[int, ...]) -> pd.DataFrame:
    return pd.DataFrame({"year": list(years)})


def _series_from(frame: pd.DataFrame, ratio: bool, years: tuple[int, ...], threshold: int,
                 case_level: bool) -> pd.DataFrame:
    """Sum a grouped frame over its territories, one row per year."""
    cols = [c for c in ("rows", "value", "numerator", "denominator") if c in frame]
    agg = frame.groupby("year")[cols].sum().reset_index() if not frame.empty else pd.DataFrame(
        {"year": pd.Series(dtype=int), **{c: pd.Series(dtype=float) for c in cols}})
    out = _years_frame(years).merge(agg, on="year", how="left")
    if ratio:
        out["value"] = _ratio(out["numerator"], out["denominator"])
        if "sent_rows" in frame and not frame.empty:
            out["value"] = out["value"].where(~out["year"].isin(_incomplete_years(frame)))
            sent = _value_only_years(frame)
            out.loc[out["year"].isin(sent.index), "value"] = out["year"].map(sent)
    else:
        out["numerator"] = np.nan
        out["denominator"] = np.nan
    present = out["rows"].fillna(0) > 0 if "rows" in out else pd.Series(False, index=out.index)
    out.loc[~present, "value"] = np.nan
    out = _hide(out, threshold, case_level,
                ["denominator", "numerator"] if ratio else ["value"])
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
    ks = spec(kind)
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
    territorial = {}   # region-wide counts per territory, for the secrecy step (dashboard/core/secrecy.py)
    kwargs = {"years": years, "territories": sorted(region_scope), "institution": institution}

    # CME perimeters in force each year (valid_from / valid_to): a perimeter change moves that year's data
    sel_by_year = territory_scope_by_year(filters.territory, ref.territories, ref.perimeters, years)

    def in_sel(frame):
        if frame.empty or "territory_code" not in frame or src.territory is None:
            return frame
        when = frame["year"] if "year" in frame else (
            pd.to_datetime(frame["date"]).dt.year if "date" in frame else None)
        if filters.is_region or when is None:
            return frame[frame["territory_code"].isin(sel_scope)]
        extra = {REGION} if result.regional_only else set()
        keep = [t in extra or (t in sel_scope if pd.isna(y) else t in sel_by_year.get(int(y), frozenset()))
                for y, t in zip(when, frame["territory_code"])]
        return frame[keep]

    with engine.connect() as conn:
        if not filters.is_region and src.territory is not None:
            present = sqlagg.territories_present(conn, src, **kwargs)
            if present == {REGION}:
                # A regional-only source (CPR, regional plan…): show the regional record, flagged.
                sel_scope = sel_scope | {REGION}
                result.regional_only = True
        if ks.shape == "grouped":
            base = sqlagg.grouped(conn, src, ks.sql_measure, **kwargs)
            territorial["total"] = base
            parts = [(SELECTION, in_sel(base))]
            if not filters.is_region:
                parts.append((REGION_SCOPE, base))
            result.series = pd.concat(
                [_series_from(f, ks.ratio, years, small_cell_threshold, case_level)
                 .assign(scope=scope) for scope, f in parts], ignore_index=True)
            if src.by and ks.breakdown:
                territorial["breakdown"] = sqlagg.grouped(conn, src, ks.sql_measure,
                                                          by=src.by, **kwargs)
                by_frame = in_sel(territorial["breakdown"])
                result.breakdown = _breakdown(by_frame, ks.ratio, label_by, small_cell_threshold, case_level)
            if src.detail_dims and ks.ratio and ks.breakdown:
                territorial["detail"] = pd.concat(
                    [sqlagg.grouped(conn, src, "share", by=dim, **kwargs).assign(dimension=dim)
                     for dim in src.detail_dims], ignore_index=True)
                result.detail = _detail(ind, ref, territorial["detail"], in_sel, small_cell_threshold)
            if ind.spread and filters.is_region:
                result.verdict = _spread_verdict(base, ref, ind)
        elif ks.shape == "duration":
            counts = sqlagg.value_counts(conn, src, **kwargs)
            territorial["total"] = counts
            parts = [(SELECTION, in_sel(counts))] + ([] if filters.is_region else [(REGION_SCOPE, counts)])
            series, dist = [], None
            for scope, frame in parts:
                s, d = _duration(frame, years, small_cell_threshold)
                series.append(s.assign(scope=scope))
                if scope == SELECTION:
                    dist = d
            result.series = pd.concat(series, ignore_index=True)
            result.distribution = dist
        elif ks.shape == "existence":
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
        elif ks.shape == "calendar":
            result.records = _records(conn, ind, ref, kwargs, in_sel)
        if ks.records and records:
            result.records = _records(conn, ind, ref, kwargs, in_sel)
        if src.comparison == "regions" and comparison:
            result.comparison = _comparison(conn, ind, ref)
        if ks.transmission and not result.series.empty:
            scopes = {SELECTION: sel_scope, REGION_SCOPE: region_scope | {REGION}}
            result.series = _with_status(conn, ind, result.series, scopes, years, sorted(region_scope | {REGION}))
    if case_level:   # statistical secrecy, primary and secondary (dashboard/core/secrecy.py, docs/secrecy.md)
        secrecy.apply_to_result(result, territorial, ref.territories, ref.perimeters, filters.territory,
                                small_cell_threshold)
    if src.cohort is not None and not result.series.empty:   # cases still open (after secrecy: hidden cells)
        with engine.connect() as conn:
            result.series = _with_cohort(conn, ind, result.series, kwargs, in_sel, small_cell_threshold)
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
            # only judgeable years (not hidden / partiel / incomplete cohort), with their volumes
            by_year = sel.set_index("year")
            result.verdict = judge(judged_values(by_year), ind.direction, unit=ind.unit,
                                   is_share=ks.percent, volumes=volumes_of(by_year, kind),
                                   counts=ks.volume == "value")
    if institution is None and ks.shape != "calendar":
        _judge_objectives(engine, result, filters, ks.percent)
    return result


def _judge_objectives(engine: Engine, result: IndicatorResult, filters: Filters, percent: bool) -> None:
    """The objectives set for the indicator and the territory shown (not under an institution's filter:
    its share of a value is not what the objective counts): their statuses, and the verdict that
    follows the deciding one, the trend verdict kept beside it (dashboard/core/objectives.py)."""
    ind = result.indicator
    with engine.connect() as conn:
        rows = queries.objectives(conn, ind.id, filters.territory)
    if not rows:
        return
    sel = result.selection_series()
    values = judged_values(sel.set_index("year")) if not sel.empty else pd.Series(dtype=float)
    statuses = []
    for row in rows:
        obj = objectives.Objective(**{k: row[k] for k in objectives.Objective.__dataclass_fields__})
        status = objectives.judge(obj, values, filters.years, percent=percent, unit=ind.unit)
        if status is not None:
            statuses.append(status)
    if statuses:
        result.objectives = statuses
        result.trend_verdict = result.verdict
        result.verdict = objectives.verdict_for(objectives.pick(statuses), result.verdict)


# Kinds whose yearly series tells "nothing happened" (0) from "nothing was sent" (see
# data_access/transmission.py); existence matrices and calendars say it by their rows.


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
    ks = spec(ind.kind)
    if ks.events:
        out.loc[received & out["value"].isna(), "value"] = 0.0
    elif ks.ratio:
        for col in ("numerator", "denominator"):
            out.loc[received & out[col].isna(), col] = 0.0
    elif ks.shape == "duration":
        out.loc[received & out["denominator"].isna(), "denominator"] = 0.0
    return out


def _cumulate(series: pd.DataFrame) -> pd.DataFrame:
    """Running total over the years, per scope (years without rows add nothing).

    A year whose data were not sent (status ``non_transmis``) shows no running total: its value
    would be the previous year's total while the bilan and the table say "non transmis", and a
    reader could not tell "nothing new" from "nothing sent" (declare the year empty for the former).
    """
    out = series.sort_values(["scope", "year"]).copy()
    out["value"] = out.groupby("scope")["value"].transform(
        lambda v: v.fillna(0).cumsum().where(v.notna().cumsum() > 0))
    if "status" in out:
        out.loc[out["status"].eq("non_transmis"), "value"] = np.nan
    return out.reset_index(drop=True)


def _breakdown(frame: pd.DataFrame, ratio: bool, label, threshold: int, case_level: bool) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=["year", "category", "category_label", "value", "numerator", "denominator",
                                     "hidden"])
    cols = [c for c in ("rows", "value", "numerator", "denominator") if c in frame]
    agg = frame.groupby(["year", "category"], dropna=False)[cols].sum().reset_index()
    if ratio:
        agg["value"] = _ratio(agg["numerator"], agg["denominator"])
        agg = _hide(agg, threshold, case_level, ["numerator", "denominator"])
    else:
        agg["numerator"] = np.nan
        agg["denominator"] = np.nan
        agg = _hide(agg, threshold, case_level, ["value"])
    # hidden cells are blanked by the secrecy step (secrecy.apply_to_result), which needs their counts
    agg["category_label"] = agg["category"].map(label)
    return agg[["year", "category", "category_label", "value", "numerator", "denominator", "hidden"]]


DETAIL_COLUMNS = ["dimension", "dimension_label", "category", "category_label", "value", "hidden"]


def _detail(ind: Indicator, ref: Reference, frame: pd.DataFrame, in_sel, threshold: int) -> pd.DataFrame:
    """The share's numerator over the period by each column of ``detail_by`` (``frame``: the
    region-wide counts with a ``dimension`` column), largest first within each dimension."""
    from data_access.datasets import HEADERS

    src = ind.source
    frame = in_sel(frame)
    out = []
    for dim in src.detail_dims:
        part = frame[frame["dimension"] == dim] if not frame.empty else frame
        if part.empty:
            continue
        agg = part.groupby("category", dropna=False)["numerator"].sum().reset_index()
        agg = agg[agg["numerator"] > 0].rename(columns={"numerator": "value"})
        agg = _hide(agg, threshold, src.case_level, ["value"])
        agg["category_label"] = agg["category"].map(_labeller(ind, ref, dim))
        agg["dimension"] = dim
        agg["dimension_label"] = HEADERS.get(dim, dim)
        out.append(agg.sort_values("value", ascending=False))
    if not out:
        return pd.DataFrame(columns=DETAIL_COLUMNS)
    return pd.concat(out, ignore_index=True)[DETAIL_COLUMNS]


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
    """Yearly median delay and distribution from :func:`data_access.indicator_data.value_counts`.

    Series columns besides the usual ones: ``estimable`` (False: cases but no median, the
    Kaplan-Meier estimate not reaching 50 % — shown "non estimable", not a number) and ``open_share``
    (share of the year's cases still open, censored; blank when fewer than ``threshold`` cases are
    open, a small cell). ``denominator`` is the number of cases (effectif), open ones included.
    """
    rows, dist = [], []
    for year in years:
        f = counts[counts["year"] == year] if not counts.empty else counts
        n = int(f["n"].sum()) if not f.empty else 0
        if n == 0:
            rows.append({"year": year, "value": np.nan, "numerator": np.nan, "denominator": np.nan,
                         "hidden": False, "estimable": True, "open_share": np.nan})
            continue
        event = f["event"] if "event" in f else pd.Series(1, index=f.index)
        agg = f.assign(event=event.astype(int)).groupby(["x", "event"])["n"].sum().reset_index()
        p10, q1, med, q3, p90 = weighted_quantiles(agg["x"].to_numpy(), agg["n"].to_numpy(),
                                                   event=agg["event"].to_numpy())
        n_open = int(agg.loc[agg["event"] == 0, "n"].sum())
        hidden = n < threshold
        rows.append({"year": year, "value": np.nan if hidden else med, "numerator": np.nan,
                     "denominator": float(n), "hidden": hidden, "estimable": hidden or not np.isnan(med),
                     "open_share": n_open / n if not hidden and (n_open == 0 or n_open >= threshold) else np.nan})
        if not hidden:
            dist.append({"year": year, "n": n, "p10": p10, "q1": q1, "median": med, "q3": q3, "p90": p90})
    return pd.DataFrame(rows), pd.DataFrame(dist, columns=["year", "n", "p10", "q1", "median", "q3", "p90"])


def _with_cohort(conn, ind: Indicator, series: pd.DataFrame, kwargs, in_sel, threshold: int) -> pd.DataFrame:
    """Cases still open in each year's cohort, for a source declaring a ``cohort``.

    Adds ``open_share`` (share of the year's cohort, ``cohort.where``, still open, ``cohort.open``;
    blank where fewer than ``threshold`` cases are open or the cell is hidden) and ``incomplete``
    (open share above ``cohort.incomplete_above``: the year's outcomes are not final, flagged
    "cohorte incomplète (N % en cours)" and left out of the verdict). A delay censors its open cases
    in the estimate itself (:func:`_duration`): none of its years is incomplete.
    """
    coh = ind.source.cohort
    out = series.copy()
    if spec(ind.kind).shape == "duration":
        out["incomplete"] = False
    else:
        cohort_src = ind.source.model_copy(update={
            "where": dict(coh.where), "numerator": Ratio(where=dict(coh.open)), "denominator": None,
            "value": "count", "by": None, "detail_by": None})
        frame = sqlagg.grouped(conn, cohort_src, "share", **kwargs)
        parts = []
        for scope, f in ((SELECTION, in_sel(frame)), (REGION_SCOPE, frame)):
            if f.empty:
                continue
            g = f.groupby("year")[["numerator", "denominator"]].sum().reset_index()
            parts.append(g.rename(columns={"numerator": "_open", "denominator": "_cases"}).assign(scope=scope))
        counts = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
            columns=["year", "_open", "_cases", "scope"])
        out = out.drop(columns=[c for c in ("open_share", "incomplete") if c in out]).merge(
            counts.astype({"year": int}), on=["year", "scope"], how="left")
        share = _ratio(out["_open"], out["_cases"])
        out["incomplete"] = (share > coh.incomplete_above).fillna(False).astype(bool)
        small = (out["_open"] > 0) & (out["_open"] < threshold)
        out["open_share"] = share.where(~small)
        out = out.drop(columns=["_open", "_cases"])
    if "open_share" in out:
        out.loc[out["hidden"].fillna(False).astype(bool), "open_share"] = np.nan
    return out


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
    if spec(ind.kind).ratio:
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
