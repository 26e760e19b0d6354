"""Q1 governance: instances, meetings and attendance, instance outputs and links, cooperations,
data initiatives and the availability of the Q6 indicators."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from data_access import vocabulary as V

from .common import (
    ARACT,
    CME_CODES,
    CME_NAME,
    ISE,
    REGION,
    SIGNATORY_CODES,
    SOCIAL_PARTNERS,
    YEARS,
    _balanced,
    _clamp,
    _cme_pool,
    _distinct_months,
    _frame,
    _inst_names,
    _pick,
    _pick_n,
    _reference,
    _rng,
    _workday_in,
)

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
