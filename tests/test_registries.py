"""The registries of the CPR and the animations territoriales have a way in (issue "tables with no
dataset"): every table an indicator reads is fed by a declared dataset, a list cell of one, or the
reference data.

Each test makes a store with ``init`` (reference data only, not the sample), imports small hand-made
files through the validating importer (``imports.check`` / ``imports.confirm``: CSV UTF-8 with BOM and
``;``, or XLSX), and compares the indicator values of :func:`dashboard.core.indicators.compute` with values
counted by hand from those rows. Runs on SQLite and, with ``MAINTIEN_TEST_BACKEND=postgresql``, on
PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import io
import math

import pytest
from sqlalchemy import func, select

from dashboard.core.filters import Filters
from dashboard.core.indicators import Reference, compute
from dashboard.core.referentiel import load_referentiel
from dashboard.services.importing import context_kwargs
from data_access import imports, records, transmission
from data_access.dataset_files import dataset_frame
from data_access.datasets import DATASET_LIST, DATASETS
from data_access.db import table
from data_access.intake import IntakeError
from data_access.reference import REFERENCE_TABLES
from data_access.users import add_user
from data_access.vocabulary import VOCABULARIES

REF = load_referentiel()

# The datasets added so that these tables have a way in, and whether a year may be declared empty.
NEW_DATASETS = {
    "instance_link": True, "cooperation": True, "data_initiative": True, "indicator_availability": True,
    "local_result": True, "followup_mechanism": False, "ise_resource_contact": False, "ise_feedback": True,
    "at_initiative": True, "at_request": True, "communication_plan": False, "communication_plan_item": True,
}


# --- helpers -------------------------------------------------------------------------------------------


@pytest.fixture
def store(init_store):
    return init_store


def _csv(text: str) -> bytes:
    return ("\ufeff" + text.strip() + "\r\n").encode("utf-8")


def _xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def check(engine, name: str, data: bytes, ext: str = "csv") -> imports.Checked:
    return imports.check(engine, data, f"{name}.{ext}", dataset=name, username="t", context=context_kwargs())


def load(engine, name: str, data: bytes | str, ext: str = "csv"):
    """Import a file through the validating importer; returns the outcome."""
    checked = check(engine, name, _csv(data) if isinstance(data, str) else data, ext)
    assert checked.ok, checked.problems
    return imports.confirm(engine, checked, username="t", removals_confirmed=True)


def declare(engine, *rows: tuple[str, str, int]) -> None:
    """"Nothing this year" declarations (dataset, territory, year), through the importer too."""
    lines = "\n".join(f"{d};{t};{y}" for d, t, y in rows)
    load(engine, "data_declaration", f"Jeu de données;Territoire;Année\n{lines}")


def result(engine, ind_id: str, first: int, last: int, territory: str = "R82"):
    return compute(engine, REF.indicator(ind_id), Filters(first, last, territory), Reference.from_engine(engine))


def values(res) -> dict[int, float | None]:
    sel = res.selection_series()
    return {int(y): (None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v))
            for y, v in zip(sel["year"], sel["value"])}


def statuses(res) -> dict[int, str]:
    sel = res.selection_series()
    return dict(zip(sel["year"].astype(int), sel["status"]))


def close(got: dict, expected: dict) -> None:
    assert set(got) == set(expected), (got, expected)
    for year, value in expected.items():
        if value is None:
            assert got[year] is None, (year, got, expected)
        else:
            assert got[year] is not None and math.isclose(got[year], value, abs_tol=1e-9), (year, got, expected)


def breakdown(res, year: int) -> dict[str, float]:
    b = res.breakdown
    b = b[b["year"] == year]
    return {str(c): float(v) for c, v in zip(b["category"], b["value"]) if v}


def existence(res) -> dict[tuple[str, int], bool]:
    return {(str(r), int(y)): bool(e) for r, y, e in zip(res.matrix["row"], res.matrix["year"], res.matrix["exists"])}


def count(engine, table_name: str) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table(table_name))).scalar()


def stored(engine, dataset: str):
    with engine.connect() as conn:
        return dataset_frame(conn, DATASETS[dataset])


# --- every table an indicator reads has a way in ------------------------------------------------------------


def _tables_named(filters) -> set[str]:
    """Tables named inside a ``where`` (``table.column`` keys, ``in_table`` / ``not_in_table`` values)."""
    out: set[str] = set()
    if isinstance(filters, dict):
        for key, value in filters.items():
            if key in ("in_table", "not_in_table") and isinstance(value, str):
                out.add(value.split(".", 1)[0])
            elif isinstance(key, str) and "." in key:
                out.add(key.split(".", 1)[0])
            out |= _tables_named(value)
    elif isinstance(filters, list):
        for item in filters:
            out |= _tables_named(item)
    return out


def _tables_read(ind) -> set[str]:
    src = ind.source
    tables = {src.table} | ({src.join} if src.join else set()) | _tables_named(src.where)
    for ratio in (src.numerator, src.denominator):
        if ratio is not None and ratio.where:
            tables |= _tables_named(ratio.where)
    if src.cohort is not None:
        tables |= _tables_named(src.cohort.open) | _tables_named(src.cohort.where)
    return tables


def test_every_table_an_indicator_reads_has_a_way_in():
    """A table read by an indicator (its source's table, joined parent, or a table named in a filter)
    is fed by a dataset, by a list cell of one, or is reference data: a future indicator on a table
    no file nor form can fill fails here."""
    fed = {ds.table for ds in DATASET_LIST} | {lc.table for ds in DATASET_LIST for lc in ds.lists}
    fed |= set(REFERENCE_TABLES)
    missing = {}
    for ind in REF.indicators():
        for name in _tables_read(ind) - fed:
            missing.setdefault(name, []).append(ind.id)
    assert missing == {}, f"tables read by indicators with no dataset: {missing}"
    # the filters are walked: the freins an action addresses are read through action_frein
    assert "action_frein" in _tables_read(REF.indicator("Q2.C2.I3"))


def test_the_new_datasets_are_declared_and_declarable_where_a_year_can_be_empty():
    for name, declarable in NEW_DATASETS.items():
        assert DATASETS[name].declarable is declarable, name
    # the vocabulary of the declarations is the declarable datasets, in declaration order
    assert VOCABULARIES["declarable_dataset"] == {d.name: d.label for d in DATASET_LIST if d.declarable}
    assert "data_declaration" not in VOCABULARIES["declarable_dataset"]
    # every dataset a delivery may record has a label (the completeness page shows it)
    for d in DATASET_LIST:
        if d.name != "data_declaration":
            assert VOCABULARIES["dataset"][d.name], d.name
    # the transmission status of an indicator reads its dataset (its table, its joined parent, or the
    # dataset of which its table is a list), when that dataset is declarable
    for ind_id, name in {"Q1.C2.I1": "instance_link", "Q1.C3.I2": "cooperation", "Q1.C4.I3": "indicator_availability",
                         "Q2.C1.I2": "diagnostic", "Q2.C3.I1": "local_result", "Q4.C1.I4": "at_tool",
                         "Q4.C5.I3": "at_request", "Q4.C4.I1": "at_initiative"}.items():
        assert transmission.dataset_of_source(REF.indicator(ind_id).source).name == name, ind_id
    for ind_id in ("Q2.C4.I1", "Q3.C3.I1", "Q5.C1.I1"):
        assert transmission.dataset_of_source(REF.indicator(ind_id).source) is None, ind_id


# --- Q1: exchanges between instances, cooperations, data initiatives, new indicators -------------------------


INSTANCE_LINKS = """
Date de l'échange;Territoire;Instance d'origine;Instance destinataire;Type d'échange;Modalité;Description de l'échange
12/03/2018;CME38;CME38;CPR;circulation_information;bilan_annuel;Bilan du CME présenté au CPR
14/05/2018;CME38;CPR;CME38;decision_partagee;compte_rendu;
03/10/2018;R82;GT-INDICATEURS;CPR;apport_reciproque;note_ecrite;Propositions du groupe « indicateurs »
20/06/2019;CME42;CME42;CME38;complementarite;reunion_inter_cme;Ateliers communs Loire-Isère
21/06/2019;CME38;CME38;CPR;Circulation de l'information;Représentant siégeant dans l'autre instance;
"""


def test_q1_c2_exchanges_between_instances(store):
    assert load(store, "instance_link", INSTANCE_LINKS).added == 5
    # units that sent exchanges: CME38 (2018, 2019), R82 (2018), CME42 (2019); the others declare the year empty
    declare(store, ("instance_link", "CME42", 2018), ("instance_link", "R82", 2019))
    # Q1.C2.I1 (information, decisions, contributions): 2018 = 3 (two of CME38, one of the working group),
    # 2019 = 1 (CME38; the Loire-Isère exchange is a complementarity); 2017: nothing sent
    res = result(store, "Q1.C2.I1", 2017, 2019)
    close(values(res), {2017: None, 2018: 3.0, 2019: 1.0})
    assert statuses(res) == {2017: "non_transmis", 2018: "transmis", 2019: "transmis"}
    assert breakdown(res, 2018) == {"bilan_annuel": 1.0, "compte_rendu": 1.0, "note_ecrite": 1.0}
    assert len(res.records) == 4
    # Q1.C2.I3 (complementarities): 2018 a true 0, 2019 one
    res = result(store, "Q1.C2.I3", 2018, 2019)
    close(values(res), {2018: 0.0, 2019: 1.0})
    # in the Isère view: its own two exchanges of 2018 and one of 2019
    close(values(result(store, "Q1.C2.I1", 2018, 2019, "CME38")), {2018: 2.0, 2019: 1.0})
    # in the Loire view, 2018 was declared empty: 0, "aucun (déclaré)"
    res = result(store, "Q1.C2.I3", 2018, 2019, "CME42")
    close(values(res), {2018: 0.0, 2019: 1.0})
    assert statuses(res) == {2018: "zero", 2019: "transmis"}
    # the same file again changes nothing
    assert not load(store, "instance_link", INSTANCE_LINKS).changed


def test_an_exchange_must_involve_an_instance_of_its_territory(store):
    checked = check(store, "instance_link", _csv("""
Date de l'échange;Territoire;Instance d'origine;Instance destinataire;Type d'échange;Modalité
12/03/2018;CME38;CPR;GT-INDICATEURS;circulation_information;note_ecrite
13/03/2018;CME38;CME42;CPR;circulation_information;note_ecrite
14/03/2018;R82;CPR;CME38;circulation_information;note_ecrite
"""))
    assert not checked.ok
    assert [p.line for p in checked.validated.problems] == [2, 3]
    assert "ni « Instance d'origine » (CPR, territoire R82) ni « Instance destinataire » (GT-INDICATEURS, " \
           "territoire R82) ne relève du territoire CME38" in checked.problems[0]
    assert count(store, "instance_link") == 0


def test_q1_c3_cooperations_from_an_xlsx_with_their_partners(store):
    header = ["Territoire", "Date d'engagement", "Type de coopération", "Objectif poursuivi",
              "Intitulé de la coopération", "Description", "Date de signature", "Institutions partenaires"]
    rows = [
        ["R82", dt.date(2017, 3, 15), "partenariat_bilateral", "detection_precoce", "Convention CARSAT et ISE", None,
         dt.date(2017, 6, 10), "CARSAT|ISE"],
        ["CME38", dt.date(2018, 2, 2), "passerelle", "fluidite_parcours", "Passerelle SAMETH et Cap emploi", "Fiche",
         None, "SAMETH38|CAPEMPLOI38"],
        ["CME38", dt.date(2018, 9, 5), "Rapprochement entre institutions", "acces_offre", "Rapprochement SST et CARSAT",
         None, None, "SST38|CARSAT"],
        ["CME42", dt.date(2018, 4, 11), "demarche_nouvelle", "detection_precoce", "Circuit court de signalement", None,
         None, "SST42|SAMETH42|CARSAT"],
    ]
    data = _xlsx([header, *rows])
    assert load(store, "cooperation", data, "xlsx").added == 4
    assert not load(store, "cooperation", data, "xlsx").changed          # re-import: nothing changes
    assert count(store, "cooperation_partner") == 2 + 2 + 2 + 3
    partners = dict(zip(stored(store, "cooperation")["title"], stored(store, "cooperation")["partners"]))
    assert partners["Circuit court de signalement"] == ("CARSAT", "SAMETH42", "SST42")
    declare(store, ("cooperation", "CME38", 2017), ("cooperation", "CME42", 2017))
    # Q1.C3.I1, every cooperation by type: 2017 = 1 (regional), 2018 = 3
    res = result(store, "Q1.C3.I1", 2017, 2018)
    close(values(res), {2017: 1.0, 2018: 3.0})
    assert breakdown(res, 2018) == {"passerelle": 1.0, "rapprochement": 1.0, "demarche_nouvelle": 1.0}
    # the regional unit sent nothing for 2018 and did not declare it: the 2018 value is partial
    assert statuses(res) == {2017: "transmis", 2018: "partiel"}
    # Q1.C3.I2 by objective
    assert breakdown(result(store, "Q1.C3.I2", 2018, 2018), 2018) == {
        "fluidite_parcours": 1.0, "acces_offre": 1.0, "detection_precoce": 1.0}
    # Q1.C3.I3 new steps and gateways: 2018 = 2; Q1.C3.I4 signed partnerships: 2017 = 1, 2018 = 0
    close(values(result(store, "Q1.C3.I3", 2017, 2018)), {2017: 0.0, 2018: 2.0})
    close(values(result(store, "Q1.C3.I4", 2017, 2018)), {2017: 1.0, 2018: 0.0})


def test_q1_c4_data_initiatives_and_new_indicators(store):
    load(store, "data_initiative", """
Territoire;Date d'engagement;Type de démarche;Institution pilote;Intitulé de la démarche;Description;Informations remontées
R82;10/02/2017;convergence_indicateurs;DIRECCTE;Socle commun d'indicateurs;Recensement;Tableau de bord partagé
R82;15/06/2017;partage_donnees;AGEFIPH;Transmission des données SAMETH;Convention;
R82;20/03/2019;fiabilisation;CARSAT;Fiabilisation des signalements;Règles communes;Comptage homogène
""")
    declare(store, ("data_initiative", "R82", 2018))
    close(values(result(store, "Q1.C4.I1", 2017, 2019)), {2017: 1.0, 2018: 0.0, 2019: 1.0})
    res = result(store, "Q1.C4.I2", 2017, 2019)
    close(values(res), {2017: 1.0, 2018: 0.0, 2019: 0.0})
    assert breakdown(res, 2017) == {"AGEFIPH": 1.0}
    close(values(result(store, "Q1.C4.I4", 2017, 2019)), {2017: 1.0, 2018: 0.0, 2019: 1.0})

    load(store, "indicator_availability", """
Indicateur;Territoire;Première année de disponibilité;Institution productrice;Sécurisé;Précisions
Q6.C1.I4;R82;2017;CARSAT;oui;
Q6.C1.I8;R82;2019;CARSAT;oui;
Q3.C4.I2;R82;2019;AGEFIPH;non;À sécuriser
""")
    declare(store, ("indicator_availability", "R82", 2016), ("indicator_availability", "R82", 2018))
    # Q1.C4.I3 is a running total: 2016 declared empty (0), 1 in 2017, nothing new in 2018 (declared),
    # 2 more in 2019; 2020 not sent: no running total carried into it
    res = result(store, "Q1.C4.I3", 2016, 2020)
    close(values(res), {2016: 0.0, 2017: 1.0, 2018: 1.0, 2019: 3.0, 2020: None})
    assert statuses(res)[2020] == "non_transmis"
    # an indicator id that is not the référentiel's is refused
    checked = check(store, "indicator_availability", _csv("""
Indicateur;Territoire;Première année de disponibilité;Institution productrice
Q9.C9.I9;R82;2019;CARSAT
"""))
    assert not checked.ok and "un identifiant d'indicateur du référentiel" in checked.problems[0]


# --- Q2: actors interviewed, freins addressed, local results, follow-up --------------------------------------


DIAGNOSTIC_HEADER = ["CME", "Type de diagnostic", "Méthode", "Date de début", "Date de fin", "Mode de présentation",
                     "Date de présentation", "Débattu en CME"]
DIAGNOSTICS = [
    ["CME38", "etat_des_lieux_initial", "entretiens", dt.date(2016, 3, 1), dt.date(2016, 6, 30), "restitution_cme",
     dt.date(2016, 7, 15), "oui"],
    ["CME42", "etat_des_lieux_initial", "questionnaire", dt.date(2016, 4, 10), None, None, None, "non"],
    ["CME38", "actualisation", "ateliers", dt.date(2019, 2, 5), None, None, None, "non"],
]
ACTORS = ["medecin_travail=6|sameth=2", "medecin_travail=3|employeur=10", "service_social=4"]


def test_q2_c1_i2_actors_interviewed_is_a_list_of_the_diagnostic(store):
    data = _xlsx([DIAGNOSTIC_HEADER + ["Acteurs interrogés"], *[r + [a] for r, a in zip(DIAGNOSTICS, ACTORS)]])
    assert load(store, "diagnostic", data, "xlsx").added == 3
    assert count(store, "diagnostic_actor") == 5
    # typology of the actors interviewed (sum): 2016 = 6 + 2 + 3 + 10 = 21, 2019 = 4
    res = result(store, "Q2.C1.I2", 2016, 2019)
    assert values(res)[2016] == 21.0 and values(res)[2019] == 4.0
    assert breakdown(res, 2016) == {"medecin_travail": 9.0, "sameth": 2.0, "employeur": 10.0}
    # a file of the diagnostics without the list's column leaves the actors stored alone
    outcome = load(store, "diagnostic", _xlsx([DIAGNOSTIC_HEADER, *DIAGNOSTICS]), "xlsx")
    assert not outcome.changed and count(store, "diagnostic_actor") == 5
    # present and empty, it empties the list of that diagnostic
    rows = [r + [a] for r, a in zip(DIAGNOSTICS, ["", ACTORS[1], ACTORS[2]])]
    outcome = load(store, "diagnostic", _xlsx([DIAGNOSTIC_HEADER + ["Acteurs interrogés"], *rows]), "xlsx")
    assert (outcome.added, outcome.updated, outcome.removed) == (0, 1, 0)
    assert count(store, "diagnostic_actor") == 3
    close({2016: values(result(store, "Q2.C1.I2", 2016, 2016))[2016]}, {2016: 13.0})


FREINS = """
CME;Date d'identification;Catégorie;Libellé;Description
CME38;30/06/2016;detection_tardive;Signalements tardifs, souvent après plusieurs mois d'arrêt;
CME38;30/06/2016;coordination;Absence de circuit partagé entre acteurs;
CME38;30/06/2016;connaissance_offre;Offre du SAMETH mal connue;
CME42;15/05/2016;coordination;Absence de circuit partagé entre acteurs;
"""
PLANS = """
Territoire;Intitulé du plan;Date d'adoption;Première année;Dernière année
CME38;Plan Isère;10/10/2016;2016;2020
CME42;Plan Loire;15/11/2016;2016;2020
"""
ACTIONS = """
CME;Plan d'actions;Type d'action;Intitulé;Début prévu;Fin prévue;Statut;Freins traités
CME38;Plan Isère;procedure;Circuit de signalement précoce;01/10/2016;01/06/2017;prevue;signalements tardifs, souvent apres plusieurs mois d'arret|Absence de circuit partagé entre acteurs
CME38;Plan Isère;information;Réunion des médecins;01/02/2017;01/03/2017;prevue;Absence de circuit partagé entre acteurs
CME42;Plan Loire;outil;Annuaire;01/03/2017;01/09/2017;prevue;
"""


def test_q2_c2_i3_an_action_names_the_freins_of_its_cme_by_their_label(store):
    load(store, "frein", FREINS)
    load(store, "action_plan", PLANS)
    # labels are matched without case nor accents, the comma inside one is kept (the list splits on "|")
    assert load(store, "plan_action", ACTIONS).added == 3
    assert count(store, "action_frein") == 3
    # the freins linked are those of the action's own CME (CME42 has a frein with the same label)
    with store.connect() as conn:
        f, af = table("frein"), table("action_frein")
        linked = {r[0] for r in conn.execute(select(f.c.territory_code).join(af, af.c.frein_id == f.c.id))}
    assert linked == {"CME38"}
    freins = dict(zip(stored(store, "plan_action")["title"], stored(store, "plan_action")["freins"]))
    assert freins["Circuit de signalement précoce"] == (
        "Absence de circuit partagé entre acteurs", "Signalements tardifs, souvent après plusieurs mois d'arrêt")
    assert freins["Annuaire"] == ()
    assert not load(store, "plan_action", ACTIONS).changed   # written back as stored: nothing changes
    # Q2.C2.I3, share of the freins identified that an action addresses: 2016 region 2 / 4,
    # Isère 2 / 3, Loire 0 / 1
    res = result(store, "Q2.C2.I3", 2016, 2016)
    close(values(res), {2016: 0.5})
    assert (res.selection_series()["numerator"].tolist(), res.selection_series()["denominator"].tolist()) == \
        ([2.0], [4.0])
    close(values(result(store, "Q2.C2.I3", 2016, 2016, "CME38")), {2016: 2 / 3})
    close(values(result(store, "Q2.C2.I3", 2016, 2016, "CME42")), {2016: 0.0})


def test_a_frein_unknown_in_the_cme_or_ambiguous_is_refused(store):
    load(store, "frein", FREINS + "CME42;10/05/2017;coordination;Absence de circuit partagé entre acteurs;\n")
    load(store, "action_plan", PLANS)
    checked = check(store, "plan_action", _csv("""
CME;Plan d'actions;Type d'action;Intitulé;Début prévu;Fin prévue;Statut;Freins traités
CME38;Plan Isère;outil;Annuaire;01/03/2017;01/09/2017;prevue;Offre du SAMETH mal connue|Frein jamais identifié
CME42;Plan Loire;outil;Annuaire;01/03/2017;01/09/2017;prevue;Absence de circuit partagé entre acteurs
CME42;Plan Loire;outil;Guide;01/03/2017;01/09/2017;prevue;Signalements tardifs, souvent après plusieurs mois d'arrêt
"""))
    assert not checked.ok
    problems = checked.problems
    assert len(problems) == 3, problems
    assert "ligne 2" in problems[0] and "« Frein jamais identifié »" in problems[0] \
        and "Freins identifiés" in problems[0] and "CME38" in problems[0]
    assert "ligne 3" in problems[1] and "2 lignes portent celui-ci" in problems[1]
    # a frein of another CME is not found (it is looked up in the action's own CME only)
    assert "ligne 4" in problems[2] and "déjà enregistrée pour CME42" in problems[2]
    assert count(store, "plan_action") == 0


def test_q2_c3_local_results_and_q2_c4_follow_up(store):
    load(store, "local_result", """
CME;Date du résultat;Type de résultat;Intitulé;Description
CME38;12/05/2018;collaboration;Permanence commune SAMETH et Cap emploi;
CME38;20/09/2018;pratique;Signalement au service social à 60 jours;
CME42;03/03/2019;outil;Annuaire partagé;
CME42;04/04/2019;collaboration;Rencontres MSA et SAMETH;
""")
    declare(store, ("local_result", "CME42", 2018), ("local_result", "CME38", 2019))
    expected = {"Q2.C3.I1": {2018: 1.0, 2019: 1.0}, "Q2.C3.I2": {2018: 1.0, 2019: 0.0},
                "Q2.C3.I3": {2018: 0.0, 2019: 1.0}}
    for ind_id, by_year in expected.items():
        res = result(store, ind_id, 2018, 2019)
        close(values(res), by_year)
        assert statuses(res) == {2018: "transmis", 2019: "transmis"}, ind_id
    close(values(result(store, "Q2.C3.I1", 2018, 2019, "CME38")), {2018: 1.0, 2019: 0.0})

    load(store, "followup_mechanism", """
CME;Année;Diagnostic en continu;Modalités du diagnostic en continu;Suivi du plan d'actions;Modalités du suivi
CME38;2018;oui;Analyse trimestrielle des bilans;oui;Tableau de suivi en plénière
CME38;2019;oui;Analyse trimestrielle des bilans;oui;Tableau de suivi en plénière
CME42;2018;non;;oui;Point d'étape à chaque CME
CME42;2019;non;;non;
""")
    # share of the CME with a continuous diagnostic / a monitoring of their plan
    res = result(store, "Q2.C4.I1", 2018, 2019)
    close(values(res), {2018: 0.5, 2019: 0.5})
    assert existence(res) == {("CME38", 2018): True, ("CME38", 2019): True,
                              ("CME42", 2018): False, ("CME42", 2019): False}
    close(values(result(store, "Q2.C4.I2", 2018, 2019)), {2018: 1.0, 2019: 0.5})


# --- Q3: resource contacts and feedback to the platform -------------------------------------------------------


def test_q3_c3_resource_contacts_and_feedback(store):
    load(store, "ise_resource_contact", """
Institution;Année;Territoire;Interlocuteur ressource;Fonction de l'interlocuteur
CARSAT;2018;R82;oui;Responsable du service social
AGEFIPH;2018;R82;non;
CARSAT;2019;R82;oui;Responsable du service social
AGEFIPH;2019;R82;oui;Chargée de mission
AROMSA;2019;R82;oui;
""")
    res = result(store, "Q3.C3.I1", 2018, 2019)
    # share of the institutions listed in the year that have a resource person: 1 / 2 in 2018 (AROMSA,
    # listed from 2019 on, is not a row of 2018), 3 / 3 in 2019
    assert existence(res) == {("CARSAT", 2018): True, ("AGEFIPH", 2018): False,
                              ("CARSAT", 2019): True, ("AGEFIPH", 2019): True, ("AROMSA", 2019): True}
    close(values(res), {2018: 0.5, 2019: 1.0})

    load(store, "ise_feedback", """
CME;Date du retour d'expérience;Situations évoquées;Contenu du retour
CME38;15/03/2018;6;Retour sur les orientations complexes du semestre
CME38;10/10/2018;4;
CME42;12/04/2019;;Présentation des offres locales
""")
    assert stored(store, "ise_feedback")["cases_discussed"].tolist() == [6, 4, 0]   # default 0
    res = result(store, "Q3.C3.I3", 2018, 2019)
    assert existence(res) == {("CME38", 2018): True, ("CME38", 2019): False,
                              ("CME42", 2018): False, ("CME42", 2019): True}
    close(values(res), {2018: 0.5, 2019: 0.5})


# --- Q4: tools and their recipients, AT initiatives, requests to the AT ---------------------------------------


def test_q4_c1_i4_recipients_are_a_list_of_the_tool(store):
    load(store, "at_tool", """
CME;Date de création;Type d'outil;Intitulé;Mode de diffusion;Destinataires
CME38;12/03/2018;guide;Guide des employeurs;courriel;employeur=40|medecin_travail=12
CME42;05/06/2018;annuaire;Annuaire des acteurs;site_web;sameth=5
CME38;02/02/2019;logigramme;Logigramme d'orientation;reunion;Médecins traitants=30
""")
    assert count(store, "at_tool_recipient") == 4
    res = result(store, "Q4.C1.I4", 2018, 2019)
    close(values(res), {2018: 57.0, 2019: 30.0})
    assert breakdown(res, 2018) == {"employeur": 40.0, "medecin_travail": 12.0, "sameth": 5.0}


def test_q4_at_initiatives(store):
    load(store, "at_initiative", """
CME;Date de la démarche;Type de démarche;Intitulé;Description
CME38;10/01/2018;solution;Poste aménagé trouvé avec l'AT;
CME38;15/02/2018;prise_de_relais;Relais sécurisé vers Cap emploi;
CME42;20/03/2018;connaissance_mutuelle;Matinée d'interconnaissance;
CME42;25/04/2019;collaboration_inter_structures;Permanence commune MDPH et Cap emploi;
CME38;30/05/2019;collaboration_post_ctme;Suivi conjoint après CTME;
""")
    expected = {"Q4.C1.I2": {2018: 1.0, 2019: 0.0}, "Q4.C3.I3": {2018: 0.0, 2019: 1.0},
                "Q4.C4.I1": {2018: 1.0, 2019: 0.0}, "Q4.C5.I4": {2018: 1.0, 2019: 0.0},
                "Q4.C5.I5": {2018: 0.0, 2019: 1.0}}
    for ind_id, by_year in expected.items():
        close(values(result(store, ind_id, 2018, 2019)), by_year)
    # Isère only: its solution and its relay of 2018
    close(values(result(store, "Q4.C4.I1", 2018, 2019, "CME38")), {2018: 1.0, 2019: 0.0})
    close(values(result(store, "Q4.C5.I4", 2018, 2019, "CME38")), {2018: 0.0, 2019: 0.0})


REQUEST_HEADER = ["CME", "Date de la sollicitation", "Type d'acteur demandeur", "Type de sollicitation"]
REQUESTS = [
    ["CME38", dt.date(2019, 1, 15), "medecin_travail", "cas_cible"],
    ["CME38", dt.date(2019, 1, 15), "medecin_travail", "cas_cible"],   # two identical requests: two rows
    ["CME38", dt.date(2019, 1, 20), "sameth", "information"],
    ["CME42", dt.date(2019, 2, 3), "service_social", "cas_cible"],
    ["CME42", dt.date(2019, 2, 4), "employeur", "transfert"],
    ["CME38", dt.date(2018, 3, 10), "medecin_travail", "cas_cible"],
]


def test_q4_c5_i3_requests_have_no_key_and_identical_rows_are_kept(store):
    data = _xlsx([REQUEST_HEADER, *REQUESTS])
    assert load(store, "at_request", data, "xlsx").added == 6
    assert not load(store, "at_request", data, "xlsx").changed        # matched one for one: nothing changes
    assert count(store, "at_request") == 6
    declare(store, ("at_request", "CME42", 2018))
    # share of requests on well-targeted cases: 2018 = 1 / 1, 2019 = 3 / 5; Isère 2019 = 2 / 3
    res = result(store, "Q4.C5.I3", 2018, 2019)
    close(values(res), {2018: 1.0, 2019: 0.6})
    sel = res.selection_series()
    assert sel["numerator"].tolist() == [1.0, 3.0] and sel["denominator"].tolist() == [1.0, 5.0]
    assert statuses(res) == {2018: "transmis", 2019: "transmis"}
    close(values(result(store, "Q4.C5.I3", 2019, 2019, "CME38")), {2019: 2 / 3})
    # one of the two identical requests dropped from the file: exactly one row removed
    outcome = load(store, "at_request", _xlsx([REQUEST_HEADER, *REQUESTS[1:]]), "xlsx")
    assert (outcome.added, outcome.updated, outcome.removed) == (0, 0, 1)
    close(values(result(store, "Q4.C5.I3", 2019, 2019, "CME38")), {2019: 1 / 2})


def test_the_forms_of_an_animateur_write_the_new_datasets(store):
    """The Saisie forms validate like a file: the same request twice (no key), an exchange from the
    CME to the CPR, an action naming the freins of its CME."""
    user = add_user(store, "anim38", "Une phrase de passe assez longue", role="animateur", territories=["CME38"])
    request = {"territory_code": "CME38", "request_date": dt.date(2019, 5, 2), "requester_type": "sameth",
               "request_type": "cas_cible"}
    first = records.save_record(store, "at_request", request, user)
    second = records.save_record(store, "at_request", request, user)
    assert first != second and count(store, "at_request") == 2
    link = {"link_date": dt.date(2019, 5, 3), "territory_code": "CME38", "from_instance_code": "CME38",
            "to_instance_code": "CPR", "link_type": "circulation_information", "modality": "bilan_annuel"}
    records.save_record(store, "instance_link", link, user)
    load(store, "frein", FREINS)
    load(store, "action_plan", PLANS)
    action = {"territory_code": "CME38", "plan_title": "Plan Isère", "action_type": "outil", "title": "Annuaire",
              "planned_start": dt.date(2017, 3, 1), "planned_end": dt.date(2017, 9, 1), "status": "prevue",
              "freins": ("Offre du SAMETH mal connue",)}
    action_id = records.save_record(store, "plan_action", action, user)
    assert records.record_values(store, "plan_action", action_id)["freins"] == ("Offre du SAMETH mal connue",)
    records.save_record(store, "plan_action", {**action, "freins": ()}, user, record_id=action_id)
    assert count(store, "action_frein") == 0
    # a link between two instances of other territories is refused, as in a file
    with pytest.raises(IntakeError, match="ne relève du territoire CME38"):
        records.save_record(store, "instance_link", {**link, "from_instance_code": "CPR",
                                                     "to_instance_code": "GT-INDICATEURS"}, user)


# --- Q5: communication plans and their calendar -----------------------------------------------------------------


COMMUNICATION_PLANS = """
Portée du plan;Territoire;Intitulé du plan de communication;Date d'adoption;Première année;Dernière année;Relaie le plan régional
regional;R82;Plan régional 2016-2020;20/05/2016;2016;2020;non
local;CME38;Plan de communication Isère;10/03/2016;2016;2020;oui
Local (CME);CME42;Plan de communication Loire;15/04/2018;2018;2019;non
local;CME69;Plan de communication Rhône;01/02/2017;2017;2020;oui
"""


def test_q5_communication_plans_and_their_calendar(store):
    assert load(store, "communication_plan", COMMUNICATION_PLANS).added == 4
    # CME plans in force (the regional plan is not in the share) and those relaying the regional plan:
    # 2016 {38✓} · 2017 {38✓, 69✓} · 2018 {38✓, 42✗, 69✓} · 2019 same · 2020 {38✓, 69✓}
    res = result(store, "Q5.C1.I1", 2016, 2020)
    close(values(res), {2016: 1.0, 2017: 1.0, 2018: 2 / 3, 2019: 2 / 3, 2020: 1.0})
    assert "R82" not in set(res.matrix["row"])

    header = ["Territoire", "Plan de communication", "Intitulé de l'étape", "Canal", "Début prévu", "Fin prévue",
              "Réalisée"]
    items = [
        ["R82", "Plan régional 2016-2020", "Plaquette INFO SANTE EMPLOI", "plaquette", dt.date(2016, 9, 1),
         dt.date(2016, 9, 30), "oui"],
        ["CME38", "Plan de communication Isère", "Réunion des acteurs", "reunion", dt.date(2017, 5, 5),
         dt.date(2017, 5, 5), "oui"],
        ["CME38", "Plan de communication Isère", "Lettre aux entreprises", "courriel", dt.date(2019, 10, 1),
         dt.date(2019, 10, 15), "non"],
    ]
    data = _xlsx([header, *items])
    assert load(store, "communication_plan_item", data, "xlsx").added == 3
    assert not load(store, "communication_plan_item", data, "xlsx").changed
    # the calendar (Q5.C4.I1): every item of the region, the Isère plan's in the Isère view
    rec = result(store, "Q5.C4.I1", 2016, 2020).records
    assert sorted(rec["title"]) == ["Lettre aux entreprises", "Plaquette INFO SANTE EMPLOI", "Réunion des acteurs"]
    rec = result(store, "Q5.C4.I1", 2016, 2020, "CME38").records
    assert dict(zip(rec["title"], rec["status_label"])) == {"Lettre aux entreprises": "Prévue",
                                                            "Réunion des acteurs": "Réalisée"}
    # an item of a plan that is not stored, or of another territory's plan, is refused
    checked = check(store, "communication_plan_item", _csv("""
Territoire;Plan de communication;Intitulé de l'étape;Canal;Début prévu;Fin prévue
CME73;Plan de communication Savoie;Lettre;courriel;01/10/2019;15/10/2019
CME42;Plan de communication Isère;Lettre;courriel;01/10/2019;15/10/2019
"""))
    assert not checked.ok and len(checked.problems) == 2
    assert "plan de communication introuvable dans la base" in checked.problems[0]


# --- the shipped examples of the new datasets ------------------------------------------------------------------


def test_the_shipped_examples_of_the_new_datasets_import_into_an_init_store(store):
    """Parents first (instances are reference data; plans and freins before what names them), each example
    CSV then its XLSX (same rows: nothing changes)."""
    from dashboard.reports.formats_doc import EXAMPLES

    order = ["instance", "action_plan", "frein", "plan_action", "diagnostic", "at_tool", *NEW_DATASETS]
    for name in order:
        csv_outcome = load(store, name, (EXAMPLES / f"{name}.csv").read_bytes())
        assert csv_outcome.added > 0 or name == "instance", name   # the init store holds the charter's instances
        assert not load(store, name, (EXAMPLES / f"{name}.xlsx").read_bytes(), "xlsx").changed, name
    assert count(store, "action_frein") > 0 and count(store, "diagnostic_actor") > 0
    assert count(store, "at_tool_recipient") > 0 and count(store, "cooperation_partner") > 0
