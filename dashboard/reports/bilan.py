"""The annual bilan of a CME territory, and the region's annual evaluation by the CPR (territory R82,
charter article 7: every CME side by side, the region among the other regions, the objectives): the
data model, built once, rendered by the page and by every export (:mod:`dashboard.reports.bilan_export`).

For each question of the référentiel, each indicator gets the year's value, the
previous year's, the change, the trend since the charter's first year up to the
bilan year (the verdict of the question pages, judged on that span: what was known
that year) and the comments stored for the territory and year. Comments of the
départements the CME covers are included, labelled with their territory.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from dashboard.core import decisions, freins
from dashboard.core.filters import REGION, Filters, territory_scope
from dashboard.core.formatting import fmt_date, fmt_number, fmt_percent
from dashboard.core.indicators import Reference, compute
from dashboard.core.kinds import spec
from dashboard.core.objectives import STATUS_COLOURS
from dashboard.core.referentiel import Indicator, Question, Referentiel
from dashboard.core.results import VERDICT_LABELS, IndicatorResult
from dashboard.core.rollup import RollUp, roll_up
from dashboard.core.territorial import format_metric, rank_text, region_ranks
from dashboard.render.figures import (
    ACCENT,
    COMMENT_COLOR,
    FONT_FAMILY,
    GRID_COLOR,
    MUTED_COLOR,
    NNBSP,
    REGION_COLOR,
    TEXT_COLOR,
    VERDICT_COLORS,
    hover_text,
)
from dashboard.render.tables import cohort_note
from data_access import comments as comment_store
from data_access import indicator_data as sqlagg
from data_access import queries, transmission
from data_access.transmission import STATUS_LABELS
from data_access.vocabulary import ACTION_STATUS

SPARK_COLS = 3


class BilanError(ValueError):
    """A bilan that cannot be built (unknown territory, year without data); French message."""


@dataclass
class Comment:
    target: str
    territory_label: str
    author: str
    text: str
    updated_at: dt.datetime
    id: int | None = None


@dataclass
class BilanLine:
    """One indicator of the bilan."""

    indicator: Indicator
    result: IndicatorResult
    value: float | None
    previous: float | None
    hidden: bool
    value_text: str
    previous_text: str
    change_text: str
    verdict_code: str | None
    verdict_label: str
    trend_text: str
    comments: list[Comment] = field(default_factory=list)
    status: str | None = None   # the year's transmission status (see data_access/transmission.py)
    note: str = ""              # the year's cohort flag: "cohorte incomplète (40 % en cours)", "médiane non estimable"

    @property
    def has_series(self) -> bool:
        s = self.result.selection_series()
        return not s.empty and s["value"].notna().any()


@dataclass
class BilanSection:
    question: Question
    lines: list[BilanLine]
    summary: RollUp
    comments: list[Comment] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"question-{self.question.number}"


@dataclass
class Bilan:
    territory: str
    territory_name: str
    territory_label: str
    year: int
    first_year: int
    sections: list[BilanSection]
    sample: bool
    generated_at: dt.datetime
    comments: list[Comment] = field(default_factory=list)  # about the whole bilan
    # the regional evaluation only (territory R82, issue 15): every CME side by side, and the region
    # among the other regions (see :func:`cme_grid` and :func:`regions_table`)
    cme_grid: pd.DataFrame | None = None
    regions: pd.DataFrame | None = None
    # progress on the freins at the end of the year (dashboard/core/freins.py): the charter's "progrès
    # accomplis et freins potentiels"
    freins: pd.DataFrame | None = None
    # decisions and improvement axes carried into the year (dashboard/core/decisions.py), as a French table
    decisions: pd.DataFrame | None = None

    @property
    def regional(self) -> bool:
        return self.territory == REGION

    @property
    def title(self) -> str:
        if self.regional:
            return f"Évaluation annuelle {self.year} · {self.territory_label}"
        return f"Bilan {self.year} · {self.territory_label}"

    @property
    def file_stem(self) -> str:
        return f"bilan-{self.year}-{self.territory}"

    @property
    def summary(self) -> RollUp:
        return roll_up([line.result for s in self.sections for line in s.lines])


# --- formatting ---------------------------------------------------------------------------


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def value_text(ind: Indicator, value, hidden: bool = False, status: str | None = None) -> str:
    """French text of one yearly value, by kind (``status``: the year's transmission status)."""
    if hidden:
        return "secret statistique"
    if status == "non_transmis":
        return "non transmis"
    if _missing(value):
        return "—"
    if status == "partiel":
        return format_metric(value, ind.kind) + " (partiel)"
    if spec(ind.kind).shape == "existence":
        if value in (0.0, 1.0):
            return "Oui" if value == 1.0 else "Non"
        return fmt_percent(value, 0) + " des territoires"
    return format_metric(value, ind.kind)


def change_text(ind: Indicator, value, previous) -> str:
    """Change from the previous year: points for shares, units and % for counts."""
    if _missing(value) or _missing(previous):
        return "—"
    delta = float(value) - float(previous)
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    ks = spec(ind.kind)
    if ks.percent:
        return f"{sign}{fmt_number(abs(delta) * 100, 1)}{NNBSP}pt"
    if ks.fixed_unit:   # a delay: "+12 jours"
        return f"{sign}{fmt_number(abs(delta), 0)} {ks.fixed_unit}"
    text = f"{sign}{fmt_number(abs(delta), 0 if float(delta).is_integer() else 1)}"
    if previous:
        text += f" ({sign}{fmt_number(abs(delta) / abs(float(previous)) * 100, 0)}{NNBSP}%)"
    return text


# --- building ---------------------------------------------------------------------------


def cme_territories(ref: Reference) -> list[str]:
    t = ref.territories
    return sorted(t.loc[(t["level"] == "cme") & (t["parent_code"] == REGION), "code"])


def has_data(engine: Engine, referentiel: Referentiel, ref: Reference, scope, year: int) -> bool:
    """Whether any source of the référentiel holds rows for the territories in ``scope`` that year, or
    one of them declared a dataset empty that year.

    Reads the region-wide "where are the rows" aggregate (materialised, shared with the views).
    """
    region = sorted(territory_scope(REGION, ref.territories, ref.perimeters))
    wanted = set(scope)
    with engine.connect() as conn:
        for ind in referentiel.indicators():
            if ind.source.territory is not None and wanted & sqlagg.territories_present(
                    conn, ind.source, years=[int(year)], territories=region):
                return True
        # a territory that declared "nothing this year" has something to report: zeros
        declared = transmission.declarations(conn, None, wanted)
    return not declared.empty and int(year) in set(declared["year"].astype(int))


def check_year(engine: Engine, year: int) -> None:
    years = queries.reporting_years(engine)
    if int(year) not in years:
        raise BilanError(f"L'année {year} n'est pas une année de la Charte ({years[0]}-{years[-1]})."
                         if years else "La base ne contient aucune année de la Charte.")


def check_request(engine: Engine, referentiel: Referentiel, territory: str, year: int, ref: Reference) -> None:
    """Raise :class:`BilanError` (French) for a territory that is neither a CME's nor the region, or a
    year without data."""
    cmes = cme_territories(ref)
    if territory not in cmes and territory != REGION:
        known = ", ".join(f"{c} ({ref.territory_names.get(c, c)})" for c in cmes)
        raise BilanError(f"Territoire inconnu : « {territory} ». Les bilans annuels portent sur un territoire de "
                         f"CME : {known} ; ou sur la région ({REGION}, évaluation annuelle du CPR).")
    check_year(engine, year)
    if not has_data(engine, referentiel, ref, territory_scope(territory, ref.territories, ref.perimeters), int(year)):
        raise BilanError(f"Aucune donnée pour {ref.territory_label(territory)} en {year} : pas de bilan à produire.")


def _line(ind: Indicator, result: IndicatorResult, year: int) -> BilanLine:
    sel = result.selection_series().set_index("year") if not result.series.empty else pd.DataFrame()

    def at(y):
        if sel.empty or y not in sel.index:
            return None, False, None
        row = sel.loc[y]
        status = row.get("status") if "status" in sel else None
        return (None if pd.isna(row["value"]) else float(row["value"])), bool(row["hidden"]), \
            (None if pd.isna(status) else status)

    def flag(y: int) -> str:
        """The cohort flag of a year ("cohorte incomplète (40 % en cours)", "médiane non estimable")."""
        if sel.empty or y not in sel.index:
            return ""
        return cohort_note(sel.loc[y].to_dict())

    value, hidden, status = at(year)
    previous, prev_hidden, prev_status = at(year - 1)
    flags = flag(year), flag(year - 1)
    calendar = spec(ind.kind).shape == "calendar"
    if calendar and result.records is not None and not result.records.empty:
        recs = result.records
        in_year = recs[(recs["start"].dt.year <= year) & (recs["end"].dt.year >= year)]
        value = float(len(in_year))
        prev = recs[(recs["start"].dt.year <= year - 1) & (recs["end"].dt.year >= year - 1)]
        previous = float(len(prev))
    v = result.verdict
    if v is not None:
        trend = v.reason
    elif ind.direction == "none":
        trend = "Indicateur descriptif, sans cible."
    else:
        trend = "Données insuffisantes pour dégager une tendance."
    def with_flag(text: str, note: str) -> str:
        return f"{text} · {note}" if note and text not in ("—", "secret statistique", "non transmis") else text

    return BilanLine(
        indicator=ind, result=result, value=value, previous=previous, hidden=hidden,
        value_text=with_flag(value_text(ind, value, hidden, status), flags[0])
        + ((" action en cours" if value < 2 else " actions en cours") if calendar and value is not None else ""),
        previous_text=with_flag(value_text(ind, previous, prev_hidden, prev_status), flags[1]),
        status=status,
        note=flags[0],
        # a change from or to an incomplete cohort is cases not closed yet, not a change
        change_text=("—" if hidden or prev_hidden or "partiel" in (status, prev_status) or any(flags)
                     else change_text(ind, value, previous)),
        verdict_code=v.code if v else (None if ind.direction == "none" else "donnees_insuffisantes"),
        verdict_label=v.label if v else ("Sans cible" if ind.direction == "none" else
                                         VERDICT_LABELS["donnees_insuffisantes"]),
        trend_text=trend,
    )


def _comments(engine: Engine, territory: str, year: int, ref: Reference) -> dict[str, list[Comment]]:
    scope = territory_scope(territory, ref.territories, ref.perimeters)
    out: dict[str, list[Comment]] = {}
    for code in scope:
        frame = comment_store.for_territory(engine, code, years=[year])
        for row in frame.itertuples():
            out.setdefault(row.indicator_id, []).append(Comment(
                target=row.indicator_id, territory_label=ref.territory_label(code), author=row.author,
                text=row.text, updated_at=row.updated_at, id=int(row.id)))
    for items in out.values():
        items.sort(key=lambda c: c.updated_at)
    return out


def build_bilan(engine: Engine, referentiel: Referentiel, ref: Reference, territory: str, year: int, *,
                small_cell_threshold: int = 5, sample: bool = False, with_comments: bool = True,
                cme_bilan: Callable[[str], "Bilan"] | None = None) -> Bilan:
    """Compute the bilan of a CME territory, or the region's annual evaluation (``territory`` R82), for a
    year (raises :class:`BilanError`). The regional evaluation adds every CME side by side, from each
    CME's bilan of the year (``cme_bilan(code)`` when given — the page's cached ones —, else built
    here), and the region's rank among the regions for the indicators with regional values."""
    check_request(engine, referentiel, territory, year, ref)
    years = queries.reporting_years(engine)
    first = years[0]
    filters = Filters(first, int(year), territory)
    regional = territory == REGION
    sections = []
    for q in referentiel.questions:
        lines = [_line(ind, compute(engine, ind, filters, ref, small_cell_threshold=small_cell_threshold,
                                    records=False,
                                    comparison=regional and ind.source.comparison == "regions"), int(year))
                 for ind in referentiel.indicators(q.id)]
        sections.append(BilanSection(q, lines, roll_up([line.result for line in lines])))
    name = ref.territory_names.get(territory, territory)
    bilan = Bilan(territory=territory, territory_name=name, territory_label=ref.territory_label(territory),
                  year=int(year), first_year=first, sections=sections, sample=sample,
                  generated_at=dt.datetime.now().replace(microsecond=0))
    scope = territory_scope(territory, ref.territories, ref.perimeters)
    bilan.freins = freins.tracker(**queries.freins_plan(engine, scope), as_of=dt.date(int(year), 12, 31),
                                  status_labels=ACTION_STATUS)
    bilan.freins["territory_label"] = [ref.territory_label(c) for c in bilan.freins["territory_code"]]
    carried = decisions.carried(queries.steering_decisions(engine, [territory]), int(year))
    bilan.decisions = decisions.flat(carried, institution_label=lambda c: ref.institution_names.get(c, c),
                                     fmt_date=fmt_date).assign(overdue=list(carried["overdue"]))
    if regional:
        def build(code: str) -> Bilan:
            return build_bilan(engine, referentiel, ref, code, year, small_cell_threshold=small_cell_threshold,
                               sample=sample, with_comments=False)

        bilans: dict[str, Bilan | None] = {}
        for code in cme_territories(ref):
            try:
                bilans[code] = (cme_bilan or build)(code)
            except BilanError:        # no data that year: a row that says so
                bilans[code] = None
        bilan.cme_grid = cme_grid(bilans, referentiel, ref)
        bilan.regions = regions_table(bilan)
    if with_comments:
        attach_comments(bilan, engine, ref)
    return bilan


def cme_grid(bilans: dict[str, "Bilan | None"], referentiel: Referentiel, ref: Reference) -> pd.DataFrame:
    """Every CME side by side: one row per CME territory, for each question its overall reading (the
    verdict code of its roll-up) and its coverage ("5 jugés sur 8, 4 favorables"). Columns ``territory``,
    ``label``, then ``Q1`` … (codes, "" without a bilan) and ``Q1 lecture`` … (French text)."""
    rows = []
    for code, bilan in bilans.items():
        row = {"territory": code, "label": ref.territory_label(code)}
        by_question = {s.question.id: s for s in bilan.sections} if bilan is not None else {}
        for q in referentiel.questions:
            s = by_question.get(q.id)
            row[f"Q{q.number}"] = s.summary.overall if s is not None else ""
            row[f"Q{q.number} lecture"] = (f"{VERDICT_LABELS[s.summary.overall]} · {_compact(s.summary)}"
                                           if s is not None else "Aucune donnée cette année")
        rows.append(row)
    return pd.DataFrame(rows)


def _compact(summary: RollUp) -> str:
    """A question's coverage in a cell of the CMEs' table: « 5 jugés sur 8, 4 favorables »."""
    if summary.with_target == 0:
        return "sans cible"
    j, ok = summary.judged, summary.on_track
    return f"{j} jugé{'s' if j > 1 else ''} sur {summary.with_target}, {ok} favorable{'s' if ok > 1 else ''}"


def regions_table(bilan: Bilan) -> pd.DataFrame:
    """Rhône-Alpes (Auvergne-Rhône-Alpes since 2016) among the regions, for every indicator of the bilan
    with regional values and a direction: its rank year by year (1 = the most favourable; a count per
    100 000 inhabitants). Columns ``Indicateur``, ``Libellé``, ``Mesure``, then one column per year
    (« 3e sur 13 », empty without values) and ``Rang {year}`` (the number, for the XLSX)."""
    rows = []
    years = list(range(bilan.first_year, bilan.year + 1))
    for s in bilan.sections:
        for line in s.lines:
            res = line.result
            if res.comparison is None or res.comparison.empty or line.indicator.direction not in (
                    "up", "down", "to_zero"):
                continue
            ranks = region_ranks(res.comparison, line.indicator.direction)
            ranks = ranks[ranks["highlight"].astype(bool) & ranks["year"].isin(years)]
            if ranks.empty:
                continue
            by_year = {int(r["year"]): (int(r["rank"]), int(r["of"])) for _, r in ranks.iterrows()}
            rate = res.comparison["rate_per_100k"].notna().any()
            row = {"Indicateur": line.indicator.id, "Libellé": line.indicator.short_label,
                   "Mesure": "pour 100 000 habitants" if rate else "valeur"}
            for y in years:
                row[str(y)] = rank_text(*by_year[y]) if y in by_year else ""
            row[f"Rang {bilan.year}"] = by_year[bilan.year][0] if bilan.year in by_year else None
            rows.append(row)
    frame = pd.DataFrame(rows, columns=["Indicateur", "Libellé", "Mesure", *map(str, years), f"Rang {bilan.year}"])
    frame[f"Rang {bilan.year}"] = frame[f"Rang {bilan.year}"].astype("Int64")
    return frame


def attach_comments(bilan: Bilan, engine: Engine, ref: Reference) -> Bilan:
    """(Re)read the comments of the bilan's territory and year (comments change without a data version)."""
    comments = _comments(engine, bilan.territory, bilan.year, ref)
    bilan.comments = comments.get(comment_store.GENERAL_TARGET, [])
    for s in bilan.sections:
        s.comments = comments.get(s.question.id, [])
        for line in s.lines:
            line.comments = comments.get(line.indicator.id, [])
    return bilan


def comment_targets(referentiel: Referentiel) -> list[str]:
    """What a comment may be about: an indicator, a question, or the whole bilan."""
    return [comment_store.GENERAL_TARGET, *(q.id for q in referentiel.questions),
            *(i.id for i in referentiel.indicators())]


# --- figures ------------------------------------------------------------------------------


def section_figure(section: BilanSection, bilan: Bilan, cols: int = SPARK_COLS) -> dict | None:
    """Small multiples of the section's indicators that have a series: the territory (solid) and
    Rhône-Alpes where comparable (dashed), the bilan year marked, the verdict under each title.

    Returned as a plain Plotly figure dict, laid out by hand: ``make_subplots`` and the
    validation of ``go.Figure`` cost seconds for a hundred small charts; a dict is taken as
    it is by ``st.plotly_chart``, by the HTML report and by kaleido.
    """
    lines = [line for line in section.lines if line.has_series]
    if not lines:
        return None
    rows = math.ceil(len(lines) / cols)
    title_px, tick_px, cell_px, legend_px = 56, 26, 200, 40
    height = rows * cell_px + legend_px
    plot_h = height - legend_px
    gap_x = 0.06
    years = list(range(bilan.first_year, bilan.year + 1))
    data, annotations = [], []
    layout = {
        "height": height, "separators": f",{NNBSP}", "showlegend": True, "hovermode": "closest",
        "paper_bgcolor": "white", "plot_bgcolor": "white",
        "font": {"family": FONT_FAMILY, "size": 13, "color": TEXT_COLOR},
        "margin": {"l": 8, "r": 8, "t": 4, "b": legend_px},
        "legend": {"orientation": "h", "x": 0, "y": 0, "yanchor": "top", "font": {"size": 14}},
        "hoverlabel": {"bgcolor": "white", "font": {"family": FONT_FAMILY, "size": 14}},
    }
    for i, line in enumerate(lines):
        r, c = divmod(i, cols)
        k = "" if i == 0 else str(i + 1)
        x0, x1 = c / cols + gap_x / 2, (c + 1) / cols - gap_x / 2
        top = 1 - r / rows
        y1 = top - title_px / plot_h
        y0 = top - (cell_px - tick_px) / plot_h
        ind = line.indicator
        share = spec(ind.kind).percent
        scale = 100 if share else 1
        sel = line.result.selection_series()
        reg = line.result.region_series()
        color = VERDICT_COLORS.get(line.verdict_code or "", MUTED_COLOR)
        short = ind.short_label if len(ind.short_label) <= 34 else ind.short_label[:33] + "…"
        annotations.append({"text": f"<b>{ind.id.split('.', 1)[1]}</b> {short}<br>"
                                    f"<span style='color:{color}'>{line.verdict_label}</span>",
                            "x": (x0 + x1) / 2, "y": top, "xref": "paper", "yref": "paper",
                            "xanchor": "center", "yanchor": "top", "showarrow": False, "font": {"size": 13}})
        axis_x, axis_y = f"x{k}", f"y{k}"
        comparable = not spec(ind.kind).events
        if comparable and not line.result.regional_only and not reg.empty and reg["value"].notna().any():
            data.append({"type": "scatter", "x": reg["year"].tolist(), "y": (reg["value"] * scale).tolist(),
                         "mode": "lines", "line": {"color": REGION_COLOR, "width": 1.5, "dash": "dash"},
                         "name": "Rhône-Alpes", "legendgroup": "ra", "showlegend": not any(
                             d.get("legendgroup") == "ra" for d in data),
                         "hovertemplate": "Rhône-Alpes %{x} : %{y:,.1f}<extra></extra>",
                         "xaxis": axis_x, "yaxis": axis_y})
        hover = [f"{y} : {value_text(ind, v, h)}" for y, v, h in zip(sel["year"], sel["value"], sel["hidden"])]
        data.append({"type": "scatter", "x": sel["year"].tolist(), "y": (sel["value"] * scale).tolist(),
                     "mode": "lines+markers", "line": {"color": ACCENT, "width": 2.5}, "marker": {"size": 5},
                     "name": bilan.territory_label, "legendgroup": "t", "showlegend": i == 0,
                     "customdata": hover, "hovertemplate": "%{customdata}<extra></extra>",
                     "xaxis": axis_x, "yaxis": axis_y})
        cur = sel[(sel["year"] == bilan.year) & sel["value"].notna()]
        if not cur.empty:
            data.append({"type": "scatter", "x": cur["year"].tolist(), "y": (cur["value"] * scale).tolist(),
                         "mode": "markers", "showlegend": False, "hoverinfo": "skip",
                         "marker": {"size": 11, "color": ACCENT, "line": {"color": "white", "width": 2}},
                         "xaxis": axis_x, "yaxis": axis_y})
        for status in line.result.objectives:     # the objective's target line (issue 15)
            obj = status.objective
            first, last = max(obj.first_year, years[0]), min(obj.last_year, years[-1])
            if first <= last:
                data.append({"type": "scatter", "x": [first - 0.4, last + 0.4], "y": [obj.target, obj.target],
                             "mode": "lines", "name": "Objectif", "legendgroup": "objectif",
                             "showlegend": not any(d.get("legendgroup") == "objectif" for d in data),
                             "line": {"color": STATUS_COLOURS[status.code], "width": 2, "dash": "dash"},
                             "hovertext": [hover_text(status.sentence)] * 2, "hoverinfo": "text",
                             "xaxis": axis_x, "yaxis": axis_y})
        if line.comments:                           # the year's analysis comments, as a marker
            at_year = sel[(sel["year"] == bilan.year) & sel["value"].notna()]
            finite = (sel["value"] * scale).dropna()
            y = float(at_year["value"].iloc[0] * scale) if not at_year.empty else (
                float(finite.max()) if not finite.empty else 0.0)
            n = len(line.comments)
            text = f"<b>{n} commentaire{'s' if n > 1 else ''} d'analyse, {bilan.year}</b><br>" + "<br><br>".join(
                f"<b>{hover_text(c.author)}</b> : {hover_text(c.text)}" for c in line.comments)
            data.append({"type": "scatter", "x": [bilan.year], "y": [y], "mode": "markers",
                         "name": "Commentaire d'analyse", "legendgroup": "commentaire",
                         "showlegend": not any(d.get("legendgroup") == "commentaire" for d in data),
                         "hovertext": [text], "hoverinfo": "text",
                         "marker": {"symbol": "circle-open-dot", "size": 16, "color": COMMENT_COLOR,
                                    "line": {"width": 2.5}},
                         "xaxis": axis_x, "yaxis": axis_y})
        layout[f"xaxis{k}"] = {"domain": [x0, x1], "anchor": axis_y, "tickmode": "array", "tickvals": years,
                               "ticktext": [str(y)[2:] for y in years], "range": [years[0] - 0.4, years[-1] + 0.4],
                               "showgrid": False, "showline": True, "linecolor": "#8C8C8C", "zeroline": False,
                               "tickfont": {"size": 12}, "fixedrange": True}
        layout[f"yaxis{k}"] = {"domain": [y0, y1], "anchor": axis_x, "rangemode": "tozero", "nticks": 4,
                               "gridcolor": GRID_COLOR, "zeroline": False, "tickfont": {"size": 12},
                               "ticksuffix": f"{NNBSP}%" if share else "", "fixedrange": True,
                               "separatethousands": True}
    layout["annotations"] = annotations
    return {"data": data, "layout": layout}


def freins_table(bilan: Bilan) -> pd.DataFrame:
    """The freins tracker of the bilan as a French table (page, XLSX, HTML)."""
    table = bilan.freins if bilan.freins is not None else pd.DataFrame(columns=freins.TRACKER_COLUMNS)
    labels = dict(zip(table["territory_code"], table.get("territory_label", table["territory_code"])))
    return freins.flat(table, lambda c: labels.get(c, c))


def objectives_table(bilan: Bilan) -> pd.DataFrame:
    """The numeric objectives that apply to the bilan's territory and period, with their status in the
    bilan's year (dashboard/core/objectives.py): one row per objective; the value is a number in the
    unit shown (a share in %), as in :func:`bilan_table`."""
    rows = []
    for s in bilan.sections:
        for line in s.lines:
            ks = spec(line.indicator.kind)
            for status in line.result.objectives:
                obj = status.objective
                rows.append({
                    "Question": f"Q{s.question.number}",
                    "Indicateur": line.indicator.id,
                    "Libellé": line.indicator.short_label,
                    "Objectif": obj.text(percent=ks.percent, unit=line.indicator.unit),
                    "Origine": obj.source or "",
                    "Statut": status.label,
                    "Année jugée": status.year,
                    "Valeur": (np.nan if status.value is None else status.value * (100 if ks.percent else 1)),
                    "Unité": "%" if ks.percent else (ks.fixed_unit or line.indicator.unit or "nombre"),
                    "Détail": status.sentence,
                    "code": status.code,
                })
    frame = pd.DataFrame(rows, columns=["Question", "Indicateur", "Libellé", "Objectif", "Origine", "Statut",
                                        "Année jugée", "Valeur", "Unité", "Détail", "code"])
    frame["Année jugée"] = frame["Année jugée"].astype("Int64")
    order = {code: i for i, code in enumerate(("non_atteint", "en_cours", "sans_donnee", "atteint"))}
    return frame.sort_values(["code", "Indicateur"], key=lambda c: c.map(order) if c.name == "code" else c,
                             kind="stable").reset_index(drop=True)


def bilan_table(bilan: Bilan) -> pd.DataFrame:
    """The bilan's indicator lines as one table (page, XLSX): numbers as numbers."""
    rows = []
    for s in bilan.sections:
        for line in s.lines:
            ks = spec(line.indicator.kind)
            share = ks.percent
            rows.append({
                "Question": f"Q{s.question.number}",
                "Indicateur": line.indicator.id,
                "Libellé": line.indicator.short_label,
                f"Valeur {bilan.year}": (np.nan if line.value is None else line.value * (100 if share else 1)),
                f"Valeur {bilan.year - 1}": (np.nan if line.previous is None
                                             else line.previous * (100 if share else 1)),
                f"Données {bilan.year}": STATUS_LABELS.get(line.status, ""),
                f"Secret statistique {bilan.year}": "s" if line.hidden else "",
                f"Remarque {bilan.year}": line.note,
                "Unité": "%" if share else (ks.fixed_unit or line.indicator.unit or "nombre"),
                "Évolution": line.change_text,
                "Verdict": line.verdict_label,
                "Tendance": line.trend_text,
                "Commentaires": "\n".join(f"{c.author} : {c.text}" for c in line.comments),
            })
    return pd.DataFrame(rows)
