import streamlit as st

from dashboard.views import auth, ui

ui.current_filters()
st.title("Connexion")
ui.sample_banner()
user = auth.current_user()
if user is not None:
    st.success(f"Vous êtes connecté : {auth.describe(user)}.", icon=":material/verified_user:")
    if st.button("Se déconnecter", icon=":material/logout:"):
        auth.sign_out()
        st.rerun()
    auth.digest_form(user)
else:
    st.markdown("La lecture du tableau de bord est ouverte. Les imports, les saisies et les commentaires "
                "demandent un compte : **animateur** (pour ses territoires) ou **administrateur**.")
    auth.oidc_refusal()
    auth.oidc_button()
    if auth.sign_in_form() is not None:
        st.rerun()
    if ui.reference_data(ui.data_version())["info"]["sample"]:
        st.caption("Base de démonstration (données fictives) : comptes `admin`, `animateur38`, `animateur69` et "
                   "`lecteur` ; leurs mots de passe sont dans le README.")
