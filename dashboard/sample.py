"""Deterministic generator of fictitious sample data ("données fictives").

The sample store lets the dashboard, the tests, the benchmarks and the
screenshots run on the same plausible numbers. Everything here is invented:
the pages must say so ("données fictives") whenever ``store_meta.sample`` is "1".

Design:

- :func:`build_sample_frames` is pure: one DataFrame per table of the store
  (keys = table names, in ``SQLModel.metadata.sorted_tables`` order), columns =
  the table's columns, explicit integer ids. Same ``(scale, seed)`` -> identical
  frames: every table draws from its own numpy generator seeded by
  ``(seed, crc32(table name))``, so tables do not depend on each other's draws
  and the tables that do not grow with ``scale`` are identical at every scale.
- Only the case-level tables (``ise_call``, ``retention_case``,
  ``case_measure``) and ``at_request`` / ``communication_action`` (with
  ``communication_reach``) grow with ``scale``; they are generated with
  vectorised numpy code (``scale=100`` builds ~0.8 M calls and ~0.6 M cases).
- :func:`load_sample` writes the frames into an empty, migrated store in one
  transaction.

Stories the verdicts can read (domain notes, "Sample data"): CTME sessions
fall everywhere except in the Loire (CME42) where they rise; direct
signalements handled by the AT fall toward zero and fewer orientations are
qualified as complex; calls to INFO SANTE EMPLOI grow then level off; Haute-
Savoie (CME74) has no continuous diagnosis; RSI sends its data months late
(the 2020 delivery is still missing); earliness, pathway delays, retention
rate, relays and the use of support measures improve over the years.

Dates all lie within 2016-01-01 .. 2020-12-31. Partner deliveries of year Y are
expected on 15 December of Y (data as of 30 November, for the annual bilan
presented at the December CPR).

Known artefacts of a window that starts on 2016-01-01: no case is signalled
before 2016, so indicators dated by ``solution_date`` see only short pathways
and fewer closed cases in 2016 (ramp-up); cases signalled in 2020 are often
still "en_cours" (censoring). Sick-leave cases whose leave would have started
before 2016 are signalled later in 2016 rather than truncated, which thins
January 2016 a little.
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
from data_access import vocabulary as V
from data_access.derive import derive_frame
from data_access.models import tables_in_dependency_order

SAMPLE_SEED = 2015
YEARS = range(2016, 2021)  # 2016..2020 inclusive

FIRST_DAY = dt.date(2016, 1, 1)
LAST_DAY = dt.date(2020, 12, 31)

# --------------------------------------------------------------------------------------
# Territories and institutions
# --------------------------------------------------------------------------------------

REGION = "R82"
POPULATION_SOURCE = "INSEE, population municipale 2016 (ordre de grandeur)"

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

# Q6 indicators read from indicator_value, and the ones with region-level rows (R11..R94)
Q6_INDICATORS = tuple(f"Q6.C1.I{i}" for i in range(1, 10))
REGION_INDICATORS = Q6_INDICATORS
REGION_EXTRA_INDICATORS = ("Q6.C1.I4", "Q6.C1.I5", "Q6.C1.I6", "Q6.C1.I9")  # drawn after the first four

# First year each perception question was asked (wording and respondents come from the référentiel).
SURVEY_FIRST_YEAR = {
    "satisfaction_instances": 2016, "satisfaction_outils_at": 2016, "pertinence_organisation_at": 2016,
    "ctme_format_utile": 2017, "at_pas_echelon_supplementaire": 2017, "visibilite_progresse": 2017,
    "reperage_outils": 2017,
}


def _survey_catalogue() -> tuple[tuple[str, str, str, int], ...]:
    """(code, wording, respondent type, first year) for every survey question of the référentiel."""
    from .referentiel import load_referentiel

    return tuple((q.code, q.wording, q.respondent_type, SURVEY_FIRST_YEAR.get(q.code, 2016))
                 for q in load_referentiel().survey_questions)

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
_DAY_YEAR = _ALL_DAYS.astype("datetime64[Y]").astype(int) + 1970
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


# --------------------------------------------------------------------------------------
# Q1 governance
# --------------------------------------------------------------------------------------

WORKING_GROUPS = (
    ("GT-INDICATEURS", "Groupe de travail « indicateurs » du CPR", "CARSAT", 2016,
     "Construire et fiabiliser le tableau de bord régional du maintien dans l'emploi."),
    ("GT-COMMUNICATION", "Groupe de travail « communication »", "AGEFIPH", 2016,
     "Préparer et suivre le plan de communication régional."),
    ("GT-RELAIS", "Groupe de travail « prises de relais »", "POLE-EMPLOI", 2017,
     "Sécuriser les prises de relais vers Cap emploi et Pôle emploi après un échec du maintien."),
)
GT_MEMBERS = {
    "GT-INDICATEURS": ["DIRECCTE", "CARSAT", "AROMSA", "RSI-ALPES", "RSI-RHONE", "AGEFIPH", "POLE-EMPLOI", ISE],
    "GT-COMMUNICATION": ["DIRECCTE", "CARSAT", "AGEFIPH", "AROMSA", "POLE-EMPLOI", ISE, "MEDEF", "CFDT"],
    "GT-RELAIS": ["POLE-EMPLOI", "AGEFIPH", "CARSAT", "CAPEMPLOI69", "CAPEMPLOI38", "DIRECCTE", "CGT", "CGPME"],
}
CME_CHAIR = {"CME01": "CFDT", "CME0726": "MEDEF", "CME38": "CGT", "CME42": "CGPME",
             "CME69": "FO", "CME73": "UPA", "CME74": "CFE-CGC"}
# Probability of being present when expected (some institutions are absent more often)
PRESENCE = {"UPA": 0.45, "CFTC": 0.5, "CFE-CGC": 0.55, "CGPME": 0.6, "FO": 0.65, "RSI-RHONE": 0.5,
            "RSI-ALPES": 0.62, "POLE-EMPLOI": 0.72, "MEDEF": 0.75, "CGT": 0.72}
PRESENCE_BY_KIND = {"MDPH": 0.6, "SST": 0.72, "CAPEMPLOI": 0.85}


# Working groups of the sample besides the reference GT-INDICATEURS (fictitious activity).
SAMPLE_INSTANCES = tuple(w for w in WORKING_GROUPS if w[0] != "GT-INDICATEURS")


def _instances() -> pd.DataFrame:
    """The reference instances (CPR, CMEs, indicators group) and the sample's other working groups."""
    rows = _reference("instance").to_dict("records")
    known = {r["code"] for r in rows}
    for code, name, chair, start, purpose in SAMPLE_INSTANCES:
        if code not in known:
            rows.append({"code": code, "kind": "groupe_travail", "name": name, "territory_code": REGION,
                         "start_year": start, "end_year": None, "chair_institution_code": chair,
                         "purpose": purpose})
    return _frame("instance", rows)


def _instance_list():
    """(code, kind, territory, start_year) of every instance."""
    out = [("CPR", "cpr", REGION, 2016)]
    out += [(c, "cme", c, 2016) for c in CME_CODES]
    out += [(code, "groupe_travail", REGION, start) for code, _, _, start, _ in WORKING_GROUPS]
    return out


MEETING_TOPICS = {
    "cpr": ["Bilan annuel de la politique régionale", "Suivi des plans d'actions territoriaux",
            "Point d'étape INFO SANTE EMPLOI", "Tableau de bord régional du maintien",
            "Plan de communication régional", "Articulation avec l'Auvergne après la fusion des régions"],
    "cme": ["Suivi du plan d'actions territorial", "Bilan annuel de l'animation territoriale",
            "Point sur les CTME et les orientations complexes", "Présentation croisée des offres de service",
            "Restitution du diagnostic territorial", "Prises de relais après inaptitude"],
    "groupe_travail": ["Définitions communes des indicateurs", "Calendrier des actions", "Retour des territoires",
                       "Préparation du séminaire régional", "Circuit de prise de relais"],
}


def _meetings(seed: int):
    rng = _rng(seed, "meeting")
    meetings, attendance = [], []
    for code, kind, terr, start in _instance_list():
        if kind == "cpr":
            expected = list(SIGNATORY_CODES)
        elif kind == "cme":
            expected = _cme_pool(code) + list(SOCIAL_PARTNERS)
        else:
            expected = GT_MEMBERS[code]
        for k, y in enumerate(YEARS):
            if y < start:
                continue
            if kind == "cpr":
                kinds = ["pleniere", "pleniere", "restreinte", "restreinte"] + (["seminaire"] if y % 2 else [])
            elif kind == "cme":
                kinds = ["pleniere"] * int(rng.integers(2, 4)) + ["restreinte"] * int(rng.integers(1, 3))
            else:
                kinds = ["groupe_travail"] * int(rng.integers(2, 5))
            months = _distinct_months(rng, len(kinds), [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12])
            kinds = [kinds[int(i)] for i in rng.permutation(len(kinds))]
            for month, mkind in zip(months, kinds):
                mid = len(meetings) + 1
                topic = _pick_n(rng, MEETING_TOPICS[kind], 2)
                meetings.append({"id": mid, "instance_code": code, "territory_code": terr,
                                 "meeting_date": _workday_in(rng, y, month, month), "kind": mkind,
                                 "minutes_shared": bool(rng.random() < 0.9), "topics": " ; ".join(topic)})
                for inst in expected:
                    base = PRESENCE.get(inst, PRESENCE_BY_KIND.get(inst.rstrip("0123456789"), 0.9))
                    p = min(0.98, base + 0.03 * k)
                    present = bool(rng.random() < p)
                    attendance.append({"meeting_id": mid, "institution_code": inst, "expected": True,
                                       "present": present,
                                       "participants": int(1 + rng.binomial(2, 0.3)) if present else 0})
                if kind == "cpr" and mkind == "pleniere":  # the platform is invited to the plenary sessions
                    attendance.append({"meeting_id": mid, "institution_code": ISE, "expected": False,
                                       "present": True, "participants": 1})
    return _frame("meeting", meetings), _frame("meeting_attendance", attendance)


OUTPUT_TITLES = {
    "definition_partagee": ["Définition partagée de l'orientation complexe", "Définition commune du signalement précoce",
                            "Glossaire commun du maintien dans l'emploi", "Définition partagée de la prise de relais"],
    "procedure": ["Procédure de saisine de la CTME", "Circuit de signalement des situations",
                  "Protocole de prise de relais vers Cap emploi et Pôle emploi", "Procédure d'orientation vers le SAMETH"],
    "document_cadrage": ["Cadre d'intervention des animations territoriales", "Note de cadrage du bilan annuel",
                         "Cahier des charges du diagnostic territorial", "Règles de fonctionnement de l'instance"],
    "outil": ["Tableau de bord territorial", "Annuaire des acteurs du maintien", "Fiche réflexe signalement",
              "Trame commune de bilan annuel"],
    "note_orientation": ["Orientations pour l'année", "Priorités du plan d'actions", "Axes de travail retenus"],
    "compte_rendu": ["Compte rendu de la séance plénière", "Synthèse des travaux", "Relevé de décisions"],
}
OUTPUT_DESCRIPTIONS = {
    "definition_partagee": "Définition élaborée collectivement et validée par les membres de l'instance.",
    "procedure": "Procédure formalisée, diffusée aux acteurs du territoire.",
    "document_cadrage": "Document précisant les missions respectives et les segments d'intervention.",
    "outil": "Outil produit par l'instance et mis à disposition des partenaires.",
    "note_orientation": "Note présentant les orientations partagées pour la période.",
    "compte_rendu": "Compte rendu diffusé à l'ensemble des membres et des acteurs concernés.",
}


def _instance_outputs(seed: int) -> pd.DataFrame:
    rng = _rng(seed, "instance_output")
    plan = []
    for code, kind, terr, start in _instance_list():
        for y in YEARS:
            if y < start:
                continue
            n = 2 if kind == "cpr" else 1 + int(rng.random() < 0.4 + 0.1 * (y - 2016))
            plan += [(code, kind, terr, y)] * n
    types = _balanced(rng, list(V.OUTPUT_TYPE), len(plan))
    rows = []
    for i, ((code, kind, terr, y), otype) in enumerate(zip(plan, types), start=1):
        label = "CPR" if kind == "cpr" else (CME_NAME[code] if kind == "cme" else f"groupe « {code.split('-', 1)[1].lower()} »")
        title = f"{_pick(rng, OUTPUT_TITLES[otype])} — {label} {y}"
        rows.append({"id": i, "instance_code": code, "territory_code": terr,
                     "output_date": _workday_in(rng, y), "output_type": otype, "title": title,
                     "description": OUTPUT_DESCRIPTIONS[otype]})
    rows.sort(key=lambda r: (r["output_date"], r["instance_code"], r["id"]))
    for i, r in enumerate(rows, start=1):
        r["id"] = i
    return _frame("instance_output", rows)


LINK_DESCRIPTIONS = {
    "circulation_information": "Les comptes rendus et décisions sont transmis et présentés à l'autre instance.",
    "decision_partagee": "Les décisions issues des échanges sont reprises et mises en œuvre par les deux instances.",
    "apport_reciproque": "Chaque instance nourrit les travaux de l'autre (remontées de terrain, orientations).",
    "complementarite": "Une complémentarité de travaux a été repérée et organisée entre les instances.",
}


def _instance_links(seed: int) -> pd.DataFrame:
    rng = _rng(seed, "instance_link")
    plan = []
    for y in YEARS:
        for c in CME_CODES:  # each CME reports to the CPR
            plan.append((y, c, "CPR", c, ["apport_reciproque", "circulation_information"], ["bilan_annuel", "representant"]))
        for c in _pick_n(rng, list(CME_CODES), 3):  # the CPR sends its decisions down
            plan.append((y, "CPR", c, c, ["decision_partagee", "circulation_information"], ["compte_rendu", "note_ecrite"]))
        for gt, _, _, start, _ in WORKING_GROUPS:
            if y >= start and rng.random() < 0.6:
                plan.append((y, gt, "CPR", REGION, ["apport_reciproque", "decision_partagee"], ["note_ecrite", "compte_rendu"]))
        a, b = _pick_n(rng, list(CME_CODES), 2)
        plan.append((y, a, b, a, ["complementarite", "apport_reciproque"], ["reunion_inter_cme"]))
    rows = []
    for i, (y, src, dst, terr, types, modalities) in enumerate(plan, start=1):
        link_type = _pick(rng, types)
        rows.append({"id": i, "link_date": _workday_in(rng, y), "territory_code": terr,
                     "from_instance_code": src, "to_instance_code": dst, "link_type": link_type,
                     "modality": _pick(rng, modalities), "description": LINK_DESCRIPTIONS[link_type]})
    return _frame("instance_link", rows)


COOPERATION_TITLES = {
    "rapprochement": "Rapprochement entre {a} et {b} pour le repérage des situations",
    "passerelle": "Passerelle entre les offres de service : {a} et {b}",
    "demarche_nouvelle": "Circuit court de signalement entre {a} et {b}",
    "partenariat_bilateral": "Convention de partenariat entre {a} et {b}",
    "partenariat_multilateral": "Convention territoriale multipartenariale du maintien ({n} signataires)",
}
COOPERATION_DESCRIPTIONS = {
    "fluidite_parcours": "Éviter les ruptures entre les étapes du parcours de maintien.",
    "acces_offre": "Faciliter l'accès des personnes et des entreprises à l'offre de service adaptée.",
    "detection_precoce": "Repérer plus tôt les situations à risque de désinsertion professionnelle.",
    "prise_de_relais": "Organiser la prise de relais quand le maintien dans l'entreprise n'est pas possible.",
    "connaissance_mutuelle": "Mieux connaître les missions et les offres de chacun.",
}


def _cooperations(seed: int):
    rng = _rng(seed, "cooperation")
    names = _inst_names()
    plan = []  # (territory, year) — more cooperations in later years
    for y in (2016, 2017, 2018, 2019):
        plan.append((REGION, y))
    for c in CME_CODES:
        k = int(rng.integers(2, 4))
        plan += [(c, int(y)) for y in rng.choice(list(YEARS), size=k, replace=False, p=[0.1, 0.15, 0.2, 0.25, 0.3])]
    types = _balanced(rng, list(V.COOPERATION_TYPE), len(plan))
    objectives = _balanced(rng, list(V.COOPERATION_OBJECTIVE), len(plan))
    plan.sort()
    rows, partners = [], []
    for i, ((terr, y), ctype, obj) in enumerate(zip(plan, types, objectives), start=1):
        pool = list(SIGNATORY_CODES[:7]) + [ISE, ARACT] if terr == REGION else _cme_pool(terr)
        n = 2 if ctype == "partenariat_bilateral" else int(rng.integers(3, 5)) if ctype == "partenariat_multilateral" \
            else int(rng.integers(2, 4))
        members = _pick_n(rng, pool, n)
        start = _workday_in(rng, y)
        signed = None
        if ctype.startswith("partenariat"):
            signed = _clamp(start + dt.timedelta(days=int(rng.integers(30, 150))))
        title = COOPERATION_TITLES[ctype].format(a=names[members[0]], b=names[members[1]], n=len(members))
        title = title[0].upper() + title[1:]
        where = "" if terr == REGION else f" ({CME_NAME[terr]})"
        rows.append({"id": i, "territory_code": terr, "start_date": start, "cooperation_type": ctype,
                     "objective": obj, "title": title + where, "description": COOPERATION_DESCRIPTIONS[obj],
                     "signed_date": signed})
        partners += [{"cooperation_id": i, "institution_code": m} for m in members]
    return _frame("cooperation", rows), _frame("cooperation_partner", partners)


def _data_initiatives(seed: int) -> pd.DataFrame:
    rng = _rng(seed, "data_initiative")
    items = [
        (2016, "convergence_indicateurs", "DIRECCTE", "Socle commun d'indicateurs du tableau de bord régional",
         "Recensement des indicateurs produits par chaque partenaire et choix d'un socle commun.",
         "Premier tableau de bord régional partagé en CPR."),
        (2016, "partage_donnees", "AGEFIPH", "Transmission annuelle des données d'activité des SAMETH par département",
         "Convention de transmission des données agrégées par département.",
         "Situations traitées et maintiens réalisés disponibles par département."),
        (2017, "fiabilisation", "CARSAT", "Fiabilisation du repérage des signalements PDP",
         "Harmonisation des règles de comptage des signalements entre caisses.",
         "Comptage homogène des signalements aux services sociaux."),
        (2017, "nouvel_indicateur", "CARSAT", "Délai entre le début de l'arrêt et le signalement",
         "Construction d'un indicateur de précocité à partir des dates d'arrêt.",
         "Part des situations signalées avant 90 jours d'arrêt."),
        (2018, "partage_donnees", "AROMSA", "Partage des données des régimes agricole et des indépendants",
         "Mise en commun des données MSA et RSI sur les cessations d'activité.", None),
        (2018, "convergence_indicateurs", "POLE-EMPLOI", "Indicateur commun de prise de relais",
         "Définition commune de la prise de relais par Cap emploi et Pôle emploi.",
         "Part des échecs de maintien suivis d'une prise de relais."),
        (2019, "nouvel_indicateur", "DIRECCTE", "Délai médian entre signalement et solution",
         "Collecte des dates de solution auprès des acteurs pilotes.",
         "Suivi de la fluidité des parcours par territoire."),
        (2020, "fiabilisation", "RSI-ALPES", "Reprise des données RSI après la réforme du régime des indépendants",
         "Travail de reprise des historiques lors du transfert vers le régime général.", None),
    ]
    rows = []
    for i, (y, typ, lead, title, desc, gained) in enumerate(items, start=1):
        rows.append({"id": i, "territory_code": REGION, "start_date": _workday_in(rng, y, 2, 11),
                     "initiative_type": typ, "lead_institution_code": lead, "title": title,
                     "description": desc, "information_gained": gained})
    return _frame("data_initiative", rows)


def _indicator_availability() -> pd.DataFrame:
    items = [
        ("Q6.C1.I1", 2016, "AGEFIPH", True, "Données d'activité des SAMETH transmises par département."),
        ("Q6.C1.I2", 2016, "AGEFIPH", True, None),
        ("Q6.C1.I3", 2016, "AGEFIPH", True, "Calculé à partir des deux indicateurs précédents."),
        ("Q6.C1.I4", 2017, "CARSAT", True, "Règles de comptage harmonisées entre caisses en 2017."),
        ("Q6.C1.I5", 2017, "DIRECCTE", True, "Issu des rapports annuels des services de santé au travail."),
        ("Q6.C1.I6", 2018, "DIRECCTE", True, None),
        ("Q6.C1.I7", 2018, "DIRECCTE", True, "Croisement avec le tableau de bord national."),
        ("Q6.C1.I8", 2019, "CARSAT", True, None),
        ("Q6.C1.I9", 2019, "RSI-ALPES", False, "Données des indépendants à sécuriser après la réforme du RSI."),
    ]
    rows = [{"indicator_id": i, "territory_code": REGION, "first_year": y, "provider_institution_code": p,
             "secured": s, "note": n} for i, y, p, s, n in items]
    return _frame("indicator_availability", rows)


# --------------------------------------------------------------------------------------
# Q2 diagnostics and action plans
# --------------------------------------------------------------------------------------

FREIN_LABELS = {
    "connaissance_offre": ["Offres de service des acteurs mal connues des médecins traitants",
                           "Méconnaissance de l'offre du SAMETH par les petites entreprises",
                           "Offre de service des régimes agricole et des indépendants peu repérée"],
    "detection_tardive": ["Signalements tardifs, souvent après plusieurs mois d'arrêt",
                          "Visites de pré-reprise peu sollicitées",
                          "Situations repérées au moment de l'avis d'inaptitude"],
    "coordination": ["Échanges insuffisants entre services de santé au travail et service social",
                     "Absence de circuit partagé entre acteurs", "Doublons d'accompagnement entre structures"],
    "prise_de_relais": ["Ruptures de parcours après un licenciement pour inaptitude",
                        "Prise de relais vers Cap emploi et Pôle emploi non organisée"],
    "information_publics": ["Salariés et indépendants mal informés de leurs droits",
                            "Exploitants agricoles peu informés des dispositifs",
                            "Employeurs de TPE sans interlocuteur identifié"],
    "qualification_situations": ["Difficulté à distinguer les situations complexes",
                                 "Orientations à corriger faute de diagnostic partagé"],
}
DIAG_METHOD_TEXT = {
    "entretiens": "Entretiens individuels avec les acteurs du maintien du territoire.",
    "questionnaire": "Questionnaire en ligne adressé aux acteurs et aux partenaires.",
    "ateliers": "Ateliers collectifs réunissant les acteurs par thème.",
    "analyse_donnees": "Analyse continue des données d'activité et des bilans des acteurs.",
    "revue_documentaire": "Revue des bilans et documents existants, complétée par quelques entretiens.",
}


def _diagnostics(seed: int):
    rng = _rng(seed, "diagnostic")
    diags, actors, freins = [], [], []
    actor_codes = list(V.ACTOR_TYPE)
    initial_methods = {c: ("revue_documentaire" if c in ("CME73", "CME42") else "entretiens") for c in CME_CODES}
    update_methods = _balanced(rng, ["questionnaire", "ateliers"], len(CMES))
    update_modes = _balanced(rng, ["seminaire", "groupe_travail", "document_diffuse"], len(CMES))
    for j, c in enumerate(CME_CODES):
        start = _workday_in(rng, 2016, 2, 4)
        end = _clamp(start + dt.timedelta(days=int(rng.integers(60, 130))))
        plan = [("etat_des_lieux_initial", initial_methods[c], start, end, "restitution_cme",
                 _clamp(end + dt.timedelta(days=int(rng.integers(10, 45)))), True)]
        uy = int(rng.choice([2018, 2019]))
        ustart = _workday_in(rng, uy, 1, 6)
        uend = _clamp(ustart + dt.timedelta(days=int(rng.integers(45, 120))))
        plan.append(("actualisation", update_methods[j], ustart, uend, update_modes[j],
                     _clamp(uend + dt.timedelta(days=int(rng.integers(10, 60)))), bool(rng.random() < 0.7)))
        if c != NO_CONTINUOUS_DIAGNOSTIC:
            cy = 2016 if c == "CME38" else 2017
            plan.append(("continu", "analyse_donnees", _workday_in(rng, cy, 1, 3), None, "document_diffuse", None, False))
        for kind, method, s, e, mode, pdate, debated in plan:
            did = len(diags) + 1
            diags.append({"id": did, "territory_code": c, "kind": kind, "method": method,
                          "method_description": DIAG_METHOD_TEXT[method], "start_date": s, "end_date": e,
                          "presentation_mode": mode, "presentation_date": pdate, "debated": debated})
            for a in _pick_n(rng, actor_codes, int(rng.integers(3, 8))):
                actors.append({"diagnostic_id": did, "actor_type": a, "interviewed": int(rng.integers(1, 16))})
            if kind == "continu":
                continue
            n_freins = int(rng.integers(3, 6)) if kind == "etat_des_lieux_initial" else int(rng.integers(1, 3))
            for cat in _pick_n(rng, list(V.FREIN_CATEGORY), n_freins):
                freins.append({"id": 0, "territory_code": c, "diagnostic_id": did,
                               "identified_date": e or s, "category": cat,
                               "label": _pick(rng, FREIN_LABELS[cat]),
                               "description": "Frein relevé lors du diagnostic et mis en débat en CME."})
    # one frein raised in CME outside any diagnostic
    freins.append({"id": 0, "territory_code": "CME42", "diagnostic_id": None,
                   "identified_date": _workday_in(rng, 2019, 3, 5), "category": "qualification_situations",
                   "label": "Hausse des demandes de CTME faute de qualification partagée des situations",
                   "description": "Frein remonté en séance plénière du CME."})
    for i, f in enumerate(freins, start=1):
        f["id"] = i
    return _frame("diagnostic", diags), _frame("diagnostic_actor", actors), _frame("frein", freins)


ACTION_TITLES = {
    "information": ["Réunion d'information des médecins traitants", "Sensibilisation des employeurs du BTP",
                    "Matinale d'information des entreprises", "Information des délégués du personnel"],
    "formation": ["Formation des conseillers Pôle emploi au maintien", "Formation croisée SST et service social",
                  "Module de formation des référents handicap"],
    "outil": ["Annuaire territorial des acteurs du maintien", "Fiche de liaison SST – SAMETH",
              "Logigramme d'orientation des situations"],
    "procedure": ["Circuit de signalement précoce", "Procédure de prise de relais après inaptitude",
                  "Procédure de saisine de la CTME"],
    "cooperation": ["Rencontres inter-acteurs trimestrielles", "Coopération avec les services RH des grandes entreprises",
                    "Sécurisation des reclassements externes avec Cap emploi"],
    "communication": ["Relais local de la campagne INFO SANTE EMPLOI", "Article dans la presse économique locale",
                      "Lettre d'information du CME"],
}
RELAY_TITLES = {"Procédure de prise de relais après inaptitude", "Sécurisation des reclassements externes avec Cap emploi",
                "Formation des conseillers Pôle emploi au maintien"}
FREIN_FOR_ACTION = {
    "information": ["connaissance_offre", "information_publics"], "formation": ["connaissance_offre", "qualification_situations"],
    "outil": ["coordination", "connaissance_offre"], "procedure": ["detection_tardive", "prise_de_relais", "coordination"],
    "cooperation": ["coordination", "prise_de_relais"], "communication": ["information_publics", "connaissance_offre"],
}
NO_RELAY_SECTION = ("CME73",)


def _action_plans(seed: int, freins: pd.DataFrame):
    rng = _rng(seed, "action_plan")
    plans, actions, links = [], [], []
    for pid, c in enumerate(CME_CODES, start=1):
        plans.append({"id": pid, "territory_code": c, "title": f"Plan d'actions territorial 2016-2020 — {CME_NAME[c]}",
                      "adopted_date": _workday_in(rng, 2016, 9, 12), "period_start": 2016, "period_end": 2020,
                      "has_relay_section": c not in NO_RELAY_SECTION})
        n = int(rng.integers(6, 11))
        specs = [(t, _pick(rng, ACTION_TITLES[t]), None) for t in _balanced(rng, list(V.ACTION_TYPE), n)]
        if c not in NO_RELAY_SECTION:  # the relay section: 1-2 actions, more of them in later years
            for y in sorted(rng.choice(list(YEARS)[1:], size=int(rng.integers(1, 3)), replace=False,
                                       p=[0.15, 0.25, 0.3, 0.3]).tolist()):
                title = _pick(rng, sorted(RELAY_TITLES))
                specs.append((next(t for t, titles in ACTION_TITLES.items() if title in titles), title, y))
        cf = freins[freins["territory_code"] == c]
        for atype, title, year in specs:
            if year is None:
                pstart = _workday(rng, dt.date(2016, 10, 1), dt.date(2020, 10, 31))
            else:
                pstart = _workday_in(rng, year, 1, 10)
            pend = _clamp(pstart + dt.timedelta(days=int(rng.integers(60, 450))))
            if pend <= dt.date(2020, 3, 31):
                status = _pick(rng, ["realisee", "reportee", "abandonnee", "en_cours"], [0.74, 0.1, 0.08, 0.08])
            elif pstart >= dt.date(2020, 9, 1):
                status = "prevue"
            else:
                status = _pick(rng, ["en_cours", "realisee", "reportee", "prevue"], [0.5, 0.3, 0.1, 0.1])
            astart = aend = None
            if status in ("en_cours", "realisee", "abandonnee"):
                astart = _clamp(pstart + dt.timedelta(days=int(rng.integers(-20, 45))))
            if status == "realisee":
                aend = min(max(pend + dt.timedelta(days=int(rng.integers(-30, 60))), astart + dt.timedelta(days=14)), LAST_DAY)
            aid = len(actions) + 1
            actions.append({"id": aid, "plan_id": pid, "territory_code": c, "action_type": atype, "title": title,
                            "planned_start": pstart, "planned_end": pend, "actual_start": astart, "actual_end": aend,
                            "status": status,
                            "deals_with_relay": bool(title in RELAY_TITLES and c not in NO_RELAY_SECTION)})
            candidates = cf[cf["category"].isin(FREIN_FOR_ACTION[atype])]["id"].tolist() or cf["id"].tolist()
            for fid in _pick_n(rng, candidates, int(rng.integers(1, 3))):
                links.append({"action_id": aid, "frein_id": int(fid)})
    # every status appears at least once: convert a compatible action when one is missing
    present = {a["status"] for a in actions}
    if "prevue" not in present:
        a = max(actions, key=lambda a: (a["planned_start"], a["id"]))
        a.update(status="prevue", actual_start=None, actual_end=None)
    for status in ("reportee", "abandonnee"):
        if status not in present:
            done = [a for a in actions if a["status"] == "realisee"]
            a = done[int(rng.integers(0, len(done)))]
            a.update(status=status, actual_end=None, actual_start=None if status == "reportee" else a["actual_start"])
    return _frame("action_plan", plans), _frame("plan_action", actions), _frame("action_frein", links)


RESULT_TITLES = {
    "collaboration": ["Permanence commune SAMETH et Cap emploi", "Échanges réguliers entre SST et service social CARSAT",
                      "Collaboration nouvelle entre MDPH et services de santé au travail",
                      "Rencontres régulières MSA et SAMETH"],
    "pratique": ["Signalement au service social dès 60 jours d'arrêt", "Visite de pré-reprise proposée systématiquement",
                 "Fiche de liaison utilisée lors des orientations", "Réunion de synthèse avant toute saisine de CTME"],
    "outil": ["Annuaire partagé des acteurs du territoire", "Logigramme d'orientation diffusé aux médecins traitants",
              "Guide employeur du maintien dans l'emploi"],
}


def _local_results(seed: int, actions: pd.DataFrame) -> pd.DataFrame:
    rng = _rng(seed, "local_result")
    plan = []
    for c in CME_CODES:
        years = sorted(int(y) for y in rng.choice(list(YEARS), size=int(rng.integers(2, 6)), p=[0.1, 0.15, 0.2, 0.25, 0.3]))
        plan += [(c, y) for y in years]
    types = _balanced(rng, list(V.LOCAL_RESULT_TYPE), len(plan))
    done = actions[actions["status"] == "realisee"]
    rows = []
    for i, ((c, y), rtype) in enumerate(zip(plan, types), start=1):
        date = _workday_in(rng, y)
        action_id = None
        cand = done[(done["territory_code"] == c) & (done["actual_end"] <= date)]
        if len(cand) and rng.random() < 0.6:
            action_id = int(cand["id"].iloc[int(rng.integers(0, len(cand)))])
        rows.append({"id": i, "territory_code": c, "result_date": date, "result_type": rtype,
                     "title": _pick(rng, RESULT_TITLES[rtype]),
                     "description": "Résultat constaté par l'animation territoriale et présenté en CME.",
                     "action_id": action_id})
    return _frame("local_result", rows)


def _followup(seed: int) -> pd.DataFrame:
    rng = _rng(seed, "followup_mechanism")
    rows = []
    for c in CME_CODES:
        monitoring_from = 2018 if c == NO_CONTINUOUS_DIAGNOSTIC else int(rng.choice([2016, 2017], p=[0.6, 0.4]))
        for y in YEARS:
            cont = c != NO_CONTINUOUS_DIAGNOSTIC and (y >= 2017 or c == "CME38")
            mon = y >= monitoring_from
            rows.append({"territory_code": c, "year": y, "continuous_diagnostic": cont,
                         "continuous_diagnostic_method":
                             "Analyse trimestrielle des bilans d'activité des acteurs et des appels INFO SANTE EMPLOI"
                             if cont else None,
                         "plan_monitoring": mon,
                         "monitoring_method": "Tableau de suivi des actions présenté à chaque séance plénière du CME"
                         if mon else None})
    return _frame("followup_mechanism", rows)


# --------------------------------------------------------------------------------------
# Q3 INFO SANTE EMPLOI (case level, vectorised)
# --------------------------------------------------------------------------------------

_CALLER = list(V.CALLER_CATEGORY)


def _nullable_bool(rng, asked_p: np.ndarray, true_p: np.ndarray) -> pd.arrays.BooleanArray:
    n = len(asked_p)
    values = rng.random(n) < true_p
    missing = rng.random(n) >= asked_p
    return pd.arrays.BooleanArray(values, missing)


def _ise_calls(seed: int, scale: int) -> pd.DataFrame:
    rng = _rng(seed, "ise_call")
    years, depts, days = [], [], []
    for k, y in enumerate(YEARS):
        n = int(round(ISE_CALLS_PER_YEAR[k] * scale * rng.normal(1.0, 0.01)))
        years.append(np.full(n, k, dtype=np.int64))
        depts.append(rng.choice(len(DEPT_CODES), size=n, p=_DEPT_POP / _DEPT_POP.sum()))
        days.append(_sample_days(rng, y, n))
    year_k, dept, day = (np.concatenate(a) for a in (years, depts, days))
    order = np.lexsort((dept, day))
    year_k, dept, day = year_k[order], dept[order], day[order]
    n = len(day)
    ky = np.arange(len(YEARS))

    # caller category: the share of companies grows
    ent = _interp(0.10, 0.16, ky)
    base = _probs({"salarie": 0.55, "independant": 0.09, "exploitant_agricole": 0.045, "acteur_maintien": 0.14,
                   "proche": 0.09, "autre": 0.04}, _CALLER)
    cat_p = base[None, :] * (1 - ent)[:, None]
    cat_p[:, _CALLER.index("entreprise")] = ent
    cat = _choice_rows(rng, cat_p, year_k)
    cat_code = np.array(_CALLER, dtype=object)[cat]

    # regime consistent with the caller category
    regimes = list(V.REGIME)
    reg_p = np.array([_probs(w, regimes) for w in (
        {"general": 0.84, "agricole": 0.05, "autre": 0.03, "inconnu": 0.08},            # salarie
        {"independants": 1.0},                                                          # independant
        {"agricole": 1.0},                                                              # exploitant_agricole
        {"general": 0.82, "agricole": 0.08, "autre": 0.02, "inconnu": 0.08},            # entreprise
        {"general": 0.40, "agricole": 0.05, "independants": 0.05, "autre": 0.02, "inconnu": 0.48},  # acteur
        {"general": 0.60, "agricole": 0.06, "independants": 0.06, "autre": 0.03, "inconnu": 0.25},  # proche
        {"general": 0.10, "autre": 0.30, "inconnu": 0.60},                              # autre
    )])
    regime = np.array(regimes, dtype=object)[_choice_rows(rng, reg_p, cat)]

    # situation of the person concerned: asked mostly of the person calling, often not asked otherwise
    asked = np.array([0.9, 0.9, 0.9, 0.3, 0.5, 0.7, 0.15])[cat]
    no_employer = np.isin(cat_code, ("independant", "exploitant_agricole"))
    on_sick_leave = _nullable_bool(rng, asked, np.full(n, 0.55))
    discussed = _nullable_bool(rng, np.where(no_employer, 0.0, asked), _interp(0.50, 0.36, year_k))
    any_step = _nullable_bool(rng, asked, _interp(0.50, 0.38, year_k))
    has_rqth = _nullable_bool(rng, asked, _interp(0.30, 0.21, year_k))
    is_actor = cat_code == "acteur_maintien"
    supported = _nullable_bool(rng, asked, np.where(is_actor, 1.0, _interp(0.40, 0.25, year_k)))

    # who referred the caller: growing share from the actors of the field
    referrers = list(V.REFERRER)
    actor_share = _interp(0.14, 0.34, ky)
    actor_w = _probs({"medecin_travail": 0.22, "medecin_traitant": 0.16, "service_social": 0.18, "sameth": 0.08,
                      "cap_emploi": 0.06, "pole_emploi": 0.08, "mdph": 0.07, "animation_territoriale": 0.07},
                     referrers)
    ref_p = actor_w[None, :] * actor_share[:, None]
    ref_p[:, referrers.index("aucun")] = (1 - actor_share) * 0.52
    ref_p[:, referrers.index("communication")] = (1 - actor_share) * 0.40
    ref_p[:, referrers.index("employeur")] = (1 - actor_share) * 0.08
    referred_by = np.array(referrers, dtype=object)[_choice_rows(rng, ref_p, year_k)]

    # actor type, only for callers who are actors of the field
    actor_types = list(V.ACTOR_TYPE)
    at_p = _probs({"medecin_travail": 0.18, "medecin_traitant": 0.08, "service_social": 0.15, "sameth": 0.07,
                   "cap_emploi": 0.06, "pole_emploi": 0.08, "mdph": 0.06, "employeur": 0.02, "irp": 0.05,
                   "partenaire_social": 0.03, "inspection_travail": 0.04, "prevention_carsat": 0.04,
                   "association": 0.08, "autre": 0.06}, actor_types)
    actor_type = np.array(actor_types, dtype=object)[_choice_rows(rng, at_p[None, :], np.zeros(n, dtype=np.int64))]
    actor_type[~is_actor] = None

    # question asked: three profiles (persons, companies, actors)
    questions = list(V.QUESTION_TYPE)
    q_p = np.array([_probs(w, questions) for w in (
        {"droits_arret": 0.16, "reprise_travail": 0.14, "amenagement_poste": 0.10, "inaptitude": 0.14, "rqth": 0.10,
         "reconversion": 0.09, "invalidite": 0.08, "aides_financieres": 0.06, "orientation_acteur": 0.08,
         "offre_service": 0.05},
        {"droits_arret": 0.04, "reprise_travail": 0.10, "amenagement_poste": 0.22, "inaptitude": 0.18, "rqth": 0.08,
         "reconversion": 0.04, "invalidite": 0.02, "aides_financieres": 0.16, "orientation_acteur": 0.10,
         "offre_service": 0.06},
        {"droits_arret": 0.06, "reprise_travail": 0.08, "amenagement_poste": 0.07, "inaptitude": 0.10, "rqth": 0.06,
         "reconversion": 0.08, "invalidite": 0.06, "aides_financieres": 0.07, "orientation_acteur": 0.20,
         "offre_service": 0.22},
    )])
    profile = np.where(cat_code == "entreprise", 1, np.where(is_actor, 2, 0))
    question = np.array(questions, dtype=object)[_choice_rows(rng, q_p, profile)]

    # orientation: a direct solution stays rare and decreases
    orientations = list(V.ORIENTATION)
    sol = _interp(0.03, 0.01, ky)
    o_w = _probs({"medecin_travail": 0.22, "service_social": 0.18, "sameth": 0.14, "cap_emploi": 0.07,
                  "pole_emploi": 0.05, "mdph": 0.08, "animation_territoriale": 0.06, "cep": 0.06,
                  "information_seule": 0.14}, orientations)
    o_p = o_w[None, :] * (1 - sol)[:, None]
    o_p[:, orientations.index("solution_apportee")] = sol
    orientation = np.array(orientations, dtype=object)[_choice_rows(rng, o_p, year_k)]

    # company fields, only for company callers
    is_ent = cat_code == "entreprise"
    zero = np.zeros(n, dtype=np.int64)

    def company(vocab, weights):
        values = np.array(list(vocab), dtype=object)[_choice_rows(rng, _probs(weights, list(vocab))[None, :], zero)]
        values[~is_ent] = None
        return values

    size = company(V.COMPANY_SIZE, {"moins_11": 0.33, "11_49": 0.30, "50_249": 0.21, "250_plus": 0.16})
    sector = company(V.COMPANY_SECTOR, {"industrie": 0.2, "construction": 0.12, "commerce": 0.16, "transport": 0.08,
                                        "sante_social": 0.14, "services": 0.14, "agriculture": 0.06,
                                        "hotellerie_restauration": 0.10})
    function = company(V.CALLER_FUNCTION, {"dirigeant": 0.35, "rh": 0.33, "encadrant": 0.1, "referent_handicap": 0.1,
                                           "irp": 0.06, "comptable": 0.06})
    request = company(V.COMPANY_REQUEST_TYPE, {"amenagement_poste": 0.2, "aides_financieres": 0.2,
                                               "inaptitude_procedure": 0.18, "reclassement": 0.12,
                                               "obligation_emploi": 0.12, "interlocuteur": 0.18})

    call_year = np.array(list(YEARS))[year_k]
    first_of_year = np.searchsorted(year_k, year_k)  # rows are sorted by day, hence by year
    seq = np.arange(n) - first_of_year + 1
    call_ref = [f"ISE-{y}-{s:06d}" for y, s in zip(call_year.tolist(), seq.tolist())]
    return _frame("ise_call", {
        "id": np.arange(1, n + 1), "call_ref": call_ref, "call_date": _dates(day),
        "territory_code": np.array(DEPT_CODES, dtype=object)[dept], "caller_category": cat_code,
        "regime": regime, "on_sick_leave": on_sick_leave, "discussed_with_employer": discussed,
        "any_step_taken": any_step, "has_rqth": has_rqth, "supported_by_actor": supported,
        "referred_by": referred_by, "actor_type": actor_type, "question_type": question,
        "orientation": orientation, "company_size": size, "company_sector": sector,
        "caller_function": function, "company_request_type": request,
    })


CASELOAD_BASE = {"sameth": (480, 1.1), "service_social_carsat": (700, 1.0), "msa": (90, 1.2), "rsi": (60, 1.4),
                 "sst": (900, 0.6), "cap_emploi": (260, 0.9)}


def _actor_caseload(seed: int) -> pd.DataFrame:
    """Yearly caseload of each actor by département (an aggregate: does not grow with scale)."""
    rng = _rng(seed, "actor_caseload")
    rows = []
    for i, d in enumerate(DEPT_CODES):
        for k, y in enumerate(YEARS):
            share = _interp(0.02, 0.08, k)
            for actor in V.LEAD_ACTOR:
                base, factor = CASELOAD_BASE[actor]
                total = int(round(base * _DEPT_RATIO[i] * (1 + 0.04 * k) * rng.normal(1, 0.06)))
                total = max(total, 5)
                from_ise = int(rng.binomial(total, min(0.5, share * factor)))
                rows.append({"id": len(rows) + 1, "territory_code": d, "year": y, "actor": actor,
                             "cases_total": total, "cases_from_ise": from_ise})
    return _frame("actor_caseload", rows)


RESOURCE_CONTACTS = {  # first year with a resource person for the platform (None: never)
    "DIRECCTE": (2016, "Chargée de mission maintien dans l'emploi"),
    "CARSAT": (2016, "Responsable départementale du service social"),
    "AGEFIPH": (2016, "Chargé d'études et de développement"),
    "AROMSA": (2017, "Conseillère en protection sociale"),
    "POLE-EMPLOI": (2017, "Référente travailleurs handicapés"),
    "CFDT": (2017, "Secrétaire régional en charge de la santé au travail"),
    "RSI-ALPES": (2018, "Responsable de l'action sanitaire et sociale"),
    "MEDEF": (2018, "Chargée de mission emploi et handicap"),
    "RSI-RHONE": (2019, "Responsable de l'action sanitaire et sociale"),
    "CGPME": (2019, "Juriste en droit social"),
    "CGT": (2019, "Conseiller confédéral santé au travail"),
    "FO": (2020, "Secrétaire régional"),
    "CFE-CGC": (2020, "Déléguée régionale"),
    "CFTC": (None, None),
    "UPA": (None, None),
}


def _ise_resource_contacts() -> pd.DataFrame:
    rows = []
    for inst in SIGNATORY_CODES:
        first, function = RESOURCE_CONTACTS[inst]
        for y in YEARS:
            has = first is not None and y >= first
            rows.append({"institution_code": inst, "year": y, "territory_code": REGION, "has_contact": has,
                         "contact_function": function if has else None})
    return _frame("ise_resource_contact", rows)


def _ise_feedback(seed: int) -> pd.DataFrame:
    rng = _rng(seed, "ise_feedback")
    rows = []
    texts = ["Retour sur les orientations complexes du semestre et ajustement des fiches acteurs.",
             "Présentation des offres de service locales à l'équipe de la plateforme.",
             "Analyse de situations orientées vers l'animation territoriale.",
             "Mise à jour de l'annuaire des interlocuteurs du territoire."]
    for c in CME_CODES:
        for y in YEARS:
            if c == "CME74" and y < 2018:
                continue
            if c in ("CME01", "CME73") and y == 2016:
                continue
            for month in _distinct_months(rng, int(rng.integers(1, 4)), [2, 3, 4, 5, 6, 9, 10, 11, 12]):
                rows.append({"id": 0, "territory_code": c, "feedback_date": _workday_in(rng, y, month, month),
                             "cases_discussed": int(rng.integers(3, 16)), "description": _pick(rng, texts)})
    rows.sort(key=lambda r: (r["feedback_date"], r["territory_code"]))
    for i, r in enumerate(rows, start=1):
        r["id"] = i
    return _frame("ise_feedback", rows)


# --------------------------------------------------------------------------------------
# Q4 animations territoriales
# --------------------------------------------------------------------------------------

TOOL_TITLES = {
    "annuaire": ["Annuaire des acteurs du maintien", "Annuaire des interlocuteurs des entreprises"],
    "guide": ["Guide pratique du maintien à l'usage des employeurs", "Guide du parcours après un arrêt long"],
    "logigramme": ["Logigramme d'orientation des situations", "Arbre de décision « qui solliciter ? »"],
    "fiche_offre": ["Fiches offres de service des acteurs", "Fiche SAMETH et Cap emploi"],
    "procedure": ["Procédure partagée de saisine de la CTME", "Procédure de signalement précoce SST – service social"],
    "support_formation": ["Support de formation des conseillers", "Kit de sensibilisation des médecins traitants"],
}
RECIPIENT_FUNCTION = {
    "medecin_travail": "Médecins et infirmiers en santé au travail", "medecin_traitant": "Médecins généralistes",
    "service_social": "Assistants de service social", "sameth": "Chargés de mission SAMETH",
    "cap_emploi": "Conseillers Cap emploi", "pole_emploi": "Conseillers Pôle emploi",
    "mdph": "Évaluateurs MDPH", "employeur": "Responsables RH et dirigeants", "irp": "Élus du personnel",
    "partenaire_social": "Représentants des organisations", "inspection_travail": "Agents de contrôle",
    "prevention_carsat": "Contrôleurs sécurité et ingénieurs conseil", "association": "Bénévoles et salariés",
    "autre": "Autres professionnels",
}


def _at_tools(seed: int):
    rng = _rng(seed, "at_tool")
    plan = []
    for c in CME_CODES:
        years = sorted(int(y) for y in rng.choice(list(YEARS), size=int(rng.integers(4, 7)), p=[0.14, 0.18, 0.2, 0.23, 0.25]))
        plan += [(c, y) for y in years]
    types = _balanced(rng, list(V.AT_TOOL_TYPE), len(plan))
    modes = _balanced(rng, list(V.DIFFUSION_MODE), len(plan))
    tools, recipients = [], []
    for i, ((c, y), ttype, mode) in enumerate(zip(plan, types, modes), start=1):
        tools.append({"id": i, "territory_code": c, "created_date": _workday_in(rng, y), "tool_type": ttype,
                      "title": f"{_pick(rng, TOOL_TITLES[ttype])} — {CME_NAME[c]}", "diffusion_mode": mode,
                      "description": "Outil conçu par l'animation territoriale avec les acteurs du territoire."})
        for a in _pick_n(rng, list(V.ACTOR_TYPE), int(rng.integers(2, 6))):
            recipients.append({"tool_id": i, "actor_type": a, "recipient_function": RECIPIENT_FUNCTION[a],
                               "recipients": int(rng.integers(5, 121))})
    return _frame("at_tool", tools), _frame("at_tool_recipient", recipients)


INITIATIVE_TITLES = {
    "solution": ["Maintien sur poste aménagé trouvé avec l'appui de l'AT", "Reclassement interne préparé avec l'AT",
                 "Aménagement d'horaires négocié avec l'employeur"],
    "collaboration_post_ctme": ["Suivi conjoint SAMETH – service social après CTME",
                                "Point d'étape commun SST – Cap emploi après CTME"],
    "prise_de_relais": ["Sécurisation du passage de relais vers Cap emploi",
                        "Accompagnement conjoint avec Pôle emploi après inaptitude",
                        "Bilan de compétences mobilisé avant la rupture du contrat"],
    "connaissance_mutuelle": ["Matinée d'interconnaissance des acteurs", "Présentation croisée des offres de service",
                              "Visite des locaux du SAMETH par les conseillers Pôle emploi"],
    "collaboration_inter_structures": ["Permanence commune MDPH – Cap emploi", "Échanges réguliers SST – CARSAT",
                                       "Rencontres trimestrielles MSA – SAMETH"],
}


def _at_initiatives(seed: int) -> pd.DataFrame:
    rng = _rng(seed, "at_initiative")
    plan = []
    for c in CME_CODES:
        for k, y in enumerate(YEARS):
            plan += [(c, y)] * int(rng.poisson(0.8 + 0.35 * k))
    types = _balanced(rng, list(V.AT_INITIATIVE_TYPE), len(plan))
    rows = [{"id": i, "territory_code": c, "initiative_date": _workday_in(rng, y), "initiative_type": t,
             "title": _pick(rng, INITIATIVE_TITLES[t]),
             "description": "Démarche engagée avec l'appui de l'animation territoriale, sans se substituer aux acteurs."}
            for i, ((c, y), t) in enumerate(zip(plan, types), start=1)]
    return _frame("at_initiative", rows)


NEED_TEXT = {
    "offre_sameth": ("Besoin d'information sur l'offre du SAMETH exprimé par les médecins traitants",
                     "Intervention du SAMETH en réunion d'acteurs", ["SAMETH", "AGEFIPH"]),
    "invalidite": ("Questions récurrentes sur la reprise du travail en invalidité",
                   "Fiche pratique rédigée avec la CARSAT", ["CARSAT", "SST"]),
    "inaptitude": ("Procédure d'inaptitude mal connue des employeurs de TPE",
                   "Réunion d'information animée par les services de santé au travail", ["SST", "DIRECCTE"]),
    "aides_agefiph": ("Méconnaissance des aides de l'AGEFIPH au maintien",
                      "Présentation des aides par la délégation régionale", ["AGEFIPH", "SAMETH"]),
    "reconversion": ("Besoin d'information sur les dispositifs de reconversion",
                     "Atelier commun Cap emploi et Pôle emploi", ["CAPEMPLOI", "POLE-EMPLOI"]),
    "regimes_specifiques": ("Offre des régimes agricole et des indépendants mal repérée",
                            "Intervention de la MSA et du RSI en CME", ["AROMSA", "RSI"]),
}


def _at_needs(seed: int):
    rng = _rng(seed, "at_need")
    plan = []
    for c in CME_CODES:
        years = sorted(int(y) for y in rng.choice(list(YEARS), size=int(rng.integers(2, 6)), p=[0.3, 0.25, 0.2, 0.15, 0.1]))
        plan += [(c, y) for y in years]
    methods = _balanced(rng, list(V.NEED_DETECTION_METHOD), len(plan))
    natures = _balanced(rng, list(V.NEED_NATURE), len(plan))
    needs, mobilised = [], []
    for i, ((c, y), method, nature) in enumerate(zip(plan, methods, natures), start=1):
        date = _workday_in(rng, y)
        desc, answer, insts = NEED_TEXT[nature]
        answered = _clamp(date + dt.timedelta(days=int(rng.integers(30, 150))))
        if answered == LAST_DAY:
            answer, answered = None, None
        needs.append({"id": i, "territory_code": c, "identified_date": date, "detection_method": method,
                      "nature": nature, "description": desc, "answer": answer, "answered_date": answered})
        d = CME_DEPTS[c][0]
        codes = []
        for kind in insts:
            if kind in ("SAMETH", "SST", "CAPEMPLOI"):
                codes.append(_local(kind, d))
            elif kind == "RSI":
                codes.append(RSI_OF_DEPT[d])
            else:
                codes.append(kind)
        if rng.random() < 0.5:
            codes.append(_at(c))
        mobilised += [{"need_id": i, "institution_code": code} for code in codes]
    return _frame("at_need", needs), _frame("at_need_institution", mobilised)


def _at_requests(seed: int, scale: int) -> pd.DataFrame:
    """Actors mobilising the AT: more and more on well-targeted cases (grows with scale)."""
    rng = _rng(seed, "at_request")
    terr, year_k, days = [], [], []
    for j, c in enumerate(CME_CODES):
        for k, y in enumerate(YEARS):
            n = int(rng.poisson(18 * _CME_RATIO[c] * scale))
            terr.append(np.full(n, j))
            year_k.append(np.full(n, k))
            days.append(_sample_days(rng, y, n))
    terr, year_k, days = (np.concatenate(a).astype(np.int64) for a in (terr, year_k, days))
    order = np.lexsort((terr, days))
    terr, year_k, days = terr[order], year_k[order], days[order]
    n = len(days)
    ky = np.arange(len(YEARS))
    req_types = list(V.AT_REQUEST_TYPE)
    p = np.stack([_interp(0.62, 0.86, ky), _interp(0.26, 0.11, ky), _interp(0.12, 0.03, ky)], axis=1)
    request_type = np.array(req_types, dtype=object)[_choice_rows(rng, p, year_k)]
    actor_types = list(V.ACTOR_TYPE)
    ap = _probs({"medecin_travail": 0.26, "medecin_traitant": 0.05, "service_social": 0.2, "sameth": 0.12,
                 "cap_emploi": 0.08, "pole_emploi": 0.06, "mdph": 0.05, "employeur": 0.05, "irp": 0.02,
                 "partenaire_social": 0.02, "inspection_travail": 0.03, "prevention_carsat": 0.02,
                 "association": 0.02, "autre": 0.02}, actor_types)
    requester = np.array(actor_types, dtype=object)[_choice_rows(rng, ap[None, :], np.zeros(n, dtype=np.int64))]
    return _frame("at_request", {"id": np.arange(1, n + 1), "territory_code": np.array(CME_CODES, dtype=object)[terr],
                                 "request_date": _dates(days), "requester_type": requester,
                                 "request_type": request_type})


def _ctme(seed: int):
    rng = _rng(seed, "ctme_session")
    sessions, participants = [], []
    for c in CME_CODES:
        pool = [i for i in _cme_pool(c) if i != "AGEFIPH" and i != "DIRECCTE"]
        for k, y in enumerate(YEARS):
            n = CTME_PER_YEAR[c][k]
            lo, hi = _year_bounds(y)
            cand = _WORKDAYS[(_WORKDAYS >= lo) & (_WORKDAYS <= hi) & (_DAY_MONTH[_WORKDAYS] != 7)]
            for day in sorted(rng.choice(cand, size=n, replace=False).tolist()):
                sid = len(sessions) + 1
                sessions.append({"id": sid, "territory_code": c, "session_date": _date(day),
                                 "cases_examined": int(rng.integers(2, 7)), "session_format": "ctme"})
                members = [_at(c)] + _pick_n(rng, [i for i in pool if i != _at(c)], int(rng.integers(1, 6)))
                participants += [{"session_id": sid, "institution_code": m} for m in members]
    return _frame("ctme_session", sessions), _frame("ctme_participant", participants)


def _declarations() -> pd.DataFrame:
    """"Nothing this year": the CME territories that held no CTME in a year declare it, so that the
    year reads 0 (the target reached), not "non transmis"."""
    zero_years = [(c, y) for c in CME_CODES for k, y in enumerate(YEARS) if CTME_PER_YEAR[c][k] == 0]
    return _frame("data_declaration", [
        {"id": i, "dataset": "ctme_session", "territory_code": c, "year": y,
         "note": "Aucune CTME réunie cette année (déclaration de l'animation territoriale)"}
        for i, (c, y) in enumerate(zero_years, start=1)])


def _at_yearly_activity(seed: int) -> pd.DataFrame:
    rng = _rng(seed, "at_yearly_activity")
    rows = []
    direct_path = np.array([30, 18, 10, 5, 2], dtype=float)
    for c in CME_CODES:
        r = _CME_RATIO[c]
        direct = np.round(direct_path * np.sqrt(r) * rng.normal(1, 0.12, len(YEARS)))
        direct = np.minimum.accumulate(np.maximum(direct, 0))
        for k, y in enumerate(YEARS):
            total = int(round(150 * r * (1 + 0.07 * k) * rng.normal(1, 0.06)))
            share = _interp(0.22, 0.30, k) if c == "CME42" else _interp(0.25, 0.08, k)
            share = float(np.clip(share + rng.normal(0, 0.012), 0.03, 0.5))
            relay = int(round(_interp(4, 14, k) * np.sqrt(r) * rng.normal(1, 0.15)))
            rows.append({"territory_code": c, "year": y, "orientations_total": total,
                         "orientations_complex": int(round(total * share)),
                         "direct_signalements": int(direct[k]), "relay_supports": max(relay, 0)})
    return _frame("at_yearly_activity", rows)


# --------------------------------------------------------------------------------------
# Q5 communication
# --------------------------------------------------------------------------------------

PLAN_ITEM_TITLES = {
    "reunion": "Réunions d'information des acteurs", "presse": "Communiqué et articles de presse",
    "courriel": "Lettre d'information aux partenaires", "site_web": "Pages web et réseaux sociaux",
    "plaquette": "Plaquette et affiches INFO SANTE EMPLOI", "evenement": "Stand au salon des entreprises",
    "formation": "Sessions de formation des relais", "webinaire": "Webinaire de présentation des offres",
}
LOCAL_PLAN_RELAYS = {c: c not in ("CME74",) for c in CME_CODES}


def _communication_plans(seed: int):
    rng = _rng(seed, "communication_plan")
    plans = [(REGION, "regional", dt.date(2016, 5, 20), 2016, "Plan de communication régional 2016-2020", False)]
    adopt_years = {"CME01": 2016, "CME0726": 2017, "CME38": 2016, "CME42": 2017, "CME69": 2016,
                   "CME73": 2018, "CME74": 2018}
    for c in CME_CODES:
        y = adopt_years[c]
        plans.append((c, "local", _workday_in(rng, y, 3, 10), y,
                      f"Plan de communication local — {CME_NAME[c]}", LOCAL_PLAN_RELAYS[c]))
    plan_rows, items = [], []
    n_items = [int(rng.integers(4, 11)) for _ in plans]
    channels = _balanced(rng, list(V.COMMUNICATION_CHANNEL), sum(n_items))
    for pid, (terr, scope, adopted, start_year, title, relays) in enumerate(plans, start=1):
        plan_rows.append({"id": pid, "scope": scope, "territory_code": terr, "title": title, "adopted_date": adopted,
                          "period_start": start_year, "period_end": 2020, "relays_regional": relays})
        for _ in range(n_items[pid - 1]):
            ch = channels.pop()
            s = _workday(rng, adopted + dt.timedelta(days=15), dt.date(2020, 10, 31))
            e = _clamp(s + dt.timedelta(days=int(rng.integers(1, 120))))
            done = e < dt.date(2020, 9, 1) and rng.random() < 0.88
            items.append({"id": len(items) + 1, "plan_id": pid, "territory_code": terr,
                          "title": PLAN_ITEM_TITLES[ch], "channel": ch, "planned_start": s, "planned_end": e,
                          "done": bool(done)})
    return _frame("communication_plan", plan_rows), _frame("communication_plan_item", items)


_CHANNEL_PHRASE = {"reunion": "Réunion d'information", "presse": "Article de presse", "courriel": "Lettre d'information",
                   "site_web": "Publication en ligne", "plaquette": "Diffusion de plaquettes",
                   "evenement": "Stand sur un salon", "formation": "Session de formation", "webinaire": "Webinaire"}
_TOPIC_PHRASE = {"info_sante_emploi": "INFO SANTE EMPLOI", "offre_service": "les offres de service du maintien",
                 "politique_regionale": "la politique régionale concertée",
                 "animation_territoriale": "l'animation territoriale"}
_TARGET_PHRASE = {"beneficiaires": "pour les bénéficiaires potentiels", "acteurs_relais": "pour les acteurs relais",
                  "entreprises": "pour les entreprises", "interne": "pour les équipes internes"}
_REACH_BASE = {"reunion": 30, "presse": 400, "courriel": 250, "site_web": 600, "plaquette": 300,
               "evenement": 120, "formation": 14, "webinaire": 45}


def _communication_actions(seed: int, scale: int):
    rng = _rng(seed, "communication_action")
    dev = rng.uniform(-0.6, 0.6, len(DEPT_CODES))  # uneven at first, more homogeneous over time
    ise_topic = list(V.COMMUNICATION_TOPIC).index("info_sante_emploi")
    dept, year_k, days, is_ise = [], [], [], []
    for i, _dep in enumerate(DEPT_CODES):
        for k, y in enumerate(YEARS):
            # expected volume per département, proportional to population; rounded rather than
            # drawn so that the dispersion between territories reads clearly at scale 1
            lam = 10 * _DEPT_RATIO[i] * (0.8 + 0.1 * k) * (1 + dev[i] * (1 - 0.85 * k / 4)) * scale
            n_ise, n_other = int(round(0.4 * lam)), int(round(0.6 * lam))
            n = n_ise + n_other
            dept.append(np.full(n, i))
            year_k.append(np.full(n, k))
            days.append(_sample_days(rng, y, n))
            is_ise.append(np.arange(n) < n_ise)
    dept, year_k, days = (np.concatenate(a).astype(np.int64) for a in (dept, year_k, days))
    is_ise = np.concatenate(is_ise)
    order = np.lexsort((dept, days))
    dept, year_k, days, is_ise = dept[order], year_k[order], days[order], is_ise[order]
    n = len(days)
    zero = np.zeros(n, dtype=np.int64)
    channels, purposes = list(V.COMMUNICATION_CHANNEL), list(V.COMMUNICATION_PURPOSE)
    topics, targets = list(V.COMMUNICATION_TOPIC), list(V.COMMUNICATION_TARGET)
    ch = _choice_rows(rng, _probs({"reunion": 0.26, "presse": 0.08, "courriel": 0.14, "site_web": 0.1,
                                   "plaquette": 0.12, "evenement": 0.08, "formation": 0.14, "webinaire": 0.08},
                                  channels)[None, :], zero)
    # purpose follows the channel
    pp = np.array([[0.2, 0.75, 0.05], [0.9, 0.1, 0.0], [0.45, 0.55, 0.0], [0.7, 0.3, 0.0], [0.8, 0.2, 0.0],
                   [0.6, 0.4, 0.0], [0.0, 0.1, 0.9], [0.1, 0.6, 0.3]])
    purpose = _choice_rows(rng, pp, ch)
    topic = _choice_rows(rng, _probs({"offre_service": 0.55, "politique_regionale": 0.2,
                                      "animation_territoriale": 0.25}, topics)[None, :], zero)
    topic[is_ise] = ise_topic
    target = _choice_rows(rng, _probs({"beneficiaires": 0.26, "acteurs_relais": 0.38, "entreprises": 0.24,
                                       "interne": 0.12}, targets)[None, :], zero)
    # organiser: national/regional partners or the local structures of the département
    pools = np.array([[_local("SAMETH", d), _local("SST", d), _local("CAPEMPLOI", d), _local("MDPH", d),
                       _at(CME_OF_DEPT[d]), "CARSAT", "AROMSA", RSI_OF_DEPT[d], "AGEFIPH", "POLE-EMPLOI",
                       ISE, "DIRECCTE"] for d in DEPT_CODES], dtype=object)
    op = np.array([0.12, 0.12, 0.08, 0.06, 0.14, 0.1, 0.05, 0.04, 0.07, 0.06, 0.12, 0.04])
    organiser = pools[dept, _choice_rows(rng, op[None, :], zero)]
    ch_codes, tp_codes, tg_codes = (np.array(v, dtype=object) for v in (channels, topics, targets))
    title = (pd.Series(np.array([_CHANNEL_PHRASE[c] for c in channels], dtype=object)[ch]) + " : "
             + pd.Series(np.array([_TOPIC_PHRASE[t] for t in topics], dtype=object)[topic]) + " "
             + pd.Series(np.array([_TARGET_PHRASE[t] for t in targets], dtype=object)[target]) + " ("
             + pd.Series(np.array([DEPT_NAME[d] for d in DEPT_CODES], dtype=object)[dept]) + ")")
    actions = _frame("communication_action", {
        "id": np.arange(1, n + 1), "territory_code": np.array(DEPT_CODES, dtype=object)[dept],
        "action_date": _dates(days), "organiser_institution_code": organiser, "channel": ch_codes[ch],
        "purpose": np.array(purposes, dtype=object)[purpose], "topic": tp_codes[topic], "target": tg_codes[target],
        "title": title.to_numpy(dtype=object),
    })

    # reach: 1-4 actor types per action (Gumbel top-k), counts by channel
    actor_types = np.array(list(V.ACTOR_TYPE), dtype=object)
    w = _probs({"medecin_travail": 0.12, "medecin_traitant": 0.1, "service_social": 0.1, "sameth": 0.05,
                "cap_emploi": 0.05, "pole_emploi": 0.07, "mdph": 0.04, "employeur": 0.16, "irp": 0.07,
                "partenaire_social": 0.04, "inspection_travail": 0.03, "prevention_carsat": 0.04,
                "association": 0.06, "autre": 0.07}, list(V.ACTOR_TYPE))
    k = rng.integers(1, 5, size=n)
    keys = np.log(w)[None, :] + rng.gumbel(size=(n, len(actor_types)))
    top = np.argsort(-keys, axis=1)[:, :4]
    take = np.arange(4)[None, :] < k[:, None]
    action_idx = np.repeat(np.arange(n), 4).reshape(n, 4)[take]
    type_idx = top[take]
    # weights by channel and noise, rescaled so that each département-year reaches a number of actors
    # proportional to its population (and as uneven between territories as the actions themselves)
    raw = (np.array([_REACH_BASE[c] for c in channels], dtype=float)[ch][action_idx] / k[action_idx]
           * rng.lognormal(0, 0.5, len(action_idx)))
    group = (dept[action_idx] * len(YEARS) + year_k[action_idx]) * 2 + is_ise[action_idx]
    n_groups = len(DEPT_CODES) * len(YEARS) * 2
    gd, gk, gi = np.divmod(np.arange(n_groups) // 2, len(YEARS)) + (np.arange(n_groups) % 2,)
    target = (300 * _DEPT_POP[gd] / 1e5 * (0.8 + 0.1 * gk) * (1 + dev[gd] * (1 - 0.85 * gk / 4)) * scale
              * np.where(gi == 1, 0.4, 0.6))
    sums = np.bincount(group, weights=raw, minlength=n_groups)
    reached = np.maximum(1, np.round(raw / sums[group] * target[group])).astype(np.int64)
    order = np.lexsort((type_idx, action_idx))
    reach = _frame("communication_reach", {"action_id": action_idx[order] + 1, "actor_type": actor_types[type_idx[order]],
                                           "reached": reached[order]})
    return actions, reach


# --------------------------------------------------------------------------------------
# Surveys
# --------------------------------------------------------------------------------------


def _survey_results(seed: int) -> pd.DataFrame:
    rng = _rng(seed, "survey_result")
    rows = []
    for code, _, rtype, first in _survey_catalogue():
        offset = rng.normal(0, 0.04)
        territories = ([REGION] if code == "satisfaction_instances" else []) + list(CME_CODES)
        for y in YEARS:
            if y < first:
                continue
            k = y - 2016
            for t in territories:
                n = int(rng.integers(20, 41)) if t == REGION else int(rng.integers(8, 31))
                p = float(np.clip(_interp(0.45, 0.75, k) + offset + rng.normal(0, 0.06), 0.05, 0.98))
                rows.append({"id": len(rows) + 1, "question_code": code, "year": y, "territory_code": t,
                             "respondent_type": rtype, "respondents": n, "agreeing": int(rng.binomial(n, p))})
    return _frame("survey_result", rows)


# --------------------------------------------------------------------------------------
# Q6 retention cases (case level, vectorised)
# --------------------------------------------------------------------------------------

_FAILURES_RELAYED = ("licenciement_inaptitude", "sans_solution")


def _retention_cases(seed: int, scale: int):
    rng = _rng(seed, "retention_case")
    year_factor = (0.94, 0.98, 1.0, 1.03, 1.05)
    dept, year_k, days = [], [], []
    for i in range(len(DEPT_CODES)):
        for k, y in enumerate(YEARS):
            n = int(round(CASES_PER_DEPT_YEAR * _DEPT_RATIO[i] * year_factor[k] * scale * rng.normal(1, 0.03)))
            dept.append(np.full(n, i))
            year_k.append(np.full(n, k))
            days.append(_sample_days(rng, y, n))
    dept, year_k, sig = (np.concatenate(a).astype(np.int64) for a in (dept, year_k, days))

    # earliness: ~35 % on sick leave; delay leave -> signalement shrinks (share < 90 days ~43 % -> ~65 %)
    on_leave = rng.random(len(sig)) < _interp(0.37, 0.33, year_k)
    median_delay = np.array([105.0, 88.0, 78.0, 70.0, 63.0])[year_k]
    delay = np.maximum(1, np.round(rng.lognormal(np.log(median_delay), 0.9)).astype(np.int64))
    # No date before 2016-01-01: a case whose leave would start earlier is signalled later in 2016
    # (keeps the delay distribution intact instead of truncating the delays).
    early = on_leave & (delay > sig) & (delay <= _year_bounds(2016)[1])
    lo = np.searchsorted(_WORKDAYS, delay[early])
    hi = np.searchsorted(_WORKDAYS, _year_bounds(2016)[1], side="right")
    sig[early] = _WORKDAYS[lo + (rng.random(int(early.sum())) * (hi - lo)).astype(np.int64)]
    leave_start = np.maximum(sig - delay, 0)

    order = np.lexsort((dept, sig))
    dept, year_k, sig, on_leave, leave_start = (a[order] for a in (dept, year_k, sig, on_leave, leave_start))
    n = len(sig)
    ky = np.arange(len(YEARS))
    zero = np.zeros(n, dtype=np.int64)

    # worker status and regime
    statuses = list(V.WORKER_STATUS)
    status = _choice_rows(rng, np.array([[0.86, 0.08, 0.06]]), zero)
    status_code = np.array(statuses, dtype=object)[status]
    regimes = list(V.REGIME)
    reg_p = np.array([_probs({"general": 0.92, "agricole": 0.055, "autre": 0.015, "inconnu": 0.01}, regimes),
                      _probs({"independants": 1}, regimes), _probs({"agricole": 1}, regimes)])
    regime = np.array(regimes, dtype=object)[_choice_rows(rng, reg_p, status)]
    salarie = status == 0

    # who signals: médecin du travail ~49 %, employeur ~21 %, the worker ~13 % overall
    signallers = list(V.SIGNALLED_BY)
    ise_s = _interp(0.01, 0.035, ky)
    ise_n = _interp(0.05, 0.10, ky)
    sal_w = _probs({"medecin_travail": 0.56, "employeur": 0.24, "salarie": 0.09, "service_social": 0.05,
                    "mdph": 0.015, "cap_emploi": 0.015, "autre": 0.01}, signallers)
    non_w = _probs({"salarie": 0.32, "service_social": 0.42, "mdph": 0.06, "cap_emploi": 0.03, "autre": 0.09},
                   signallers)
    sp = np.concatenate([sal_w[None, :] * (1 - ise_s)[:, None], non_w[None, :] * (1 - ise_n)[:, None]])
    ise_col = signallers.index("info_sante_emploi")
    sp[: len(YEARS), ise_col] = ise_s
    sp[len(YEARS):, ise_col] = ise_n
    signalled_by = np.array(signallers, dtype=object)[_choice_rows(rng, sp, year_k + len(YEARS) * (~salarie))]

    causes = list(V.CASE_CAUSE)
    cause = np.array(causes, dtype=object)[_choice_rows(
        rng, _probs({"maladie": 0.53, "aggravation_handicap": 0.20, "accident_travail": 0.12,
                     "maladie_professionnelle": 0.06, "autre": 0.09}, causes)[None, :], zero)]
    has_rqth = rng.random(n) < np.where(cause == "aggravation_handicap", 0.92, 0.42)

    # company size: < 250 employees ~76 %; not applicable to the self-employed and farmers
    sizes = np.array(list(V.COMPANY_SIZE), dtype=object)
    company_size = sizes[_choice_rows(rng, np.array([[0.22, 0.30, 0.24, 0.24]]), zero)]
    company_size[~salarie | (rng.random(n) < 0.02)] = None

    # lead actor consistent with status and regime
    leads = list(V.LEAD_ACTOR)
    lead_group = np.where(salarie & (regime == "agricole"), 1, np.where(salarie, 0, status + 1))
    lp = np.array([_probs(w, leads) for w in (
        {"sameth": 0.37, "service_social_carsat": 0.27, "sst": 0.26, "cap_emploi": 0.10},
        {"msa": 0.6, "sameth": 0.2, "sst": 0.1, "cap_emploi": 0.1},
        {"rsi": 0.78, "sameth": 0.1, "cap_emploi": 0.07, "service_social_carsat": 0.05},
        {"msa": 0.82, "sameth": 0.1, "cap_emploi": 0.05, "service_social_carsat": 0.03},
    )])
    lead_actor = np.array(leads, dtype=object)[_choice_rows(rng, lp, lead_group)]

    # pathway: median delay signalement -> solution falls from ~200 to ~130 days
    median_path = np.array([200.0, 180.0, 160.0, 145.0, 130.0])[year_k]
    pathway = np.maximum(7, np.round(rng.lognormal(np.log(median_path), 0.6)).astype(np.int64))
    solution = sig + pathway
    open_case = solution > _N_DAYS - 1

    # outcome: retention rate ~70 % -> ~80 % among closed cases
    p_ret = np.clip(_interp(0.70, 0.80, year_k) + np.linspace(-0.02, 0.02, len(DEPT_CODES))[dept], 0, 1)
    retained = rng.random(n) < p_ret
    outcomes = list(V.CASE_OUTCOME)
    ret_p = np.array([_probs(w, outcomes) for w in (
        {"maintien_meme_poste": 0.30, "maintien_poste_amenage": 0.35, "reclassement_interne": 0.15,
         "reclassement_externe": 0.12, "reconversion": 0.08},
        {"maintien_meme_poste": 0.40, "maintien_poste_amenage": 0.30, "reclassement_externe": 0.05,
         "reconversion": 0.25},
    )])
    fail_p = np.array([_probs(w, outcomes) for w in (
        {"licenciement_inaptitude": 0.55, "invalidite": 0.22, "sans_solution": 0.23},
        {"invalidite": 0.30, "cessation_activite": 0.55, "sans_solution": 0.15},
    )])
    grp = (~salarie).astype(np.int64)
    outcome_idx = np.where(retained, _choice_rows(rng, ret_p, grp), _choice_rows(rng, fail_p, grp))
    outcome = np.array(outcomes, dtype=object)[outcome_idx]
    outcome[open_case] = "en_cours"

    # relays: more and more failures handed over to Cap emploi / Pôle emploi / CEP
    relay_p = np.zeros(n)
    relay_p[np.isin(outcome, _FAILURES_RELAYED)] = _interp(0.30, 0.65, year_k[np.isin(outcome, _FAILURES_RELAYED)])
    inv = outcome == "invalidite"
    relay_p[inv] = _interp(0.10, 0.30, year_k[inv])
    relay_p[np.isin(outcome, ("reclassement_externe", "reconversion"))] = 0.25
    relay_p[outcome == "cessation_activite"] = 0.10
    relayed = rng.random(n) < relay_p
    relay_codes = list(V.RELAY_TO)
    rp = np.array([_probs({"cap_emploi": 0.15, "pole_emploi": 0.55, "cep": 0.30}, relay_codes),
                   _probs({"cap_emploi": 0.60, "pole_emploi": 0.25, "cep": 0.15}, relay_codes)])
    relay_to = np.array(relay_codes, dtype=object)[_choice_rows(rng, rp, has_rqth.astype(np.int64))]
    relay_to[~relayed] = "aucun"

    reoriented = rng.random(n) < _interp(0.13, 0.07, year_k)

    case_year = np.array(list(YEARS))[year_k]
    seq = np.arange(n) - np.searchsorted(year_k, year_k) + 1
    case_ref = [f"C{y}-{s:06d}" for y, s in zip(case_year.tolist(), seq.tolist())]
    cases = _frame("retention_case", {
        "id": np.arange(1, n + 1), "case_ref": case_ref, "territory_code": np.array(DEPT_CODES, dtype=object)[dept],
        "signalement_date": _dates(sig), "sick_leave_start": _dates(leave_start, ~on_leave),
        "solution_date": _dates(np.minimum(solution, _N_DAYS - 1), open_case),
        "signalled_by": signalled_by, "worker_status": status_code, "regime": regime, "company_size": company_size,
        "has_rqth": has_rqth, "cause": cause, "lead_actor": lead_actor, "reoriented": reoriented,
        "outcome": outcome, "relay_to": relay_to,
    })
    cases = derive_frame("retention_case", cases)

    # measures: 0-3 per case, used more and more; weights restricted by eligibility
    measures = list(V.MEASURE)
    mw = np.array([0.05, 0.035, 0.20, 0.18, 0.10, 0.22, 0.14, 0.075])
    logw = np.tile(np.log(mw), (n, 1))
    logw[~has_rqth, measures.index("aide_agefiph")] = -np.inf
    for m in ("essai_encadre", "crpe", "visite_pre_reprise"):
        logw[~salarie, measures.index(m)] = -np.inf
    kp = np.stack([_interp(0.38, 0.22, ky), _interp(0.34, 0.34, ky), _interp(0.19, 0.27, ky), _interp(0.09, 0.17, ky)],
                  axis=1)
    k = _choice_rows(rng, kp, year_k)
    keys = logw + rng.gumbel(size=logw.shape)
    top = np.argsort(-keys, axis=1, kind="stable")[:, :3]
    take = np.arange(3)[None, :] < k[:, None]
    case_idx = np.repeat(np.arange(n), 3).reshape(n, 3)[take]
    measure_idx = top[take]
    order = np.lexsort((measure_idx, case_idx))
    case_measures = _frame("case_measure", {"case_id": case_idx[order] + 1,
                                            "measure": np.array(measures, dtype=object)[measure_idx[order]]})
    return cases, case_measures


# --------------------------------------------------------------------------------------
# Q6 yearly indicator values (département and region aggregates: do not grow with scale)
# --------------------------------------------------------------------------------------

# indicator: (value per mean département in 2016, yearly multiplier 2020 vs 2016, source)
INDICATOR_BASE = {
    "Q6.C1.I1": (500, 1.15, "agefiph"),
    "Q6.C1.I4": (900, 1.30, "carsat"),
    "Q6.C1.I5": (2400, 1.24, "direccte"),
    "Q6.C1.I6": (1300, 0.87, "direccte"),
    "Q6.C1.I7": (1000, 0.88, "tbn"),
    "Q6.C1.I8": (650, 0.91, "cnam"),
    "Q6.C1.I9": (70, 0.82, "rsi"),
}
MSA_I9_DEPTS = ("07", "26")  # farm cessations dominate: MSA provides the figure


def _indicator_values(seed: int) -> pd.DataFrame:
    rng = _rng(seed, "indicator_value")
    rows = []

    def add(ind, terr, year, value, source, num=None, den=None, estimate=False):
        rows.append({"id": len(rows) + 1, "indicator_id": ind, "territory_code": terr, "year": year,
                     "value": float(value), "numerator": None if num is None else float(num),
                     "denominator": None if den is None else float(den), "source": source,
                     "is_estimate": bool(estimate)})

    dept_factor = {ind: rng.normal(1, 0.08, len(DEPT_CODES)) for ind in INDICATOR_BASE}
    for i, d in enumerate(DEPT_CODES):
        for k, y in enumerate(YEARS):
            values = {}
            for ind, (base, last, _source) in INDICATOR_BASE.items():
                v = base * _DEPT_RATIO[i] * dept_factor[ind][i] * _interp(1.0, last, k) * rng.normal(1, 0.03)
                values[ind] = max(1, int(round(v)))
            closed = values["Q6.C1.I1"]
            rate = float(np.clip(_interp(0.75, 0.80, k) + rng.normal(0, 0.012), 0.6, 0.92))
            kept = int(round(closed * rate))
            for ind in Q6_INDICATORS:
                if ind == "Q6.C1.I2":
                    add(ind, d, y, kept, "agefiph")
                elif ind == "Q6.C1.I3":
                    add(ind, d, y, round(100 * kept / closed, 1), "agefiph", kept, closed)
                elif ind == "Q6.C1.I9":
                    source = "msa" if d in MSA_I9_DEPTS else "rsi"
                    # RSI's 2020 delivery is missing: its figures are estimated
                    add(ind, d, y, values[ind], source, estimate=(source == "rsi" and y == 2020))
                else:
                    add(ind, d, y, values[ind], INDICATOR_BASE[ind][2])

    # other regions: per-capita rates around Rhône-Alpes', R84 slightly better than the median
    per_capita = {ind: INDICATOR_BASE[ind][0] / _DEPT_POP.mean() for ind in ("Q6.C1.I1", "Q6.C1.I7", "Q6.C1.I8")}
    better = {"Q6.C1.I1": 1.04, "Q6.C1.I7": 0.96, "Q6.C1.I8": 0.96}
    others = [r for r in REGIONS_2016 if r[0] != HOME_REGION_2016]
    region_factor = {ind: rng.normal(1, 0.1, len(others)) for ind in per_capita}
    rate_offset = rng.normal(0, 0.025, len(others))
    pop = {code: p for code, _, p in REGIONS_2016}
    region_kept: dict[tuple[str, int], int] = {}
    for k, y in enumerate(YEARS):
        region_values: dict[str, dict[str, int]] = {}
        for ind, rate in per_capita.items():
            last = INDICATOR_BASE[ind][1]
            vals = {code: rate * pop[code] * region_factor[ind][j] * _interp(1.0, last, k) * rng.normal(1, 0.02)
                    for j, (code, _, _) in enumerate(others)}
            median_rate = float(np.median([vals[c] / pop[c] for c in vals]))
            vals[HOME_REGION_2016] = median_rate * better[ind] * pop[HOME_REGION_2016]
            region_values[ind] = {c: max(1, int(round(v))) for c, v in vals.items()}
        rates = {code: float(np.clip(_interp(0.74, 0.78, k) + rate_offset[j] + rng.normal(0, 0.008), 0.6, 0.92))
                 for j, (code, _, _) in enumerate(others)}
        rates[HOME_REGION_2016] = float(np.median(list(rates.values()))) + 0.015
        for code, _, _ in REGIONS_2016:
            closed = region_values["Q6.C1.I1"][code]
            kept = int(round(closed * rates[code]))
            region_kept[(code, y)] = kept
            add("Q6.C1.I1", code, y, closed, "agefiph")
            add("Q6.C1.I3", code, y, round(100 * kept / closed, 1), "agefiph", kept, closed)
            add("Q6.C1.I7", code, y, region_values["Q6.C1.I7"][code], "tbn", estimate=(y == 2020))
            add("Q6.C1.I8", code, y, region_values["Q6.C1.I8"][code], "cnam", estimate=(y == 2020))
    # every other indicator of the national dashboard for the same regions (art. 7: each Q6.C1 indicator
    # is compared); a stream of its own, so that the values above do not move
    for (code, y), kept in region_kept.items():
        add("Q6.C1.I2", code, y, kept, "agefiph")
    rng_regions = _rng(seed, "indicator_value_regions")
    for ind in REGION_EXTRA_INDICATORS:
        base, last, source = INDICATOR_BASE[ind]
        factor = rng_regions.normal(1, 0.1, len(REGIONS_2016))
        for k, y in enumerate(YEARS):
            for j, (code, _, p) in enumerate(REGIONS_2016):
                v = base / _DEPT_POP.mean() * p * factor[j] * _interp(1.0, last, k) * rng_regions.normal(1, 0.02)
                add(ind, code, y, max(1, int(round(v))), source, estimate=(y == 2020))
    return _frame("indicator_value", rows)


# --------------------------------------------------------------------------------------
# Bilans and operations
# --------------------------------------------------------------------------------------


def _utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.timezone.utc)


ANALYSIS_COMMENTS = (
    ("Q6.C1.I1", "38", 2017, "Animatrice Isère", _utc(2018, 2, 12, 9, 30),
     "Hausse des situations traitées par le SAMETH, portée par les signalements plus nombreux des médecins du "
     "travail après les réunions d'information de l'automne."),
    ("Q6.C1.I3", "R82", 2018, "Chargée de mission DIRECCTE", _utc(2019, 3, 4, 14, 0),
     "Le taux de maintien régional progresse et se situe au-dessus de la médiane des régions métropolitaines. "
     "L'écart entre départements se resserre."),
    ("Q6.C1.I7", "42", 2019, "Animateur Loire", _utc(2020, 1, 20, 10, 15),
     "Les licenciements pour inaptitude reculent légèrement. La hausse des CTME sur le territoire traduit un besoin "
     "de qualification partagée des situations, qui sera traité dans l'actualisation du plan d'actions."),
    ("Q6.C1.I9", "26", 2020, "Animatrice Drôme-Ardèche", _utc(2020, 12, 18, 16, 45),
     "Valeur 2020 provisoire : les données des régimes agricole et des indépendants seront consolidées début 2021."),
    ("Q6.C1.I4", "69", 2019, "Animateur Rhône", _utc(2020, 2, 10, 11, 0),
     "Les signalements aux services sociaux continuent d'augmenter, en particulier ceux adressés avant 90 jours "
     "d'arrêt."),
    ("Q6.C1.I5", "73", 2018, "Animatrice Savoie", _utc(2019, 1, 28, 9, 0),
     "Les visites de pré-reprise progressent après la diffusion du guide du parcours aux médecins traitants."),
    ("Q6.C1.I8", "R82", 2020, "Chargé de mission CARSAT", _utc(2020, 12, 10, 15, 20),
     "Données 2020 estimées : la baisse des nouvelles pensions d'invalidité se confirme sur la période de la charte."),
    ("Q6.C1.I6", "74", 2019, "Animatrice Haute-Savoie", _utc(2020, 3, 2, 8, 45),
     "Les avis d'inaptitude baissent, mais l'absence de diagnostic en continu sur le territoire limite l'analyse "
     "des causes."),
)


def _analysis_comments() -> pd.DataFrame:
    rows = []
    for i, (ind, terr, year, author, created, text) in enumerate(ANALYSIS_COMMENTS, start=1):
        updated = min(created + dt.timedelta(days=3 + i, hours=2), _utc(2020, 12, 31, 23, 0))
        rows.append({"id": i, "indicator_id": ind, "territory_code": terr, "year": year, "author": author,
                     "text": text, "created_at": created, "updated_at": updated})
    return _frame("analysis_comment", rows)


def _data_deliveries(seed: int, frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per partner x dataset x year; RSI delivers months late, its 2020 delivery is missing."""
    rng = _rng(seed, "data_delivery")

    def year_of(frame, col):
        return pd.to_datetime(frame[col]).dt.year

    calls, cases = frames["ise_call"], frames["retention_case"]
    ind, caseload = frames["indicator_value"], frames["actor_caseload"]
    calls_y, cases_y = year_of(calls, "call_date"), year_of(cases, "signalement_date")
    ctme_y = year_of(frames["ctme_session"], "session_date")
    meet_y, comm_y = year_of(frames["meeting"], "meeting_date"), year_of(frames["communication_action"], "action_date")
    rsi_depts = {r: [d for d in DEPT_CODES if RSI_OF_DEPT[d] == r] for r in LATE_PARTNERS}

    def count_cases(y, leads, depts=None):
        m = (cases_y == y) & cases["lead_actor"].isin(leads)
        if depts is not None:
            m &= cases["territory_code"].isin(depts)
        return int(m.sum())

    def count_ind(y, sources, depts=None):
        m = (ind["year"] == y) & ind["source"].isin(sources)
        if depts is not None:
            m &= ind["territory_code"].isin(depts)
        return int(m.sum())

    def count_load(y, actors):
        return int(((caseload["year"] == y) & caseload["actor"].isin(actors)).sum())

    plan = [
        (ISE, "ise_call", lambda y: int((calls_y == y).sum())),
        ("AGEFIPH", "retention_case", lambda y: count_cases(y, ["sameth", "cap_emploi"])),
        ("AGEFIPH", "indicator_value", lambda y: count_ind(y, ["agefiph"])),
        ("AGEFIPH", "actor_caseload", lambda y: count_load(y, ["sameth", "cap_emploi"])),
        ("CARSAT", "retention_case", lambda y: count_cases(y, ["service_social_carsat", "sst"])),
        ("CARSAT", "indicator_value", lambda y: count_ind(y, ["carsat", "cnam"])),
        ("CARSAT", "actor_caseload", lambda y: count_load(y, ["service_social_carsat", "sst"])),
        ("AROMSA", "retention_case", lambda y: count_cases(y, ["msa"])),
        ("AROMSA", "indicator_value", lambda y: count_ind(y, ["msa"])),
        ("AROMSA", "actor_caseload", lambda y: count_load(y, ["msa"])),
    ]
    for r in LATE_PARTNERS:
        plan.append((r, "retention_case", lambda y, r=r: count_cases(y, ["rsi"], rsi_depts[r])))
        plan.append((r, "indicator_value", lambda y, r=r: count_ind(y, ["rsi"], rsi_depts[r])))
    plan += [
        ("DIRECCTE", "indicator_value", lambda y: count_ind(y, ["direccte", "tbn"])),
        ("DIRECCTE", "meeting", lambda y: int((meet_y == y).sum())),
        ("DIRECCTE", "survey_result", lambda y: int((frames["survey_result"]["year"] == y).sum())),
    ]
    sessions, activity, actions = frames["ctme_session"], frames["at_yearly_activity"], frames["communication_action"]
    for c in CME_CODES:
        depts = list(CME_DEPTS[c])
        plan += [
            (_at(c), "ctme_session", lambda y, c=c: int(((ctme_y == y) & (sessions["territory_code"] == c)).sum())),
            (_at(c), "at_yearly_activity",
             lambda y, c=c: int(((activity["year"] == y) & (activity["territory_code"] == c)).sum())),
            (_at(c), "communication_action",
             lambda y, depts=depts: int(((comm_y == y) & actions["territory_code"].isin(depts)).sum())),
        ]
    rows = []
    for inst, dataset, count in plan:
        for y in YEARS:
            expected = dt.date(y, 12, 15)
            rows_n = count(y)
            if inst in LATE_PARTNERS:
                received = expected + dt.timedelta(days=int(rng.integers(75, 170)))
                if received > LAST_DAY:
                    received, rows_n = None, 0
            else:
                received = _clamp(expected + dt.timedelta(days=int(np.clip(round(rng.normal(0, 6)), -15, 16))))
            rows.append({"id": len(rows) + 1, "institution_code": inst, "dataset": dataset, "year": y,
                         "expected_date": expected, "received_date": received, "rows": rows_n})
    return _frame("data_delivery", rows)


def _store_meta(scale: int, seed: int) -> pd.DataFrame:
    return _frame("store_meta", [{"key": "sample", "value": "1"}, {"key": "sample_scale", "value": str(scale)},
                                 {"key": "sample_seed", "value": str(seed)}])


# Demo accounts of the sample store (documented in the README; fictitious store only).
DEMO_ACCOUNTS = (
    # username, display name, role, password, territories
    ("admin", "Administratrice (démo)", "administrateur", "admin-demo-2026", ()),
    ("animateur38", "Animateur Isère (démo)", "animateur", "animateur-demo-38", ("CME38",)),
    ("animateur69", "Animatrice Rhône (démo)", "animateur", "animateur-demo-69", ("CME69",)),
    ("lecteur", "Lecteur CPR (démo)", "lecteur", "lecteur-demo-2026", ()),
)


def _accounts(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Demo accounts, hashed with Argon2id and a salt derived from the seed (deterministic sample)."""
    import hashlib

    from data_access.users import hash_password

    accounts, territories = [], []
    for username, name, role, password, terr in DEMO_ACCOUNTS:
        salt = hashlib.sha256(f"{seed}:{username}".encode()).digest()[:16]
        accounts.append({"username": username, "display_name": name, "role": role,
                         "password_hash": hash_password(password, salt=salt), "active": True,
                         "created_at": _utc(2016, 1, 4, 9, 0)})
        territories += [{"username": username, "territory_code": t} for t in terr]
    return _frame("user_account", accounts), _frame("user_territory", territories)


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def build_sample_frames(scale: int = 1, seed: int = SAMPLE_SEED) -> dict[str, pd.DataFrame]:
    """Pure: one DataFrame per table (keys = table names), columns = table columns, explicit integer ids."""
    scale = int(scale)
    if scale < 1:
        raise ValueError("scale must be >= 1")
    f: dict[str, pd.DataFrame] = {}
    for name in ("territory", "cme_perimeter", "reporting_year", "institution", "survey_question"):
        f[name] = _reference(name)
    f["store_meta"] = _store_meta(scale, seed)
    f["instance"] = _instances()
    f["meeting"], f["meeting_attendance"] = _meetings(seed)
    f["instance_output"] = _instance_outputs(seed)
    f["instance_link"] = _instance_links(seed)
    f["cooperation"], f["cooperation_partner"] = _cooperations(seed)
    f["data_initiative"] = _data_initiatives(seed)
    f["indicator_availability"] = _indicator_availability()
    f["diagnostic"], f["diagnostic_actor"], f["frein"] = _diagnostics(seed)
    f["action_plan"], f["plan_action"], f["action_frein"] = _action_plans(seed, f["frein"])
    f["local_result"] = _local_results(seed, f["plan_action"])
    f["followup_mechanism"] = _followup(seed)
    f["ise_call"] = _ise_calls(seed, scale)
    f["actor_caseload"] = _actor_caseload(seed)
    f["ise_resource_contact"] = _ise_resource_contacts()
    f["ise_feedback"] = _ise_feedback(seed)
    f["at_tool"], f["at_tool_recipient"] = _at_tools(seed)
    f["at_initiative"] = _at_initiatives(seed)
    f["at_need"], f["at_need_institution"] = _at_needs(seed)
    f["at_request"] = _at_requests(seed, scale)
    f["ctme_session"], f["ctme_participant"] = _ctme(seed)
    f["at_yearly_activity"] = _at_yearly_activity(seed)
    f["communication_plan"], f["communication_plan_item"] = _communication_plans(seed)
    f["communication_action"], f["communication_reach"] = _communication_actions(seed, scale)
    f["survey_result"] = _survey_results(seed)
    f["retention_case"], f["case_measure"] = _retention_cases(seed, scale)
    f["indicator_value"] = _indicator_values(seed)
    f["analysis_comment"] = _analysis_comments()
    f["data_delivery"] = _data_deliveries(seed, f)
    f["data_declaration"] = _declarations()
    f["user_account"], f["user_territory"] = _accounts(seed)
    f["journal_entry"] = _frame("journal_entry", [])
    tables = tables_in_dependency_order()  # derived tables (aggregate cache) get no sample rows
    missing = {t.name for t in tables} - set(f)
    if missing:  # pragma: no cover - guards against a new table without sample rows
        raise RuntimeError(f"no sample frame for: {sorted(missing)}")
    return {t.name: f[t.name] for t in tables}


def load_sample(engine, scale: int = 1, seed: int = SAMPLE_SEED) -> dict[str, int]:
    """Insert the sample into a migrated store holding only its reference data, in one transaction.

    The migrations have loaded the reference rows (territories, institutions, instances…): the
    sample adds the rows it has beyond them (its working groups) and all its fictitious activity.
    Tables are written in ``SQLModel.metadata.sorted_tables`` order (every foreign key points to an
    earlier table). Returns the rows inserted per table.
    """
    from sqlalchemy import select

    from data_access.db import (
        bulk_insert,
        bump_data_version,
        reset_sequences,
        set_meta,
        store_is_empty,
        write_transaction,
    )

    if not store_is_empty(engine):
        raise RuntimeError("Le stockage contient déjà des données ou des comptes : les données fictives ne peuvent "
                           "être chargées que dans un stockage qui ne contient que ses données de référence.")
    frames = build_sample_frames(scale=scale, seed=seed)
    counts: dict[str, int] = {}
    with write_transaction(engine) as conn:
        for tbl in tables_in_dependency_order():
            if tbl.name == "store_meta":
                continue
            frame = frames[tbl.name]
            pk = [c.name for c in tbl.primary_key.columns]
            stored = {tuple(r) for r in conn.execute(select(*(tbl.c[c] for c in pk)))} if not frame.empty else set()
            if stored:  # reference rows already loaded by the migrations
                keep = [tuple(k) not in stored for k in frame[pk].itertuples(index=False)]
                frame = frame[keep]
            counts[tbl.name] = bulk_insert(conn, tbl.name, frame)
        reset_sequences(conn)
        set_meta(conn, "sample", "1")
        set_meta(conn, "sample_scale", str(int(scale)))
        set_meta(conn, "sample_seed", str(int(seed)))
        bump_data_version(conn)
    return counts


__all__ = ["DEMO_ACCOUNTS", "SAMPLE_SEED", "YEARS", "build_sample_frames", "load_sample"]
