"""Q6 retention: the retention cases and their measures (case level, vectorised, grow with scale)
and the yearly indicator values (département and region aggregates, do not grow with scale)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_access import vocabulary as V
from data_access.derive import derive_frame

from .common import (
    _DEPT_POP,
    _DEPT_RATIO,
    _N_DAYS,
    _WORKDAYS,
    CASES_PER_DEPT_YEAR,
    DEPT_CODES,
    HOME_REGION_2016,
    REGIONS_2016,
    YEARS,
    _choice_rows,
    _dates,
    _frame,
    _interp,
    _probs,
    _rng,
    _sample_days,
    _year_bounds,
)

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

# Q6 indicators read from indicator_value, and the ones with region-level rows (R11..R94)
Q6_INDICATORS = tuple(f"Q6.C1.I{i}" for i in range(1, 10))
REGION_EXTRA_INDICATORS = ("Q6.C1.I4", "Q6.C1.I5", "Q6.C1.I6", "Q6.C1.I9")  # drawn after the first four

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
