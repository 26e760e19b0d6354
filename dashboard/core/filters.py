"""Global filters (period, territory, institution): pure logic, no Streamlit.

The sidebar widgets (dashboard/views/ui.py) are bound to the URL query string, so a
link reproduces a view: ``?periode=2017&periode=2019&territoire=CME+Loire`` (Streamlit binds a
select box to the query string by its displayed label, e.g. ``Is%C3%A8re+%2838%29`` for "Isère (38)").
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

REGION = "R82"
ALL_INSTITUTIONS = "toutes"


@dataclass(frozen=True)
class Filters:
    first_year: int
    last_year: int
    territory: str = REGION
    institution: str = ALL_INSTITUTIONS

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(range(self.first_year, self.last_year + 1))

    @property
    def is_region(self) -> bool:
        return self.territory == REGION

    def cache_key(self) -> tuple:
        return (self.first_year, self.last_year, self.territory, self.institution)


def territory_scope(code: str, territories: pd.DataFrame, perimeters: pd.DataFrame) -> tuple[str, ...]:
    """Territory codes whose rows count for a selection.

    - the region: itself, its CME territories and its départements;
    - a CME territory: itself and the départements it covers;
    - a département: itself and the CME territory (or territories) covering it,
      since CME-level work (meetings, CTME, actions) is recorded per CME.

    Every perimeter row counts here, whatever its years of validity; for one year, pass the
    perimeters in force (:func:`perimeters_in_force`, :func:`territory_scope_by_year`).
    """
    if code == REGION:
        ra = territories[(territories["code"] == REGION) | (territories["parent_code"] == REGION)]
        return tuple(sorted(ra["code"]))
    level = territories.loc[territories["code"] == code, "level"]
    if level.empty:
        raise KeyError(code)
    if level.iloc[0] == "cme":
        deps = perimeters.loc[perimeters["cme_code"] == code, "departement_code"]
        return tuple(sorted({code, *deps}))
    if level.iloc[0] == "departement":
        cmes = perimeters.loc[perimeters["departement_code"] == code, "cme_code"]
        return tuple(sorted({code, *cmes}))
    return (code,)


def perimeters_in_force(perimeters: pd.DataFrame, year: int) -> pd.DataFrame:
    """The CME perimeter rows in force in ``year`` (``valid_from`` ≤ year ≤ ``valid_to``, open-ended
    when ``valid_to`` is empty). A year before a CME's first perimeter takes that first perimeter
    (the CME territory was drawn from it), so that early data are not orphaned."""
    if perimeters.empty or "valid_from" not in perimeters:
        return perimeters
    vf = perimeters["valid_from"].astype(int)
    vt = pd.to_numeric(perimeters["valid_to"], errors="coerce")
    active = (vf <= year) & (vt.isna() | (vt >= year))
    first = perimeters.assign(_vf=vf).groupby("cme_code")["_vf"].transform("min")
    before = (vf == first) & (first > year)
    return perimeters[active | before]


def territory_scope_by_year(code: str, territories: pd.DataFrame, perimeters: pd.DataFrame,
                            years) -> dict[int, frozenset[str]]:
    """:func:`territory_scope` year by year, with the CME perimeters in force that year: when a
    perimeter changes (a département moves to another CME from a year on), that year's data of the
    département move with it."""
    return {int(y): frozenset(territory_scope(code, territories, perimeters_in_force(perimeters, int(y))))
            for y in years}


def territory_options(territories: pd.DataFrame) -> list[str]:
    """Codes offered in the territory filter: the region, then CME territories, then départements."""
    order = {"region": 0, "cme": 1, "departement": 2}
    ra = territories[(territories["code"] == REGION) | (territories["parent_code"] == REGION)].copy()
    ra["_o"] = ra["level"].map(order)
    return list(ra.sort_values(["_o", "name"])["code"])


def territory_label(code: str, territories: pd.DataFrame) -> str:
    row = territories.loc[territories["code"] == code]
    if row.empty:
        return code
    name, level = row.iloc[0]["name"], row.iloc[0]["level"]
    if level == "region":
        return f"{name} (toute la région)"
    if level == "cme":
        return f"CME {name}"
    return f"{name} ({code})"


def describe(filters: Filters, territories: pd.DataFrame, institutions: pd.DataFrame | None = None) -> str:
    """One French line describing the selection, for captions and exports."""
    period = (str(filters.first_year) if filters.first_year == filters.last_year
              else f"{filters.first_year}-{filters.last_year}")
    parts = [period, territory_label(filters.territory, territories)]
    if filters.institution != ALL_INSTITUTIONS and institutions is not None:
        match = institutions.loc[institutions["code"] == filters.institution, "name"]
        parts.append(match.iloc[0] if not match.empty else filters.institution)
    return " · ".join(parts)


def last_complete_year(years: list[int], today=None) -> int:
    """The last year of ``years`` that is over (a bilan is written on a complete year); the last one
    if none is (a store of the current year only)."""
    import datetime as dt

    current = (today or dt.date.today()).year
    past = [y for y in years if y < current]
    return past[-1] if past else years[-1]
