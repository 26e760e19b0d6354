import streamlit as st

from dashboard import ui

ui.current_filters()
st.title("journal")
ui.sample_banner()
st.info("En construction.")
