"""Load test: `python -m dashboard load [--sessions 20] [--duration 120] [--database-url URL | --base-url URL]
[--navigateur]`.

By default the simulated users speak Streamlit's websocket protocol without a browser
(``dashboard/tools/wsload.py``): the figures are the server's. With ``--navigateur``: starts one
Streamlit server (``streamlit run app.py`` on a free loopback port) on the
store, then opens N concurrent browser sessions (Playwright contexts in the system
Chromium) for the given duration — for a handful of sessions (the browsers share the server's
cores). Each session loops over a scripted walk: a page
(home, a question, the comparison pages, the bilan) opened by URL, sometimes with a
territory or a period in the query string, as a director or an animateur would follow
links. For every step it records the time until the page's charts are drawn (or, for
pages without charts, until its main text shows) and Streamlit has finished running,
and any error (an exception box, a timeout, a failed navigation).

Reports: steps made, errors (must be zero), p50 / p95 / max of the time to drawn charts,
and the server's peak resident memory (``VmHWM`` of its process). Loopback only; bounded
in time. Results go to standard output as a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]

# (path, text that shows once the page is there); pages with charts also wait for a drawn Plotly chart
WALK = [
    ("/", "Q6 · Indicateurs de maintien", True),
    ("/q1_gouvernance", "Q1.C1.I1", True),
    ("/q3_info_sante_emploi?territoire=Is%C3%A8re+%2838%29", "Q3.C1.I1", True),
    ("/q4_animations_territoriales?territoire=CME+Loire", "Q4.C1.I1", True),
    ("/q6_indicateurs_maintien?periode=2017&periode=2020", "Q6.C1.I1", True),
    ("/comparaison?indicateur=Q4.C3.I1", "Classement", True),
    ("/regions", "Position d'Auvergne-Rhône-Alpes", True),
    ("/bilan?cme=CME42&annee=2019", "Bilan 2019 · CME Loire", False),   # its synthesis tab: no chart
    ("/q2_diagnostics_plans?territoire=CME+Savoie", "Q2.C1.I1", True),
    ("/q5_information_communication", "Q5.C1.I1", True),
]
STEP_TIMEOUT_MS = 120_000
SESSIONS_PER_BROWSER = 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (from /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def free_port() -> int:
    """A free TCP port on loopback (for a server whose address must be known before it starts)."""
    return _free_port()


def start_server(database_url: str, log_path: Path | None = None, *, port: int | None = None,
                 extra_args: list[str] | tuple[str, ...] = (), env: dict[str, str] | None = None,
                 ) -> tuple[subprocess.Popen, str]:
    """`streamlit run app.py` on a loopback port (``port``, or a free one) against the store; returns
    (process, base URL).

    Also used by the end-to-end tests, which may add Streamlit options (``extra_args``, e.g.
    ``--secrets.files PATH``) and environment variables (``env``). The server's output goes to
    ``log_path`` (or nowhere).
    """
    port = port or _free_port()
    env = {**os.environ, **(env or {}), "DATABASE_URL": database_url, "MAINTIEN_AUTO_SAMPLE": "0"}
    out = open(log_path, "w") if log_path else subprocess.DEVNULL  # noqa: SIM115 - the child keeps it
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address",
         "127.0.0.1", "--server.headless", "true", *extra_args],
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT if log_path else subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("le serveur Streamlit n'a pas démarré")


async def _wait_drawn(page, text: str, charts: bool) -> None:
    await page.get_by_text(text, exact=False).first.wait_for(timeout=STEP_TIMEOUT_MS)
    if charts:
        await page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=STEP_TIMEOUT_MS)
    await page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=STEP_TIMEOUT_MS)


async def _session(browser, base: str, until: float, seed: int, out: list, errors: list) -> None:
    rng = random.Random(seed)
    context = await browser.new_context(viewport={"width": 1600, "height": 1000}, locale="fr-FR",
                                          reduced_motion="reduce")
    page = await context.new_page()
    order = list(WALK)
    rng.shuffle(order)
    i = 0
    try:
        while time.time() < until:
            path, text, charts = order[i % len(order)]
            i += 1
            t = time.perf_counter()
            try:
                await page.goto(base + path, timeout=STEP_TIMEOUT_MS)
                await _wait_drawn(page, text, charts)
                if await page.locator('[data-testid="stException"]').count():
                    errors.append(f"{path}: exception affichée")
                else:
                    out.append((path, time.perf_counter() - t))
            except Exception as exc:  # noqa: BLE001 - every failure is counted, the walk goes on
                errors.append(f"{path}: {exc.__class__.__name__}: {str(exc).splitlines()[0][:120]}")
    finally:
        await context.close()


async def _warm_up(browser, base: str) -> None:
    context = await browser.new_context(viewport={"width": 1600, "height": 1000}, locale="fr-FR",
                                          reduced_motion="reduce")
    page = await context.new_page()
    for path, text, charts in WALK:
        try:
            await page.goto(base + path, timeout=STEP_TIMEOUT_MS)
            await _wait_drawn(page, text, charts)
        except Exception:  # noqa: BLE001 - a failure here shows up again in the measured walk
            pass
    await context.close()


async def _drive(base: str, sessions: int, duration: float, browser_path: str, server_pid: int):
    from playwright.async_api import async_playwright

    results: list[tuple[str, float]] = []
    errors: list[str] = []
    async with async_playwright() as p:
        # Chromium runs the pages of one site in one renderer process: one browser per
        # SESSIONS_PER_BROWSER sessions, so that the simulated users do not queue on one JS thread.
        browsers = [await p.chromium.launch(executable_path=browser_path, headless=True, args=CHROMIUM_ARGS)
                    for _ in range(max(1, -(-sessions // SESSIONS_PER_BROWSER)))]
        # one warm-up walk over every page, as before a meeting: the measured sessions then read the
        # server's caches instead of all computing the same cold pages at once
        await _warm_up(browsers[0], base)
        start, cpu0 = time.time(), _cpu_seconds(server_pid)
        until = start + duration
        await asyncio.gather(*(_session(browsers[n % len(browsers)], base, until, n, results, errors)
                               for n in range(sessions)))
        elapsed, server_cpu = time.time() - start, _cpu_seconds(server_pid) - cpu0
        for browser in browsers:
            await browser.close()
    return results, errors, elapsed, server_cpu


def run(database_url: str, sessions: int, duration: float) -> tuple[str, int]:
    from data_access.settings import get_settings

    proc, base = start_server(database_url)
    try:
        results, errors, elapsed, server_cpu = asyncio.run(
            _drive(base, sessions, duration, get_settings().browser_path, proc.pid))
        peak = _peak_rss_mb(proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    times = sorted(t for _, t in results)

    def q(p):
        return times[min(len(times) - 1, int(round(p * (len(times) - 1))))] if times else float("nan")

    lines = [
        f"Measured on {dt.date.today().strftime('%d/%m/%Y')}, {platform.machine()}, {os.cpu_count()} cores; "
        f"{sessions} concurrent sessions (Playwright contexts, {SESSIONS_PER_BROWSER} per system Chromium) "
        f"for {elapsed:.0f} s "
        "against one server on loopback.",
        "",
        "| steps | errors | p50 until drawn | p95 until drawn | max | server peak RSS | server CPU |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| {len(times)} | {len(errors)} | {q(0.5):.1f} s | {q(0.95):.1f} s | {q(1.0):.1f} s | {peak:,.0f} MB "
        f"| {server_cpu:.0f} s of {elapsed * (os.cpu_count() or 1):.0f} s "
        f"({server_cpu / (elapsed * (os.cpu_count() or 1)):.0%}) |"
        .replace(",", "\u202f"),
        "",
        "Server CPU: CPU time the Streamlit server used during the run, against the CPU time the machine "
        "had (elapsed × cores); the rest went to the browsers that this same machine runs.",
    ]
    per_page: dict[str, list[float]] = {}
    for path, t in results:
        per_page.setdefault(path.split("?")[0], []).append(t)
    lines += ["", "| page | steps | median until drawn |", "| --- | --- | --- |"]
    for path, ts in sorted(per_page.items()):
        lines.append(f"| `{path}` | {len(ts)} | {statistics.median(ts):.1f} s |")
    if errors:
        lines += ["", "Errors:"] + [f"- {e}" for e in errors[:20]]
    return "\n".join(lines), len(errors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard load")
    parser.add_argument("--sessions", default="20",
                        help="sessions simultanées ; plusieurs nombres séparés par des virgules (sans navigateur)")
    parser.add_argument("--duration", type=float, default=120.0, help="secondes (défaut 120)")
    parser.add_argument("--database-url", default=None,
                        help="base à servir (défaut : une copie neuve des données d'exemple)")
    parser.add_argument("--base-url", default=None,
                        help="serveur déjà lancé sur cette machine (sans navigateur seulement)")
    parser.add_argument("--processus", type=int, default=1,
                        help="processus du serveur démarrés ici (plusieurs : derrière nginx ; défaut 1)")
    parser.add_argument("--a-froid", action="store_true",
                        help="sans attendre la fin du préchauffage des serveurs (ni le lancer)")
    parser.add_argument("--navigateur", action="store_true",
                        help="des sessions de Chromium au lieu d'utilisateurs simulés (quelques sessions)")
    args = parser.parse_args(argv)
    if args.navigateur and args.base_url:
        parser.error("--base-url va avec le test sans navigateur")
    if args.processus < 1 or (args.processus > 1 and (args.base_url or args.navigateur)):
        parser.error("--processus : au moins 1, et plusieurs seulement pour des serveurs démarrés ici sans navigateur")
    url = args.database_url
    if url is None and args.base_url is None:
        from dashboard.core.warm import warm_aggregates
        from data_access.db import make_engine, upgrade_schema
        from sample_data.generator import load_sample

        path = Path(tempfile.mkdtemp(prefix="maintien-load-")) / "store.sqlite3"
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        upgrade_schema(engine)
        load_sample(engine, scale=1)
        warm_aggregates(engine)
        engine.dispose()
    counts = [int(c) for c in str(args.sessions).split(",")]
    if args.navigateur and len(counts) > 1:
        parser.error("--navigateur : un seul nombre de sessions")
    if args.navigateur:
        report, n_errors = run(url, counts[0], args.duration)
    else:
        from dashboard.tools.wsload import run as protocol_run

        report, n_errors = protocol_run(counts, args.duration, base_url=args.base_url, database_url=url,
                                        processes=args.processus, warm=not args.a_froid)
    print(report)
    return 0 if n_errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
