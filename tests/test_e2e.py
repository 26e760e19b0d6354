"""End-to-end: the real app served by `streamlit run`, driven in headless Chromium.

Uses the Debian Chromium (/usr/bin/chromium) through Playwright; never a downloaded
browser. Screenshots of every page go to test-artifacts/ (git-ignored) for review.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.parse import parse_qs, urlparse

import pytest

from dashboard.referentiel import load_referentiel
from tests.conftest import BACKEND, ROOT, skip_or_fail

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
QUESTIONS = load_referentiel().questions


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_app(sample_url, tmp_path_factory):
    """`streamlit run app.py` on a free loopback port, against a fresh sample store."""
    if BACKEND != "sqlite":
        pytest.skip("les tests navigateur tournent dans la passe SQLite")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": sample_url, "MAINTIEN_AUTO_SAMPLE": "0"}
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail(f"le serveur Streamlit n'a pas démarré : {log.read_text()[-2000:]}")
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        skip_or_fail("Chromium absent : paquet Debian « chromium » non installé (/usr/bin/chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Playwright pour Python absent (pip install playwright)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="fr-FR")
    pg = context.new_page()
    yield pg
    context.close()


def _settle(pg, text: str):
    """Wait until the page shows ``text`` and Streamlit has finished running."""
    pg.get_by_text(text, exact=False).first.wait_for(timeout=60_000)
    pg.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Territoire").wait_for(timeout=60_000)
    pg.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=60_000)
    pg.wait_for_timeout(500)


def _no_error_box(pg):
    assert pg.locator('[data-testid="stException"]').count() == 0
    assert pg.get_by_text("This app has encountered an error").count() == 0


def test_home_page(live_app, page):
    page.goto(live_app + "/")
    _settle(page, "Ouvrir la question 6")
    for n in range(1, 7):
        assert page.get_by_text(f"Ouvrir la question {n}").count() == 1
    _no_error_box(page)
    assert page.get_by_text("Données fictives").first.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.id)
def test_question_page(live_app, page, question):
    page.goto(f"{live_app}/{question.page}")
    _settle(page, load_referentiel().indicators(question.id)[-1].id)
    _no_error_box(page)
    assert page.get_by_text("Données fictives").first.is_visible()
    for ind in load_referentiel().indicators(question.id):
        assert page.get_by_text(ind.id, exact=True).count() == 1, ind.id
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{question.page}.png"), full_page=False)


def test_changing_the_territory_updates_the_url_and_the_page(live_app, page):
    page.goto(f"{live_app}/q4_animations_territoriales")
    _settle(page, "Question 4")
    page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Territoire").click()
    page.get_by_role("option", name="CME Isère", exact=True).click()
    _settle(page, "Sélection : 2016-2020 · CME Isère")
    query = parse_qs(urlparse(page.url).query)
    assert query.get("territoire") == ["CME Isère"]


def test_a_link_reproduces_the_view(live_app, page):
    page.goto(f"{live_app}/q2_diagnostics_plans?territoire=CME+Loire&periode=2017&periode=2019")
    _settle(page, "Question 2")
    assert page.get_by_text("Sélection : 2017-2019 · CME Loire").first.is_visible()
    _no_error_box(page)
