"""Meeting mode: one evaluative question per screen, for the CPR's steering meeting on a projector.

Each screen shows the question, its overall reading in large type with its coverage, and the few
indicators that need discussion (défavorables first, then à surveiller; when there are none, the
screen says so) with their chart and the reason of their verdict. "Précédente" / "Suivante" (and the
keyboard's arrows or Page up / Page down) walk the six questions; the sidebar is hidden, the
territory and the period are those chosen before entering. The question shown lives in the URL
(``?question=3``), so a link opens the meeting on it.
"""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd
import streamlit as st

from dashboard.core import decisions
from dashboard.core.filters import Filters, describe, territory_scope
from dashboard.core.formatting import fmt_date
from dashboard.core.referentiel import load_referentiel
from dashboard.core.results import VERDICT_LABELS
from dashboard.core.rollup import most_off_track, roll_up
from dashboard.render.figures import VERDICT_COLORS, plotly_config
from dashboard.views import ui
from dashboard.views.home import coverage_text
from dashboard.views.question import FOCUS_PARAM, indicator_blocks, question_results, verdict_badge
from data_access.queries import steering_decisions
from data_access.vocabulary import DECISION_KIND

PARAM = "question"
PREVIOUS, NEXT = "◀ Précédente", "Suivante ▶"
AT_MOST = 3  # indicators discussed per question

MEETING_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"] {
  display: none; }
[data-testid="stMainBlockContainer"] { padding-top: 1rem; max-width: 100%; }
.st-key-meeting-head .meeting-verdict { display: inline-block; padding: 0.15rem 0.9rem; border-radius: 0.45rem;
  color: #fff; font-size: 2rem; font-weight: 700; }
.st-key-meeting-head .meeting-coverage { font-size: 1.3rem; font-weight: 600; margin-left: 1rem; }
.st-key-meeting-head h1 { font-size: 2.3rem; padding-top: 0.2rem; }
.st-key-meeting-head p { font-size: 1.2rem; }
</style>
"""

# Arrows and Page up / Page down press the buttons (a presenter's remote sends Page up / Page down).
# Checked in Chromium by tests/test_e2e.py::test_the_meeting_mode_follows_the_keyboard, which presses
# while the page is still loading.
KEYS_JS = """
<script>
(function () {
  const doc = window.parent ? window.parent.document : document;
  if (doc.__meetingKeys) { return; }
  doc.__meetingKeys = true;
  // What the keys did, the last few (the end-to-end test shows them when a key seems lost).
  const trace = doc.__meetingLog = [];
  function note(what) {
    trace.push(new Date().toISOString().slice(11, 23) + " " + what);
    trace.splice(0, trace.length - 20);
  }
  // On a page's first load Streamlit draws its text before its buttons (their code arrives later),
  // and a slow machine may take seconds: a key waits up to 30 s for its button to exist rather than
  // being lost. One key waits at a time; a newer key replaces it.
  let pending = null;
  let timer = null;
  function poll() {
    timer = null;
    if (!pending) { return; }
    const button = doc.querySelector(pending.selector);
    if (button) {                     // a disabled one (first or last question) drops the key
      if (!button.disabled) { button.click(); }
      note((button.disabled ? "bouton désactivé " : "clic ") + pending.selector);
      pending = null;
      return;
    }
    if (Date.now() > pending.deadline) {
      note("bouton absent " + pending.selector);
      pending = null;
      return;
    }
    timer = setTimeout(poll, 50);
  }
  doc.addEventListener("keydown", function (event) {
    if (!doc.querySelector(".st-key-meeting-nav")) { return; }   // only in meeting mode
    const tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA") { return; }
    const next = ["ArrowRight", "PageDown"].includes(event.key);
    const previous = ["ArrowLeft", "PageUp"].includes(event.key);
    if (!next && !previous) { return; }
    event.preventDefault();
    note("touche " + event.key);
    pending = {selector: next ? ".st-key-meeting-next button" : ".st-key-meeting-previous button",
               deadline: Date.now() + 30000};
    if (timer === null) { poll(); }
  });
})();
</script>
"""


def current_question(count: int) -> int:
    """The question shown (1-based), from the URL; the first one when absent or out of range."""
    wanted = st.query_params.get(PARAM, "1")
    return int(wanted) if wanted.isdigit() and 1 <= int(wanted) <= count else 1


def _go(number: int) -> None:
    st.query_params[PARAM] = str(number)


def _decisions_popover(filters: Filters, data: dict) -> None:
    """The decisions and improvement axes still open for the territory shown (the CPR's for the region),
    overdue first: a popover of the navigation bar, on every screen (issue 15)."""
    scope = [filters.territory] if filters.is_region else list(
        territory_scope(filters.territory, data["territories"], data["perimeters"]))
    items = open_decisions(tuple(sorted(scope)), dt.date.today(), ui.data_version())
    late = int(items["overdue"].sum()) if not items.empty else 0
    label = f"Décisions ({len(items)})" + (f" · {late} en retard" if late else "")
    with st.popover(label, icon=":material/checklist:", help="Décisions et axes d'amélioration encore ouverts"):
        st.markdown("**Décisions et axes d'amélioration en cours**")
        if items.empty:
            st.markdown("Aucune décision ni axe d'amélioration ouvert.")
        for r in items.to_dict("records"):
            due = f" · échéance {fmt_date(r['due_date'])}" if r["due_date"] is not None and not pd.isna(
                r["due_date"]) else ""
            flag = " · **échéance dépassée**" if r["overdue"] else ""
            st.markdown(f"**{html.escape(r['title'])}** — {DECISION_KIND.get(r['kind'], r['kind'])}"
                        f"{due}{flag}")


@st.cache_data(show_spinner=False, max_entries=64)
def open_decisions(territories: tuple[str, ...], as_of: dt.date, version: int) -> pd.DataFrame:
    return decisions.open_items(steering_decisions(ui.engine(), territories), as_of)


def render_meeting(filters: Filters) -> None:
    ref = load_referentiel()
    questions = ref.questions
    number = current_question(len(questions))
    q = questions[number - 1]
    data = ui.reference_data(ui.data_version())
    st.html(MEETING_CSS)
    st.html(KEYS_JS, unsafe_allow_javascript=True)
    results = question_results(q.id, filters)
    summary = roll_up(results)
    with st.container(key="meeting-nav", horizontal=True, vertical_alignment="center"):
        st.markdown(f"**Réunion** · {describe(filters, data['territories'], data['institutions'])} · "
                    f"question {number} sur {len(questions)}")
        st.button(PREVIOUS, key="meeting-previous", disabled=number == 1, on_click=_go, args=(number - 1,))
        st.button(NEXT, key="meeting-next", disabled=number == len(questions), on_click=_go, args=(number + 1,),
                  type="primary")
        _decisions_popover(filters, data)
        st.page_link("app_pages/home.py", label="Quitter", icon=":material/close:")
    ui.sample_banner(compact=True)
    with st.container(key="meeting-head"):
        st.title(f"Q{q.number} · {q.title}")
        st.markdown(q.label)
        st.html(f'<span class="meeting-verdict" style="background:{VERDICT_COLORS[summary.overall]}">'
                f'{html.escape(VERDICT_LABELS[summary.overall])}</span>'
                f'<span class="meeting-coverage">{html.escape(coverage_text(summary))}</span>')
    to_discuss = most_off_track(results, n=AT_MOST)
    if not to_discuss:
        st.success("Aucun indicateur défavorable ni à surveiller pour cette question.", icon=":material/check_circle:")
        return
    st.subheader("À discuter")
    by_id = {b.result.indicator.id: b for b in indicator_blocks(
        q.id, tuple(r.indicator.id for r in to_discuss), filters.cache_key(), ui.data_version())}
    cols = st.columns(len(to_discuss), gap="medium")
    for col, result in zip(cols, to_discuss):
        ind = result.indicator
        block = by_id[ind.id]
        with col, st.container(border=True, key=f"meeting-{ind.id}"):
            st.caption(ind.id)
            st.markdown(f"#### {ind.short_label}")
            verdict_badge(result)
            if block.figures:
                ui.plotly_chart(block.figures[0], config=plotly_config(ind.id), theme=None, width="stretch",
                                key=f"meeting-fig-{ind.id}", eager=True)
            st.markdown(result.verdict.reason)
            st.page_link(f"app_pages/{q.page}.py", label="Voir le détail", icon=":material/arrow_forward:",
                         query_params={FOCUS_PARAM: ind.id})
