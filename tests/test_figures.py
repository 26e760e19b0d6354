"""Figures: one IndicatorResult in, Plotly figures out (no database, no browser).

Results are built by hand for real indicators of the référentiel, one of each kind.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.core.kinds import KINDS as REGISTRY
from dashboard.core.referentiel import load_referentiel
from dashboard.core.results import IndicatorResult, Verdict
from dashboard.render import figures
from dashboard.render.figures import (
    ACCENT,
    BUILDERS,
    MAX_CALENDAR_ITEMS,
    MAX_HEIGHT,
    PLOTLY_CONFIG,
    SEPARATORS,
    build_figures,
    builder_of,
    comparison_figure,
    plotly_config,
)

NNBSP = "\u202f"
YEARS = [2016, 2017, 2018, 2019, 2020]
IND = load_referentiel().indicator


def _plain(text: str) -> str:
    """Annotation/hover text as read on screen: tags removed, entities decoded, any space → " "."""
    text = html.unescape(re.sub(r"<[^>]+>", "", text or ""))
    return re.sub(r"[\s\u202f\u00a0]+", " ", text)


def series(values, *, scope="selection", years=YEARS, num=None, den=None, hidden=None) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame({
        "year": years[:n],
        "scope": scope,
        "value": np.asarray(values, dtype=float),
        "numerator": np.asarray(num if num is not None else [np.nan] * n, dtype=float),
        "denominator": np.asarray(den if den is not None else [np.nan] * n, dtype=float),
        "hidden": hidden if hidden is not None else [False] * n,
    })


def share_series(nums, dens, *, scope="selection", hidden=None):
    nums, dens = np.asarray(nums, float), np.asarray(dens, float)
    values = np.where(dens > 0, nums / np.where(dens > 0, dens, 1), np.nan)
    return series(values, scope=scope, num=nums, den=dens, hidden=hidden)


def breakdown(rows) -> pd.DataFrame:
    """rows: (year, category, label, value[, numerator, denominator, hidden])."""
    out = []
    for r in rows:
        year, cat, label, value, *rest = r
        num, den, hidden = (rest + [np.nan, np.nan, False])[:3] if rest else (np.nan, np.nan, False)
        out.append({"year": year, "category": cat, "category_label": label, "value": value,
                    "numerator": num, "denominator": den, "hidden": hidden})
    return pd.DataFrame(out)


# --- results, one per kind ----------------------------------------------------------------


def count_result(**kw) -> IndicatorResult:
    """Q4.C3.I1 Nombre de CTME (count, to_zero), Isère against the region."""
    return IndicatorResult(
        indicator=IND("Q4.C3.I1"), selection_label="2016-2020 · Isère (38)",
        series=pd.concat([series([12, 9, 6, 4, 2]), series([63, 49, 38, 27, 19], scope="region")],
                         ignore_index=True),
        verdict=Verdict("en_bonne_voie", "…", slope=-2.5, first=12, last=2, points=5), **kw)


def share_result(**kw) -> IndicatorResult:
    """Q3.C1.I4 Appelants sans RQTH (share, up)."""
    return IndicatorResult(
        indicator=IND("Q3.C1.I4"), selection_label="2016-2020 · Isère (38)",
        series=pd.concat([share_series([60, 70, 85, 90, 1234], [150, 150, 200, 180, 2000]),
                          share_series([500, 520, 600, 640, 700], [1000, 1000, 1000, 1000, 1000], scope="region")],
                         ignore_index=True),
        verdict=Verdict("en_bonne_voie", "…", slope=0.05, points=5), **kw)


def share_breakdown_result() -> IndicatorResult:
    """Q3.C1.I2 Appelants en arrêt de travail, par régime (share with a breakdown, no target)."""
    rows = []
    for k, y in enumerate(YEARS):
        rows += [(y, "general", "Régime général", (34 + k) / 65, 34 + k, 65, False),
                 (y, "agricole", "Régime agricole (MSA)", (7 + k) / 15, 7 + k, 15, False),
                 (y, "independants", "Régime des indépendants (RSI)", 10 / 17, 10, 17, False)]
    rows.append((2016, "autre", "Autre régime", np.nan, np.nan, np.nan, True))
    return IndicatorResult(
        indicator=IND("Q3.C1.I2"), selection_label="2016-2020 · Isère (38)",
        series=share_series([51, 55, 58, 60, 62], [100, 100, 100, 100, 100]),
        breakdown=breakdown(rows), hidden_cells=1)


def survey_result() -> IndicatorResult:
    """Q1.C1.I3 Partenaires satisfaits des instances (survey, up)."""
    return IndicatorResult(
        indicator=IND("Q1.C1.I3"), selection_label="2016-2020 · Rhône-Alpes (toute la région)",
        series=share_series([50, 60, 85, 80, 90], [100, 120, 200, 160, 150]),
        verdict=Verdict("atteint", "…", slope=0.04, points=5))


def duration_result() -> IndicatorResult:
    """Q6.C2.I2 Délai arrêt → signalement (duration, down)."""
    dist = pd.DataFrame({"year": YEARS, "n": [81, 94, 76, 82, 71], "p10": [38, 24, 29, 26, 20],
                         "q1": [58, 46, 44, 33, 29], "median": [88, 105, 70, 55, 45],
                         "q3": [158, 180, 125, 99, 99], "p90": [213, 294, 197, 187, 175]})
    return IndicatorResult(
        indicator=IND("Q6.C2.I2"), selection_label="2016-2020 · Isère (38)",
        series=series([88, 105, 70, 55, 45], den=[81, 94, 76, 82, 71]), distribution=dist,
        verdict=Verdict("atteint", "…", slope=-11.75, points=5))


def typology_result() -> IndicatorResult:
    """Q3.C2.I2 Fonction des appelants « entreprises » (typology, case level, small cells hidden)."""
    labels = ["Dirigeant", "Ressources humaines", "Référent handicap", "Encadrement de proximité",
              "Représentant du personnel", "Gestion / comptabilité"]
    rows = []
    for k, y in enumerate(YEARS):
        for i, lab in enumerate(labels):
            v = 40 + 10 * k - 6 * i
            hidden = i == 5 and y == 2016
            rows.append((y, f"c{i}", lab, np.nan if hidden else float(v), np.nan, np.nan, hidden))
    totals = [sum(40 + 10 * k - 6 * i for i in range(6)) for k in range(5)]
    return IndicatorResult(
        indicator=IND("Q3.C2.I2"), selection_label="2016-2020 · Rhône-Alpes (toute la région)",
        series=series(totals), breakdown=breakdown(rows), hidden_cells=1)


def descriptor_result() -> IndicatorResult:
    """Q1.C3.I1 Nature des coopérations engagées (descriptor)."""
    rows = [(2016, "a", "Partenariat bilatéral signé", 2), (2017, "a", "Partenariat bilatéral signé", 3),
            (2017, "b", "Rapprochement entre institutions", 1), (2019, "c", "Passerelle entre offres", 4)]
    records = pd.DataFrame({"date": pd.to_datetime(["2019-03-01", "2017-05-02"]), "territory_label": ["CME Ain"] * 2,
                            "category_label": ["Passerelle entre offres", "Partenariat bilatéral signé"],
                            "title": ["T1", "T2"], "text": ["…", "…"]})
    return IndicatorResult(indicator=IND("Q1.C3.I1"), selection_label="2016-2020 · Rhône-Alpes",
                           series=series([2, 4, 0, 4, 0]), breakdown=breakdown(rows), records=records)


def existence_result() -> IndicatorResult:
    """Q2.C4.I1 Diagnostic en continu (existence): CME Loire has no information in 2019 and 2020."""
    rows = []
    for code, label in [("CME01", "CME Ain"), ("CME38", "CME Isère"), ("CME42", "CME Loire"),
                        ("CME74", "CME Haute-Savoie")]:
        for y in YEARS:
            if code == "CME42" and y >= 2019:
                continue  # no information
            rows.append({"row": code, "row_label": label, "year": y,
                         "exists": code != "CME74" and (y > 2016 or code == "CME38")})
    return IndicatorResult(indicator=IND("Q2.C4.I1"), selection_label="2016-2020 · Rhône-Alpes",
                           matrix=pd.DataFrame(rows), series=series([0.25, 0.75, 0.75, 0.5, 0.5]))


def calendar_result(n: int = 12) -> IndicatorResult:
    """Q2.C2.I2 Calendrier des actions (calendar), newest first."""
    statuses = ["Réalisée", "En cours", "Prévue", "Reportée", "Abandonnée"]
    start = pd.Timestamp("2016-01-15")
    rows = []
    for i in range(n):
        s = start + pd.Timedelta(days=30 * i)
        rows.append({"date": s.date(), "territory_label": ["CME Ain", "CME Isère"][i % 2],
                     "category_label": "", "title": f"Action n° {i + 1} du plan d'actions territorial",
                     "text": "", "start": s, "end": s + pd.Timedelta(days=90) if i % 5 else pd.NaT,
                     "status_label": statuses[i % len(statuses)]})
    records = pd.DataFrame(rows).iloc[::-1].reset_index(drop=True)
    return IndicatorResult(indicator=IND("Q2.C2.I2"), selection_label="2016-2020 · Rhône-Alpes", records=records)


def comparison_result(kind: str = "share") -> IndicatorResult:
    """Q6.C1.I3 Taux de maintien des SAMETH (share, regions), or Q6.C1.I1 (count) per 100 000."""
    regions = [("R11", "Île-de-France"), ("R84", "Auvergne-Rhône-Alpes (dont Rhône-Alpes)"),
               ("R93", "Provence-Alpes-Côte d'Azur"), ("R53", "Bretagne"), ("R94", "Corse")]
    rows = []
    for j, (code, label) in enumerate(regions):
        for k, y in enumerate([2019, 2020]):
            rows.append({"region": code, "region_label": label, "year": y, "value": 0.70 + 0.02 * j + 0.01 * k,
                         "rate_per_100k": 60.0 + 3 * j - k if kind == "count" else np.nan,
                         "highlight": code == "R84", "is_estimate": False})
    ind = IND("Q6.C1.I3" if kind == "share" else "Q6.C1.I1")
    sel = share_series([2658, 3333], [3573, 4154]) if kind == "share" else series([3500, 3893])
    return IndicatorResult(indicator=ind, selection_label="2016-2020 · Rhône-Alpes", series=sel,
                           comparison=pd.DataFrame(rows))


ALL = {
    "count": count_result, "share": share_result, "share_breakdown": share_breakdown_result,
    "survey": survey_result, "duration": duration_result, "typology": typology_result,
    "descriptor": descriptor_result, "existence": existence_result, "calendar": calendar_result,
}


def annotations(fig: go.Figure) -> list[str]:
    return [_plain(a.text) for a in fig.layout.annotations]


def one(result: IndicatorResult) -> go.Figure:
    """The first figure of the kind's builder, called directly so that a bug is not swallowed."""
    figs = builder_of(result.indicator.kind)(result)
    assert figs, "no figure"
    return figs[0]


# --- every kind -------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(ALL))
def test_every_kind_draws_a_projectable_french_figure(name):
    result = ALL[name]()
    assert result.indicator.kind in name or name == "share_breakdown"
    figs = builder_of(result.indicator.kind)(result)
    assert figs and figs == [f for f in figs if isinstance(f, go.Figure)]
    assert len(build_figures(result)) == len(figs)
    for fig in figs:
        lay = fig.layout
        assert lay.separators == SEPARATORS == ",\u202f"  # decimal comma, (narrow no-break) space thousands
        assert lay.font.family.startswith('"Source Sans", "Source Sans Pro"') and lay.font.size >= 15
        assert lay.plot_bgcolor == "white" and lay.paper_bgcolor == "white"
        assert 200 <= lay.height <= MAX_HEIGHT
        assert all(a.font.size is None or a.font.size >= 15 for a in lay.annotations)
        assert lay.legend.orientation == "h" and lay.legend.y <= 0  # legend below the chart
        assert lay.legend.font.size >= 15 and lay.xaxis.tickfont.size >= 15 and lay.yaxis.tickfont.size >= 15
        json.loads(fig.to_json())  # serialisable for st.plotly_chart


def test_year_axes_show_whole_years_only():
    for make in (count_result, share_result, survey_result, duration_result, typology_result):
        fig = one(make())
        xa = fig.layout.xaxis
        assert list(xa.tickvals) == YEARS and list(xa.ticktext) == [str(y) for y in YEARS]
        assert xa.hoverformat == "d"  # "2017", not "2 017"


# --- count and targets -------------------------------------------------------------------


def test_to_zero_count_has_a_zero_line_and_an_axis_from_zero():
    fig = one(count_result())
    zero_lines = [s for s in fig.layout.shapes if s.type == "line" and s.y0 == 0 and s.y1 == 0]
    assert len(zero_lines) == 1
    assert "Cible : 0" in annotations(fig)
    lo, hi = fig.layout.yaxis.range
    assert lo <= 0 < 12 <= hi
    # one axis: the regional total is not on this chart (no second axis to misread)…
    assert [t.name for t in fig.data if t.mode == "lines+markers"] == ["Isère (38)"]
    assert "yaxis2" not in fig.layout.to_plotly_json()
    # …but on the next one, both series as an index, 100 = the first year both have
    compared = figures.build_figures(count_result())[1]
    names = [t.name for t in compared.data]
    assert names == ["Isère (38) (indice)", "Rhône-Alpes (indice)"]
    sel_index, reg_index = compared.data
    assert sel_index.y[0] == 100 and reg_index.y[0] == 100
    assert sel_index.y[-1] == pytest.approx(2 / 12 * 100)        # Isère 12 → 2 sessions: 16,7
    assert reg_index.y[-1] == pytest.approx(19 / 63 * 100)       # region 63 → 19: 30,2
    assert "indice 100 en 2016" in compared.layout.title.text
    sel = fig.data[0]
    assert sel.name == "Isère (38)" and sel.line.color == ACCENT
    assert "%{y:,.0f} séances" in sel.hovertemplate
    assert fig.layout.yaxis.title.text == "Séances"


def test_up_target_arrow_and_robust_trend_through_the_median_point():
    result = share_result()
    fig = one(result)
    assert "Cible : ↗ hausse" in annotations(fig)
    trend = [t for t in fig.data if t.name and t.name.startswith("Tendance")]
    assert len(trend) == 1 and trend[0].line.dash == "dot"
    values = result.selection_series()["value"].to_numpy() * 100
    x0, y0 = np.median(YEARS), np.median(values)
    xs, ys = np.asarray(trend[0].x, float), np.asarray(trend[0].y, float)
    assert xs[0] == 2016 and xs[-1] == 2020
    slope = (ys[-1] - ys[0]) / (xs[-1] - xs[0])
    assert slope == pytest.approx(0.05 * 100)  # the verdict's slope, in points per year on the % axis
    assert ys[0] + slope * (x0 - xs[0]) == pytest.approx(y0)


def test_down_target_without_slope_draws_no_trend():
    result = duration_result()
    result.verdict = Verdict("donnees_insuffisantes", "…")
    fig = one(result)
    assert "Cible : ↘ baisse" in annotations(fig)
    assert not [t for t in fig.data if t.name and t.name.startswith("Tendance")]


def test_stable_target_band_around_the_mean():
    result = count_result()
    result.indicator = result.indicator.model_copy(update={"direction": "stable"})
    fig = one(result)
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert len(rects) == 1
    mean = np.mean([12, 9, 6, 4, 2])
    assert rects[0].y0 == pytest.approx(mean * 0.95) and rects[0].y1 == pytest.approx(mean * 1.05)
    assert any(a.startswith("Cible : stabilité") for a in annotations(fig))


def test_no_target_no_mark():
    fig = one(share_breakdown_result())  # direction "none"
    assert not any(a.startswith("Cible") for a in annotations(fig))
    assert not fig.layout.shapes


# --- shares and surveys -------------------------------------------------------------------


def test_share_hover_carries_numerator_and_denominator():
    fig = one(share_result())
    sel = fig.data[0]
    assert sel.y[2] == pytest.approx(42.5)  # percent on the axis
    custom = np.asarray(sel.customdata, dtype=object)
    assert list(custom[:, 0]) == [60, 70, 85, 90, 1234] and list(custom[:, 1]) == [150, 150, 200, 180, 2000]
    assert custom[2, 2] == f"42,5{NNBSP}% (85 / 200)"
    assert custom[4, 2] == f"61,7{NNBSP}% (1{NNBSP}234 / 2{NNBSP}000)"
    assert "%{customdata[2]}" in sel.hovertemplate
    ya = fig.layout.yaxis
    assert list(ya.range) == [0, 100] and ya.ticksuffix == f"{NNBSP}%"
    region = fig.data[1]
    assert region.name == "Rhône-Alpes" and region.line.dash == "dash" and region.yaxis in (None, "y")


def test_survey_hover_speaks_of_respondents():
    fig = one(survey_result())
    custom = np.asarray(fig.data[0].customdata, dtype=object)
    assert custom[2, 2] == f"42,5{NNBSP}% (85 répondants d'accord sur 200)"
    assert fig.layout.yaxis.title.text == "Part des répondants d'accord"


def test_share_with_breakdown_draws_one_line_per_category():
    fig = one(share_breakdown_result())
    names = [t.name for t in fig.data]
    # "Autre régime" is hidden every year: no line for it, and the note says cells are masked
    # largest categories (by denominator) first, the overall share last
    assert names == ["Régime général", "Régime des indépendants (RSI)", "Régime agricole (MSA)", "Ensemble"]
    styles = {(t.line.dash, t.marker.symbol) for t in fig.data}
    assert len(styles) == len(fig.data)  # distinguishable in greyscale
    assert "Cellules < 5 personnes masquées" in annotations(fig)
    agri = fig.data[2]
    assert np.asarray(agri.customdata, dtype=object)[0, 2] == f"46,7{NNBSP}% (7 / 15)"


def test_share_detail_adds_a_bar_chart_of_the_numerator():
    result = share_result()
    result.detail = pd.DataFrame({"category": ["a", "b", "c"], "category_label": ["Moins de 11", "11 à 49", "50+"],
                                  "value": [65.0, 72.0, np.nan], "hidden": [False, False, True]})
    figs = figures.share_figures(result)
    assert len(figs) == 2
    bars = figs[1].data[0]
    assert bars.orientation == "h" and list(bars.y) == ["Moins de 11", "11 à 49"] and list(bars.x) == [65, 72]
    assert "répartition sur la période" in figs[1].layout.title.text


# --- hidden small cells -----------------------------------------------------------------


def test_hidden_cells_are_not_plotted_and_announced():
    result = share_result(hidden_cells=1, small_cell_threshold=11)
    s = result.series
    s.loc[(s["scope"] == "selection") & (s["year"] == 2018), "hidden"] = True  # value still in the frame
    fig = one(result)
    sel = fig.data[0]
    assert np.isnan(sel.y[2]) and not np.isnan(sel.y[1])
    # no numerator/denominator either: the secret mark instead
    assert np.asarray(sel.customdata, dtype=object)[2, 2] == "s (secret statistique)"
    assert "Cellules < 11 personnes masquées" in annotations(fig)
    assert "Cellules < 11 personnes masquées" not in annotations(one(share_result()))


def test_hidden_duration_year_has_no_box():
    result = duration_result()
    result.series.loc[result.series["year"] == 2017, ["value", "hidden"]] = [np.nan, True]
    result.hidden_cells = 1
    fig = one(result)
    box = next(t for t in fig.data if isinstance(t, go.Box))
    assert 2017 not in list(box.x)
    assert "Cellules < 5 personnes masquées" in annotations(fig)


# --- duration, typology, descriptor ----------------------------------------------------


def test_duration_boxes_from_precomputed_stats():
    fig = one(duration_result())
    box = next(t for t in fig.data if isinstance(t, go.Box))
    assert list(box.q1) == [58, 46, 44, 33, 29] and list(box.median) == [88, 105, 70, 55, 45]
    assert list(box.q3) == [158, 180, 125, 99, 99]
    assert list(box.lowerfence) == [38, 24, 29, 26, 20] and list(box.upperfence) == [213, 294, 197, 187, 175]
    assert box.hoverinfo == "skip"  # the median line carries a French hover instead of Plotly's "q1:"
    line = next(t for t in fig.data if isinstance(t, go.Scatter) and t.name.startswith("Délai médian"))
    assert "Quartiles : 46 à 180 jours" in line.customdata[1]
    assert fig.layout.yaxis.title.text == "Jours"


def test_typology_stacked_bars_with_patterns_and_totals():
    fig = one(typology_result())
    bars = [t for t in fig.data if isinstance(t, go.Bar)]
    assert fig.layout.barmode == "stack" and len(bars) == 6
    shapes = [b.marker.pattern.shape for b in bars]
    assert len(set(shapes)) == len(shapes) and sum(bool(s) for s in shapes) >= 5
    colors = [b.marker.color for b in bars]
    assert len(set(colors)) == len(colors)
    assert [b.name for b in bars][0] == "Dirigeant"  # largest category first
    gestion = next(b for b in bars if b.name == "Gestion / comptabilité")
    assert np.isnan(gestion.y[0])  # hidden cell
    assert "Cellules < 5 personnes masquées" in annotations(fig)
    totals = next(t for t in fig.data if isinstance(t, go.Scatter) and t.mode == "text")
    assert _plain(totals.text[0]) == "Total : 150"


def test_descriptor_counts_per_category_over_the_period():
    fig = one(descriptor_result())
    bar = fig.data[0]
    assert bar.orientation == "h"
    assert dict(zip(bar.y, bar.x)) == {"Partenariat bilatéral signé": 5, "Rapprochement entre institutions": 1,
                                       "Passerelle entre offres": 4}
    assert list(bar.x) == sorted(bar.x)  # largest on top
    # without a breakdown, the records themselves are counted
    result = descriptor_result()
    result.breakdown = None
    assert dict(zip(one(result).data[0].y, one(result).data[0].x)) == {"Passerelle entre offres": 1,
                                                                      "Partenariat bilatéral signé": 1}


def test_descriptor_with_many_categories_keeps_the_largest():
    rows = [(2016, f"c{i}", f"Catégorie {i:02d}", float(100 - i)) for i in range(30)]
    result = descriptor_result()
    result.breakdown = breakdown(rows)
    fig = one(result)
    assert len(fig.data[0].y) == figures.MAX_BARS
    assert any(a.startswith("Non représentées : 15 autres catégories") for a in annotations(fig))


# --- existence ------------------------------------------------------------------------


def test_existence_matrix_says_oui_non_and_leaves_missing_blank():
    fig = one(existence_result())
    hm = fig.data[0]
    assert isinstance(hm, go.Heatmap) and hm.showscale is False
    assert list(hm.y) == ["CME Ain", "CME Isère", "CME Loire", "CME Haute-Savoie"]
    assert list(hm.x) == [str(y) for y in YEARS]
    text = [list(r) for r in hm.text]
    assert text[0] == ["Non", "Oui", "Oui", "Oui", "Oui"]
    assert text[1] == ["Oui"] * 5
    assert text[2] == ["Non", "Oui", "Oui", "", ""]  # no information in 2019-2020: blank
    assert text[3] == ["Non"] * 5
    z = np.asarray(hm.z, dtype=float)
    assert np.isnan(z[2, 3]) and np.isnan(z[2, 4]) and z[1, 0] == 1 and z[3, 0] == 0
    assert np.asarray(hm.customdata, dtype=object)[2, 4] == "Pas d'information"
    assert hm.hoverongaps is False
    # a legend of the three states, readable in greyscale
    assert [t.name for t in fig.data[1:]] == ["Oui : existe", "Non : n'existe pas", "Blanc : pas d'information"]
    assert fig.layout.yaxis.autorange == "reversed"


# --- calendar -------------------------------------------------------------------------


def test_calendar_gantt_one_bar_per_item_coloured_by_status():
    fig = one(calendar_result())
    bars = [t for t in fig.data if isinstance(t, go.Bar)]
    assert sum(len(b.y) for b in bars) == 12
    assert [b.name for b in bars] == ["Réalisée", "En cours", "Prévue", "Reportée", "Abandonnée"]
    assert len({b.marker.pattern.shape for b in bars}) == len(bars)
    assert fig.layout.xaxis.type == "date" and fig.layout.xaxis.tickformat == "%m/%Y"
    first = next(b for b in bars if b.name == "Réalisée")
    custom = np.asarray(first.customdata, dtype=object)
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4}", custom[0, 2])  # French dates in the hover
    assert "non renseignée" in list(custom[:, 3])  # items without an end date are still drawn
    assert str(first.base[0]) == "2016-01-15"
    assert list(fig.layout.yaxis.range) == [11.5, -0.5]  # first item on top, no blank rows


def test_calendar_shows_at_most_the_newest_items():
    result = calendar_result(n=70)
    fig = one(result)
    shown = sum(len(b.y) for b in fig.data if isinstance(b, go.Bar))
    assert shown == MAX_CALENDAR_ITEMS and fig.layout.height <= MAX_HEIGHT
    assert any(a.startswith(f"{MAX_CALENDAR_ITEMS} actions les plus récentes sur 70") for a in annotations(fig))
    ticktext = list(fig.layout.yaxis.ticktext)
    assert ticktext[-1].startswith("Action n° 70") and not any(t.startswith("Action n° 30 ") for t in ticktext)


# --- comparison -----------------------------------------------------------------------


def test_comparison_highlights_exactly_one_region_for_the_latest_year():
    fig = comparison_figure(comparison_result("share"))
    bar = fig.data[0]
    assert bar.orientation == "h"
    colors = list(bar.marker.color)
    assert colors.count(ACCENT) == 1
    hl = colors.index(ACCENT)
    assert bar.y[hl] == "<b>Auvergne-Rhône-Alpes (dont Rhône-Alpes)</b>"
    assert list(bar.x) == sorted(bar.x)  # ranked, largest on top
    assert max(bar.x) == pytest.approx((0.70 + 0.08 + 0.01) * 100)  # 2020 values, in %
    assert bar.text[-1] == f"79,0{NNBSP}%"
    assert bar.text[bar.y.index("<b>Auvergne-Rhône-Alpes (dont Rhône-Alpes)</b>")].startswith("<b>")
    assert fig.layout.xaxis.ticksuffix == f"{NNBSP}%"
    assert not (fig.layout.title and fig.layout.title.text)  # the page writes headings
    assert fig.layout.separators == SEPARATORS


def test_comparison_of_counts_uses_the_rate_per_100k():
    fig = comparison_figure(comparison_result("count"))
    bar = fig.data[0]
    assert sorted(bar.x) == [59.0, 62.0, 65.0, 68.0, 71.0]
    assert "pour 100 000 habitants" in fig.layout.xaxis.title.text
    assert list(bar.marker.color).count(ACCENT) == 1


def test_comparison_absent_or_empty_gives_none():
    assert comparison_figure(share_result()) is None
    result = comparison_result()
    result.comparison = result.comparison.iloc[0:0]
    assert comparison_figure(result) is None
    result.comparison = pd.DataFrame({"region": ["R84"], "region_label": ["ARA"], "year": [2020],
                                      "value": [np.nan], "rate_per_100k": [np.nan], "highlight": [True]})
    assert comparison_figure(result) is None


# --- robustness -----------------------------------------------------------------------


KINDS = ["Q4.C3.I1", "Q3.C1.I4", "Q3.C1.I2", "Q1.C1.I3", "Q6.C2.I2", "Q3.C2.I2", "Q1.C3.I1", "Q2.C4.I1",
         "Q2.C2.I2", "Q6.C1.I3"]


@pytest.mark.parametrize("indicator_id", KINDS)
def test_empty_results_give_no_figure(indicator_id):
    ind = IND(indicator_id)
    empty = IndicatorResult(indicator=ind, selection_label="2016-2020 · Rhône-Alpes")
    assert builder_of(ind.kind)(empty) == []
    assert build_figures(empty) == [] and comparison_figure(empty) is None
    frames = IndicatorResult(
        indicator=ind, selection_label="x", series=series([]), breakdown=breakdown([]).reindex(
            columns=["year", "category", "category_label", "value", "numerator", "denominator", "hidden"]),
        detail=pd.DataFrame(columns=["category", "category_label", "value", "hidden"]),
        matrix=pd.DataFrame(columns=["row", "row_label", "year", "exists"]),
        records=pd.DataFrame(columns=["date", "territory_label", "category_label", "title", "text", "start", "end",
                                      "status_label"]),
        distribution=pd.DataFrame(columns=["year", "n", "p10", "q1", "median", "q3", "p90"]),
        comparison=pd.DataFrame(columns=["region", "region_label", "year", "value", "rate_per_100k", "highlight"]))
    assert builder_of(ind.kind)(frames) == []
    assert comparison_figure(frames) is None


@pytest.mark.parametrize("name", ["count", "share", "survey", "duration", "typology"])
def test_all_missing_values_give_no_figure(name):
    result = ALL[name]()
    result.series = result.series.assign(value=np.nan, numerator=np.nan, denominator=np.nan)
    if result.breakdown is not None:
        result.breakdown = result.breakdown.assign(value=np.nan)
    result.distribution = None
    assert builder_of(result.indicator.kind)(result) == []


def test_zero_denominators_and_a_single_year():
    result = share_result()
    result.series = pd.concat([share_series([0, 0], [0, 0]), share_series([5], [10], scope="region")],
                              ignore_index=True)
    assert figures.share_figures(result) == []  # only NaN shares for the selection
    result.series = share_series([3], [8]).assign(year=2020)
    fig = one(result)
    assert list(fig.layout.xaxis.tickvals) == [2020]
    lo, hi = fig.layout.xaxis.range
    assert lo < 2020 < hi and hi - lo < 2
    assert not [t for t in fig.data if t.name and t.name.startswith("Tendance")]  # no trend from one point
    single = count_result()
    single.series = series([4], years=[2018])
    fig = one(single)
    assert fig.layout.yaxis.range[0] <= 0 and "Cible : 0" in annotations(fig)


def test_existence_with_odd_values_and_single_year():
    result = existence_result()
    result.matrix = pd.DataFrame({"row": ["A", "B", "C"], "row_label": ["A", None, "C"], "year": [2018] * 3,
                                  "exists": [True, None, np.nan]})
    hm = one(result).data[0]
    assert [list(r) for r in hm.text] == [["Oui"], [""], [""]]
    assert list(hm.y) == ["A", "B", "C"]


def test_calendar_without_dates_gives_no_figure():
    result = calendar_result(3)
    result.records = result.records.assign(start=pd.NaT)
    assert figures.calendar_figures(result) == []


def test_build_figures_never_raises(monkeypatch):
    def boom(result):
        raise RuntimeError("bug")

    monkeypatch.setitem(BUILDERS, REGISTRY["count"].display, boom)
    assert build_figures(count_result()) == []


# --- page configuration ---------------------------------------------------------------


def test_plotly_config_is_french_and_shares_nothing():
    assert PLOTLY_CONFIG["displaylogo"] is False
    assert PLOTLY_CONFIG["showSendToCloud"] is False  # plotly.js 4 would offer an upload to Plotly Cloud
    assert "sendChartToCloud" in PLOTLY_CONFIG["modeBarButtonsToRemove"]
    assert PLOTLY_CONFIG["locale"] == "fr"
    fr = PLOTLY_CONFIG["locales"]["fr"]
    assert fr["format"]["decimal"] == "," and fr["dictionary"]["Download plot as a PNG"].startswith("Télécharger")
    cfg = plotly_config("Q4.C3.I1 Isère")
    assert cfg["toImageButtonOptions"]["filename"] == "Q4_C3_I1_Is_re"
    assert PLOTLY_CONFIG["toImageButtonOptions"]["filename"] == "indicateur"  # not mutated
    json.dumps(cfg)


def test_dates_of_records_can_be_python_dates():
    result = calendar_result(2)
    result.records = result.records.assign(start=[dt.date(2017, 1, 2), dt.date(2018, 3, 4)],
                                           end=[dt.date(2017, 6, 1), None])
    fig = one(result)
    assert sum(len(b.y) for b in fig.data if isinstance(b, go.Bar)) == 2


def test_every_kind_of_the_registry_has_a_figure_builder():
    assert {k: builder_of(k) is not None for k in REGISTRY} == {k: True for k in REGISTRY}
    assert builder_of("bogus") is None


def test_a_cached_figure_dict_is_never_handed_to_plotly(monkeypatch):
    """Plotly's validation takes each trace's "type" out of the dict it validates and puts it back: two
    sessions drawing the same cached dict at once read a bar as a scatter (seen under load). The app's
    one chart call hands Streamlit a copy and leaves the cached dict as it was."""
    import plotly.graph_objects as go

    from dashboard.views import ui

    cached = go.Figure(go.Bar(x=[2019], y=[3], marker=dict(pattern=dict(shape="/")))).to_plotly_json()
    before = repr(cached)
    seen = []
    monkeypatch.setattr(ui.st, "plotly_chart", lambda fig, **kw: seen.append((fig, kw)))
    ui.plotly_chart(cached, key="k", theme=None)
    (given, kwargs), = seen
    assert given == cached and given is not cached
    assert all(a is not b for a, b in zip(given["data"], cached["data"]))   # no trace dict shared
    assert kwargs == {"key": "k", "theme": None} and repr(cached) == before


def test_objectives_are_drawn_as_target_lines_at_their_target_and_years():
    from dashboard.core.objectives import Objective, judge

    res = count_result()
    sel = res.selection_series().set_index("year")["value"]
    yearly = judge(Objective("Q4.C3.I1", "CME38", 2018, 2020, "chaque_annee", "le", 5.0), sel, YEARS, unit="séances")
    deadline = judge(Objective("Q4.C3.I1", "CME38", 2016, 2020, "echeance", "le", 20.0), sel, YEARS)
    res.objectives = [yearly, deadline]
    fig = one(res)
    lines = [t for t in fig.data if t.meta == "objectif" and t.mode == "lines"]
    # "au plus 5 chaque année 2018-2020" (6, 4, 2: 2 of 3, 2020 met → atteint) and "au plus 20 en 2020"
    assert [(list(t.x), list(t.y), t.name) for t in lines] == [
        ([2017.6, 2020.4], [5.0, 5.0], "Objectif (atteint)"), ([2015.6, 2020.4], [20.0, 20.0], "Objectif (atteint)")]
    [diamond] = [t for t in fig.data if t.meta == "objectif" and t.mode == "markers"]
    assert (list(diamond.x), list(diamond.y), diamond.marker.symbol) == ([2020], [20.0], "diamond")
    assert "Objectif : au plus 5 séances chaque année de 2018 à 2020" in lines[0].hovertemplate
    # the to-zero axis (0 … 1,15 × 12) is widened so that the target of 20 shows
    assert fig.layout.yaxis.range[1] >= 20


def test_analysis_comments_are_markers_on_the_yearly_chart_with_their_text_escaped():
    res = count_result()
    base = one(res).to_plotly_json()
    comments = pd.DataFrame({"year": [2018, 2018, 2020], "author": ["A. Martin", "CPR", "B."],
                             "text": ["Baisse liée à <la> fusion", "Vu en CPR", "Objectif 2020 : 0 %{x}"]})
    out = figures.with_comments(base, res, comments)
    assert out is not base and len(out["data"]) == len(base["data"]) + 1   # the cached dict is left alone
    marker = out["data"][-1]
    # Isère's CTME: 6 in 2018, 2 in 2020: the markers sit on the line
    assert (marker["x"], marker["y"], marker["meta"]) == ([2018, 2020], [6.0, 2.0], "commentaire")
    assert marker["hovertext"][0].startswith("<b>2 commentaires d'analyse, 2018</b>")
    assert "Baisse liée à &lt;la&gt; fusion" in marker["hovertext"][0] and "<b>CPR</b> : Vu en CPR" in marker["hovertext"][0]
    assert marker["hoverinfo"] == "text"             # no template: "%{x}" in a comment stays text
    assert figures.with_comments(base, res, comments.iloc[0:0]) is base


# --- margins sized before Plotly draws (one drawing pass instead of two) ----------------------


def _yearly(values, **layout):
    fig = go.Figure(go.Scatter(x=YEARS, y=values, name="Rhône-Alpes"))
    figures.base_layout(fig, height=360, y_title="Titre")
    fig.update_layout(**layout)
    return fig


def test_margins_follow_the_widest_tick_label_and_automargin_stays_on():
    # the top tick (10 % above the largest value) rounded up, as characters: 8 -> "9", 1 450 -> "2 000",
    # 99 000 -> "200 000"; under 5, ticks such as "0,5" (3 characters)
    tiny, small, thousands, large = (figures.presize_margins(_yearly(v)) for v in (
        [0.2, 0.5, 1, 2, 3], [1, 8, 4, 2, 3], [900, 1450, 1200, 1, 2], [99_000, 1, 2, 3, 4]))
    char, title = figures._TICK_CHAR_PX, 26
    assert tiny.layout.margin.l == int(np.ceil(20 + 3 * char + title))
    assert small.layout.margin.l == int(np.ceil(20 + 1 * char + title))
    assert thousands.layout.margin.l == int(np.ceil(20 + len(f"2{NNBSP}000") * char + title))
    assert large.layout.margin.l == int(np.ceil(20 + len(f"200{NNBSP}000") * char + title))
    # stacked bars: the stack's top decides (3 × 400 = 1 200 -> "2 000"), not one bar's 400
    stack = go.Figure([go.Bar(x=YEARS, y=[400] * 5, name=n) for n in "abc"])
    figures.base_layout(stack, y_title="Titre")
    stack.update_layout(barmode="stack")
    assert figures.presize_margins(stack).layout.margin.l == thousands.layout.margin.l
    # a share axis ("100 %")
    share = _yearly([0.2, 0.5, 0.4, 0.3, 0.6])
    figures._percent_axis(share)
    assert figures.presize_margins(share).layout.margin.l == int(np.ceil(20 + 5 * char + title))
    # a label wider than the estimate still gets its room: Plotly's automargin is not turned off
    for fig in (small, thousands, large, share):
        assert fig.layout.xaxis.automargin is True and fig.layout.yaxis.automargin is True


def test_margins_of_category_bars_and_of_a_legend_below():
    short = figures._category_bars(pd.DataFrame({"category_label": ["Ain", "Isère"], "value": [5, 7]}), "actions")
    long = figures._category_bars(pd.DataFrame({"category_label": ["Services sociaux (CARSAT, MSA, RSI)", "Ain"],
                                                "value": [5, 7]}), "actions")
    short, long = figures.presize_margins(short), figures.presize_margins(long)
    assert long.layout.margin.l - short.layout.margin.l == pytest.approx(
        figures._TICK_CHAR_PX * (len("Services sociaux (CARSAT, MSA, RSI)") - len("Isère")), abs=1)
    # an x title below the ticks: more room at the bottom than ticks alone
    assert short.layout.margin.b == 45 + 22
    # a legend below: one line for two names, more lines (more room) for eleven long ones
    two = figures.presize_margins(_yearly([1, 2, 3, 4, 5]))
    many = go.Figure([go.Scatter(x=YEARS, y=[1, 2, 3, 4, 5], name=f"Catégorie numéro {k} assez longue")
                      for k in range(11)])
    figures.base_layout(many, height=360, y_title="Titre")
    many = figures.presize_margins(many)
    assert 45 < two.layout.margin.b < many.layout.margin.b
    # a figure with a second axis is left to Plotly
    twin = _yearly([1, 2, 3, 4, 5], yaxis2=dict(overlaying="y", side="right"))
    assert figures.presize_margins(twin).layout.margin.l == 10


@pytest.mark.parametrize("name", list(ALL))
def test_every_kind_presizes_its_margins(name):
    """What the pages draw (build_figures) has its margins sized; the builder alone leaves Plotly's."""
    result = ALL[name]()
    built, drawn = builder_of(result.indicator.kind)(result), build_figures(result)
    assert len(built) == len(drawn) and all(f.layout.margin.l == 10 for f in built)   # base_layout's
    for fig in drawn:
        assert fig.layout.margin.l >= 10 + 3 * figures._TICK_CHAR_PX, name   # room for its tick labels
        assert fig.layout.margin.b >= 45 or fig.layout.xaxis.side == "top", name


def test_a_margin_estimate_that_fails_leaves_the_figure_to_plotly(monkeypatch):
    fig = _yearly([1, 2, 3, 4, 5])

    def broken(_fig):
        raise ValueError("boom")

    monkeypatch.setattr(figures, "_y_label_chars", broken)
    assert figures.presize_margins(fig) is fig and fig.layout.margin.l == 10 and fig.layout.yaxis.automargin
