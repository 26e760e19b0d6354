"""The Streamlit shell and every page, rendered with AppTest."""

import pytest

from dashboard.core.referentiel import load_referentiel
from tests.conftest import across_criteria

PAGES = (["app_pages/home.py", "app_pages/reunion.py"] + [f"app_pages/{q.page}.py" for q in load_referentiel().questions]
         + ["app_pages/comparaison.py", "app_pages/regions.py", "app_pages/bilan.py", "app_pages/completude.py", "app_pages/import.py",
            "app_pages/saisie.py", "app_pages/journal.py", "app_pages/connexion.py", "app_pages/comptes.py"])


@pytest.fixture
def app(sample_url, app_factory):
    return app_factory(sample_url)


def _texts(at):
    parts = [m.value for m in at.markdown] + [w.value for w in at.warning] + [c.value for c in at.caption]
    parts += [t.value for t in at.title] + [h.value for h in at.subheader] + [i.value for i in at.info]
    return "\n".join(str(p) for p in parts)


def test_shell_renders_with_banner_and_filters(app):
    at = app.run()
    assert not at.exception, at.exception
    assert any("Données fictives" in w.value for w in at.warning)
    assert at.sidebar.select_slider(key="periode").value == (2016, 2020)
    assert at.sidebar.selectbox(key="territoire").value == "R82"
    assert at.title[0].value.startswith("Pilotage de la Charte · 2016-2020 · Rhône-Alpes")


def test_a_pages_own_query_parameters_do_not_follow_the_user(app):
    """The bilan's ?cme=&annee= and the meeting's ?question= belong to their page; the filters stay."""
    app.query_params.update({"cme": "CME42", "annee": "2019", "question": "3", "territoire": "CME Loire"})
    at = app.run()
    assert not at.exception, at.exception
    assert {"cme", "annee", "question"}.isdisjoint(at.query_params)
    assert at.sidebar.selectbox(key="territoire").value == "CME42"
    at.query_params.update({"cme": "CME42", "annee": "2019"})
    at.switch_page("app_pages/bilan.py")
    at.run()
    assert at.selectbox(key="bilan_cme").value == "CME42" and at.selectbox(key="bilan_annee").value == 2019


@pytest.mark.parametrize("page", PAGES)
def test_every_page_loads_without_exception(app, page):
    at = app.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    assert any("Données fictives" in w.value for w in at.warning)


@pytest.mark.parametrize("question", load_referentiel().questions, ids=lambda q: q.id)
def test_question_page_shows_every_indicator_id(app, question):
    at = app.run()
    at.switch_page(f"app_pages/{question.page}.py")
    at.run()
    captions = set(across_criteria(at, question, lambda t: [c.value for c in t.caption]))
    ids = [i.id for i in load_referentiel().indicators(question.id)]
    assert [i for i in ids if i not in captions] == []
    assert question.label in _texts(at)


def test_filters_are_bound_to_the_url(app):
    """The URL round trip itself is driven by the browser: see tests/test_e2e.py."""
    at = app.run()
    for key in ("periode", "territoire", "institution"):
        widget = next(w for w in at.sidebar if getattr(w, "key", None) == key)
        assert widget.proto.query_param_key == key


def test_single_territory_view(app):
    at = app.run()
    at.switch_page("app_pages/q4_animations_territoriales.py")
    at.run()
    at.sidebar.selectbox(key="territoire").set_value("CME42")
    at.run()
    assert not at.exception
    assert "CME Loire" in _texts(at)


def test_every_block_has_data_under_default_filters(app):
    at = app.run()
    at.switch_page("app_pages/q4_animations_territoriales.py")
    at.run()
    assert not [i for i in at.info if "Pas de données" in i.value]


def test_a_period_without_data_says_so(app):
    at = app.run()
    at.sidebar.select_slider(key="periode").set_value((2016, 2016))
    at.run()
    at.switch_page("app_pages/q3_info_sante_emploi.py")
    at.run()
    assert not at.exception
    # the resource-contact matrix starts later than 2016 in the sample, other blocks have data
    infos = [i.value for i in at.info]
    assert all(v.startswith("Pas de données pour 2016") for v in infos)
