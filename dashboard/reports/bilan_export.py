"""Exports of a bilan: self-contained HTML, PDF (A4) and the XLSX annex.

- HTML: one file, Plotly.js inlined, interactive charts; opens offline.
- PDF: the same template in print mode; the charts become static SVG through kaleido
  and the system Chromium (``BROWSER_PATH``); Chromium prints the page to A4 with page
  numbers in the footer and bookmarks from the headings. The table of contents gets
  its page numbers from a first print, whose outline :mod:`pypdf` reads.
- XLSX: a "Bilan" sheet (one row per indicator), one sheet per question with the
  data behind every chart (long format, numbers as numbers), and the comments; a text cell that
  could be taken for a formula (``=…``, ``+``, ``-``, ``@``) is written as text (:mod:`data_access.office`).
- Comments are plain text in every format: autoescaped in the template, line breaks kept, no Markdown.

Without Chromium, :func:`pdf_available` says why in French and the PDF export raises
:class:`PdfUnavailable`; HTML and XLSX do not need a browser.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import io
import json
import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from dashboard.core.formatting import fmt_date
from dashboard.core.freins import summary as freins_summary
from dashboard.core.kinds import spec
from dashboard.core.results import VERDICT_LABELS, VERDICT_RANK
from dashboard.core.verdict import MIN_VOLUME
from dashboard.render.tables import data_table
from dashboard.reports.bilan import Bilan, bilan_table, freins_table, objectives_table, section_figure
from data_access.office import protect_worksheet
from data_access.settings import get_settings

TEMPLATES = Path(__file__).resolve().parent / "templates"
FORMATS = ("html", "pdf", "xlsx")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
PRINT_WIDTH = 1000  # px width of the static charts (the A4 text width is ~720 CSS px: scaled down, crisp SVG)


class PdfUnavailable(RuntimeError):
    """PDF export is not possible here (no Chromium); the message is French."""


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    return env


def _local_datetime(value):
    """A comment's time as a naive Paris datetime (what a spreadsheet cell holds), or the text given."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        return aware.astimezone(ZoneInfo("Europe/Paris")).replace(tzinfo=None, microsecond=0)
    return value


def _fmt_dt(value) -> str:
    try:
        return fmt_date(value)
    except (TypeError, ValueError):
        return str(value)


def priorities(bilan: Bilan, n: int = 5) -> list:
    """The lines most off track (défavorable first), for the synthesis."""
    lines = [line for s in bilan.sections for line in s.lines
             if line.verdict_code in ("defavorable", "a_surveiller")]
    return sorted(lines, key=lambda line: -VERDICT_RANK[line.verdict_code])[:n]


def sources_text(bilan: Bilan) -> str:
    producers = sorted({line.indicator.source.producer for s in bilan.sections for line in s.lines})
    return " ; ".join(producers)


def section_figures(bilan: Bilan) -> dict[str, dict | None]:
    return {s.question.id: section_figure(s, bilan) for s in bilan.sections}


PRINT_ROWS = 4   # rows of small charts per printed image: one image never runs over an A4 page


def print_figures(bilan: Bilan, rows: int = PRINT_ROWS) -> dict[str, list[dict]]:
    """For print: each question's small multiples cut into images of at most ``rows`` rows, so that
    no chart is split across two pages (a question of 19 indicators makes two images)."""
    import dataclasses

    from dashboard.reports.bilan import SPARK_COLS

    out: dict[str, list[dict]] = {}
    per_image = rows * SPARK_COLS
    for s in bilan.sections:
        drawn = [line for line in s.lines if line.has_series]
        chunks = [drawn[i:i + per_image] for i in range(0, len(drawn), per_image)]
        figs = [section_figure(dataclasses.replace(s, lines=chunk), bilan) for chunk in chunks]
        out[s.question.id] = [f for f in figs if f]
    return out


def render_html(bilan: Bilan, *, figures: dict[str, dict | None] | None = None, interactive: bool = True,
                images: dict[str, str] | None = None, toc: dict[str, int] | None = None) -> str:
    """The bilan as one HTML document: interactive (Plotly.js inlined) or for print (``images``)."""
    from plotly.offline import get_plotlyjs

    figures = figures if figures is not None else section_figures(bilan)
    if interactive:
        # inlined in a <script> with |safe: "<" escaped so that no label can close the script element
        payload = {q: (json.dumps(f, ensure_ascii=False, default=_json_default).replace("<", "\\u003c") if f else None)
                   for q, f in figures.items()}
    else:
        payload = {q: (images or {}).get(q) for q in figures}
    return _env().get_template("bilan.html.j2").render(
        bilan=bilan, interactive=interactive, figures=payload, toc=toc,
        plotly_js=get_plotlyjs() if interactive else "",
        verdict_labels=VERDICT_LABELS, priorities=priorities(bilan), fmt_dt=_fmt_dt,
        objectives=objectives_table(bilan).to_dict("records"),
        cme_grid=bilan.cme_grid.to_dict("records") if bilan.cme_grid is not None else [],
        regions=bilan.regions.to_dict("records") if bilan.regions is not None else [],
        region_years=[str(y) for y in range(bilan.first_year, bilan.year + 1)],
        freins=_freins_rows(bilan), decisions=_decision_rows(bilan),
        freins_summary=freins_summary(bilan.freins) if bilan.freins is not None else "",
        generated=fmt_date(bilan.generated_at), sources=sources_text(bilan),
        threshold=get_settings().small_cell_threshold, min_volume=MIN_VOLUME,
    )


def _freins_rows(bilan: Bilan) -> list[dict]:
    """The tracker's rows for the template: the French table, its state code, flag and dates in French."""
    table = freins_table(bilan)
    if table.empty:
        return []
    rows = table.assign(state=list(bilan.freins["state"]), flagged=list(bilan.freins["flagged"]))
    rows["Identifié le"] = [fmt_date(d) for d in rows["Identifié le"]]
    return rows.to_dict("records")


def _decision_rows(bilan: Bilan) -> list[dict]:
    if bilan.decisions is None or bilan.decisions.empty:
        return []
    rows = bilan.decisions.copy()
    for col in ("Décidé le", "Échéance"):
        rows[col] = [fmt_date(d) if d is not None and not pd.isna(d) else "" for d in rows[col]]
    return rows.to_dict("records")


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, float):
        return None
    raise TypeError(type(value))


# --- PDF --------------------------------------------------------------------------------


def pdf_available() -> str | None:
    """None when PDF export works here, else the French reason."""
    path = get_settings().browser_path
    if not path or not (Path(path).exists() or shutil.which(path)):
        return (f"Export PDF indisponible : le navigateur Chromium est introuvable ({path or 'BROWSER_PATH vide'}). "
                "Installez le paquet « chromium » ou indiquez son chemin dans la variable BROWSER_PATH ; "
                "les exports HTML et XLSX restent disponibles.")
    return None


# kaleido's sync server is a process-wide singleton: one PDF renderer at a time per process
# (two animateurs exporting at once: the second waits a few seconds rather than sharing it).
_RENDER_LOCK = threading.Lock()


class PdfRenderer:
    """Chromium for the PDF (Playwright) and kaleido for the static charts, started once.

    Use as a context manager; the batch command keeps one for all the bilans it writes.
    """

    def __init__(self):
        reason = pdf_available()
        if reason:
            raise PdfUnavailable(reason)
        self.browser_path = get_settings().browser_path
        self._pw = None
        self._browser = None
        self._kaleido_started = False
        self._warm: threading.Thread | None = None
        self._locked = False

    def _start_kaleido(self) -> None:
        """Start kaleido's browser and render one tiny figure (its first image costs ~3 s)."""
        import kaleido
        import plotly.io as pio

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kaleido.start_sync_server(n=2, mathjax=False, silence_warnings=True)
            self._kaleido_started = True
            with contextlib.suppress(Exception):
                pio.to_image({"data": [], "layout": {}}, format="svg", width=50, height=50, validate=False)

    def __enter__(self) -> "PdfRenderer":
        from playwright.sync_api import sync_playwright

        _RENDER_LOCK.acquire()
        self._locked = True
        os.environ["BROWSER_PATH"] = self.browser_path  # kaleido (choreographer) reads it
        # warm kaleido up in the background while the caller builds its bilan
        self._warm = threading.Thread(target=self._start_kaleido, name="kaleido-warm-up", daemon=True)
        self._warm.start()
        try:
            self._pw = sync_playwright().start()
            self._browser = self._pw.chromium.launch(executable_path=self.browser_path, headless=True,
                                                     args=CHROMIUM_ARGS)
        except Exception as exc:  # noqa: BLE001 - any launch failure becomes a French message
            self.__exit__(None, None, None)
            raise PdfUnavailable("Export PDF indisponible : Chromium n'a pas pu démarrer "
                                 f"({exc.__class__.__name__}).") \
                from exc
        return self

    def __exit__(self, *exc) -> None:
        if self._warm is not None:
            self._warm.join()
            self._warm = None
        if self._kaleido_started:
            import kaleido

            with contextlib.suppress(Exception):
                kaleido.stop_sync_server(silence_warnings=True)
            self._kaleido_started = False
        if self._browser is not None:
            with contextlib.suppress(Exception):
                self._browser.close()
            self._browser = None
        if self._pw is not None:
            with contextlib.suppress(Exception):
                self._pw.stop()
            self._pw = None
        if self._locked:
            self._locked = False
            _RENDER_LOCK.release()

    def images(self, figures: dict[str, dict | None]) -> dict[str, str]:
        """Static SVG of each figure, as data: URLs (kaleido with the system Chromium)."""
        import plotly.io as pio

        from dashboard.render.geo import TOPOJSON_URL

        items = [(q, f) for q, f in figures.items() if f]
        if not items:
            return {}
        if self._warm is not None:
            self._warm.join()
            self._warm = None
        if not self._kaleido_started:
            self._start_kaleido()
        pio.defaults.topojson = TOPOJSON_URL
        with tempfile.TemporaryDirectory(prefix="bilan-img-") as tmp, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            paths = [Path(tmp) / f"{q}.svg" for q, _ in items]
            pio.write_images([f for _, f in items], paths, width=PRINT_WIDTH,
                             height=[int(f["layout"].get("height", 400)) for _, f in items], validate=False)
            return {q: "data:image/svg+xml;base64," + base64.b64encode(p.read_bytes()).decode("ascii")
                    for (q, _), p in zip(items, paths)}

    def print_pdf(self, html: str, footer: str) -> bytes:
        page = self._browser.new_page()
        try:
            page.set_content(html, wait_until="load")
            return page.pdf(
                format="A4", print_background=True, outline=True, tagged=True, prefer_css_page_size=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=(
                    "<div style=\"font-size:8px;width:100%;padding:0 12mm;color:#595959;"
                    "font-family:Arial,sans-serif;display:flex;justify-content:space-between\">"
                    f"<span>{_escape(footer)}</span><span>page <span class=\"pageNumber\"></span> / "
                    "<span class=\"totalPages\"></span></span></div>"),
                margin={"top": "16mm", "bottom": "18mm", "left": "12mm", "right": "12mm"},
            )
        finally:
            page.close()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def section_titles(bilan: Bilan) -> dict[str, str]:
    """Heading text (h2) -> anchor of each section, as the template writes them."""
    titles = {"Synthèse": "synthese", "Méthode et sources": "methode"}
    if bilan.regional:
        titles.update({"Les CME côte à côte": "cme", "Rhône-Alpes parmi les régions": "regions"})
    titles["Progrès accomplis et freins"] = "freins"
    titles["Décisions et axes d'amélioration"] = "decisions"
    titles.update({f"Question {s.question.number} · {s.question.title}": s.anchor for s in bilan.sections})
    return titles


def outline_pages(pdf: bytes, titles: dict[str, str]) -> dict[str, int]:
    """Page number (1-based) of each section, read from the PDF outline Chromium builds from the headings."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    pages: dict[str, int] = {}

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
                continue
            key = titles.get(" ".join(str(item.title).split()))
            if key and key not in pages:
                pages[key] = reader.get_destination_page_number(item) + 1

    walk(reader.outline)
    return pages


def to_pdf(bilan: Bilan, renderer: PdfRenderer, figures: dict[str, dict | None] | None = None) -> bytes:
    """A4 PDF: static charts (each question's cut into page-sized images), page numbers, table of
    contents with page numbers."""
    figures = figures if figures is not None else section_figures(bilan)
    parts = print_figures(bilan)
    flat = renderer.images({f"{q}#{i}": f for q, figs in parts.items() for i, f in enumerate(figs)})
    images = {q: [flat[f"{q}#{i}"] for i in range(len(figs)) if f"{q}#{i}" in flat] for q, figs in parts.items()}
    footer = f"{bilan.title}" + (" · données fictives" if bilan.sample else "")
    first = renderer.print_pdf(render_html(bilan, figures=figures, interactive=False, images=images,
                                           toc={"synthese": "…"}), footer)
    toc = outline_pages(first, section_titles(bilan))
    return renderer.print_pdf(render_html(bilan, figures=figures, interactive=False, images=images,
                                          toc=toc or {"synthese": ""}), footer)


# --- XLSX -------------------------------------------------------------------------------


# Every question sheet of the XLSX has these columns, in this order (a column no indicator of the
# question fills stays empty), so that a reader finds "Valeur" at the same place on every sheet.
CHART_COLUMNS = ["Indicateur", "Libellé", "Série", "Année", "Catégorie", "Valeur", "Unité", "Numérateur",
                 "Dénominateur", "Effectif", "Pour 100 000 habitants", "Situations en cours (%)",
                 "Masqué (petits effectifs)", "Données", "Remarque"]


def chart_data(bilan: Bilan, question_id: str) -> pd.DataFrame:
    """Long table of the data behind every chart of a question (numbers as numbers), in the columns
    of :data:`CHART_COLUMNS` (same order on every sheet)."""
    frames = []
    for s in bilan.sections:
        if s.question.id != question_id:
            continue
        for line in s.lines:
            t = data_table(line.result)
            if t.empty:
                continue
            t.insert(1, "Libellé", line.indicator.short_label)
            t["Série"] = t["Série"].replace({"Sélection": bilan.territory_label})
            ks = spec(line.indicator.kind)
            t["Unité"] = "%" if ks.percent else (ks.fixed_unit or line.indicator.unit or "nombre")
            frames.append(t)
    if not frames:
        return pd.DataFrame(columns=CHART_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    extra = [c for c in out.columns if c not in CHART_COLUMNS]
    return out.reindex(columns=CHART_COLUMNS + extra)


def comments_table(bilan: Bilan) -> pd.DataFrame:
    rows = []
    for c in bilan.comments:
        rows.append(("Ensemble du bilan", c))
    for s in bilan.sections:
        rows.extend((f"Q{s.question.number}", c) for c in s.comments)
        rows.extend((line.indicator.id, c) for line in s.lines for c in line.comments)
    return pd.DataFrame([{"Objet": obj, "Territoire": c.territory_label, "Auteur": c.author, "Commentaire": c.text,
                          "Mis à jour le": _local_datetime(c.updated_at)} for obj, c in rows],
                        columns=["Objet", "Territoire", "Auteur", "Commentaire", "Mis à jour le"])


PERCENT_FORMAT = "0.0 %"
POINTS_FORMAT = '+0.0" pt";-0.0" pt";0" pt"'
CHANGE_FORMAT = "+#,##0.0##;-#,##0.0##;0"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
DATE_FORMAT = "dd/mm/yyyy"


def xlsx_summary(bilan: Bilan) -> pd.DataFrame:
    """The "Bilan" sheet: the bilan's table with the change as a number (points for a share) — the
    page's table keeps its French texts."""
    table = bilan_table(bilan)
    now, before = f"Valeur {bilan.year}", f"Valeur {bilan.year - 1}"
    change = table[now] - table[before]
    table = table.drop(columns=["Évolution"])
    table.insert(table.columns.get_loc(before) + 1, "Évolution", change)
    return table


def to_xlsx(bilan: Bilan) -> bytes:
    """The XLSX annex: numbers as numbers — a share as a fraction in a % format (78,9 %), a change as a
    signed number (points for a share), a date as a date — and the same columns on every question sheet."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    buf = io.BytesIO()
    sheets: list[tuple[str, pd.DataFrame, str]] = [
        ("Bilan", xlsx_summary(bilan), f"{bilan.title} — une ligne par indicateur"),
    ]
    for s in bilan.sections:
        sheets.append((f"Q{s.question.number}", chart_data(bilan, s.question.id),
                       f"Question {s.question.number} · {s.question.title} — données des graphiques "
                       f"({bilan.first_year}-{bilan.year})"))
    if bilan.regional:
        grid = bilan.cme_grid
        shown = pd.DataFrame({"Territoire": grid["label"]})
        for s in bilan.sections:
            key = f"Q{s.question.number}"
            shown[key] = grid[f"{key} lecture"]
        sheets.insert(1, ("CME", shown, f"Les CME côte à côte : lecture d'ensemble de chaque question "
                                        f"({bilan.first_year}-{bilan.year})"))
        sheets.insert(2, ("Régions", bilan.regions, "Rhône-Alpes parmi les régions : rang (1er = le plus "
                                                    "favorable au regard de la cible)"))
    sheets.append(("Freins", freins_table(bilan), f"Progrès accomplis et freins au 31/12/{bilan.year} : actions "
                                                  "au regard de leur calendrier, résultats locaux liés"))
    if bilan.decisions is not None:
        sheets.append(("Décisions", bilan.decisions.drop(columns="overdue"),
                       f"Décisions et axes d'amélioration reportés en {bilan.year}, ouverts d'abord"))
    sheets.append(("Objectifs", objectives_table(bilan).drop(columns="code"),
                   f"Objectifs chiffrés : statut en {bilan.year}"))
    sheets.append(("Commentaires", comments_table(bilan), f"Commentaires d'analyse {bilan.year}"))
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, frame, title in sheets:
            frame.to_excel(writer, sheet_name=name, index=False, startrow=2)
            ws = writer.sheets[name]
            ws["A1"] = title + (" — DONNÉES FICTIVES" if bilan.sample else "")
            ws["A1"].font = Font(bold=True, size=13, color="CE0500" if bilan.sample else "000091")
            for cell in ws[3]:
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="E8EDFF")
            columns = list(frame.columns)
            for i, col in enumerate(columns, start=1):
                values = [str(col), *(str(v) for v in frame[col].head(200))]
                width = min(60, max(8, max(len(v) for v in values) + 2))
                ws.column_dimensions[get_column_letter(i)].width = width
                if frame[col].dtype.kind == "f":
                    for row in ws.iter_rows(min_row=4, min_col=i, max_col=i):
                        row[0].number_format = "#,##0.0##"
                elif frame[col].dtype.kind == "M" or col == "Mis à jour le":
                    for row in ws.iter_rows(min_row=4, min_col=i, max_col=i):
                        row[0].number_format = DATETIME_FORMAT
                elif any(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in frame[col].head(50)):
                    for row in ws.iter_rows(min_row=4, min_col=i, max_col=i):
                        row[0].number_format = DATE_FORMAT
            _percent_cells(ws, columns)
            for row in ws.iter_rows(min_row=4):
                for cell in row:
                    if isinstance(cell.value, str) and len(cell.value) > 60:
                        cell.alignment = Alignment(wrap_text=True, vertical="top")
            ws.freeze_panes = "A4"
            protect_worksheet(ws)  # comments, labels, titles: text, never formulas (data_access/office.py)
    return buf.getvalue()


def _percent_cells(ws, columns: list[str]) -> None:
    """On the rows whose unit is "%": values as fractions in a % format, changes in points."""
    if "Unité" not in columns:
        return
    unit_col = columns.index("Unité") + 1
    values = [i + 1 for i, c in enumerate(columns) if c == "Valeur" or c.startswith("Valeur ")]
    change = columns.index("Évolution") + 1 if "Évolution" in columns else None
    for row in ws.iter_rows(min_row=4):
        percent = row[unit_col - 1].value == "%"
        for i in values:
            cell = row[i - 1]
            if percent and isinstance(cell.value, (int, float)):
                cell.value = cell.value / 100
                cell.number_format = PERCENT_FORMAT
        if change is not None and isinstance(row[change - 1].value, (int, float)):
            row[change - 1].number_format = POINTS_FORMAT if percent else CHANGE_FORMAT


# --- all formats ------------------------------------------------------------------------


def write_bilan(bilan: Bilan, out_dir: Path, formats=FORMATS, renderer: PdfRenderer | None = None) -> list[Path]:
    """Write the requested formats under ``out_dir``; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = section_figures(bilan)
    written = []
    for fmt in formats:
        path = out_dir / f"{bilan.file_stem}.{fmt}"
        if fmt == "html":
            path.write_text(render_html(bilan, figures=figures), encoding="utf-8")
        elif fmt == "xlsx":
            path.write_bytes(to_xlsx(bilan))
        elif fmt == "pdf":
            if renderer is None:
                with PdfRenderer() as own:
                    path.write_bytes(to_pdf(bilan, own, figures))
            else:
                path.write_bytes(to_pdf(bilan, renderer, figures))
        else:
            raise ValueError(fmt)
        written.append(path)
    return written


@contextlib.contextmanager
def maybe_renderer(formats) -> Iterator[PdfRenderer | None]:
    if "pdf" not in formats:
        yield None
        return
    with PdfRenderer() as renderer:
        yield renderer
