"""The "Saisie" page with AppTest, against a writable copy of the sample: who may write, add with
the generic form, refused values, edit and delete, the territories offered; and the pieces of the
generic mechanism (widgets by kind, attendance rows)."""

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select

from dashboard.views import forms as forms_view
from data_access import records
from data_access.datasets import DATASETS
from data_access.db import table
from data_access.intake import IntakeError
from data_access.users import load_user
from data_access.vocabulary import VOCABULARIES

PAGE = "app_pages/saisie.py"
NEW_DATE = dt.date(2020, 6, 15)


def _open(app_factory, url, user=None, dataset=None):
    at = app_factory(url)
    if user:
        at.session_state["auth_username"] = user
    at.switch_page(PAGE)   # straight to the page (no run of the home page first)
    at.run()
    if dataset:
        at.selectbox(key="saisie_dataset").set_value(dataset)
        at.run()
    assert not at.exception, at.exception
    return at


def _widget(elements, label):
    """The first widget of a list whose label is ``label`` (the add form comes before the edit form)."""
    return next(w for w in elements if w.label == label)


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def _sessions(engine, territory="CME38", day=None) -> list[tuple]:
    t = table("ctme_session")
    stmt = select(t.c.id, t.c.session_date, t.c.cases_examined).where(t.c.territory_code == territory)
    if day is not None:
        stmt = stmt.where(t.c.session_date == day)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(stmt)]


def _count(engine, name="ctme_session") -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table(name))).scalar_one()


# --- who may write -------------------------------------------------------------------------------


def test_anonymous_reads_the_list_but_gets_the_sign_in_notice_and_no_form(app_factory, store_url):
    at = _open(app_factory, store_url)
    assert at.title[0].value == "Saisie"
    assert any("Données fictives" in w.value for w in at.warning)
    assert len(at.dataframe) == 1                       # reading is open
    assert "Connectez-vous pour saisir des données" in _texts(at.info)
    labels = [b.label for b in at.button]
    assert "Ajouter" not in labels and "Supprimer" not in labels
    assert not at.date_input and not at.number_input


def test_a_reader_account_cannot_write(app_factory, store_url):
    at = _open(app_factory, store_url, user="lecteur")
    assert "permet de lire, pas de saisir des données" in _texts(at.info)
    assert "Ajouter" not in [b.label for b in at.button]


def test_the_territories_offered_to_animateur38_are_its_own(app_factory, store_url):
    at = _open(app_factory, store_url, user="animateur38")
    page_select = at.selectbox(key="saisie_territoire_cme")
    assert page_select.options == ["CME Isère"]
    assert _widget(at.selectbox, "CME *").options == ["CME Isère"]
    assert not any("CME69" in o or "Rhône" in o for w in at.selectbox if w.key and w.key.startswith("saisie")
                   for o in w.options if w.label in ("Territoire", "CME *"))
    at.selectbox(key="saisie_dataset").set_value("communication_action")
    at.run()
    assert at.selectbox(key="saisie_territoire_departement").options == ["Isère (38)"]
    at.selectbox(key="saisie_dataset").set_value("meeting")
    at.run()
    assert _widget(at.selectbox, "Instance *").options == ["Comité de maintien dans l'emploi — Isère — CME38"]
    assert _widget(at.selectbox, "Instance *").value == "CME38"   # the territory's only instance


def test_the_administrator_chooses_among_every_territory_of_the_level(app_factory, store_url):
    at = _open(app_factory, store_url, user="admin")
    assert len(at.selectbox(key="saisie_territoire_cme").options) == 7


# --- add, refuse, edit, delete -------------------------------------------------------------------


def test_add_a_ctme_session(app_factory, store_url, engine):
    assert _sessions(engine, day=NEW_DATE) == []
    at = _open(app_factory, store_url, user="animateur38")
    assert _widget(at.selectbox, "CME *").value == "CME38"
    _widget(at.date_input, "Date de la séance *").set_value(NEW_DATE)
    _widget(at.number_input, "Situations examinées *").set_value(3)
    _widget(at.multiselect, "Institutions participantes").set_value(["AT-CME38", "SAMETH38"])
    _button(at, "Ajouter").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error, _texts(at.error)
    assert "Séances de CTME et autres outils de même finalité : enregistrement ajouté — CME Isère · 15/06/2020 · CTME" \
        in _texts(at.success)
    [(new_id, _day, cases)] = _sessions(engine, day=NEW_DATE)
    assert cases == 3
    assert records.record_values(engine, "ctme_session", new_id)["participants"] == ("AT-CME38", "SAMETH38")
    shown = at.dataframe[0].value
    row = shown.loc[shown["N°"] == new_id].iloc[0]
    assert row["Situations examinées"] == 3 and row["Date de la séance"] == NEW_DATE
    assert "CME" not in shown.columns                   # the territory is the table's title
    assert list(row["Institutions participantes"]) == ["Animation territoriale Isère", "SAMETH de l'Isère"]
    # the form is empty again, ready for the next record
    assert _widget(at.date_input, "Date de la séance *").value is None


def test_refused_values_show_french_problems_and_write_nothing(app_factory, store_url, engine):
    before = _count(engine)
    at = _open(app_factory, store_url, user="animateur38")
    _widget(at.date_input, "Date de la séance *").set_value(dt.date(2014, 6, 15))   # before the charter
    _button(at, "Ajouter").click()
    at.run()
    assert not at.exception, at.exception
    errors = _texts(at.error)
    assert "Rien n'a été enregistré" in errors
    assert "« Date de la séance » : valeur « 15/06/2014 » — attendu : une date de la période de la charte" in errors
    assert "« Situations examinées » : valeur manquante (champ obligatoire)" in errors
    assert not at.success
    assert _count(engine) == before
    # the values typed stay in the form
    assert _widget(at.date_input, "Date de la séance *").value == dt.date(2014, 6, 15)


def test_a_second_record_with_the_same_key_is_refused(app_factory, store_url, engine):
    existing = _sessions(engine)[0]
    before = _count(engine)
    at = _open(app_factory, store_url, user="animateur38")
    _widget(at.date_input, "Date de la séance *").set_value(existing[1])
    _widget(at.number_input, "Situations examinées *").set_value(1)
    _button(at, "Ajouter").click()
    at.run()
    assert "Un enregistrement existe déjà avec la même clé" in _texts(at.error)
    assert _count(engine) == before


def test_edit_then_delete_a_record(app_factory, store_url, engine):
    user = load_user(engine, "animateur38")
    day = dt.date(2019, 3, 7)
    rid = records.save_record(engine, "ctme_session", {"territory_code": "CME38", "session_date": day,
                                                       "cases_examined": 2}, user)
    before = _count(engine)
    at = _open(app_factory, store_url, user="animateur38")
    pick = _widget(at.selectbox, "Enregistrement")
    assert f"CME Isère · 07/03/2019 · CTME (n° {rid})" in pick.options
    pick.set_value(rid)
    at.run()
    # the edit form is prefilled from the stored record
    edit_cases = next(w for w in at.number_input if w.key.startswith(f"saisie_edit_ctme_session_{rid}_"))
    assert edit_cases.value == 2
    edit_cases.set_value(5)
    _button(at, "Enregistrer les modifications").click()
    at.run()
    assert not at.exception, at.exception
    assert "enregistrement modifié — CME Isère · 07/03/2019" in _texts(at.success)
    assert _sessions(engine, day=day) == [(rid, day, 5)]

    _widget(at.selectbox, "Enregistrement").set_value(rid)
    at.run()
    delete = _button(at, "Supprimer")
    assert delete.disabled                               # nothing deleted without the confirmation
    _widget(at.checkbox, "Je confirme la suppression").check()
    at.run()
    _button(at, "Supprimer").click()
    at.run()
    assert not at.exception, at.exception
    assert "enregistrement supprimé — CME Isère · 07/03/2019" in _texts(at.success)
    assert _sessions(engine, day=day) == []
    assert _count(engine) == before - 1


def test_a_communication_action_with_reached_publics(app_factory, store_url, engine):
    """Code=number pairs: one number per actor type, the non-zero ones are saved."""
    at = _open(app_factory, store_url, user="animateur38", dataset="communication_action")
    _widget(at.date_input, "Date de l'action *").set_value(dt.date(2019, 11, 5))
    _widget(at.selectbox, "Institution organisatrice *").set_value("AT-CME38")
    ds = DATASETS["communication_action"]
    for name in ("channel", "purpose", "topic", "target"):
        f = ds.field(name)
        _widget(at.selectbox, f"{f.header} *").set_value(next(iter(VOCABULARIES[f.vocabulary])))
    _widget(at.text_input, "Intitulé *").set_value("Petit-déjeuner des employeurs de Voiron")
    _widget(at.number_input, "Employeurs / RH").set_value(12)
    _widget(at.number_input, "Médecins du travail / SST").set_value(3)
    _button(at, "Ajouter").click()
    at.run()
    assert not at.error, _texts(at.error)
    assert "Actions de communication : enregistrement ajouté" in _texts(at.success)
    frame = records.list_records(engine, "communication_action", territories=["38"])
    row = frame.loc[frame["title"] == "Petit-déjeuner des employeurs de Voiron"].iloc[0]
    assert row["reach"] == (("employeur", 12), ("medecin_travail", 3))


# --- the generic pieces --------------------------------------------------------------------------


def test_every_form_dataset_renders_for_an_administrator(app_factory, store_url):
    at = _open(app_factory, store_url, user="admin")
    for ds in forms_view.form_datasets():
        at.selectbox(key="saisie_dataset").set_value(ds.name)
        at.run()
        assert not at.exception, (ds.name, at.exception)
        assert not at.error, (ds.name, _texts(at.error))
        if forms_view.has_id(ds):
            assert "Ajouter" in [b.label for b in at.button], ds.name
        else:
            assert "Enregistrer les présences" in [b.label for b in at.button], ds.name


def test_the_widget_follows_the_kind_of_the_field():
    kinds = {f.name: f for ds in forms_view.form_datasets() for f in ds.fields}
    assert forms_view.field_label(kinds["session_date"]) == "Date de la séance *"
    assert forms_view.field_label(kinds["topics"]) == "Sujets"
    assert kinds["description"].max_length > forms_view.TEXT_AREA_FROM   # a text area


def test_an_instance_of_another_territory_is_refused(engine):
    """Checked by the data layer, so that imports and forms refuse it alike."""
    admin = load_user(engine, "admin")
    values = {"territory_code": "CME38", "meeting_date": dt.date(2020, 3, 9), "kind": "pleniere",
              "minutes_shared": True, "topics": None}
    with pytest.raises(IntakeError) as err:
        records.save_record(engine, "meeting", {**values, "instance_code": "CME69"}, admin)
    [problem] = err.value.problems
    assert "CME69 relève du territoire CME69, pas de CME38" in problem
    assert records.save_record(engine, "meeting", {**values, "instance_code": "CME38"}, admin)


def test_attendance_rows_from_the_editor_are_saved_as_the_meetings_attendance(engine):
    ds = DATASETS["meeting_attendance"]
    meetings = records.list_records(engine, "meeting", territories=["CME38"])
    meeting = meetings.iloc[0]
    scope = {"instance_code": meeting["instance_code"], "meeting_date": meeting["meeting_date"],
             "kind": meeting["kind"]}
    fields = [ds.field(n) for n in ("expected", "present", "participants")]
    edited = pd.DataFrame({"Institution": ["a", "b", "c"], "Attendue": [True, True, False],
                           "Présente": [True, False, False], "Participants": [2, 0, 0]},
                          index=["AT-CME38", "SAMETH38", "MDPH38"])
    rows = forms_view.scope_rows(scope, ds.field("institution_code"), fields, edited)
    assert [r["institution_code"] for r in rows] == ["AT-CME38", "SAMETH38"]   # MDPH38: nothing set
    outcome = records.save_rows(engine, "meeting_attendance", rows, load_user(engine, "animateur38"))
    assert outcome.changed
    stored = records.list_records(engine, "meeting_attendance", territories=["CME38"])
    mine = stored[(stored["instance_code"] == scope["instance_code"]) & (stored["kind"] == scope["kind"])
                  & (stored["meeting_date"] == scope["meeting_date"])]
    assert sorted(mine["institution_code"]) == ["AT-CME38", "SAMETH38"]


def test_problems_are_worded_for_a_form():
    assert forms_view.french_problems(["Saisie, colonne « CME » : valeur manquante (colonne obligatoire)."]) == [
        "« CME » : valeur manquante (champ obligatoire)."]
    assert forms_view.french_problems(["Saisie : un enregistrement existe déjà."]) == [
        "Un enregistrement existe déjà."]


def test_objectives_are_entered_by_an_administrator_only(app_factory, store_url, engine):
    at = _open(app_factory, store_url, user="animateur38", dataset="objective")
    assert "saisie réservée aux administrateurs" in _texts(at.info)
    assert "Ajouter" not in [b.label for b in at.button]
    at = _open(app_factory, store_url, user="admin", dataset="objective")
    before = _count(engine, "objective")
    _widget(at.text_input, "Indicateur *").set_value("Q4.C3.I1")
    _widget(at.selectbox, "Territoire *").set_value("CME69")
    for label, value in (("Première année *", 2018), ("Dernière année *", 2020), ("Cible *", 3)):
        _widget(at.number_input, label).set_value(value)
    _widget(at.selectbox, "Portée *").set_value("chaque_annee")
    _widget(at.selectbox, "Comparateur *").set_value("le")
    _button(at, "Ajouter").click()
    at.run()
    assert not at.exception, at.exception
    assert not at.error, _texts(at.error)
    assert _count(engine, "objective") == before + 1
    with engine.connect() as conn:
        t = table("objective")
        row = conn.execute(select(t).where(t.c.territory_code == "CME69", t.c.first_year == 2018)).one()
    assert (row.indicator_id, row.first_year, row.last_year, row.rule, row.comparator, row.target) == (
        "Q4.C3.I1", 2018, 2020, "chaque_annee", "le", 3.0)
