"""Home page: the steering view. Six tiles, one per evaluative question, with the
roll-up of their verdicts, the indicators most off track and a link into the page,
then one chart of the verdicts question by question. Readable on a projector: large
type, no clutter."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core.filters import Filters, describe
from dashboard.core.referentiel import load_referentiel
from dashboard.core.results import VERDICT_LABELS
from dashboard.core.rollup import most_off_track, roll_up
from dashboard.render.figures import plotly_config, verdict_overview_figure
from dashboard.views import ui
from dashboard.views.question import VERDICT_STYLE, question_results, verdict_rule

TILE_CSS = """
<style>
.st-key-home-tiles h2 { font-size: 1.9rem; margin-bottom: 0.2rem; }
.st-key-home-tiles p, .st-key-home-tiles li { font-size: 1.15rem; }
</style>
"""


def render_home(filters: Filters) -> None:
    ref = load_referentiel()
    data = ui.reference_data(ui.data_version())
    ui.sample_banner()
    st.title("Charte régionale pour le maintien dans l'emploi · Rhône-Alpes 2015-2020")
    selection = describe(filters, data["territories"], data["institutions"])
    st.markdown(f"### Les six questions évaluatives du référentiel — {selection}")
    st.markdown(TILE_CSS, unsafe_allow_html=True)
    overview = []
    with st.container(key="home-tiles"):
        for row in range(2):
            cols = st.columns(3, gap="medium")
            for col, q in zip(cols, ref.questions[row * 3:(row + 1) * 3]):
                results = question_results(q.id, filters)
                summary = roll_up(results)
                overview += [{"question": f"Q{q.number} · {q.title}", "verdict": code, "n": n}
                             for code, n in summary.counts.items()]
                color, icon = VERDICT_STYLE[summary.overall]
                with col, st.container(border=True, height="stretch", key=f"tile-{q.id}"):
                    st.markdown(f"## Q{q.number} · {q.title}")
                    st.badge(VERDICT_LABELS[summary.overall], color=color, icon=icon)
                    st.markdown(f"**{summary.short()}**")
                    st.markdown(summary.sentence())
                    worst = most_off_track(results)
                    if worst:
                        st.markdown("À regarder en priorité :\n" + "\n".join(
                            f"- {r.indicator.short_label} ({r.indicator.id}) — *{r.verdict.label.lower()}*"
                            for r in worst))
                    st.page_link(f"app_pages/{q.page}.py", label=f"Ouvrir la question {q.number}",
                                 icon=":material/arrow_forward:")
    fig = verdict_overview_figure(pd.DataFrame(overview, columns=["question", "verdict", "n"]))
    if fig is not None:
        st.markdown("#### Les verdicts des indicateurs, question par question")
        st.plotly_chart(fig, config=plotly_config("verdicts-par-question"), theme=None, width="stretch",
                        key="home-overview")
    st.caption("Verdict par indicateur : pente robuste sur les années de la période, comparée à la cible "
               "du référentiel, rendu seulement sur des effectifs suffisants. Lecture d'ensemble d'une "
               "question : part des indicateurs jugés qui sont atteints ou en bonne voie, avec le nombre "
               "d'indicateurs jugés parmi ceux qui ont une cible.")
    verdict_rule(key="verdict-rule-home")
