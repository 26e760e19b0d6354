"""Two app processes behind nginx on one store (dashboard/tools/cluster.py, deploy/nginx.conf.template).

Runs in both passes (on PostgreSQL, the deployment the issue asks for): a file imported in the
browser through one process changes the numbers another process shows — each process's memory caches
are keyed on the store's data version, which the import bumps in the database.
"""

from __future__ import annotations

import asyncio
import io
import os
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from dashboard.tools import cluster as cluster_tool
from dashboard.tools import wsload
from dashboard.tools.load import CHROMIUM_ARGS
from tests.conftest import ROOT, skip_or_fail

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
# A hand-made delivery of CME38's 2019 CTME sessions: five sessions (it replaces the sample's).
CTME_2019 = ("CME;Date de la séance;Situations examinées;Institutions participantes\n"
             "CME38;15/01/2019;3;CARSAT|SAMETH38\n"
             "CME38;12/03/2019;4;CARSAT|MDPH38\n"
             "CME38;14/05/2019;2;AGEFIPH|CAPEMPLOI38\n"
             "CME38;17/09/2019;5;CARSAT|SST38\n"
             "CME38;19/11/2019;4;MDPH38|SAMETH38\n")


@pytest.fixture
def cluster(writable_sample_url, tmp_path):
    if not os.path.exists(cluster_tool.NGINX):
        skip_or_fail(f"nginx absent ({cluster_tool.NGINX}) : paquet Debian « nginx » non installé")
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"Chromium absent : paquet Debian « chromium » non installé ({CHROMIUM})")
    c = cluster_tool.start(writable_sample_url(), 2, env={"MAINTIEN_PREWARM": "false"}, log_dir=tmp_path)
    yield c
    c.stop()
    for log in tmp_path.glob("streamlit-*.log"):
        assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


def _upstream(url: str, key: str) -> str:
    req = urllib.request.Request(f"{url}/_stcore/health", headers={"Cookie": f"maintien_node={key}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.headers["X-Maintien-Node"]


def _keys_for_each_process(c) -> list[str]:
    """A sticky-session cookie value that the proxy sends to each process, in the order of c.servers."""
    wanted = {s.removeprefix("http://"): None for s in c.servers}
    for n in range(200):
        key = f"k{n}"
        node = _upstream(c.url, key)
        if wanted.get(node, "") is None:
            wanted[node] = key
        if all(wanted.values()):
            return list(wanted.values())
    raise AssertionError(f"le mandataire n'envoie pas vers chaque processus : {wanted}")


def _ctme_count_2019(c, key: str) -> tuple[float, float]:
    """CME Isère's and the region's numbers of CTME in 2019 as a process shows them: the Q4 page through
    the proxy (that process's session), then the block's CSV download."""
    cookie = f"maintien_node={key}"

    async def read():
        async with wsload.Session(c.url, cookie=cookie) as s:
            return await s.open("q4_animations_territoriales", "territoire=CME+Is%C3%A8re&indicateur=Q4.C3.I1")

    with ThreadPoolExecutor(1) as pool:     # a loop of its own (the browser tests' may hold this thread's)
        run = pool.submit(asyncio.run, read()).result()
    assert run.finished and run.exception is None
    url = next(u for i, u in run.downloads.items() if i.endswith("csv-Q4.C3.I1"))
    req = urllib.request.Request(c.url + url, headers={"Cookie": cookie})
    with urllib.request.urlopen(req, timeout=30) as r:
        table = pd.read_csv(io.BytesIO(r.read()), sep=None, engine="python", encoding="utf-8-sig")
    total = table[(table["Année"] == 2019) & (table["Catégorie"] == "Total")].set_index("Série")["Valeur"]
    return float(total["Sélection"]), float(total["Rhône-Alpes"])


def _import_through(url: str, key: str, delivery) -> None:
    """Sign in as CME38's animateur and import ``delivery`` through the process ``key`` reaches."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="fr-FR")
        context.add_cookies([{"name": "maintien_node", "value": key, "url": url}])
        page = context.new_page()
        try:
            page.goto(f"{url}/connexion")
            page.get_by_label("Identifiant").fill("animateur38")
            page.get_by_label("Mot de passe", exact=True).fill("animateur-demo-38")
            page.get_by_role("button", name="Se connecter").click()
            page.get_by_text("Vous êtes connecté").first.wait_for(timeout=60_000)
            page.locator('[data-testid="stSidebarNav"]').get_by_text("Importer un fichier").click()
            page.get_by_text("Déposez le fichier").first.wait_for(timeout=60_000)
            page.locator('input[type="file"]').set_input_files(str(delivery))
            page.get_by_text("Fichier valide").first.wait_for(timeout=60_000)
            page.get_by_text("Je confirme la suppression de").first.click()
            page.wait_for_function("() => [...document.querySelectorAll('button')].some(b => "
                                   "b.innerText.includes(\"Confirmer l'import\") && !b.disabled)", timeout=60_000)
            page.get_by_role("button", name="Confirmer l'import").click()
            page.get_by_text("Import terminé").first.wait_for(timeout=120_000)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "cluster-import.png"))
        finally:
            context.close()
            browser.close()


def test_an_import_through_one_process_changes_what_another_shows(cluster, tmp_path):
    key_a, key_b = _keys_for_each_process(cluster)
    assert _upstream(cluster.url, key_a) != _upstream(cluster.url, key_b)
    cme, region = _ctme_count_2019(cluster, key_b)   # process B computes and caches the page
    assert cme != 5

    delivery = tmp_path / "ctme_cme38_2019.csv"
    delivery.write_text(CTME_2019, encoding="utf-8")
    # the import, in Chromium, through process A — in a thread with its own Playwright: the session's
    # shared browser (sync API) would keep an event loop in this thread for the tests that follow
    with ThreadPoolExecutor(1) as pool:
        pool.submit(_import_through, cluster.url, key_a, delivery).result()

    # process B (which had the old numbers in memory) and process A: the file's five sessions replace
    # CME38's 2019 sessions, and the region's count moves by the difference
    assert _ctme_count_2019(cluster, key_b) == (5, region - cme + 5)
    assert _ctme_count_2019(cluster, key_a) == (5, region - cme + 5)
