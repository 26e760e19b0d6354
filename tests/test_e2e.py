"""End-to-end: the real app served by `streamlit run`, driven in headless Chromium.

Uses the Debian Chromium (/usr/bin/chromium) through Playwright; never a downloaded
browser. Screenshots of every page go to test-artifacts/ (git-ignored) for review.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import Error as PlaywrightError

from dashboard.core.referentiel import load_referentiel
from dashboard.tools.load import start_server
from tests.conftest import BACKEND, ROOT

pytestmark = pytest.mark.e2e

ARTIFACTS = ROOT / "test-artifacts"
QUESTIONS = load_referentiel().questions
# What tests/conftest.py turns off for AppTest, back on as served: the warm-up, the deferred charts.
AS_SERVED = {"MAINTIEN_PREWARM": "true", "MAINTIEN_DEFERRED_CHARTS": "true"}


@pytest.fixture(scope="session")
def live_app(sample_url, tmp_path_factory):
    """`streamlit run app.py` on a free loopback port, against a fresh sample store."""
    if BACKEND != "sqlite":
        pytest.skip("les tests navigateur tournent dans la passe SQLite")
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    try:
        proc, base = start_server(sample_url, log, env=AS_SERVED)
    except RuntimeError:
        pytest.fail(f"le serveur Streamlit n'a pas démarré : {log.read_text()[-2000:]}")
    yield base
    _stop(proc)
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
    assert "préchauffage des pages" in log.read_text()   # the background warm-up started (test_prewarm.py)
    assert "ScriptRunContext" not in log.read_text()     # and its cache calls are not logged as warnings


def _stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


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


# The element is on screen (the main area scrolls, not the window).
ON_SCREEN = """(sel) => { const e = document.querySelector(sel); const r = e && e.getBoundingClientRect();
                          return !!r && r.bottom > 0 && r.top < window.innerHeight; }"""


def _in_viewport(pg, selector: str) -> bool:
    return pg.evaluate(ON_SCREEN, selector)


def test_home_page(live_app, page):
    page.goto(live_app + "/")
    _settle(page, "Q6 · Indicateurs de maintien")
    page.locator(".st-key-home-overview .js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    for n in range(1, 7):
        assert page.locator(f".st-key-tile-Q{n} .tile-verdict").count() == 1
    _no_error_box(page)
    assert page.get_by_text("Données fictives").first.is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)


def test_home_fits_a_projector_and_a_tile_opens_the_indicator_to_discuss(live_app, browser):
    """At 1280×720 the six verdicts and the summary chart are on the first screen, no scrolling; the
    "À discuter" line of a tile opens the question page on that indicator's block."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(live_app + "/")
        _settle(page, "Q6 · Indicateurs de maintien")
        page.locator(".st-key-home-overview .js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
        boxes = [page.locator(f".st-key-tile-Q{n} .tile-verdict").bounding_box() for n in range(1, 7)]
        assert all(b is not None and b["y"] + b["height"] <= 720 for b in boxes), boxes
        chart = page.locator(".st-key-home-overview").bounding_box()
        assert chart["y"] + chart["height"] <= 720, chart
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "home-1280x720.png"))
        link = page.locator("[class*='st-key-worst-'] a").first
        href = link.get_attribute("href")
        indicator = parse_qs(urlparse(href).query)["indicateur"][0]
        link.click()
        page.wait_for_url(f"**indicateur={indicator}**", timeout=60_000)
        block = f".st-key-block-{indicator.replace('.', '-')}"
        page.locator(block).wait_for(timeout=60_000)
        page.wait_for_function(ON_SCREEN, arg=block, timeout=60_000)
        _no_error_box(page)
    finally:
        context.close()


def test_the_meeting_mode_follows_the_keyboard(live_app, browser):
    """Mode réunion at 1280×720: no sidebar, the question's verdict in view; → and Page down go to the
    next question, ← back."""
    context = browser.new_context(viewport={"width": 1280, "height": 720}, locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(f"{live_app}/reunion?question=2")
        page.get_by_text("question 2 sur 6").wait_for(timeout=60_000)
        page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000)
        page.locator('[data-testid="stSidebar"]').wait_for(state="hidden", timeout=30_000)
        page.locator(".meeting-verdict").wait_for(timeout=60_000)
        assert _in_viewport(page, ".meeting-verdict")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "reunion-1280x720.png"))
        page.wait_for_function("() => document.__meetingKeys === true", timeout=30_000)   # the keys' script ran
        # as a presenter does, press once the buttons are drawn (a key pressed earlier waits for its button:
        # meeting.KEYS_JS; on a slow machine the buttons' code can arrive seconds after the text)
        page.locator(".st-key-meeting-next button").wait_for(timeout=60_000)
        page.keyboard.press("ArrowRight")
        _wait_or_explain(page, "question 3 sur 6")
        page.locator("h1", has_text="Q3 · ").first.wait_for(timeout=60_000)   # the rerun replaces the title
        page.keyboard.press("PageDown")
        page.get_by_text("question 4 sur 6").wait_for(timeout=60_000)
        page.keyboard.press("ArrowLeft")
        page.get_by_text("question 3 sur 6").wait_for(timeout=60_000)
        assert parse_qs(urlparse(page.url).query).get("question") == ["3"]
        _no_error_box(page)
    finally:
        context.close()


def _wait_or_explain(page, text: str) -> None:
    """Wait for ``text``; on a timeout, fail with what the page showed (its navigation's state)."""
    try:
        page.get_by_text(text).wait_for(timeout=60_000)
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "reunion-keyboard-failure.png"))
        state = page.evaluate("""() => ({url: location.href, focus: document.activeElement && document.activeElement.tagName,
            nav: (document.querySelector('.st-key-meeting-nav') || {}).innerText,
            next: [...document.querySelectorAll('.st-key-meeting-next button')].map(b => b.disabled),
            running: !!document.querySelector('[data-testid="stStatusWidget"]'),
            log: document.__meetingLog || []})""")
        pytest.fail(f"« {text} » jamais affiché ; état de la page : {state}")


def test_the_index_of_a_question_page_leads_to_each_block(live_app, page):
    page.goto(f"{live_app}/q3_info_sante_emploi")
    _settle(page, "Sommaire")
    last = load_referentiel().indicators("Q3")[-1]
    block = f".st-key-block-{last.id.replace('.', '-')}"
    page.get_by_text(load_referentiel().question("Q3").criteria[0].indicators[0].id, exact=True).wait_for(
        timeout=60_000)
    assert page.locator(block).count() == 0            # the last criterion's tab is not drawn yet
    page.locator(".st-key-question-index").get_by_role("link", name=last.short_label).first.click()
    page.wait_for_function(ON_SCREEN, arg=block, timeout=60_000)   # its tab opened, on the block
    # another tab chosen by hand: that tab is drawn, the link's indicator no longer holds the page
    page.get_by_role("tab", name=re.compile("^C1 · ")).click()
    page.get_by_text(load_referentiel().question("Q3").criteria[0].indicators[0].id, exact=True).wait_for(
        timeout=60_000)
    page.locator(block).wait_for(state="detached", timeout=60_000)
    _no_error_box(page)


def test_the_index_opens_a_theme_of_a_criterion_in_the_page(live_app, page):
    """Q6's national dashboard is drawn theme by theme: an index line of the last theme opens the
    criterion's tab, then the theme's, and brings the block into view, outlined — without leaving the
    page (the address keeps no ?indicateur=)."""
    q = load_referentiel().question("Q6")
    crit = next(c for c in q.criteria if len(c.parts()) > 1)
    theme, inds = crit.parts()[-1]
    target = inds[-1]
    block = f".st-key-block-{target.id.replace('.', '-')}"
    page.goto(f"{live_app}/{q.page}")
    _settle(page, "Sommaire")
    assert page.locator(block).count() == 0
    page.evaluate("() => { window.__sameDocument = true; }")
    page.locator(".st-key-question-index").get_by_role("link", name=target.short_label).first.click()
    page.wait_for_function(ON_SCREEN, arg=block, timeout=60_000)
    assert page.get_by_role("tab", name=theme).get_attribute("aria-selected") == "true"
    assert page.locator(f"{block}.q-index-target").count() == 1                  # outlined
    assert page.evaluate("() => window.__sameDocument === true")                 # no reload
    assert "indicateur=" not in page.url
    _no_error_box(page)


def _draw_every_chart(pg) -> int:
    """Scroll to each chart not drawn yet (its placeholder, dashboard/views/ui.py) until none is left;
    returns how many there were."""
    placeholders = pg.locator(".deferred-chart")
    seen = 0
    for _ in range(60):
        left = placeholders.count()
        if left == 0:
            return seen
        try:
            key = placeholders.first.get_attribute("data-chart", timeout=5_000)
            placeholders.first.scroll_into_view_if_needed(timeout=5_000)
        except PlaywrightError:        # drawn meanwhile (it came into view with the one before)
            continue
        pg.locator(f'.deferred-chart[data-chart="{key}"]').wait_for(state="detached", timeout=30_000)
        seen += 1
    raise AssertionError(f"{placeholders.count()} graphiques jamais dessinés")


def test_charts_below_the_first_screen_are_drawn_when_scrolled_to(live_app, page):
    """Q3 by URL at 1920×1080: the charts far below the first screen wait as placeholders of their
    height; scrolled to, each is drawn in place (the other charts stay as they were, the page is not
    loaded again); after a filter change, the charts seen are drawn at once."""
    q = next(q for q in QUESTIONS if q.id == "Q3")
    page.goto(f"{live_app}/{q.page}")
    _settle(page, q.criteria[0].indicators[0].id)
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)
    placeholders = page.locator(".deferred-chart")
    assert placeholders.count() >= 2
    # what is on the first screen gets drawn; what waits is below it
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stBidiComponentIsolated"]')]
        .filter((h) => h.shadowRoot && h.shadowRoot.querySelector('.deferred-chart'))
        .every((h) => h.getBoundingClientRect().top >= window.innerHeight)""", timeout=30_000)
    last = placeholders.last
    assert last.get_attribute("data-root") == "stMain"     # near the view of the main area, which scrolls
    key = last.get_attribute("data-chart")
    height = last.bounding_box()["height"]
    assert 200 <= height <= 900
    page.evaluate("() => { window.__sameDocument = true;"
                  " document.querySelectorAll('.js-plotly-plot').forEach(g => { g.__kept = true; }); }")
    drawn_before = page.locator(".js-plotly-plot").count()
    last.scroll_into_view_if_needed()
    chart = page.locator(f".st-key-{key.replace('.', '-')} .js-plotly-plot .main-svg")
    chart.first.wait_for(timeout=30_000)
    assert page.locator(f'.deferred-chart[data-chart="{key}"]').count() == 0
    assert page.locator(".js-plotly-plot").count() > drawn_before
    # the charts drawn before were not drawn again, in the same document
    assert page.evaluate("() => window.__sameDocument === true && [...document.querySelectorAll('.js-plotly-plot')]"
                         ".filter(g => g.__kept).length") == drawn_before
    assert abs(page.locator(f".st-key-{key.replace('.', '-')}").bounding_box()["height"] - height) < 40
    _no_error_box(page)
    # another territory: the chart seen is drawn with the page, no placeholder first
    page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Territoire").click()
    page.get_by_role("option", name="CME Isère", exact=True).click()
    _settle(page, "CME Isère")
    assert page.locator(f'.deferred-chart[data-chart="{key}"]').count() == 0
    assert page.locator(f".st-key-{key.replace('.', '-')} .js-plotly-plot").count() == 1
    _no_error_box(page)


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda q: q.id)
def test_question_page(live_app, page, question):
    page.goto(f"{live_app}/{question.page}")
    first = question.criteria[0].parts()[0][1]      # the first criterion's (first theme's) indicators
    _settle(page, first[-1].id)
    _no_error_box(page)
    assert page.get_by_text("Données fictives").first.is_visible()
    index = page.locator(".st-key-question-index")
    for c in question.criteria:
        for ind in c.indicators:   # every indicator in the index; the blocks of the open tab only
            assert index.get_by_role("link", name=ind.short_label).count() >= 1, ind.id
            assert page.get_by_text(ind.id, exact=True).count() == (1 if ind in first else 0), ind.id
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)  # charts drawn, not placeholders
    _draw_every_chart(page)
    # the left margins sized on the server were enough: Plotly drew each chart once, without widening them
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].every(g => g._fullLayout)")
    widened = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')]
        .filter(g => g._fullLayout._size.l > g.layout.margin.l)
        .map(g => [g._fullLayout._size.l, g.layout.margin.l, [...g.querySelectorAll('.ytick text')].map(t => t.textContent)])""")
    assert not widened, widened
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{question.page}.png"), full_page=False)


def test_changing_the_territory_updates_the_url_and_the_page(live_app, page):
    page.goto(f"{live_app}/q4_animations_territoriales?indicateur=Q4.C3.I1")
    _settle(page, "Question 4")
    legend = page.locator(".st-key-block-Q4-C3-I1 .legendtext")
    legend.first.wait_for(timeout=60_000)
    before = legend.all_inner_texts()
    page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Territoire").click()
    page.get_by_role("option", name="CME Isère", exact=True).click()
    _settle(page, "Sélection : 2016-2020 · CME Isère")
    query = parse_qs(urlparse(page.url).query)
    assert query.get("territoire") == ["CME Isère"]
    # the CTME chart now draws the Isère series next to the regional one
    page.wait_for_function("() => [...document.querySelectorAll('.st-key-block-Q4-C3-I1 .legendtext')]"
                           ".some(e => e.textContent.includes('CME Isère'))", timeout=60_000)
    assert legend.all_inner_texts() != before


def test_a_link_reproduces_the_view(live_app, page):
    page.goto(f"{live_app}/q2_diagnostics_plans?territoire=CME+Loire&periode=2017&periode=2019")
    _settle(page, "Question 2")
    # waited for, not read at once: a chart coming into view may run the page again meanwhile
    page.get_by_text("Sélection : 2017-2019 · CME Loire").first.wait_for(state="visible", timeout=30_000)
    _no_error_box(page)


# --- comparison pages and bilan ---------------------------------------------------------


def test_clicking_a_departement_on_the_map_opens_its_view(live_app, page):
    page.goto(f"{live_app}/comparaison?indicateur=Q3.C2.I1")
    _settle(page, "Classement 2020")
    locations = page.locator(".st-key-cmp_map .choroplethlocation")
    locations.first.wait_for(timeout=60_000)
    assert locations.count() == 8
    _no_error_box(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "comparaison.png"), full_page=True)
    # outlines are drawn in the order of the shipped file: 01, 07, 26, 38…
    locations.nth(3).click(force=True)
    page.wait_for_url("**/q3_info_sante_emploi**", timeout=60_000)
    _settle(page, "Question 3")
    assert parse_qs(urlparse(page.url).query).get("territoire") == ["Isère (38)"]
    assert parse_qs(urlparse(page.url).query).get("indicateur") == ["Q3.C2.I1"]
    # the page opens on the block of the indicator clicked from (its criterion's tab), not at the top
    page.wait_for_function(ON_SCREEN, arg=".st-key-block-Q3-C2-I1", timeout=60_000)
    page.locator(".st-key-block-Q3-C2-I1").get_by_text("Isère (38)").first.wait_for(timeout=60_000)
    _no_error_box(page)


def test_regions_page(live_app, page):
    page.goto(f"{live_app}/regions")
    _settle(page, "Position d'Auvergne-Rhône-Alpes")
    page.locator(".st-key-reg_map .choroplethlocation").first.wait_for(timeout=60_000)
    assert page.locator(".st-key-reg_map .choroplethlocation").count() >= 13
    _no_error_box(page)
    page.screenshot(path=str(ARTIFACTS / "regions.png"), full_page=True)


def _open_bilan_question(pg, number: int) -> None:
    """The bilan page draws one part at a time: open the tab of question ``number``."""
    pg.get_by_role("tab", name=re.compile(f"^Q{number} · ")).click()
    _settle(pg, f"Commenter la question {number}")


def test_bilan_exports_download(live_app, page, tmp_path):
    page.goto(f"{live_app}/bilan?cme=CME42&annee=2019")
    _settle(page, "Bilan 2019 · CME Loire")
    _no_error_box(page)
    assert page.locator(".js-plotly-plot").count() == 0     # the synthesis tab: no chart to draw
    _open_bilan_question(page, 4)
    page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=60_000)  # the question's small multiples
    page.screenshot(path=str(ARTIFACTS / "bilan.png"), full_page=False)
    with page.expect_download(timeout=120_000) as dl:
        page.get_by_role("button", name="HTML interactif").click()
    html = tmp_path / dl.value.suggested_filename
    dl.value.save_as(html)
    assert html.name == "bilan-2019-CME42.html"
    assert "Bilan annuel 2019 · CME Loire" in html.read_text(encoding="utf-8")
    with page.expect_download(timeout=120_000) as dl:
        page.get_by_role("button", name="Annexe XLSX").click()
    xlsx = tmp_path / dl.value.suggested_filename
    dl.value.save_as(xlsx)
    from openpyxl import load_workbook

    assert load_workbook(xlsx).sheetnames[:2] == ["Bilan", "Q1"]
    page.get_by_role("button", name="Préparer le PDF (A4)").click()
    ready = page.get_by_role("button", name="Télécharger le PDF")
    ready.wait_for(timeout=180_000)
    with page.expect_download(timeout=120_000) as dl:
        ready.click()
    pdf = tmp_path / dl.value.suggested_filename
    dl.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.fixture
def writable_app(sample_url, tmp_path):
    """A second server on a copy of the sample store, for tests that write."""
    if BACKEND != "sqlite":
        pytest.skip("les tests navigateur tournent dans la passe SQLite")
    copy = tmp_path / "store.sqlite3"
    shutil.copy(sample_url.removeprefix("sqlite:///"), copy)
    proc, base = start_server(f"sqlite:///{copy}", tmp_path / "streamlit.log", env=AS_SERVED)
    yield base
    _stop(proc)


def _sign_in(page, base: str, username: str, password: str):
    """Sign in on /connexion; the session lives in this tab, so navigate with the app's links afterwards."""
    page.goto(f"{base}/connexion")
    _settle(page, "Se connecter")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    _settle(page, "Vous êtes connecté")


def _account_box(pg) -> str:
    box = pg.locator('[data-testid="stSidebar"]')
    box.get_by_text("Compte", exact=True).wait_for(timeout=60_000)
    return box.inner_text()


def test_a_reload_and_a_new_tab_keep_the_session_until_signing_out(writable_app, page):
    _sign_in(page, writable_app, "animateur38", "animateur-demo-38")
    page.wait_for_function("() => document.cookie.includes('maintien_session=')", timeout=30_000)
    assert "password" not in page.evaluate("document.cookie") and "demo" not in page.evaluate("document.cookie")
    page.reload()
    _settle(page, "Vous êtes connecté")
    assert "Animateur Isère (démo)" in _account_box(page)
    tab = page.context.new_page()                      # a new tab of the same browser
    tab.goto(f"{writable_app}/journal")
    _settle(tab, "Journal des écritures")
    assert "Animateur Isère (démo)" in _account_box(tab)
    tab.locator('[data-testid="stSidebar"]').get_by_role("button", name="Se déconnecter").click()
    tab.locator('[data-testid="stSidebar"]').get_by_text("Lecture ouverte").wait_for(timeout=60_000)
    tab.reload()
    _settle(tab, "Journal des écritures")
    assert "Lecture ouverte" in _account_box(tab)
    # the first tab is signed out too (its session was revoked), even without a reload…
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Accueil · vue de pilotage").click()
    page.locator('[data-testid="stSidebar"]').get_by_text("Lecture ouverte").wait_for(timeout=60_000)
    # …and after one
    page.reload()
    _settle(page, "Connexion")
    assert "Lecture ouverte" in _account_box(page)
    _no_error_box(page)


def test_writing_a_comment_in_the_bilan_needs_and_signs_with_an_account(writable_app, page):
    page.goto(f"{writable_app}/bilan?cme=CME42&annee=2019")
    _settle(page, "Bilan 2019 · CME Loire")
    _open_bilan_question(page, 4)
    page.get_by_role("button", name="Commenter la question 4").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text("Connectez-vous").wait_for(timeout=30_000)
    assert dialog.get_by_role("button", name="Ajouter le commentaire").count() == 0
    page.keyboard.press("Escape")
    _sign_in(page, writable_app, "admin", "admin-demo-2026")
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Bilans annuels (CME, région)").click()
    _settle(page, "Territoire du bilan")
    _open_bilan_question(page, 4)
    page.get_by_role("button", name="Commenter la question 4").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Commentaire").fill("Les CTME progressent : qualification partagée des situations.")
    dialog.get_by_role("button", name="Ajouter le commentaire").click()
    page.get_by_role("dialog").wait_for(state="detached", timeout=60_000)
    _settle(page, "Les CTME progressent : qualification partagée des situations.")
    assert page.get_by_text("Administratrice (démo)").first.is_visible()
    _no_error_box(page)
    page.screenshot(path=str(ARTIFACTS / "bilan-commentaire.png"), full_page=False)


def test_a_comment_is_plain_text_and_makes_no_reader_fetch_anything(writable_app, page):
    """An image, a link or HTML written in a comment is shown as typed: no request to its URL."""
    hostile = ("Lecture : ![x](http://127.0.0.1:9/pixel.png) et [clic](javascript:alert(1)).\n"
               "Suite <img src=x onerror=alert(2)> et **gras**")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    _sign_in(page, writable_app, "animateur38", "animateur-demo-38")
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Bilans annuels (CME, région)").click()
    _settle(page, "Territoire du bilan")
    page.get_by_role("combobox", name="Territoire du bilan").click()
    page.get_by_role("option", name="CME Isère", exact=True).click()
    _settle(page, "CME Isère")
    _open_bilan_question(page, 4)
    page.get_by_role("button", name="Commenter la question 4").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Commentaire").fill(hostile)
    dialog.get_by_role("button", name="Ajouter le commentaire").click()
    page.get_by_role("dialog").wait_for(state="detached", timeout=60_000)
    _settle(page, "![x](http://127.0.0.1:9/pixel.png)")
    shown = page.locator('[data-testid="stText"]').filter(has_text="![x](http://127.0.0.1:9/pixel.png)")
    assert shown.count() == 1 and shown.first.is_visible()
    assert shown.first.inner_text() == hostile  # as typed, line break included
    assert page.get_by_text("Suite <img src=x onerror=alert(2)> et **gras**").first.is_visible()
    assert page.locator('img[src*="127.0.0.1:9"], img[src="x"]').count() == 0
    assert page.locator('a[href^="javascript"], a[href*="127.0.0.1:9"]').count() == 0
    # the dialog lists it the same way
    page.get_by_role("button", name="Commenter la question 4").click()
    page.get_by_role("dialog").locator('[data-testid="stText"]').filter(has_text="pixel.png").wait_for(
        timeout=30_000)
    page.keyboard.press("Escape")
    page.wait_for_timeout(1000)
    _no_error_box(page)
    page.screenshot(path=str(ARTIFACTS / "bilan-commentaire-texte.png"), full_page=False)
    assert not [u for u in requests if "127.0.0.1:9/" in u or u.endswith("/x")], requests


def test_a_block_download_delivers_its_csv(live_app, page, tmp_path):
    page.goto(f"{live_app}/q4_animations_territoriales?indicateur=Q4.C3.I1")
    _settle(page, "Q4.C3.I1")
    block = page.locator(".st-key-block-Q4-C3-I1")
    with page.expect_download(timeout=60_000) as dl:
        block.get_by_role("button", name="Télécharger (CSV)").click()
    assert dl.value.suggested_filename == "Q4.C3.I1.csv"
    path = tmp_path / "ctme.csv"
    dl.value.save_as(path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for the spreadsheet software of the partners
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:5] == ["Indicateur", "Série", "Année", "Catégorie", "Valeur"]
    assert lines[1].startswith("Q4.C3.I1;")


def test_load_script_runs_and_reports_no_error(browser, sample_url):
    """The browser load benchmark (`python -m dashboard load --navigateur`), briefly, so that it keeps working."""
    result = subprocess.run([sys.executable, "-m", "dashboard", "--database-url", sample_url, "load",
                             "--sessions", "2", "--duration", "5", "--navigateur"], cwd=ROOT, capture_output=True,
                            text=True,
                            timeout=400)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    row = next(line for line in result.stdout.splitlines() if line.startswith("| ") and "MB" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert int(cells[0]) >= 1 and cells[1] == "0"  # steps made, no error


def test_browser_benchmark_measures_drawn_pages(browser, sample_url):
    """The browser measure of `python -m dashboard bench` (dashboard/tools/browser.py), on two pages,
    in a subprocess (Playwright's sync API runs one instance per thread), the app as served."""
    import json
    import os

    code = ("import json, sys; from dashboard.tools.browser import measure; "
            "t, c1, c2, _, sc = measure(sys.argv[1], ['/', '/q3_info_sante_emploi'], 1, "
            "'/q3_info_sante_emploi', prewarm=False); "
            "print(json.dumps([[p.path, p.seconds, p.in_app, p.charts] for p in t] + [c1, c2, sc]))")
    result = subprocess.run([sys.executable, "-c", code, sample_url], cwd=ROOT, capture_output=True, text=True,
                            timeout=600, env={**os.environ, **AS_SERVED})
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    *pages, first, again, scrolled = json.loads(result.stdout.strip().splitlines()[-1])
    assert [p[0] for p in pages] == ["/", "/q3_info_sante_emploi"]
    assert all(0 < p[1] < 300 and 0 < p[2] < 300 for p in pages), pages
    # the home's summary chart; Q3's first block's chart at least, the ones further down when scrolled to
    assert pages[0][3] >= 1 and pages[1][3] >= 1
    assert scrolled is not None and 0 < scrolled < 60
    assert 0 < first < 300 and 0 < again < 300


def test_importing_a_file_in_the_browser(writable_app, page):
    """A bad file lists its problems and writes nothing; a good one previews, imports, then changes nothing."""
    _sign_in(page, writable_app, "animateur38", "animateur-demo-38")
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Importer un fichier").click()
    _settle(page, "Déposez le fichier")
    corpus = ROOT / "tests" / "data" / "intake"
    page.locator('input[type="file"]').set_input_files(str(corpus / "bad" / "several_problems.csv"))
    _settle(page, "Fichier refusé, rien n'a été écrit")
    assert page.get_by_text("Télécharger la liste des problèmes (CSV)").count() == 1
    page.screenshot(path=str(ARTIFACTS / "import-refuse.png"), full_page=True)
    page.locator('input[type="file"]').set_input_files(str(corpus / "good" / "ctme_utf8_bom_semicolon.csv"))
    _settle(page, "Fichier valide")
    # the file replaces CME38's 2019 sessions: the removals are said per territory, up front, and the
    # import waits for an explicit confirmation
    assert page.get_by_text("Cet import supprime des données déjà reçues").count() == 1
    assert page.get_by_text("CME38 (3)").count() >= 1
    confirm = page.get_by_role("button", name="Confirmer l'import")
    assert confirm.is_disabled()
    page.screenshot(path=str(ARTIFACTS / "import-suppressions.png"), full_page=True)
    page.get_by_text("Je confirme la suppression de 3 lignes déjà reçues").click()
    page.wait_for_function("() => [...document.querySelectorAll('button')].some("
                           "b => b.innerText.includes(\"Confirmer l'import\") && !b.disabled)")
    confirm.click()
    _settle(page, "Import terminé")
    _no_error_box(page)
    page.screenshot(path=str(ARTIFACTS / "import-termine.png"), full_page=True)


# --- no English left ---------------------------------------------------------------------

# Streamlit's own English a user could see or hear (screen readers read aria-label); matched as words.
ENGLISH = ["Choose", "Download", "Search", "Fullscreen", "dd / mm", "dd", "yyyy", "Press", "View more",
           "View less", "Running", "No results", "No options", "Clear", "Remove", "Help for", "Show/hide",
           "Sort", "Skip to", "Collapse", "Sidebar", "Open", "Increment", "Decrement", "Select all",
           "Show password", "Drag and drop", "Browse files", "Limit", "Link to heading", "Deploy", "Stop"]

# The text of the page as drawn (text nodes not hidden, the date field's CSS placeholders) and the
# placeholder / aria-label / title / data-title attributes.
SHOWN_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest("script, style, svg")) { continue; }
    const css = getComputedStyle(el);
    if (css.display === "none" || css.fontSize === "0px") { continue; }
    if (n.nodeValue.trim()) { out.push(n.nodeValue.trim()); }
  }
  for (const el of document.querySelectorAll("[data-placeholder='true']")) {
    out.push(getComputedStyle(el, "::after").content);
  }
  for (const el of document.querySelectorAll("[placeholder], [aria-label], [title], [data-title]")) {
    for (const a of ["placeholder", "aria-label", "title", "data-title"]) {
      if (el.getAttribute(a)) { out.push(a + "=" + el.getAttribute(a)); }
    }
  }
  return out;
}"""


def _english(pg) -> list[str]:
    import re

    pattern = re.compile(r"(?<![\w/])(" + "|".join(re.escape(w) for w in ENGLISH) + r")(?![\w])")
    return sorted({t for t in pg.evaluate(SHOWN_TEXT) if pattern.search(t)})


def test_no_english_on_a_question_page_with_tables_and_menus(live_app, page):
    """Q2: its charts, a table's toolbar and a tooltip, the sidebar's selects and their "No results"
    (the tables' column menu, drawn from a point of the canvas, was checked by hand)."""
    page.goto(f"{live_app}/q2_diagnostics_plans")
    _settle(page, "Q2.C1.I1")
    page.wait_for_function("() => document.__frenchLabels === true", timeout=30_000)
    block = page.locator(".st-key-block-Q2-C1-I1")
    block.get_by_text("Données", exact=True).click()
    table = block.locator('[data-testid="stDataFrame"]').first
    table.wait_for(timeout=30_000)
    table.hover()
    page.locator('[data-testid="stElementToolbar"] button').first.wait_for(timeout=30_000)
    page.locator('[data-testid="stElementToolbar"] button').nth(1).hover()      # a tooltip
    page.locator('[data-testid="stTooltipContent"]').first.wait_for(timeout=30_000)
    page.wait_for_timeout(300)
    shown = _english(page)
    page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Territoire").click()
    page.keyboard.type("zzz")                                                   # "No results"
    page.wait_for_timeout(500)
    shown += _english(page)
    page.keyboard.press("Escape")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "francais-q2.png"))
    assert not shown, shown
    _no_error_box(page)


def test_no_english_on_the_import_and_entry_pages(writable_app, page):
    """Signed in: the upload box, the forms' multiselects, numbers and the empty date field."""
    _sign_in(page, writable_app, "admin", "admin-demo-2026")
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Importer un fichier").click()
    _settle(page, "Déposez le fichier")
    page.wait_for_function("() => document.__frenchLabels === true", timeout=30_000)
    shown = _english(page)
    page.locator('[data-testid="stSidebarNav"]').get_by_text("Saisie", exact=True).click()
    _settle(page, "Données à saisir")
    date = page.locator('[data-testid="stDateInputField"]').first
    date.wait_for(timeout=30_000)
    assert date.locator("[data-placeholder='true']").count() == 3                # empty: the placeholders show
    shown += _english(page)
    page.locator('[data-testid="stDateInputCalendarButton"]').first.click()     # the calendar
    page.locator('[data-testid="stDateInputCalendar"]').wait_for(timeout=30_000)
    page.wait_for_timeout(300)
    shown += _english(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "francais-saisie.png"))
    page.keyboard.press("Escape")
    assert not shown, shown
    _no_error_box(page)
