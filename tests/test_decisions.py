"""Decisions and improvement axes (issue 15, point 4): which a year's bilan carries and which are overdue,
on hand-made rows; then rows imported through the validating importer into a store made with ``init``,
read back from the CME's bilan (HTML, XLSX), the regional evaluation and the meeting mode."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from openpyxl import load_workbook

from dashboard.core import decisions as D
from dashboard.core.indicators import Reference
from dashboard.core.referentiel import load_referentiel
from dashboard.reports import bilan as B
from dashboard.reports import bilan_export as X
from tests.conftest import import_csv

d = dt.date


def rows(*items) -> pd.DataFrame:
    return pd.DataFrame([
        {"id": i, "territory_code": "CME38", "decided_date": decided, "kind": "axe", "title": title,
         "description": None, "owner_institution_code": None, "due_date": due, "status": status,
         "closed_date": closed}
        for i, (title, decided, due, status, closed) in enumerate(items, start=1)], columns=D.COLUMNS)


def test_what_a_year_carries():
    frame = rows(
        ("fermé en 2017", d(2016, 3, 1), d(2017, 6, 30), "close", d(2017, 5, 1)),       # closed before 2019
        ("fermé en 2019", d(2017, 3, 1), d(2019, 6, 30), "close", d(2019, 5, 1)),       # shown, closed
        ("ouvert, en retard", d(2018, 3, 1), d(2019, 6, 30), "en_cours", None),         # carried over, overdue
        ("ouvert, à l'heure", d(2019, 3, 1), d(2020, 6, 30), "ouverte", None),
        ("décidé en 2020", d(2020, 3, 1), None, "ouverte", None),                       # after the year
        ("abandonné sans date", d(2018, 4, 1), None, "abandonnee", None),               # closed when decided
    )
    got = D.carried(frame, 2019)
    assert list(got["title"]) == ["ouvert, en retard", "ouvert, à l'heure", "fermé en 2019"]
    assert list(got["open"]) == [True, True, False]
    assert list(got["overdue"]) == [True, False, False]
    assert list(got["carried_over"]) == [True, False, True]
    flat = D.flat(got, fmt_date=lambda v: v.strftime("%d/%m/%Y"))
    assert list(flat["Statut"]) == ["En cours — échéance dépassée", "Ouverte", "Close le 01/05/2019"]
    assert list(flat["Report"]) == ["reporté d'une année antérieure", "", "reporté d'une année antérieure"]
    # the meeting on 15/03/2020: what is still open then
    assert list(D.open_items(frame, d(2020, 3, 15))["title"]) == ["ouvert, en retard", "ouvert, à l'heure",
                                                                 "décidé en 2020"]


load = import_csv


FILE = """
Territoire;Date de la décision;Nature;Intitulé;Institution pilote;Échéance;Statut;Date de clôture
CME38;12/10/2017;decision;Diffuser la fiche de liaison;SAMETH38;30/06/2018;close;15/05/2018
CME38;04/10/2018;axe;Circuit de signalement précoce;AT-CME38;30/06/2019;en_cours;
R82;19/03/2019;axe;Sécuriser les prises de relais;AGEFIPH;30/06/2020;ouverte;
"""


def test_the_bilans_and_the_meeting_carry_the_open_decisions(init_store, app_factory):
    load(init_store, "steering_decision", FILE)
    load(init_store, "ctme_session", "CME;Date de la séance;Situations examinées\nCME38;10/03/2019;2")
    ref = Reference.from_engine(init_store)
    bilan = B.build_bilan(init_store, load_referentiel(), ref, "CME38", 2019)
    # 2019: the 2017 decision was closed in 2018 (not carried); the 2018 axis is overdue since 30/06/2019
    assert bilan.decisions[["Intitulé", "Statut", "Institution pilote"]].values.tolist() == [
        ["Circuit de signalement précoce", "En cours — échéance dépassée", "Animation territoriale Isère"]]
    html = X.render_html(bilan, interactive=False, images={})
    assert "<h2>Décisions et axes d'amélioration</h2>" in html and "Circuit de signalement précoce" in html
    assert "Diffuser la fiche de liaison" not in html
    sheet = pd.read_excel(io.BytesIO(X.to_xlsx(bilan)), sheet_name="Décisions", header=2)
    assert sheet[["Intitulé", "Statut"]].values.tolist() == [["Circuit de signalement précoce",
                                                              "En cours — échéance dépassée"]]
    book = load_workbook(io.BytesIO(X.to_xlsx(bilan)))
    header = [c.value for c in book["Décisions"][3]]
    assert book["Décisions"].cell(row=4, column=header.index("Échéance") + 1).number_format == "dd/mm/yyyy"
    # the meeting mode, for Isère: the open axis in the navigation bar's popover
    at = app_factory(init_store.url.render_as_string(hide_password=False))
    at.run()
    at.sidebar.selectbox(key="territoire").set_value("CME38")
    at.run()
    at.switch_page("app_pages/reunion.py")
    at.run()
    assert not at.exception, at.exception
    [popover] = [p for p in at.get("popover") if p.proto.popover.label.startswith("Décisions (")]
    assert popover.proto.popover.label == "Décisions (1) · 1 en retard"
    texts = [str(m.value) for m in at.markdown]
    assert any(t.startswith("**Circuit de signalement précoce** — Axe d'amélioration · échéance 30/06/2019 · "
                            "**échéance dépassée**") for t in texts), texts
