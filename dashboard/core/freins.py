"""Progress on the freins (issue 15, point 3): every frein identified by a territory's diagnostic, the
plan actions that address it with their status against their schedule, and the local results those
actions produced — the « progrès accomplis et freins potentiels » the charter asks each CME's annual
bilan to report (article 6, the territorial animations' mission).

Pure functions on plain frames (``data_access.queries.freins_plan`` reads them), no Streamlit:

- an action, on a date ``as_of`` (the end of the bilan's year, or of the period shown):
  **close** when abandoned, or done by then (``realisee`` with its actual end on or before ``as_of``);
  **en retard** when still open and its planned end has passed, or when it was to start and had not
  (no actual start by then, or ``prevue`` / ``reportee`` without one, after its planned start);
  otherwise **à l'heure** (started on time, or not due yet);
- a frein: **sans action** when no action addresses it; **action en retard** when one of its actions is
  late; **actions closes** when every action is closed; otherwise **en cours**. Freins without action
  and late actions are flagged (the tracker lists them first).

Freins identified after ``as_of`` and actions of plans that start after it are left out.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

ACTION_STATES = {"close": "Close", "en_retard": "En retard", "a_l_heure": "À l'heure"}
FREIN_STATES = {
    "sans_action": "Sans action",
    "en_retard": "Action en retard",
    "en_cours": "En cours",
    "actions_closes": "Actions closes",
}
FLAGGED = ("sans_action", "en_retard")
CLOSED = ("realisee", "abandonnee")
NOT_STARTED = ("prevue", "reportee")
TRACKER_COLUMNS = ["territory_code", "frein_id", "frein", "category", "identified_date", "state", "state_label",
                   "actions", "late_actions", "results", "flagged"]


def action_state(status: str, planned_start: dt.date, planned_end: dt.date, as_of: dt.date,
                 actual_start: dt.date | None = None, actual_end: dt.date | None = None) -> str:
    """``close``, ``en_retard`` or ``a_l_heure`` on ``as_of`` (see the module docstring). The status is
    today's; the actual dates place it in time: an action done after ``as_of`` was still open then, one
    started after ``as_of`` had not started."""
    if status == "abandonnee":
        return "close"
    if status == "realisee" and (actual_end is None or actual_end <= as_of):
        return "close"
    if planned_end < as_of:
        return "en_retard"
    started = actual_start <= as_of if actual_start is not None else status not in NOT_STARTED
    if not started and planned_start < as_of:
        return "en_retard"
    return "a_l_heure"


def _date(v) -> dt.date:
    return v.date() if isinstance(v, (pd.Timestamp, dt.datetime)) else v


def _optional_date(v) -> dt.date | None:
    return None if v is None or (not isinstance(v, dt.date) and pd.isna(v)) else _date(v)


def tracker(freins: pd.DataFrame, actions: pd.DataFrame, links: pd.DataFrame, results: pd.DataFrame,
            as_of: dt.date, *, status_labels: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per frein identified by ``as_of``, flagged ones first (then by territory and date).

    ``freins``: id, territory_code, identified_date, category (label), label; ``actions``: id, title,
    planned_start, planned_end, status, optionally actual_start, actual_end; ``links``: action_id,
    frein_id; ``results``: action_id, title,
    result_date. Columns of the result: :data:`TRACKER_COLUMNS` — ``actions`` a list of
    (title, state, state label, status label) of the frein's actions, ``results`` the titles of the
    results of those actions dated by ``as_of``.
    """
    labels = status_labels or {}
    known = freins[freins["identified_date"].map(_date) <= as_of] if not freins.empty else freins
    if known.empty:
        return pd.DataFrame(columns=TRACKER_COLUMNS)
    acts = actions[actions["planned_start"].map(_date) <= as_of] if not actions.empty else actions
    by_action = {int(a["id"]): a for a in acts.to_dict("records")}
    states = {aid: action_state(a["status"], _date(a["planned_start"]), _date(a["planned_end"]), as_of,
                                _optional_date(a.get("actual_start")), _optional_date(a.get("actual_end")))
              for aid, a in by_action.items()}
    results_of: dict[int, list[str]] = {}
    if not results.empty:
        for r in results.to_dict("records"):
            if r.get("action_id") is not None and not pd.isna(r["action_id"]) and _date(r["result_date"]) <= as_of:
                results_of.setdefault(int(r["action_id"]), []).append(str(r["title"]))
    actions_of: dict[int, list[int]] = {}
    for link in links.to_dict("records"):
        if int(link["action_id"]) in by_action:
            actions_of.setdefault(int(link["frein_id"]), []).append(int(link["action_id"]))
    rows = []
    for f in known.to_dict("records"):
        mine = sorted(actions_of.get(int(f["id"]), []))
        mine_states = [states[a] for a in mine]
        if not mine:
            state = "sans_action"
        elif "en_retard" in mine_states:
            state = "en_retard"
        elif all(s == "close" for s in mine_states):
            state = "actions_closes"
        else:
            state = "en_cours"
        rows.append({
            "territory_code": f["territory_code"], "frein_id": int(f["id"]), "frein": f["label"],
            "category": f.get("category"), "identified_date": _date(f["identified_date"]),
            "state": state, "state_label": FREIN_STATES[state],
            "actions": [(by_action[a]["title"], states[a], ACTION_STATES[states[a]],
                         labels.get(by_action[a]["status"], by_action[a]["status"])) for a in mine],
            "late_actions": sum(1 for s in mine_states if s == "en_retard"),
            "results": [t for a in mine for t in results_of.get(a, [])],
            "flagged": state in FLAGGED,
        })
    out = pd.DataFrame(rows, columns=TRACKER_COLUMNS)
    return out.sort_values(["flagged", "territory_code", "identified_date", "frein_id"],
                           ascending=[False, True, True, True], kind="stable").reset_index(drop=True)


def summary(table: pd.DataFrame) -> str:
    """« 6 freins : 1 sans action, 2 avec une action en retard, 3 en cours ou levés ; 4 résultats locaux »."""
    if table.empty:
        return "Aucun frein identifié."
    n = len(table)
    without = int((table["state"] == "sans_action").sum())
    late = int((table["state"] == "en_retard").sum())
    results = sum(len(r) for r in table["results"])
    rest = n - without - late
    parts = [f"{without} sans action", f"{late} avec une action en retard",
             f"{rest} dont les actions sont à l'heure ou closes"]
    return (f"{n} frein{'s' if n > 1 else ''} identifié{'s' if n > 1 else ''} : " + ", ".join(parts)
            + f" ; {results} résultat{'s' if results > 1 else ''} {'locaux' if results > 1 else 'local'} "
              "issu" + ("s" if results > 1 else "") + " de ces actions.")


def flat(table: pd.DataFrame, territory_label=lambda c: c) -> pd.DataFrame:
    """The tracker as a flat French table (page, XLSX): one row per frein, actions and results as text."""
    return pd.DataFrame({
        "Territoire": [territory_label(c) for c in table["territory_code"]],
        "Frein": table["frein"],
        "Lecture": table["state_label"],
        "Actions (état au regard du calendrier)": [
            "\n".join(f"{title} — {state_label} ({status})" for title, _, state_label, status in acts) or "—"
            for acts in table["actions"]],
        "Résultats locaux liés": ["\n".join(r) or "—" for r in table["results"]],
        "Catégorie": table["category"],
        "Identifié le": table["identified_date"],
    }, columns=["Territoire", "Frein", "Lecture", "Actions (état au regard du calendrier)", "Résultats locaux liés",
                "Catégorie", "Identifié le"])
