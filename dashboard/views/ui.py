"""Streamlit glue shared by the entry script and the pages.

Pages stay thin: they call these helpers, which read filters, run cached queries
and hand frames to builders.
"""

from __future__ import annotations

import streamlit as st

from dashboard.core.filters import ALL_INSTITUTIONS, REGION, Filters, territory_label, territory_options
from dashboard.core.referentiel import load_referentiel
from data_access import queries
from data_access.db import data_version as _data_version


@st.cache_resource(show_spinner="Ouverture de la base…")
def engine():
    from dashboard.services.bootstrap import open_store

    return open_store()


def data_version() -> int:
    """Bumped by every import; part of every cache key."""
    return _data_version(engine())


@st.cache_resource(show_spinner=False, max_entries=4)
def reference_data(version: int) -> dict:
    eng = engine()
    territories = queries.territories(eng)
    options = territory_options(territories) or [REGION]
    return {
        "territories": territories,
        # the sidebar's territory choices and their labels, computed once per data version
        "territory_options": options,
        "territory_labels": {c: territory_label(c, territories) for c in options},
        "perimeters": queries.cme_perimeters(eng),
        "institutions": queries.institutions(eng),
        "years": queries.reporting_years(eng),
        "info": queries.store_info(eng),
        "all_territories": queries.all_territories(eng),
        "updated_at": queries.last_update(eng),
    }


HOME_TERRITORY = "home_territory_pending"


def home_territory(territories_of_user, territories) -> str | None:
    """The territory an account works on — its one CME territory — which its pages open on after
    sign-in (an animateur's home and bilan show their CME); None for the others."""
    cmes = set(territories.loc[territories["level"] == "cme", "code"]) if "level" in territories else set()
    mine = sorted(t for t in territories_of_user if t in cmes)
    return mine[0] if len(mine) == 1 else None


def open_on_home_territory(user) -> None:
    """After sign-in: the next run's sidebar selects the user's territory (the widget of this run is
    already drawn and cannot change)."""
    code = home_territory(user.territories, reference_data(data_version())["territories"])
    if code is not None:
        st.session_state[HOME_TERRITORY] = code


def sidebar_filters() -> Filters:
    """The global filters, bound to the URL query string."""
    ref = reference_data(data_version())
    years = ref["years"] or [2016]
    territories, institutions = ref["territories"], ref["institutions"]
    pending = st.session_state.pop(HOME_TERRITORY, None)
    if pending in set(territories["code"]):
        st.session_state["territoire"] = pending
    with st.sidebar:
        st.markdown("### Filtres")
        if len(years) > 1:
            first, last = st.select_slider(
                "Période", options=years, value=(years[0], years[-1]), key="periode",
                bind="query-params", help="Années de la Charte prises en compte",
            )
        else:
            first = last = years[0]
        codes, labels = ref["territory_options"], ref["territory_labels"]
        territory = st.selectbox(
            "Territoire", options=codes, index=0, key="territoire", bind="query-params",
            format_func=lambda c: labels.get(c, c),
            help="La région entière, un territoire de CME ou un département",
        )
        inst_codes = [ALL_INSTITUTIONS, *institutions["code"].tolist()]
        names = dict(zip(institutions["code"], institutions["name"]))
        institution = st.selectbox(
            "Institution", options=inst_codes, index=0, key="institution", bind="query-params",
            format_func=lambda c: "Toutes les institutions" if c == ALL_INSTITUTIONS else names.get(c, c),
        )
    return Filters(int(first), int(last), territory or REGION, institution or ALL_INSTITUTIONS)


def default_filters() -> Filters:
    """The whole region over the whole period (no widgets: the sign-in page of a closed dashboard)."""
    years = reference_data(data_version())["years"] or [2016]
    return Filters(int(years[0]), int(years[-1]), REGION, ALL_INSTITUTIONS)


def current_filters() -> Filters:
    """The filters the entry script read; every page starts with this call.

    ``app.py`` runs before every page (``st.navigation`` mode: the page scripts live in
    ``app_pages/``, not in a ``pages/`` folder that would turn on Streamlit's legacy multipage mode),
    so the filters are always in the session by the time a page runs.
    """
    return st.session_state["filters"]


# The query parameters each page reads besides the sidebar's filters (bound widgets); the others are
# another page's and are dropped when the page opens (a bilan's ?cme= must not follow the user).
FILTER_PARAMS = frozenset({"periode", "territoire", "institution"})
PAGE_PARAMS = {
    "bilan": {"cme", "annee"},
    "comparaison": {"indicateur", "maille", "annee"},
    "regions": {"indicateur", "annee"},
    "reunion": {"question"},
}
QUESTION_PARAMS = {"indicateur"}


def prune_query_params(url_path: str) -> None:
    """Drop the query parameters that belong to another page than ``url_path``."""
    pages = {q.page for q in load_referentiel().questions}
    allowed = FILTER_PARAMS | PAGE_PARAMS.get(url_path, set()) | (QUESTION_PARAMS if url_path in pages else set())
    for name in [n for n in st.query_params if n not in allowed]:
        del st.query_params[name]


def sample_banner(compact: bool = False) -> None:
    """The "données fictives" notice, on every page while the sample data are loaded (one short line
    with ``compact``: the projector home)."""
    info = reference_data(data_version())["info"]
    if info["sample"] and compact:
        st.warning("**Données fictives** : aucun chiffre affiché ne décrit la réalité.", icon=":material/science:")
    elif info["sample"]:
        st.warning(
            "**Données fictives** — la base contient des données d'exemple générées pour la démonstration ; "
            "aucun chiffre affiché ne décrit la réalité.",
            icon=":material/science:",
        )


def question_pages() -> list:
    """One st.Page per question of the référentiel, in order."""
    ref = load_referentiel()
    return [
        st.Page(f"app_pages/{q.page}.py", title=f"Q{q.number} · {q.title}", url_path=q.page)
        for q in ref.questions
    ]


def plotly_chart(figure, *, eager: bool = False, **kwargs):
    """``st.plotly_chart`` for every chart of the app, given a figure or a figure dict that the page
    caches share between sessions; drawn when it comes into view unless ``eager``.

    **Drawn when looked at** (issue 14: a page is drawn in ≤ 1,5 s). A chart with a ``key`` that is
    not ``eager`` is first sent as a placeholder of the chart's height (:func:`deferred_component`);
    when the placeholder comes into view (half a screen ahead once the user scrolls), its script asks
    for it — with the other charts that came into view at the same time — and the page runs again,
    drawing them. (A fragment per chart ran only that chart, but Streamlit 1.67 then sent a later
    click on a criterion's tab as a run of that fragment, so the tab opened empty.)
    A chart once drawn in a session is drawn at once on later runs (a filter change redraws what the
    user has seen). Pages pass ``eager=True`` for the charts on their first screen. With
    ``MAINTIEN_DEFERRED_CHARTS=false`` every chart is drawn at once (the AppTest suite runs so; the
    deferral has its own tests). docs/architecture.md, "Charts drawn when looked at".

    Streamlit validates a dict by building a Plotly figure from it, and Plotly's validation takes each
    trace's ``type`` out of the dict it is given and puts it back afterwards
    (``_plotly_utils.basevalidators.BaseDataValidator.validate_coerce``, plotly 7). Two sessions
    drawing the same cached dict at once could therefore read a trace without its type, as a scatter:
    a bar chart failed with "Invalid property … scatter.Marker: 'pattern'" under 20 simulated users
    (docs/benchmarks.md). Each draw gets its own copy; the cache's dict is never handed over.
    """
    from data_access.settings import get_settings

    key = kwargs.get("key")
    # a chart the user selects in (the maps) is drawn at once: a click on it must find it there
    selectable = kwargs.get("on_select", "ignore") != "ignore"
    if eager or key is None or selectable or not get_settings().deferred_charts or key in drawn_charts():
        return _draw_chart(figure, **kwargs)
    _deferred_chart(figure, kwargs)
    return None


def _draw_chart(figure, **kwargs):
    import copy

    if isinstance(figure, dict):
        figure = copy.deepcopy(figure)
    return st.plotly_chart(figure, **kwargs)


DRAWN_CHARTS = "_charts_drawn"       # session state: the keys of the charts drawn once in this session
DEFAULT_CHART_HEIGHT = 450           # Plotly's own default, for a figure that gives none


def drawn_charts() -> set:
    return st.session_state.setdefault(DRAWN_CHARTS, set())


def figure_height(figure) -> int:
    """The height the chart will take, for its placeholder (no jump when it is drawn)."""
    layout = figure.get("layout", {}) if isinstance(figure, dict) else figure.layout
    height = layout.get("height") if isinstance(layout, dict) else layout.height
    return int(height or DEFAULT_CHART_HEIGHT)


DEFERRED_HTML = '<div class="deferred-chart" role="img" aria-label="Graphique en attente d’affichage">' \
                "<span>Graphique dessiné à son affichage…</span></div>"
DEFERRED_CSS = """
.deferred-chart { display: flex; align-items: center; justify-content: center; box-sizing: border-box;
  border: 1px dashed #c8ccd4; border-radius: 6px; background: #f7f8fa; color: #6b7280;
  font: 0.9rem "Source Sans", sans-serif; }
"""
# The placeholder's script: its height from the data; one trigger ("seen") when it comes into view, or,
# once the user has scrolled, within half a screen's height of the view (a chart just below the first
# screen is not drawn with the page: on the comparison page that cost 0,5 s by URL). Streamlit's main
# section scrolls, not the window: it is the observer's root, so that the margin applies (with the
# viewport as root, the section's clipping would hide it).
DEFERRED_JS = """
export default function ({ parentElement, data, setTriggerValue }) {
  const box = parentElement.querySelector(".deferred-chart");
  if (!box) { return; }
  box.style.height = data.height + "px";
  box.dataset.chart = data.chart;
  let root = null;     // Streamlit's main section, which scrolls (the viewport, should it change)
  for (let node = box.parentNode; node && !root; node = node.parentNode || node.host) {
    if (node.nodeType === 1 && node.dataset.testid === "stMain") { root = node; }
  }
  box.dataset.root = root ? "stMain" : "viewport";
  // One request at a time, page-wide, naming every chart that came into view meanwhile: the page runs
  // once for them all. The next request waits until the previous placeholder is replaced by its chart
  // (at most 3 s); a placeholder still there 3 s after its request asks again.
  const line = (window.__maintienDeferredCharts = window.__maintienDeferredCharts
                || { box: null, at: 0, wanted: new Set() });
  const ask = () => {
    if (!box.isConnected) { return; }                  // drawn, or another page
    line.wanted.add(data.chart);
    const other = line.box;
    if (other && other !== box && other.isConnected && performance.now() - line.at < 3000) {
      setTimeout(ask, 40);
      return;
    }
    const charts = [...line.wanted];
    line.wanted.clear();
    line.box = box;
    line.at = performance.now();
    setTriggerValue("seen", charts);
    setTimeout(ask, 3000);
  };
  let sent = false;
  let observer = null;
  const send = () => {
    if (sent) { return; }
    sent = true;
    observer.disconnect();
    line.wanted.add(data.chart);
    setTimeout(ask, 60);          // the charts coming into view with this one go in the same request
  };
  const observe = (margin) => {
    if (observer) { observer.disconnect(); }
    observer = new IntersectionObserver(
      (entries) => { if (entries.some((e) => e.isIntersecting)) { send(); } },
      { root, rootMargin: margin + "px 0px " + margin + "px 0px" });
    observer.observe(box);
  };
  // What is on screen first; once the user scrolls, half a screen ahead too (drawn before it is reached).
  observe(0);
  const scroller = root || window;
  const half = () => Math.round(((root ? root.clientHeight : window.innerHeight) || 800) / 2);
  const ahead = () => { if (!sent) { observe(half()); } };
  scroller.addEventListener("scroll", ahead, { once: true, passive: true });
  return () => { observer.disconnect(); scroller.removeEventListener("scroll", ahead); };
}
"""
_DEFERRED = None


def deferred_component():
    """The placeholder of a chart not drawn yet (Streamlit custom component v2, in the page's
    document, no iframe); registered once per process."""
    global _DEFERRED
    if _DEFERRED is None:
        _DEFERRED = st.components.v2.component("maintien_deferred_chart", html=DEFERRED_HTML, css=DEFERRED_CSS,
                                               js=DEFERRED_JS)
    return _DEFERRED


def _deferred_chart(figure, kwargs: dict) -> None:
    """A chart's placeholder; its trigger names the charts that came into view, which the page's next
    run (the trigger's own) draws."""
    key = kwargs["key"]
    height = figure_height(figure)
    component_key = f"deferred-{key}"
    deferred_component()(key=component_key, data={"height": height, "chart": key}, height=height,
                         on_seen_change=lambda: _seen(component_key))


def _seen(component_key: str) -> None:
    """Trigger callback: the charts named are drawn from now on in this session."""
    state = st.session_state.get(component_key) or {}
    charts = state.get("seen") if hasattr(state, "get") else getattr(state, "seen", None)
    drawn_charts().update(str(c) for c in (charts or []))


def folded(label: str, key: str, **kwargs):
    """A collapsed expander whose content is drawn only once it is opened (a rerun on the click), or
    None while it is closed: ``if (box := ui.folded(...)) is not None: with box: ...``.

    Streamlit sends and draws a closed expander's content; a question page's detail tables, folded
    so, cost nothing until asked for (issue 14: a page is drawn in ≤ 1,5 s). ``key`` keeps the state
    (tests open a fold by setting it in ``st.session_state``).
    """
    box = st.expander(label, key=key, on_change="rerun", **kwargs)
    return box if box.open else None
