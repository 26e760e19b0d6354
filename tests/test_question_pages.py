"""Question pages (issue 3): every indicator block, targets and verdicts, honest empty states."""

import html
import json
import re
from urllib.parse import parse_qs

import pytest

from dashboard.core.referentiel import load_referentiel
from data_access.bundle import export_bundle, import_bundle
from data_access.db import make_engine, upgrade_schema
from tests.conftest import across_criteria

REF = load_referentiel()
ID = re.compile(r"^Q[1-6]\.C\d+\.I\d+$")


@pytest.fixture(scope="module")
def reference_only_url(sample_engine, new_database_url, tmp_path_factory):
    """A store with territories, institutions and years but no activity at all."""
    import json as _json

    folder = tmp_path_factory.mktemp("full")
    manifest = export_bundle(sample_engine, folder)
    keep = {"territory", "reporting_year", "institution", "cme_perimeter", "survey_question", "store_meta"}
    ref_dir = tmp_path_factory.mktemp("ref")
    entries = [e for e in manifest["tables"] if e["table"] in keep]
    for e in entries:
        (ref_dir / e["file"]).write_bytes((folder / e["file"]).read_bytes())
    (ref_dir / "manifest.json").write_text(_json.dumps({**manifest, "tables": entries}), encoding="utf-8")
    url = new_database_url()
    engine = make_engine(url)
    upgrade_schema(engine)
    import_bundle(engine, ref_dir)
    engine.dispose()
    return url


@pytest.fixture
def app(sample_url, app_factory):
    return app_factory(sample_url)


def _open(at, question, territory=None, criterion=None):
    at.run()
    at.switch_page(f"app_pages/{question.page}.py")
    at.run()
    if criterion:                                   # that criterion's tab open (e.g. "Q4.C3")
        from dashboard.views.question import criterion_tab, tabs_key

        at.session_state[tabs_key(question.id)] = criterion_tab(next(c for c in question.criteria
                                                                     if c.id == criterion))
        at.run()
    if territory:
        at.sidebar.selectbox(key="territoire").set_value(territory)
        at.run()
    assert not at.exception, at.exception
    return at


def _ids_here(at):
    return [c.value for c in at.caption if ID.match(str(c.value))]


BADGE = re.compile(r"^:(\w+)-badge\[(?::material/\w+: )?(.+)\]$")


def _block_badges(at):
    """(indicator id, (colour, label of its verdict badge)) of each block drawn, in order."""
    out, current = [], None
    for node in at.main:
        value = str(getattr(node, "value", "") if node.type in ("caption", "markdown") else "")
        if node.type == "caption" and ID.match(value):
            current = value
        elif current and node.type == "markdown" and BADGE.match(value):
            out.append((current, BADGE.match(value).groups()))
            current = None
    return out


def _block_ids(at, question):
    """The indicator blocks of every criterion (one tab open at a time)."""
    return across_criteria(at, question, _ids_here)


@pytest.mark.parametrize("question", REF.questions, ids=lambda q: q.id)
def test_default_filters_one_block_per_indicator(app, question):
    at = _open(app, question)
    assert any(str(m.value).startswith("**Synthèse**") for m in at.markdown)
    # the first criterion's tab is open (its first theme's, for a criterion with themes), the others
    # are not drawn
    assert _ids_here(at) == [i.id for i in question.criteria[0].parts()[0][1]]
    assert _block_ids(at, question) == [i.id for i in REF.indicators(question.id)]
    assert not across_criteria(at, question, lambda t: [i.value for i in t.info
                                                        if str(i.value).startswith("Pas de données")])


@pytest.mark.parametrize("question", REF.questions, ids=lambda q: q.id)
def test_the_index_links_every_indicator_to_its_block_with_its_verdict(app, question):
    at = _open(app, question)
    index = [h.value for h in at.get("html") if 'class="q-index"' in h.value]
    assert len(index) == 1 and "doc.__questionIndex" in index[0]      # one element, with its script
    lines = re.findall(r'<li><a href="\?([^"]*)" data-indicator="([^"]+)" data-anchor="([^"]+)" '
                       r'data-block="([^"]+)" data-tab="([^"]+)" data-theme="([^"]*)">([^<]+)</a> '
                       r'<span class="q-badge q-badge-(\w+)">([^<]+)</span></li>', index[0])
    shown = dict(across_criteria(at, question, _block_badges))
    assert [line[1] for line in lines] == [i.id for c in question.criteria for _, inds in c.parts() for i in inds]
    for query, ind_id, anchor_id, block, tab, theme, label, color, verdict in lines:
        ind = REF.indicator(ind_id)
        crit = next(c for c in question.criteria if ind in c.indicators)
        # the line opens the page on the block (its address as a fallback, the page's script otherwise)…
        assert parse_qs(html.unescape(query)) == {"indicateur": [ind_id]}
        assert html.unescape(label) == ind.short_label and anchor_id == ind_id.replace(".", "-").lower()
        assert block == "block-" + ind_id.replace(".", "-")
        assert html.unescape(tab) == f"{crit.id.split('.')[-1]} · {crit.short_label}"
        assert html.unescape(theme) == (next(t for t, inds in crit.parts() if ind in inds) or "")
        # …with its verdict and colour, those of the block's own badge
        block_color, block_label = shown[ind_id]
        assert (color, html.unescape(verdict)) == (block_color, block_label.replace("Descriptif, sans cible",
                                                                                    "Descriptif")), ind_id
    # …and each block has its anchor, in its criterion's tab
    anchors = across_criteria(at, question, lambda t: [h.value.split('id="')[1].split('"')[0]
                                                       for h in t.get("html") if 'class="indicator-anchor"' in h.value])
    assert anchors == [i.id.replace(".", "-").lower() for i in REF.indicators(question.id)]


def test_a_link_to_an_indicator_opens_the_page_on_its_block(app):
    q = REF.question("Q3")
    app.run()
    app.switch_page(f"app_pages/{q.page}.py")
    app.query_params["indicateur"] = "Q3.C2.I1"      # the page's own parameter, given on the page
    at = app.run()
    assert not at.exception, at.exception
    scripts = [h.value for h in at.get("html") if "scrollIntoView" in h.value and "q-index" not in h.value]
    assert len(scripts) == 1 and 'getElementById("q3-c2-i1")' in scripts[0]
    assert any(".st-key-block-Q3-C2-I1 { outline" in h.value for h in at.get("html"))
    # the criterion's tab is the open one: its blocks are drawn, not the first criterion's
    assert "Q3.C2.I1" in _ids_here(at) and "Q3.C1.I1" not in _ids_here(at)
    # an unknown id is ignored
    app.query_params["indicateur"] = "Q9.C9.I9"
    at = app.run()
    assert not at.exception, at.exception
    assert not [h for h in at.get("html") if "scrollIntoView" in h.value and "q-index" not in h.value]


def test_a_criterion_with_themes_draws_one_theme_and_a_link_opens_the_right_one(app):
    """Q6's national dashboard (14 indicators) is shown by theme (référentiel ``groups``): one theme's
    blocks at a time, the roll-up of the whole criterion above; a link to an indicator of the fourth
    theme opens that theme."""
    q = REF.question("Q6")
    themes = q.criteria[0].parts()
    assert len(themes) == 4 and sum(len(inds) for _, inds in themes) == 14
    at = _open(app, q)
    labels = [t.label for t in at.tabs]
    assert [x for x in labels if x in {label for label, _ in themes}] == [label for label, _ in themes]
    assert _ids_here(at) == ["Q6.C1.I1", "Q6.C1.I2", "Q6.C1.I3"]
    with_target = sum(1 for i in q.criteria[0].indicators if i.direction != "none")   # the whole criterion
    assert with_target > 3
    assert any(str(c.value).startswith("Q6.C1 · ") and f"sur {with_target}" in str(c.value) for c in at.caption), \
        [c.value for c in at.caption]
    app.query_params["indicateur"] = "Q6.C1.I12"
    at = app.run()
    assert not at.exception, at.exception
    assert _ids_here(at) == ["Q6.C1.I10", "Q6.C1.I11", "Q6.C1.I12", "Q6.C1.I13", "Q6.C1.I14"]
    assert any('getElementById("q6-c1-i12")' in h.value for h in at.get("html"))


@pytest.mark.parametrize("question", REF.questions, ids=lambda q: q.id)
def test_single_territory(app, question):
    at = _open(app, question, territory="CME0726")
    assert _block_ids(at, question) == [i.id for i in REF.indicators(question.id)]
    assert "CME Drôme-Ardèche" in " ".join(str(c.value) for c in at.caption)


@pytest.mark.parametrize("question", REF.questions, ids=lambda q: q.id)
def test_no_data_says_so(reference_only_url, app_factory, question):
    """A period with no data: the store holds territories and years but no activity at all."""
    at = _open(app_factory(reference_only_url), question)
    infos = across_criteria(at, question, lambda t: [str(i.value) for i in t.info])
    n = len(REF.indicators(question.id))
    # "Pas de données transmises pour…" where the kind tells a zero from missing data
    assert len([v for v in infos if re.match(r"Pas de données (transmises )?pour 2016-2020", v)]) == n
    assert _block_ids(at, question) == [i.id for i in REF.indicators(question.id)]


def _figure_specs(at):
    return [json.loads(el.proto.spec) if el.proto.spec else {} for el in at.get("plotly_chart")]


def test_ctme_shows_the_zero_target_and_the_story_verdict(app):
    q4 = REF.question("Q4")
    at = _open(app, q4, criterion="Q4.C3")
    texts = [str(m.value) for m in at.markdown]
    # region: CTME fall everywhere but in the Loire, not yet at zero
    assert any(t.startswith("**En bonne voie** — Baisse") for t in texts), texts
    specs = json.dumps(_figure_specs(at), ensure_ascii=False)
    assert "Cible : 0" in specs
    at.sidebar.selectbox(key="territoire").set_value("CME42")
    at.run()
    texts = [str(m.value) for m in at.markdown]
    # the Loire's rise is a handful of sessions (median 7 a year < 20), but more than chance (p = 1,7 %)
    assert any(t.startswith("**Défavorable** — Hausse régulière de 3 à 11 séances")
               and t.endswith("faibles effectifs (7 par an en médiane), mais une évolution que le hasard seul "
                              "n'explique pas (test de tendance de Poisson, p = 1,7\u202f%).")
               for t in texts), texts


def test_every_directional_indicator_has_a_verdict_on_the_sample(sample_engine):
    from dashboard.core.filters import Filters
    from dashboard.core.indicators import Reference, compute

    ref = Reference.from_engine(sample_engine)
    missing = []
    for ind in REF.indicators():
        res = compute(sample_engine, ind, Filters(2016, 2020), ref)
        assert res.has_data, ind.id
        if ind.direction != "none" and (res.verdict is None or res.verdict.code == "donnees_insuffisantes"):
            missing.append(ind.id)
    assert missing == []


def _compute(engine, indicator_id, **filters):
    from dashboard.core.filters import Filters
    from dashboard.core.indicators import Reference, compute

    ref = Reference.from_engine(engine)
    return compute(engine, REF.indicator(indicator_id), Filters(2016, 2020, **filters), ref)


def test_existence_by_presence_says_no_for_years_without_records(sample_engine):
    res = _compute(sample_engine, "Q5.C1.I1")  # communication plan items per territory and year
    assert (~res.matrix["exists"]).any()
    assert res.series["value"].max() == 1.0 and res.series["value"].min() < 1.0


def test_existence_with_explicit_flag_keeps_missing_as_unknown(sample_engine):
    res = _compute(sample_engine, "Q2.C4.I1")  # continuous diagnosis: CME74 reports "no" every year
    cme74 = res.matrix[res.matrix["row"] == "CME74"]
    assert len(cme74) == 5 and not cme74["exists"].any()


def test_many_categories_are_grouped_in_the_stacked_bars(sample_engine):
    from dashboard.render.figures import MAX_STACKED, OTHERS_LABEL, build_figures

    res = _compute(sample_engine, "Q4.C2.I4")  # structures mobilised to answer the needs (dozens of them)
    assert res.breakdown["category"].nunique() > MAX_STACKED
    bars = [t for t in build_figures(res)[0].data if t.type == "bar"]
    assert len(bars) == MAX_STACKED and bars[-1].name == OTHERS_LABEL


def test_territory_view_compares_with_the_region(sample_engine):
    res = _compute(sample_engine, "Q3.C4.I1", territory="38")
    assert set(res.series["scope"]) == {"selection", "region"}
    sel, reg = res.selection_series()["value"].sum(), res.region_series()["value"].sum()
    assert 0 < sel < reg


def test_regional_only_source_is_shown_and_flagged_in_a_territory_view(sample_engine):
    res = _compute(sample_engine, "Q1.C4.I1", territory="CME38")  # CPR data initiatives (R82 only)
    assert res.has_data and res.regional_only


def test_small_cells_of_case_level_breakdowns_are_hidden(sample_engine):
    res = _compute(sample_engine, "Q3.C2.I2", territory="07")  # functions of company callers, Ardèche
    hidden = res.breakdown[res.breakdown["hidden"]]
    assert len(hidden) > 0 and hidden["value"].isna().all()
    assert res.hidden_cells >= len(hidden)
    shown = res.breakdown[~res.breakdown["hidden"]]
    assert (shown["value"].fillna(0).eq(0) | shown["value"].ge(5)).all()


def test_the_meeting_mode_walks_the_six_questions(app):
    """One question per screen: its verdict and coverage, the indicators to discuss, next / previous."""
    app.run()
    app.query_params["question"] = "2"
    app.switch_page("app_pages/reunion.py")
    at = app.run()
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("Q2 · ")
    verdicts = [h.value for h in at.get("html") if 'class="meeting-verdict"' in h.value]
    assert len(verdicts) == 1 and "jugé" in verdicts[0]
    for expected in range(3, 7):
        at.button(key="meeting-next").click()
        at.run()
        assert at.title[0].value.startswith(f"Q{expected} · ")
        assert at.query_params["question"] in (str(expected), [str(expected)])
    assert at.button(key="meeting-next").disabled          # the last question
    at.button(key="meeting-previous").click()
    at.run()
    assert at.title[0].value.startswith("Q5 · ")
    # what is discussed: the défavorables and à surveiller of the question, each with its reason
    discussed = [c.value for c in at.caption if ID.match(str(c.value))]
    assert discussed and len(discussed) <= 3 and all(d.startswith("Q5.") for d in discussed)
    assert any("Tendance" in str(m.value) for m in at.markdown)   # each with the reason of its verdict
