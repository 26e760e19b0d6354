"""Référentiel-driven question pages (one general mechanism for Q1-Q6).

A page shows the question's wording and one-line synthesis, then each judgement
criterion ("on aura réussi si…") as a section with its roll-up, and inside it one
block per indicator: référentiel id, charts fitting the kind, target and verdict,
source and last update, and the exact data behind it (CSV).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
from dataclasses import dataclass
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from dashboard.core import objectives
from dashboard.core.filters import Filters, territory_label
from dashboard.core.formatting import fmt_date, fmt_number
from dashboard.core.indicators import Reference, compute
from dashboard.core.referentiel import Indicator, load_referentiel
from dashboard.core.results import IndicatorResult
from dashboard.core.rollup import roll_up
from dashboard.core.territorial import rank_text, region_ranks
from dashboard.render.figures import build_figures, comparison_figure, plotly_config, with_comments
from dashboard.render.tables import data_table, records_table, to_csv_bytes
from dashboard.views import ui
from dashboard.views.comments import comment_dialog, comments_for, show_comments
from dashboard.views.freins import freins_panel
from data_access.settings import get_settings
from data_access.wording import count

VERDICT_STYLE = {
    "atteint": ("green", ":material/check_circle:"),
    "en_bonne_voie": ("blue", ":material/trending_up:"),
    "a_surveiller": ("orange", ":material/visibility:"),
    "defavorable": ("red", ":material/warning:"),
    "a_confirmer": ("violet", ":material/hourglass_empty:"),
    "donnees_insuffisantes": ("gray", ":material/help:"),
}
# ?indicateur=Q3.C2.I1 opens a question page on that indicator's block (links from the home tiles,
# the maps and the ranking of the comparison page; bookmarkable).
FOCUS_PARAM = "indicateur"
# An indicator block's folded tables (ui.folded), drawn when opened: the numerator's detail, the
# records, the data table of its charts.
FOLDS = ("detail", "records", "data")


def fold_key(part: str, indicator_id: str) -> str:
    return f"{part}-{indicator_id}"


TARGET_TEXT = {
    "up": "Cible : à la hausse ↗",
    "down": "Cible : à la baisse ↘",
    "to_zero": "Cible : vers zéro ↘ 0",
    "stable": "Cible : stabilité →",
}


def reference() -> Reference:
    data = ui.reference_data(ui.data_version())
    return Reference(data["territories"], data["perimeters"], data["institutions"], data["all_territories"])


@st.cache_resource(show_spinner="Calcul des indicateurs…", max_entries=512)
def indicator_results(indicator_ids: tuple[str, ...], filters_key: tuple, version: int) -> list[IndicatorResult]:
    """Results for the given indicators under the filters; cached on the filters and the data version
    (shared objects: callers never modify them)."""
    ref = load_referentiel()
    filters = Filters(*filters_key)
    threshold = get_settings().small_cell_threshold
    engine, reference_data = ui.engine(), reference()
    return [compute(engine, ref.indicator(i), filters, reference_data, small_cell_threshold=threshold)
            for i in indicator_ids]


def question_results(question_id: str, filters: Filters) -> list[IndicatorResult]:
    ids = tuple(i.id for i in load_referentiel().indicators(question_id))
    return indicator_results(ids, filters.cache_key(), ui.data_version())


@dataclass
class Block:
    """Everything one indicator block draws, prepared once per filters and data version.

    Building Plotly figures costs ~200 ms per indicator; their JSON dicts are cached and
    handed to ``st.plotly_chart``, which turns a dict back into a figure in a few ms.
    """

    result: IndicatorResult
    figures: list[dict]
    comparison: dict | None
    rank: str | None
    table: pd.DataFrame
    csv: bytes
    records: pd.DataFrame | None


def _block(result: IndicatorResult) -> Block:
    comp = comparison_figure(result) if result.has_data else None
    table = data_table(result)
    return Block(
        result=result,
        figures=[f.to_plotly_json() for f in build_figures(result)] if result.has_data else [],
        comparison=comp.to_plotly_json() if comp is not None else None,
        rank=comparison_rank(result),
        table=table,
        csv=to_csv_bytes(table),
        records=records_table(result),
    )


@st.cache_resource(show_spinner="Préparation des graphiques…", max_entries=512)
def indicator_blocks(question_id: str, indicator_ids: tuple[str, ...], filters_key: tuple,
                     version: int) -> list[Block]:
    """The blocks of some of a question's indicators (a criterion's tab, the meeting's few): their
    figures are built only when they are to be drawn, from the question's cached results."""
    results = {r.indicator.id: r for r in indicator_results(
        tuple(i.id for i in load_referentiel().indicators(question_id)), filters_key, version)}
    return [_block(results[i]) for i in indicator_ids]


def verdict_badge(result: IndicatorResult) -> None:
    ind = result.indicator
    if ind.direction == "none" and result.verdict is None:
        st.badge("Descriptif, sans cible", color="gray", icon=":material/description:")
        return
    code = result.verdict.code if result.verdict else "donnees_insuffisantes"
    color, icon = VERDICT_STYLE[code]
    label = result.verdict.label if result.verdict else "Données insuffisantes"
    st.badge(label, color=color, icon=icon)
    if ind.direction in TARGET_TEXT:
        st.caption(TARGET_TEXT[ind.direction] + (" · homogénéité entre territoires" if ind.spread else ""))


def verdict_rule(key: str) -> None:
    """The verdict rule in French (``verdict.ROLE_DOC``), folded: minimum volume, "non transmis",
    "à confirmer", roll-up coverage. Shown on every question page and on the home page."""
    from dashboard.core.verdict import ROLE_DOC

    with st.expander("Comment lire les verdicts", icon=":material/help:", key=key):
        st.markdown(ROLE_DOC)


def _updated_text() -> str:
    updated = ui.reference_data(ui.data_version()).get("updated_at")
    if not updated:
        return ""
    try:
        return f" · données mises à jour le {fmt_date(dt.datetime.fromisoformat(updated))}"
    except ValueError:
        return ""


def comparison_rank(result: IndicatorResult) -> str | None:
    """"rang 3e sur 13 (1er = le plus favorable)" for the highlighted region in the latest year."""
    if result.indicator.direction not in ("up", "down", "to_zero"):
        return None
    ranks = region_ranks(result.comparison, result.indicator.direction)
    ranks = ranks[ranks["highlight"].astype(bool)]
    if ranks.empty:
        return None
    latest = ranks.iloc[-1]
    return f"rang {rank_text(int(latest['rank']), int(latest['of']))} (1er = le plus favorable)"


def anchor(indicator_id: str) -> str:
    """The HTML id of an indicator's block: ``Q3.C2.I1`` -> ``q3-c2-i1``."""
    return indicator_id.replace(".", "-").lower()


def verdict_text(result: IndicatorResult) -> tuple[str, str]:
    """The verdict's label and colour name (the index of a question page)."""
    if result.verdict is None:
        return ("Descriptif" if result.indicator.direction == "none" else "Données insuffisantes"), "gray"
    return result.verdict.label, VERDICT_STYLE[result.verdict.code][0]


# The outline of the block a link led to (?indicateur=, focus_on; a click in the index, INDEX_JS).
FOCUS_OUTLINE = "outline: 3px solid #0063CB; outline-offset: 4px;"


def block_class(indicator_id: str) -> str:
    """The CSS class Streamlit gives an indicator block's container (key ``block-<id>``), less its
    ``st-key-`` prefix: ``Q3.C2.I1`` -> ``block-Q3-C2-I1``."""
    return "block-" + indicator_id.replace(".", "-")


def criterion_tab(criterion) -> str:
    """The label of a criterion's tab: ``C2 · Les acteurs connaissent le dispositif``."""
    return f"{criterion.id.split('.')[-1]} · {criterion.short_label}"


def tabs_key(question_id: str) -> str:
    return f"criteres-{question_id}"


# The index's verdict badges (the colours of Streamlit's badges, text dark enough on a projector).
_INDEX_BADGE = {
    "green": ("#e6f4ea", "#0f5d26"), "blue": ("#e3effb", "#0b4a8a"), "orange": ("#fff1de", "#7a4100"),
    "red": ("#fdeceb", "#a1201a"), "violet": ("#f3e8fb", "#5b1f87"), "gray": ("#eeeff1", "#3d4148"),
}
INDEX_STYLE = (
    "<style>"
    ".q-index p.q-index-title { margin: 0 0 .4rem 0; }"
    ".q-index .q-index-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(19rem, 1fr));"
    " gap: .3rem 1.5rem; }"
    ".q-index h4 { font-size: 1rem; font-weight: 600; margin: .3rem 0 .2rem 0; padding: 0; }"
    ".q-index ul { list-style: none; margin: 0; padding: 0; }"
    ".q-index li { margin: 0 0 .25rem 0; padding: 0; line-height: 1.45; }"
    ".q-index a { color: inherit; text-decoration: none; border-radius: .25rem; padding: .05rem .15rem; }"
    ".q-index a:hover, .q-index a:focus-visible { background: rgba(0, 99, 203, .08); text-decoration: underline; }"
    ".q-index .q-badge { display: inline-block; font-size: .8rem; font-weight: 600; padding: 0 .4rem;"
    " border-radius: .25rem; white-space: nowrap; }"
    + "".join(f".q-index .q-badge-{name} {{ background: {bg}; color: {fg}; }}"
              for name, (bg, fg) in _INDEX_BADGE.items())
    + f".q-index-target {{ {FOCUS_OUTLINE} }}"
    "</style>"
)
# A click on an index line, in the page: open its criterion's tab (and theme's), then bring the block
# into view and outline it — no navigation, so no reload of the page's other parts. A modified click
# (new tab) or a tab that cannot be found follows the link's address (?indicateur=…, focus_on).
INDEX_JS = """<script>
(function () {
  const doc = window.parent ? window.parent.document : document;
  if (doc.__questionIndex) { return; }
  doc.__questionIndex = true;
  const text = (el) => (el.innerText || el.textContent || "").replace(/\\s+/g, " ").trim();
  function tab(label) {
    for (const b of doc.querySelectorAll('[data-testid="stTabs"] [role="tab"]')) {
      if (text(b) === label) { return b; }
    }
    return null;
  }
  function mark(key) {
    for (const el of doc.querySelectorAll(".q-index-target")) { el.classList.remove("q-index-target"); }
    const block = doc.querySelector(".st-key-" + key);
    if (block) { block.classList.add("q-index-target"); }
  }
  function go(link) {
    const steps = [link.dataset.tab, link.dataset.theme].filter(Boolean);
    const clicked = new Set();
    const start = Date.now();
    (function step() {
      const el = doc.getElementById(link.dataset.anchor);
      if (el) {
        mark(link.dataset.block);
        el.scrollIntoView({block: "start"});
        // the charts above it may still be drawing: keep it in view while they do
        setTimeout(() => el.isConnected && el.scrollIntoView({block: "start"}), 600);
        setTimeout(() => el.isConnected && el.scrollIntoView({block: "start"}), 1500);
        return;
      }
      for (const label of steps) {
        const b = tab(label);
        if (b && b.getAttribute("aria-selected") !== "true" && !clicked.has(label)) {
          clicked.add(label);
          b.click();
          break;
        }
      }
      if (Date.now() - start < 15000) { setTimeout(step, 80); } else { window.location.href = link.href; }
    })();
  }
  doc.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest(".q-index a[data-indicator]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    go(link);
  }, true);
})();
</script>"""


def index_html(q, by_id: dict, query: dict[str, str]) -> str:
    """The index of a question page, criterion → indicator with its verdict badge, as one HTML
    element (one element instead of a link per indicator: the page is drawn faster). Each line is a
    link to ``?indicateur=<id>`` with the page's other query parameters (the territory, the period),
    which the script (``INDEX_JS``) follows in the page."""
    out = ['<nav class="q-index" aria-label="Sommaire de la question">',
           '<p class="q-index-title"><strong>Sommaire</strong> — un clic ouvre le critère sur le bloc de '
           "l'indicateur</p>", '<div class="q-index-grid">']
    for c in q.criteria:
        out.append(f"<section><h4>{html.escape(criterion_tab(c))}</h4><ul>")
        for theme, inds in c.parts():
            for i in inds:
                href = "?" + urlencode({**{k: v for k, v in query.items() if k != FOCUS_PARAM}, FOCUS_PARAM: i.id})
                label, color = verdict_text(by_id[i.id])
                attrs = {"href": href, "data-indicator": i.id, "data-anchor": anchor(i.id),
                         "data-block": block_class(i.id), "data-tab": criterion_tab(c),
                         "data-theme": theme or ""}
                attr_text = " ".join(f'{k}="{html.escape(v)}"' for k, v in attrs.items())
                out.append(f"<li><a {attr_text}>{html.escape(i.short_label)}</a> "
                           f'<span class="q-badge q-badge-{color}">{html.escape(label)}</span></li>')
        out.append("</ul></section>")
    out.append("</div></nav>")
    return "".join(out)


def question_index(q, by_id: dict) -> None:
    """Criterion → indicator, each with its verdict badge; a click opens the criterion's tab on the
    indicator's block, in the page (``INDEX_JS``; its address ``?indicateur=Q3.C2.I1`` otherwise)."""
    with st.container(key="question-index", border=True):
        st.html(INDEX_STYLE + index_html(q, by_id, st.query_params.to_dict()) + INDEX_JS,
                unsafe_allow_javascript=True)


def focus_on(indicator_id: str) -> None:
    """Bring the block of ``indicator_id`` into view and outline it (the page may still be drawing:
    the script waits for the block, up to 15 s)."""
    target = anchor(indicator_id)
    st.html(f"<style>.st-key-{block_class(indicator_id)} {{ {FOCUS_OUTLINE} }}</style>")
    st.html(f"""<script>
(function () {{
  let tries = 0;
  const timer = setInterval(function () {{
    const el = window.parent.document.getElementById("{target}") || document.getElementById("{target}");
    if (el || ++tries > 150) {{
      clearInterval(timer);
      if (el) {{ el.scrollIntoView({{block: "start"}}); }}
    }}
  }}, 100);
}})();
</script>""", unsafe_allow_javascript=True)


def indicator_block(block: Block, filters: Filters | None = None, comments: pd.DataFrame | None = None,
                    eager: bool = True) -> None:
    """One indicator's block; its charts drawn at once when ``eager`` (the first block of the open tab, the
    block a link led to), else when they come into view (``ui.plotly_chart``)."""
    result = block.result
    ind: Indicator = result.indicator
    with st.container(border=True, key=f"block-{ind.id}"):
        st.html(f'<div id="{anchor(ind.id)}" class="indicator-anchor"></div>')
        head, badge = st.columns([5, 2], vertical_alignment="top")
        with head:
            st.caption(ind.id)
            st.markdown(f"#### {ind.short_label}")
            st.caption(ind.label)
        with badge:
            verdict_badge(result)
        if not result.has_data:
            st.info(f"Pas de données transmises pour {result.selection_label}."
                    if "status" in result.series else f"Pas de données pour {result.selection_label}.")
        else:
            mine = comments[comments["indicator_id"] == ind.id] if comments is not None else None
            for i, fig in enumerate(block.figures):
                if i == 0 and mine is not None and not mine.empty:   # the comments on the yearly chart
                    fig = with_comments(fig, result, mine)
                ui.plotly_chart(fig, config=plotly_config(ind.id), theme=None, width="stretch",
                                key=f"fig-{ind.id}-{i}", eager=eager)
            if block.comparison is not None:
                # drawn when opened: a criterion's page draws its own charts first (issue 14, speed)
                regions = st.expander("Comparaison avec les autres régions métropolitaines"
                                      + (f" — {block.rank}" if block.rank else ""),
                                      icon=":material/public:", key=f"regions-{ind.id}", on_change="rerun")
                if regions.open:
                    with regions:
                        st.caption("Dernière année disponible ; Rhône-Alpes fait partie d'Auvergne-Rhône-Alpes "
                                   "depuis 2016.")
                        ui.plotly_chart(block.comparison, config=plotly_config(f"{ind.id}-regions"), theme=None,
                                        width="stretch", key=f"cmp-{ind.id}")
            if result.detail is not None and not result.detail.empty and (
                    box := ui.folded("Détail du numérateur sur la période", fold_key("detail", ind.id),
                                     icon=":material/table_rows:")) is not None:
                with box:
                    cols = {"category_label": "Catégorie", "value": "Effectif"}
                    if "dimension_label" in result.detail and result.detail["dimension"].nunique() > 1:
                        cols = {"dimension_label": "Selon", **cols}
                    shown = result.detail[list(cols)].rename(columns=cols)
                    # a secret cell reads "s" (the statistical institutes' mark), not an empty "None"
                    shown["Effectif"] = [("s (secret statistique)" if h else fmt_number(v, 0))
                                         for v, h in zip(result.detail["value"], result.detail["hidden"])]
                    st.dataframe(shown, hide_index=True)
            recs = block.records
            if recs is not None and (box := ui.folded(
                    f"Enregistrements ({len(recs)} les plus récents)" if len(recs) >= 200 else
                    f"Enregistrements ({len(recs)})", fold_key("records", ind.id), icon=":material/list:")) is not None:
                with box:
                    st.dataframe(recs, hide_index=True, height=min(38 + 35 * len(recs), 300),
                                 column_config={c: st.column_config.DateColumn(c, format="DD/MM/YYYY")
                                                for c in ("Date", "Début", "Fin") if c in recs})
        if result.verdict is not None:
            st.markdown(f"**{result.verdict.label}** — {result.verdict.reason}")
        deciding = objectives.pick(result.objectives)
        for status in result.objectives:     # the other objectives of the indicator and territory
            if status is not deciding:
                st.caption(f"{status.sentence} ({status.label.lower()})")
        if result.trend_verdict is not None:
            st.caption(f"Tendance, sans tenir compte de l'objectif : {result.trend_verdict.label.lower()} — "
                       f"{result.trend_verdict.reason}")
        notes = []
        if ind.note:
            notes.append(ind.note)
        if result.regional_only:
            notes.append("Indicateur suivi au niveau régional : les valeurs affichées sont celles de Rhône-Alpes.")
        if ind.cumulative:
            notes.append("Valeurs cumulées depuis le début de la période.")
        transmission = result.transmission_note()
        if transmission:
            notes.append(transmission)
        if result.hidden_cells:
            hidden = result.hidden_cells
            notes.append(f"Secret statistique : {count(hidden, 'cellule')} de moins de "
                         f"{result.small_cell_threshold} personnes {'masquées' if hidden > 1 else 'masquée'}.")
        if not result.institution_applies:
            notes.append("Le filtre « institution » ne s'applique pas à cet indicateur (pas de dimension institution).")
        # one element for the notes and the source (each element costs the browser its drawing)
        notes.append(f"Source : {ind.source.producer}{_updated_text()} · sélection : {result.selection_label}")
        st.caption("  \n".join(notes))
        if filters is not None and comments is not None:
            _comments_row(ind, filters, comments)
        if (box := ui.folded("Données", fold_key("data", ind.id), icon=":material/table:")) is not None:
            with box:
                st.dataframe(block.table, hide_index=True)
        st.download_button("Télécharger (CSV)", data=block.csv, file_name=f"{ind.id}.csv",
                           mime="text/csv", key=f"csv-{ind.id}", icon=":material/download:", type="tertiary")


def _comments_row(ind: Indicator, filters: Filters, comments: pd.DataFrame) -> None:
    """The comments of the territory on this indicator over the period, and the button to write one."""
    mine = comments[comments["indicator_id"] == ind.id]
    show_comments(mine)
    label = f"Commentaires ({len(mine)})" if len(mine) else "Commenter"
    if st.button(label, key=f"cmt-{ind.id}", icon=":material/edit_note:", type="tertiary"):
        territories = ui.reference_data(ui.data_version())["territories"]
        comment_dialog(ind.id, f"{ind.id} · {ind.short_label}", filters.territory,
                       territory_label(filters.territory, territories), list(filters.years), filters.last_year)


# Panels a question of the référentiel may name (``panels``), drawn under the page's index.
PANELS = {"freins": freins_panel}


def render_question(question_id: str, filters: Filters) -> None:
    ref = load_referentiel()
    q = ref.question(question_id)
    ui.sample_banner()
    results = question_results(question_id, filters)
    by_id = {r.indicator.id: r for r in results}
    st.title(f"Question {q.number} · {q.title}")
    st.markdown(f"#### {q.label}")
    if q.intro:
        st.markdown(q.intro)
    summary = roll_up(results)
    color, icon = VERDICT_STYLE[summary.overall]
    from dashboard.core.results import VERDICT_LABELS

    st.badge(f"Lecture d'ensemble : {VERDICT_LABELS[summary.overall]}", color=color, icon=icon)
    page_comments = comments_for(filters.territory, filters.years)
    st.markdown(f"**Synthèse** ({results[0].selection_label if results else ''}) : {summary.sentence()}")
    st.caption(summary.short())
    verdict_rule(key=f"verdict-rule-{question_id}")
    question_index(q, by_id)
    for name in q.panels:          # the question's own panels (référentiel ``panels``)
        PANELS[name](filters)
    # One tab per criterion, drawn only when open: a page draws 3 to 8 charts instead of 20 to 40.
    # ?indicateur= (the index, the home tiles, the maps, the ranking) opens its criterion's tab; a
    # click on another tab drops it.
    labels = [criterion_tab(c) for c in q.criteria]
    focus = st.query_params.get(FOCUS_PARAM)
    if focus in by_id:
        st.session_state[tabs_key(question_id)] = labels[
            next(n for n, c in enumerate(q.criteria) if focus in {i.id for i in c.indicators})]
    tabs = st.tabs(labels, key=tabs_key(question_id), on_change=_drop_focus)
    for c, tab in zip(q.criteria, tabs):
        if not tab.open:
            continue
        with tab:
            if q.criterion_prefix:
                st.markdown(f"*{q.criterion_prefix}* {c.label}.")
            elif c.label != c.short_label:
                st.markdown(f"{c.label}.")
            st.caption(f"{c.id} · {roll_up([by_id[i.id] for i in c.indicators]).short()}")
            for part in _open_parts(c, focus):
                with part.container:
                    # the first screen's chart at once, the others when they come into view
                    for n, block in enumerate(indicator_blocks(question_id, part.ids, filters.cache_key(),
                                                               ui.data_version())):
                        indicator_block(block, filters, page_comments,
                                        eager=n == 0 or block.result.indicator.id == focus)
                    if focus in part.ids:
                        focus_on(focus)


@dataclass
class _Part:
    container: object
    ids: tuple[str, ...]


def group_tabs_key(criterion_id: str) -> str:
    return f"themes-{criterion_id}"


def _open_parts(criterion, focus: str | None) -> list[_Part]:
    """The indicators of an open criterion to draw: all of them, or — for a criterion with themes
    (référentiel ``groups``) — the open theme's tab only (the one holding ``focus`` when it is there)."""
    parts = criterion.parts()
    if len(parts) == 1:
        return [_Part(contextlib.nullcontext(), tuple(i.id for i in criterion.indicators))]
    key = group_tabs_key(criterion.id)
    for label, inds in parts:
        if focus in {i.id for i in inds}:
            st.session_state[key] = label
    tabs = st.tabs([label for label, _ in parts], key=key, on_change=_drop_focus)
    return [_Part(tab, tuple(i.id for i in inds)) for tab, (_, inds) in zip(tabs, parts) if tab.open]


def _drop_focus() -> None:
    """A tab chosen by hand: the page no longer opens on the indicator of the link it came from."""
    if FOCUS_PARAM in st.query_params:
        del st.query_params[FOCUS_PARAM]
