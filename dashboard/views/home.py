"""Home page: the steering view, made for a projector.

At 1280×720 the first screen holds the six questions — each with a large verdict, its coverage
("4 jugés sur 6") and the one indicator most worth discussing, which opens the question page on
that indicator's block — and the summary chart of the verdicts question by question. The rule of
the verdicts follows below the fold."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from dashboard.core.filters import Filters, describe
from dashboard.core.referentiel import load_referentiel
from dashboard.core.results import VERDICT_LABELS
from dashboard.core.rollup import most_off_track, roll_up
from dashboard.render.figures import VERDICT_COLORS, plotly_config, verdict_overview_figure
from dashboard.views import ui
from dashboard.views.question import FOCUS_PARAM, question_results, verdict_rule

# Large type for the back of a room; tiles of one height so the grid stays a grid.
HOME_CSS = """
<style>
[data-testid="stMainBlockContainer"] { padding-top: 1.5rem; }
[data-testid="stMainBlockContainer"] [data-testid="stAlert"] > div { padding: 0.45rem 0.9rem; }
.st-key-home-tiles, .st-key-home-tiles [data-testid="stVerticalBlock"] { gap: 0.45rem; }
.st-key-home-tiles [data-testid="stPageLink"] a { padding: 0; min-height: 0; }
.st-key-home-tiles [class*="st-key-worst-"] [data-testid="stPageLink"] p { white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.st-key-home-tiles [class*="st-key-title-"] p { font-size: 1.15rem; font-weight: 700; line-height: 1.3;
  white-space: normal; }
.st-key-home-tiles [class*="st-key-worst-"] p { font-size: 0.95rem; }
.st-key-home-tiles .tile-verdict { display: inline-block; padding: 0.1rem 0.7rem; border-radius: 0.4rem;
  color: #fff; font-size: 1.45rem; font-weight: 700; line-height: 1.35; }
.st-key-home-tiles .tile-coverage { font-size: 1rem; font-weight: 600; line-height: 1.3; margin-top: 0.25rem; }
.st-key-home-tiles .tile-calm { font-size: 0.95rem; color: #3a3a3a; }
.st-key-home-head h1 { font-size: 1.7rem; padding: 0.2rem 0 0; }
</style>
"""


def tile_html(overall: str, coverage: str) -> str:
    """The verdict, large and in its colour, and the coverage of a tile (escaped)."""
    color = VERDICT_COLORS[overall]
    return (f'<div class="tile-verdict" style="background:{color}">{html.escape(VERDICT_LABELS[overall])}</div>'
            f'<div class="tile-coverage">{html.escape(coverage)}</div>')


def coverage_text(summary) -> str:
    """"4 jugés sur 6": the indicators with a target that could be judged (the summary chart below
    the tiles counts them by verdict)."""
    if summary.with_target == 0:
        return "Descriptive, sans cible"
    return f"{summary.judged} jugé{'s' if summary.judged > 1 else ''} sur {summary.with_target}"


def render_home(filters: Filters) -> None:
    ref = load_referentiel()
    data = ui.reference_data(ui.data_version())
    ui.sample_banner(compact=True)
    st.html(HOME_CSS)
    with st.container(key="home-head"):
        st.title(f"Pilotage de la Charte · {describe(filters, data['territories'], data['institutions'])}")
    overview = []
    with st.container(key="home-tiles"):
        for row in range(2):
            cols = st.columns(3, gap="small")
            for col, q in zip(cols, ref.questions[row * 3:(row + 1) * 3]):
                results = question_results(q.id, filters)
                summary = roll_up(results)
                overview += [{"question": f"Q{q.number} · {q.title}", "verdict": code, "n": n}
                             for code, n in summary.counts.items()]
                worst = most_off_track(results, n=1)
                page = f"app_pages/{q.page}.py"
                with col, st.container(border=True, height="stretch", key=f"tile-{q.id}"):
                    with st.container(key=f"title-{q.id}"):
                        st.page_link(page, label=f"Q{q.number} · {q.title}", help=f"Ouvrir la question {q.number}")
                    st.html(tile_html(summary.overall, coverage_text(summary)))
                    if worst:
                        first = worst[0]
                        with st.container(key=f"worst-{q.id}"):
                            st.page_link(page, label=f"À discuter : {first.indicator.short_label} "
                                                     f"({first.verdict.label.lower()})",
                                         icon=":material/arrow_forward:",
                                         query_params={FOCUS_PARAM: first.indicator.id},
                                         help=f"{first.indicator.id} · {first.indicator.label}")
                    else:
                        st.html('<div class="tile-calm">Aucun indicateur à discuter</div>')
    fig = verdict_overview_figure(pd.DataFrame(overview, columns=["question", "verdict", "n"]), compact=True)
    if fig is not None:
        ui.plotly_chart(fig, config=plotly_config("verdicts-par-question"), theme=None, width="stretch",
                        key="home-overview", eager=True)
    st.caption("Verdict par indicateur : pente robuste sur les années de la période, comparée à la cible "
               "du référentiel, rendu seulement sur des effectifs suffisants. Lecture d'ensemble d'une "
               "question : part des indicateurs jugés qui sont atteints ou en bonne voie, avec le nombre "
               "d'indicateurs jugés parmi ceux qui ont une cible.")
    verdict_rule(key="verdict-rule-home")
