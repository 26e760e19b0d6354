"""Medians, delays with cases still open, incomplete cohorts (issue 12, parts 3 and 4): known answers.

Each store is made with ``init`` (reference data, no sample); the retention cases are hand-made
partner files imported through the validating importer (``imports.check`` / ``imports.confirm``).
The expected medians, quartiles, Kaplan-Meier products and open shares are worked out by hand here,
from the delays the files are built from.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from dashboard.core.filters import Filters
from dashboard.core.indicators import Reference, compute, weighted_quantiles
from dashboard.core.referentiel import load_referentiel, parse_referentiel
from dashboard.render.figures import build_figures
from dashboard.render.tables import NOT_ESTIMABLE, data_table
from dashboard.services.importing import context_kwargs
from data_access import imports
from data_access import indicator_data as sqlagg

HEADER = ("Référence de la situation;Département;Date de signalement;Début de l'arrêt de travail;"
          "Date de la solution;Signalé par;Statut du salarié;Régime;Taille de l'entreprise;RQTH;Cause;"
          "Acteur référent;Réorienté;Issue;Relais;Mesures")
RETAINED, FAILED, OPEN = "maintien_meme_poste", "licenciement_inaptitude", "en_cours"


@pytest.fixture
def store(init_store):
    return init_store


def _d(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def case(ref: str, signalement: dt.date, *, solution: dt.date | None = None, leave: dt.date | None = None,
         outcome: str = RETAINED, dept: str = "38") -> str:
    return ";".join([ref, dept, _d(signalement), _d(leave), _d(solution), "medecin_travail", "salarie", "general",
                     "50_249", "non", "maladie", "sameth", "non", outcome, "aucun", ""])


def load_cases(engine, rows: list[str]) -> None:
    data = ("\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8")
    checked = imports.check(engine, data, "retention_case.csv", dataset="retention_case", username="t",
                            context=context_kwargs())
    assert checked.ok, checked.problems
    imports.confirm(engine, checked, username="t", removals_confirmed=True)


def run(engine, ind_id: str, first: int, last: int, territory: str = "38", **kw):
    return compute(engine, load_referentiel().indicator(ind_id), Filters(first, last, territory),
                   Reference.from_engine(engine), **kw)


def by_year(frame: pd.DataFrame, col: str) -> dict[int, float]:
    return {int(y): float(v) for y, v in zip(frame["year"], frame[col])}


def nan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


# --- the conventional median -------------------------------------------------------------------------


def test_an_even_count_median_is_the_mean_of_the_two_middle_delays(store):
    # Q6.C2.I2, sick leave -> signalement: six cases of 2019 in Isère, delays 10, 20, … 60 days
    delays = [40, 10, 60, 30, 20, 50]
    sig = dt.date(2019, 6, 3)
    load_cases(store, [case(f"C{i}", sig, leave=sig - dt.timedelta(days=d), solution=dt.date(2019, 12, 2))
                       for i, d in enumerate(delays)])
    res = run(store, "Q6.C2.I2", 2019, 2019)
    sel = res.selection_series()
    # sorted 10 20 30 | 40 50 60: the two middle values are 30 and 40 -> (30 + 40) / 2 = 35 (the lower
    # value, 30, was shown before); quartiles: the empirical share of delays reaches 1/4 at 20 (2/6),
    # 3/4 at 50 (5/6), 1/10 at 10 (1/6) and 9/10 at 60 (6/6)
    assert by_year(sel, "value") == {2019: 35.0}
    assert by_year(sel, "denominator") == {2019: 6.0}
    dist = res.distribution.set_index("year").loc[2019]
    assert (dist["p10"], dist["q1"], dist["median"], dist["q3"], dist["p90"], dist["n"]) == (10, 20, 35, 50, 60, 6)
    # the same number on the table and in the chart
    table = data_table(res)
    row = table[(table["Série"] == "Sélection") & (table["Année"] == 2019)]
    assert row["Valeur"].tolist() == [35.0]
    line = [t for t in build_figures(res)[0].data if t.name and t.name.startswith("Délai médian")][0]
    assert list(line.y) == [35.0]


@pytest.mark.parametrize("values", [[7], [3, 9], [5, 1, 4, 2], [2, 2, 8, 8], [1, 2, 3, 4, 5, 6, 7, 100],
                                    [30, 10, 20, 40, 50]])
def test_without_open_cases_the_median_is_the_one_of_excel_and_pandas(values):
    # the median of persons: each value repeated by its count; no censoring (event defaults to 1)
    x, n = np.unique(values, return_counts=True)
    assert weighted_quantiles(x, n, qs=(0.5,)) == [float(pd.Series(values).median())]


# --- delays with cases still open: Kaplan-Meier ------------------------------------------------------


def test_a_delay_with_open_cases_is_a_kaplan_meier_median_and_can_be_not_estimable(store):
    # Q6.C5.I1, signalement -> solution. The reference date R is the latest date of the table, a
    # solution on 1 December 2020: an open case signalled d days before R lasted at least d days.
    R = dt.date(2020, 12, 1)
    closed_2020 = {"E20": (dt.date(2020, 1, 10), 20), "E40": (dt.date(2020, 2, 1), 40),
                   "E80": (dt.date(2020, 3, 1), 80), "E120": (R - dt.timedelta(days=120), 120)}
    open_2020 = {"O50": 50, "O100": 100, "O150": 150, "O200": 200}
    rows = [case(k, s, solution=s + dt.timedelta(days=d)) for k, (s, d) in closed_2020.items()]
    rows += [case(k, R - dt.timedelta(days=d), outcome=OPEN) for k, d in open_2020.items()]
    # 2019: two cases closed after 10 and 20 days, four still open (signalled in 2019, open ever since)
    rows += [case("F10", dt.date(2019, 3, 1), solution=dt.date(2019, 3, 11)),
             case("F20", dt.date(2019, 4, 1), solution=dt.date(2019, 4, 21))]
    rows += [case(f"P{m}", dt.date(2019, m, 1), outcome=OPEN) for m in (5, 6, 7, 8)]
    # 2018: six cases, all closed, after 30, 50, 70, 90, 110 and 130 days
    rows += [case(f"G{d}", dt.date(2018, 2, 1), solution=dt.date(2018, 2, 1) + dt.timedelta(days=d))
             for d in (30, 50, 70, 90, 110, 130)]
    load_cases(store, rows)

    # what the SQL aggregate returns: observed delays (event 1) and censored ones (event 0, days to R)
    with store.connect() as conn:
        src = load_referentiel().indicator("Q6.C5.I1").source
        assert sqlagg.reference_date(conn, src) == pd.Timestamp(R)
        counts = sqlagg.value_counts(conn, src, years=[2020], territories=["38"])
    assert sorted(zip(counts["x"], counts["event"], counts["n"])) == [
        (20, 1, 1), (40, 1, 1), (50, 0, 1), (80, 1, 1), (100, 0, 1), (120, 1, 1), (150, 0, 1), (200, 0, 1)]

    res = run(store, "Q6.C5.I1", 2018, 2020)
    sel = res.selection_series().set_index("year")
    # 2020, by hand. Delays in order, + censored: 20, 40, 50+, 80, 100+, 120, 150+, 200+.
    #   at 20:  8 at risk, 1 ends -> S = 7/8
    #   at 40:  7 at risk, 1 ends -> S = 7/8 · 6/7 = 6/8   (F = 1/4 exactly, up to the next end, at 80)
    #   at 80:  5 at risk (50+ left), 1 ends -> S = 6/8 · 4/5 = 0.6
    #   at 120: 3 at risk (100+ left), 1 ends -> S = 0.6 · 2/3 = 0.4: S falls under 1/2 -> median 120
    # (the closed cases alone, 20 40 80 120, would give 60: the quick cases close first)
    s = 7 / 8
    s *= 6 / 7
    assert math.isclose(s, 0.75)
    s *= 4 / 5
    assert s > 0.5
    s *= 2 / 3
    assert s < 0.5
    assert sel.loc[2020, "value"] == 120.0
    assert sel.loc[2020, "denominator"] == 8.0 and bool(sel.loc[2020, "estimable"])
    dist = res.distribution.set_index("year")
    # P10: F = 1/8 >= 0.1 at 20; Q1: F = 1/4 exactly from 40 to 80 -> (40 + 80) / 2 = 60;
    # Q3, P90: F never goes past 1 - 0.4 = 0.6 -> not estimable
    assert (dist.loc[2020, "p10"], dist.loc[2020, "q1"], dist.loc[2020, "median"]) == (20, 60, 120)
    assert nan(dist.loc[2020, "q3"]) and nan(dist.loc[2020, "p90"])
    # 4 open cases of 8: their share is a small cell under the default threshold (5), shown at 3
    assert nan(sel.loc[2020, "open_share"])
    assert run(store, "Q6.C5.I1", 2020, 2020, small_cell_threshold=3).selection_series()[
        "open_share"].tolist() == [0.5]

    # 2019: S = 5/6 after 10, 4/6 after 20, then only open cases: S never falls to 1/2 -> no median
    assert nan(sel.loc[2019, "value"]) and not bool(sel.loc[2019, "estimable"])
    assert (dist.loc[2019, "p10"], dist.loc[2019, "q1"]) == (10, 20)   # F = 1/6 at 10, 1/3 at 20
    assert nan(dist.loc[2019, "median"])
    # 2018: nothing open, six delays: (70 + 90) / 2 = 80
    assert sel.loc[2018, "value"] == 80.0 and sel.loc[2018, "open_share"] == 0.0

    # the table and the chart say "non estimable" for 2019 rather than a number
    table = data_table(res)
    rows_2019 = table[(table["Série"] == "Sélection") & (table["Année"] == 2019)]
    assert rows_2019["Remarque"].tolist() == [NOT_ESTIMABLE] and rows_2019["Valeur"].isna().all()
    fig = build_figures(res)[0]
    notes = {a.name: a.text for a in fig.layout.annotations if a.name and a.name.startswith("cohorte_")}
    assert set(notes) == {"cohorte_2019"} and "médiane non estimable" in notes["cohorte_2019"]


# --- incomplete cohorts ------------------------------------------------------------------------------


def cohort_cases(plan: dict, prefix: str) -> list[str]:
    """Case rows of Isère from ``{year: (retained, failed, still open)}``: two cases signalled on the 3rd
    of each month from January, closed 100 days later unless still open."""
    rows = []
    for year, (kept, failed, still_open) in plan.items():
        outcomes = [RETAINED] * kept + [FAILED] * failed + [OPEN] * still_open
        for i, outcome in enumerate(outcomes):
            sig = dt.date(year, 1 + i // 2, 3)
            rows.append(case(f"{prefix}{year}-{i}", sig, outcome=outcome,
                             solution=None if outcome == OPEN else sig + dt.timedelta(days=100)))
    return rows


def test_a_cohort_forty_percent_open_is_flagged_and_left_out_of_the_verdict(store):
    # Q6.C6.I2, taux de maintien des situations closes, Isère: 20 cases signalled each year.
    plan = {2017: (12, 8, 0), 2018: (14, 6, 0), 2019: (16, 4, 0), 2020: (6, 6, 8)}   # retained, failed, open
    load_cases(store, cohort_cases(plan, "K"))
    res = run(store, "Q6.C6.I2", 2017, 2020)
    sel = res.selection_series().set_index("year")
    # closed cases only: 12/20, 14/20, 16/20, and 6/12 in 2020 (8 of its 20 cases still open: 40 %)
    assert by_year(sel.reset_index(), "value") == {2017: 0.6, 2018: 0.7, 2019: 0.8, 2020: 0.5}
    assert by_year(sel.reset_index(), "open_share") == {2017: 0.0, 2018: 0.0, 2019: 0.0, 2020: 0.4}
    assert sel["incomplete"].tolist() == [False, False, False, True]
    # the verdict reads 2017-2019 only: the 2020 "fall" to 50 % is cases not closed yet
    assert res.verdict is not None and res.verdict.points == 3
    assert math.isclose(res.verdict.last, 0.8)
    # the flag on the table and on the chart
    table = data_table(res)
    total = table[(table["Série"] == "Sélection") & (table["Catégorie"] == "Total")].set_index("Année")
    assert total.loc[2020, "Remarque"] == "cohorte incomplète (40\u202f% en cours)"
    assert total.loc[2020, "Situations en cours (%)"] == 40.0
    assert (total.loc[[2017, 2018, 2019], "Remarque"] == "").all()
    fig = build_figures(res)[0]
    notes = {a.name: a.text for a in fig.layout.annotations if a.name and a.name.startswith("cohorte_")}
    assert set(notes) == {"cohorte_2020"} and "cohorte incomplète" in notes["cohorte_2020"]
    assert "40\u202f% en cours" in notes["cohorte_2020"]
    # the verdict's trend line spans the years it read (2017-2019), not the incomplete 2020
    trend = [t for t in fig.data if t.name == "Tendance (pente robuste)"]
    if res.indicator.direction in ("up", "down"):
        assert len(trend) == 1 and (min(trend[0].x), max(trend[0].x)) == (2017, 2019)


def test_every_outcome_indicator_of_retention_cases_is_a_cohort_and_only_delays_are_censored():
    ref = load_referentiel()
    for ind in ref.indicators("Q6"):
        src = ind.source
        if src.table == "retention_case" and ("outcome" in str(src.where) or "outcome" in str(src.numerator)
                                              or src.by == "outcome"):
            assert src.cohort is not None and src.cohort.start is None, ind.id
    censored = [i.id for i in ref.indicators() if i.source.cohort is not None and i.source.cohort.start]
    assert censored == ["Q6.C5.I1"]
    # a cohort's start/end belong to a delay only
    raw = ref.model_dump(exclude_none=True)
    q6 = raw["questions"][5]
    for crit in q6["criteria"]:
        for ind in crit["indicators"]:
            if ind["id"] == "Q6.C6.I2":
                ind["source"]["cohort"] = {"open": {"outcome": "en_cours"}, "start": "signalement_date",
                                           "end": "solution_date"}
    with pytest.raises(ValueError, match="cohorte"):
        parse_referentiel(raw)


def test_the_bilan_flags_the_incomplete_cohort_and_shows_no_change(store):
    from dashboard.core.indicators import Reference
    from dashboard.core.referentiel import load_referentiel
    from dashboard.reports import bilan as B

    plan = {2019: (16, 4, 0), 2020: (6, 6, 8)}   # retained, failed, still open
    load_cases(store, cohort_cases(plan, "B"))
    bilan = B.build_bilan(store, load_referentiel(), Reference.from_engine(store), "CME38", 2020, with_comments=False)
    line = next(ln for s in bilan.sections for ln in s.lines if ln.indicator.id == "Q6.C6.I2")
    # 2020: 6 of the 12 closed cases retained (50 %), 8 of 20 still open (40 %); 2019: 16 / 20 = 80 %
    assert line.value_text == "50,0\u202f% · cohorte incomplète (40\u202f% en cours)"
    assert line.previous_text == "80,0\u202f%"
    assert line.change_text == "—"
    from dashboard.reports import bilan_export as X

    summary = B.bilan_table(bilan).set_index("Indicateur")
    assert summary.loc["Q6.C6.I2", "Remarque 2020"] == "cohorte incomplète (40\u202f% en cours)"
    import io

    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(X.to_xlsx(bilan)))["Bilan"]
    header = [c.value for c in ws[3]]
    row = next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[header.index("Indicateur")] == "Q6.C6.I2")
    assert row[header.index("Remarque 2020")] == "cohorte incomplète (40\u202f% en cours)"
