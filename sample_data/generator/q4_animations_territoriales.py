"""Q4 animations territoriales: AT tools, initiatives, needs, requests (grow with scale), CTME
sessions and the declarations of years without any, yearly activity of the AT."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from data_access import vocabulary as V

from .common import (
    _CME_RATIO,
    _DAY_MONTH,
    _WORKDAYS,
    CME_CODES,
    CME_DEPTS,
    CME_NAME,
    CTME_PER_YEAR,
    LAST_DAY,
    RSI_OF_DEPT,
    YEARS,
    _at,
    _balanced,
    _choice_rows,
    _clamp,
    _cme_pool,
    _date,
    _dates,
    _frame,
    _interp,
    _local,
    _pick,
    _pick_n,
    _probs,
    _rng,
    _sample_days,
    _workday_in,
    _year_bounds,
)

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
