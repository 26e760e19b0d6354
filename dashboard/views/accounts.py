"""The accounts page (administrators): list, create, change role / territories / password,
deactivate, link an OpenID Connect identity, see the sign-in delays and unlock an account. The same functions serve
``python -m dashboard user …``."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.core.filters import territory_label
from dashboard.views import auth, ui
from data_access import users

PASSWORD_HELP = (f"Au moins {users.MIN_PASSWORD} caractères, pas seulement des espaces, ni l'identifiant, ni un mot "
                 "de passe courant (motdepasse, azertyuiop…) : une phrase de plusieurs mots convient bien.")


UNLOCK_DONE = "account_unlock_done"


def _paris_time(value) -> str:
    if value is None or pd.isna(value):
        return ""
    return pd.Timestamp(value).tz_convert("Europe/Paris").strftime("%d/%m/%Y %H:%M:%S")


def delays_section(eng, admin: users.User) -> None:
    """Account names × addresses whose failed sign-ins count now, and the unlock button."""
    st.subheader("Connexions retardées")
    st.caption("Après quelques échecs, chaque nouvelle tentative depuis la même adresse attend 2, 4, 8… secondes "
               "(au plus le délai réglé). Déverrouiller efface les échecs du compte depuis toutes les adresses ; "
               "une adresse qui a échoué sur plusieurs comptes reste ralentie jusqu'à la fin de son délai.")
    done = st.session_state.pop(UNLOCK_DONE, None)
    if done:
        st.success(done, icon=":material/lock_open:")
    frame = users.sign_in_delays(eng)
    if frame.empty:
        st.caption("Aucun échec de connexion récent.")
        return
    shown = frame.assign(**{
        "Dernier échec": frame["Dernier échec"].map(_paris_time),
        "Attente jusqu'à": frame["Attente jusqu'à"].map(_paris_time),
        "Compte existant": frame["Compte existant"].map({True: "oui", False: "non (identifiant inconnu)"}),
    })
    st.dataframe(shown, hide_index=True, width="stretch")
    names = sorted(set(frame.loc[frame["Compte existant"], "Identifiant"]))
    if not names:
        return
    with st.form("account_unlock"):
        who = st.selectbox("Compte à déverrouiller", names, key="account_unlock_pick")
        if st.form_submit_button("Déverrouiller", icon=":material/lock_open:"):
            try:
                cleared = users.unlock(eng, who, by=admin)
            except (users.AccountError, users.WriteRefused) as exc:
                st.error(str(exc))
            else:  # shown after the rerun, which redraws the table without the cleared failures
                st.session_state[UNLOCK_DONE] = (f"Compte « {who} » déverrouillé : {cleared} échec"
                                                 f"{'s' if cleared > 1 else ''} effacé{'s' if cleared > 1 else ''}.")
                st.rerun()


def render() -> None:
    st.title("Comptes")
    ui.sample_banner()
    user = auth.current_user()
    if user is None or not user.is_admin:
        st.info("Page réservée aux administrateurs : la gestion des comptes demande un compte administrateur"
                + (" ; connectez-vous." if user is None else f" (votre compte : {user.role_label})."),
                icon=":material/lock:")
        if user is None:
            st.page_link(auth.SIGN_IN_PAGE, label="Se connecter", icon=":material/login:")
        return
    eng = ui.engine()
    st.dataframe(users.list_users(eng).drop(columns=["Créé le"]), hide_index=True, width="stretch")
    ref = ui.reference_data(ui.data_version())
    territories = ref["territories"]
    codes = [c for c in ref["all_territories"]["code"] if c == "R82" or not str(c).startswith("R")] \
        if "code" in ref["all_territories"] else list(territories["code"])
    labels = {c: territory_label(c, territories) if c in set(territories["code"]) else c for c in codes}
    roles = list(users.ROLES)
    tab_new, tab_edit, tab_oidc = st.tabs(["Créer un compte", "Modifier un compte", "Identité OpenID Connect"])
    with tab_new, st.form("account_new", clear_on_submit=True):
        c = st.columns(2)
        username = c[0].text_input("Identifiant *", help="minuscules, chiffres, point, tiret")
        name = c[1].text_input("Nom affiché")
        role = c[0].selectbox("Rôle *", roles, format_func=lambda r: users.USER_ROLE[r])
        terr = c[1].multiselect("Territoires (animateur)", codes, placeholder="Choisir un ou plusieurs territoires",
                               format_func=lambda x, labels=labels: labels[x])
        password = st.text_input(f"Mot de passe * (au moins {users.MIN_PASSWORD} caractères)", type="password",
                                 help=PASSWORD_HELP)
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
                terr = st.multiselect("Territoires", codes, placeholder="Choisir un ou plusieurs territoires",
                                      default=sorted(t for t in (target.territories if target else ()) if t in codes),
                                      format_func=lambda x, labels=labels: labels[x])
                password = st.text_input("Nouveau mot de passe (laisser vide pour ne pas changer)", type="password",
                                         help=PASSWORD_HELP)
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
    with tab_oidc:
        identity_section(eng, user)
    delays_section(eng, user)


def identity_section(eng, admin: users.User) -> None:
    """Link an account to the identity a provider such as ProConnect gives its user (or remove it)."""
    st.caption("Se connecter avec le fournisseur d'identité (ProConnect…) ouvre le compte associé à l'identité "
               "de la personne : l'émetteur et le sujet que donne le refus de sa première connexion.")
    frame = users.list_users(eng)
    with st.form("account_oidc"):
        who = st.selectbox("Compte", list(frame["Identifiant"]), key="account_oidc_pick")
        issuer = st.text_input("Émetteur (iss)", placeholder="https://… (l’URL « iss » du fournisseur)")
        subject = st.text_input("Sujet (sub)")
        c = st.columns(2)
        link = c[0].form_submit_button("Associer", type="primary", icon=":material/link:")
        unlink = c[1].form_submit_button("Retirer l'identité", icon=":material/link_off:")
    try:
        if link and who:
            users.link_identity(eng, who, issuer, subject, by=admin)
            st.success(f"Compte « {who} » associé à l'identité "
                       f"{users.describe_identity(issuer.strip(), subject.strip())}.")
        elif unlink and who:
            st.success(f"Compte « {who} » : identité retirée." if users.unlink_identity(eng, who, by=admin)
                       else f"Le compte « {who} » n'avait pas d'identité associée.")
    except users.WriteRefused as exc:
        st.error(str(exc))
    except users.AccountError as exc:
        for p in exc.problems:
            st.error(p)
