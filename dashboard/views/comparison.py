"""Comparison pages for directors: territories of Rhône-Alpes, and the region among regions.

Territories: pick an indicator (grouped by question), a level, a year and a measure;
see the choropleth map, the ranking with each territory's verdict and the small
multiples of the trend. A click on a territory (map or table) opens its view: the
indicator's question page filtered on that territory.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core.filters import Filters
from dashboard.core.formatting import fmt_number
from dashboard.core.indicators import compute
from dashboard.core.kinds import spec
from dashboard.core.referentiel import load_referentiel
from dashboard.core.territorial import (
    LEVEL_LABELS,
    RATE_LABEL,
    format_metric,
    mappable_indicators,
    rank_label,
    ranking,
    ranking_caption,
    region_ranks,
    territorial_results,
)
from dashboard.render.figures import comparison_figure, plotly_config
from dashboard.render.geo import GEO_CREDIT, TOPOJSON_URL, features_for, region_features
from dashboard.render.maps import rank_over_time, region_map, small_multiples, territory_map
from dashboard.views import ui
from dashboard.views.question import FOCUS_PARAM, reference
from data_access.settings import get_settings

PENDING_KEY = "_open_territory"


def map_config(name: str) -> dict:
    """Plotly config of a map: no network (local empty topology), no scroll zoom."""
    return {**plotly_config(name), "topojsonURL": TOPOJSON_URL, "scrollZoom": False}


@st.cache_data(show_spinner=False)
def _mappable(version: int) -> dict[str, list[str]]:
    return mappable_indicators(ui.engine(), load_referentiel(), reference())


@st.cache_data(show_spinner="Calcul par territoire…", max_entries=128)
def _territorial(indicator_id: str, level: str, filters_key: tuple, version: int):
    return territorial_results(ui.engine(), load_referentiel().indicator(indicator_id), Filters(*filters_key),
                               reference(), level, small_cell_threshold=get_settings().small_cell_threshold)


def _query_default(name: str, options: list, fallback):
    value = st.query_params.get(name)
    return value if value in options else fallback


def _open_selected(source_key: str, codes: list[str] | None = None) -> None:
    """Callback of the map and the table: remember the territory clicked; the page then opens its view."""
    selection = (st.session_state.get(source_key) or {}).get("selection", {})
    code = None
    if codes is not None:  # dataframe: selected row positions
        rows = selection.get("rows", [])
        code = codes[rows[0]] if rows else None
    else:  # plotly: the clicked location carries the territory code in customdata[0]
        for point in selection.get("points", []):
            code = (point.get("customdata") or [None])[0] or point.get("location")
            if code:
                break
    if code:
        st.session_state["territoire"] = code
        st.session_state[PENDING_KEY] = code


def render_comparison(filters: Filters) -> None:
    ref = load_referentiel()
    version = ui.data_version()
    data = ui.reference_data(version)
    ui.sample_banner()
    st.title("Comparaison des territoires")
    st.markdown("Un indicateur du référentiel sur la carte de Rhône-Alpes, par département ou par territoire de CME : "
                "valeurs, taux pour 100 000 habitants, classement et tendance de chaque territoire. "
                "**Cliquer sur un territoire** (carte ou tableau) ouvre sa vue.")
    mappable = _mappable(version)
    if not mappable:
        st.info("Aucun indicateur n'a de données par territoire dans la base.")
        return
    questions = [q for q in ref.questions if any(i.id in mappable for i in ref.indicators(q.id))]
    q_ids = [q.id for q in questions]
    wanted = st.query_params.get("indicateur")
    if wanted not in mappable:  # default: the first indicator with a target, in référentiel order
        wanted = next((i for i in mappable if ref.indicator(i).direction != "none"), next(iter(mappable)))
    default_q = wanted.split(".")[0]
    c1, c2 = st.columns([1, 3])
    with c1:
        qid = st.selectbox("Question", q_ids, index=q_ids.index(default_q) if default_q in q_ids else 0,
                           format_func=lambda i: f"Q{ref.question(i).number} · {ref.question(i).title}",
                           key="cmp_question")
    ind_ids = [i.id for i in ref.indicators(qid) if i.id in mappable]
    with c2:
        iid = st.selectbox("Indicateur", ind_ids,
                           index=ind_ids.index(wanted) if wanted in ind_ids else 0,
                           format_func=lambda i: f"{i} · {ref.indicator(i).short_label}", key=f"cmp_ind_{qid}")
    ind = ref.indicator(iid)
    levels = mappable[iid]
    c3, c4, c5 = st.columns([2, 2, 3])
    with c3:
        level = st.radio("Maille", levels, format_func=LEVEL_LABELS.get, horizontal=True, key="cmp_level",
                         index=levels.index(_query_default("maille", levels, levels[0])))
    result = _territorial(iid, level, filters.cache_key(), version)
    years = sorted(int(y) for y in result.frame.loc[result.frame["value"].notna(), "year"].unique())
    with c4:
        if years:
            default_year = int(_query_default("annee", [str(y) for y in years], str(years[-1])))
            year = (st.select_slider("Année", options=years, value=default_year, key="cmp_year")
                    if len(years) > 1 else years[0])
        else:
            year = filters.last_year
    use_rate = False
    with c5:
        if result.has_rates:
            use_rate = st.radio("Mesure", [True, False], horizontal=True, key="cmp_rate",
                                format_func=lambda r: RATE_LABEL if r else "Nombre") is True
    st.query_params.update({"indicateur": iid, "maille": level, "annee": str(year)})
    st.markdown(f"#### {ind.short_label}")
    st.caption(f"{ind.id} · {ind.label}")
    if not years:
        st.info(f"Pas de données par territoire pour cet indicateur sur la période {filters.first_year}-"
                f"{filters.last_year}.")
        return
    geojson = features_for(level, data["perimeters"], reference().territory_names)
    left, right = st.columns([1, 1], gap="medium")   # the ranking's columns all visible at 1920 px
    with left:
        fig = territory_map(result, year, geojson, use_rate)
        ui.plotly_chart(fig, config=map_config(f"carte-{iid}"), theme=None, width="stretch", key="cmp_map",
                        on_select=lambda: _open_selected("cmp_map"), selection_mode="points")
        st.caption(GEO_CREDIT)
        if use_rate or result.has_rates:
            st.caption(result.population_note)
    with right:
        table = ranking(result, year, use_rate)
        metric = result.metric(use_rate)
        unit = " (pour 100 000)" if metric == "rate_per_100k" else ""
        shown = pd.DataFrame({
            "Rang": table["rank"].map(rank_label),
            "Territoire": table["territory_label"],
            f"{year}{unit}": [("secret statistique" if h else
                               format_metric(v, ind.kind, metric, with_unit=False))
                              for v, h in zip(table[metric], table["hidden"])],
            "Sur un an": [_change_text(c, ind.kind, metric) for c in table["change"]],
            "Tendance": table["verdict"],
        })
        if metric == "rate_per_100k":
            shown.insert(3, "Nombre", [format_metric(v, ind.kind, "value") for v in table["value"]])
        st.markdown(f"**Classement {year}**")
        st.dataframe(shown, hide_index=True, key="cmp_table", on_select=lambda: _open_selected(
            "cmp_table", list(table["territory"])), selection_mode="single-row", width="stretch")
        st.caption(ranking_caption(ind.direction) + " Tendance : verdict de la série du territoire sur la période "
                   "(même règle que les pages des questions).")
    sm = small_multiples(result, use_rate)
    if sm is not None:
        st.markdown(f"**Tendance par territoire, {filters.first_year}-{filters.last_year}**"
                    + (" — Rhône-Alpes en pointillés" if (metric == "rate_per_100k" or not spec(ind.kind).events)
                       else ""))
        ui.plotly_chart(sm, config=plotly_config(f"tendances-{iid}"), theme=None, width="stretch", key="cmp_sm")
    st.caption(f"Source : {ind.source.producer}")
    pending = st.session_state.pop(PENDING_KEY, None)
    if pending:
        # query_params given: the default (None) tries to clear the URL, which Streamlit refuses while
        # widgets are bound to it; the bound filters write themselves back on the next run. The page
        # opens on the indicator's block.
        st.switch_page(f"app_pages/{ref.question(qid).page}.py", query_params={FOCUS_PARAM: iid})


def _change_text(change, kind: str, metric: str) -> str:
    if change is None or pd.isna(change):
        return "—"
    if metric == "value" and spec(kind).percent:
        text = f"{fmt_number(abs(change) * 100, 1)} pt"
    else:
        text = format_metric(abs(change), kind, metric, with_unit=False)
    return ("+" if change > 0 else ("−" if change < 0 else "±")) + text


@st.cache_data(show_spinner="Comparaison des régions…", max_entries=64)
def _region_result(indicator_id: str, filters_key: tuple, version: int):
    return compute(ui.engine(), load_referentiel().indicator(indicator_id), Filters(*filters_key), reference(),
                   small_cell_threshold=get_settings().small_cell_threshold, records=False)


def render_regions(filters: Filters) -> None:
    ref = load_referentiel()
    version = ui.data_version()
    data = ui.reference_data(version)
    ui.sample_banner()
    st.title("Rhône-Alpes face aux autres régions")
    st.markdown("Les indicateurs du tableau de bord national (question 6) qui ont des valeurs de référence pour les "
                "13 régions métropolitaines. **Depuis le 1er janvier 2016, Rhône-Alpes fait partie "
                "d'Auvergne-Rhône-Alpes** : les valeurs régionales comparées sont celles d'Auvergne-Rhône-Alpes, "
                "mise en évidence (contour rouge, barre foncée).")
    ids = [i.id for i in ref.indicators() if i.source.comparison == "regions"]
    if not ids:
        st.info("Aucun indicateur du référentiel n'a de valeurs de comparaison régionale.")
        return
    wanted = st.query_params.get("indicateur")
    iid = st.selectbox("Indicateur", ids, index=ids.index(wanted) if wanted in ids else 0,
                       format_func=lambda i: f"{i} · {ref.indicator(i).short_label}", key="reg_ind")
    ind = ref.indicator(iid)
    key = Filters(filters.first_year, filters.last_year).cache_key()
    result = _region_result(iid, key, version)
    comp = result.comparison
    if comp is None or comp.empty:
        st.info("Pas de valeurs régionales pour cet indicateur.")
        return
    years = sorted(int(y) for y in comp["year"].unique())
    year = st.select_slider("Année", options=years, value=int(_query_default("annee", [str(y) for y in years],
                                                                            str(years[-1]))),
                            key="reg_year") if len(years) > 1 else years[0]
    st.query_params.update({"indicateur": iid, "annee": str(year)})
    st.markdown(f"#### {ind.short_label}")
    st.caption(f"{ind.id} · {ind.label}")
    ranks = region_ranks(comp, ind.direction)
    this = ranks[(ranks["year"] == year) & ranks["highlight"]]
    if not this.empty:
        r = this.iloc[0]
        st.markdown(f"**Auvergne-Rhône-Alpes en {year} : {rank_label(r['rank'])} sur {int(r['of'])}** — "
                    + ranking_caption(ind.direction))
    left, right = st.columns([1, 1], gap="large")
    with left:
        fig = region_map(comp, year, region_features(data["all_territories"]), ind.kind)
        if fig is not None:
            ui.plotly_chart(fig, config=map_config(f"regions-{iid}"), theme=None, width="stretch", key="reg_map",
                            eager=True)
        st.caption(GEO_CREDIT)
    with right:
        bars = comparison_figure(result, year)
        if bars is not None:
            ui.plotly_chart(bars, config=plotly_config(f"classement-{iid}"), theme=None, width="stretch",
                            key="reg_bars", eager=True)
    trend = rank_over_time(ranks, "Auvergne-Rhône-Alpes")
    if trend is not None:
        st.markdown("**Position d'Auvergne-Rhône-Alpes au fil des années**")
        ui.plotly_chart(trend, config=plotly_config(f"rang-{iid}"), theme=None, width="stretch", key="reg_rank")
    estimates = comp["is_estimate"].fillna(False).astype(bool).any() if "is_estimate" in comp else False
    notes = [f"Source : {ind.source.producer}."]
    if comp["rate_per_100k"].notna().any():
        notes.append("Taux pour 100 000 habitants calculés avec des populations régionales approchées (INSEE 2016, "
                     "ordre de grandeur).")
    if estimates:
        notes.append("Certaines valeurs sont des estimations (signalées au survol).")
    st.caption(" ".join(notes))
    with st.expander("Données"):
        st.dataframe(ranks.assign(metric=ranks["metric"]).rename(columns={
            "year": "Année", "region_label": "Région", "metric": "Valeur", "rank": "Rang", "of": "Sur"}).drop(
            columns=["region", "highlight"]), hide_index=True)
