"""Comparison, regions and bilan pages rendered with AppTest."""

import json

import pytest


@pytest.fixture
def app(sample_url, app_factory):
    return app_factory(sample_url)


def _open(app, page, **params):
    at = app
    at.run()
    at.switch_page(page)
    for k, v in params.items():    # the page's own parameters (another page's would be dropped)
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def _charts(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _texts(at):
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.title]
    parts += [h.value for h in at.header] + [h.value for h in at.subheader] + [w.value for w in at.warning]
    return "\n".join(str(p) for p in parts)


def test_comparison_page_draws_map_ranking_and_trends(app):
    at = _open(app, "app_pages/comparaison.py", indicateur="Q4.C3.I1")
    assert at.selectbox(key="cmp_question").value == "Q4"
    assert at.selectbox(key="cmp_ind_Q4").value == "Q4.C3.I1"
    charts = _charts(at)
    kinds = [{t["type"] for t in c["data"]} for c in charts]
    assert {"choropleth", "scattergeo"} <= kinds[0]
    assert len(charts) == 2  # the map, the small multiples
    table = at.dataframe[0].value
    assert list(table["Territoire"])[-1] == "CME Loire"  # most CTME per inhabitant: last for a "to zero" target
    assert "Taux pour 100 000 habitants" in at.radio(key="cmp_rate").options[0]
    text = _texts(at)
    assert "IGN – INSEE, Admin Express COG 2018" in text and "approximatifs" in text


def test_switching_level_and_measure(app):
    at = _open(app, "app_pages/comparaison.py", indicateur="Q3.C4.I1")
    assert at.radio(key="cmp_level").options == ["Départements", "Territoires de CME"]
    assert len(at.dataframe[0].value) == 8
    at.radio(key="cmp_level").set_value("cme")
    at.run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 7
    at.radio(key="cmp_rate").set_value(False)
    at.run()
    assert "Nombre" not in at.dataframe[0].value.columns  # counts shown directly, no extra column
    at.selectbox(key="cmp_question").set_value("Q6")
    at.run()
    assert not at.exception
    assert at.selectbox(key="cmp_ind_Q6").value.startswith("Q6.")


def test_regions_page_ranks_the_region(app):
    at = _open(app, "app_pages/regions.py")
    text = _texts(at)
    assert "Auvergne-Rhône-Alpes en 2020" in text and "sur 13" in text
    assert "Depuis le 1er janvier 2016" in text
    charts = _charts(at)
    assert len(charts) == 3  # map, ranked bars, position over the years
    highlighted = [t for t in charts[0]["data"] if t.get("marker", {}).get("line", {}).get("width") == 4]
    assert highlighted and highlighted[0]["locations"] == ["R84"]


def test_bilan_page_shows_the_bilan_and_its_exports(app):
    at = _open(app, "app_pages/bilan.py", cme="CME42", annee="2019")
    assert at.selectbox(key="bilan_cme").value == "CME42"
    assert "Bilan 2019 · CME Loire" in [h.value for h in at.header]
    assert [s.value for s in at.subheader] == ["Synthèse"]        # one part drawn at a time
    assert len(at.dataframe[0].value) == 6                          # the six questions' reading
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["HTML interactif", "Annexe XLSX"]
    assert any(b.label == "Préparer le PDF (A4)" for b in at.button)
    at.session_state["bilan-parties"] = "Q4 · Animations territoriales"
    at.run()
    assert not at.exception, at.exception
    assert [s.value for s in at.subheader] == ["Question 4 · Animations territoriales"]
    assert len(at.get("plotly_chart")) == 1                          # the question's small multiples
    q4 = at.dataframe[0].value
    # 3, 5, 7, 9 CTME sessions: a handful, and a rise the Poisson test cannot tell from chance (p = 6,8 %)
    assert q4.set_index("Indicateur").loc["Q4.C3.I1", "Verdict"] == "À confirmer (faibles effectifs)"


def test_bilan_page_follows_the_territory_picked(app):
    at = _open(app, "app_pages/bilan.py", cme="CME42", annee="2019")
    at.selectbox(key="bilan_cme").set_value("CME01")
    at.run()
    assert not at.exception
    assert "Bilan 2019 · CME Ain" in [h.value for h in at.header]


def test_question_page_offers_comments_per_indicator(app):
    at = _open(app, "app_pages/q6_indicateurs_maintien.py")
    at.sidebar.selectbox(key="territoire").set_value("38")
    at.run()
    assert not at.exception
    labels = {b.key: b.label for b in at.button if (b.key or "").startswith("cmt-")}
    assert labels["cmt-Q6.C1.I1"] == "Commentaires (1)"  # the sample's comment on Isère, 2017
    assert labels["cmt-Q6.C1.I2"] == "Commenter"
    assert any("Hausse des situations traitées par le SAMETH" in t.value for t in at.text)  # plain text
