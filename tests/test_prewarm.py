"""The background warm-up of the territories' pages (dashboard/views/prewarm.py).

Run in the test process against the scale-1 sample: the warm-up thread fills the same shared caches
the pages read, so that a page for a warmed territory computes nothing; it waits while a page runs,
and a warm-up of an older data version stops.
"""

from __future__ import annotations

import threading
import time

import pytest
import streamlit as st

from dashboard.core.filters import ALL_INSTITUTIONS, Filters
from dashboard.core.referentiel import load_referentiel
from dashboard.views import prewarm, question


@pytest.fixture
def warmable(monkeypatch, sample_url):
    """The sample as the store, empty caches, the warm-up on, and every indicator computation counted
    (territory of its filters, indicator id)."""
    from data_access.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", sample_url)
    monkeypatch.setenv("MAINTIEN_PREWARM", "true")
    get_settings.cache_clear()
    st.cache_resource.clear()
    prewarm._current.update(version=None, done=0, total=0, seconds=None)
    computed: list[tuple[str, str]] = []
    real = question.compute

    def counted(engine, indicator, filters, *args, **kwargs):
        computed.append((filters.territory, indicator.id))
        return real(engine, indicator, filters, *args, **kwargs)

    def counted_block(result):
        computed.append(("block", result.indicator.id))
        return real_block(result)

    real_block = question._block
    monkeypatch.setattr(question, "compute", counted)
    monkeypatch.setattr(question, "_block", counted_block)
    yield computed
    _join()
    prewarm._current.update(version=None, done=0, total=0, seconds=None)
    st.cache_resource.clear()
    get_settings.cache_clear()


def _join(timeout: float = 600) -> None:
    for thread in threading.enumerate():
        if thread.name == prewarm.THREAD_NAME:
            thread.join(timeout)


def test_the_plan_covers_every_question_of_every_territory_over_the_whole_period():
    steps = prewarm.plan(["R82", "CME38", "38"], 2016, 2020)
    questions = load_referentiel().questions
    assert len(steps) == 3 * len(questions) == 18
    assert [s.filters_key[2] for s in steps[:len(questions)]] == ["R82"] * len(questions)   # territory by territory
    assert {s.filters_key for s in steps} == {Filters(2016, 2020, t, ALL_INSTITUTIONS).cache_key()
                                              for t in ("R82", "CME38", "38")}
    q3 = next(s for s in steps if s.question_id == "Q3")
    assert q3.first_criterion == tuple(i.id for i in load_referentiel().question("Q3").criteria[0].indicators)
    q6 = next(s for s in steps if s.question_id == "Q6")            # a criterion with themes: its first one
    assert q6.first_criterion == ("Q6.C1.I1", "Q6.C1.I2", "Q6.C1.I3")


def test_a_warmed_territory_is_served_from_the_cache_and_another_is_computed(warmable):
    from dashboard.views import ui

    version = ui.data_version()
    years = ui.reference_data(version)["years"]
    assert prewarm.ensure_started(version, ["CME38"], years)
    assert not prewarm.ensure_started(version, ["CME38"], years)     # one warm-up per data version
    _join()
    ref = load_referentiel()
    every = [i.id for q in ref.questions for i in ref.indicators(q.id)]
    first = [i.id for q in ref.questions for i in q.criteria[0].parts()[0][1]]
    assert sorted(warmable) == sorted([("CME38", i) for i in every] + [("block", i) for i in first])
    assert prewarm.status()["done"] == prewarm.status()["total"] == len(ref.questions)
    assert prewarm.status()["seconds"] is not None

    warmable.clear()
    full = Filters(int(years[0]), int(years[-1]), "CME38", ALL_INSTITUTIONS)
    results = question.question_results("Q3", full)                  # what the page asks for
    blocks = question.indicator_blocks("Q3", tuple(i.id for i in ref.question("Q3").criteria[0].parts()[0][1]),
                                       full.cache_key(), version)
    assert warmable == [] and len(results) == len(ref.indicators("Q3")) and blocks
    question.question_results("Q3", Filters(int(years[0]), int(years[-1]), "CME42", ALL_INSTITUTIONS))
    assert {t for t, _ in warmable} == {"CME42"} and len(warmable) == len(ref.indicators("Q3"))


def test_the_warm_up_waits_while_a_page_runs_and_a_newer_data_version_stops_it(warmable):
    from dashboard.views import ui

    version = ui.data_version()
    years = ui.reference_data(version)["years"]
    prewarm.ACTIVITY.begin()                       # a page is running
    try:
        assert prewarm.ensure_started(version, ["CME38", "CME42"], years)
        time.sleep(1.5)
        assert warmable == [] and prewarm.status()["done"] == 0
    finally:
        prewarm.ACTIVITY.end()
    deadline = time.monotonic() + 120
    while prewarm.status()["done"] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert prewarm.status()["done"] >= 1
    assert prewarm.ensure_started(version + 1, ["CME38"], years)   # an import: the older warm-up stops
    _join()
    count = len(load_referentiel().questions)
    assert {k: prewarm.status()[k] for k in ("version", "done", "total")} == {
        "version": version + 1, "done": count, "total": count}
    assert {t for t, _ in warmable} == {"CME38", "block"}   # the older warm-up never reached CME42


def test_the_benchmark_reads_the_end_of_the_warm_up_in_the_log(caplog):
    """dashboard/tools/browser.py waits for this line (the tools may not import the views)."""
    from dashboard.tools.browser import PREWARM_DONE

    prewarm.LOG.addHandler(caplog.handler)      # Streamlit's loggers do not propagate to the root
    try:
        with caplog.at_level("INFO", logger=prewarm.LOG.name):
            prewarm._warm(0, [])      # an empty plan: ends at once
    finally:
        prewarm.LOG.removeHandler(caplog.handler)
    found = PREWARM_DONE.search(caplog.text)
    assert found and float(found.group(1)) >= 0, caplog.text
