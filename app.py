"""Entry script: `streamlit run app.py`.

Declares the navigation (home + one page per evaluative question), the global
filters bound to the URL. Every page view starts with the "données fictives"
banner (dashboard.ui.sample_banner).
"""

import streamlit as st

from dashboard import ui

st.set_page_config(
    page_title="Maintien dans l'emploi · Pilotage de la Charte Rhône-Alpes",
    page_icon=":material/handshake:",
    layout="wide",
    initial_sidebar_state="expanded",
)

engine = ui.engine()
home = st.Page("pages/home.py", title="Accueil · vue de pilotage", icon=":material/dashboard:", default=True)
navigation = st.navigation({
    "Pilotage": [home],
    "Questions évaluatives": ui.question_pages(),
    "Comparer": [
        st.Page("pages/comparaison.py", title="Territoires de Rhône-Alpes", icon=":material/map:",
                url_path="comparaison"),
        st.Page("pages/regions.py", title="Régions métropolitaines", icon=":material/public:", url_path="regions"),
    ],
    "Bilans": [
        st.Page("pages/bilan.py", title="Bilan annuel d'un CME", icon=":material/description:", url_path="bilan"),
    ],
})
st.session_state["filters"] = ui.sidebar_filters()
navigation.run()
