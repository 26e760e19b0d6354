"""Who is signed in, the sign-in form and the account box of the sidebar.

The Streamlit session keeps the user name (``st.session_state["auth_username"]``) and the token of
the browser session (``data_access.sessions``); the account is read again from the store on every
run, so a deactivated account or a changed role takes effect at once, and so is the session record,
so "Se déconnecter" in one tab signs every tab out. The token also lives in a cookie
(``maintien_session``, set by a small script since Streamlit cannot set cookies): a reload or a new
tab of the same browser resumes the session until it expires (``MAINTIEN_SESSION_HOURS``). Writes
are checked again in the data layer (``data_access.users``), whatever the page.

Sign-in through an OpenID Connect provider (``MAINTIEN_OIDC_PROVIDER``, e.g. ProConnect): the button
"Se connecter avec …" calls ``st.login``; Streamlit runs the authorization code flow and comes back
with the claims of the validated ID token in ``st.user``. The first run that sees them maps the
identity (``iss`` + ``sub``) to the linked account (``users.account_for_identity``) and opens the same
server-side session as a local sign-in, so roles, territories and "Se déconnecter" work unchanged. An
``st.user`` is turned into a session once per Streamlit session and only while its ID token is fresh
(``OIDC_FRESH_SECONDS``): Streamlit's own identity cookie lives 30 days, the app's session
``MAINTIEN_SESSION_HOURS``, and a revoked session must not come back from that cookie. "Se
déconnecter" also calls ``st.logout`` (Streamlit's cookie cleared, the provider's end-of-session
endpoint visited when it has one).
"""

from __future__ import annotations

import time

import streamlit as st

from dashboard.views.ui import engine, open_on_home_territory
from data_access import sessions, users
from data_access.settings import get_settings

SESSION_KEY = "auth_username"
TOKEN_KEY = "auth_session_token"
COOKIE = "maintien_session"
COOKIE_PENDING = "auth_cookie_pending"   # the cookie to write on the next run ("" clears it)
SIGN_IN_PAGE = "app_pages/connexion.py"
OIDC_SEEN = "auth_oidc_seen"          # st.user already turned into a session, or refused, in this session
OIDC_REFUSED = "auth_oidc_refused"    # why the provider's identity opens no account (French)
OIDC_FRESH_SECONDS = 300              # an ID token older than this opens no new session


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
        return _oidc_sign_in()
    user = users.load_user(engine(), name)
    if user is None:  # deactivated or removed since sign-in
        _forget(clear_cookie=True)
    return user


def _oidc_claims() -> dict | None:
    """The claims of the provider's ID token (``st.user``) when signed in through it, else None."""
    try:
        claims = st.user.to_dict()
    except Exception:  # noqa: BLE001 - no script context or no [auth] secrets
        return None
    return claims if claims.get("is_logged_in") is True else None


def oidc_provider() -> tuple[str, str] | None:
    """(provider name, button label) when an OpenID Connect provider is configured: the setting
    ``MAINTIEN_OIDC_PROVIDER`` and its section ``[auth.<name>]`` in Streamlit's secrets."""
    settings = get_settings()
    name = settings.oidc_provider
    if not name:
        return None
    try:
        auth = st.secrets.get("auth") or {}
        configured = name in auth and "redirect_uri" in auth and "cookie_secret" in auth
    except Exception:  # noqa: BLE001 - no secrets file
        configured = False
    return (name, settings.oidc_button_label) if configured else None


def _oidc_sign_in() -> users.User | None:
    """Open the app's session for the identity the provider just asserted (once per Streamlit session)."""
    if OIDC_SEEN in st.session_state:
        return None
    claims = _oidc_claims()
    if claims is None:
        return None
    st.session_state[OIDC_SEEN] = True
    issued = claims.get("iat")
    if not isinstance(issued, (int, float)) or time.time() - issued > OIDC_FRESH_SECONDS:
        return None          # Streamlit's identity cookie outlived the app's session: sign in again
    try:
        user = users.account_for_identity(engine(), users.identity_from_claims(claims))
    except users.IdentityRefused as exc:
        st.session_state[OIDC_REFUSED] = str(exc)
        return None
    return _start_session(user)


def _start_session(user: users.User) -> users.User:
    """A signed-in user, locally or through the identity provider: a server-side session, its cookie
    written on the next run, and the account's home territory."""
    token = sessions.open_session(engine(), user.username, get_settings().session_hours)
    st.session_state[SESSION_KEY], st.session_state[TOKEN_KEY] = user.username, token
    st.session_state[COOKIE_PENDING] = token
    open_on_home_territory(user)
    return user


def _forget(clear_cookie: bool) -> None:
    st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop(TOKEN_KEY, None)
    st.session_state[OIDC_SEEN] = True   # a revoked or ended session does not come back from st.user
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
    """Sign the account out everywhere: every session record revoked, this browser's cookie cleared,
    and when signed in through the OpenID Connect provider, ``st.logout`` (Streamlit's identity cookie
    cleared, the provider's end of session): the browser then leaves the page, so callers stop."""
    name = st.session_state.get(SESSION_KEY)
    if name:
        sessions.revoke_all(engine(), name)
    _forget(clear_cookie=True)
    st.session_state.pop(OIDC_REFUSED, None)
    if _oidc_claims() is not None:
        write_cookie()        # the app's cookie cleared before the browser leaves
        st.logout()
        st.stop()


def oidc_refusal(key: str = "oidc_logout") -> None:
    """Why the provider's identity opened no account, and the way out of the provider's session."""
    message = st.session_state.get(OIDC_REFUSED)
    if not message or _oidc_claims() is None:
        return
    st.error(message, icon=":material/no_accounts:")
    if st.button("Se déconnecter du fournisseur d'identité", key=key, icon=":material/logout:"):
        sign_out()


def oidc_button() -> None:
    """"Se connecter avec <fournisseur>" when an OpenID Connect provider is configured."""
    provider = oidc_provider()
    if provider is None:
        return
    name, label = provider
    if st.button(f"Se connecter avec {label}", key="oidc_login", icon=":material/badge:"):
        st.session_state.pop(OIDC_SEEN, None)
        st.session_state.pop(OIDC_REFUSED, None)
        st.login(name)


def digest_form(user: users.User) -> None:
    """The signed-in account's choice about the digest e-mail (python -m dashboard digest)."""
    email, wants = users.digest_choice(engine(), user.username)
    st.subheader("Récapitulatif par courriel")
    st.caption("Entre deux réunions, un courriel dit ce qui a changé pour vos territoires : verdicts, objectifs, "
               "livraisons en retard, imports, commentaires. Il est envoyé par l'administrateur du tableau de bord "
               "(en général chaque semaine), seulement s'il y a du nouveau.")
    with st.form("digest-choice", border=True, enter_to_submit=False):
        address = st.text_input("Adresse électronique", value=email or "", max_chars=254)
        receive = st.checkbox("Recevoir le récapitulatif", value=wants)
        if st.form_submit_button("Enregistrer", icon=":material/save:"):
            try:
                users.set_digest_choice(engine(), user.username, address, receive)
            except users.AccountError as exc:
                for problem in exc.problems:
                    st.error(problem[:1].upper() + problem[1:] + ".", icon=":material/error:")
            else:
                st.success("Choix enregistré : " + ("vous recevrez le récapitulatif." if receive
                                                     else "vous ne recevrez plus le récapitulatif."),
                           icon=":material/check_circle:")


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
        return _start_session(user)
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
            oidc_refusal("oidc_logout_sidebar")
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
