"""What a user feels: time until a page is drawn in a real browser, and a filter change.

Used by ``python -m dashboard bench`` (and ``python -m dashboard bench --browser-only``). One
Streamlit server (``streamlit run app.py``) on the store, the system Chromium (Playwright), one
browser tab at 1920×1080. For each page:

- one warm-up visit (as before a meeting: the server's caches are filled), then N visits;
- each visit is a navigation to the page's URL; the time is read **in the page**
  (``performance.now()``, whose origin is the start of the navigation) at the first moment when
  Streamlit has finished running the script (``stApp[data-test-script-state=notRunning]`` after
  it ran), no skeleton is left, and every Plotly chart in the DOM has drawn its SVG — provided the
  state then holds for ``HOLD_MS`` (a second run, e.g. a query-parameter write, restarts the clock).

Two ways to reach a page are timed: **by its URL** (a bookmark, a link in an e-mail: the whole
front end loads) and **from the sidebar** (a click in the app's navigation, as in a meeting: the
front end is already there, only the page's script runs and its charts are drawn).

A filter change: on a question page, the territory picked in the sidebar; the time runs from the
click on the option until the rerun has finished and every chart is drawn again (same rule). The
server warms every territory's pages in the background after it starts (dashboard/views/prewarm.py):
the measure waits for the end of that warm-up (its duration is reported) before the visits, as a
meeting starts after the server did; the first change to each of two territories, then changes back
and forth, are reported. With ``prewarm=False`` the first change computes the territory's indicators.

Benchmarks, not assertions: medians on this machine, written to docs/benchmarks.md.
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from dashboard.tools.load import CHROMIUM_ARGS, start_server

CHROMIUM = "/usr/bin/chromium"
HOLD_MS = 400
# The server's log line at the end of its warm-up (dashboard/views/prewarm.py; the tools may not import
# the views: tests/test_prewarm.py checks that this pattern reads that line)
PREWARM_DONE = re.compile(r"préchauffage terminé : \d+ étapes en ([\d.]+) s")
TIMEOUT_MS = 180_000

# Installed in every document before its scripts run: polls each animation frame for "drawn" and
# keeps the time (ms since navigation start) when the current drawn state began.
_POLL = """
(() => {
  const HOLD = %d;
  const drawn = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    if (document.querySelector('[data-testid="stSkeleton"]')) return false;
    if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
    for (const c of document.querySelectorAll('[data-testid="stPlotlyChart"]'))
      if (!c.querySelector('.main-svg')) return false;
    // a chart still waiting as a placeholder (dashboard/views/ui.py) on the screen: not drawn yet
    for (const host of document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')) {
      const r = host.shadowRoot && host.shadowRoot.querySelector('.deferred-chart') && host.getBoundingClientRect();
      if (r && r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth) return false;
    }
    return true;
  };
  const w = window;
  const here = () => location.pathname + location.search;
  w.__bench = {ran: false, since: null, done: null, charts: 0, from: null};
  // Armed before a click: a run is also known to have happened when the address changes (another page,
  // another territory), as React may draw a short run's "running" and "notRunning" states at once.
  w.__benchArm = () => { w.__bench = {ran: false, since: null, done: null, charts: 0, from: here()}; };
  const tick = () => {
    const b = w.__bench;
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app && app.getAttribute('data-test-script-state');
    if (state === 'running' || state === 'rerunRequested') { b.ran = true; b.since = null; }
    if (!b.ran && b.from !== null && here() !== b.from) { b.ran = true; b.since = null; }
    if (b.ran && b.done === null) {
      if (drawn()) {
        const now = performance.now();
        if (b.since === null) b.since = now;
        if (now - b.since >= HOLD) {
          b.done = b.since;
          b.charts = document.querySelectorAll('[data-testid="stPlotlyChart"]').length;
        }
      } else {
        b.since = null;
      }
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  // A run shorter than a frame (or hidden by a long task) is never seen by the frame poll: the script
  // state is read after every change of the document (the app's root may also be replaced, e.g. by a
  // page without sidebar, which changes no attribute).
  new MutationObserver(() => {
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app && app.getAttribute('data-test-script-state');
    if (state === 'running' || state === 'rerunRequested') { w.__bench.ran = true; w.__bench.since = null; }
  }).observe(document, {subtree: true, childList: true, attributes: true,
                        attributeFilter: ['data-test-script-state']});
})();
""" % HOLD_MS


@dataclass
class PageTime:
    path: str
    seconds: float        # median, opened by its URL
    in_app: float         # median, opened from the sidebar
    charts: int           # Plotly charts in the DOM once drawn


def _visit(page, base: str, path: str) -> tuple[float, int]:
    page.goto(base + path, timeout=TIMEOUT_MS)
    page.wait_for_function("() => window.__bench && window.__bench.done !== null", timeout=TIMEOUT_MS)
    if page.locator('[data-testid="stException"]').count():
        raise RuntimeError(f"{path} : une exception est affichée")
    done, charts = page.evaluate("() => [window.__bench.done, window.__bench.charts]")
    return done / 1000, charts


def _via_sidebar(page, base: str, path: str) -> float:
    """Seconds from a click on the page's link in the sidebar (from another page) until drawn."""
    target = path.split("?")[0].lstrip("/")
    start_from = "/q1_gouvernance" if target == "" else "/"
    _visit(page, base, start_from)
    link = page.locator(f'[data-testid="stSidebarNav"] a[href="{base}/{target}"]')
    start = page.evaluate("() => { window.__benchArm(); return performance.now(); }")
    link.first.click()
    page.wait_for_function("() => window.__bench.done !== null", timeout=TIMEOUT_MS)
    if page.locator('[data-testid="stException"]').count():
        raise RuntimeError(f"{path} : une exception est affichée")
    return (page.evaluate("() => window.__bench.done") - start) / 1000


def _territory_change(page, base: str, path: str, label: str) -> float:
    """Seconds from the click on a territory in the sidebar until the page is drawn again."""
    box = page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Territoire")
    box.click()
    option = page.get_by_role("option", name=label, exact=True)
    option.wait_for(timeout=TIMEOUT_MS)
    start = page.evaluate("() => { window.__benchArm(); return performance.now(); }")
    option.click()
    page.wait_for_function("() => window.__bench.done !== null", timeout=TIMEOUT_MS)
    return (page.evaluate("() => window.__bench.done") - start) / 1000


# Scrolls the last chart placeholder of the page into view; resolves with the milliseconds until its chart
# has its SVG (or -1 after 60 s, or with no placeholder on the page).
_SCROLL_TO_LAST_CHART = """() => new Promise((resolve) => {
  const hosts = [...document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')]
    .filter((h) => h.shadowRoot && h.shadowRoot.querySelector('.deferred-chart'));
  if (!hosts.length) { resolve(-1); return; }
  const key = hosts[hosts.length - 1].shadowRoot.querySelector('.deferred-chart').dataset.chart;
  const css = '.st-key-' + key.replace(/[^a-zA-Z0-9_-]/g, '-') + ' .main-svg';
  const t0 = performance.now();
  hosts[hosts.length - 1].scrollIntoView({block: 'center'});
  const tick = () => {
    if (document.querySelector(css)) { resolve(performance.now() - t0); }
    else if (performance.now() - t0 > 60000) { resolve(-1); }
    else { requestAnimationFrame(tick); }
  };
  requestAnimationFrame(tick);
})"""


def _chart_scrolled_to(page, base: str, path: str) -> float | None:
    """Seconds from scrolling the page's last chart not drawn yet into view until it is drawn (a chart
    below the first screen is drawn when it comes into view: dashboard/views/ui.py), or None."""
    _visit(page, base, path)
    ms = page.evaluate(_SCROLL_TO_LAST_CHART)
    return None if ms < 0 else ms / 1000


def _wait_prewarm(log: Path, timeout: float = 3600) -> float:
    """Seconds the server's background warm-up took, read from its log line once it has ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = PREWARM_DONE.search(log.read_text(errors="replace"))
        if found:
            return float(found.group(1))
        time.sleep(0.5)
    raise RuntimeError(f"le préchauffage n'a pas fini en {timeout:.0f} s")


def measure(database_url: str, pages: list[str], runs: int, change_page: str,
            change_labels: tuple[str, str] = ("CME Loire", "Isère (38)"), prewarm: bool = True,
            ) -> tuple[list[PageTime], float, float, float | None, float | None]:
    """Median drawn time of each page (after one warm-up visit of every page), and of a territory
    change on ``change_page`` the first time for each territory and then again, the seconds of
    the server's background warm-up (None without it), and the median time until the last chart of
    ``change_page``, scrolled to, is drawn (None if every chart was drawn with the page); the server is
    started and stopped here."""
    from playwright.sync_api import sync_playwright

    log = Path(tempfile.mkstemp(prefix="maintien-bench-", suffix=".log")[1])
    proc, base = start_server(database_url, log, env={"MAINTIEN_PREWARM": "true" if prewarm else "false"})
    warmed = None
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="fr-FR",
                                          reduced_motion="reduce")
            context.add_init_script(_POLL)
            page = context.new_page()
            if prewarm:                 # the first visit starts the server's warm-up; wait for its end
                _visit(page, base, pages[0])
                warmed = _wait_prewarm(log)
                print(f"  server warm-up of every territory's pages: {warmed:.0f} s")
            for path in pages:                                   # the warm-up walk
                _visit(page, base, path)
            out = []
            for path in pages:
                samples = [_visit(page, base, path) for _ in range(runs)]
                in_app = [_via_sidebar(page, base, path) for _ in range(runs)]
                out.append(PageTime(path, statistics.median(s for s, _ in samples), statistics.median(in_app),
                                    samples[-1][1]))
                print(f"  browser {path}: {out[-1].seconds:.2f} s by URL, {out[-1].in_app:.2f} s from the "
                      f"sidebar ({out[-1].charts} charts)")
            _visit(page, base, change_page)
            changes = [_territory_change(page, base, change_page, change_labels[i % 2]) for i in range(runs + 2)]
            # the first change to each territory computes its indicators; later ones read the caches
            first, repeat = statistics.median(changes[:2]), statistics.median(changes[2:])
            print(f"  browser territory change on {change_page}: {first:.2f} s first time, {repeat:.2f} s again")
            scrolls = [t for t in (_chart_scrolled_to(page, base, change_page) for _ in range(runs)) if t is not None]
            scrolled = statistics.median(scrolls) if scrolls else None
            if scrolled is not None:
                print(f"  browser last chart of {change_page} scrolled to: drawn in {scrolled:.2f} s")
            context.close()
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 - a stuck server is killed
            proc.kill()
        log.unlink(missing_ok=True)
    return out, first, repeat, warmed, scrolled
