"""Home: the steering view, one tile per evaluative question."""

import streamlit as st

from dashboard.home_view import render_home

render_home(st.session_state["filters"])
