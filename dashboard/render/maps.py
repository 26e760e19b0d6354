"""Plotly figures of the comparison pages: choropleth maps, small multiples, region ranks.

DataFrames in, figures out, no Streamlit, no database, no network: outlines come
from :mod:`dashboard.render.geo` and are drawn on a blank geo canvas (no tiles). Every
map carries the territory code in ``customdata[0]`` so a click can open the
territory's view.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.core.formatting import fmt_number
from dashboard.core.kinds import spec
from dashboard.core.territorial import TerritorialResult, format_metric
from dashboard.render.figures import (
    ACCENT,
    AXIS_COLOR,
    FONT_FAMILY,
    GRID_COLOR,
    MUTED_COLOR,
    NNBSP,
    REGION_COLOR,
    SMALL_FONT,
    TEXT_COLOR,
    VERDICT_COLORS,
    base_layout,
    presize_margins,
)

# Sequential single-hue scale (light = low, dark = high), readable in greyscale.
MAP_SCALE = [[0.0, "#E8EDFF"], [0.5, "#6A6AF4"], [1.0, "#000091"]]
NO_DATA_COLOR = "#D9D9D9"
EXISTS_SCALE = [[0.0, "#F4C7C3"], [0.5, "#F4C7C3"], [0.5, "#000091"], [1.0, "#000091"]]
MAP_HEIGHT = 560


def _ring_centroid(ring) -> tuple[float, float, float]:
    """Area-weighted centroid of a lon/lat ring (shoelace), and its absolute area."""
    xs = np.array([p[0] for p in ring], dtype=float)
    ys = np.array([p[1] for p in ring], dtype=float)
    cross = xs[:-1] * ys[1:] - xs[1:] * ys[:-1]
    area = cross.sum() / 2
    if abs(area) < 1e-12:
        return float(xs.mean()), float(ys.mean()), 0.0
    cx = ((xs[:-1] + xs[1:]) * cross).sum() / (6 * area)
    cy = ((ys[:-1] + ys[1:]) * cross).sum() / (6 * area)
    return float(cx), float(cy), abs(float(area))


def feature_centroids(geojson: dict) -> dict[str, tuple[float, float]]:
    """Feature id -> (lon, lat) of its largest polygon's centroid (where its label goes)."""
    out = {}
    for f in geojson["features"]:
        geom = f["geometry"]
        polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        best = max((_ring_centroid(p[0]) for p in polys), key=lambda c: c[2])
        if geom["type"] == "MultiPolygon" and len(polys) > 1:
            # a CME made of several départements: the area-weighted mean of its parts
            cents = [_ring_centroid(p[0]) for p in polys]
            total = sum(c[2] for c in cents) or 1.0
            best = (sum(c[0] * c[2] for c in cents) / total, sum(c[1] * c[2] for c in cents) / total, total)
        out[f["id"]] = (best[0], best[1])
    return out


def _short_name(label: str) -> str:
    return str(label).replace("CME ", "").split(" (")[0]


def territory_map(result: TerritorialResult, year: int, geojson: dict, use_rate: bool) -> go.Figure:
    """Choropleth of one year; grey where there is no value (or a hidden small cell)."""
    ind = result.indicator
    metric = result.metric(use_rate)
    f = result.frame[result.frame["year"] == year].set_index("territory")
    ids = [feat["id"] for feat in geojson["features"]]
    names = {feat["id"]: feat["properties"].get("nom", feat["id"]) for feat in geojson["features"]}
    values = f[metric].reindex(ids) if not f.empty else pd.Series(np.nan, index=ids)
    hidden = f["hidden"].reindex(ids).fillna(False).astype(bool) if not f.empty else pd.Series(False, index=ids)
    labels = f["territory_label"].reindex(ids).fillna(pd.Series(names)) if not f.empty else pd.Series(names)
    texts = []
    for code in ids:
        v = values.get(code)
        if hidden.get(code):
            txt = "secret statistique (petit effectif)"
        else:
            txt = format_metric(v, ind.kind, metric)
            if metric == "rate_per_100k" and not f.empty and code in f.index and pd.notna(f.at[code, "value"]):
                txt += f" ({fmt_number(f.at[code, 'value'])} en nombre)"
        verdict = result.verdicts.get(code)
        texts.append(f"<b>{labels.get(code, code)}</b><br>{year} : {txt}"
                     + (f"<br>Tendance : {verdict.label}" if verdict else "")
                     + "<br><i>Cliquer pour ouvrir la vue du territoire</i>")
    has = values.notna()
    fig = go.Figure()
    missing = [c for c in ids if not has.get(c)]
    if missing:
        fig.add_trace(go.Choropleth(
            geojson=geojson, featureidkey="id", locations=missing, z=[0] * len(missing),
            colorscale=[[0, NO_DATA_COLOR], [1, NO_DATA_COLOR]], showscale=False,
            marker_line_color="white", marker_line_width=1.5, name="Pas de valeur",
            customdata=[[c, texts[ids.index(c)]] for c in missing], hovertemplate="%{customdata[1]}<extra></extra>",
        ))
    present = [c for c in ids if has.get(c)]
    if present:
        z = [float(values[c]) for c in present]
        ks = spec(ind.kind)
        is_exist = ks.shape == "existence"
        is_share = ks.ratio
        colorbar = dict(title=dict(text=_legend_title(result, metric), side="right", font=dict(size=SMALL_FONT)),
                        thickness=16, len=0.8, tickfont=dict(size=SMALL_FONT), separatethousands=True)
        if is_share:
            colorbar.update(tickformat=".0%")
        if is_exist:
            colorbar.update(tickvals=[0.25, 0.75], ticktext=["Non", "Oui"], title=dict(text=""))
        fig.add_trace(go.Choropleth(
            geojson=geojson, featureidkey="id", locations=present, z=z,
            zmin=0 if is_exist else (0 if (is_share or min(z) >= 0) else None),
            zmax=1 if is_exist else None,
            colorscale=EXISTS_SCALE if is_exist else MAP_SCALE, colorbar=colorbar,
            marker_line_color="white", marker_line_width=1.5, name=ind.short_label,
            customdata=[[c, texts[ids.index(c)]] for c in present],
            hovertemplate="%{customdata[1]}<extra></extra>",
        ))
    cents = feature_centroids(geojson)
    lon = [cents[c][0] for c in ids]
    lat = [cents[c][1] for c in ids]
    short = []
    for c in ids:
        v = values.get(c)
        val = "·" if hidden.get(c) else format_metric(v, ind.kind, metric, with_unit=False)
        if spec(ind.kind).shape == "existence" and pd.notna(v):
            val = "Oui" if v >= 0.5 else "Non"
        short.append(f"<b>{_short_name(labels.get(c, c))}</b><br>{val}")
    lo, hi = (float(values[present].min()), float(values[present].max())) if present else (0.0, 0.0)
    # white text on the dark upper part of the scale
    dark = {c for c in present if hi > lo and (float(values[c]) - lo) / (hi - lo) > 0.55}
    fig.add_trace(go.Scattergeo(
        lon=lon, lat=lat, text=short, mode="text", hoverinfo="skip", showlegend=False,
        textfont=dict(size=SMALL_FONT, family=FONT_FAMILY, color=["white" if c in dark else TEXT_COLOR for c in ids]),
    ))
    fig.update_geos(fitbounds="locations", visible=False, projection_type="mercator", bgcolor="white")
    fig.update_layout(
        separators=f",{NNBSP}", height=MAP_HEIGHT, margin=dict(l=0, r=0, t=8, b=0), paper_bgcolor="white",
        font=dict(family=FONT_FAMILY, size=SMALL_FONT + 1, color=TEXT_COLOR), showlegend=False,
        hoverlabel=dict(font=dict(family=FONT_FAMILY, size=SMALL_FONT + 1, color=TEXT_COLOR), bgcolor="white",
                        bordercolor=AXIS_COLOR),
        clickmode="event+select", dragmode=False,
    )
    return fig


def _legend_title(result: TerritorialResult, metric: str) -> str:
    if metric == "rate_per_100k":
        return "pour 100 000 hab."
    return (spec(result.indicator.kind).fixed_unit or result.indicator.unit or "nombre")[:24]


def small_multiples(result: TerritorialResult, use_rate: bool, cols: int = 4) -> go.Figure | None:
    """One small chart per territory over the period, same y scale, Rhône-Alpes dashed where comparable."""
    f = result.frame
    if f.empty or f["value"].notna().sum() == 0:
        return None
    ind = result.indicator
    metric = result.metric(use_rate)
    order = (f.groupby("territory")["territory_label"].first().sort_values())
    codes = list(order.index)
    rows = math.ceil(len(codes) / cols)
    titles = []
    for c in codes:
        v = result.verdicts.get(c)
        color = VERDICT_COLORS.get(v.code, MUTED_COLOR) if v else MUTED_COLOR
        titles.append(f"<b>{_short_name(order[c])}</b><br><span style='color:{color}'>"
                      f"{v.label if v else 'sans cible'}</span>")
    height = 90 + 250 * rows
    fig = make_subplots(rows=rows, cols=cols, shared_yaxes=True, subplot_titles=titles,
                        vertical_spacing=min(0.4, 110 / height) if rows > 1 else 0.1, horizontal_spacing=0.03)
    is_share = spec(ind.kind).percent
    # the regional series is comparable with a territory's for shares, durations and rates, not for counts
    region_comparable = metric == "rate_per_100k" or not spec(ind.kind).events
    reg = result.region.dropna(subset=[metric]) if region_comparable else pd.DataFrame()
    years = sorted(f["year"].unique())
    for i, code in enumerate(codes):
        r, c = i // cols + 1, i % cols + 1
        s = f[f["territory"] == code].sort_values("year")
        y = s[metric] * (100 if is_share else 1)
        hover = [f"{order[code]} · {yr} : {format_metric(v, ind.kind, metric)}" for yr, v in zip(s["year"], s[metric])]
        if not reg.empty:
            fig.add_trace(go.Scatter(
                x=reg["year"], y=reg[metric] * (100 if is_share else 1), mode="lines",
                line=dict(color=REGION_COLOR, width=1.5, dash="dash"), name="Rhône-Alpes",
                showlegend=i == 0, hovertemplate="Rhône-Alpes · %{x} : %{y:,.1f}<extra></extra>"), row=r, col=c)
        fig.add_trace(go.Scatter(
            x=s["year"], y=y, mode="lines+markers", line=dict(color=ACCENT, width=2.5), marker=dict(size=6),
            name="Territoire", showlegend=i == 0, customdata=hover, hovertemplate="%{customdata}<extra></extra>",
        ), row=r, col=c)
    base_layout(fig, height=height, legend_y=-30 / height - 0.02, hovermode="closest")
    fig.update_xaxes(tickmode="array", tickvals=years, ticktext=[f"{str(y)[2:]}" for y in years],
                     showgrid=False, tickfont=dict(size=SMALL_FONT - 2))
    fig.update_yaxes(rangemode="tozero", gridcolor=GRID_COLOR, tickfont=dict(size=SMALL_FONT - 2),
                     ticksuffix=f"{NNBSP}%" if is_share else "")
    fig.update_annotations(font=dict(size=SMALL_FONT))
    fig.update_layout(margin=dict(t=70, l=10, r=10, b=10))
    return fig


def region_map(comparison: pd.DataFrame, year: int, geojson: dict, kind: str,
               highlight_label: str = "Auvergne-Rhône-Alpes") -> go.Figure | None:
    """The 13 metropolitan regions for one year, the highlighted region outlined."""
    if comparison is None or comparison.empty:
        return None
    c = comparison[comparison["year"] == year]
    if c.empty:
        return None
    metric = "rate_per_100k" if c["rate_per_100k"].notna().any() else "value"
    is_share = metric == "value" and spec(kind).ratio
    vals = c.set_index("region")
    text = [f"<b>{lab}</b><br>{year} : "
            + (f"{fmt_number(v * 100, 1)}{NNBSP}%" if is_share else
               (f"{fmt_number(v, 1)} pour 100 000 hab." if metric == "rate_per_100k" else fmt_number(v, 1)))
            + (" (estimation)" if est else "")
            for lab, v, est in zip(c["region_label"], c[metric], c.get("is_estimate", pd.Series(False, c.index)))]
    fig = go.Figure(go.Choropleth(
        geojson=geojson, featureidkey="id", locations=list(c["region"]),
        z=list(c[metric] * (100 if is_share else 1)), colorscale=MAP_SCALE,
        marker_line_color="white", marker_line_width=1,
        colorbar=dict(title=dict(text="%" if is_share else ("pour 100 000 hab." if metric == "rate_per_100k" else ""),
                                 side="right", font=dict(size=SMALL_FONT)), thickness=14, len=0.7,
                      tickfont=dict(size=SMALL_FONT)),
        customdata=[[r, t] for r, t in zip(c["region"], text)], hovertemplate="%{customdata[1]}<extra></extra>",
    ))
    hi = vals[vals["highlight"]].index.tolist()
    if hi:
        fig.add_trace(go.Choropleth(
            geojson=geojson, featureidkey="id", locations=hi, z=[0] * len(hi),
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False,
            marker_line_color="#E1000F", marker_line_width=4, hoverinfo="skip", name=highlight_label))
    fig.update_geos(fitbounds="locations", visible=False, projection_type="mercator", bgcolor="white")
    fig.update_layout(height=MAP_HEIGHT, margin=dict(l=0, r=0, t=8, b=0), paper_bgcolor="white",
                      font=dict(family=FONT_FAMILY, size=SMALL_FONT + 1, color=TEXT_COLOR), showlegend=False,
                      separators=f",{NNBSP}", dragmode=False)
    return fig


def rank_over_time(ranks: pd.DataFrame, label: str) -> go.Figure | None:
    """Position of the highlighted region among the regions, per year (1 at the top)."""
    h = ranks[ranks["highlight"]] if not ranks.empty else ranks
    if h.empty:
        return None
    of = int(ranks["of"].max())
    fig = go.Figure(go.Scatter(
        x=h["year"], y=h["rank"], mode="lines+markers+text", line=dict(color=ACCENT, width=3),
        marker=dict(size=10), text=[f"{int(r)}{'er' if r == 1 else 'e'}/{int(n)}" for r, n in zip(h["rank"], h["of"])],
        textposition="top center", textfont=dict(size=SMALL_FONT + 1), name=label,
        hovertemplate=label + " · %{x} : rang %{y}<extra></extra>"))
    base_layout(fig, height=320, y_title="Rang (1 = le plus favorable)", showlegend=False)
    years = sorted(h["year"].unique())
    fig.update_xaxes(tickmode="array", tickvals=years, ticktext=[str(y) for y in years],
                     range=[years[0] - 0.4, years[-1] + 0.4], showgrid=False)
    fig.update_yaxes(range=[of + 0.5, 0.3], tickmode="array", tickvals=list(range(1, of + 1)), dtick=1)
    return presize_margins(fig)
