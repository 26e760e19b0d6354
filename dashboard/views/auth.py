"""Who is signed in, the sign-in form and the account box of the sidebar.

The Streamlit session keeps the user name (``st.session_state["auth_username"]``) and the token of
the browser session (``data_access.sessions``); the account is read again from the store on every
run, so a deactivated account or a changed role takes effect at once, and so is the session record,
so "Se déconnecter" in one tab signs every tab out. The token also lives in a cookie
(``maintien_session``, set by a small script since Streamlit cannot set cookies): a reload or a new
tab of the same browser resumes the session until it expires (``MAINTIEN_SESSION_HOURS``). Writes
are checked again in the data layer (``data_access.users``), whatever the page.
"""

from __future__ import annotations

import streamlit as st

from dashboard.views.ui import engine, open_on_home_territory
from data_access import sessions, users
from data_access.settings import get_settings

SESSION_KEY = "auth_username"
TOKEN_KEY = "auth_session_token"
COOKIE = "maintien_session"
COOKIE_PENDING = "auth_cookie_pending"   # the cookie to write on the next run ("" clears it)
SIGN_IN_PAGE = "app_pages/connexion.py"


def _cookie_token() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 - no browser context (AppTest, bare script run)
        return None
    return value if isinstance(value, str) and value else None


def current_user() -> users.User | None:
    token = st.session_state.get(TOKEN_KEY)
    if token is None and SESSION_KEY not in st.session_state:
        token = _cookie_token()             # a reload or a new tab: resume the browser's session
    if token is not None:
        name = sessions.resume(engine(), token)
        if name is None:                    # expired, or signed out from another tab
            _forget(clear_cookie=True)
            return None
        st.session_state[SESSION_KEY], st.session_state[TOKEN_KEY] = name, token
    name = st.session_state.get(SESSION_KEY)
    if not name:
        return None
    user = users.load_user(engine(), name)
    if user is None:  # deactivated or removed since sign-in
        _forget(clear_cookie=True)
    return user


def _forget(clear_cookie: bool) -> None:
    st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop(TOKEN_KEY, None)
    if clear_cookie:
        st.session_state[COOKIE_PENDING] = ""


def write_cookie() -> None:
    """Write (or clear) the session cookie decided by the previous run; called by ``app.py``."""
    value = st.session_state.pop(COOKIE_PENDING, None)
    if value is None:
        return
    secure = "; Secure" if str(getattr(st.context, "url", "") or "").startswith("https") else ""
    age = int(get_settings().session_hours * 3600) if value else 0
    st.html(f"<script>document.cookie = '{COOKIE}={value}; path=/; max-age={age}; SameSite=Strict{secure}';"
            "</script>", unsafe_allow_javascript=True)


def client_address() -> str | None:
    """The address sign-in failures are counted under (``data_access.users.normalise_client``).

    Streamlit's ``st.context.ip_address`` (None on localhost, hence ``local``). With
    ``MAINTIEN_TRUSTED_PROXY=true`` the app sits behind a reverse proxy: every connection then comes
    from the proxy, so the address is the last entry of ``X-Forwarded-For`` — the one the proxy
    appended. The earlier entries are whatever the client sent (nginx's ``$proxy_add_x_forwarded_for``
    keeps them), so trusting the first one would let anyone pick a fresh address for each attempt.
    Without the setting the header is ignored, as a client reaching Streamlit directly can forge it.
    """
    from data_access.settings import get_settings

    try:
        if get_settings().trusted_proxy:
            forwarded = [part.strip() for line in st.context.headers.get_all("X-Forwarded-For")
                         for part in line.split(",") if part.strip()]
            if forwarded:
                return forwarded[-1]
        return st.context.ip_address
    except Exception:  # noqa: BLE001 - no client context (bare script run): counted as local
        return None


def sign_out() -> None:
    """Sign the account out everywhere: every session record revoked, this browser's cookie cleared."""
    name = st.session_state.get(SESSION_KEY)
    if name:
        sessions.revoke_all(engine(), name)
    _forget(clear_cookie=True)


def sign_in_form(key: str = "signin") -> users.User | None:
    """The sign-in form; returns the user once signed in."""
    with st.form(key, border=True):
        username = st.text_input("Identifiant", key=f"{key}_username", autocomplete="username")
        password = st.text_input("Mot de passe", type="password", key=f"{key}_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button("Se connecter", type="primary", icon=":material/login:")
    if submitted:
        try:
            user = users.authenticate(engine(), username, password, client=client_address())
        except users.SignInError as exc:
            st.error(str(exc), icon=":material/lock:")
            return None
        token = sessions.open_session(engine(), user.username, get_settings().session_hours)
        st.session_state[SESSION_KEY], st.session_state[TOKEN_KEY] = user.username, token
        st.session_state[COOKIE_PENDING] = token
        open_on_home_territory(user)
        return user
    return None


def describe(user: users.User) -> str:
    terr = f" · {', '.join(sorted(user.territories))}" if user.territories else ""
    return f"**{user.display_name}** ({user.role_label}{terr})"


def sidebar_account() -> users.User | None:
    """Signed-in user and a sign-out button, or a link to the sign-in page."""
    user = current_user()
    with st.sidebar:
        st.markdown("### Compte")
        if user is None:
            st.caption("Lecture ouverte. Connectez-vous pour importer, saisir ou commenter.")
            st.page_link(SIGN_IN_PAGE, label="Se connecter", icon=":material/login:")
        else:
            st.markdown(f"Connecté : {describe(user)}")
            if st.button("Se déconnecter", key="signout", icon=":material/logout:"):
                sign_out()
                st.rerun()
    return user


def require_writer(what: str = "écrire", territory: str | None = None) -> users.User | None:
    """The user if they may write (for ``territory``), else a French notice and None."""
    user = current_user()
    try:
        users.require_writer(user, territory, what)
    except users.WriteRefused as exc:
        st.info(str(exc), icon=":material/lock:")
        if user is None:
            st.page_link(SIGN_IN_PAGE, label="Se connecter", icon=":material/login:")
        return None
    return user
