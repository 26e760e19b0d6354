"""Q2 diagnostics and action plans: territorial diagnostics and the freins they raise, action plans
and their actions, local results, follow-up mechanisms."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from data_access import vocabulary as V

from .common import (
    CME_CODES,
    CME_NAME,
    CMES,
    LAST_DAY,
    NO_CONTINUOUS_DIAGNOSTIC,
    YEARS,
    _balanced,
    _clamp,
    _frame,
    _pick,
    _pick_n,
    _rng,
    _workday,
    _workday_in,
)

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
