"""Home page: six tiles, one per evaluative question, readable on a projector."""

from __future__ import annotations

import streamlit as st

from . import ui
from .filters import Filters, describe
from .referentiel import load_referentiel


def render_home(filters: Filters) -> None:
    ref = load_referentiel()
    data = ui.reference_data(ui.data_version())
    ui.sample_banner()
    st.title("Charte régionale pour le maintien dans l'emploi · Rhône-Alpes 2015-2020")
    st.markdown("### Les six questions évaluatives du référentiel")
    st.caption(f"Sélection : {describe(filters, data['territories'], data['institutions'])}")
    pages = {p.url_path: p for p in ui.question_pages()}
    for row in range(2):
        cols = st.columns(3, gap="medium")
        for col, q in zip(cols, ref.questions[row * 3:(row + 1) * 3]):
            with col, st.container(border=True, height="stretch"):
                st.markdown(f"## Q{q.number} · {q.title}")
                n_ind = len(ref.indicators(q.id))
                st.markdown(f"**{len(q.criteria)} critères · {n_ind} indicateurs**")
                st.caption(q.label)
                st.page_link(pages[q.page], label=f"Ouvrir la question {q.number}", icon=":material/arrow_forward:")
