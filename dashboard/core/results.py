"""What the computation of one indicator returns, for the figures, the verdicts and the pages.

Contract between ``dashboard.core.indicators`` (which fills it from SQL aggregates)
and ``dashboard.render.figures`` / ``dashboard.views.question`` (which draw it). All
frames are small (years × categories), already aggregated in SQL, with small
cells of case-level sources already hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from dashboard.core.referentiel import Indicator
from data_access.wording import count

VerdictCode = Literal["atteint", "en_bonne_voie", "a_surveiller", "defavorable", "a_confirmer",
                      "donnees_insuffisantes"]

VERDICT_LABELS: dict[str, str] = {
    "atteint": "Atteint",
    "en_bonne_voie": "En bonne voie",
    "a_surveiller": "À surveiller",
    "defavorable": "Défavorable",
    "a_confirmer": "À confirmer (faibles effectifs)",  # too few events to conclude (dashboard/core/verdict.py)
    "donnees_insuffisantes": "Données insuffisantes",
}
# Order from best to worst, for sorting "most off track" first (reverse); the two codes that do not
# judge (too few events, too few years) come last.
VERDICT_RANK = {"atteint": 0, "en_bonne_voie": 1, "a_surveiller": 2, "defavorable": 3, "a_confirmer": 4,
                "donnees_insuffisantes": 5}


@dataclass(frozen=True)
class Verdict:
    code: VerdictCode
    reason: str  # one French sentence explaining the verdict (shown under the chart)
    slope: float | None = None  # robust (Theil-Sen) slope, in units per year
    first: float | None = None  # first and last observed values used
    last: float | None = None
    points: int = 0  # number of years with a value

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self.code]

    @property
    def on_track(self) -> bool:
        return self.code in ("atteint", "en_bonne_voie")


@dataclass
class IndicatorResult:
    """Everything a page needs to show one indicator for the current filters.

    ``series``: one row per year and scope with columns
        ``year`` (int), ``scope`` ("selection" or "region"), ``value`` (float; a share is in [0, 1],
        a survey share too, a duration in days), ``numerator``, ``denominator`` (float or NaN;
        for surveys numerator = agreeing, denominator = respondents), ``hidden`` (bool: small cell),
        and for the kinds that can tell a true 0 from missing data, ``status`` ("transmis", "zero",
        "partiel", "non_transmis"; see data_access/transmission.py), ``expected`` and ``covered`` units.
        Rows with scope "region" exist only when the selection is a territory (comparison).
    ``breakdown``: typologies, shares per category, descriptor counts: ``year``, ``category``,
        ``category_label``, ``value``, ``numerator``, ``denominator``, ``hidden``.
    ``detail``: breakdown of a share's numerator over the period: ``category``, ``category_label``,
        ``value``, ``hidden``.
    ``matrix``: existence: ``row`` (territory or institution code), ``row_label``, ``year``,
        ``exists`` (bool; missing rows = no information).
    ``records``: descriptors and calendars, newest first: ``date``, ``territory_label``,
        ``category_label``, ``title``, ``text``; calendars add ``start``, ``end``, ``status_label``.
    ``distribution``: durations: ``year``, ``n``, ``p10``, ``q1``, ``median``, ``q3``, ``p90``.
    ``comparison``: regions (article 7): ``region``, ``region_label``, ``year``, ``value``,
        ``rate_per_100k`` (counts), ``highlight`` (bool: Rhône-Alpes / Auvergne-Rhône-Alpes).
    """

    indicator: Indicator
    selection_label: str
    series: pd.DataFrame = field(default_factory=pd.DataFrame)
    breakdown: pd.DataFrame | None = None
    detail: pd.DataFrame | None = None
    matrix: pd.DataFrame | None = None
    records: pd.DataFrame | None = None
    distribution: pd.DataFrame | None = None
    comparison: pd.DataFrame | None = None
    verdict: Verdict | None = None
    hidden_cells: int = 0
    institution_applies: bool = True
    small_cell_threshold: int = 5
    regional_only: bool = False  # a regional source shown in a territory view
    # numeric objectives set for the indicator and territory (dashboard/core/objectives.py): their
    # statuses over the period; where any, ``verdict`` follows them and ``trend_verdict`` keeps the trend's
    objectives: list = field(default_factory=list)
    trend_verdict: Verdict | None = None

    @property
    def has_data(self) -> bool:
        """Something to show: a value in a series or breakdown (hidden cells count), a matrix, records."""
        for frame in (self.series, self.breakdown):
            if frame is not None and not frame.empty and (
                    frame["value"].notna().any() or frame.get("hidden", pd.Series(dtype=bool)).any()):
                return True
        return any(f is not None and not f.empty for f in (self.matrix, self.records))

    def transmission_note(self) -> str | None:
        """French sentence on the selection's years without full data: "Données non transmises : 2015.
        Données partielles (3 territoires sur 8) : 2018." (None when every year was received)."""
        s = self.series
        if s is None or s.empty or "status" not in s:
            return None
        # plain rows, not pandas filters: a few years, read for every indicator of every page computed
        sel = sorted((r for r in s.to_dict("records") if r["scope"] == "selection"), key=lambda r: r["year"])
        parts = []
        missing = [int(r["year"]) for r in sel if r["status"] == "non_transmis"]
        if missing:
            parts.append(f"Données non transmises : {', '.join(map(str, missing))} (ni données ni déclaration "
                         "« rien cette année » : ces années n'ont pas de valeur et ne comptent pas dans le verdict).")
        for row in (r for r in sel if r["status"] == "partiel"):
            parts.append(f"{int(row['year'])} : données partielles ({count(int(row['covered']), 'territoire')} sur "
                         f"{int(row['expected'])} attendus), valeur partielle exclue du verdict.")
        declared = [int(r["year"]) for r in sel if r["status"] == "zero"]
        if declared:
            parts.append(f"Aucun enregistrement déclaré (valeur 0) : {', '.join(map(str, declared))}.")
        return " ".join(parts) or None

    def selection_series(self) -> pd.DataFrame:
        s = self.series
        return s[s["scope"] == "selection"].sort_values("year") if not s.empty else s

    def region_series(self) -> pd.DataFrame:
        s = self.series
        return s[s["scope"] == "region"].sort_values("year") if not s.empty else s
