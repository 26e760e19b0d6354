"""Question 4 of the référentiel d'évaluation (layout driven by dashboard/referentiel.yaml)."""

import streamlit as st

from dashboard.question_view import render_question

render_question("Q4", st.session_state["filters"])
