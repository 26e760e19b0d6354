"""Progress on the freins (issue 15, point 3): the state of an action against its schedule and of a
frein against its actions, on hand-made plans; then a plan imported through the validating importer
into a store made with ``init``, read back from the CME's bilan (HTML, XLSX) and the Q2 page."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from dashboard.core import freins as F
from dashboard.core.indicators import Reference
from dashboard.core.referentiel import load_referentiel
from dashboard.reports import bilan as B
from dashboard.reports import bilan_export as X
from tests.conftest import import_csv

D = dt.date
AS_OF = D(2019, 12, 31)


@pytest.mark.parametrize("status,start,end,actual_start,actual_end,expected", [
    ("realisee", D(2019, 1, 1), D(2019, 6, 30), D(2019, 1, 5), D(2019, 6, 1), "close"),
    ("realisee", D(2019, 6, 1), D(2020, 3, 1), D(2019, 7, 1), D(2020, 2, 18), "a_l_heure"),  # done after as_of
    ("realisee", D(2019, 1, 1), D(2019, 6, 30), D(2019, 1, 5), D(2020, 2, 1), "en_retard"),  # open, end passed
    ("abandonnee", D(2019, 1, 1), D(2019, 6, 30), None, None, "close"),
    ("en_cours", D(2019, 1, 1), D(2019, 6, 30), D(2019, 1, 5), None, "en_retard"),
    ("en_cours", D(2019, 1, 1), D(2020, 6, 30), D(2019, 1, 5), None, "a_l_heure"),
    ("prevue", D(2019, 10, 1), D(2020, 6, 30), None, None, "en_retard"),                  # due to start
    ("reportee", D(2019, 10, 1), D(2020, 6, 30), None, None, "en_retard"),
    ("prevue", D(2020, 2, 1), D(2020, 6, 30), None, None, "a_l_heure"),                   # not due yet
    ("en_cours", D(2019, 10, 1), D(2020, 6, 30), D(2020, 1, 15), None, "en_retard"),      # started after as_of
])
def test_an_action_against_its_schedule(status, start, end, actual_start, actual_end, expected):
    assert F.action_state(status, start, end, AS_OF, actual_start, actual_end) == expected


def frames():
    freins = pd.DataFrame([
        (1, "CME38", D(2016, 7, 1), "Détection tardive", "Signalements tardifs"),
        (2, "CME38", D(2016, 7, 1), "Prises de relais", "Relais non organisés"),
        (3, "CME38", D(2017, 3, 1), "Offre méconnue", "Offre méconnue des médecins"),
        (4, "CME38", D(2020, 5, 1), "Offre méconnue", "Identifié après l'année"),
    ], columns=["id", "territory_code", "identified_date", "category", "label"])
    actions = pd.DataFrame([
        (10, "Circuit de signalement", D(2017, 1, 1), D(2018, 6, 30), D(2017, 1, 9), D(2018, 5, 1), "realisee"),
        (11, "Convention Cap emploi", D(2018, 1, 1), D(2019, 6, 30), D(2018, 2, 1), None, "en_cours"),
        (12, "Lettre aux médecins", D(2019, 3, 1), D(2020, 12, 31), D(2019, 3, 2), None, "en_cours"),
        (13, "Action de 2021", D(2021, 1, 1), D(2021, 6, 30), None, None, "prevue"),
    ], columns=["id", "title", "planned_start", "planned_end", "actual_start", "actual_end", "status"])
    links = pd.DataFrame([(10, 1), (11, 2), (10, 2), (13, 3)], columns=["action_id", "frein_id"])
    results = pd.DataFrame([(10, "Logigramme diffusé", D(2018, 9, 1)), (11, "Résultat de 2020", D(2020, 3, 1))],
                           columns=["action_id", "title", "result_date"])
    return freins, actions, links, results


def test_the_tracker_flags_freins_without_action_and_late_actions_first():
    freins, actions, links, results = frames()
    t = F.tracker(freins, actions, links, results, AS_OF, status_labels={"realisee": "Réalisée",
                                                                         "en_cours": "En cours"})
    # frein 4 is identified after the year; action 13 (2021) does not exist yet: frein 3 has no action
    assert list(t["frein_id"]) == [2, 3, 1]
    assert list(t["state"]) == ["en_retard", "sans_action", "actions_closes"]
    assert list(t["flagged"]) == [True, True, False]
    relay = t.iloc[0]
    assert relay["actions"] == [("Circuit de signalement", "close", "Close", "Réalisée"),
                                ("Convention Cap emploi", "en_retard", "En retard", "En cours")]
    assert relay["late_actions"] == 1
    assert relay["results"] == ["Logigramme diffusé"]          # the 2020 result comes after the year
    assert F.summary(t) == ("3 freins identifiés : 1 sans action, 1 avec une action en retard, 1 dont les actions "
                            "sont à l'heure ou closes ; 2 résultats locaux issus de ces actions.")
    flat = F.flat(t)
    assert flat.loc[0, "Actions (état au regard du calendrier)"] == (
        "Circuit de signalement — Close (Réalisée)\nConvention Cap emploi — En retard (En cours)")
    assert flat.loc[1, "Actions (état au regard du calendrier)"] == "—"


def test_no_frein_says_so():
    empty = pd.DataFrame(columns=["id", "territory_code", "identified_date", "category", "label"])
    _, actions, links, results = frames()
    t = F.tracker(empty, actions, links, results, AS_OF)
    assert t.empty and F.summary(t) == "Aucun frein identifié."


# --- through the importer, into the CME's bilan and the Q2 page --------------------------------------------


load = import_csv


@pytest.fixture
def plan_store(init_store):
    load(init_store, "frein", """
CME;Date d'identification;Catégorie;Libellé
CME38;21/07/2016;detection_tardive;Signalements tardifs
CME38;21/07/2016;prise_de_relais;Relais non organisés
CME38;15/03/2017;connaissance_offre;Offre méconnue des médecins
""")
    load(init_store, "action_plan", """
Territoire;Intitulé du plan;Date d'adoption;Première année;Dernière année;Volet prises de relais
CME38;Plan Isère;10/10/2016;2016;2020;oui
""")
    load(init_store, "plan_action", """
CME;Plan d'actions;Type d'action;Intitulé;Début prévu;Fin prévue;Début réel;Fin réelle;Statut;Traite de la prise de relais;Freins traités
CME38;Plan Isère;procedure;Circuit de signalement;01/01/2017;30/06/2018;09/01/2017;01/05/2018;realisee;non;Signalements tardifs
CME38;Plan Isère;cooperation;Convention Cap emploi;01/01/2018;30/06/2019;01/02/2018;;en_cours;oui;Relais non organisés
""")
    return init_store


def test_the_cme_bilan_reports_progress_on_its_freins(plan_store):
    bilan = B.build_bilan(plan_store, load_referentiel(), Reference.from_engine(plan_store), "CME38", 2019)
    t = bilan.freins
    assert list(t["frein"]) == ["Relais non organisés", "Offre méconnue des médecins", "Signalements tardifs"]
    assert list(t["state_label"]) == ["Action en retard", "Sans action", "Actions closes"]
    html = X.render_html(bilan, interactive=False, images={})
    assert "<h2>Progrès accomplis et freins</h2>" in html
    assert ("3 freins identifiés : 1 sans action, 1 avec une action en retard, 1 dont les actions sont à "
            "l&#39;heure ou closes ; 0 résultat local issu de ces actions.") in html
    assert html.count('<tr class="flagged">') == 2
    book = load_workbook(io.BytesIO(X.to_xlsx(bilan)))
    ws = book["Freins"]
    header = [c.value for c in ws[3]]
    rows = [dict(zip(header, (c.value for c in r))) for r in ws.iter_rows(min_row=4)]
    assert [(r["Frein"], r["Lecture"]) for r in rows] == [
        ("Relais non organisés", "Action en retard"), ("Offre méconnue des médecins", "Sans action"),
        ("Signalements tardifs", "Actions closes")]
    assert rows[0]["Identifié le"] == dt.datetime(2016, 7, 21)
    assert ws.cell(row=4, column=header.index("Identifié le") + 1).number_format == "dd/mm/yyyy"


def test_the_q2_page_shows_the_tracker_of_the_territory(plan_store, app_factory):
    at = app_factory(plan_store.url.render_as_string(hide_password=False))
    at.run()
    at.switch_page("app_pages/q2_diagnostics_plans.py")
    at.run()
    at.sidebar.selectbox(key="territoire").set_value("CME38")
    at.run()
    assert not at.exception, at.exception
    at.session_state["panel-freins"] = True          # the panel, drawn when opened
    at.run()
    assert not at.exception, at.exception
    assert any(str(m.value).startswith("3 freins identifiés : 1 sans action") for m in at.markdown)
    [table] = [d.value for d in at.dataframe if "Frein" in d.value.columns]
    table = table.data if hasattr(table, "data") else table
    assert list(table["Lecture"]) == ["Action en retard", "Sans action", "Actions closes"]
