"""Numeric objectives (issue 15): is an indicator's value where the CPR said it should be?

An objective (``data_access.models.Objective``, entered by administrators through the form, a file or
``python -m dashboard objectif``) names an indicator, a territory, a span of years, a comparator and a
target in the unit the indicator is shown in (a share in %). Its *rule* says which value is judged:

- ``chaque_annee`` ("a minima 2 par an"): every year of the span must meet the target; the status is
  that of the **last year of the period shown that has a value** (a year not sent or secret is not a
  failure: it is named as without value), with how many judged years met it;
- ``echeance`` ("0 en 2020"): the value of the **last year** of the span. Before that year is in the
  period shown, the objective is **en cours** (the latest value is compared with the target, for
  information).

Where an objective applies, the indicator's verdict follows it (``verdict_for``): atteint → Atteint,
non atteint → Défavorable, en cours → the trend verdict, no value → Données insuffisantes; the trend
verdict stays beside it. Pure functions, no Streamlit, no database; docs/verdicts.md "Objectives".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Literal

import pandas as pd

from dashboard.core.formatting import fmt_number, fmt_percent, fmt_period
from dashboard.core.results import Verdict

StatusCode = Literal["atteint", "non_atteint", "en_cours", "sans_donnee"]

STATUS_LABELS: dict[str, str] = {
    "atteint": "Atteint",
    "non_atteint": "Non atteint",
    "en_cours": "En cours",
    "sans_donnee": "Sans valeur",
}
# Colours of the statuses (tables of the bilans, badges): those of the verdicts they map to.
STATUS_COLOURS: dict[str, str] = {
    "atteint": "#18753C", "non_atteint": "#CE0500", "en_cours": "#0063CB", "sans_donnee": "#666666",
}
COMPARATOR_WORDS = {"ge": "au moins", "le": "au plus", "eq": ""}
COMPARATOR_SIGNS = {"ge": "≥", "le": "≤", "eq": "="}
RULES = ("chaque_annee", "echeance")
# Two values closer than this (relative to the target, or absolute below 1) are equal.
EQ_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Objective:
    indicator_id: str
    territory_code: str
    first_year: int
    last_year: int
    rule: str            # chaque_annee | echeance
    comparator: str      # ge | le | eq
    target: float        # in the unit shown: a share in % (0-100)
    source: str | None = None
    note: str | None = None
    id: int | None = None

    def __post_init__(self):
        if self.rule not in RULES:
            raise ValueError(f"unknown objective rule {self.rule!r}")
        if self.comparator not in COMPARATOR_SIGNS:
            raise ValueError(f"unknown comparator {self.comparator!r}")
        if self.first_year > self.last_year:
            raise ValueError("first_year after last_year")

    def applies_to(self, years) -> bool:
        """Does the span meet the period shown?"""
        return any(self.first_year <= y <= self.last_year for y in years)

    def scaled_target(self, percent: bool) -> float:
        """The target on the scale of the computed values (a share in [0, 1])."""
        return self.target / 100 if percent else float(self.target)

    def text(self, *, percent: bool = False, unit: str | None = None) -> str:
        """« au moins 2 séances chaque année de 2016 à 2020 », « 0 en 2020 », « au plus 10 % en 2020 »."""
        words = COMPARATOR_WORDS[self.comparator]
        value = _fmt(self.scaled_target(percent), percent, unit)
        head = f"{words} {value}".strip()
        if self.rule == "echeance":
            return f"{head} en {self.last_year}"
        if self.first_year == self.last_year:
            return f"{head} en {self.first_year}"
        return f"{head} chaque année de {self.first_year} à {self.last_year}"


@dataclass(frozen=True)
class ObjectiveStatus:
    objective: Objective
    code: StatusCode
    year: int | None          # the year whose value was judged (None: no value)
    value: float | None       # that value, on the computed scale (a share in [0, 1])
    met: int                  # judged years of the span (within the period) that meet the target
    judged: int               # judged years of the span within the period
    sentence: str             # French, shown under the chart and in the bilans

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.code]


def meets(value: float, comparator: str, target: float) -> bool:
    if comparator == "ge":
        return value >= target - EQ_TOLERANCE * max(1.0, abs(target))
    if comparator == "le":
        return value <= target + EQ_TOLERANCE * max(1.0, abs(target))
    if comparator == "eq":
        return abs(value - target) <= EQ_TOLERANCE * max(1.0, abs(target))
    raise ValueError(f"unknown comparator {comparator!r}")


def _fmt(value: float | None, percent: bool, unit: str | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if percent:
        return fmt_percent(value, 1 if round(value * 100, 6) != round(value * 100) else 0)
    decimals = 0 if float(value).is_integer() else 1
    shown = fmt_number(value, decimals)
    if not unit or unit == "%":
        return shown
    if abs(value) < 2:   # French takes the singular below 2: "1 séance", "0 jour"
        unit = " ".join(w[:-1] if w.endswith("s") and len(w) > 2 else w for w in unit.split(" "))
    return f"{shown} {unit}"


def judge(obj: Objective, values: pd.Series, years, *, percent: bool = False,
          unit: str | None = None) -> ObjectiveStatus | None:
    """The objective's status over the period ``years`` shown.

    ``values``: the indicator's yearly values indexed by year, on the computed scale (a share in
    [0, 1]), NaN for a year that must not be read (not sent, secret, partial: see
    ``dashboard.core.verdict.judged_values``). None when the objective's span misses the period.
    """
    years = sorted(int(y) for y in years)
    span = [y for y in years if obj.first_year <= y <= obj.last_year]
    if not span:
        return None
    target = obj.scaled_target(percent)
    known = {int(y): float(v) for y, v in values.items()
             if int(y) in span and v is not None and not pd.isna(v) and math.isfinite(float(v))}
    met_years = [y for y, v in known.items() if meets(v, obj.comparator, target)]
    what = f"Objectif : {obj.text(percent=percent, unit=unit)}"

    def value_of(y):
        return _fmt(known[y], percent, unit)

    def status(code, year, sentence):
        return ObjectiveStatus(obj, code, year, known.get(year) if year is not None else None,
                               len(met_years), len(known), f"{what} ; {sentence}.")

    if obj.rule == "echeance":
        deadline = obj.last_year
        if deadline in span:
            if deadline not in known:
                return status("sans_donnee", None, f"aucune valeur disponible pour {deadline}")
            ok = deadline in met_years
            return status("atteint" if ok else "non_atteint", deadline,
                          f"{'atteint' if ok else 'non atteint'} : {value_of(deadline)} en {deadline}")
        # the deadline lies after the period shown
        if not known:
            return status("en_cours", None, f"échéance {deadline}, aucune valeur sur la période")
        last = max(known)
        already = "déjà au niveau de la cible" if last in met_years else "pas encore au niveau de la cible"
        return status("en_cours", last, f"échéance {deadline} ; {value_of(last)} en {last}, {already}")

    if not known:
        return status("sans_donnee", None, f"aucune valeur disponible sur {fmt_period(span[0], span[-1])}")
    last = max(known)
    ok = last in met_years
    missing = [y for y in span if y not in known]
    tail = ""
    if len(span) > 1:
        tail = f" ; cible atteinte {len(met_years)} année{'s' if len(met_years) > 1 else ''} sur {len(known)}"
        tail += " jugée" + ("s" if len(known) > 1 else "")
    if missing:
        tail += f" ; sans valeur : {', '.join(str(y) for y in missing)}"
    return status("atteint" if ok else "non_atteint", last,
                  f"{'atteint' if ok else 'non atteint'} en {last} ({value_of(last)}){tail}")


def pick(statuses: list[ObjectiveStatus]) -> ObjectiveStatus | None:
    """The objective that decides the verdict: the one whose span ends last (then starts last)."""
    if not statuses:
        return None
    return max(statuses, key=lambda s: (s.objective.last_year, s.objective.first_year))


def verdict_for(status: ObjectiveStatus, trend: Verdict | None) -> Verdict:
    """The indicator's verdict where an objective applies (the trend verdict is kept beside it)."""
    if status.code == "atteint":
        code = "atteint"
    elif status.code == "non_atteint":
        code = "defavorable"
    elif status.code == "sans_donnee":
        code = "donnees_insuffisantes"
    else:   # en cours: until the deadline, the trend tells whether the way is right
        if trend is not None:
            return replace(trend, reason=f"{status.sentence} Tendance : {trend.reason}")
        code = "donnees_insuffisantes"
    return Verdict(code, status.sentence, slope=trend.slope if trend else None,
                   first=trend.first if trend else None, last=status.value,
                   points=trend.points if trend else status.judged)
