"""Statistical secrecy, primary and secondary (dashboard/core/secrecy.py, docs/secrecy.md).

Unit tests of the rule on tables whose hidden cells are worked out by hand, then a walk through
every output of a territory-year with tiny counts imported into a store made with ``init``.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from dashboard.core.secrecy import Relation, suppress
from tests.conftest import across_criteria

T = 5  # the threshold of every unit test


def test_primary_only_small_non_zero_cells():
    # 0 is not secret, 5 is not below the threshold, 4 is
    values = {"tot": 9, "a": 0, "b": 5, "c": 4}
    assert suppress(values, [], T) == {"c"}


def test_a_total_minus_the_other_parts_gives_a_hidden_part_back():
    # 20 = 3 + 7 + 10: hiding 3 alone, 20 - 7 - 10 gives it back; the next smallest (7) goes too
    values = {"tot": 20, "a": 3, "b": 7, "c": 10}
    assert suppress(values, [Relation("tot", ("a", "b", "c"))], T) == {"a", "b"}


def test_a_zero_is_never_the_secondary_cell():
    values = {"tot": 10, "a": 3, "z": 0, "c": 7}
    assert suppress(values, [Relation("tot", ("a", "z", "c"))], T) == {"a", "c"}


def test_hidden_parts_summing_below_the_threshold_get_a_third_cell():
    # 1 and 2 hidden: 30 - 12 - 15 = 3 tells both are tiny; 12 is hidden too (hidden sum 15)
    values = {"tot": 30, "a": 1, "b": 2, "c": 12, "d": 15}
    assert suppress(values, [Relation("tot", ("a", "b", "c", "d"))], T) == {"a", "b", "c"}


def test_hidden_parts_summing_to_the_threshold_are_enough():
    values = {"tot": 30, "a": 3, "b": 4, "c": 23}
    assert suppress(values, [Relation("tot", ("a", "b", "c"))], T) == {"a", "b"}


def test_a_two_way_table_hides_a_rectangle():
    #          c1   c2 | total
    #   r1      3   10 |  13
    #   r2      8    9 |  17
    #   total  11   19 |  30
    # 3 is secret; 10 (r1: 13 - 3), then 8 (column c1: 11 - 3), then 9 (row r2: 17 - 8) go too:
    # with only the margins, r1c1 + r1c2 = 13, r1c1 + r2c1 = 11… has no single solution.
    v = {"r1c1": 3, "r1c2": 10, "r2c1": 8, "r2c2": 9, "r1": 13, "r2": 17, "c1": 11, "c2": 19, "g": 30}
    rels = [Relation("r1", ("r1c1", "r1c2")), Relation("r2", ("r2c1", "r2c2")),
            Relation("c1", ("r1c1", "r2c1")), Relation("c2", ("r1c2", "r2c2")),
            Relation("g", ("r1", "r2")), Relation("g", ("c1", "c2"))]
    assert suppress(v, rels, T) == {"r1c1", "r1c2", "r2c1", "r2c2"}


def test_a_single_part_is_its_total():
    # a CME territory made of one département: hiding one hides the other
    v = {"cme": 12, "dep": 12, "other": 3, "region": 15}
    rels = [Relation("cme", ("dep",)), Relation("region", ("dep", "other"))]
    assert suppress(v, rels, T) == {"other", "dep", "cme"}


def test_linked_cells_are_hidden_together():
    # a share by category: A = 3/10, B = 7/20, total 10/30. A's numerator is secret, so A's
    # denominator goes with it; the numerators' relation then takes B (7 < 10), denominator included.
    v = {"An": 3, "Ad": 10, "Bn": 7, "Bd": 20, "Tn": 10, "Td": 30}
    rels = [Relation("Tn", ("An", "Bn")), Relation("Td", ("Ad", "Bd"))]
    linked = [("An", "Ad"), ("Bn", "Bd"), ("Tn", "Td")]
    assert suppress(v, rels, T, linked=linked) == {"An", "Ad", "Bn", "Bd"}


def test_an_unpublished_small_rest_is_secret_too():
    # region 20 = D1 3 + D2 16 + 1 row of no territory (not shown): the hidden 3 and the unpublished
    # 1 sum to 4 < 5, so D2 is hidden as well
    v = {"R": 20, "D1": 3, "D2": 16, "rest": 1}
    assert suppress(v, [Relation("R", ("D1", "D2", "rest"))], T, unpublished={"rest"}) == {"D1", "D2"}
    # with 2 rows of no territory the unknown cells sum to 5: enough
    v = {"R": 21, "D1": 3, "D2": 16, "rest": 2}
    assert suppress(v, [Relation("R", ("D1", "D2", "rest"))], T, unpublished={"rest"}) == {"D1"}


def test_a_chain_through_unpublished_cells_is_cut_where_it_can_be():
    # P (not shown) = Y1 10 + Y2 12 (the years); P = A 3 + R (not shown); R = E1 9 + E2 10.
    # P and R are deduced from the published cells, then A = P - R: A's own relation has nothing
    # visible left to hide, so one of P and R (the smaller, R) must stop being deducible: the relation
    # giving R back loses its smallest cell, E1. Then R = E1 + 10 and A = 22 - R = 12 - E1: A lies
    # anywhere in 0..12, and A + R = 22 ≥ 5. Hiding a year as well (Y1) would protect nothing more.
    v = {"P": 22, "Y1": 10, "Y2": 12, "A": 3, "R": 19, "E1": 9, "E2": 10}
    rels = [Relation("P", ("Y1", "Y2")), Relation("P", ("A", "R")), Relation("R", ("E1", "E2"))]
    assert suppress(v, rels, T, unpublished={"P", "R"}) == {"A", "E1"}


def test_hidden_for_another_reason_is_protected_like_a_small_cell():
    v = {"tot": 40, "a": 12, "b": 13, "c": 15}
    assert suppress(v, [Relation("tot", ("a", "b", "c"))], T, hidden={"c"}) == {"a", "c"}


# --- every output of a territory-year with tiny counts ----------------------------------------
#
# Calls of 2019 imported as the platform sends them (CSV, cp1252, ';'), into a store made with init:
#   38: 4 calls, 3 from companies (functions rh, rh, dirigeant; size moins_11) and 1 from an employee
#   01: 8 calls, 2 from companies (rh, rh; size 11_49) and 6 from employees
#   69: 12 calls, 6 from companies (rh ×4, dirigeant ×2; size 50_249) and 6 from employees
# Region: 24 calls, 11 from companies (rh 8, dirigeant 3).
#
# Worked out by hand, threshold 5:
# - Q3.C4.I1 (calls): 38 = 4 is secret; region 24 − 69 (12) would give it back, so the smallest other
#   département, 01 (8), is hidden too; CME Isère = 38 and CME Ain = 01 likewise. Visible: 69 = 12,
#   region 24 (24 − 12 = 12 = 4 + 8: two hidden cells summing ≥ 5).
# - Q3.C2.I1 (share of companies among callers): 38 = 3/4 (75 %) and 01 = 2/8 are secret (3, 4, 2 < 5);
#   numerators 11 − 6 = 5 = 3 + 2 and denominators 24 − 12 = 12: enough. Visible: 69 6/12, region 11/24.
# - Q3.C2.I2 (functions of the company callers): 38 = 3 and 01 = 2 secret, 69 = 6 visible, region 11.
#   Region breakdown: dirigeant 3 is secret, rh = 11 − 3 = 8 would give it back: rh hidden too.

THRESHOLD = 5
HEAD = ("Référence de l'appel;Date de l'appel;Département;Catégorie d'appelant;Régime;En arrêt de travail;"
        "Échange avec l'employeur;Démarche engagée;RQTH;Accompagné par un acteur;Orienté par;Type d'acteur;"
        "Type de question;Orientation;Taille de l'entreprise;Secteur de l'entreprise;Fonction de l'appelant;"
        "Type de demande de l'entreprise")
CALLS = ([("38", "entreprise", "moins_11", f) for f in ("rh", "rh", "dirigeant")] + [("38", "salarie", "", "")]
         + [("01", "entreprise", "11_49", "rh")] * 2 + [("01", "salarie", "", "")] * 6
         + [("69", "entreprise", "50_249", f) for f in ("rh",) * 4 + ("dirigeant",) * 2]
         + [("69", "salarie", "", "")] * 6)
DEPS = ("01", "07", "26", "38", "42", "69", "73", "74")
CALLS_BY_DEP = {d: sum(c[0] == d for c in CALLS) for d in DEPS}            # 38: 4, 01: 8, 69: 12
COMPANIES_BY_DEP = {d: sum(c[0] == d and c[1] == "entreprise" for c in CALLS) for d in DEPS}


def _file() -> bytes:
    rows = [f"T-{i:04d};15/03/2019;{dep};{cat};;;;;;;;;droits_arret;information_seule;{size};;{fn};"
            for i, (dep, cat, size, fn) in enumerate(CALLS, start=1)]
    return ("\r\n".join([HEAD, *rows]) + "\r\n").encode("cp1252")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, request):
    """A store made with init holding the 24 calls above; yields (engine, reference, référentiel)."""
    from dashboard.cli import main
    from dashboard.core.indicators import Reference
    from dashboard.core.referentiel import load_referentiel
    from data_access import imports
    from data_access.db import make_engine

    url = request.getfixturevalue("new_database_url")()
    import dashboard.core.warm
    warm = dashboard.core.warm.warm_aggregates
    dashboard.core.warm.warm_aggregates = lambda engine: 0
    try:
        assert main(["--database-url", url, "init"]) == 0
    finally:
        dashboard.core.warm.warm_aggregates = warm
    engine = make_engine(url)
    checked = imports.check(engine, _file(), "ise_call.csv", username="t")
    assert checked.ok, checked.problems
    imports.confirm(engine, checked, username="t", removals_confirmed=True)
    yield engine, Reference.from_engine(engine), load_referentiel()
    engine.dispose()


def _compute(tiny, ind_id, territory):
    from dashboard.core.filters import Filters
    from dashboard.core.indicators import compute

    engine, ref, referentiel = tiny
    return compute(engine, referentiel.indicator(ind_id), Filters(2019, 2019, territory), ref,
                   small_cell_threshold=THRESHOLD)


def _row(result, scope="selection"):
    s = result.series
    return s[(s["scope"] == scope) & (s["year"] == 2019)].iloc[0]


def _blank(row, cols=("value", "numerator", "denominator")) -> bool:
    return bool(row["hidden"]) and all(pd.isna(row[c]) for c in cols if c in row)


def test_known_answers_primary_and_secondary(tiny):
    calls = {t: _row(_compute(tiny, "Q3.C4.I1", t)) for t in ("38", "01", "69", "CME38", "CME01", "R82")}
    assert CALLS_BY_DEP["38"] == 4 and CALLS_BY_DEP["01"] == 8 and CALLS_BY_DEP["69"] == 12
    for t in ("38", "01", "CME38", "CME01"):   # 38 primary; 01 secondary; the CMEs are the same cells
        assert _blank(calls[t]), (t, calls[t])
    assert calls["69"]["value"] == 12 and not calls["69"]["hidden"]
    assert calls["R82"]["value"] == 24 and not calls["R82"]["hidden"]

    share = {t: _compute(tiny, "Q3.C2.I1", t) for t in ("38", "01", "69", "R82")}
    assert _blank(_row(share["38"])) and _blank(_row(share["01"]))
    r69 = _row(share["69"])
    assert (r69["numerator"], r69["denominator"], r69["value"]) == (6, 12, 0.5)
    region = _row(share["38"], "region")   # the region beside the selection: 11 / 24
    assert (region["numerator"], region["denominator"]) == (11, 24)
    assert share["38"].detail["hidden"].all() and share["38"].detail["value"].isna().all()

    functions = _compute(tiny, "Q3.C2.I2", "R82")
    assert _row(functions)["value"] == 11
    b = functions.breakdown.set_index("category")
    assert b.loc["dirigeant", "hidden"] and b.loc["rh", "hidden"]   # 3 primary, 8 = 11 − 3 secondary
    assert b["value"].isna().all()


def _visible_small(frame, cols) -> list:
    out = []
    for col in cols:
        if frame is not None and col in frame:
            v = pd.to_numeric(frame[col], errors="coerce")
            out += [float(x) for x in v[(v > 0) & (v < THRESHOLD)]]
    return out


def test_no_small_cell_is_readable_in_any_case_level_result(tiny):
    """Every case-level indicator, every territory: no count between 0 and the threshold is left."""
    engine, ref, referentiel = tiny
    from dashboard.core.filters import territory_options

    checked = 0
    for ind in referentiel.indicators():
        if not ind.source.case_level:
            continue
        for territory in territory_options(ref.territories):
            r = _compute(tiny, ind.id, territory)
            count_cols = ["numerator", "denominator"] + (["value"] if ind.kind not in ("share", "duration") else [])
            assert not _visible_small(r.series, count_cols), (ind.id, territory, r.series)
            assert not _visible_small(r.breakdown, count_cols), (ind.id, territory, r.breakdown)
            assert not _visible_small(r.detail, ["value"]), (ind.id, territory, r.detail)
            assert not _visible_small(r.distribution, ["n"]), (ind.id, territory, r.distribution)
            for frame in (r.series, r.breakdown, r.detail):
                if frame is not None and not frame.empty:
                    h = frame[frame["hidden"]]
                    assert h[[c for c in ("value", "numerator", "denominator") if c in h]].isna().all().all()
            checked += 1
    assert checked >= len(territory_options(ref.territories)) * 20


def test_the_region_minus_the_other_territories_gives_nothing_back(tiny):
    """Map frame (per département): the hidden cells sum to 0 or to at least the threshold, and
    never a single one, so region − visible départements recomputes none of them."""
    from dashboard.core.filters import Filters
    from dashboard.core.territorial import territorial_results

    engine, ref, referentiel = tiny
    for ind_id, truth in (("Q3.C4.I1", CALLS_BY_DEP), ("Q3.C2.I2", COMPANIES_BY_DEP)):
        res = territorial_results(engine, referentiel.indicator(ind_id), Filters(2019, 2019), ref, "departement",
                                  small_cell_threshold=THRESHOLD)
        f = res.frame.set_index("territory")
        region = float(res.region.loc[res.region["year"] == 2019, "value"].iloc[0])
        assert region == sum(truth.values())
        hidden = [d for d in DEPS if f.loc[d, "hidden"]]
        assert set(hidden) == {"38", "01"}, (ind_id, hidden)
        assert f.loc[hidden, ["value", "numerator", "denominator", "rate_per_100k"]].isna().all().all()
        # départements without a delivery show no value ("non transmis"): a reader may take them as 0
        visible = sum(np.nan_to_num(f.loc[d, "value"]) for d in DEPS if d not in hidden)
        left = region - visible   # what a reader can recompute: the sum of the hidden cells
        assert left == sum(truth[d] for d in hidden) and left >= THRESHOLD and len(hidden) >= 2


def test_csv_figures_map_and_ranking_show_no_hidden_number(tiny):
    from dashboard.core.filters import Filters
    from dashboard.core.territorial import ranking, territorial_results
    from dashboard.render import figures, maps, tables
    from dashboard.render.geo import features_for

    engine, ref, referentiel = tiny
    for ind_id in ("Q3.C4.I1", "Q3.C2.I1", "Q3.C2.I2"):
        result = _compute(tiny, ind_id, "38")
        csv = pd.read_csv(io.BytesIO(tables.to_csv_bytes(tables.data_table(result))), sep=";", decimal=",",
                          encoding="utf-8-sig", dtype=str, keep_default_na=False)
        sel = csv[csv["Série"] == "Sélection"]
        assert len(sel) and (sel["Masqué (petits effectifs)"] == "oui").all(), (ind_id, sel)
        for col in ("Valeur", "Numérateur", "Dénominateur"):
            if col in sel:
                assert (sel[col] == "").all(), (ind_id, col, sel)
        for fig in figures.build_figures(result):
            data = json.loads(fig.to_json())["data"]
            for trace in data:
                if trace.get("name") in ("Rhône-Alpes", "Rhône-Alpes (indice)"):
                    continue
                ys = [y for y in trace.get("y") or [] if y is not None and not
                      (isinstance(y, float) and np.isnan(y))]
                xs = [x for x in trace.get("x") or [] if isinstance(x, (int, float))]
                assert not ys or not xs or trace.get("orientation") == "h", (ind_id, trace)
                text = json.dumps(trace.get("customdata"), ensure_ascii=False)
                assert "3 / 4" not in text and "75" not in text, (ind_id, text)
        # the map and the ranking of the départements
        res = territorial_results(engine, referentiel.indicator(ind_id), Filters(2019, 2019), ref, "departement",
                                  small_cell_threshold=THRESHOLD)
        ranks = ranking(res, 2019, use_rate=ind_id == "Q3.C4.I1").set_index("territory")
        assert ranks.loc[["38", "01"], "rank"].isna().all()
        assert ranks.loc[["38", "01"], ["value", "rate_per_100k"]].isna().all().all()
        fig = maps.territory_map(res, 2019, features_for("departement", ref.perimeters), use_rate=False)
        payload = json.dumps(json.loads(fig.to_json())["data"], ensure_ascii=False)
        assert "secret statistique" in payload


def test_bilan_xlsx_and_html_blank_the_secret_cells(tiny):
    from openpyxl import load_workbook

    from dashboard.reports import bilan as B
    from dashboard.reports import bilan_export as X

    engine, ref, referentiel = tiny
    bilan = B.build_bilan(engine, referentiel, ref, "CME38", 2019, small_cell_threshold=THRESHOLD,
                          with_comments=False)
    wb = load_workbook(io.BytesIO(X.to_xlsx(bilan)))
    ws = wb["Bilan"]
    header = [c.value for c in ws[3]]
    rows = {r[header.index("Indicateur")]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    for ind_id in ("Q3.C4.I1", "Q3.C2.I1", "Q3.C2.I2"):
        row = rows[ind_id]
        assert row[header.index("Valeur 2019")] is None, (ind_id, row)
        assert row[header.index("Secret statistique 2019")] == "s", (ind_id, row)
    q3 = wb["Q3"]
    header = [c.value for c in q3[3]]
    for r in q3.iter_rows(min_row=4, values_only=True):
        if r[header.index("Indicateur")] in ("Q3.C4.I1", "Q3.C2.I1", "Q3.C2.I2") and \
                r[header.index("Série")] != "Rhône-Alpes" and r[header.index("Année")] == 2019:
            for col in ("Valeur", "Numérateur", "Dénominateur"):
                if col in header:
                    assert r[header.index(col)] is None, r
    import re

    html = re.sub(r"<script.*?</script>", "", X.render_html(bilan, interactive=False), flags=re.S)
    assert "secret statistique" in html
    assert "75,0" not in html and "75\u202f%" not in html and "75 %" not in html and "3 / 4" not in html
    # the bilan's chart of question 3: the territory's 2019 points are not drawn, their hover says "secret"
    q3 = next(s for s in bilan.sections if s.question.id.startswith("Q3"))
    fig = B.section_figure(q3, bilan)
    for trace in fig["data"]:
        if trace.get("name") == bilan.territory_label and "customdata" in trace:
            at = trace["x"].index(2019)
            if trace["customdata"][at].endswith("secret statistique"):
                assert trace["y"][at] is None or np.isnan(trace["y"][at]), trace
    hovers = [h for t in fig["data"] for h in (t.get("customdata") or [])]
    assert not any("75" in str(h) for h in hovers)
    for line in q3.lines:   # a line whose only year is secret has nothing to draw: left out of the chart
        if line.indicator.id in ("Q3.C4.I1", "Q3.C2.I1", "Q3.C2.I2"):
            assert line.hidden and line.value is None and not line.has_series
            assert line.value_text == "secret statistique"


def test_the_question_page_shows_no_hidden_number(tiny, app_factory, monkeypatch):
    """The Q3 page of Isère (4 calls in 2019): blanks in its tables, no "3 / 4" or "75 %" anywhere."""
    engine, ref, referentiel = tiny
    monkeypatch.setenv("MAINTIEN_SMALL_CELL_THRESHOLD", str(THRESHOLD))
    at = app_factory(engine.url.render_as_string(hide_password=False))
    at.run()
    at.switch_page("app_pages/q3_info_sante_emploi.py")
    at.run()
    at.sidebar.selectbox(key="territoire").set_value("38")
    at.run()
    assert not at.exception, at.exception
    assert "Isère" in " ".join(c.value for c in at.caption)
    q3 = referentiel.question("Q3")           # every criterion's tab, one at a time
    texts = " ".join(across_criteria(at, q3, lambda t: [str(x.value) for x in [*t.markdown, *t.caption, *t.info,
                                                                              *t.warning]]))
    assert "3 / 4" not in texts and "75,0" not in texts and "75\u202f%" not in texts
    seen = 0
    for df in across_criteria(at, q3, lambda t: list(t.dataframe)):
        frame = df.value
        if "Série" not in frame or "Masqué (petits effectifs)" not in frame:
            continue
        mine = frame[(frame["Série"] == "Sélection") & (frame["Année"].astype(str) == "2019")]
        for _, row in mine.iterrows():
            if row["Masqué (petits effectifs)"] != "oui":
                continue
            seen += 1
            for col in ("Valeur", "Numérateur", "Dénominateur"):
                if col in frame:
                    assert pd.isna(row[col]) or row[col] in ("", None), (col, row.to_dict())
    assert seen >= 3, "the page must show the hidden 2019 cells of the Isère as blanks"
    # the numerator's detail (Q3.C2.I1: 3 companies by size and by sector) reads "s", never a count
    details = [df.value for df in across_criteria(at, q3, lambda t: list(t.dataframe))
               if list(df.value.columns)[-2:] == ["Catégorie", "Effectif"]]
    assert details and all(set(d["Effectif"]) == {"s (secret statistique)"} for d in details), details


def test_a_detail_by_two_columns_keeps_each_partition_secret(tiny):
    """Q3.C2.I1 (companies among callers) details its numerator by company size and by sector.
    Region, 2019: 11 company callers — by size moins_11 3 (Isère), 11_49 2 (Ain), 50_249 6 (Rhône);
    by sector all 11 "non renseigné". Sizes 3 and 2 are secret (< 5) and together 5 = 11 − 6: enough."""
    from dashboard.render import figures, tables

    res = _compute(tiny, "Q3.C2.I1", "R82")
    d = res.detail
    assert list(dict.fromkeys(d["dimension"])) == ["company_size", "company_sector"]
    size = d[d["dimension"] == "company_size"].set_index("category")
    assert size.loc["50_249", "value"] == 6 and not size.loc["50_249", "hidden"]
    assert size.loc[["moins_11", "11_49"], "hidden"].all() and size.loc[["moins_11", "11_49"], "value"].isna().all()
    sector = d[d["dimension"] == "company_sector"]
    assert sector["value"].tolist() == [11.0] and sector["category_label"].tolist() == ["Non renseigné"]
    assert set(d["dimension_label"]) == {"Taille de l'entreprise", "Secteur de l'entreprise"}
    titles = [f.layout.title.text for f in figures.build_figures(res) if f.layout.title.text]
    assert any("par taille de l'entreprise" in t for t in titles) and any("par secteur de l'entreprise" in t
                                                                          for t in titles), titles
    table = tables.data_table(res)
    assert {"Détail du numérateur (période) · Taille de l'entreprise",
            "Détail du numérateur (période) · Secteur de l'entreprise"} <= set(table["Série"])


def test_a_detailed_share_keeps_its_large_region_series(sample_engine):
    """Regression: Q3.C2.I1 (companies among callers, detailed by size and sector) once lost its whole
    region series, every year in the hundreds, to a cascade of protected copies of published cells."""
    from dashboard.core.filters import Filters
    from dashboard.core.indicators import Reference, compute
    from dashboard.core.referentiel import load_referentiel

    res = compute(sample_engine, load_referentiel().indicator("Q3.C2.I1"), Filters(2016, 2020),
                  Reference.from_engine(sample_engine))
    sel = res.selection_series()
    assert (sel["numerator"] >= THRESHOLD).all() and not sel["hidden"].any(), sel
    d = res.detail
    # what is hidden in the detail is a small cell or its secondary partner, never a large total
    assert (d.loc[~d["hidden"], "value"] >= THRESHOLD).all()


@pytest.mark.parametrize("indicator_id", ["Q3.C2.I1", "Q3.C4.I3", "Q6.C4.I2", "Q6.C5.I2"])  # share, typology, count
def test_the_region_wide_pattern_is_computed_once_and_applied_to_every_territory(sample_engine, indicator_id):
    """One pattern of hidden cells for the region and all its territories (by design): it is kept for
    its exact inputs, a second territory reuses it, and the result is the one a fresh computation gives."""
    from dashboard.core import secrecy as S
    from dashboard.core.filters import Filters
    from dashboard.core.indicators import Reference, compute
    from dashboard.core.referentiel import load_referentiel

    ref, ind = Reference.from_engine(sample_engine), load_referentiel().indicator(indicator_id)
    threshold = 40           # high enough that the sample has secret cells in Isère

    def run(territory):
        return compute(sample_engine, ind, Filters(2016, 2020, territory), ref, small_cell_threshold=threshold)

    S._PATTERNS.clear()
    run("CME42")
    kept = len(S._PATTERNS)
    assert kept >= 1
    reused = run("38")
    assert len(S._PATTERNS) == kept                      # Isère used the pattern computed for the Loire
    S._PATTERNS.clear()
    fresh = run("38")
    assert len(S._PATTERNS) == kept
    assert any(f is not None and "hidden" in f and f["hidden"].any() for f in (fresh.series, fresh.breakdown,
                                                                            fresh.detail)), "needs secret cells"
    for name in ("series", "breakdown", "detail", "distribution"):
        a, b = getattr(reused, name), getattr(fresh, name)
        if a is None or b is None:
            assert a is None and b is None, name
        else:
            pd.testing.assert_frame_equal(a, b, obj=name)
    # another threshold is another pattern
    compute(sample_engine, ind, Filters(2016, 2020, "38"), ref, small_cell_threshold=5)
    assert len(S._PATTERNS) == kept + 1
