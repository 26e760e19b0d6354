"""The load test without a browser (`python -m dashboard load`, dashboard/tools/wsload.py): simulated
users speaking Streamlit's websocket protocol against a real server on loopback."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from dashboard.tools import wsload
from dashboard.tools.load import start_server
from tests.conftest import ROOT

LAST_LINE = re.compile(r"^load: sessions=(\d+) steps=(\d+) errors=(\d+) p50=(\d+,\d\d) s p95=(\d+,\d\d) s$")


@pytest.fixture(scope="module")
def server(sample_url, tmp_path_factory):
    log = tmp_path_factory.mktemp("wsload") / "streamlit.log"
    proc, base = start_server(sample_url, log)
    yield base
    proc.terminate()
    proc.wait(timeout=15)
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


def test_a_simulated_user_opens_pages_and_changes_the_territory(server):
    async def walk():
        async with wsload.Session(server) as s:
            home = await s.open("")
            q3 = await s.open("q3_info_sante_emploi")
            picked = await s.pick("Territoire", "CME Loire")
            missing = await s.open("pas_une_page")
            return home, q3, picked, missing

    # in a thread of its own: the browser tests' Playwright (sync API) keeps an event loop in this one
    with ThreadPoolExecutor(1) as pool:
        home, q3, picked, missing = pool.submit(asyncio.run, walk()).result()
    assert home.finished and home.exception is None and not home.not_found
    assert {"Territoire", "Institution"} <= set(q3.widgets)
    assert any(t.startswith("**Synthèse** (2016-2020 · Rhône-Alpes") for t in q3.texts)
    # the widget state sent is the sidebar's choice: the page is now the CME's
    assert picked.finished and any(t.startswith("**Synthèse** (2016-2020 · CME Loire)") for t in picked.texts)
    assert missing.not_found                      # an error a load test must count


def test_the_load_command_reports_its_last_line(server):
    result = subprocess.run([sys.executable, "-m", "dashboard", "load", "--sessions", "3", "--duration", "15",
                             "--base-url", server], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    last = result.stdout.strip().splitlines()[-1]
    found = LAST_LINE.match(last)
    assert found, last
    sessions, steps, errors = (int(found.group(i)) for i in (1, 2, 3))
    assert sessions == 3 and steps >= 3 and errors == 0
    assert float(found.group(4).replace(",", ".")) <= float(found.group(5).replace(",", "."))


def test_a_remote_server_is_refused():
    with pytest.raises(SystemExit, match="boucle locale"):
        wsload.run(1, 1, base_url="http://example.org:8501")


def test_errors_are_counted_in_the_last_line():
    steps = [wsload.Step("/", 0.5), wsload.Step("/", 1.5), wsload.Step("/x", 0.1, "page introuvable")]
    text, errors = wsload.report(steps, 2, 10.0, None, None)
    assert errors == 1
    assert text.splitlines()[-1] == "load: sessions=2 steps=3 errors=1 p50=0,50 s p95=1,50 s"
    assert "- /x: page introuvable" in text


def test_two_processes_behind_nginx_take_the_load(sample_url):
    """``load --processus 2``: the simulated users go through nginx to two server processes, whose
    memory is reported one by one."""
    from pathlib import Path

    from dashboard.tools import cluster
    from tests.conftest import skip_or_fail

    if not Path(cluster.NGINX).exists():
        skip_or_fail(f"nginx absent ({cluster.NGINX}) : paquet Debian « nginx » non installé")
    with ThreadPoolExecutor(1) as pool:     # its own event loop (see the first test)
        text, errors = pool.submit(wsload.run, 3, 8, database_url=sample_url, processes=2, warm=False).result()
    assert errors == 0, text
    assert "against 2 server processes behind nginx" in text
    peaks = re.search(r"\| (\d+) MB \+ (\d+) MB \|", text)
    assert peaks and all(int(p) > 50 for p in peaks.groups()), text
    assert LAST_LINE.match(text.splitlines()[-1])


def test_the_warm_up_wait_reads_each_process_log(tmp_path):
    """Before a warm load, each process's log must say its warm-up ended; the longest is reported."""
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    logs[0].write_text("x\npréchauffage terminé : 96 étapes en 142.5 s (version 3 des données ; …)\n")
    logs[1].write_text("préchauffage terminé : 96 étapes en 150.0 s (version 3 des données ; …)\n")
    assert wsload._warm([], logs, timeout=1) == 150.0
    logs[1].write_text("préchauffage des pages : 96 étapes\n")
    with pytest.raises(SystemExit, match="préchauffage n'a pas fini"):
        wsload._warm([], logs, timeout=0.5)
