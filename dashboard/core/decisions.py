"""Decisions and improvement axes (issue 15, point 4): which of them a year's bilan and the meeting
mode carry, and which are overdue. Pure functions on the rows of ``steering_decision``.

A decision or axis is **carried** into the bilan of year Y when it was decided by the end of Y and was
still open at the start of Y: not closed, or closed during Y (shown as closed that year). One closed
without a date counts as closed when it was decided. It is **overdue** (« échéance dépassée ») when
still open on ``as_of`` and its due date has passed. Open ones first (overdue first), then closed;
by date of decision.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

CLOSED = ("close", "abandonnee")
COLUMNS = ["id", "territory_code", "decided_date", "kind", "title", "description", "owner_institution_code",
           "due_date", "status", "closed_date"]


def _d(v) -> dt.date | None:
    if v is None or (not isinstance(v, dt.date) and pd.isna(v)):
        return None
    return v.date() if isinstance(v, (pd.Timestamp, dt.datetime)) else v


def carried(rows: pd.DataFrame, year: int, as_of: dt.date | None = None) -> pd.DataFrame:
    """The decisions and axes of the bilan of ``year``, with ``open`` (bool, on ``as_of``, default the
    end of the year), ``overdue`` (bool) and ``carried_over`` (decided in an earlier year)."""
    as_of = as_of or dt.date(year, 12, 31)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    out = []
    for r in rows.to_dict("records"):
        decided = _d(r["decided_date"])
        if decided is None or decided > end:
            continue
        closed = r["status"] in CLOSED
        closed_on = _d(r.get("closed_date")) or (decided if closed else None)
        if closed and closed_on < start:
            continue                                   # closed before the year: not carried
        still_open = not closed or closed_on > as_of
        due = _d(r.get("due_date"))
        out.append({**r, "open": still_open, "overdue": bool(still_open and due is not None and due < as_of),
                    "carried_over": decided < start})
    frame = pd.DataFrame(out, columns=[*COLUMNS, "open", "overdue", "carried_over"])
    return frame.sort_values(["open", "overdue", "decided_date", "id"], ascending=[False, False, True, True],
                             kind="stable").reset_index(drop=True)


def open_items(rows: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The decisions and axes still open on ``as_of`` (the meeting mode), overdue first."""
    frame = carried(rows, as_of.year, as_of)
    return frame[frame["open"]].reset_index(drop=True)


def flat(frame: pd.DataFrame, *, institution_label=lambda c: c, fmt_date=str) -> pd.DataFrame:
    """The carried decisions as a French table (page, XLSX, HTML): open ones first."""
    from data_access.vocabulary import DECISION_KIND, DECISION_STATUS

    def state(r) -> str:
        label = DECISION_STATUS.get(r["status"], r["status"])
        if not r["open"]:
            return f"{label} le {fmt_date(_d(r['closed_date']))}" if _d(r["closed_date"]) else label
        return f"{label} — échéance dépassée" if r["overdue"] else label

    rows = frame.to_dict("records")
    return pd.DataFrame({
        "Nature": [DECISION_KIND.get(r["kind"], r["kind"]) for r in rows],
        "Intitulé": [r["title"] for r in rows],
        "Décidé le": [_d(r["decided_date"]) for r in rows],
        "Institution pilote": [institution_label(r["owner_institution_code"]) if r["owner_institution_code"] else "—"
                               for r in rows],
        "Échéance": [_d(r["due_date"]) for r in rows],
        "Statut": [state(r) for r in rows],
        "Report": ["reporté d'une année antérieure" if r["carried_over"] else "" for r in rows],
    }, columns=["Nature", "Intitulé", "Décidé le", "Institution pilote", "Échéance", "Statut", "Report"])
