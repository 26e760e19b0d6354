"""Sign-in through an OpenID Connect provider (``st.login``), mapped to a local account.

Unit tests of the identity → account mapping (data_access/users.py), then end to end: the real app
served by ``streamlit run`` with an ``[auth]`` secrets file pointing at a real OpenID Connect provider
started on loopback (tests/oidc_provider.py), driven in headless Chromium through the provider's
/authorize and /token. Off CI a missing browser skips the browser tests with the reason; with
``CI=true`` it is a failure.
"""

from __future__ import annotations

import pytest

from data_access import users
from data_access.users import AccountError, Identity, IdentityRefused
from tests.conftest import dispose_cached_engine

ISSUER = "https://auth.example.gouv.fr/api/v2"
SUBJECT = "a1b2c3-agent"
ADMIN = users.User("admin", "Administratrice", "administrateur", frozenset(), None)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    from argon2 import PasswordHasher

    monkeypatch.setattr(users, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def store(init_store):
    """An ``init`` store (reference data) with an animateur of CME38 and a reader."""
    users.add_user(init_store, "anim38", "une phrase assez longue", role="animateur", display_name="Anim Isère",
                   territories=["CME38"])
    users.add_user(init_store, "lect", "une autre phrase longue", role="lecteur")
    return init_store


def test_identity_from_claims():
    ident = users.identity_from_claims({"iss": f" {ISSUER} ", "sub": SUBJECT, "email": "a@b.gouv.fr",
                                        "given_name": "Alice", "usual_name": "Martin", "is_logged_in": True})
    assert ident == Identity(ISSUER, SUBJECT, "a@b.gouv.fr", "Alice Martin")
    assert users.identity_from_claims({"iss": ISSUER, "sub": "x", "name": "Bob"}).name == "Bob"
    for claims in ({"iss": ISSUER}, {"sub": SUBJECT}, {"iss": "", "sub": SUBJECT}, {"iss": ISSUER, "sub": 42}, {}):
        with pytest.raises(IdentityRefused, match="n'a pas transmis d'identifiant"):
            users.identity_from_claims(claims)


def test_a_linked_identity_opens_its_account_with_role_and_territories(store):
    users.link_identity(store, "anim38", ISSUER, SUBJECT, by=ADMIN)
    user = users.account_for_identity(store, Identity(ISSUER, SUBJECT, "a@b.gouv.fr"))
    assert (user.username, user.role, user.territories) == ("anim38", "animateur", frozenset({"CME38"}))
    assert user.may_write("38") and user.may_write("CME38") and not user.may_write("CME69")
    # another role carried as well
    users.link_identity(store, "lect", ISSUER, "lecteur-sub", by=ADMIN)
    reader = users.account_for_identity(store, Identity(ISSUER, "lecteur-sub"))
    assert reader.username == "lect" and not reader.can_write
    frame = users.list_users(store).set_index("Identifiant")
    assert frame.loc["anim38", "Identité OIDC"] == f"« {SUBJECT} » chez « {ISSUER} »"


def test_issuer_and_subject_must_both_match_exactly(store):
    users.link_identity(store, "anim38", ISSUER, SUBJECT, by=ADMIN)
    for ident in (Identity(ISSUER, SUBJECT.upper()), Identity(ISSUER + "/", SUBJECT),
                  Identity("https://autre.example.fr", SUBJECT), Identity(ISSUER, "anim38")):
        with pytest.raises(IdentityRefused) as refused:
            users.account_for_identity(store, ident)
        assert str(refused.value).startswith("Aucun compte n'est associé à l'identité « ")
        assert str(refused.value).endswith(" : demandez à un administrateur de l'associer.")
        assert refused.value.identity == ident


def test_unknown_identity_is_refused_in_french(store):
    with pytest.raises(IdentityRefused) as refused:
        users.account_for_identity(store, Identity(ISSUER, "inconnu", "x@y.fr"))
    assert str(refused.value) == (f"Aucun compte n'est associé à l'identité « inconnu » chez « {ISSUER} » (x@y.fr) : "
                                  "demandez à un administrateur de l'associer.")


def test_an_inactive_account_is_refused(store):
    users.link_identity(store, "anim38", ISSUER, SUBJECT, by=ADMIN)
    users.update_user(store, "anim38", active=False)
    with pytest.raises(IdentityRefused, match="« anim38 » .* est désactivé"):
        users.account_for_identity(store, Identity(ISSUER, SUBJECT))
    users.update_user(store, "anim38", active=True)
    assert users.account_for_identity(store, Identity(ISSUER, SUBJECT)).username == "anim38"


def test_one_identity_opens_one_account_and_links_are_checked(store):
    users.link_identity(store, "anim38", ISSUER, SUBJECT, by=ADMIN)
    with pytest.raises(AccountError, match="déjà associée au compte « anim38 »"):
        users.link_identity(store, "lect", ISSUER, SUBJECT, by=ADMIN)
    users.link_identity(store, "anim38", ISSUER, SUBJECT, by=ADMIN)          # linking again is harmless
    with pytest.raises(AccountError, match="n'existe pas"):
        users.link_identity(store, "personne", ISSUER, "autre", by=ADMIN)
    with pytest.raises(AccountError) as bad:
        users.link_identity(store, "lect", "auth.example.fr", " ", by=ADMIN)
    assert len(bad.value.problems) == 2
    # relinking replaces the previous identity; unlinking removes it
    users.link_identity(store, "anim38", ISSUER, "nouveau-sub", by=ADMIN)
    with pytest.raises(IdentityRefused):
        users.account_for_identity(store, Identity(ISSUER, SUBJECT))
    assert users.unlink_identity(store, "anim38", by=ADMIN) is True
    assert users.unlink_identity(store, "anim38", by=ADMIN) is False
    with pytest.raises(IdentityRefused):
        users.account_for_identity(store, Identity(ISSUER, "nouveau-sub"))


def _identity_journal(engine) -> list[tuple[str, str]]:
    import pandas as pd

    frame = pd.read_sql("SELECT username, detail FROM journal_entry WHERE action = 'identite' ORDER BY id", engine)
    return list(frame.itertuples(index=False, name=None))


def test_identity_links_are_an_administrators_and_journaled(store):
    reader = users.User("lect", "Lecteur", "lecteur", frozenset(), None)
    with pytest.raises(users.WriteRefused, match="Seul un administrateur"):
        users.link_identity(store, "anim38", ISSUER, SUBJECT, by=reader)
    with pytest.raises(users.WriteRefused, match="Seul un administrateur"):
        users.unlink_identity(store, "anim38", by=None)
    assert _identity_journal(store) == []
    users.link_identity(store, "anim38", ISSUER, SUBJECT, by=ADMIN)
    assert users.unlink_identity(store, "anim38", by=ADMIN) is True
    assert users.unlink_identity(store, "anim38", by=ADMIN) is False        # nothing to remove: no entry
    assert _identity_journal(store) == [
        ("admin", f"Compte « anim38 » associé à l'identité « {SUBJECT} » chez « {ISSUER} »."),
        ("admin", f"Compte « anim38 » : identité « {SUBJECT} » chez « {ISSUER} » retirée."),
    ]


def test_cli_user_link_and_unlink(store, cli):
    url = store.url.render_as_string(hide_password=False)
    try:
        result = cli("--database-url", url, "user", "link", "anim38", "--emetteur", ISSUER, "--sujet", SUBJECT)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"Compte « anim38 » associé à l'identité « {SUBJECT} » chez « {ISSUER} »."
        assert users.account_for_identity(store, Identity(ISSUER, SUBJECT)).username == "anim38"
        result = cli("--database-url", url, "user", "link", "lect", "--emetteur", ISSUER, "--sujet", SUBJECT)
        assert result.returncode == 1 and "déjà associée au compte « anim38 »" in result.stderr
        result = cli("--database-url", url, "user", "list")
        assert SUBJECT in result.stdout
        result = cli("--database-url", url, "user", "unlink", "anim38")
        assert result.returncode == 0 and "identité OpenID Connect retirée" in result.stdout
        with pytest.raises(IdentityRefused):
            users.account_for_identity(store, Identity(ISSUER, SUBJECT))
        journal = _identity_journal(store)       # the refused link is not journaled
        assert [who.startswith("cli:") for who, _ in journal] == [True, True], journal
        assert "associé" in journal[0][1] and "retirée" in journal[1][1]
    finally:
        dispose_cached_engine(url)


# --- the loopback provider is strict ---------------------------------------------------------------

CLIENT_ID, CLIENT_SECRET = "maintien-test", "secret-de-test-" + "x" * 16


@pytest.fixture
def provider():
    from tests.oidc_provider import OIDCProvider

    with OIDCProvider(CLIENT_ID, CLIENT_SECRET, ["http://127.0.0.1:9/oauth2callback"],
                      user={"sub": SUBJECT, "email": "agent@example.gouv.fr"}) as p:
        yield p


def _pkce() -> tuple[str, str]:
    import base64
    import hashlib
    import secrets

    verifier = secrets.token_urlsafe(48)
    return verifier, base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _authorize(provider, challenge: str, **over):
    import httpx

    params = {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": provider.redirect_uris[0],
              "scope": "openid email", "state": "etat-1", "nonce": "nonce-1", "code_challenge": challenge,
              "code_challenge_method": "S256", **over}
    return httpx.get(f"{provider.issuer}/authorize", params={k: v for k, v in params.items() if v is not None})


def _code(response) -> str:
    from urllib.parse import parse_qs, urlparse

    assert response.status_code == 302, response.text
    query = parse_qs(urlparse(response.headers["location"]).query)
    assert query["state"] == ["etat-1"]
    return query["code"][0]


def test_provider_code_flow_with_authlib_client(provider):
    """Authlib's own OAuth client (the one st.login uses, here synchronous) completes the flow and validates
    the ID token against the provider's keys: signature, issuer, audience, nonce."""
    import httpx
    from authlib.integrations.httpx_client import OAuth2Client
    from joserfc import jwt
    from joserfc.jwk import KeySet

    meta = httpx.get(provider.metadata_url).json()
    assert meta["issuer"] == provider.issuer and "S256" in meta["code_challenge_methods_supported"]
    verifier, challenge = _pkce()
    code = _code(_authorize(provider, challenge))
    for method in ("client_secret_basic", "client_secret_post"):
        client = OAuth2Client(CLIENT_ID, CLIENT_SECRET, token_endpoint_auth_method=method)
        token = client.fetch_token(meta["token_endpoint"], code=code, redirect_uri=provider.redirect_uris[0],
                                   code_verifier=verifier)
        claims = jwt.decode(token["id_token"], KeySet.import_key_set(httpx.get(meta["jwks_uri"]).json())).claims
        assert (claims["iss"], claims["sub"], claims["aud"], claims["nonce"]) == (provider.issuer, SUBJECT,
                                                                                 CLIENT_ID, "nonce-1")
        info = httpx.get(meta["userinfo_endpoint"], headers={"Authorization": f"Bearer {token['access_token']}"})
        assert info.json()["email"] == "agent@example.gouv.fr"
        code = _code(_authorize(provider, challenge))    # a fresh code for the second method


def test_provider_refuses_wrong_client_redirect_code_or_verifier(provider):
    import httpx

    token_url = f"{provider.issuer}/token"
    verifier, challenge = _pkce()
    # unknown client or unregistered redirect: an error page, never a redirect
    assert _authorize(provider, challenge, client_id="autre").status_code == 400
    assert _authorize(provider, challenge, redirect_uri="http://127.0.0.1:9/ailleurs").status_code == 400
    # no PKCE: an error sent back to the client
    refused = _authorize(provider, None, code_challenge_method=None)
    assert refused.status_code == 302 and "error=invalid_request" in refused.headers["location"]

    def exchange(code, **over):
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": provider.redirect_uris[0],
                "code_verifier": verifier, **over}
        return httpx.post(token_url, data=form, auth=(CLIENT_ID, CLIENT_SECRET))

    wrong_secret = httpx.post(token_url, data={"grant_type": "authorization_code",
                                               "code": _code(_authorize(provider, challenge)),
                                               "redirect_uri": provider.redirect_uris[0], "code_verifier": verifier},
                              auth=(CLIENT_ID, "mauvais"))
    assert wrong_secret.status_code == 401 and wrong_secret.json()["error"] == "invalid_client"
    assert exchange(_code(_authorize(provider, challenge)), redirect_uri="http://127.0.0.1:9/x").status_code == 400
    assert exchange(_code(_authorize(provider, challenge)), code_verifier="faux" * 12).json()["error"] == \
        "invalid_grant"
    code = _code(_authorize(provider, challenge))
    assert exchange(code).status_code == 200
    assert exchange(code).json()["error"] == "invalid_grant"          # a code is used once


# --- end to end: the app, the provider and Chromium ------------------------------------------------

PROVIDER_NAME, LABEL = "proconnect", "ProConnect"
LINKED = {"sub": "agent-isere-0038", "email": "animation.isere@example.gouv.fr", "given_name": "Alice",
          "usual_name": "Martin"}
UNLINKED = {"sub": "agent-inconnu-9999", "email": "inconnu@example.gouv.fr", "given_name": "Bob",
            "usual_name": "Durand"}


@pytest.fixture(scope="module")
def oidc_app(writable_sample_url, tmp_path_factory):
    """The app (`streamlit run app.py --secrets.files …`) with ProConnect configured against a loopback
    provider whose client registers the app's /oauth2callback, on a copy of the sample where the
    provider's identity LINKED is linked to the sample's animateur38 (by the command line)."""
    import secrets
    import subprocess

    from dashboard.cli import main as cli_main
    from dashboard.tools.load import free_port, start_server
    from tests.conftest import BACKEND
    from tests.oidc_provider import OIDCProvider

    if BACKEND != "sqlite":
        pytest.skip("les tests navigateur tournent dans la passe SQLite")
    url = writable_sample_url()
    port = free_port()
    redirect = f"http://127.0.0.1:{port}/oauth2callback"
    provider = OIDCProvider(CLIENT_ID, CLIENT_SECRET, [redirect], user=dict(LINKED)).start()
    try:
        assert cli_main(["--database-url", url, "user", "link", "animateur38", "--emetteur", provider.issuer,
                         "--sujet", LINKED["sub"]]) == 0
    finally:
        dispose_cached_engine(url)
    folder = tmp_path_factory.mktemp("oidc")
    secrets_file = folder / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "{redirect}"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n\n'
        f"[auth.{PROVIDER_NAME}]\n"
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider.metadata_url}"\n'
        'client_kwargs = { scope = "openid email profile", prompt = "login" }\n', encoding="utf-8")
    log = folder / "streamlit.log"
    try:
        proc, base = start_server(url, log, port=port, extra_args=["--secrets.files", str(secrets_file)],
                                  env={"MAINTIEN_OIDC_PROVIDER": PROVIDER_NAME, "MAINTIEN_OIDC_LABEL": LABEL})
    except RuntimeError:
        provider.stop()
        pytest.fail(f"le serveur Streamlit n'a pas démarré : {log.read_text()[-2000:]}")
    from data_access.db import make_engine

    engine = make_engine(url)
    yield type("OidcApp", (), {"base": base, "provider": provider, "engine": engine, "log": log})
    engine.dispose()
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    provider.stop()
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


@pytest.fixture(scope="module")
def oidc_browser(browser):
    """The session's Chromium (tests/conftest.py): one Playwright instance per process."""
    return browser


def _idle(pg) -> None:
    """Streamlit has finished running (no status widget, no skeleton)."""
    pg.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=60_000)
    pg.wait_for_timeout(500)


def _sidebar(pg):
    return pg.locator('[data-testid="stSidebar"]')


def _click_provider_button(app, pg) -> None:
    pg.goto(app.base + "/connexion")
    button = pg.get_by_role("button", name=f"Se connecter avec {LABEL}")
    button.wait_for(timeout=60_000)
    _idle(pg)
    button.click()
    # the browser leaves for the provider, which approves at once and sends it back to /oauth2callback,
    # then Streamlit redirects to the app's home
    pg.wait_for_url(lambda u: u.startswith(app.base) and "/oauth2callback" not in u and "/connexion" not in u,
                    timeout=60_000)


def _live_sessions(engine, username: str) -> int:
    from sqlalchemy import func, select

    from data_access.db import table

    s = table("user_session")
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(s).where(
            s.c.username == username, s.c.revoked_at.is_(None))).scalar_one()


@pytest.mark.e2e
def test_oidc_sign_in_reload_and_sign_out(oidc_app, oidc_browser):
    app, provider = oidc_app, oidc_app.provider
    provider.user = dict(LINKED)
    before = (provider.hits("/authorize", 302), provider.hits("/token", 200))
    context = oidc_browser.new_context(viewport={"width": 1600, "height": 1000}, locale="fr-FR")
    pg = context.new_page()
    try:
        _click_provider_button(app, pg)
        sidebar = _sidebar(pg)
        sidebar.get_by_text("Animateur Isère (démo)").wait_for(timeout=60_000)
        assert "Connecté" in sidebar.inner_text()
        # the flow really went through the provider: one authorization, one code exchanged for tokens
        assert (provider.hits("/authorize", 302), provider.hits("/token", 200)) == (before[0] + 1, before[1] + 1)
        assert provider.hits("/token", 401) == 0
        # the same server-side session as a local sign-in, with the animateur's territory selected
        assert _live_sessions(app.engine, "animateur38") >= 1
        _idle(pg)
        assert "Isère" in sidebar.get_by_role("combobox", name="Territoire").inner_text() or \
            "Isère" in sidebar.inner_text()
        # a reload keeps the account (the app's session cookie), without going back to the provider
        pg.reload()
        sidebar.get_by_text("Animateur Isère (démo)").wait_for(timeout=60_000)
        _idle(pg)
        assert provider.hits("/authorize") == before[0] + 1
        # "Se déconnecter": every session revoked, Streamlit's identity cleared, the provider's end of session
        sidebar.get_by_role("button", name="Se déconnecter").click()
        pg.wait_for_function("() => document.body.innerText.includes('Lecture ouverte')", timeout=60_000)
        _idle(pg)
        assert "Animateur Isère (démo)" not in _sidebar(pg).inner_text()
        assert _live_sessions(app.engine, "animateur38") == 0
        assert provider.hits("/logout") >= 1
        # and a reload stays signed out
        pg.reload()
        _sidebar(pg).get_by_text("Lecture ouverte").wait_for(timeout=60_000)
        _idle(pg)
        assert "Connecté" not in _sidebar(pg).inner_text()
    finally:
        context.close()


@pytest.mark.e2e
def test_oidc_unlinked_identity_is_refused_in_french(oidc_app, oidc_browser):
    app, provider = oidc_app, oidc_app.provider
    provider.user = dict(UNLINKED)
    tokens = provider.hits("/token", 200)
    context = oidc_browser.new_context(viewport={"width": 1600, "height": 1000}, locale="fr-FR")
    pg = context.new_page()
    try:
        _click_provider_button(app, pg)
        refusal = (f"Aucun compte n'est associé à l'identité « {UNLINKED['sub']} » chez « {provider.issuer} » "
                   f"({UNLINKED['email']}) : demandez à un administrateur de l'associer.")
        _sidebar(pg).get_by_text(refusal).wait_for(timeout=60_000)
        _idle(pg)
        assert provider.hits("/token", 200) == tokens + 1
        assert "Connecté" not in _sidebar(pg).inner_text()
        # the way out: st.logout, after which the refusal is gone
        _sidebar(pg).get_by_role("button", name="Se déconnecter du fournisseur d'identité").click()
        pg.wait_for_function("() => !document.body.innerText.includes(\"Aucun compte n'est associé\")"
                             " && document.body.innerText.includes('Lecture ouverte')", timeout=60_000)
        pg.reload()
        _sidebar(pg).get_by_text("Lecture ouverte").wait_for(timeout=60_000)
        _idle(pg)
        assert "Aucun compte n'est associé" not in pg.locator("body").inner_text()
    finally:
        context.close()
        provider.user = dict(LINKED)


# --- the pages (AppTest) --------------------------------------------------------------------------


def test_accounts_page_links_an_identity_and_no_button_without_provider(app_factory, writable_sample_url):
    url = writable_sample_url()
    at = app_factory(url)
    at.session_state["auth_username"] = "admin"
    at.run()
    at.switch_page("app_pages/comptes.py")
    at.run()
    assert not at.exception, at.exception
    at.selectbox(key="account_oidc_pick").set_value("animateur69")
    form_inputs = [t for t in at.text_input if t.label in ("Émetteur (iss)", "Sujet (sub)")]
    form_inputs[0].set_value(ISSUER)
    form_inputs[1].set_value("sub-69")
    next(b for b in at.get("form_submit_button") if b.label == "Associer").click()
    at.run()
    assert not at.exception, at.exception
    assert any("associé à l'identité « sub-69 »" in s.value for s in at.success)
    from data_access.db import make_engine

    engine = make_engine(url)
    try:
        assert users.account_for_identity(engine, Identity(ISSUER, "sub-69")).username == "animateur69"
    finally:
        engine.dispose()
    # without MAINTIEN_OIDC_PROVIDER the sign-in page offers the local form only
    at = app_factory(url)
    at.run()
    at.switch_page("app_pages/connexion.py")
    at.run()
    assert not at.exception, at.exception
    assert not [b for b in at.button if b.label.startswith("Se connecter avec")]
