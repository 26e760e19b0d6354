"""Benchmark: `python -m dashboard bench [--scale 1,100] [--runs 5] [--out docs/benchmarks.md]`.

For each scale it builds a fresh SQLite store with the sample (or reuses one under
``--work-dir``), then measures with Streamlit's AppTest, in this process:

- a bare Streamlit page with one ``st.write`` (the floor every page time is read against);
- every page of the app, cold (Streamlit caches cleared; the store's materialised
  aggregates are warm, as after any import) and warm (same session, rerun), median of N runs;
- a filter change (territory → CME Isère, then rerun) on the Q4 page;
- import throughput of one table file of calls (``ise_call``) and one of cases (``retention_case``),
  20 000 rows appended in one transaction each;
- one annual bilan (CME Loire, 2019): its computation, then each export (HTML, XLSX, PDF
  with the browsers' start-up included, as the batch command pays it for its first bilan);
- the peak resident memory of the process (the AppTest server runs in it);
- **what a user feels** (``dashboard/tools/browser.py``): each page served by ``streamlit run`` and
  opened in the system Chromium, timed until Streamlit has finished and every chart is drawn
  (median of N after one warm-up visit of every page), and a territory change on the Q3 page.
  ``--browser-only`` measures only this.

Timings are wall-clock medians on this machine; benchmarks are not assertions.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _median(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def _apptest(url: str):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from data_access.settings import get_settings

    os.environ["DATABASE_URL"] = url
    os.environ["MAINTIEN_AUTO_SAMPLE"] = "0"
    get_settings.cache_clear()
    st.cache_resource.clear()
    st.cache_data.clear()
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)


def _build_store(scale: int, work_dir: Path) -> str:
    from dashboard.core.warm import warm_aggregates
    from data_access.db import make_engine, store_is_empty, upgrade_schema
    from sample_data.generator import load_sample

    path = work_dir / f"bench-scale{scale}.sqlite3"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade_schema(engine)
    if store_is_empty(engine):
        t = time.perf_counter()
        load_sample(engine, scale=scale)
        print(f"  store built at scale {scale} in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    warm_aggregates(engine)
    print(f"  aggregates warmed in {time.perf_counter() - t:.1f} s")
    engine.dispose()
    return url


def _bare_page(runs: int, work_dir: Path) -> float:
    from streamlit.testing.v1 import AppTest

    script = work_dir / "bare_page.py"
    script.write_text("import streamlit as st\nst.write('Bonjour')\n", encoding="utf-8")
    return _median(lambda: AppTest.from_file(str(script)).run(), runs)


def _page_times(url: str, page: str, runs: int) -> tuple[float, float]:
    cold, warm = [], []
    for _ in range(runs):
        at = _apptest(url)  # clears Streamlit's caches: a cold start of the page
        if page != "app_pages/home.py":
            at.switch_page(page)  # the first run opens this page directly (a bookmarked link)
        t = time.perf_counter()
        at.run()
        cold.append(time.perf_counter() - t)
        assert not at.exception, at.exception
        t = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t)
    return statistics.median(cold), statistics.median(warm)


def _filter_change(url: str, runs: int) -> float:
    at = _apptest(url)
    at.run()
    at.switch_page("app_pages/q4_animations_territoriales.py")
    at.run()
    samples = []
    for i in range(runs):
        target = "CME38" if i % 2 == 0 else "CME42"
        at.sidebar.selectbox(key="territoire").set_value(target)
        t = time.perf_counter()
        at.run()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


IMPORTED = (("ise_call", "call_ref"), ("retention_case", "case_ref"))  # calls and cases: table, natural key


def _import_throughput(url: str, work_dir: Path, rows: int = 20_000, name: str = "ise_call",
                       ref_col: str = "call_ref") -> float:
    """Rows per second of appending a table file of calls or cases (parse, check, one transaction)."""
    import csv
    import io

    from data_access.bundle import import_table_file, table_csv
    from data_access.db import make_engine, table

    engine = make_engine(url)
    with engine.connect() as conn:
        data, _ = table_csv(conn, table(name), limit=rows)
    reader = csv.reader(io.StringIO(data.decode("utf-8")))
    header = next(reader)
    ref, ident = header.index(ref_col), header.index("id")
    stamp = int(time.time() * 1000) % 10_000_000
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([h for i, h in enumerate(header) if i != ident])
    for n, row in enumerate(reader):
        row[ref] = f"BENCH-{stamp}-{n:06d}"  # new pseudonymous references: appended, not duplicates
        writer.writerow([v for i, v in enumerate(row) if i != ident])
    path = work_dir / f"{name}.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    t = time.perf_counter()
    n = import_table_file(engine, path)
    elapsed = time.perf_counter() - t
    engine.dispose()
    return n / elapsed


def _bilan_times(url: str, runs: int) -> dict[str, float]:
    """Median seconds of building one bilan and of each export (the PDF includes starting Chromium)."""
    from dashboard.core.indicators import Reference
    from dashboard.core.referentiel import load_referentiel
    from dashboard.reports.bilan import build_bilan
    from dashboard.reports.bilan_export import PdfRenderer, pdf_available, render_html, section_figures, to_pdf, to_xlsx
    from data_access.db import make_engine

    engine = make_engine(url)
    referentiel, ref = load_referentiel(), Reference.from_engine(engine)
    holder = {}

    def build():
        holder["b"] = build_bilan(engine, referentiel, ref, "CME42", 2019, sample=True)

    def pdf():
        with PdfRenderer() as renderer:
            to_pdf(holder["b"], renderer)

    out = {"build": _median(build, runs)}
    out["html"] = _median(lambda: render_html(holder["b"], figures=section_figures(holder["b"])), runs)
    out["xlsx"] = _median(lambda: to_xlsx(holder["b"]), runs)
    out["pdf"] = _median(pdf, min(runs, 3)) if pdf_available() is None else float("nan")
    out["all"] = out["build"] + out["html"] + out["xlsx"] + out["pdf"]
    engine.dispose()
    return out


BROWSER_PAGES = ["/", "/q1_gouvernance", "/q2_diagnostics_plans", "/q3_info_sante_emploi",
                 "/q4_animations_territoriales", "/q5_information_communication", "/q6_indicateurs_maintien",
                 "/comparaison", "/regions", "/bilan", "/reunion?question=2"]
BROWSER_CHANGE_PAGE = "/q3_info_sante_emploi"


def browser_table(scales: list[int], runs: int, work_dir: Path) -> str:
    """Markdown table of the drawn times in Chromium, per page and scale, and of a territory change."""
    from dashboard.tools.browser import measure

    results = {}
    for scale in scales:
        print(f"scale {scale} (browser)")
        results[scale] = measure(_build_store(scale, work_dir), BROWSER_PAGES, runs, BROWSER_CHANGE_PAGE)
    lines = [f"Measured on {dt.date.today().strftime('%d/%m/%Y')}, {platform.machine()}, {os.cpu_count()} cores, "
             f"Chromium (headless, 1920×1080) and `streamlit run` on the same machine, SQLite store; median of "
             f"{runs} visits after one warm-up visit of every page. Time from the start of the navigation (by "
             "URL: the whole front end loads; from the sidebar: a click in the app) until Streamlit has "
             "finished and every chart on the page is drawn.", "",
             "| page | " + " | ".join(f"scale {s}: by URL | scale {s}: from the sidebar | charts" for s in scales)
             + " |",
             "|" + " --- |" * (1 + 3 * len(scales))]
    for n, path in enumerate(BROWSER_PAGES):
        cells = []
        for s in scales:
            t = results[s][0][n]
            cells += [f"{t.seconds:.2f} s", f"{t.in_app:.2f} s", str(t.charts)]
        lines.append(f"| `{path}` | " + " | ".join(cells) + " |")
    lines.append(f"| territory change on `{BROWSER_CHANGE_PAGE}`, first time / again | " + " | ".join(
        f"{results[s][1]:.2f} s | {results[s][2]:.2f} s | —" for s in scales) + " |")
    lines.append(f"| last chart of `{BROWSER_CHANGE_PAGE}` scrolled to, until drawn | " + " | ".join(
        ("—" if results[s][4] is None else f"{results[s][4]:.2f} s") + " | — | —" for s in scales) + " |")
    lines += ["", "The server's background warm-up of every territory's pages (dashboard/views/prewarm.py), from "
              "its start to its end, waited for before the visits: " + ", ".join(
                  f"scale {s}: {results[s][3]:.0f} s" for s in scales if results[s][3] is not None) + "."]
    return "\n".join(lines)


def run(scales: list[int], runs: int, work_dir: Path) -> str:
    from dashboard.core.referentiel import load_referentiel

    pages = (["app_pages/home.py"] + [f"app_pages/{q.page}.py" for q in load_referentiel().questions]
             + ["app_pages/comparaison.py", "app_pages/regions.py", "app_pages/bilan.py"])
    lines = []
    floor = _bare_page(runs, work_dir)
    print(f"bare page: {floor * 1000:.0f} ms")
    results = {}
    for scale in scales:
        print(f"scale {scale}")
        url = _build_store(scale, work_dir)
        per_page = {}
        for page in pages:
            per_page[page] = _page_times(url, page, runs)
            print(f"  {page}: cold {per_page[page][0]:.2f} s, warm {per_page[page][1] * 1000:.0f} ms")
        change = _filter_change(url, runs)
        print(f"  filter change: {change:.2f} s")
        bilan = _bilan_times(url, runs)
        print("  bilan: " + ", ".join(f"{k} {v:.1f} s" for k, v in bilan.items()))
        throughput = {name: _import_throughput(url, work_dir, name=name, ref_col=ref) for name, ref in IMPORTED}
        print("  import: " + ", ".join(f"{n} {t:,.0f} rows/s" for n, t in throughput.items()))
        results[scale] = (per_page, change, throughput, bilan)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB → MB on Linux
    lines.append(f"Measured on {dt.date.today().strftime('%d/%m/%Y')}, {platform.machine()}, "
                 f"{os.cpu_count()} cores, Python {platform.python_version()}, SQLite store; "
                 f"median of {runs} runs. Bare Streamlit page (one `st.write`): "
                 f"**{floor * 1000:.0f} ms**. Peak RSS of the benchmark process (app included): "
                 f"**{peak:,.0f} MB**.".replace(",", "\u202f"))
    lines.append("")
    header = "| page | " + " | ".join(f"scale {s} cold | scale {s} warm" for s in scales) + " |"
    lines.append(header)
    lines.append("|" + " --- |" * (1 + 2 * len(scales)))
    for page in pages:
        cells = []
        for s in scales:
            cold, warm = results[s][0][page]
            cells += [f"{cold:.2f} s ({cold / floor:.0f}×)", f"{warm * 1000:.0f} ms"]
        lines.append(f"| `{page}` | " + " | ".join(cells) + " |")
    lines.append("| filter change (Q4, territory) | " + " | ".join(
        f"{results[s][1]:.2f} s | —" for s in scales) + " |")
    for key, label in (("build", "bilan CME Loire 2019: computation"), ("html", "bilan: HTML export"),
                       ("xlsx", "bilan: XLSX export"), ("pdf", "bilan: PDF export (Chromium start included)"),
                       ("all", "**bilan in all three formats**")):
        lines.append(f"| {label} | " + " | ".join(f"{results[s][3][key]:.1f} s | —" for s in scales) + " |")
    for name, _ in IMPORTED:
        lines.append(f"| import `{name}` (20 000 rows) | " + " | ".join(
            f"{results[s][2][name]:,.0f} rows/s | —".replace(",", "\u202f") for s in scales) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboard bench")
    parser.add_argument("--scale", default="1,100", help="échelles, séparées par des virgules (défaut 1,100)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work-dir", default=None, help="dossier des bases de mesure (réutilisées)")
    parser.add_argument("--browser-only", action="store_true",
                        help="seulement le temps d'affichage dans Chromium (pages, changement de territoire)")
    args = parser.parse_args(argv)
    scales = [int(s) for s in args.scale.split(",") if s.strip()]
    work = Path(args.work_dir) if args.work_dir else Path(tempfile.mkdtemp(prefix="maintien-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    table = "" if args.browser_only else run(scales, args.runs, work) + "\n\n"
    table += browser_table(scales, args.runs, work)
    print()
    print(table)
    return 0
