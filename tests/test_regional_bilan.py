"""The region's annual evaluation (issue 15, point 1): ``bilan --territoire R82``, built from hand-made
partner files imported through the validating importer into a store made with ``init``: every CME
side by side (each cell the reading of that CME's own bilan), the region's rank among the regions
year by year, the objectives; in HTML, XLSX and (with Chromium) PDF."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from dashboard.core.indicators import Reference
from dashboard.core.referentiel import load_referentiel
from dashboard.reports import bilan as B
from dashboard.reports import bilan_export as X
from tests.conftest import import_csv, skip_or_fail

REF = load_referentiel()


load = import_csv


# SAMETH retention rate (Q6.C1.I3, a share, target up) of three regions, in %: Auvergne-Rhône-Alpes
# (R84, the region compared), Île-de-France (R11), Provence-Alpes-Côte d'Azur (R93), and of Isère.
# Ranks of R84 (highest first): 2018: R11 65 > R84 60 > R93 50 → 2e sur 3;
#                                2019: R84 90 > R93 80 > R11 65 → 1er sur 3.
VALUES = """
Indicateur;Territoire;Année;Valeur;Source
Q6.C1.I3;R84;2018;60;agefiph
Q6.C1.I3;R11;2018;65;agefiph
Q6.C1.I3;R93;2018;50;agefiph
Q6.C1.I3;R84;2019;90;agefiph
Q6.C1.I3;R11;2019;65;agefiph
Q6.C1.I3;R93;2019;80;agefiph
Q6.C1.I3;38;2018;55;agefiph
Q6.C1.I3;38;2019;75;agefiph
"""
# CTME in Isère (3, then 2) and in the Loire (1, then 4); the other CMEs sent nothing
CTME = """
CME;Date de la séance;Situations examinées
CME38;10/03/2018;2
CME38;10/04/2018;2
CME38;10/05/2018;2
CME38;10/03/2019;2
CME38;10/04/2019;2
CME42;10/03/2018;2
CME42;10/03/2019;2
CME42;10/04/2019;2
CME42;10/05/2019;2
CME42;10/06/2019;2
"""
OBJECTIVE = """
Indicateur;Territoire;Première année;Dernière année;Portée;Comparateur;Cible;Origine de l'objectif
Q4.C3.I1;R82;2018;2019;chaque_annee;le;5;Décision du CPR
"""


@pytest.fixture
def store(init_store):
    load(init_store, "indicator_value", VALUES)
    load(init_store, "ctme_session", CTME)
    load(init_store, "objective", OBJECTIVE)
    return init_store


def test_the_regional_evaluation_holds_every_cme_the_regions_ranks_and_the_objectives(store):
    ref = Reference.from_engine(store)
    bilan = B.build_bilan(store, REF, ref, "R82", 2019)
    assert bilan.regional and bilan.title == "Évaluation annuelle 2019 · Rhône-Alpes"
    # every CME territory, side by side; a CME without data that year says so
    grid = bilan.cme_grid.set_index("territory")
    assert list(grid.index) == B.cme_territories(ref)
    assert grid.loc["CME01", "Q4"] == "" and grid.loc["CME01", "Q4 lecture"] == "Aucune donnée cette année"
    for code in ("CME38", "CME42"):     # each cell is the reading of that CME's own bilan
        own = B.build_bilan(store, REF, ref, code, 2019, with_comments=False)
        for s in own.sections:
            assert grid.loc[code, f"Q{s.question.number}"] == s.summary.overall
    # the region among the regions: Q6.C1.I3, ranks computed by hand above
    regions = bilan.regions.set_index("Indicateur")
    assert list(regions.index) == ["Q6.C1.I3"]
    row = regions.loc["Q6.C1.I3"]
    assert (row["2018"], row["2019"], row["2017"], row["Rang 2019"]) == ("2e sur 3", "1er sur 3", "", 1)
    assert row["Mesure"] == "valeur"
    # the objective "au plus 5 CTME par an" for the region: 3 + 1 = 4 in 2018, 2 + 4 = 6 in 2019
    [objective] = B.objectives_table(bilan).to_dict("records")
    assert (objective["Statut"], objective["Année jugée"], objective["Valeur"]) == ("Non atteint", 2019, 6.0)
    assert objective["Détail"] == ("Objectif : au plus 5 séances chaque année de 2018 à 2019 ; non atteint en 2019 "
                                   "(6 séances) ; cible atteinte 1 année sur 2 jugées.")


def test_the_regional_evaluation_in_html_and_xlsx(store):
    bilan = B.build_bilan(store, REF, Reference.from_engine(store), "R82", 2019)
    html = unescape(X.render_html(bilan, interactive=False, images={}))
    assert "Évaluation annuelle 2019 de la politique régionale · Rhône-Alpes" in html
    for title in ("Les CME côte à côte", "Rhône-Alpes parmi les régions", "Objectifs chiffrés"):
        assert f"<h2>{title}</h2>" in html or f"<h3>{title}</h3>" in html, title
    for code in B.cme_territories(Reference.from_engine(store)):
        assert Reference.from_engine(store).territory_label(code) in html
    assert "1er sur 3" in html and "2e sur 3" in html
    data = X.to_xlsx(bilan)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Bilan", "CME", "Régions", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Freins", "Décisions",
                               "Objectifs", "Commentaires"]
    regions = pd.read_excel(io.BytesIO(data), sheet_name="Régions", header=2).set_index("Indicateur")
    assert regions.loc["Q6.C1.I3", "Rang 2019"] == 1 and regions.loc["Q6.C1.I3", "2018"] == "2e sur 3"
    cme = pd.read_excel(io.BytesIO(data), sheet_name="CME", header=2).set_index("Territoire")
    assert cme.loc["CME Ain", "Q4"] == "Aucune donnée cette année"
    objectives = pd.read_excel(io.BytesIO(data), sheet_name="Objectifs", header=2)
    assert objectives[["Indicateur", "Statut", "Valeur"]].values.tolist() == [["Q4.C3.I1", "Non atteint", 6]]


def test_the_command_line_writes_the_regional_evaluation_in_three_formats(store, tmp_path):
    if not shutil.which("pdftotext") or not shutil.which("/usr/bin/chromium"):
        skip_or_fail("Chromium ou pdftotext absent : export PDF non testable")
    url = store.url.render_as_string(hide_password=False)
    # in a process of its own, as a secretary runs it (the session's browser fixture holds an event loop
    # in this thread, where Playwright's sync API that prints the PDF cannot start)
    got = subprocess.run([sys.executable, "-m", "dashboard", "--database-url", url, "bilan", "--territoire", "R82",
                          "--annee", "2019", "--out", str(tmp_path)], capture_output=True, text=True, timeout=900,
                         cwd=Path(__file__).resolve().parents[1])
    assert got.returncode == 0, got.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bilan-2019-R82.html", "bilan-2019-R82.pdf",
                                                          "bilan-2019-R82.xlsx"]
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "bilan-2019-R82.pdf"), "-"],
                          capture_output=True, text=True).stdout
    for q in REF.questions:
        assert f"Question {q.number} · {q.title}" in text
    ref = Reference.from_engine(store)
    for code in B.cme_territories(ref):               # every CME's name, on one line of the heat table
        assert ref.territory_label(code) in text, code
    assert "1er sur 3" in text and "Non atteint" in text
    # the XLSX holds the numbers of the store: the objective's value is the region's CTME of 2019, counted
    # by a direct query
    from sqlalchemy import func, select

    from data_access.db import table

    t = table("ctme_session")
    with store.connect() as conn:
        ctme_2019 = conn.execute(select(func.count()).select_from(t).where(
            t.c.session_date >= dt.date(2019, 1, 1), t.c.session_date <= dt.date(2019, 12, 31))).scalar_one()
    sheet = pd.read_excel(tmp_path / "bilan-2019-R82.xlsx", sheet_name="Objectifs", header=2)
    assert sheet.loc[0, "Valeur"] == ctme_2019 == 6
    bilan_sheet = pd.read_excel(tmp_path / "bilan-2019-R82.xlsx", sheet_name="Bilan", header=2)
    assert bilan_sheet.set_index("Indicateur").loc["Q4.C3.I1", "Valeur 2019"] == ctme_2019


def _frame_with(at, column: str) -> pd.DataFrame:
    """The (only) table of the page that has ``column``."""
    [frame] = [d.value for d in at.dataframe if column in d.value.columns]
    return frame


def test_the_bilan_page_offers_the_regional_evaluation_with_its_own_parts(store, app_factory):
    at = app_factory(store.url.render_as_string(hide_password=False))
    at.query_params["cme"] = "R82"
    at.query_params["annee"] = "2019"
    at.switch_page("app_pages/bilan.py")
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="bilan_cme").value == "R82"
    assert "Évaluation annuelle 2019 · Rhône-Alpes" in [h.value for h in at.header]
    assert "Objectifs chiffrés" in [str(m.value).strip("*") for m in at.markdown]
    objectives = _frame_with(at, "Statut")
    assert objectives[["Indicateur", "Statut"]].values.tolist() == [["Q4.C3.I1", "Non atteint"]]
    at.session_state["bilan-parties"] = "Les CME côte à côte"
    at.run()
    assert not at.exception, at.exception
    grid = _frame_with(at, "Q4")
    assert len(grid) == 7 and set(grid.columns) == {"Territoire", "Q1", "Q2", "Q3", "Q4", "Q5", "Q6"}
    assert grid.set_index("Territoire").loc["CME Ain", "Q4"] == "Aucune donnée cette année"
    at.session_state["bilan-parties"] = "Parmi les régions"
    at.run()
    regions = _frame_with(at, "Mesure").set_index("Indicateur")
    assert regions.loc["Q6.C1.I3", "2019"] == "1er sur 3"
