"""Every indicator faithful to the charter (issue 12, part 3): known-answer tests.

Each test makes a store with ``init`` (reference data only, not the sample), imports small hand-made
partner files through the validating importer (``imports.check`` / ``imports.confirm``), computes the
expected values by hand from those rows, and reads the indicator back with
:func:`dashboard.core.indicators.compute`.
"""

from __future__ import annotations

import math

import pytest
from sqlalchemy import insert

from dashboard.core.filters import Filters
from dashboard.core.indicators import Reference, compute
from dashboard.core.referentiel import load_referentiel
from dashboard.services.importing import context_kwargs
from data_access import imports
from data_access.db import table


@pytest.fixture
def store(init_store):
    return init_store


def load(engine, name: str, text: str) -> None:
    """Import a partner file (CSV, ``;``, UTF-8 with BOM) through the validating importer."""
    data = ("\ufeff" + text.strip() + "\r\n").encode("utf-8")
    checked = imports.check(engine, data, f"{name}.csv", dataset=name, username="t", context=context_kwargs())
    assert checked.ok, checked.problems
    imports.confirm(engine, checked, username="t", removals_confirmed=True)


def result(engine, ind_id: str, first: int, last: int, territory: str = "R82"):
    return compute(engine, load_referentiel().indicator(ind_id), Filters(first, last, territory),
                   Reference.from_engine(engine))


def values(res) -> dict[int, float]:
    sel = res.selection_series()
    return {int(y): (None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v))
            for y, v in zip(sel["year"], sel["value"])}


def close(got: dict, expected: dict) -> None:
    assert set(got) == set(expected), (got, expected)
    for year, value in expected.items():
        assert got[year] is not None and math.isclose(got[year], value, abs_tol=1e-9), (year, got, expected)


# --- Q2.C2.I4: the plan's own "prises de relais" section ------------------------------------------


def test_q2_c2_i4_reads_the_plans_own_relay_section_over_its_span(store):
    load(store, "action_plan", """
Territoire;Intitulé du plan;Date d'adoption;Première année;Dernière année;Volet prises de relais
CME38;Plan Isère;10/10/2016;2016;2020;oui
CME42;Plan Loire;15/03/2017;2017;2018;non
CME69;Plan Rhône;01/02/2018;2018;2020;oui
R82;Plan régional;01/06/2016;2016;2020;non
""")
    # an action of the Loire plan deals with relays in 2017: under the old reading ("an action that
    # starts that year") the Loire would have a relay section in 2017; the plan itself has none
    load(store, "plan_action", """
CME;Plan d'actions;Type d'action;Intitulé;Début prévu;Fin prévue;Statut;Traite de la prise de relais
CME42;Plan Loire;cooperation;Relais Cap emploi;05/05/2017;05/12/2017;en_cours;oui
""")
    res = result(store, "Q2.C2.I4", 2016, 2020)
    # CME plans in force each year (the regional plan is not a territorial plan) and those with the section:
    # 2016 {38✓} · 2017 {38✓, 42✗} · 2018 {38✓, 42✗, 69✓} · 2019 {38✓, 69✓} · 2020 {38✓, 69✓}
    close(values(res), {2016: 1 / 1, 2017: 1 / 2, 2018: 2 / 3, 2019: 2 / 2, 2020: 2 / 2})
    m = res.matrix.set_index(["row", "year"])["exists"]
    assert not m[("CME42", 2017)] and m[("CME38", 2016)] and ("R82", 2016) not in m.index


# --- Q5.C1.I1: the regional communication plan relayed by the CME plans ------------------------------


def test_q5_c1_i1_reads_relays_regional_over_each_plans_span_without_the_regional_plan(store):
    # the CPR's communication group and the AT send their plans (communication_plan), then the calendar
    # items (communication_plan_item, each naming its plan by territory and title)
    load(store, "communication_plan", """
Portée du plan;Territoire;Intitulé du plan de communication;Date d'adoption;Première année;Dernière année;Relaie le plan régional
regional;R82;Plan R82;01/03/2016;2016;2020;non
local;CME38;Plan CME38;01/03/2016;2016;2020;oui
local;CME42;Plan CME42;01/03/2018;2018;2019;non
local;CME69;Plan CME69;01/03/2017;2017;2020;oui""")
    # one calendar item of the Loire plan in 2016 (items no longer make a plan exist)
    load(store, "communication_plan_item", """
Territoire;Plan de communication;Intitulé de l'étape;Canal;Début prévu;Fin prévue;Réalisée
CME42;Plan CME42;Lettre;courriel;01/05/2016;01/06/2016;oui""")
    res = result(store, "Q5.C1.I1", 2016, 2020)
    # local plans in force: 2016 {38✓} · 2017 {38✓, 69✓} · 2018 {38✓, 42✗, 69✓} · 2019 same · 2020 {38✓, 69✓}
    close(values(res), {2016: 1.0, 2017: 1.0, 2018: 2 / 3, 2019: 2 / 3, 2020: 1.0})
    assert "R82" not in set(res.matrix["row"])


# --- Q5.C3.I2: actors reached by information/training on the service offers --------------------------


def test_q5_c3_i2_counts_only_the_service_offer_topic(store):
    load(store, "communication_action", """
Département;Date de l'action;Institution organisatrice;Canal;Objectif;Thème;Cible;Intitulé;Publics atteints
38;14/01/2019;AGEFIPH;formation;formation;offre_service;acteurs_relais;Formation offres;employeur=10|sameth=5
38;20/02/2019;AGEFIPH;reunion;information;offre_service;acteurs_relais;Réunion offres;employeur=3
38;08/03/2019;MDPH38;evenement;information;info_sante_emploi;acteurs_relais;Salon ISE;employeur=40
38;20/03/2019;CARSAT;courriel;communication;offre_service;beneficiaires;Lettre offres;employeur=100
""")
    res = result(store, "Q5.C3.I2", 2019, 2019)
    # information/formation on the service offers only: 10 + 5 + 3 (not the 40 of the INFO SANTE EMPLOI
    # fair, not the 100 of a communication letter)
    close(values(res), {2019: 18.0})
    by = res.breakdown.set_index("category")["value"]
    assert by["employeur"] == 13 and by["sameth"] == 5
    # its sibling Q5.C3.I1 counts the same actions: 2 information/formation actions on the offers
    close(values(result(store, "Q5.C3.I1", 2019, 2019)), {2019: 2.0})


# --- surveys: only the respondent type the indicator names --------------------------------------------


SURVEY_INDICATORS = {ind.id: ind for ind in load_referentiel().indicators() if ind.kind == "survey"}


def test_every_survey_indicator_names_its_respondent_type():
    ref = load_referentiel()
    declared = {q.code: q.respondent_type for q in ref.survey_questions}
    assert SURVEY_INDICATORS
    for ind in SURVEY_INDICATORS.values():
        assert ind.source.where["respondent_type"] == declared[ind.source.question], ind.id


def test_a_survey_share_counts_only_its_respondent_type(store):
    load(store, "survey_result", """
Question;Année;Territoire;Type de répondant;Répondants;Réponses favorables
ctme_format_utile;2019;CME38;acteur_maintien;9;4
ctme_format_utile;2019;CME38;partenaire;20;20
ctme_format_utile;2019;CME42;acteur_maintien;11;8
satisfaction_instances;2019;R82;partenaire;30;21
satisfaction_instances;2019;R82;acteur_maintien;10;0
""")
    # Q4.C3.I2 (actors): (4 + 8) / (9 + 11), the partners' 20/20 left out
    close(values(result(store, "Q4.C3.I2", 2019, 2019)), {2019: 12 / 20})
    # Q1.C1.I3 (partners): 21 / 30, the actors' 0/10 left out
    close(values(result(store, "Q1.C1.I3", 2019, 2019)), {2019: 21 / 30})


# --- Q2.C2.I3: freins with no action stay in the share ---------------------------------------------


def test_q2_c2_i3_counts_the_freins_left_without_action(store):
    load(store, "frein", """
CME;Date d'identification;Catégorie;Libellé;Description
CME38;10/01/2019;connaissance_offre;F1;d
CME38;11/01/2019;connaissance_offre;F2;d
CME38;12/01/2019;coordination;F3;d
CME42;13/01/2019;coordination;F4;d
""")
    load(store, "action_plan", """
Territoire;Intitulé du plan;Date d'adoption;Première année;Dernière année;Volet prises de relais
CME38;Plan Isère;10/10/2016;2016;2020;oui
""")
    load(store, "plan_action", """
CME;Plan d'actions;Type d'action;Intitulé;Début prévu;Fin prévue;Statut;Traite de la prise de relais
CME38;Plan Isère;information;A1;05/05/2019;05/12/2019;en_cours;non
CME38;Plan Isère;cooperation;A2;06/05/2019;05/12/2019;en_cours;non
""")
    from sqlalchemy import select
    with store.begin() as conn:   # no partner file links actions to freins (entered with the plan): INSERT
        frein = {lab: i for lab, i in conn.execute(select(table("frein").c.label, table("frein").c.id))}
        action = {t: i for t, i in conn.execute(select(table("plan_action").c.title, table("plan_action").c.id))}
        for a, f in (("A1", "F1"), ("A2", "F1"), ("A2", "F3")):
            conn.execute(insert(table("action_frein")).values(action_id=action[a], frein_id=frein[f]))
    res = result(store, "Q2.C2.I3", 2019, 2019)
    # 4 freins, 2 of them (F1, F3) addressed by an action (3 links, each frein counted once)
    close(values(res), {2019: 2 / 4})
    by = res.breakdown.set_index("category")["value"]
    assert by["connaissance_offre"] == pytest.approx(1 / 2) and by["coordination"] == pytest.approx(1 / 2)


# --- Q6: each case once; the national dashboard's breakdowns -----------------------------------------


CASES = """
Référence de la situation;Département;Date de signalement;Début de l'arrêt de travail;Date de la solution;Signalé par;Statut du salarié;Régime;Taille de l'entreprise;RQTH;Cause;Acteur référent;Réorienté;Issue;Relais;Mesures
C1;38;01/03/2019;01/01/2019;01/06/2019;medecin_travail;salarie;general;moins_11;oui;maladie;sameth;non;maintien_meme_poste;aucun;aide_agefiph|etude_ergonomique
C2;38;02/03/2019;;02/07/2019;employeur;salarie;general;250_plus;non;accident_travail;sameth;non;licenciement_inaptitude;cap_emploi;essai_encadre
C3;38;03/03/2019;10/02/2019;03/08/2019;medecin_travail;salarie;general;11_49;oui;maladie;sameth;non;licenciement_inaptitude;aucun;
C4;38;04/03/2019;;;salarie;salarie;general;50_249;oui;maladie_professionnelle;sameth;non;en_cours;aucun;crpe
C5;38;05/03/2019;05/03/2019;05/09/2019;service_social;independant;independants;;non;maladie;rsi;non;reclassement_externe;aucun;formation|aide_agefiph|prestation_orientation
C6;38;06/03/2019;;06/10/2019;medecin_travail;salarie;general;250_plus;oui;aggravation_handicap;sameth;non;licenciement_inaptitude;aucun;aide_agefiph
"""


def cases_result(engine, ind_id):
    # threshold 1: every cell of this hand-countable file shows (secrecy is tested on its own)
    return compute(engine, load_referentiel().indicator(ind_id), Filters(2019, 2019), Reference.from_engine(engine),
                   small_cell_threshold=1)


def test_q6_breakdowns_of_the_national_dashboard_and_each_case_once(store):
    load(store, "retention_case", CASES)
    # Q6.C3.I2: closed cases with at least one measure: C1 ✓ (2 measures), C2 ✗, C5 ✓ (3 measures), C6 ✗;
    # C3 has no measure, C4 is open. Per case 2/4 (per measure it would read 5/7).
    close(values(cases_result(store, "Q6.C3.I2")), {2019: 2 / 4})
    # cause: maladie C1 C3 C5, accident_travail C2, maladie_professionnelle C4, aggravation_handicap C6
    res = cases_result(store, "Q6.C1.I10")
    close(values(res), {2019: 6.0})
    assert res.breakdown.set_index("category")["value"].to_dict() == {
        "maladie": 3, "accident_travail": 1, "maladie_professionnelle": 1, "aggravation_handicap": 1}
    # under 250 employees, among known sizes (C5 is self-employed): C1 C3 C4 of C1 C2 C3 C4 C6
    close(values(cases_result(store, "Q6.C1.I11")), {2019: 3 / 5})
    # a sick-leave start before the signalement: C1 C3 C5
    close(values(cases_result(store, "Q6.C1.I12")), {2019: 3 / 6})
    # RQTH among the cases: C1 C3 C4 C6
    close(values(cases_result(store, "Q6.C1.I13")), {2019: 4 / 6})
    # RQTH among the dismissals for inaptitude C2 (non) C3 (oui) C6 (oui)
    close(values(cases_result(store, "Q6.C1.I14")), {2019: 2 / 3})


def test_every_q6_indicator_with_regional_values_offers_the_regions_view():
    for ind in load_referentiel().indicators("Q6"):
        if ind.source.table == "indicator_value":
            assert ind.source.comparison == "regions", ind.id


def test_the_regions_view_reads_the_imported_regional_values(store):
    load(store, "indicator_value", """
Indicateur;Territoire;Année;Valeur;Source
Q6.C1.I5;R11;2019;30000;direccte
Q6.C1.I5;R84;2019;21000;direccte
Q6.C1.I5;38;2019;5000;direccte
""")
    comp = result(store, "Q6.C1.I5", 2019, 2019).comparison.set_index("region")
    assert set(comp.index) == {"R11", "R84"}
    assert comp.loc["R11", "value"] == 30000 and comp.loc["R84", "value"] == 21000 and comp.loc["R84", "highlight"]


# --- CME perimeters: valid_from / valid_to -----------------------------------------------------------


def test_a_perimeter_change_moves_that_years_data(store):
    from sqlalchemy import update
    cp = table("cme_perimeter")
    with store.begin() as conn:   # reference data (the CPR redraws a perimeter): Drôme joins Isère's CME in 2019
        conn.execute(update(cp).where(cp.c.cme_code == "CME0726", cp.c.departement_code == "26").values(valid_to=2018))
        conn.execute(insert(cp).values(cme_code="CME38", departement_code="26", valid_from=2019, valid_to=None))
    load(store, "communication_action", """
Département;Date de l'action;Institution organisatrice;Canal;Objectif;Thème;Cible;Intitulé
38;10/01/2018;AGEFIPH;courriel;communication;offre_service;beneficiaires;a1
38;11/01/2018;AGEFIPH;courriel;communication;offre_service;beneficiaires;a2
26;12/01/2018;AGEFIPH;courriel;communication;offre_service;beneficiaires;a3
07;13/01/2018;AGEFIPH;courriel;communication;offre_service;beneficiaires;a4
38;10/01/2019;AGEFIPH;courriel;communication;offre_service;beneficiaires;b1
26;11/01/2019;AGEFIPH;courriel;communication;offre_service;beneficiaires;b2
26;12/01/2019;AGEFIPH;courriel;communication;offre_service;beneficiaires;b3
26;13/01/2019;AGEFIPH;courriel;communication;offre_service;beneficiaires;b4
07;14/01/2019;AGEFIPH;courriel;communication;offre_service;beneficiaires;b5
07;15/01/2019;AGEFIPH;courriel;communication;offre_service;beneficiaires;b6
""")
    load(store, "ctme_session", """
CME;Date de la séance;Situations examinées
CME0726;10/03/2018;2
CME0726;10/03/2019;2
CME0726;10/04/2019;2
CME38;10/03/2019;2
CME38;10/04/2019;2
CME38;10/05/2019;2
""")
    # Isère's CME: 38 alone in 2018 (2 actions), 38 + 26 in 2019 (1 + 3)
    close(values(result(store, "Q5.C1.I2", 2018, 2019, "CME38")), {2018: 2.0, 2019: 4.0})
    # Drôme-Ardèche: 07 + 26 in 2018 (1 + 1), 07 alone in 2019 (2)
    close(values(result(store, "Q5.C1.I2", 2018, 2019, "CME0726")), {2018: 2.0, 2019: 2.0})
    # the Drôme's view takes its CME of the year: CME0726's CTME in 2018 (1), CME38's in 2019 (3)
    close(values(result(store, "Q4.C3.I1", 2018, 2019, "26")), {2018: 1.0, 2019: 3.0})


# --- Q1.C1.I1 composition and participation; Q5.C1.I2 internal vs external -----------------------------


def test_q1_c1_i1_participation_by_working_time_among_the_expected_members(store):
    load(store, "meeting", """
Instance;Territoire;Date de la réunion;Type;Compte rendu diffusé;Sujets
CPR;R82;15/03/2019;pleniere;oui;Bilan
CME38;CME38;20/05/2019;restreinte;oui;Plan
""")
    load(store, "meeting_attendance", """
Instance;Date de la réunion;Type de réunion;Institution;Attendue;Présente;Participants
CPR;15/03/2019;pleniere;AGEFIPH;oui;oui;1
CPR;15/03/2019;pleniere;CARSAT;oui;oui;2
CPR;15/03/2019;pleniere;DIRECCTE;oui;non;0
CPR;15/03/2019;pleniere;POLE-EMPLOI;non;oui;1
CME38;20/05/2019;restreinte;AGEFIPH;oui;oui;1
CME38;20/05/2019;restreinte;CARSAT;oui;non;0
""")
    res = result(store, "Q1.C1.I1", 2019, 2019)
    # expected members: 3 at the CPR plenary, 2 at the CME bureau (Pôle emploi came uninvited: not counted)
    close(values(res), {2019: 3 / 5})
    by = res.breakdown.set_index("category")["value"]
    assert by["pleniere"] == pytest.approx(2 / 3) and by["restreinte"] == pytest.approx(1 / 2)
    assert res.detail.set_index("category")["value"].to_dict() == {"AGEFIPH": 2, "CARSAT": 1}


def test_q5_c1_i2_tells_internal_from_external_actions_and_filters_by_structure(store):
    load(store, "communication_action", """
Département;Date de l'action;Institution organisatrice;Canal;Objectif;Thème;Cible;Intitulé
38;10/01/2019;CARSAT;courriel;information;offre_service;interne;i1
38;11/01/2019;CARSAT;courriel;information;offre_service;beneficiaires;e1
38;12/01/2019;CARSAT;courriel;information;offre_service;entreprises;e2
42;13/01/2019;AGEFIPH;courriel;information;offre_service;interne;i2
""")
    res = result(store, "Q5.C1.I2", 2019, 2019)
    close(values(res), {2019: 4.0})
    assert res.breakdown.set_index("category")["value"].to_dict() == {"interne": 2, "beneficiaires": 1, "entreprises": 1}
    carsat = compute(store, load_referentiel().indicator("Q5.C1.I2"), Filters(2019, 2019, institution="CARSAT"),
                     Reference.from_engine(store))
    close(values(carsat), {2019: 3.0})


# --- Q4.C3.I1: CTME "ou autres outils mis en œuvre avec la même finalité" ----------------------------


def test_q4_c3_i1_counts_the_other_tools_with_the_same_purpose(store):
    # CME38 sends its CTME file without the Format column in 2017 (all CTME: 3 sessions); in 2018 it
    # holds 2 CTME and replaces the others by a coordination cell (autre_outil) 2 times, once on the
    # day of a CTME; in 2019 only the cell, 1 time.
    load(store, "ctme_session", """
CME;Date de la séance;Situations examinées
CME38;10/02/2017;3
CME38;12/05/2017;4
CME38;08/11/2017;2""")
    load(store, "ctme_session", """
CME;Date de la séance;Situations examinées;Format
CME38;09/02/2018;3;ctme
CME38;11/05/2018;2;CTME
CME38;11/05/2018;4;Autre outil de même finalité
CME38;15/10/2018;5;autre_outil
CME38;14/03/2019;2;autre_outil""")
    res = result(store, "Q4.C3.I1", 2017, 2019, "CME38")
    close(values(res), {2017: 3, 2018: 4, 2019: 1})   # 3 CTME; 2 CTME + 2 other tools; 1 other tool
    b = res.breakdown
    b = b[b["scope"].eq("selection")] if "scope" in b else b
    got = {(int(y), c): float(v) for y, c, v in zip(b["year"], b["category"], b["value"]) if v}
    assert got == {(2017, "ctme"): 3, (2018, "ctme"): 2, (2018, "autre_outil"): 2, (2019, "autre_outil"): 1}
    assert set(b["category_label"].dropna()) == {"CTME", "Autre outil de même finalité"}
    assert "autres outils" in load_referentiel().indicator("Q4.C3.I1").note
