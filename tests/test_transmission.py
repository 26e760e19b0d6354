"""Zero is not missing (issue "numbers a CPR can trust", part 1): a year whose data were received,
or declared empty, reads 0; a year nobody sent reads "non transmis"; a year some territories sent
and others did not is "partiel" and stays out of the verdicts.

Known answers: hand-made partner files (CSV Windows-1252 ``;``, CSV UTF-8 with BOM, XLSX) imported
through the validating importer into a store made with ``init``, then read back from the computed
result, the block's CSV, the bilan (lines and XLSX) and the question page.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from dashboard.core.filters import Filters
from dashboard.core.indicators import Reference, compute
from dashboard.core.referentiel import load_referentiel
from dashboard.render.tables import data_table, to_csv_bytes
from dashboard.reports import bilan as B
from dashboard.reports import bilan_export as X
from data_access import imports, transmission
from data_access.db import make_engine
from tests.conftest import across_criteria

REF = load_referentiel()
CTME = REF.indicator("Q4.C3.I1")          # "Nombre de CTME … tendre vers 0"

# CTME sessions by hand: CME38 holds 14, 10 and 6 sessions in 2016-2018, then none (declared) in
# 2019 and 2020; CME69 holds 8, 7 and 5 in 2016-2018, declares 2020 empty and sends nothing for 2019.
SESSIONS = {("CME38", 2016): 14, ("CME38", 2017): 10, ("CME38", 2018): 6,
            ("CME69", 2016): 8, ("CME69", 2017): 7, ("CME69", 2018): 5}
DECLARED = [("CME38", 2019), ("CME38", 2020), ("CME69", 2020)]


def _ctme_csv(cme: str) -> bytes:
    lines = ["CME;Date de la séance;Situations examinées"]
    for (terr, year), n in SESSIONS.items():
        if terr == cme:
            lines += [f"{terr};{day:02d}/03/{year};{2 + day % 3}" for day in range(1, n + 1)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def _declarations_xlsx() -> bytes:
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Déclarations"
    ws.append(["Jeu de données", "Territoire", "Année", "Commentaire"])
    for terr, year in DECLARED:
        ws.append(["ctme_session", terr, year, "Aucune CTME réunie cette année"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _import(engine, data: bytes, name: str, dataset: str | None = None) -> None:
    checked = imports.check(engine, data, name, dataset=dataset, username="t")
    assert checked.ok, checked.problems
    imports.confirm(engine, checked, username="t", removals_confirmed=True)


@pytest.fixture(scope="module")
def store(new_database_url, tmp_path_factory):
    from dashboard.cli import main
    url = new_database_url()
    assert main(["--database-url", url, "init"]) == 0
    engine = make_engine(url)
    _import(engine, _ctme_csv("CME38"), "ctme38.csv")
    _import(engine, _ctme_csv("CME69"), "ctme69.csv")
    _import(engine, _declarations_xlsx(), "declarations.xlsx")
    yield url, engine
    engine.dispose()


def _series(engine, territory: str) -> pd.DataFrame:
    ref = Reference.from_engine(engine)
    result = compute(engine, CTME, Filters(2016, 2020, territory), ref)
    return result, result.selection_series().set_index("year")


def test_a_declared_zero_is_zero_and_the_to_zero_target_is_reached(store):
    url, engine = store
    result, s = _series(engine, "CME38")
    assert s["value"].tolist() == [14, 10, 6, 0, 0]
    assert s["status"].tolist() == ["transmis", "transmis", "transmis", "zero", "zero"]
    assert result.verdict is not None and result.verdict.code == "atteint", result.verdict


def test_a_year_nobody_sent_is_not_transmitted_nor_zero(store):
    url, engine = store
    result, s = _series(engine, "CME69")
    assert s.loc[2019, "status"] == "non_transmis" and pd.isna(s.loc[2019, "value"])
    assert s.loc[2020, "status"] == "zero" and s.loc[2020, "value"] == 0
    assert s.loc[[2016, 2017, 2018], "value"].tolist() == [8, 7, 5]
    assert "Données non transmises : 2019" in result.transmission_note()


def test_the_region_is_partial_when_one_cme_is_missing(store):
    url, engine = store
    result, s = _series(engine, "R82")
    assert s.loc[2016:2018, "value"].tolist() == [22, 17, 11]
    # 2019: CME38 declared nothing happened, CME69 sent nothing -> 1 of the 2 expected CMEs
    assert s.loc[2019, "status"] == "partiel" and s.loc[2019, "value"] == 0
    assert (s.loc[2019, "covered"], s.loc[2019, "expected"]) == (1, 2)
    assert s.loc[2020, "status"] == "zero" and s.loc[2020, "value"] == 0
    assert "2019 : données partielles (1 territoire sur 2 attendus)" in result.transmission_note()


def test_the_block_csv_says_which_years_are_zero_and_which_missing(store):
    url, engine = store
    result, _ = _series(engine, "CME69")
    table = data_table(result)
    sel = table[table["Série"] == "Sélection"].set_index("Année")
    assert sel.loc[2019, "Données"] == "non transmis" and pd.isna(sel.loc[2019, "Valeur"])
    assert sel.loc[2020, "Données"] == "aucun (déclaré)" and sel.loc[2020, "Valeur"] == 0
    text = to_csv_bytes(table).decode("utf-8-sig")
    assert "Sélection;2019;Total;;" in text and "non transmis" in text


def test_the_bilan_reads_non_transmis_and_zero(store):
    url, engine = store
    ref = Reference.from_engine(engine)
    bilan = B.build_bilan(engine, REF, ref, "CME69", 2020, with_comments=False)
    line = next(ln for s in bilan.sections for ln in s.lines if ln.indicator.id == CTME.id)
    assert line.value == 0 and line.value_text == "0" and line.status == "zero"
    assert line.previous_text == "non transmis"
    summary = pd.read_excel(io.BytesIO(X.to_xlsx(bilan)), sheet_name="Bilan", header=2).set_index("Indicateur")
    assert summary.loc[CTME.id, "Valeur 2020"] == 0
    assert summary.loc[CTME.id, "Données 2020"] == "aucun (déclaré)"
    assert pd.isna(summary.loc[CTME.id, "Valeur 2019"])


def test_the_question_page_shows_zero_and_the_missing_year(store, app_factory):
    url, engine = store
    at = app_factory(url)
    at.run()
    at.switch_page("app_pages/q4_animations_territoriales.py")
    at.run()
    at.sidebar.selectbox(key="territoire").set_value("CME69")
    at.run()
    assert not at.exception, at.exception
    q4 = load_referentiel().question("Q4")
    captions = " ".join(across_criteria(at, q4, lambda t: [c.value for c in t.caption]))
    assert "Données non transmises : 2019" in captions


def test_a_utf8_bom_declaration_is_refused_for_an_unknown_dataset_in_french(store):
    url, engine = store
    data = "\ufeffJeu de données;Territoire;Année\r\nctme;CME38;2019\r\n".encode("utf-8")
    checked = imports.check(engine, data, "decl.csv", dataset="data_declaration", username="t")
    assert not checked.ok
    assert checked.problems[0].startswith("decl.csv, ligne 2, colonne « Jeu de données »"), checked.problems


def test_the_dataset_of_a_source():
    assert transmission.dataset_of_source(CTME.source).name == "ctme_session"
    assert transmission.dataset_of_source(REF.indicator("Q4.C3.I2").source) is None   # a survey: no declaration


def test_status_rule_by_hand():
    rows = pd.DataFrame({"year": [2016, 2016, 2017], "territory_code": ["A", "B", "A"], "rows": [3, 1, 2]})
    declared = pd.DataFrame({"year": [2018], "territory_code": ["A"]})
    st = transmission.status_by_year(rows, declared, {"A", "B"}, [2016, 2017, 2018, 2019]).set_index("year")
    assert st["status"].to_dict() == {2016: "transmis", 2017: "partiel", 2018: "partiel", 2019: "non_transmis"}
    st = transmission.status_by_year(rows, declared, {"A"}, [2017, 2018, 2019], empty_years={2019})
    assert st["status"].tolist() == ["transmis", "zero", "zero"]


def test_a_file_with_only_its_header_points_to_the_declaration(store):
    url, engine = store
    checked = imports.check(engine, "CME;Date de la séance;Situations examinées\r\n".encode(), "vide.csv",
                            dataset="ctme_session", username="t")
    assert not checked.ok
    assert "aucune ligne de données" in checked.problems[0] and "rien cette année" in checked.problems[0]


def test_the_form_declares_a_year_within_the_users_territories(store):
    from data_access import records
    from data_access.intake import IntakeError
    from data_access.users import add_user

    url, engine = store
    user = add_user(engine, "anim38", "animateur-38-declare", role="animateur", territories=["CME38"])
    new_id = records.save_record(engine, "data_declaration",
                                 {"dataset": "ise_call", "territory_code": "38", "year": 2016, "note": None}, user)
    assert new_id
    with pytest.raises(IntakeError):
        records.save_record(engine, "data_declaration",
                            {"dataset": "ise_call", "territory_code": "69", "year": 2016, "note": None}, user)
    ref = Reference.from_engine(engine)
    calls = compute(engine, REF.indicator("Q3.C4.I1"), Filters(2016, 2017, "38"), ref).selection_series()
    assert calls["status"].tolist() == ["zero", "non_transmis"] and calls["value"].tolist()[0] == 0


# --- a share sent as its value only ----------------------------------------------------------------------


def test_a_share_sent_as_its_value_only_is_kept(new_database_url):
    from dashboard.cli import main
    from dashboard.services.importing import context_kwargs

    url = new_database_url()
    assert main(["--database-url", url, "init"]) == 0
    engine = make_engine(url)
    try:
        # 38: 2018 with its numerator and denominator (60 / 80 = 75 %), 2019 as a value only (80 %);
        # 69: 2019 with 30 / 40.
        data = ("Indicateur;Territoire;Année;Valeur;Numérateur;Dénominateur;Source\r\n"
                "Q6.C1.I3;38;2018;75;60;80;agefiph\r\n"
                "Q6.C1.I3;38;2019;80;;;agefiph\r\n"
                "Q6.C1.I3;69;2019;75;30;40;agefiph\r\n").encode("cp1252")
        checked = imports.check(engine, data, "sameth.csv", username="t", context=context_kwargs())
        assert checked.ok, checked.problems
        imports.confirm(engine, checked, username="t", removals_confirmed=True)
        ref = Reference.from_engine(engine)
        ind = REF.indicator("Q6.C1.I3")
        s = compute(engine, ind, Filters(2018, 2019, "38"), ref).selection_series().set_index("year")
        assert s.loc[2018, "value"] == pytest.approx(0.75) and s.loc[2019, "value"] == pytest.approx(0.80)
        region = compute(engine, ind, Filters(2018, 2019, "R82"), ref).selection_series().set_index("year")
        # 2019 mixes a value-only territory with a complete one: no regional share can be computed from them
        assert region.loc[2018, "value"] == pytest.approx(0.75) and pd.isna(region.loc[2019, "value"])
    finally:
        engine.dispose()


def test_the_chart_marks_the_missing_year(store):
    from dashboard.render.figures import build_figures

    url, engine = store
    result, _ = _series(engine, "CME69")
    [fig, *_] = build_figures(result)
    marks = {a.name: a.text for a in fig.layout.annotations if (a.name or "").startswith("transmission_")}
    assert marks == {"transmission_2019": "<i>non transmis</i>"}
    trace = fig.data[0]
    assert list(trace.x) == [2016, 2017, 2018, 2019, 2020] and list(trace.y)[4] == 0


def test_a_running_total_is_not_carried_into_a_year_not_sent():
    from dashboard.core.indicators import _cumulate

    series = pd.DataFrame({
        "scope": ["selection"] * 4, "year": [2016, 2017, 2018, 2019],
        "value": [3.0, 2.0, 0.0, float("nan")],
        "status": ["transmis", "transmis", "zero", "non_transmis"],
    })
    out = _cumulate(series).set_index("year")
    # 3, 3 + 2, 5 + a declared 0; 2019 was not sent: no total ("non transmis"), not 5 again
    assert out["value"].tolist()[:3] == [3.0, 5.0, 5.0]
    assert pd.isna(out.loc[2019, "value"])
