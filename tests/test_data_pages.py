"""The data pages with AppTest: sign-in, completeness, import (without a file), journal, accounts."""



def _open(app_factory, url, page, user=None):
    at = app_factory(url)
    if user:
        at.session_state["auth_username"] = user
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def _texts(at):
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [e.value for e in at.error] + [s.value for s in at.success] + [t.value for t in at.title]
    return "\n".join(str(p) for p in parts)


def test_sign_in_with_a_demo_account_and_a_wrong_password(app_factory, store_url):
    at = _open(app_factory, store_url, "app_pages/connexion.py")
    at.text_input(key="signin_username").set_value("animateur38")
    at.text_input(key="signin_password").set_value("mauvais-mot-de-passe")
    at.get("form_submit_button")[0].click()
    at.run()
    assert "Identifiant ou mot de passe incorrect." in _texts(at)
    assert "auth_username" not in at.session_state
    at.text_input(key="signin_username").set_value("animateur38")
    at.text_input(key="signin_password").set_value("animateur-demo-38")
    at.get("form_submit_button")[0].click()
    at.run()
    assert not at.exception
    assert at.session_state["auth_username"] == "animateur38"
    assert "Vous êtes connecté" in _texts(at)
    assert "Animateur Isère (démo)" in "\n".join(m.value for m in at.sidebar.markdown)
    # an animateur's pages open on their CME: the sidebar, hence the home, then the bilan
    assert at.selectbox(key="territoire").value == "CME38"
    at.switch_page("app_pages/home.py")
    at.run()
    assert "CME Isère" in at.title[0].value
    at.switch_page("app_pages/bilan.py")
    at.run()
    assert not at.exception
    assert at.selectbox(key="bilan_cme").value == "CME38"
    assert at.selectbox(key="bilan_annee").value == 2020   # the last complete year of the charter


def test_home_territory_and_last_complete_year():
    import datetime as dt

    import pandas as pd

    from dashboard.core.filters import last_complete_year
    from dashboard.views.ui import home_territory

    territories = pd.DataFrame({"code": ["R82", "CME38", "CME69", "38"], "level": ["region", "cme", "cme",
                                                                               "departement"]})
    assert home_territory(frozenset({"CME38"}), territories) == "CME38"
    assert home_territory(frozenset({"CME38", "38"}), territories) == "CME38"   # the département is inside
    assert home_territory(frozenset({"CME38", "CME69"}), territories) is None   # two CMEs: no single home
    assert home_territory(frozenset(), territories) is None                     # administrator, reader
    assert last_complete_year([2016, 2017, 2018], today=dt.date(2026, 12, 3)) == 2018
    assert last_complete_year([2024, 2025, 2026], today=dt.date(2026, 12, 3)) == 2025
    assert last_complete_year([2026], today=dt.date(2026, 12, 3)) == 2026


def test_completeness_page(app_factory, store_url):
    at = _open(app_factory, store_url, "app_pages/completude.py")
    labels = {m.label: m.value for m in at.metric}
    assert int(labels["Livraisons manquantes"]) >= 1  # the sample's late partner misses 2020
    assert int(labels["Dont en retard"]) >= 1
    assert len(at.tabs) == 3
    assert len(at.get("plotly_chart")) >= 1
    table = at.dataframe[0].value
    assert table.iloc[0]["État"] != "à jour"          # problems first
    at.toggle(key="compl_problems").set_value(True)
    at.run()
    problems = at.dataframe[0].value
    assert len(problems) < len(table) and "à jour" not in set(problems["État"])


def test_missing_and_late_deliveries_come_first_with_their_count():
    import datetime as dt

    import pandas as pd

    from dashboard.core.completeness import deliveries_matrix, problem_style

    d = dt.date
    rows = [  # partner, name, dataset, year, status, received
        ("AGEFIPH", "Agefiph", "retention_case", 2019, "reçue", d(2020, 2, 1)),
        ("AGEFIPH", "Agefiph", "retention_case", 2020, "reçue", d(2021, 2, 1)),
        ("RSI-ALPES", "RSI Alpes", "retention_case", 2019, "reçue en retard", d(2020, 6, 1)),
        ("RSI-ALPES", "RSI Alpes", "retention_case", 2020, "manquante", None),
        ("CARSAT", "Carsat", "ise_call", 2019, "reçue en retard", d(2020, 5, 1)),
        ("CARSAT", "Carsat", "ise_call", 2020, "reçue en retard", d(2021, 5, 1)),
    ]
    frame = pd.DataFrame([{"institution_code": c, "name": n, "dataset": ds, "dataset_label": ds, "year": y,
                           "status": st, "received_date": r, "rows": 10} for c, n, ds, y, st, r in rows])
    table = deliveries_matrix(frame)
    assert list(table["Partenaire"]) == ["RSI Alpes (RSI-ALPES)", "Carsat (CARSAT)", "Agefiph (AGEFIPH)"]
    assert list(table["État"]) == ["1 manquante · 1 en retard", "2 en retard", "à jour"]
    assert list(table.columns[:3]) == ["Partenaire", "Jeu", "État"]
    assert list(deliveries_matrix(frame, problems_only=True)["Partenaire"]) == ["RSI Alpes (RSI-ALPES)",
                                                                               "Carsat (CARSAT)"]
    assert "fbe0de" in problem_style("✗ manquante") and "fdebd3" in problem_style("⚠ 01/06/2020 · 10 l.")
    assert problem_style("✓ 01/02/2020 · 10 l.") == "" and problem_style("à jour") == ""


def test_import_page_needs_a_writer(app_factory, store_url):
    at = _open(app_factory, store_url, "app_pages/import.py")
    assert "Connectez-vous pour importer des fichiers" in _texts(at)
    assert not at.get("file_uploader")
    at = _open(app_factory, store_url, "app_pages/import.py", user="lecteur")
    assert "permet de lire" in _texts(at)
    at = _open(app_factory, store_url, "app_pages/import.py", user="animateur38")
    assert at.get("file_uploader")


def test_journal_needs_an_account_and_lists_writes(app_factory, store_url):
    at = _open(app_factory, store_url, "app_pages/journal.py")
    assert "connectez-vous pour le consulter" in _texts(at)
    assert not at.dataframe
    from dashboard.core.referentiel import load_referentiel
    from dashboard.reports.bilan import comment_targets
    from data_access import comments
    from data_access.db import make_engine
    from data_access.users import load_user

    eng = make_engine(store_url)
    comments.add(eng, target="Q4", territory="CME38", year=2019, text="Lecture 2019.", user=load_user(eng, "animateur38"),
                 valid_targets=comment_targets(load_referentiel()))
    eng.dispose()
    at = _open(app_factory, store_url, "app_pages/journal.py", user="admin")
    frame = at.dataframe[0].value
    assert "animateur38" in set(frame["Utilisateur"]) and "Commentaire" in set(frame["Action"])


def test_accounts_page_is_for_administrators(app_factory, store_url):
    at = app_factory(store_url)
    at.session_state["auth_username"] = "animateur38"
    at.run()
    # /comptes opened by a non-administrator says so (the page is registered, hidden from the menu)
    at.switch_page("app_pages/comptes.py")
    at.run()
    assert not at.exception
    assert "Page réservée aux administrateurs" in at.info[0].value and "Animateur" in at.info[0].value
    assert not at.dataframe
    at = _open(app_factory, store_url, "app_pages/comptes.py", user="admin")
    names = set(at.dataframe[0].value["Identifiant"])
    assert {"admin", "animateur38", "animateur69", "lecteur"} <= names
