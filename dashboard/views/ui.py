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


def plotly_chart(figure, **kwargs):
    """``st.plotly_chart`` for every chart of the app, given a figure or a figure dict that the page
    caches share between sessions.

    Streamlit validates a dict by building a Plotly figure from it, and Plotly's validation takes each
    trace's ``type`` out of the dict it is given and puts it back afterwards
    (``_plotly_utils.basevalidators.BaseDataValidator.validate_coerce``, plotly 7). Two sessions
    drawing the same cached dict at once could therefore read a trace without its type, as a scatter:
    a bar chart failed with "Invalid property … scatter.Marker: 'pattern'" under 20 simulated users
    (docs/benchmarks.md). Each draw gets its own copy; the cache's dict is never handed over.
    """
    import copy

    if isinstance(figure, dict):
        figure = copy.deepcopy(figure)
    return st.plotly_chart(figure, **kwargs)


def folded(label: str, key: str, **kwargs):
    """A collapsed expander whose content is drawn only once it is opened (a rerun on the click), or
    None while it is closed: ``if (box := ui.folded(...)) is not None: with box: ...``.

    Streamlit sends and draws a closed expander's content; a question page's detail tables, folded
    so, cost nothing until asked for (issue 14: a page is drawn in ≤ 1,5 s). ``key`` keeps the state
    (tests open a fold by setting it in ``st.session_state``).
    """
    box = st.expander(label, key=key, on_change="rerun", **kwargs)
    return box if box.open else None
