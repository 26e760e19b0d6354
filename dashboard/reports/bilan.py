"""The annual bilan of a CME territory: the data model, built once, rendered by the page
and by every export (:mod:`dashboard.reports.bilan_export`).

For each question of the référentiel, each indicator gets the year's value, the
previous year's, the change, the trend since the charter's first year up to the
bilan year (the verdict of the question pages, judged on that span: what was known
that year) and the comments stored for the territory and year. Comments of the
départements the CME covers are included, labelled with their territory.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from dashboard.core.filters import REGION, Filters, territory_scope
from dashboard.core.formatting import fmt_number, fmt_percent
from dashboard.core.indicators import Reference, compute
from dashboard.core.kinds import spec
from dashboard.core.referentiel import Indicator, Question, Referentiel
from dashboard.core.results import VERDICT_LABELS, IndicatorResult
from dashboard.core.rollup import RollUp, roll_up
from dashboard.core.territorial import format_metric
from dashboard.render.figures import (
    ACCENT,
    FONT_FAMILY,
    GRID_COLOR,
    MUTED_COLOR,
    NNBSP,
    REGION_COLOR,
    TEXT_COLOR,
    VERDICT_COLORS,
)
from dashboard.render.tables import cohort_note
from data_access import comments as comment_store
from data_access import indicator_data as sqlagg
from data_access import queries, transmission
from data_access.transmission import STATUS_LABELS

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

    @property
    def title(self) -> str:
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
    """Raise :class:`BilanError` (French) for an unknown CME territory or a year without data."""
    cmes = cme_territories(ref)
    if territory not in cmes:
        known = ", ".join(f"{c} ({ref.territory_names.get(c, c)})" for c in cmes)
        raise BilanError(f"Territoire inconnu : « {territory} ». Les bilans annuels portent sur un territoire de "
                         f"CME : {known}.")
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
                small_cell_threshold: int = 5, sample: bool = False, with_comments: bool = True) -> Bilan:
    """Compute the bilan of a CME territory for a year (raises :class:`BilanError`)."""
    check_request(engine, referentiel, territory, year, ref)
    years = queries.reporting_years(engine)
    first = years[0]
    filters = Filters(first, int(year), territory)
    sections = []
    for q in referentiel.questions:
        lines = [_line(ind, compute(engine, ind, filters, ref, small_cell_threshold=small_cell_threshold,
                                    records=False, comparison=False), int(year))
                 for ind in referentiel.indicators(q.id)]
        sections.append(BilanSection(q, lines, roll_up([line.result for line in lines])))
    name = ref.territory_names.get(territory, territory)
    bilan = Bilan(territory=territory, territory_name=name, territory_label=ref.territory_label(territory),
                  year=int(year), first_year=first, sections=sections, sample=sample,
                  generated_at=dt.datetime.now().replace(microsecond=0))
    if with_comments:
        attach_comments(bilan, engine, ref)
    return bilan


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
