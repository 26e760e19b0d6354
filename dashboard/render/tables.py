"""The exact tables behind each indicator block, with French headers, for display and CSV download."""

from __future__ import annotations

import pandas as pd

from dashboard.core.formatting import fmt_percent
from dashboard.core.kinds import spec
from dashboard.core.results import IndicatorResult
from data_access.office import safe_frame
from data_access.transmission import STATUS_LABELS

SCOPE_LABELS = {"selection": "Sélection", "region": "Rhône-Alpes"}
NOT_ESTIMABLE = "médiane non estimable (moins de la moitié des situations closes)"


def cohort_note(row) -> str:
    """French flag of a series row (``open_share``, ``incomplete``, ``estimable`` from
    ``dashboard.core.indicators``): "cohorte incomplète (41 % en cours)", "médiane non estimable (…)" or ""."""
    def flag(name: str) -> bool | None:
        v = row.get(name)
        return None if v is None or pd.isna(v) else bool(v)

    if flag("hidden"):
        return ""
    if flag("estimable") is False:
        return NOT_ESTIMABLE
    if flag("incomplete"):
        share = row.get("open_share")
        return ("cohorte incomplète" if share is None or pd.isna(share)
                else f"cohorte incomplète ({fmt_percent(share, 0)} en cours)")
    return ""


def data_table(result: IndicatorResult) -> pd.DataFrame:
    """One table holding every number the block shows (hidden cells stay empty and flagged)."""
    ind = result.indicator
    ks = spec(ind.kind)
    share = ks.percent
    frames = []
    s = result.series
    if s is not None and not s.empty:
        t = pd.DataFrame({
            "Indicateur": ind.id,
            "Série": s["scope"].map(SCOPE_LABELS),
            "Année": s["year"],
            "Catégorie": "Total",
            "Valeur": s["value"] * 100 if share else s["value"],
        })
        if ks.ratio:
            t["Numérateur"] = s["numerator"]
            t["Dénominateur"] = s["denominator"]
        if ks.shape == "duration":   # the number of cases behind the median
            t["Effectif"] = s["denominator"]
        t["Masqué (petits effectifs)"] = s["hidden"].map({True: "oui", False: ""})
        if "status" in s:
            t["Données"] = s["status"].map(STATUS_LABELS)
        if "open_share" in s:   # cases still open (issue 12): censored in a delay, flagged in a cohort count
            t["Situations en cours (%)"] = s["open_share"] * 100
            t["Remarque"] = [cohort_note(r) for r in s.to_dict("records")]
        frames.append(t)
    b = result.breakdown
    if b is not None and not b.empty:
        t = pd.DataFrame({
            "Indicateur": ind.id, "Série": "Sélection", "Année": b["year"], "Catégorie": b["category_label"],
            "Valeur": b["value"] * 100 if ks.ratio else b["value"],
        })
        if ks.ratio:
            t["Numérateur"] = b["numerator"]
            t["Dénominateur"] = b["denominator"]
        t["Masqué (petits effectifs)"] = b["hidden"].map({True: "oui", False: ""})
        frames.append(t)
    d = result.detail
    if d is not None and not d.empty:
        serie = "Détail du numérateur (période)"
        if "dimension_label" in d and d["dimension"].nunique() > 1:
            serie = serie + " · " + d["dimension_label"].astype(str)
        frames.append(pd.DataFrame({
            "Indicateur": ind.id, "Série": serie, "Catégorie": d["category_label"],
            "Valeur": d["value"], "Masqué (petits effectifs)": d["hidden"].map({True: "oui", False: ""}),
        }))
    m = result.matrix
    if m is not None and not m.empty:
        frames.append(pd.DataFrame({
            "Indicateur": ind.id, "Série": "Existence (1 = oui, 0 = non)", "Année": m["year"],
            "Catégorie": m["row_label"], "Valeur": m["exists"].astype(float),
        }))
    dist = result.distribution
    if dist is not None and not dist.empty:
        for col, label in (("p10", "1er décile"), ("q1", "1er quartile"), ("median", "Médiane"),
                           ("q3", "3e quartile"), ("p90", "9e décile")):
            frames.append(pd.DataFrame({"Indicateur": ind.id, "Série": "Distribution (sélection)",
                                        "Année": dist["year"], "Catégorie": label, "Valeur": dist[col],
                                        "Effectif": dist["n"]}))
    c = result.comparison
    if c is not None and not c.empty:
        frames.append(pd.DataFrame({
            "Indicateur": ind.id, "Série": "Comparaison régionale", "Année": c["year"], "Catégorie": c["region_label"],
            "Valeur": c["value"] * 100 if ks.ratio else c["value"],
            "Pour 100 000 habitants": c["rate_per_100k"],
        }))
    if result.objectives and s is not None and not s.empty:
        shown = sorted(int(y) for y in s["year"].unique())
        for status in result.objectives:   # the target line of each objective, in the unit shown
            obj = status.objective
            years = [y for y in shown if obj.first_year <= y <= obj.last_year]
            frames.append(pd.DataFrame({
                "Indicateur": ind.id, "Série": "Objectif : " + obj.text(percent=share, unit=ind.unit),
                "Année": years, "Catégorie": f"Cible ({status.label.lower()})", "Valeur": float(obj.target)}))
    if not frames:
        return pd.DataFrame(columns=["Indicateur", "Série", "Année", "Catégorie", "Valeur"])
    out = pd.concat(frames, ignore_index=True)
    if "Année" in out:
        out["Année"] = out["Année"].astype("Int64")
    for col in ("Masqué (petits effectifs)", "Données", "Remarque"):   # a row without the flag reads blank, not "None"
        if col in out:
            out[col] = out[col].fillna("")
    return out


def records_table(result: IndicatorResult) -> pd.DataFrame | None:
    """Descriptor / calendar records for display (dates as dates, French headers)."""
    r = result.records
    if r is None or r.empty:
        return None
    if "date" in r:
        out = pd.DataFrame({"Date": pd.to_datetime(r["date"]).dt.date, "Territoire": r["territory_label"]})
    else:  # a yearly source: the year is the record's time
        out = pd.DataFrame({"Année": r["year"].astype("Int64"), "Territoire": r["territory_label"]})
    if "start" in r:
        out["Début"] = r["start"].dt.date
        out["Fin"] = r["end"].dt.date
        out["Statut"] = r["status_label"]
    if r["category_label"].astype(str).str.len().gt(0).any() and not r["category_label"].equals(r["territory_label"]):
        out["Type"] = r["category_label"]
    if r["title"].astype(str).str.len().gt(0).any():
        out["Intitulé"] = r["title"]
    if r["text"].astype(str).str.len().gt(0).any():
        out["Description"] = r["text"]
    return out.drop(columns=["Date"]) if "start" in r and "Date" in out else out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV as French spreadsheet software opens it: UTF-8 with BOM, ';' separator, decimal comma; a text
    cell that could be taken for a formula gets a leading ' (:func:`data_access.office.safe_frame`)."""
    return safe_frame(frame).to_csv(index=False, sep=";", decimal=",", float_format="%.4g").encode("utf-8-sig")
