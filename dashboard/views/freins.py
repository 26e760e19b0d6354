"""The freins tracker on screen (issue 15, point 3): on the Q2 page (a panel of the référentiel's
question, ``panels: [freins]``) and in the bilan page's "Freins et progrès" part. The computation is
:mod:`dashboard.core.freins`; the data, :func:`data_access.queries.freins_plan`."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard.core import freins as F
from dashboard.core.filters import Filters, territory_scope
from dashboard.views import ui
from data_access.queries import freins_plan
from data_access.vocabulary import ACTION_STATUS

FLAG_BACKGROUND = "#fde5e4"


@st.cache_data(show_spinner=False, max_entries=128)
def tracker_table(territories: tuple[str, ...], as_of: dt.date, version: int) -> pd.DataFrame:
    """The tracker of some territories on a date, cached per data version."""
    return F.tracker(**freins_plan(ui.engine(), territories), as_of=as_of, status_labels=ACTION_STATUS)


def show_tracker(table: pd.DataFrame, territory_label, *, key: str) -> None:
    """The summary sentence, then the table (flagged freins first, on a light red background)."""
    st.markdown(F.summary(table))
    if table.empty:
        return
    shown = F.flat(table, territory_label)
    flagged = list(table["flagged"])

    def paint(row: pd.Series) -> list[str]:
        return [f"background-color: {FLAG_BACKGROUND}" if flagged[row.name] else ""] * len(row)

    st.dataframe(shown.style.apply(paint, axis=1), hide_index=True, width="stretch", key=key,
                 column_config={"Identifié le": st.column_config.DateColumn("Identifié le", format="DD/MM/YYYY"),
                                "Actions (état au regard du calendrier)": st.column_config.TextColumn(width="large")})
    st.caption("Sur fond rouge : les freins sans action et ceux dont une action est en retard sur son calendrier "
               "(fin prévue dépassée, ou début prévu dépassé sans démarrage). Une action réalisée ou abandonnée est "
               "close.")


def freins_panel(filters: Filters) -> None:
    """The Q2 page's panel, drawn when opened: the freins of the territory shown, at the end of the period
    (today for the current year)."""
    ref = ui.reference_data(ui.data_version())
    as_of = min(dt.date(filters.last_year, 12, 31), dt.date.today())
    box = st.expander(f"Progrès accomplis et freins : suivi des freins et des actions au {as_of:%d/%m/%Y}",
                      icon=":material/flag:", key="panel-freins", on_change="rerun")
    if not box.open:
        return
    with box:
        territories = territory_scope(filters.territory, ref["territories"], ref["perimeters"])
        table = tracker_table(tuple(sorted(territories)), as_of, ui.data_version())
        labels = ref["territory_labels"]
        show_tracker(table, lambda c: labels.get(c, c), key="freins-q2")
