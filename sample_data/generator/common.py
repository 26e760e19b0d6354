"""What every table builder of the sample shares.

Constants (seed, years, territories, départements, CME territories, regions, signatories), the story
parameters, the calendar helpers (day indices count from 2016-01-01), the random helpers (one numpy
generator per table), :func:`_frame` (a DataFrame shaped after a table of the store) and the helpers
on the reference data.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlmodel import SQLModel

from data_access import models  # noqa: F401  (registers the tables on SQLModel.metadata)

SAMPLE_SEED = 2015
YEARS = range(2016, 2021)  # 2016..2020 inclusive

FIRST_DAY = dt.date(2016, 1, 1)
LAST_DAY = dt.date(2020, 12, 31)


# --------------------------------------------------------------------------------------
# Territories and institutions
# --------------------------------------------------------------------------------------

REGION = "R82"

# code, name, approximate population around 2016, French "of" form for labels
DEPARTEMENTS: tuple[tuple[str, str, int, str], ...] = (
    ("01", "Ain", 640_000, "de l'Ain"),
    ("07", "Ardèche", 330_000, "de l'Ardèche"),
    ("26", "Drôme", 510_000, "de la Drôme"),
    ("38", "Isère", 1_260_000, "de l'Isère"),
    ("42", "Loire", 760_000, "de la Loire"),
    ("69", "Rhône", 1_840_000, "du Rhône"),
    ("73", "Savoie", 430_000, "de la Savoie"),
    ("74", "Haute-Savoie", 810_000, "de la Haute-Savoie"),
)
DEPT_CODES = tuple(d[0] for d in DEPARTEMENTS)
DEPT_NAME = {d[0]: d[1] for d in DEPARTEMENTS}
DEPT_POP = {d[0]: d[2] for d in DEPARTEMENTS}
DEPT_OF = {d[0]: d[3] for d in DEPARTEMENTS}
_DEPT_POP = np.array([d[2] for d in DEPARTEMENTS], dtype=float)
_DEPT_RATIO = _DEPT_POP / _DEPT_POP.mean()  # population relative to the mean département

# CME territories: code, name, départements covered
CMES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("CME01", "Ain", ("01",)),
    ("CME0726", "Drôme-Ardèche", ("07", "26")),
    ("CME38", "Isère", ("38",)),
    ("CME42", "Loire", ("42",)),
    ("CME69", "Rhône", ("69",)),
    ("CME73", "Savoie", ("73",)),
    ("CME74", "Haute-Savoie", ("74",)),
)
CME_CODES = tuple(c[0] for c in CMES)
CME_NAME = {c[0]: c[1] for c in CMES}
CME_DEPTS = {c[0]: c[2] for c in CMES}
CME_OF_DEPT = {d: c[0] for c in CMES for d in c[2]}
CME_POP = {c[0]: sum(DEPT_POP[d] for d in c[2]) for c in CMES}
_CME_RATIO = {c: CME_POP[c] / (sum(CME_POP.values()) / len(CMES)) for c in CME_CODES}

# The 13 metropolitan regions since 2016 (inter-regional comparison, charter art. 7)
REGIONS_2016: tuple[tuple[str, str, int], ...] = (
    ("R11", "Île-de-France", 12_100_000),
    ("R24", "Centre-Val de Loire", 2_580_000),
    ("R27", "Bourgogne-Franche-Comté", 2_820_000),
    ("R28", "Normandie", 3_330_000),
    ("R32", "Hauts-de-France", 6_000_000),
    ("R44", "Grand Est", 5_550_000),
    ("R52", "Pays de la Loire", 3_740_000),
    ("R53", "Bretagne", 3_300_000),
    ("R75", "Nouvelle-Aquitaine", 5_940_000),
    ("R76", "Occitanie", 5_800_000),
    ("R84", "Auvergne-Rhône-Alpes", 7_900_000),
    ("R93", "Provence-Alpes-Côte d'Azur", 5_020_000),
    ("R94", "Corse", 330_000),
)
HOME_REGION_2016 = "R84"

# Signatories of the charter (all CPR members), code, name, institution type
SIGNATORIES: tuple[tuple[str, str, str], ...] = (
    ("DIRECCTE", "DIRECCTE Rhône-Alpes", "etat"),
    ("CARSAT", "CARSAT Rhône-Alpes", "assurance_maladie"),
    ("AROMSA", "AROMSA Rhône-Alpes (MSA)", "msa"),
    ("RSI-ALPES", "RSI Alpes", "rsi"),
    ("RSI-RHONE", "RSI Région Rhône", "rsi"),
    ("AGEFIPH", "AGEFIPH Rhône-Alpes", "agefiph"),
    ("POLE-EMPLOI", "Pôle emploi Rhône-Alpes", "pole_emploi"),
    ("CFDT", "CFDT Rhône-Alpes", "partenaire_social_salarie"),
    ("CFE-CGC", "CFE-CGC Rhône-Alpes", "partenaire_social_salarie"),
    ("CFTC", "CFTC Rhône-Alpes", "partenaire_social_salarie"),
    ("CGT", "CGT Rhône-Alpes", "partenaire_social_salarie"),
    ("FO", "FO Rhône-Alpes", "partenaire_social_salarie"),
    ("MEDEF", "MEDEF Rhône-Alpes", "partenaire_social_employeur"),
    ("CGPME", "CGPME Rhône-Alpes", "partenaire_social_employeur"),
    ("UPA", "UPA Rhône-Alpes", "partenaire_social_employeur"),
)
SIGNATORY_CODES = tuple(s[0] for s in SIGNATORIES)
INST_NAME = {s[0]: s[1] for s in SIGNATORIES}
SOCIAL_PARTNERS = ("CFDT", "CFE-CGC", "CFTC", "CGT", "FO", "MEDEF", "CGPME", "UPA")
ISE = "ISE"
ARACT = "ARACT"
# RSI fund covering each département (fictitious split between the two funds)
RSI_OF_DEPT = {"01": "RSI-RHONE", "07": "RSI-RHONE", "26": "RSI-ALPES", "38": "RSI-ALPES",
               "42": "RSI-RHONE", "69": "RSI-RHONE", "73": "RSI-ALPES", "74": "RSI-ALPES"}


# Story parameters (scale 1)
ISE_CALLS_PER_YEAR = (900, 1500, 1900, 2000, 2050)
CASES_PER_DEPT_YEAR = 150
CTME_PER_YEAR = {  # most territories hold fewer each year, the Loire more
    "CME01": (8, 6, 4, 2, 0),   # none in 2020, declared (data_declaration): the to-zero target reached
    "CME0726": (9, 7, 5, 3, 1),
    "CME38": (12, 9, 6, 4, 2),
    "CME42": (3, 5, 7, 9, 11),
    "CME69": (14, 10, 7, 4, 2),
    "CME73": (7, 5, 3, 1, 0),
    "CME74": (10, 7, 5, 3, 1),
}
NO_CONTINUOUS_DIAGNOSTIC = "CME74"
LATE_PARTNERS = ("RSI-ALPES", "RSI-RHONE")


# --------------------------------------------------------------------------------------
# Calendar helpers (day indices count from 2016-01-01)
# --------------------------------------------------------------------------------------

_EPOCH = np.datetime64("2016-01-01", "D")
_N_DAYS = (LAST_DAY - FIRST_DAY).days + 1
_ALL_DAYS = _EPOCH + np.arange(_N_DAYS)
_DAY_MONTH = _ALL_DAYS.astype("datetime64[M]").astype(int) % 12  # 0 = January
_DAY_OF_MONTH = (_ALL_DAYS - _ALL_DAYS.astype("datetime64[M]").astype("datetime64[D]")).astype(int) + 1
_WEEKDAY = (_ALL_DAYS.astype(int) + 3) % 7  # 0 = Monday (1970-01-01 was a Thursday)
_FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)}
_HOLIDAY = np.array([(m + 1, d) in _FIXED_HOLIDAYS for m, d in zip(_DAY_MONTH, _DAY_OF_MONTH)])
_WORKING = (_WEEKDAY < 5) & ~_HOLIDAY
_WORKDAYS = np.flatnonzero(_WORKING)
# Activity by month: quieter in summer, very low in August, dip at Christmas
_MONTH_WEIGHT = np.array([1.0, 1.05, 1.1, 1.0, 0.95, 1.0, 0.85, 0.35, 1.05, 1.1, 1.05, 0.8])


def _day(date: dt.date) -> int:
    return (date - FIRST_DAY).days


def _date(day: int) -> dt.date:
    return FIRST_DAY + dt.timedelta(days=int(day))


def _dates(days: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    """Object array of ``datetime.date`` (None where ``missing``) from day indices."""
    values = _EPOCH + np.asarray(days, dtype="int64").astype("timedelta64[D]")
    if missing is not None:
        values = values.copy()
        values[missing] = np.datetime64("NaT")
    return values.astype(object)


def _year_bounds(year: int) -> tuple[int, int]:
    return _day(dt.date(year, 1, 1)), _day(dt.date(year, 12, 31))


def _sample_days(rng: np.random.Generator, year: int, n: int, seasonal: bool = True) -> np.ndarray:
    """``n`` working days of ``year`` (day indices), weighted by month activity."""
    lo, hi = _year_bounds(year)
    idx = np.arange(lo, hi + 1)
    weight = _WORKING[idx] * (_MONTH_WEIGHT[_DAY_MONTH[idx]] if seasonal else 1.0)
    return rng.choice(idx, size=n, p=weight / weight.sum())


def _workday(rng: np.random.Generator, start: dt.date, end: dt.date) -> dt.date:
    """A random working day between ``start`` and ``end`` (inclusive, clamped to the period)."""
    lo = np.searchsorted(_WORKDAYS, max(_day(start), 0))
    hi = np.searchsorted(_WORKDAYS, min(_day(end), _N_DAYS - 1), side="right")
    if hi <= lo:
        return _date(min(max(_day(start), 0), _N_DAYS - 1))
    return _date(_WORKDAYS[rng.integers(lo, hi)])


def _workday_in(rng: np.random.Generator, year: int, month_from: int = 1, month_to: int = 12) -> dt.date:
    end = dt.date(year, 12, 31) if month_to == 12 else dt.date(year, month_to + 1, 1) - dt.timedelta(days=1)
    return _workday(rng, dt.date(year, month_from, 1), end)


def _distinct_months(rng: np.random.Generator, k: int, pool: Sequence[int]) -> list[int]:
    return sorted(int(m) for m in rng.choice(np.array(pool), size=k, replace=False))


def _clamp(date: dt.date) -> dt.date:
    return min(max(date, FIRST_DAY), LAST_DAY)


# --------------------------------------------------------------------------------------
# Random helpers
# --------------------------------------------------------------------------------------


def _rng(seed: int, name: str) -> np.random.Generator:
    """An independent generator per table (crc32 is stable across runs, unlike hash())."""
    return np.random.default_rng([int(seed), zlib.crc32(name.encode("utf-8"))])


def _probs(weights: dict[str, float], codes: Sequence[str]) -> np.ndarray:
    p = np.array([float(weights.get(c, 0.0)) for c in codes])
    return p / p.sum()


def _pick(rng: np.random.Generator, items: Sequence, p: Sequence[float] | None = None):
    if p is not None:
        p = np.asarray(p, dtype=float)
        p = p / p.sum()
    return items[int(rng.choice(len(items), p=p))]


def _pick_n(rng: np.random.Generator, items: Sequence, k: int) -> list:
    k = min(k, len(items))
    return [items[int(i)] for i in sorted(rng.choice(len(items), size=k, replace=False))]


def _balanced(rng: np.random.Generator, codes: Sequence[str], n: int,
              weights: Sequence[float] | None = None) -> list[str]:
    """``n`` codes in random order, each code at least once when ``n >= len(codes)``."""
    codes = list(codes)
    first = codes[:n] if n < len(codes) else codes
    rest = n - len(first)
    p = None if weights is None else np.asarray(weights, dtype=float) / np.sum(weights)
    extra = [codes[int(i)] for i in rng.choice(len(codes), size=rest, p=p)] if rest > 0 else []
    out = first + extra
    return [out[int(i)] for i in rng.permutation(len(out))]


def _choice_rows(rng: np.random.Generator, prob_matrix: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Vectorised categorical draw: row ``i`` uses probabilities ``prob_matrix[group[i]]``."""
    prob_matrix = np.asarray(prob_matrix, dtype=float)
    prob_matrix = prob_matrix / prob_matrix.sum(axis=1, keepdims=True)
    cdf = np.cumsum(prob_matrix, axis=1)
    cdf[:, -1] = 1.0
    u = rng.random(len(group))
    out = np.empty(len(group), dtype=np.int64)
    for g in range(prob_matrix.shape[0]):  # loop over groups, never over rows
        rows = np.flatnonzero(group == g)
        if len(rows):
            out[rows] = np.searchsorted(cdf[g], u[rows], side="right")
    return np.minimum(out, prob_matrix.shape[1] - 1)


def _interp(first: float, last: float, k: np.ndarray | int, n: int = len(YEARS)):
    """Linear path from ``first`` (2016) to ``last`` (2020) at year index ``k``."""
    return first + (last - first) * np.asarray(k) / (n - 1)


# --------------------------------------------------------------------------------------
# Frames
# --------------------------------------------------------------------------------------


def _frame(name: str, data) -> pd.DataFrame:
    """DataFrame with exactly the table's columns, in order, with consistent dtypes."""
    tbl = SQLModel.metadata.tables[name]
    cols = [c.name for c in tbl.columns]
    if isinstance(data, dict):
        unknown = set(data) - set(cols)
        if unknown:
            raise KeyError(f"{name}: unknown columns {sorted(unknown)}")
        frame = pd.DataFrame({c: data[c] for c in cols if c in data})
        for c in cols:
            if c not in frame:
                frame[c] = None
        frame = frame[cols]
    else:
        rows = list(data)
        for row in rows:
            if set(row) != set(cols):
                raise KeyError(f"{name}: row keys {sorted(set(row) ^ set(cols))} differ from the table")
        frame = pd.DataFrame.from_records(rows, columns=cols)
    for col in tbl.columns:
        s = frame[col.name]
        if isinstance(col.type, sa.Boolean):
            if s.dtype == "boolean":
                continue
            frame[col.name] = s.astype("boolean") if s.isna().any() else s.astype(bool)
        elif isinstance(col.type, sa.Integer):
            if str(s.dtype) == "Int64":
                continue
            frame[col.name] = s.astype("Int64") if s.isna().any() else s.astype("int64")
        elif isinstance(col.type, sa.Float):
            frame[col.name] = s.astype("float64")
        elif isinstance(col.type, sa.Date) and not isinstance(col.type, sa.DateTime):
            if s.dtype != object:
                frame[col.name] = s.astype(object)
    return frame.reset_index(drop=True)


# --------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------


def _reference(name: str) -> pd.DataFrame:
    """A reference table as shipped in ``data_access/reference_data`` (the sample does not invent
    territories, institutions or instances: a store made with ``init`` holds the same rows)."""
    from data_access.reference import reference_frames

    return _frame(name, reference_frames()[name].to_dict("records"))


def _local(kind: str, dept: str) -> str:
    return f"{kind}{dept}"


def _at(cme: str) -> str:
    return f"AT-{cme}"


def _inst_names() -> dict[str, str]:
    names = dict(INST_NAME)
    names[ISE] = "INFO SANTE EMPLOI"
    names[ARACT] = "l'ARACT"
    for d in DEPT_CODES:
        names[_local("MDPH", d)] = f"la MDPH {DEPT_OF[d]}"
        names[_local("SAMETH", d)] = f"le SAMETH {DEPT_OF[d]}"
        names[_local("SST", d)] = f"les SST {DEPT_OF[d]}"
        names[_local("CAPEMPLOI", d)] = f"Cap emploi {DEPT_OF[d]}"
    for c in CME_CODES:
        names[_at(c)] = f"l'animation territoriale {CME_NAME[c]}"
    return names


def _cme_pool(cme: str) -> list[str]:
    """Institutions active in a CME territory."""
    pool = []
    for d in CME_DEPTS[cme]:
        pool += [_local("MDPH", d), _local("SAMETH", d), _local("SST", d), _local("CAPEMPLOI", d)]
    pool += [_at(cme), "CARSAT", "AROMSA", RSI_OF_DEPT[CME_DEPTS[cme][0]], "POLE-EMPLOI", "AGEFIPH", "DIRECCTE"]
    return pool
