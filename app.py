"""Entry script: `streamlit run app.py`.

Declares the navigation (home, one page per evaluative question, comparisons, bilans,
data pages), the global filters bound to the URL and the account box. With
``MAINTIEN_PUBLIC_READ=false`` only the sign-in page shows until a user signs in. Every page view
starts with the "données fictives" banner (dashboard.views.ui.sample_banner).
"""

import streamlit as st

from dashboard.views import auth, french, prewarm, ui
from data_access.settings import get_settings

st.set_page_config(
    page_title="Maintien dans l'emploi · Pilotage de la Charte Rhône-Alpes",
    page_icon=":material/handshake:",
    layout="wide",
    initial_sidebar_state="expanded",
)

# Every page run counts as activity: the background warm-up of the territories' pages waits for none.
with prewarm.page_run():
    engine = ui.engine()
    version = ui.data_version()          # one read of the store's data version per run
    reference = ui.reference_data(version)
    prewarm.ensure_started(version, reference["territory_options"], reference["years"])
    french.french_widgets()
    user = auth.current_user()
    auth.write_cookie()
    signin = st.Page("app_pages/connexion.py", title="Connexion", icon=":material/login:", url_path="connexion")
    if not get_settings().public_read and user is None:  # reading closed: only the sign-in page
        navigation = st.navigation([signin])
        st.session_state["filters"] = ui.default_filters()
        navigation.run()
        st.stop()
    home = st.Page("app_pages/home.py", title="Accueil · vue de pilotage", icon=":material/dashboard:", default=True)
    meeting = st.Page("app_pages/reunion.py", title="Mode réunion", icon=":material/co_present:", url_path="reunion")
    data_pages = [
        st.Page("app_pages/completude.py", title="Complétude des données", icon=":material/fact_check:",
                url_path="completude"),
        st.Page("app_pages/import.py", title="Importer un fichier", icon=":material/upload_file:", url_path="import"),
        st.Page("app_pages/saisie.py", title="Saisie", icon=":material/edit_note:", url_path="saisie"),
        st.Page("app_pages/journal.py", title="Journal des écritures", icon=":material/history:", url_path="journal"),
    ]
    # Registered for everyone, listed for administrators only: /comptes opened without the rights says so
    # (rather than landing silently on the home page).
    data_pages.append(st.Page("app_pages/comptes.py", title="Comptes", icon=":material/group:", url_path="comptes",
                              visibility="visible" if user is not None and user.is_admin else "hidden"))
    data_pages.append(signin)
    navigation = st.navigation({
        "Pilotage": [home, meeting],
        "Questions évaluatives": ui.question_pages(),
        "Comparer": [
            st.Page("app_pages/comparaison.py", title="Territoires de Rhône-Alpes", icon=":material/map:",
                    url_path="comparaison"),
            st.Page("app_pages/regions.py", title="Régions métropolitaines", icon=":material/public:",
                    url_path="regions"),
        ],
        "Bilans": [
            st.Page("app_pages/bilan.py", title="Bilans annuels (CME, région)", icon=":material/description:",
                    url_path="bilan"),
        ],
        "Données": data_pages,
    }, expanded=True)  # every page listed: no English "View more" link
    ui.prune_query_params(navigation.url_path)
    st.session_state["filters"] = ui.sidebar_filters()
    auth.sidebar_account()
    navigation.run()
