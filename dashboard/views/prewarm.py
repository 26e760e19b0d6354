"""Warm the page caches of every territory in the background, so that choosing a territory is fast.

A question page for a territory needs the results of the question's indicators and the blocks of
its open criterion; computing them the first time takes 1 to 4 s per question on a small server,
too long for a territory change in a meeting. After the server starts, and after every import (the
data version changes), one background thread of the server process fills the same shared caches
the pages read (``question.indicator_results`` and ``question.indicator_blocks``, keyed on the
filters and the data version) for each territory of the sidebar over the whole period, every
question, its first criterion's blocks — the view a territory change opens.

It gives way to users: a step starts only when no page of any session has run for ``IDLE`` seconds,
so it never competes with a page being drawn for long (one step is one question of one territory).
A warm-up for an older data version stops at its next step. The server's log says when it starts and
when it ends (``préchauffage terminé``, read by ``python -m dashboard bench``). ``MAINTIEN_PREWARM=false``
turns it off (the test suite does, except for its live servers). Each server process warms its own
memory (several processes: docs/deployment.md).
"""

from __future__ import annotations

import logging
import resource
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from streamlit.logger import get_logger

from dashboard.core.filters import ALL_INSTITUTIONS, Filters
from dashboard.core.referentiel import load_referentiel

LOG = get_logger(__name__)
IDLE = 0.5  # seconds without any page run before a warm-up step starts
THREAD_NAME = "maintien-prewarm"
DONE = "préchauffage terminé"


@dataclass(frozen=True)
class Step:
    """One question of one territory: its results, and the blocks its page opens on (its first
    criterion, or that criterion's first theme)."""

    filters_key: tuple
    question_id: str
    first_criterion: tuple[str, ...]


def plan(territories: list[str], first_year: int, last_year: int) -> list[Step]:
    """Every (territory, question) over the whole period, territory by territory in the sidebar's
    order (the region, then the CME territories, then the départements)."""
    ref = load_referentiel()
    return [Step(Filters(first_year, last_year, code, ALL_INSTITUTIONS).cache_key(), q.id,
                 tuple(i.id for i in q.criteria[0].parts()[0][1]))
            for code in territories for q in ref.questions]


class _Activity:
    """Page runs in progress, and when the last one ended (every session of this process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.running = 0
        self.last_end = 0.0

    def begin(self) -> None:
        with self._lock:
            self.running += 1

    def end(self) -> None:
        with self._lock:
            self.running -= 1
            self.last_end = time.monotonic()

    def idle(self) -> bool:
        with self._lock:
            return self.running == 0 and time.monotonic() - self.last_end >= IDLE


ACTIVITY = _Activity()
_state_lock = threading.Lock()
_current: dict = {"version": None, "done": 0, "total": 0, "seconds": None}


@contextmanager
def page_run():
    """Around every run of the entry script: the warm-up waits while any page runs."""
    ACTIVITY.begin()
    try:
        yield
    finally:
        ACTIVITY.end()


def status() -> dict:
    """The warm-up of this process: data version, steps done out of the total, seconds (once ended)."""
    with _state_lock:
        return dict(_current)


def ensure_started(version: int, territories: list[str], years: list[int]) -> bool:
    """Start warming this data version unless it is already warming or warm; True when started."""
    from data_access.settings import get_settings

    if not get_settings().prewarm or not territories or not years:
        return False
    with _state_lock:
        if _current["version"] == version:
            return False
        steps = plan(territories, int(years[0]), int(years[-1]))
        _current.update(version=version, done=0, total=len(steps), seconds=None)
    threading.Thread(target=_warm, args=(version, steps), name=THREAD_NAME, daemon=True).start()
    return True


def _superseded(version: int) -> bool:
    with _state_lock:
        return _current["version"] != version


def _warm(version: int, steps: list[Step]) -> None:
    from dashboard.views.question import indicator_blocks, indicator_results

    start = time.perf_counter()
    LOG.info("préchauffage des pages : %d étapes (territoire × question), version %d des données",
             len(steps), version)
    for step in steps:
        while not ACTIVITY.idle():
            if _superseded(version):
                return
            time.sleep(0.1)
        if _superseded(version):
            return
        try:
            indicator_results(tuple(i.id for i in load_referentiel().indicators(step.question_id)),
                              step.filters_key, version)
            indicator_blocks(step.question_id, step.first_criterion, step.filters_key, version)
        except Exception as exc:  # noqa: BLE001 - a page computing the same view will show the error
            LOG.warning("préchauffage : %s %s non calculé (%s: %s)", step.question_id, step.filters_key[2],
                        type(exc).__name__, exc)
        with _state_lock:
            if _current["version"] == version:
                _current["done"] += 1
    seconds = time.perf_counter() - start
    with _state_lock:
        if _current["version"] == version:
            _current["seconds"] = seconds
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # kB on Linux
    LOG.info("%s : %d étapes en %.1f s (version %d des données ; mémoire maximale du processus %.0f Mo)",
             DONE, len(steps), seconds, version, peak)


class _NoContextWarning(logging.Filter):
    """Streamlit warns "missing ScriptRunContext" whenever a cached function runs outside a page run:
    expected in the warm-up thread, so not logged from it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (threading.current_thread().name == THREAD_NAME and "ScriptRunContext" in record.getMessage())


logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_NoContextWarning())
