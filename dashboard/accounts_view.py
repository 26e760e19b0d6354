"""The accounts page (administrators): list, create, change role / territories / password,
deactivate. The same functions serve ``python -m dashboard user …``."""

from __future__ import annotations

import streamlit as st

from data_access import users

from . import auth, ui
from .filters import territory_label


def render() -> None:
    st.title("Comptes")
    ui.sample_banner()
    user = auth.current_user()
    if user is None or not user.is_admin:
        st.info("Page réservée aux administrateurs.", icon=":material/lock:")
        return
    eng = ui.engine()
    st.dataframe(users.list_users(eng).drop(columns=["Créé le"]), hide_index=True, width="stretch")
    ref = ui.reference_data(ui.data_version())
    territories = ref["territories"]
    codes = [c for c in ref["all_territories"]["code"] if c == "R82" or not str(c).startswith("R")] \
        if "code" in ref["all_territories"] else list(territories["code"])
    labels = {c: territory_label(c, territories) if c in set(territories["code"]) else c for c in codes}
    roles = list(users.ROLES)
    tab_new, tab_edit = st.tabs(["Créer un compte", "Modifier un compte"])
    with tab_new, st.form("account_new", clear_on_submit=True):
        c = st.columns(2)
        username = c[0].text_input("Identifiant *", help="minuscules, chiffres, point, tiret")
        name = c[1].text_input("Nom affiché")
        role = c[0].selectbox("Rôle *", roles, format_func=lambda r: users.USER_ROLE[r])
        terr = c[1].multiselect("Territoires (animateur)", codes, placeholder="Choisir un ou plusieurs territoires",
                               format_func=lambda x, labels=labels: labels[x])
        password = st.text_input(f"Mot de passe * (au moins {users.MIN_PASSWORD} caractères)", type="password")
        if st.form_submit_button("Créer le compte", type="primary"):
            try:
                users.add_user(eng, username.strip(), password, role=role, display_name=name.strip() or None,
                               territories=terr)
            except users.AccountError as exc:
                for p in exc.problems:
                    st.error(p)
            else:
                st.success(f"Compte « {username} » créé.")
    with tab_edit:
        names = list(users.list_users(eng)["Identifiant"])
        who = st.selectbox("Compte", names, key="account_pick")
        if who:
            target = users.load_user(eng, who)
            with st.form("account_edit"):
                role = st.selectbox("Rôle", roles, index=roles.index(target.role) if target else 0,
                                    format_func=lambda r: users.USER_ROLE[r])
                terr = st.multiselect("Territoires", codes, placeholder="Choisir un ou plusieurs territoires", default=sorted(t for t in (target.territories if target
                                                                                      else ()) if t in codes),
                                      format_func=lambda x, labels=labels: labels[x])
                password = st.text_input("Nouveau mot de passe (laisser vide pour ne pas changer)", type="password")
                active = st.checkbox("Compte actif", value=target is not None)
                if st.form_submit_button("Enregistrer", type="primary"):
                    if who == user.username and (not active or role != "administrateur"):
                        st.error("Vous ne pouvez pas retirer vos propres droits d'administrateur.")
                    else:
                        try:
                            users.update_user(eng, who, role=role, territories=terr, password=password or None,
                                              active=active)
                        except users.AccountError as exc:
                            for p in exc.problems:
                                st.error(p)
                        else:
                            st.success(f"Compte « {who} » modifié.")
