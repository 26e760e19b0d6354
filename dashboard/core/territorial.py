"""Territory comparison: one indicator across the départements or CME territories.

The values of a territory are those of its own view (:func:`dashboard.core.indicators.compute`
with the territory as filter), so the map, the ranking, the small multiples and the
question pages always agree, small cells hidden the same way. Rates per 100 000
inhabitants use the population reference data of the ``territory`` table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from dashboard.core.filters import REGION, Filters, territory_scope
from dashboard.core.formatting import fmt_number, fmt_percent
from dashboard.core.indicators import Reference, compute
from dashboard.core.kinds import spec
from dashboard.core.referentiel import Indicator, Referentiel
from dashboard.core.results import Verdict
from data_access import indicator_data as sqlagg

LEVEL_LABELS = {"departement": "Départements", "cme": "Territoires de CME"}
RATE_LABEL = "Taux pour 100 000 habitants"


@dataclass
class TerritorialResult:
    """One indicator across the territories of a level.

    ``frame``: one row per territory and year: ``territory``, ``territory_label``, ``year``,
    ``value``, ``numerator``, ``denominator``, ``hidden``, ``population``, ``rate_per_100k``
    (count kinds only, NaN otherwise).
    ``region``: the Rhône-Alpes series (``year``, ``value``, ``rate_per_100k``).
    ``verdicts``: territory code -> verdict of its own series (None without a target).
    """

    indicator: Indicator
    level: str
    frame: pd.DataFrame
    region: pd.DataFrame
    verdicts: dict[str, Verdict | None] = field(default_factory=dict)
    population_note: str = ""

    @property
    def has_rates(self) -> bool:
        # a number of events also gets a rate per 100 000 inhabitants
        return spec(self.indicator.kind).events

    def metric(self, use_rate: bool) -> str:
        return "rate_per_100k" if use_rate and self.has_rates else "value"


def map_levels(engine: Engine, ind: Indicator, ref: Reference) -> list[str]:
    """Levels at which the indicator can be mapped, from where its data are recorded.

    Data recorded per département can be shown per département and summed per CME
    territory; data recorded per CME territory only per CME territory; regional-only
    data (CPR, regional plan) and kinds without one value per territory not at all.
    """
    if not spec(ind.kind).mappable or ind.source.territory is None:
        return []
    region = sorted(territory_scope(REGION, ref.territories, ref.perimeters))
    with engine.connect() as conn:
        present = sqlagg.territories_present(conn, ind.source, territories=region)
    levels = {ref.level.get(code) for code in present}
    if "departement" in levels:
        return ["departement", "cme"]
    if "cme" in levels:
        return ["cme"]
    return []


def mappable_indicators(engine: Engine, referentiel: Referentiel, ref: Reference) -> dict[str, list[str]]:
    """Indicator id -> levels, for every indicator that can be mapped, in référentiel order."""
    out = {}
    for q in referentiel.questions:
        for ind in referentiel.indicators(q.id):
            levels = map_levels(engine, ind, ref)
            if levels:
                out[ind.id] = levels
    return out


def level_territories(level: str, ref: Reference) -> list[str]:
    t = ref.territories
    return sorted(t.loc[(t["level"] == level) & (t["parent_code"] == REGION), "code"])


def add_rates(frame: pd.DataFrame, population: dict[str, float], kind: str) -> pd.DataFrame:
    """Add ``population`` and ``rate_per_100k`` (value per 100 000 inhabitants, count kinds only)."""
    out = frame.copy()
    out["population"] = out["territory"].map(population).astype(float)
    if spec(kind).events:
        out["rate_per_100k"] = out["value"] / out["population"].where(out["population"] > 0) * 100_000
    else:
        out["rate_per_100k"] = np.nan
    return out


def territorial_results(engine: Engine, ind: Indicator, filters: Filters, ref: Reference, level: str, *,
                        small_cell_threshold: int = 5) -> TerritorialResult:
    """Compute the indicator for every territory of ``level`` under the period and institution filters."""
    rows, verdicts = [], {}
    for code in level_territories(level, ref):
        res = compute(engine, ind, Filters(filters.first_year, filters.last_year, code, filters.institution),
                      ref, small_cell_threshold=small_cell_threshold, records=False, comparison=False)
        sel = res.selection_series()
        if not sel.empty:
            rows.append(sel.assign(territory=code))
        verdicts[code] = res.verdict
    cols = ["territory", "year", "value", "numerator", "denominator", "hidden"]
    frame = pd.concat(rows, ignore_index=True)[cols] if rows else pd.DataFrame(columns=cols)
    frame["territory_label"] = frame["territory"].map(ref.territory_label)
    frame = add_rates(frame, ref.population, ind.kind)
    region_res = compute(engine, ind, Filters(filters.first_year, filters.last_year, REGION, filters.institution),
                         ref, small_cell_threshold=small_cell_threshold, records=False, comparison=False)
    region = region_res.selection_series()[["year", "value"]].assign(territory=REGION)
    region = add_rates(region, ref.population, ind.kind)[["year", "value", "rate_per_100k"]]
    return TerritorialResult(ind, level, frame, region, verdicts, population_note(ref, level))


def population_note(ref: Reference, level: str) -> str:
    """Source of the population figures, "approximatives" when the store flags them so."""
    t = ref.territories[ref.territories["level"] == level]
    if t.empty or t["population"].isna().all():
        return "Population de référence non renseignée : pas de taux par habitant."
    sources = sorted(set(t["population_source"].dropna()))
    years = sorted({int(y) for y in t["population_year"].dropna()})
    approx = bool(t["population_approx"].fillna(True).any())
    text = "Population de référence"
    if years:
        text += " " + ", ".join(str(y) for y in years)
    if sources:
        text += " : " + " ; ".join(sources)
    if approx:
        text += " — chiffres approximatifs, les taux sont des ordres de grandeur"
    return text + "."


def ranking(result: TerritorialResult, year: int, use_rate: bool) -> pd.DataFrame:
    """Territories ranked for one year: most favourable first when the indicator has a direction.

    Columns: ``rank`` (1 = most favourable; ties share a rank), ``territory``, ``territory_label``,
    ``value``, ``rate_per_100k``, ``previous``, ``change`` (of the ranked metric against the
    previous year), ``verdict`` (label), ``verdict_code``, ``hidden``.
    Territories without a value for the year come last, with no rank.
    """
    metric = result.metric(use_rate)
    f = result.frame
    cur = f[f["year"] == year].set_index("territory")
    prev = f[f["year"] == year - 1].set_index("territory")[metric]
    out = cur[["territory_label", "value", "rate_per_100k", "hidden"]].copy()
    out["previous"] = prev.reindex(out.index)
    out["change"] = cur[metric] - out["previous"]
    direction = result.indicator.direction
    ascending = direction in ("down", "to_zero")
    out["rank"] = cur[metric].rank(method="min", ascending=ascending).astype("Int64")
    out["verdict_code"] = [result.verdicts.get(c).code if result.verdicts.get(c) else None for c in out.index]
    out["verdict"] = [result.verdicts.get(c).label if result.verdicts.get(c) else "—" for c in out.index]
    out = out.reset_index().rename(columns={"index": "territory"})
    out = out.sort_values(["rank", "territory_label"], na_position="last").reset_index(drop=True)
    return out[["rank", "territory", "territory_label", "value", "rate_per_100k", "previous", "change",
                "verdict", "verdict_code", "hidden"]]


def ranking_caption(direction: str) -> str:
    if direction in ("down", "to_zero"):
        return "Rang 1 = la valeur la plus basse (la plus favorable, la cible étant la baisse)."
    if direction == "up":
        return "Rang 1 = la valeur la plus haute (la plus favorable, la cible étant la hausse)."
    return "Classement par valeur décroissante (pas de sens favorable pour cet indicateur)."


def rank_label(rank) -> str:
    if rank is None or pd.isna(rank):
        return "—"
    rank = int(rank)
    return f"{rank}{'er' if rank == 1 else 'e'}"


def format_metric(value, kind: str, metric: str = "value", *, with_unit: bool = True) -> str:
    """French text of one value by kind: ``12,5 %``, ``34,2 pour 100 000 hab.``, ``45 jours``, ``1 234``.

    ``with_unit=False`` leaves out the "pour 100 000 hab." of a rate (a column header says it).
    The one formatter of the comparison pages, the maps and the bilans.
    """
    if value is None or pd.isna(value):
        return "—"
    if metric == "rate_per_100k":
        return fmt_number(value, 2 if abs(value) < 10 else 1) + (" pour 100 000 hab." if with_unit else "")
    ks = spec(kind)
    if ks.percent:
        return fmt_percent(value, 1)
    if ks.fixed_unit and ks.fixed_unit != "%":   # a delay: "45 jours"
        return f"{fmt_number(value, 0)} {ks.fixed_unit}"
    return fmt_number(value, 0 if float(value).is_integer() else 1)


def region_ranks(comparison: pd.DataFrame, direction: str) -> pd.DataFrame:
    """Rank of every region per year (1 = most favourable, or the highest value without direction).

    ``comparison`` is :attr:`IndicatorResult.comparison`; the metric is the rate per 100 000
    inhabitants when there is one, else the value. Columns: ``year``, ``region``, ``region_label``,
    ``metric``, ``rank``, ``of`` (regions with a value that year), ``highlight``.
    """
    if comparison is None or comparison.empty:
        return pd.DataFrame(columns=["year", "region", "region_label", "metric", "rank", "of", "highlight"])
    metric = "rate_per_100k" if comparison["rate_per_100k"].notna().any() else "value"
    f = comparison.dropna(subset=[metric]).copy()
    f["metric"] = f[metric]
    ascending = direction in ("down", "to_zero")
    f["rank"] = f.groupby("year")["metric"].rank(method="min", ascending=ascending).astype(int)
    f["of"] = f.groupby("year")["metric"].transform("count").astype(int)
    return f.sort_values(["year", "rank"])[["year", "region", "region_label", "metric", "rank", "of",
                                             "highlight"]].reset_index(drop=True)


def rank_text(rank: int, of: int) -> str:
    """« 3e sur 13 », « 1er sur 13 »."""
    return f"{rank}{'er' if rank == 1 else 'e'} sur {of}"
