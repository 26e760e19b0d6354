"""Q3 INFO SANTE EMPLOI: the calls to the platform (case level, vectorised), the caseload of the
actors, the platform's resource contacts and the feedback sessions with the territories."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data_access import vocabulary as V

from .common import (
    _DEPT_POP,
    _DEPT_RATIO,
    CME_CODES,
    DEPT_CODES,
    ISE_CALLS_PER_YEAR,
    REGION,
    SIGNATORY_CODES,
    YEARS,
    _choice_rows,
    _dates,
    _distinct_months,
    _frame,
    _interp,
    _pick,
    _probs,
    _rng,
    _sample_days,
    _workday_in,
)

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
