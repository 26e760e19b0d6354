"""Référentiel-driven layout of a question page (one general mechanism for Q1-Q6).

The page shows the question's wording, each judgement criterion as a section and,
inside it, one block per indicator with its référentiel id. Charts, targets and
verdicts plug into :func:`indicator_block` (see the question-pages issue).
"""

from __future__ import annotations

import streamlit as st

from data_access.source_query import population_count

from . import ui
from .filters import Filters, describe, territory_scope
from .formatting import fmt_number
from .referentiel import DIRECTION_LABELS, KIND_LABELS, Indicator, load_referentiel


@st.cache_data(show_spinner=False)
def _population_counts(question_id: str, filters_key: tuple, scope: tuple[str, ...], version: int) -> dict[str, int]:
    ref = load_referentiel()
    first, last = filters_key[0], filters_key[1]
    years = range(first, last + 1)
    with ui.engine().connect() as conn:
        return {
            ind.id: population_count(conn, ind.source, years=years, territories=scope)
            for ind in ref.indicators(question_id)
        }


def indicator_block(ind: Indicator, rows: int, filters_text: str) -> None:
    with st.container(border=True):
        st.caption(ind.id)
        st.markdown(f"**{ind.short_label}**")
        st.markdown(ind.label)
        facts = [KIND_LABELS[ind.kind], f"unité : {ind.unit}"]
        if ind.direction != "none":
            facts.append(f"cible : {DIRECTION_LABELS[ind.direction]}")
        st.caption(" · ".join(facts) + f" — source : {ind.source.producer}")
        if rows:
            st.markdown(f"{fmt_number(rows)} enregistrements pour {filters_text}.")
        else:
            st.info(f"Pas de données pour {filters_text}.")


def render_question(question_id: str, filters: Filters) -> None:
    ref = load_referentiel()
    q = ref.question(question_id)
    data = ui.reference_data(ui.data_version())
    scope = territory_scope(filters.territory, data["territories"], data["perimeters"])
    filters_text = describe(filters, data["territories"], data["institutions"])
    counts = _population_counts(question_id, filters.cache_key(), scope, ui.data_version())

    ui.sample_banner()
    st.title(f"Question {q.number} · {q.title}")
    st.markdown(f"#### {q.label}")
    if q.intro:
        st.markdown(q.intro)
    st.caption(f"Sélection : {filters_text}")
    for c in q.criteria:
        st.subheader(f"{c.id.split('.')[-1]} · {c.short_label}")
        st.markdown(f"*On aura réussi si…* {c.label}.")
        for ind in c.indicators:
            indicator_block(ind, counts.get(ind.id, 0), filters_text)
