"""Plotly figures of the indicator blocks: one :class:`IndicatorResult` in, figures out.

No Streamlit and no database here: every builder reads the already aggregated
frames described in :mod:`dashboard.core.results` and returns ``go.Figure`` objects
(or nothing when there is nothing to draw; a builder never raises on empty,
all-missing or single-year input).

The figures are projected in steering meetings (1920×1080): large fonts, no
titles (the page writes the headings), legend below the chart, French number
formats (decimal comma, narrow no-break space between thousands, ``42,5 %``),
dates as ``dd/mm/yyyy``, and a colour-blind safe palette (Okabe-Ito) doubled by
dash styles, marker symbols and bar patterns so that every chart also reads in
greyscale. The page passes :data:`PLOTLY_CONFIG` to ``st.plotly_chart``.

Displays by kind (:func:`build_figures`):

- ``count``: a line per year for the selection; the regional total (scope
  "region") on a secondary y axis, dashed;
- ``share`` / ``survey``: the share in % on a 0-100 % axis, numerator and
  denominator in the hover; a share broken down by category (``breakdown``)
  draws one line per category plus the overall share; a share's ``detail``
  (breakdown of its numerator) adds horizontal bars over the period;
- ``duration``: median per year (line) over boxes P10 / Q1 / median / Q3 / P90;
- ``typology``: stacked bars per year by category, colours + patterns;
- ``descriptor``: horizontal bars of counts per category over the period;
- ``existence``: territory (or institution) × year matrix Oui / Non / blank;
- ``calendar``: Gantt timeline of the actions, colour + pattern by status.

Targets (time series only): ``to_zero`` → zero line "Cible : 0" and a y axis
starting at 0; ``up`` / ``down`` → "Cible : ↗ hausse" / "Cible : ↘ baisse" in the
top-left corner plus the robust (Theil-Sen) trend of the verdict, dotted;
``stable`` → a ±5 % band around the mean. Small cells hidden by the computation
are left out of the plot and announced ("Cellules < 5 personnes masquées").
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.core.formatting import fmt_date, fmt_number
from dashboard.core.kinds import KINDS, spec
from dashboard.core.objectives import STATUS_COLOURS
from dashboard.core.results import IndicatorResult
from dashboard.core.verdict import judged_values

log = logging.getLogger(__name__)

# --- style ------------------------------------------------------------------------------

# Streamlit >= 1.4x registers its bundled font as "Source Sans" (the app's theme font "sans-serif" maps
# to it); "Source Sans Pro" covers installed copies and older Streamlit versions.
FONT_FAMILY = '"Source Sans", "Source Sans Pro", sans-serif'
FONT_SIZE = 17  # base font; nothing on a figure is smaller than SMALL_FONT
SMALL_FONT = 15
# d3 separators: decimal comma, narrow no-break space between thousands (as dashboard.core.formatting).
SEPARATORS = ",\u202f"
NNBSP = "\u202f"
ACCENT = "#000091"  # the app's accent (selection, highlighted region)
# Okabe-Ito, a palette distinguishable with the common colour-vision deficiencies.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
# Lines: yellow is too pale on white, so it comes last; bars may use it (they have patterns).
LINE_COLORS = ("#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#0072B2", "#000000", "#F0E442")
BAR_COLORS = OKABE_ITO
REGION_COLOR = "#D55E00"  # regional reference line (dashed)
TREND_COLOR = "#4D4D4D"
TEXT_COLOR = "#161616"  # the app theme's textColor
MUTED_COLOR = "#595959"
GRID_COLOR = "#E3E3E3"
AXIS_COLOR = "#8C8C8C"
OTHER_BAR_COLOR = "#BDBDBD"  # non-highlighted regions
EXISTS_COLOR = "#000091"
NOT_EXISTS_COLOR = "#D9DCF0"
LINE_DASHES = ("dash", "dot", "dashdot", "longdash", "longdashdot", "solid")
MARKER_SYMBOLS = ("square", "diamond", "triangle-up", "triangle-down", "x", "cross", "star", "hexagon")
BAR_PATTERNS = ("", "/", ".", "x", "\\", "-", "|", "+")

# Verdict colours (text on white), as the badges of the pages
VERDICT_COLORS = {"atteint": "#18753C", "en_bonne_voie": "#0063CB", "a_surveiller": "#B34000",
                  "defavorable": "#CE0500", "a_confirmer": "#6E445A", "donnees_insuffisantes": "#666666"}
UNKNOWN_COLOR = "#8C8C8C"  # "Non renseigné" categories
UNKNOWN_LABELS = {"Non renseigné", "Non renseignée", "Inconnu"}

HEIGHT = 360
MAX_HEIGHT = 700
MAX_CALENDAR_ITEMS = 40
MAX_BARS = 15  # horizontal bars by category: beyond, the smallest are counted in a note
STABLE_BAND = 0.05  # ± around the mean for a "stable" target
REGION_NAME = "Rhône-Alpes"

# To pass to st.plotly_chart(fig, config=PLOTLY_CONFIG, theme=None): French toolbar, no logo,
# PNG export 2×, and no "Share chart..." button (plotly.js 4 shows one by default: it uploads the
# figure, data included, to Plotly Cloud, which the data-protection rules forbid).
PLOTLY_CONFIG: dict = {
    "displaylogo": False,
    "showSendToCloud": False,
    "responsive": True,
    "scrollZoom": False,
    "modeBarButtonsToRemove": ["sendChartToCloud", "select2d", "lasso2d", "autoScale2d", "toggleSpikelines",
                               "hoverClosestCartesian", "hoverCompareCartesian"],
    "toImageButtonOptions": {"format": "png", "scale": 2, "filename": "indicateur"},
    "locale": "fr",
    "locales": {
        "fr": {
            "dictionary": {
                "Autoscale": "Échelle automatique",
                "Box Select": "Sélection rectangulaire",
                "Lasso Select": "Sélection au lasso",
                "Compare data on hover": "Comparer les données au survol",
                "Show closest data on hover": "Donnée la plus proche au survol",
                "Toggle Spike Lines": "Lignes de repère",
                "Double-click on legend to isolate one trace": "Double-cliquer sur la légende pour isoler une série",
                "Double-click to zoom back out": "Double-cliquer pour revenir au zoom initial",
                "Download plot as a png": "Télécharger le graphique (PNG)",
                "Download plot as a PNG": "Télécharger le graphique (PNG)",
                "Share chart...": "Partager le graphique…",
                "Download plot": "Télécharger le graphique",
                "Pan": "Déplacer",
                "Reset axes": "Réinitialiser les axes",
                "Reset view": "Réinitialiser la vue",
                "Reset": "Réinitialiser",
                "Zoom": "Zoomer",
                "Zoom in": "Zoom avant",
                "Zoom out": "Zoom arrière",
                "Produced with Plotly.js": "Réalisé avec Plotly.js",
                "Taking snapshot - this may take a few seconds": "Capture en cours, quelques secondes…",
                "Snapshot succeeded": "Capture réussie",
                "Sorry, there was a problem downloading your snapshot!": "Échec du téléchargement de la capture.",
                "trace": "série",
            },
            "format": {
                "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
                "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
                "months": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                           "septembre", "octobre", "novembre", "décembre"],
                "shortMonths": ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août",
                                "sept.", "oct.", "nov.", "déc."],
                "date": "%d/%m/%Y",
                "decimal": ",",
                "thousands": NNBSP,
            },
        }
    },
}




def plotly_config(filename: str = "indicateur") -> dict:
    """:data:`PLOTLY_CONFIG` with the name of the downloaded PNG (e.g. the indicator id)."""
    config = {**PLOTLY_CONFIG, "toImageButtonOptions": {**PLOTLY_CONFIG["toImageButtonOptions"]}}
    config["toImageButtonOptions"]["filename"] = re.sub(r"[^A-Za-z0-9_-]+", "_", filename).strip("_") or "indicateur"
    return config


# --- small helpers ----------------------------------------------------------------------


def _empty(frame: pd.DataFrame | None) -> bool:
    return frame is None or not isinstance(frame, pd.DataFrame) or frame.empty


def _finite(values) -> np.ndarray:
    arr = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    return arr[np.isfinite(arr)]


def _has_values(frame: pd.DataFrame | None, col: str = "value") -> bool:
    return not _empty(frame) and col in frame and _finite(frame[col]).size > 0


def _unit_title(unit: str) -> str:
    unit = (unit or "").strip()
    return unit[:1].upper() + unit[1:] if unit else ""


def _nb(value, decimals: int = 0) -> str:
    """French number for hover texts ("—" when missing)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "—"
    return "—" if not math.isfinite(value) else fmt_number(value, decimals)


def _pct(value, decimals: int = 1) -> str:
    """A share in [0, 1] → ``42,5 %`` (narrow no-break space before %, like the axis ticks)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "—"
    return "—" if not math.isfinite(value) else f"{fmt_number(value * 100, decimals)}{NNBSP}%"


def _truncate(text, width: int) -> str:
    text = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _clean_series(frame: pd.DataFrame | None, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """Year-sorted copy with int years, float values and hidden cells set to NaN.

    ``keep``: extra columns carried over (e.g. ``category_label``).
    """
    cols = ["year", "value", "numerator", "denominator", "hidden", *keep]
    if _empty(frame) or "year" not in frame or "value" not in frame:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in cols})
    f = frame.copy()
    for c in ("numerator", "denominator", *keep):
        if c not in f:
            f[c] = np.nan
    f["hidden"] = f["hidden"].fillna(False).astype(bool) if "hidden" in f else False
    f["year"] = pd.to_numeric(f["year"], errors="coerce")
    f = f.dropna(subset=["year"])
    f["year"] = f["year"].astype(int)
    for c in ("value", "numerator", "denominator"):
        f[c] = pd.to_numeric(f[c], errors="coerce").astype(float)
    f.loc[f["hidden"], ["value", "numerator", "denominator"]] = np.nan
    # what the verdict reads (verdict.judged_values): the transmission status and the cohort flag
    cols += [c for c in ("status", "incomplete") if c in f and c not in cols]
    return f.sort_values("year", kind="stable")[cols].reset_index(drop=True)


_PERIOD_PREFIX = re.compile(r"^\s*\d{4}(\s*-\s*\d{4})?\s*·\s*")


def _selection_name(result: IndicatorResult) -> str:
    """Legend name of the selection: its label without the period ("2016-2020 · Isère (38)" → "Isère (38)")."""
    label = str(result.selection_label or "").strip()
    return _PERIOD_PREFIX.sub("", label) or label or "Sélection"


def _series(result: IndicatorResult, scope: str) -> pd.DataFrame:
    s = result.series
    if _empty(s) or "scope" not in s:
        return _clean_series(None)
    return _clean_series(s[s["scope"] == scope])


def _hidden_count(result: IndicatorResult, *frames: pd.DataFrame | None) -> int:
    """Hidden cells to announce: the result's count, or the hidden rows of the frames drawn."""
    drawn = sum(int(f["hidden"].fillna(False).astype(bool).sum())
                for f in frames if not _empty(f) and "hidden" in f)
    return max(int(result.hidden_cells or 0), drawn)


# --- layout -----------------------------------------------------------------------------


def base_layout(fig: go.Figure, *, height: int = HEIGHT, y_title: str | None = None,
                x_title: str | None = None, showlegend: bool = True, hovermode: str | bool = "closest",
                legend_y: float = -0.14) -> go.Figure:
    """The shared look: white background, light grid, large fonts, legend below, French separators."""
    fig.update_layout(
        template="none",
        separators=SEPARATORS,
        font=dict(family=FONT_FAMILY, size=FONT_SIZE, color=TEXT_COLOR),
        paper_bgcolor="white",
        plot_bgcolor="white",
        height=int(height),
        autosize=True,
        margin=dict(l=10, r=16, t=44, b=10, pad=4),
        showlegend=showlegend,
        legend=dict(orientation="h", x=0, xanchor="left", y=legend_y, yanchor="top",
                    font=dict(size=SMALL_FONT + 1), title=dict(text=""), itemsizing="constant",
                    bgcolor="rgba(255,255,255,0)", tracegroupgap=4),
        hovermode=hovermode,
        hoverlabel=dict(font=dict(family=FONT_FAMILY, size=SMALL_FONT + 1, color=TEXT_COLOR), bgcolor="white",
                        bordercolor=AXIS_COLOR, namelength=-1),
        bargap=0.25,
    )
    axis = dict(showgrid=True, gridcolor=GRID_COLOR, gridwidth=1, zeroline=False, showline=True,
                linecolor=AXIS_COLOR, linewidth=1, ticks="outside", tickcolor=AXIS_COLOR, ticklen=4,
                automargin=True, tickfont=dict(size=SMALL_FONT + 1),
                title=dict(font=dict(size=SMALL_FONT + 1), standoff=8))
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis)
    if y_title is not None:
        fig.update_layout(yaxis_title_text=y_title)
    if x_title is not None:
        fig.update_layout(xaxis_title_text=x_title)
    return fig


# Margins sized before Plotly draws. With ``automargin`` Plotly draws a figure, measures its tick labels
# and legend, and draws it again when they need more room than the margins give: the second pass was a
# quarter of a question page's chart time (docs/benchmarks.md). The margins below are an estimate of
# that room from the figure's own labels (Source Sans at the tick size: about 8 px a character), a
# little generous; ``automargin`` stays on, so a label wider than the estimate is still never cut.
_TICK_CHAR_PX = 8.2
_LEGEND_LINE_PX = 26
_LEGEND_LINE_CHARS = 95            # as _legend_height: about 4 entries a line


def _stack_top(fig: go.Figure) -> float:
    """The largest value the y axis must show (bars stacked when the figure stacks them)."""
    stacked: dict = {}
    top = 0.0
    stack = fig.layout.barmode in ("stack", "relative")
    for tr in fig.data:
        if getattr(tr, "orientation", None) == "h" or tr.y is None:
            continue
        ys = pd.to_numeric(pd.Series(list(tr.y)), errors="coerce")
        if tr.type == "bar" and stack and tr.x is not None:
            for x, y in zip(list(tr.x), ys):
                if pd.notna(y) and y > 0:
                    stacked[x] = stacked.get(x, 0.0) + float(y)
        elif ys.notna().any():
            top = max(top, float(ys.abs().max()))
    return max([top, *stacked.values()])


def _y_label_chars(fig: go.Figure) -> int | None:
    """Characters of the widest y tick label, estimated (None when the axis shows none)."""
    ya = fig.layout.yaxis
    if ya.showticklabels is False or ya.visible is False:
        return None
    if ya.ticktext:
        return max(len(str(t)) for t in ya.ticktext)
    horizontal = [tr for tr in fig.data if getattr(tr, "orientation", None) == "h" and tr.y is not None]
    if ya.type == "category" or horizontal:
        labels = [str(v) for tr in (horizontal or fig.data) if tr.y is not None for v in tr.y]
        return max((len(t) for t in labels), default=None)
    if "%" in (ya.tickformat or "") or "%" in (ya.ticksuffix or ""):
        return 5                                              # "100 %"
    if ya.range is not None and all(v is not None for v in ya.range):
        top = max(abs(float(v)) for v in ya.range)
    else:
        top = _stack_top(fig) * 1.1
    if not math.isfinite(top) or top < 5:
        return 3                                              # "0,5", "2,5"
    step = 10 ** math.floor(math.log10(top))
    return len(fmt_number(math.ceil(top / step) * step, 0))   # the top tick, rounded up: "10", "2 000"


def presize_margins(fig: go.Figure) -> go.Figure:
    """Left and bottom margins as the tick labels, axis titles and legend below will need them (see
    above); a figure with several axes, or without automargin, is left as it is — and so is one whose
    estimate fails: an estimate must never cost a chart."""
    try:
        return _presize_margins(fig)
    except Exception:  # noqa: BLE001 - Plotly's automargin still sizes the figure
        log.exception("margins of a figure could not be estimated")
        return fig


def _presize_margins(fig: go.Figure) -> go.Figure:
    lay = fig.layout
    if any(re.match(r"^[xy]axis\d", k) for k in lay.to_plotly_json()) \
            or lay.yaxis.automargin is not True or lay.xaxis.automargin is not True:
        return fig
    margin = lay.margin
    chars = _y_label_chars(fig)
    if chars is not None:
        categorical = lay.yaxis.type == "category" or any(getattr(tr, "orientation", None) == "h" for tr in fig.data)
        left = (18 if categorical else 20) + _TICK_CHAR_PX * chars + (26 if lay.yaxis.title.text else 0)
        fig.update_layout(margin_l=max(int(margin.l or 0), math.ceil(left)))
    x_ticks = lay.xaxis.showticklabels is not False
    bottom = 45 if x_ticks and lay.xaxis.side != "top" else 12
    if x_ticks and lay.xaxis.side == "top":                  # the x tick labels above the plot
        fig.update_layout(margin_t=max(int(margin.t or 0), 38))
    if lay.xaxis.title.text:
        bottom += 22
    names = [str(tr.name) for tr in fig.data if tr.name and tr.showlegend is not False]
    lines = max(1, math.ceil(sum(len(n) + 6 for n in names) / _LEGEND_LINE_CHARS))
    if lay.showlegend is not False and names and lay.legend.y is not None and lay.legend.y > 1:  # above
        fig.update_layout(margin_t=max(int(margin.t or 0), 10 + _LEGEND_LINE_PX * lines))
    if lay.showlegend is not False and names and (lay.legend.y is None or lay.legend.y < 0):
        plot = (lay.height or HEIGHT) - (margin.t or 0)
        offset = -(lay.legend.y if lay.legend.y is not None else -0.14)
        bottom = max(bottom, math.ceil((offset * plot + _LEGEND_LINE_PX * lines + 20) / (1 + offset)))
    fig.update_layout(margin_b=max(int(margin.b or 0), bottom))
    return fig


def _year_axis(fig: go.Figure, years, *, pad: float = 0.35) -> None:
    """Integer years only (no 2016.5 ticks), and no thousands separator in a year."""
    years = sorted({int(y) for y in years})
    if not years:
        return
    lo, hi = years[0], years[-1]
    fig.update_xaxes(tickmode="array", tickvals=years, ticktext=[str(y) for y in years],
                     tickformat="d", hoverformat="d", range=[lo - pad, hi + pad], showgrid=False)


def _note_hidden(fig: go.Figure, result: IndicatorResult, *frames) -> None:
    if _hidden_count(result, *frames) > 0:
        fig.add_annotation(
            text=f"<i>Cellules &lt; {int(result.small_cell_threshold)} personnes masquées</i>",
            xref="paper", yref="paper", x=1, y=1, xanchor="right", yanchor="bottom", yshift=6,
            showarrow=False, font=dict(size=SMALL_FONT, color=MUTED_COLOR), name="cellules_masquees",
        )


def _arrow_note(direction: str) -> str:
    """ "Cible : ↗ hausse" / "Cible : ↘ baisse", the arrow enlarged (small glyph in Source Sans)."""
    arrow, word = ("↗", "hausse") if direction == "up" else ("↘", "baisse")
    return f'Cible : <span style="font-size:{FONT_SIZE + 5}px">{arrow}</span> {word}'


def _corner_note(fig: go.Figure, text: str, name: str) -> None:
    fig.add_annotation(text=text, xref="paper", yref="paper", x=0, y=1, xanchor="left", yanchor="bottom",
                       yshift=6, showarrow=False, font=dict(size=SMALL_FONT + 1, color=TEXT_COLOR), name=name)


def _add_target(fig: go.Figure, result: IndicatorResult, sel: pd.DataFrame, *, scale: float = 1.0) -> None:
    """The charter's target on a yearly chart (``sel``: the selection series, values not scaled)."""
    direction = result.indicator.direction
    values = sel["value"].to_numpy(dtype=float) * scale if not sel.empty else np.array([])
    ok = np.isfinite(values)
    if direction == "to_zero":
        top = max(float(values[ok].max()) if ok.any() else 0.0, 1.0)
        fig.add_hline(y=0, line=dict(color=TEXT_COLOR, width=2.5),
                      annotation=dict(text="<b>Cible : 0</b>", font=dict(size=SMALL_FONT + 1, color=TEXT_COLOR),
                                      bgcolor="rgba(255,255,255,0.85)", name="cible"),
                      annotation_position="top left")
        # the axis includes 0, and a little below so that the target line is not hidden by the axis line
        fig.update_layout(yaxis_range=[-0.04 * top, 1.15 * top])
    elif direction in ("up", "down"):
        _corner_note(fig, _arrow_note(direction), "cible")
        slope = getattr(result.verdict, "slope", None) if result.verdict is not None else None
        # the line goes through the years the verdict read: not a hidden, partial or incomplete year
        judged = judged_values(sel.set_index("year")).to_numpy(dtype=float) * scale if not sel.empty \
            else np.array([])
        jok = np.isfinite(judged)
        if slope is not None and math.isfinite(slope) and jok.sum() >= 2:
            years = sel["year"].to_numpy(dtype=float)[jok]
            x0, y0 = float(np.median(years)), float(np.median(judged[jok]))
            xs = np.array([years.min(), years.max()])
            ys = y0 + slope * scale * (xs - x0)
            fig.add_trace(go.Scatter(
                x=xs, y=ys, mode="lines", name="Tendance (pente robuste)",
                line=dict(color=TREND_COLOR, width=2.5, dash="dot"), hoverinfo="skip",
            ))
    elif direction == "stable" and ok.any():
        mean = float(np.mean(values[ok]))
        fig.add_hrect(y0=mean * (1 - STABLE_BAND), y1=mean * (1 + STABLE_BAND), line_width=0,
                      fillcolor=ACCENT, opacity=0.10, layer="below")
        _corner_note(fig, "Cible : stabilité (± 5 % autour de la moyenne)", "cible")
    _add_objectives(fig, result, sel)


def _add_objectives(fig: go.Figure, result: IndicatorResult, sel: pd.DataFrame) -> None:
    """The numeric objectives set for the indicator (dashboard/core/objectives.py) as target lines: a
    dashed segment at the target over the objective's years within the period (its target is in the unit
    the chart shows), a diamond at the deadline of an "à l'échéance" objective; hover tells the status."""
    if not result.objectives or sel.empty:
        return
    shown = sel["year"].astype(int)
    lo, hi = int(shown.min()), int(shown.max())
    for status in result.objectives:
        obj = status.objective
        first, last = max(obj.first_year, lo), min(obj.last_year, hi)
        if first > last:
            continue
        colour = STATUS_COLOURS[status.code]
        hover = f"{status.sentence}<br><b>{status.label}</b><extra></extra>"
        fig.add_trace(go.Scatter(
            x=[first - 0.4, last + 0.4], y=[obj.target, obj.target], mode="lines",
            name=f"Objectif ({status.label.lower()})", line=dict(color=colour, width=2.5, dash="dash"),
            hovertemplate=hover, meta="objectif"))
        fixed = fig.layout.yaxis.range
        if fixed is not None and obj.target > fixed[1] / 1.15:   # a fixed axis (to zero) shows the target too
            fig.update_layout(yaxis_range=[fixed[0], 1.15 * obj.target])
        if obj.rule == "echeance" and obj.last_year <= hi:
            fig.add_trace(go.Scatter(
                x=[obj.last_year], y=[obj.target], mode="markers", showlegend=False, hovertemplate=hover,
                marker=dict(symbol="diamond", size=13, color=colour, line=dict(color="white", width=1.5)),
                meta="objectif"))


# --- count ----------------------------------------------------------------------------


def count_figures(result: IndicatorResult) -> list[go.Figure]:
    """The selection's counts on one axis, with the target; in a territory view, a second chart
    compares its evolution with the region's as an index (100 = the first year both have), never on
    two axes whose scales the reader would have to match."""
    ind = result.indicator
    sel, reg = _series(result, "selection"), _series(result, "region")
    if not _has_values(sel):
        return []
    unit = ind.unit
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=sel["year"], y=sel["value"], mode="lines+markers", name=_selection_name(result),
        line=dict(color=ACCENT, width=3.5), marker=dict(size=10, symbol="circle", color=ACCENT),
        hovertemplate=f"%{{fullData.name}} : %{{y:,.0f}} {unit}<extra></extra>", connectgaps=False,
    ))
    base_layout(fig, y_title=_unit_title(unit), hovermode="x unified")
    fig.update_yaxes(rangemode="tozero", tickformat=",~f", hoverformat=",.0f")
    _year_axis(fig, list(sel["year"]))
    _add_target(fig, result, sel)
    _note_hidden(fig, result, sel)
    compared = index_figure(result, sel, reg) if _has_values(reg) else None
    return [fig] + ([compared] if compared is not None else [])


def index_figure(result: IndicatorResult, sel: pd.DataFrame, reg: pd.DataFrame) -> go.Figure | None:
    """The selection and the region as indices, 100 = the first year where both have a value."""
    s = sel.set_index("year")["value"].astype(float)
    r = reg.set_index("year")["value"].astype(float)
    common = [y for y in s.index if y in r.index and np.isfinite(s[y]) and np.isfinite(r[y]) and s[y] > 0
              and r[y] > 0]
    if not common or len(s.dropna()) < 2:
        return None
    base = min(common)
    fig = go.Figure()
    for series, name, color, dash, symbol in ((s, _selection_name(result), ACCENT, "solid", "circle"),
                                              (r, REGION_NAME, REGION_COLOR, "dash", "square")):
        index = series / series[base] * 100
        fig.add_trace(go.Scatter(
            x=list(index.index), y=[None if not np.isfinite(v) else v for v in index], mode="lines+markers",
            name=f"{name} (indice)", line=dict(color=color, width=3 if dash == "solid" else 2.5, dash=dash),
            marker=dict(size=9, symbol=symbol, color=color), connectgaps=False,
            customdata=[fmt_number(v, 0) if np.isfinite(v) else "—" for v in series.reindex(index.index)],
            hovertemplate=f"{name} : indice %{{y:,.0f}} (%{{customdata}} {result.indicator.unit})<extra></extra>",
        ))
    base_layout(fig, height=280, y_title=f"Indice (100 en {base})", hovermode="x unified")
    fig.add_hline(y=100, line=dict(color=GRID_COLOR, width=1.5))
    fig.update_layout(title=dict(text=f"Évolution comparée avec {REGION_NAME} (indice 100 en {base})",
                                 font=dict(size=SMALL_FONT + 2), x=0, xanchor="left"))
    fig.update_yaxes(tickformat=",~f", hoverformat=",.0f")
    _year_axis(fig, list(s.index) + list(r.index))
    return fig


# --- share and survey -------------------------------------------------------------------


def _share_hover(num, den, value, survey: bool) -> str:
    """``42,5 % (85 / 200)`` or ``42,5 % (85 répondants d'accord sur 200)``."""
    pct = _pct(value)
    if not (np.isfinite(num) and np.isfinite(den)):
        return pct
    if survey:
        return f"{pct} ({_nb(num)} répondants d'accord sur {_nb(den)})"
    return f"{pct} ({_nb(num)} / {_nb(den)})"


def _share_trace(frame: pd.DataFrame, name: str, survey: bool, **style) -> go.Scatter:
    num = frame["numerator"].to_numpy(dtype=float)
    den = frame["denominator"].to_numpy(dtype=float)
    val = frame["value"].to_numpy(dtype=float)
    hidden = frame["hidden"].to_numpy(dtype=bool) if "hidden" in frame else np.zeros(len(frame), dtype=bool)
    texts = ["s (secret statistique)" if h else _share_hover(n, d, v, survey)
             for n, d, v, h in zip(num, den, val, hidden)]
    customdata = np.empty((len(frame), 3), dtype=object)
    if len(frame):
        customdata[:, 0], customdata[:, 1], customdata[:, 2] = num, den, texts
    return go.Scatter(
        x=frame["year"], y=val * 100, mode="lines+markers", name=name, customdata=customdata,
        hovertemplate="%{fullData.name} : %{customdata[2]}<extra></extra>", cliponaxis=False, **style,
    )


def _percent_axis(fig: go.Figure) -> None:
    # (tickmode "array" would drop the suffix: plotly.js applies ticksuffix to generated ticks only)
    fig.update_yaxes(range=[0, 100], tickmode="linear", tick0=0, dtick=20, ticksuffix=f"{NNBSP}%",
                     tickformat="d", hoverformat=".1f")


def share_figures(result: IndicatorResult) -> list[go.Figure]:
    ind = result.indicator
    ks = spec(ind.kind)
    survey = ks.respondents
    sel, reg = _series(result, "selection"), _series(result, "region")
    breakdown = result.breakdown
    by_category = ks.breakdown and _has_values(breakdown) and {"category_label", "year"} <= set(breakdown)
    figures: list[go.Figure] = []
    if by_category or _has_values(sel):
        fig = go.Figure()
        years = list(sel["year"])
        if by_category:
            b = breakdown.copy()
            b["category_label"] = b["category_label"].fillna("Non renseigné").astype(str)
            order = (b.groupby("category_label", sort=False)["denominator"].sum()
                     .sort_values(ascending=False).index.tolist())
            for i, label in enumerate(order):
                part = _clean_series(b[b["category_label"] == label])
                if not _has_values(part):
                    continue
                color = UNKNOWN_COLOR if label in UNKNOWN_LABELS else LINE_COLORS[i % len(LINE_COLORS)]
                fig.add_trace(_share_trace(
                    part, label, survey,
                    line=dict(color=color, width=2.5, dash=LINE_DASHES[i % len(LINE_DASHES)]),
                    marker=dict(size=10, color=color, symbol=MARKER_SYMBOLS[i % len(MARKER_SYMBOLS)]),
                ))
                years += list(part["year"])
            if _has_values(sel):
                fig.add_trace(_share_trace(sel, "Ensemble", survey,
                                           line=dict(color=ACCENT, width=4),
                                           marker=dict(size=10, color=ACCENT, symbol="circle")))
        else:
            fig.add_trace(_share_trace(sel, _selection_name(result), survey,
                                       line=dict(color=ACCENT, width=3.5),
                                       marker=dict(size=10, color=ACCENT, symbol="circle")))
            if _has_values(reg):
                fig.add_trace(_share_trace(reg, REGION_NAME, survey,
                                           line=dict(color=REGION_COLOR, width=2.5, dash="dash"),
                                           marker=dict(size=9, color=REGION_COLOR, symbol="square")))
                years += list(reg["year"])
        y_title = "Part des répondants d'accord" if survey else "Part"
        base_layout(fig, y_title=y_title, hovermode="x unified")
        _percent_axis(fig)
        _year_axis(fig, years)
        if not by_category:
            _add_target(fig, result, sel, scale=100.0)
        elif ind.direction in ("up", "down"):
            _corner_note(fig, _arrow_note(ind.direction), "cible")
        _note_hidden(fig, result, sel, breakdown if by_category else None)
        figures.append(fig)
    figures += detail_figures(result)
    return figures


def detail_figures(result: IndicatorResult) -> list[go.Figure]:
    """A share's numerator broken down by category over the period: horizontal bars, one titled
    figure per column of the detail (e.g. by company size, then by sector)."""
    d = result.detail
    if not _has_values(d) or "category_label" not in d:
        return []
    figures = []
    parts = d.groupby("dimension", sort=False, dropna=False) if "dimension" in d else [(None, d)]
    for _dim, part in parts:
        fig = _category_bars(part, "", x_title="Effectif (total sur la période)")
        if fig is None:
            continue
        label = part["dimension_label"].iloc[0] if "dimension_label" in part else None
        by = f" par {str(label)[0].lower()}{str(label)[1:]}" if label else ""
        fig.update_layout(
            title=dict(text=f"{result.indicator.short_label} : répartition{by} sur la période", x=0, xref="paper",
                       xanchor="left", y=1, yref="container", yanchor="top", pad=dict(t=8),
                       font=dict(size=SMALL_FONT + 2)),
            margin_t=48,
        )
        _note_hidden(fig, result, part)
        figures.append(fig)
    return figures


# --- duration ---------------------------------------------------------------------------


def duration_figures(result: IndicatorResult) -> list[go.Figure]:
    ind = result.indicator
    unit = ind.unit or "jours"
    sel, reg = _series(result, "selection"), _series(result, "region")
    dist = result.distribution
    stats = ["p10", "q1", "median", "q3", "p90"]
    if not _empty(dist) and {"year", *stats} <= set(dist):
        dist = dist.copy()
        dist["year"] = pd.to_numeric(dist["year"], errors="coerce")
        dist = dist.dropna(subset=["year", *stats]).astype({"year": int}).sort_values("year")
        # belt and braces: no box for a year whose median is hidden, or that counts too few persons
        hidden_years = set(sel.loc[sel["hidden"], "year"])
        dist = dist[~dist["year"].isin(hidden_years)]
        if "n" in dist and ind.source.case_level:
            dist = dist[pd.to_numeric(dist["n"], errors="coerce").fillna(0) >= result.small_cell_threshold]
    else:
        dist = None
    if not _has_values(sel) and _empty(dist):
        return []
    fig = go.Figure()
    years = list(sel["year"])
    if not _empty(dist):
        fig.add_trace(go.Box(
            x=dist["year"], q1=dist["q1"], median=dist["median"], q3=dist["q3"],
            lowerfence=dist["p10"], upperfence=dist["p90"], name="Répartition (P10, quartiles, P90)",
            marker=dict(color=ACCENT), line=dict(color=ACCENT, width=1.5), fillcolor="rgba(0,0,145,0.12)",
            width=0.45, hoverinfo="skip", boxpoints=False,
        ))
        years += list(dist["year"])
    line = sel if _has_values(sel) else pd.DataFrame({"year": dist["year"], "value": dist["median"]})
    hover = []
    by_year = dist.set_index("year") if not _empty(dist) else pd.DataFrame()
    for y, v in zip(line["year"], line["value"]):
        text = f"Médiane : {_nb(v)} {unit}"
        if y in by_year.index:
            r = by_year.loc[y]
            text += (f"<br>Quartiles : {_nb(r['q1'])} à {_nb(r['q3'])} {unit}"
                     f"<br>P10 - P90 : {_nb(r['p10'])} à {_nb(r['p90'])} {unit}")
            if "n" in by_year.columns:
                text += f"<br>{_nb(r['n'])} situations"
        hover.append(text)
    fig.add_trace(go.Scatter(
        x=line["year"], y=line["value"], mode="lines+markers", name=f"Délai médian, {_selection_name(result)}",
        line=dict(color=ACCENT, width=3.5), marker=dict(size=10, color=ACCENT), customdata=hover,
        hovertemplate="%{customdata}<extra></extra>",
    ))
    if _has_values(reg):
        fig.add_trace(go.Scatter(
            x=reg["year"], y=reg["value"], mode="lines+markers", name=f"Délai médian, {REGION_NAME}",
            line=dict(color=REGION_COLOR, width=2.5, dash="dash"),
            marker=dict(size=9, color=REGION_COLOR, symbol="square"),
            hovertemplate=f"{REGION_NAME} : médiane %{{y:,.0f}} {unit}<extra></extra>",
        ))
        years += list(reg["year"])
    base_layout(fig, y_title=_unit_title(unit))
    fig.update_yaxes(rangemode="tozero", tickformat=",~f", hoverformat=",.0f")
    _year_axis(fig, years, pad=0.5)
    _add_target(fig, result, sel if _has_values(sel) else line)
    _note_hidden(fig, result, sel)
    return [fig]


# --- typology ---------------------------------------------------------------------------


def _bar_style(i: int) -> dict:
    color = BAR_COLORS[i % len(BAR_COLORS)]
    shape = BAR_PATTERNS[(i + i // len(BAR_COLORS)) % len(BAR_PATTERNS)]
    return dict(color=color, line=dict(color="white", width=0.8),
                pattern=dict(shape=shape, fillmode="overlay", size=9, solidity=0.3))


MAX_STACKED = 10
OTHERS_LABEL = "Autres"


def typology_figures(result: IndicatorResult) -> list[go.Figure]:
    b = result.breakdown
    if not _has_values(b) or not {"year", "category_label"} <= set(b):
        return []
    b = b.copy()
    b["category_label"] = b["category_label"].fillna("Non renseigné").astype(str)
    clean = _clean_series(b, keep=("category_label",))
    if not _has_values(clean):
        return []
    totals_by_cat = clean.groupby("category_label", sort=False)["value"].sum(min_count=1).dropna()
    # categories whose every cell is hidden stay out of the legend (the note says cells are masked)
    order = totals_by_cat.sort_values(ascending=False).index.tolist()
    if len(order) > MAX_STACKED:
        # beyond MAX_STACKED categories a stacked bar is unreadable: keep the largest, group the rest
        keep = set(order[:MAX_STACKED - 1])
        clean.loc[~clean["category_label"].isin(keep), "category_label"] = OTHERS_LABEL
        clean = clean.groupby(["year", "category_label"], as_index=False)["value"].sum(min_count=1)
        order = order[:MAX_STACKED - 1] + [OTHERS_LABEL]
    unit = result.indicator.unit
    fig = go.Figure()
    for i, label in enumerate(order):
        part = clean[clean["category_label"] == label]
        fig.add_trace(go.Bar(
            x=part["year"], y=part["value"], name=label, marker=_bar_style(i),
            hovertemplate=f"%{{fullData.name}}<br>%{{x}} : %{{y:,.0f}} {unit}<extra></extra>",
        ))
    # the yearly total (all categories, masked cells included) written above each bar
    sel = _series(result, "selection")
    stacked = clean.groupby("year")["value"].sum(min_count=1)
    if _has_values(sel):
        tot = sel.dropna(subset=["value"])
        tops = [max(float(v), float(stacked.get(y, 0) or 0)) for y, v in zip(tot["year"], tot["value"])]
        fig.add_trace(go.Scatter(
            x=tot["year"], y=tops, mode="text", text=[f"Total : {_nb(v)}" for v in tot["value"]],
            textposition="top center", textfont=dict(size=SMALL_FONT, color=TEXT_COLOR), showlegend=False,
            name="Total", hoverinfo="skip", cliponaxis=False,
        ))
        top = max(tops + [float(stacked.max())])
    else:
        sel, top = clean.iloc[0:0], float(stacked.max())
    base_layout(fig, y_title=_unit_title(unit), height=_legend_height(HEIGHT + 20, order))
    fig.update_layout(barmode="stack", legend_traceorder="normal")
    fig.update_yaxes(range=[0, top * 1.12], tickformat=",~f")
    _year_axis(fig, clean["year"], pad=0.6)
    if result.indicator.direction in ("up", "down"):
        _add_target(fig, result, sel)
    _note_hidden(fig, result, b)
    return [fig]


def _legend_height(height: int, labels) -> int:
    """More room when the legend below will wrap over several lines (about 4 entries a line)."""
    chars = sum(len(str(s)) + 6 for s in labels)
    lines = max(1, math.ceil(chars / 95))
    return min(MAX_HEIGHT, height + 28 * (lines - 1))


# --- descriptor -------------------------------------------------------------------------


def _category_bars(frame: pd.DataFrame, unit: str, x_title: str | None = None) -> go.Figure | None:
    """Horizontal bars of a value summed by category_label, largest on top."""
    f = frame.copy()
    f["category_label"] = f["category_label"].fillna("Non renseigné").astype(str)
    f["value"] = pd.to_numeric(f["value"], errors="coerce")
    if "hidden" in f:
        f.loc[f["hidden"].fillna(False).astype(bool), "value"] = np.nan
    totals = f.groupby("category_label")["value"].sum(min_count=1).dropna()
    totals = totals[totals > 0].sort_values(ascending=False)
    if totals.empty:
        return None
    rest = totals.iloc[MAX_BARS:]  # beyond MAX_BARS, the smallest categories are only counted in a note
    totals = totals.iloc[:MAX_BARS].iloc[::-1]  # largest on top
    labels = [_truncate(s, 48) for s in totals.index]
    fig = go.Figure(go.Bar(
        x=totals.to_numpy(), y=labels, orientation="h", marker=dict(color=ACCENT),
        text=[_nb(v) for v in totals], textposition="outside", cliponaxis=False, constraintext="none",
        textfont=dict(size=SMALL_FONT + 1), customdata=list(totals.index),
        hovertemplate=f"%{{customdata}} : %{{x:,.0f}} {unit}".rstrip() + "<extra></extra>",
    ))
    height = min(MAX_HEIGHT, max(240, 90 + 44 * len(totals)))
    if x_title is None:
        x_title = _unit_title(unit) + " (total sur la période)"
    base_layout(fig, height=height, x_title=x_title, showlegend=False)
    fig.update_xaxes(rangemode="tozero", tickformat=",~f", range=[0, float(totals.max()) * 1.15])
    if float(totals.max()) < 10:  # counts: whole numbers only, no "0,5 collaboration"
        fig.update_xaxes(tickmode="linear", tick0=0, dtick=1)
    fig.update_yaxes(showgrid=False, ticks="", type="category")
    fig.update_layout(margin_t=12)
    if len(rest):
        fig.add_annotation(
            text=f"<i>Non représentées : {len(rest)} autres catégories, {_nb(rest.sum())} au total</i>",
            xref="paper", yref="paper", x=1, y=0, xanchor="right", yanchor="bottom", yshift=4,
            showarrow=False, font=dict(size=SMALL_FONT, color=MUTED_COLOR), bgcolor="rgba(255,255,255,0.9)",
            name="categories_non_representees")
    return fig


def descriptor_figures(result: IndicatorResult) -> list[go.Figure]:
    b = result.breakdown
    if _has_values(b) and "category_label" in b:
        frame = b
    elif not _empty(result.records) and "category_label" in result.records:
        # no breakdown: count the records themselves
        frame = (result.records.assign(category_label=result.records["category_label"].replace("", np.nan))
                 .groupby("category_label", dropna=True).size().rename("value").reset_index())
    else:
        return []
    fig = _category_bars(frame, result.indicator.unit)
    if fig is None:
        return []
    if _hidden_count(result, b) > 0:
        fig.update_layout(margin_t=40)
        _note_hidden(fig, result, b)
    return [fig]


# --- existence --------------------------------------------------------------------------

EXISTS_LABELS = {1.0: "Oui", 0.0: "Non"}


def existence_figures(result: IndicatorResult) -> list[go.Figure]:
    m = result.matrix
    if _empty(m) or not {"row", "year", "exists"} <= set(m):
        return []
    m = m.copy()
    m["year"] = pd.to_numeric(m["year"], errors="coerce")
    m = m.dropna(subset=["year"])
    if m.empty:
        return []
    m["year"] = m["year"].astype(int)
    if "row_label" not in m:
        m["row_label"] = m["row"].astype(str)
    m["row_label"] = m["row_label"].fillna(m["row"].astype(str)).astype(str)

    def state(v) -> float:
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            return np.nan
        return 1.0 if bool(v) else 0.0

    m["z"] = m["exists"].map(state)
    # one state per row and year: "exists" wins over "does not exist" if rows repeat
    cell = m.groupby(["row", "year"])["z"].max()
    rows = sorted(dict.fromkeys(m["row"]), key=str)  # territory codes follow the département numbers
    labels = m.drop_duplicates("row").set_index("row")["row_label"]
    years = list(range(int(m["year"].min()), int(m["year"].max()) + 1))
    z = np.full((len(rows), len(years)), np.nan)
    for (row, year), v in cell.items():
        z[rows.index(row), years.index(int(year))] = v
    text = [[EXISTS_LABELS.get(v, "") if np.isfinite(v) else "" for v in line] for line in z]
    hover = [[EXISTS_LABELS.get(v, "Pas d'information") if np.isfinite(v) else "Pas d'information"
              for v in line] for line in z]
    ylabels = [_truncate(labels.get(r, r), 40) for r in rows]
    seen: dict[str, int] = {}
    for k, lab in enumerate(ylabels):  # a category axis would merge rows with the same label
        seen[lab] = seen.get(lab, 0) + 1
        if seen[lab] > 1:
            ylabels[k] = f"{lab} ({rows[k]})"
    xlabels = [str(y) for y in years]
    fig = go.Figure(go.Heatmap(
        z=z, x=xlabels, y=ylabels, text=text, texttemplate="%{text}", customdata=hover,
        textfont=dict(size=SMALL_FONT + 1, family=FONT_FAMILY),
        colorscale=[[0, NOT_EXISTS_COLOR], [0.5, NOT_EXISTS_COLOR], [0.5, EXISTS_COLOR], [1, EXISTS_COLOR]],
        zmin=0, zmax=1, showscale=False, xgap=3, ygap=3, hoverongaps=False,
        hovertemplate="%{y} — %{x} : %{customdata}<extra></extra>", name="",
    ))
    # legend of the three states (square markers outside the plotted range)
    for label, color, line in (("Oui : existe", EXISTS_COLOR, EXISTS_COLOR),
                               ("Non : n'existe pas", NOT_EXISTS_COLOR, AXIS_COLOR),
                               ("Blanc : pas d'information", "white", AXIS_COLOR)):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=label, hoverinfo="skip",
                                 marker=dict(symbol="square", size=16, color=color, line=dict(color=line, width=1))))
    height = min(MAX_HEIGHT, max(260, 130 + 38 * len(rows)))
    base_layout(fig, height=height, legend_y=-0.03)
    fig.update_xaxes(type="category", showgrid=False, showline=False, ticks="", side="top")
    fig.update_yaxes(type="category", autorange="reversed", showgrid=False, showline=False, ticks="")
    fig.update_layout(margin_t=16)
    return [fig]


# --- calendar ---------------------------------------------------------------------------


# Colour and pattern per calendar status (others: Okabe-Ito in order, with patterns).
STATUS_STYLES = {
    "Réalisée": ("#009E73", ""),
    "En cours": ("#0072B2", "/"),
    "Prévue": ("#56B4E9", "."),
    "Reportée": ("#E69F00", "x"),
    "Abandonnée": ("#D55E00", "-"),
}


def _status_style(status: str, i: int) -> dict:
    if status not in STATUS_STYLES:
        return _bar_style(i)
    color, shape = STATUS_STYLES[status]
    return dict(color=color, line=dict(color="white", width=0.8),
                pattern=dict(shape=shape, fillmode="overlay", size=9, solidity=0.3))


def calendar_figures(result: IndicatorResult) -> list[go.Figure]:
    r = result.records
    if _empty(r) or "start" not in r:
        return []
    r = r.copy()
    r["start"] = pd.to_datetime(r["start"], errors="coerce")
    r["end"] = pd.to_datetime(r["end"], errors="coerce") if "end" in r else pd.NaT
    r = r.dropna(subset=["start"])
    if r.empty:
        return []
    # the newest items (by start), then shown oldest first, top to bottom
    r = r.sort_values("start", ascending=False).head(MAX_CALENDAR_ITEMS).sort_values(["start", "end"])
    r = r.reset_index(drop=True)
    no_end = r["end"].isna()
    r["end_drawn"] = r["end"].where(~no_end & (r["end"] >= r["start"]), r["start"] + pd.Timedelta(days=7))
    for col, default in (("title", "Action"), ("territory_label", ""), ("status_label", "Statut non renseigné")):
        if col not in r:
            r[col] = default
        r[col] = r[col].fillna(default).astype(str).replace("", default)
    r["pos"] = np.arange(len(r))
    ticktext = [_truncate(t, 42) + (f" ({_truncate(p, 20)})" if p else "")
                for t, p in zip(r["title"], r["territory_label"])]
    fig = go.Figure()
    known = [st for st in STATUS_STYLES if st in set(r["status_label"])]
    statuses = known + [st for st in dict.fromkeys(r["status_label"]) if st not in STATUS_STYLES]
    for status in statuses:
        part = r[r["status_label"] == status]
        start_ms = part["start"].astype("datetime64[ms]").astype("int64")
        end_ms = part["end_drawn"].astype("datetime64[ms]").astype("int64")
        custom = np.column_stack([
            part["title"].to_numpy(dtype=object), part["territory_label"].to_numpy(dtype=object),
            part["start"].map(fmt_date).to_numpy(dtype=object),
            [fmt_date(e) if pd.notna(e) else "non renseignée" for e in part["end"]],
        ])
        style = _status_style(status, statuses.index(status))
        fig.add_trace(go.Bar(
            base=part["start"].dt.strftime("%Y-%m-%d").tolist(), x=(end_ms - start_ms).to_numpy(),
            y=part["pos"], orientation="h", name=status, marker=style, customdata=custom, width=0.7,
            hovertemplate=("<b>%{customdata[0]}</b><br>%{customdata[1]}<br>Du %{customdata[2]} "
                           f"au %{{customdata[3]}}<br>{status}<extra></extra>"),
        ))
    height = min(MAX_HEIGHT, max(260, 110 + 26 * len(r)))
    base_layout(fig, height=height, legend_y=-0.02)
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(type="date", tickformat="%m/%Y", hoverformat="%d/%m/%Y", side="top")
    # first item on top (decreasing range); autorange would pad the axis with blank rows
    fig.update_yaxes(tickmode="array", tickvals=r["pos"].tolist(), ticktext=ticktext, autorange=False,
                     range=[len(r) - 0.5, -0.5], showgrid=False, tickfont=dict(size=SMALL_FONT))
    fig.update_layout(margin_t=16)
    if len(result.records) > len(r):
        fig.update_layout(legend_y=-36 / max(1, height - 90))  # room for the note under the chart
        fig.add_annotation(
            text=f"<i>{len(r)} actions les plus récentes sur {len(result.records)}</i>", xref="paper",
            yref="paper", x=1, y=0, xanchor="right", yanchor="top", yshift=-4, showarrow=False,
            font=dict(size=SMALL_FONT, color=MUTED_COLOR), name="actions_limitees")
    return [fig]


# --- comparison between regions ---------------------------------------------------------


def comparison_figure(result: IndicatorResult, year: int | None = None) -> go.Figure | None:
    """Ranked horizontal bars of the metropolitan regions for ``year`` (default: the latest), ARA highlighted."""
    try:
        fig = _comparison_figure(result, year)
        return presize_margins(fig) if fig is not None else None
    except Exception:  # noqa: BLE001 - a figure must never break the page
        log.exception("comparison figure of %s could not be built", result.indicator.id)
        return None


def _comparison_figure(result: IndicatorResult, year: int | None = None) -> go.Figure | None:
    c = result.comparison
    if _empty(c) or not {"year", "region_label"} <= set(c):
        return None
    ind = result.indicator
    is_share = spec(ind.kind).ratio
    col = "value" if is_share else "rate_per_100k"
    if col not in c:
        return None
    c = c.copy()
    c["x"] = pd.to_numeric(c[col], errors="coerce")
    c["year"] = pd.to_numeric(c["year"], errors="coerce")
    c = c.dropna(subset=["x", "year"])
    if c.empty:
        return None
    year = int(c["year"].max()) if year is None else int(year)
    c = c[c["year"] == year].copy()
    if c.empty:
        return None
    if is_share:
        # shares are in [0, 1] by contract; tolerate percentages
        c["x"] = c["x"] * (1 if c["x"].max() <= 1.0 else 0.01) * 100
    c["highlight"] = c["highlight"].fillna(False).astype(bool) if "highlight" in c else False
    c = c.sort_values("x", ascending=True).reset_index(drop=True)
    names = c["region_label"].where(c["region_label"].notna(), c.get("region", "Région")).astype(str)
    labels = [f"<b>{n}</b>" if h else n for n, h in zip(names, c["highlight"])]
    colors = [ACCENT if h else OTHER_BAR_COLOR for h in c["highlight"]]
    estimate = c["is_estimate"].fillna(False).astype(bool) if "is_estimate" in c else pd.Series(False, c.index)
    if is_share:
        values = [f"{fmt_number(v, 1)}{NNBSP}%" for v in c["x"]]
        x_title = f"{year}, en %"
    else:
        decimals = 1 if c["x"].max() < 100 else 0
        values = [fmt_number(v, decimals) for v in c["x"]]
        x_title = f"{year}, pour 100 000 habitants (populations approchées)"
    text = [f"<b>{v}</b>" if h else v for v, h in zip(values, c["highlight"])]
    hover = [f"{n} : {v}{'' if is_share else ' pour 100 000 habitants'} ({year}"
             f"{', valeur estimée' if e else ''})" for n, v, e in zip(names, values, estimate)]
    fig = go.Figure(go.Bar(
        x=c["x"], y=labels, orientation="h", marker=dict(color=colors, line=dict(width=0)),
        text=text, textposition="outside", cliponaxis=False, constraintext="none",
        textfont=dict(size=SMALL_FONT + 1), customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        name=str(year),
    ))
    height = min(MAX_HEIGHT, max(280, 80 + 30 * len(c)))
    base_layout(fig, height=height, x_title=x_title, showlegend=False)
    xmax = float(c["x"].max())
    right = xmax * 1.14 if not is_share else (min(100.0, xmax * 1.14) if xmax < 85 else 105.0)
    fig.update_xaxes(range=[0, right], tickformat=",~f", ticksuffix=f"{NNBSP}%" if is_share else "")
    fig.update_yaxes(showgrid=False, ticks="", type="category")
    fig.update_layout(margin_t=12, bargap=0.22)
    return fig


# --- dispatch ---------------------------------------------------------------------------

# One builder per display of the kind registry (dashboard/core/kinds.py, ``KindSpec.display``).
BUILDERS: dict[str, Callable[[IndicatorResult], list[go.Figure]]] = {
    "line": count_figures,
    "share_line": share_figures,
    "boxes": duration_figures,
    "stacked_bars": typology_figures,
    "category_bars": descriptor_figures,
    "matrix": existence_figures,
    "timeline": calendar_figures,
}


def builder_of(kind: str | None) -> Callable[[IndicatorResult], list[go.Figure]] | None:
    """The figure builder of an indicator kind (None for an unknown kind)."""
    k = KINDS.get(kind) if kind is not None else None
    return BUILDERS.get(k.display) if k is not None else None


def _mark_missing_years(fig: go.Figure, result: IndicatorResult) -> None:
    """Say on the chart which years of the selection were not sent ("non transmis") or only in part
    ("partiel"): a gap in a line must not read as a zero, nor a partial value as a fall."""
    sel = result.selection_series()
    if sel is None or sel.empty or "status" not in sel:
        return
    for year, status in zip(sel["year"], sel["status"]):
        if status not in ("non_transmis", "partiel"):
            continue
        fig.add_annotation(
            x=int(year), y=0, xref="x", yref="paper", yanchor="bottom", yshift=4, showarrow=False,
            text="<i>non transmis</i>" if status == "non_transmis" else "<i>partiel</i>",
            font=dict(size=SMALL_FONT, color=MUTED_COLOR), name=f"transmission_{int(year)}")


def _mark_cohort_years(fig: go.Figure, result: IndicatorResult) -> None:
    """Flag the selection's years whose cohort of cases is still largely open ("cohorte incomplète
    (41 % en cours)", shaded: left out of the verdict) and the delays whose median is not estimable."""
    from dashboard.render.tables import cohort_note

    sel = result.selection_series()
    if sel is None or sel.empty or not ({"incomplete", "estimable"} & set(sel)):
        return
    for row in sel.to_dict("records"):
        note = cohort_note(row)
        if not note:
            continue
        year = int(row["year"])
        if row.get("incomplete") is True or row.get("incomplete") is np.True_:
            fig.add_vrect(x0=year - 0.45, x1=year + 0.45, fillcolor=MUTED_COLOR, opacity=0.10, line_width=0,
                          layer="below")
        fig.add_annotation(
            x=year, y=1, xref="x", yref="paper", yanchor="top", yshift=-4, showarrow=False,
            text="<i>" + note.replace(" (", "<br>(", 1) + "</i>", font=dict(size=SMALL_FONT - 2, color=MUTED_COLOR),
            bgcolor="rgba(255,255,255,0.8)", name=f"cohorte_{year}")


def build_figures(result: IndicatorResult) -> list[go.Figure]:
    """The figures for one indicator block, by kind (empty list when there is nothing to draw)."""
    builder = builder_of(getattr(result.indicator, "kind", None))
    if builder is None:
        return []
    try:
        figures = [f for f in builder(result) if f is not None]
        if figures and spec(result.indicator.kind).yearly:
            _mark_missing_years(figures[0], result)
            _mark_cohort_years(figures[0], result)
        return [presize_margins(f) for f in figures]
    except Exception:  # noqa: BLE001 - a figure must never break the page; the page shows the table
        log.exception("figures of %s could not be built", result.indicator.id)
        return []


# --- steering overview ------------------------------------------------------------------

VERDICT_ORDER = ("atteint", "en_bonne_voie", "a_surveiller", "defavorable", "a_confirmer", "donnees_insuffisantes")


def verdict_overview_figure(counts: pd.DataFrame, compact: bool = False) -> go.Figure | None:
    """Stacked horizontal bars: for each question, its indicators with a target by verdict.

    ``counts``: ``question`` (label, in display order), ``verdict`` (code), ``n``.
    Colours are the verdict colours, each segment labelled with its count (readable in greyscale).
    ``compact``: the projector home's version, short bars with the legend on the right.
    """
    from dashboard.core.results import VERDICT_LABELS

    if _empty(counts) or counts["n"].sum() == 0:
        return None
    questions = list(dict.fromkeys(counts["question"]))
    fig = go.Figure()
    for code in VERDICT_ORDER:
        part = counts[counts["verdict"] == code].set_index("question")["n"].reindex(questions).fillna(0)
        if part.sum() == 0:
            continue
        fig.add_trace(go.Bar(
            y=questions, x=part.tolist(), orientation="h", name=VERDICT_LABELS[code],
            marker=dict(color=VERDICT_COLORS[code], line=dict(color="white", width=1)),
            text=[str(int(v)) if v else "" for v in part], textposition="inside", insidetextanchor="middle",
            textfont=dict(color="white", size=SMALL_FONT + 1),
            hovertemplate="%{y}<br>" + VERDICT_LABELS[code] + " : %{x}<extra></extra>",
        ))
    if compact:
        base_layout(fig, height=40 + 27 * len(questions), x_title=None)
        fig.update_layout(legend=dict(orientation="v", x=1.01, y=1, yanchor="top", xanchor="left"),
                          margin=dict(t=4, b=24, r=170), bargap=0.25)
        fig.update_traces(textangle=0)
    else:
        base_layout(fig, height=80 + 44 * len(questions), x_title="Indicateurs ayant une cible", legend_y=-0.28)
    fig.update_layout(barmode="stack", margin_t=8 if not compact else 4)
    fig.update_yaxes(autorange="reversed", showgrid=False, ticks="")
    fig.update_xaxes(tickformat="d")
    return fig


# --- analysis comments on the charts (issue 15) -------------------------------------------------

COMMENT_COLOR = "#6E445A"
COMMENT_WRAP = 60


def hover_text(text: str, width: int = COMMENT_WRAP) -> str:
    """Plain text for a Plotly hover: HTML-escaped (Plotly reads a subset of HTML), wrapped with <br>."""
    import html
    import textwrap

    lines = []
    for paragraph in str(text).splitlines() or [""]:
        lines += textwrap.wrap(paragraph, width) or [""]
    return "<br>".join(html.escape(line) for line in lines)


def with_comments(figure: dict, result: IndicatorResult, comments: pd.DataFrame) -> dict:
    """A yearly chart (a figure dict) with a marker per year that has analysis comments of the territory
    on this indicator: on the year's value (the top of the axis without one), its hover the comments
    with their authors. Returns a new dict (the cached one is left alone); the figure itself when there
    is nothing to add or the indicator has no yearly chart."""
    import copy

    if comments is None or comments.empty or not spec(result.indicator.kind).yearly:
        return figure
    sel = result.selection_series()
    scale = 100.0 if spec(result.indicator.kind).percent else 1.0
    # a secret cell gives no height (its value is blanked by the secrecy step; never read it here either)
    shown = sel["value"].astype(float).where(~sel["hidden"].astype(bool)) if not sel.empty else sel.get("value")
    values = dict(zip(sel["year"].astype(int), shown * scale)) if not sel.empty else {}
    finite = [v for v in values.values() if np.isfinite(v)]
    top = max(finite) if finite else 0.0
    xs, ys, texts = [], [], []
    for year, group in comments.groupby("year", sort=True):
        y = values.get(int(year), np.nan)
        xs.append(int(year))
        ys.append(float(y) if np.isfinite(y) else top)
        body = "<br><br>".join(f"<b>{hover_text(a)}</b> : {hover_text(t)}" for a, t in zip(group["author"],
                                                                                        group["text"]))
        n = len(group)
        texts.append(f"<b>{n} commentaire{'s' if n > 1 else ''} d'analyse, {int(year)}</b><br>{body}")
    out = copy.deepcopy(figure)
    out.setdefault("data", []).append({
        "type": "scatter", "mode": "markers", "x": xs, "y": ys, "name": "Commentaire d'analyse",
        "hovertext": texts, "hoverinfo": "text", "meta": "commentaire",
        "marker": {"symbol": "circle-open-dot", "size": 18, "color": COMMENT_COLOR, "line": {"width": 2.5}},
    })
    return out
