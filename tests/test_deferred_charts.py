"""Charts drawn when looked at (issue 14, speed; dashboard/views/ui.py, ``plotly_chart``).

A chart below a page's first screen is sent as a placeholder of the chart's height; the browser asks
for the chart when the placeholder comes near the view (tests/test_e2e.py scrolls a real page), and
only that chart's fragment runs again. Here, with AppTest: which charts are deferred, the placeholder's
height, and the chart drawn once the session has seen it (what the placeholder's trigger records).
"""

import json

import plotly.graph_objects as go
import pytest

from dashboard.core.referentiel import load_referentiel
from dashboard.views import ui
from tests.test_question_pages import _open

REF = load_referentiel()


@pytest.fixture
def deferring(monkeypatch):
    """The deferral on, as served (the suite turns it off: tests/conftest.py)."""
    from data_access.settings import get_settings

    monkeypatch.setenv("MAINTIEN_DEFERRED_CHARTS", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def app(sample_url, app_factory, deferring):
    return app_factory(sample_url)


def _placeholders(at) -> dict[str, int]:
    """Deferred chart key → the height its placeholder was given."""
    out = {}
    for e in at.get("bidi_component"):
        assert e.proto.component_name == "maintien_deferred_chart"
        data = json.loads(e.proto.json)
        out[data["chart"]] = data["height"]
    return out


def _chart_keys(at) -> list[str]:
    return [e.proto.id.split("-", 2)[-1] for e in at.get("plotly_chart")]


def test_the_height_of_a_figure_for_its_placeholder():
    assert ui.figure_height({"data": [], "layout": {"height": 320}}) == 320
    assert ui.figure_height(go.Figure(layout={"height": 280})) == 280
    assert ui.figure_height({"data": []}) == ui.DEFAULT_CHART_HEIGHT == 450
    assert ui.figure_height(go.Figure()) == 450


def test_a_question_page_draws_its_first_block_and_defers_the_others(app):
    """Q3's first criterion (4 indicators with data in the sample): the first block's charts are drawn,
    every other chart of the tab is a placeholder as tall as the chart it stands for."""
    from dashboard.views.question import indicator_blocks

    q = REF.question("Q3")
    at = _open(app, q)
    filters = at.session_state["filters"]
    ids = tuple(i.id for i in q.criteria[0].indicators)
    blocks = [b for b in indicator_blocks(q.id, ids, filters.cache_key(), ui.data_version()) if b.figures]
    assert len(blocks) >= 3
    first = blocks[0].result.indicator.id
    expected = {f"fig-{b.result.indicator.id}-{i}": ui.figure_height(fig)
                for b in blocks for i, fig in enumerate(b.figures)}
    placeholders = _placeholders(at)
    drawn = [k for k in expected if k not in placeholders]
    first_block = [f"fig-{first}-{i}" for i in range(len(blocks[0].figures))]
    assert drawn == first_block                      # every chart of the first block
    assert placeholders == {k: h for k, h in expected.items() if k not in first_block}
    assert all(h >= 200 for h in placeholders.values())

    # the placeholders' trigger records the chart as seen: the next run draws it, and keeps drawing it
    at.session_state[ui.DRAWN_CHARTS] = set(placeholders)
    at.run()
    assert not at.exception
    assert _placeholders(at) == {}
    assert len(at.get("plotly_chart")) == len(expected)


def test_the_block_a_link_leads_to_is_drawn_at_once(app):
    """?indicateur= lands on a block further down: its chart is drawn with the first screen's."""
    q = REF.question("Q3")
    last = q.criteria[0].indicators[-1].id
    app.run()
    app.switch_page(f"app_pages/{q.page}.py")
    app.query_params["indicateur"] = last            # the page's own parameter, given on the page
    at = app.run()
    assert not at.exception, at.exception
    placeholders = _placeholders(at)
    assert f"fig-{last}-0" not in placeholders
    assert f"fig-{q.criteria[0].indicators[0].id}-0" not in placeholders
    assert placeholders, "the blocks between them stay deferred"


def test_charts_on_the_first_screen_are_never_deferred(app):
    """Home, meeting mode, the regions page's map and ranking: drawn at once (no placeholder)."""
    at = app
    at.run()
    assert _placeholders(at) == {} and len(at.get("plotly_chart")) == 1          # the home's summary chart
    at.switch_page("app_pages/regions.py")
    at.run()
    assert not at.exception
    assert {"reg_map", "reg_bars"} <= set(_chart_keys(at))
    assert set(_placeholders(at)) <= {"reg_rank"}


def test_off_every_chart_is_drawn_at_once(sample_url, app_factory, monkeypatch):
    from data_access.settings import get_settings

    monkeypatch.setenv("MAINTIEN_DEFERRED_CHARTS", "false")
    get_settings.cache_clear()
    at = _open(app_factory(sample_url), REF.question("Q3"))
    assert _placeholders(at) == {}
    assert len(at.get("plotly_chart")) >= 4
