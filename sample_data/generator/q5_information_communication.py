"""Q5 information and communication: regional and local communication plans, communication actions
and their reach (grow with scale)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from data_access import vocabulary as V

from .common import (
    _DEPT_POP,
    _DEPT_RATIO,
    CME_CODES,
    CME_NAME,
    CME_OF_DEPT,
    DEPT_CODES,
    DEPT_NAME,
    ISE,
    REGION,
    RSI_OF_DEPT,
    YEARS,
    _at,
    _balanced,
    _choice_rows,
    _clamp,
    _dates,
    _frame,
    _local,
    _probs,
    _rng,
    _sample_days,
    _workday,
    _workday_in,
)

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
