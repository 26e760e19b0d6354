"""Tables of no evaluation question: analysis comments of the bilans, partner data deliveries,
store metadata and the demo accounts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from .common import (
    CME_CODES,
    CME_DEPTS,
    DEPT_CODES,
    ISE,
    LAST_DAY,
    LATE_PARTNERS,
    RSI_OF_DEPT,
    YEARS,
    _at,
    _clamp,
    _frame,
    _rng,
)


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
                         "created_at": _utc(2016, 1, 4, 9, 0), "oidc_issuer": None, "oidc_subject": None,
                         # a reserved domain (RFC 2606): the digest of the demo accounts reaches no one
                         "email": f"{username}@example.org", "digest": None})
        territories += [{"username": username, "territory_code": t} for t in terr]
    return _frame("user_account", accounts), _frame("user_territory", territories)


def _objectives() -> pd.DataFrame:
    """Numeric objectives of the fictitious CPR (issue 15): both rules, at region and CME level, reached
    (participation, SAMETH retention in 2020, Isère's CTME), in progress before their deadline, and not
    reached (the Rhône's CTME in 2020: 2 for at most 1). Chosen away from the sample's trend stories
    (the Loire's CTME) that other tests tell."""
    decided = "Relevé de décisions du CPR du 15/03/2016 (données fictives)"
    rows = [
        ("Q1.C1.I1", "R82", 2016, 2020, "chaque_annee", "ge", 75.0, decided),
        ("Q6.C1.I3", "R82", 2016, 2020, "echeance", "ge", 80.0, decided),
        ("Q4.C3.I1", "CME38", 2016, 2020, "echeance", "le", 2.0, "Plan d'actions de la CME Isère (données fictives)"),
        ("Q4.C3.I1", "CME69", 2016, 2020, "echeance", "le", 1.0, "Plan d'actions de la CME Rhône (données fictives)"),
    ]
    return _frame("objective", [
        {"id": i, "indicator_id": ind, "territory_code": terr, "first_year": first, "last_year": last, "rule": rule,
         "comparator": comp, "target": target, "source": source, "note": None}
        for i, (ind, terr, first, last, rule, comp, target, source) in enumerate(rows, start=1)])


def _steering_decisions() -> pd.DataFrame:
    """Decisions and improvement axes of the fictitious CPR and of two CMEs (issue 15): closed, open,
    overdue, carried over several years."""
    D = dt.date
    rows = [
        ("R82", D(2016, 3, 15), "axe", "Harmoniser les indicateurs de suivi des SAMETH et du service social",
         "DIRECCTE", D(2017, 12, 31), "close", D(2017, 11, 20)),
        ("R82", D(2017, 3, 14), "decision", "Créer un groupe de travail « indicateurs » du CPR", "DIRECCTE",
         D(2017, 6, 30), "close", D(2017, 6, 2)),
        ("R82", D(2018, 3, 20), "axe", "Faire connaître INFO SANTE EMPLOI des médecins traitants", "CARSAT",
         D(2019, 12, 31), "en_cours", None),
        ("R82", D(2019, 3, 19), "axe", "Sécuriser les prises de relais après un avis d'inaptitude", "AGEFIPH",
         D(2020, 6, 30), "ouverte", None),
        ("CME38", D(2017, 10, 12), "decision", "Diffuser la fiche de liaison SST – SAMETH à tous les SST", "SAMETH38",
         D(2018, 6, 30), "close", D(2018, 5, 15)),
        ("CME42", D(2018, 10, 4), "axe", "Réduire le recours aux CTME par un circuit de signalement précoce",
         "AT-CME42", D(2019, 6, 30), "en_cours", None),
    ]
    return _frame("steering_decision", [
        {"id": i, "territory_code": terr, "decided_date": decided, "kind": kind, "title": title,
         "description": "Retenu en séance (données fictives).", "owner_institution_code": owner, "due_date": due,
         "status": status, "closed_date": closed}
        for i, (terr, decided, kind, title, owner, due, status, closed) in enumerate(rows, start=1)])
