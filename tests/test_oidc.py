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
    users.link_identity(store, "anim38", ISSUER, SUBJECT)
    user = users.account_for_identity(store, Identity(ISSUER, SUBJECT, "a@b.gouv.fr"))
    assert (user.username, user.role, user.territories) == ("anim38", "animateur", frozenset({"CME38"}))
    assert user.may_write("38") and user.may_write("CME38") and not user.may_write("CME69")
    # another role carried as well
    users.link_identity(store, "lect", ISSUER, "lecteur-sub")
    reader = users.account_for_identity(store, Identity(ISSUER, "lecteur-sub"))
    assert reader.username == "lect" and not reader.can_write
    frame = users.list_users(store).set_index("Identifiant")
    assert frame.loc["anim38", "Identité OIDC"] == f"« {SUBJECT} » chez « {ISSUER} »"


def test_issuer_and_subject_must_both_match_exactly(store):
    users.link_identity(store, "anim38", ISSUER, SUBJECT)
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
    users.link_identity(store, "anim38", ISSUER, SUBJECT)
    users.update_user(store, "anim38", active=False)
    with pytest.raises(IdentityRefused, match="« anim38 » .* est désactivé"):
        users.account_for_identity(store, Identity(ISSUER, SUBJECT))
    users.update_user(store, "anim38", active=True)
    assert users.account_for_identity(store, Identity(ISSUER, SUBJECT)).username == "anim38"


def test_one_identity_opens_one_account_and_links_are_checked(store):
    users.link_identity(store, "anim38", ISSUER, SUBJECT)
    with pytest.raises(AccountError, match="déjà associée au compte « anim38 »"):
        users.link_identity(store, "lect", ISSUER, SUBJECT)
    users.link_identity(store, "anim38", ISSUER, SUBJECT)          # linking again is harmless
    with pytest.raises(AccountError, match="n'existe pas"):
        users.link_identity(store, "personne", ISSUER, "autre")
    with pytest.raises(AccountError) as bad:
        users.link_identity(store, "lect", "auth.example.fr", " ")
    assert len(bad.value.problems) == 2
    # relinking replaces the previous identity; unlinking removes it
    users.link_identity(store, "anim38", ISSUER, "nouveau-sub")
    with pytest.raises(IdentityRefused):
        users.account_for_identity(store, Identity(ISSUER, SUBJECT))
    assert users.unlink_identity(store, "anim38") is True
    assert users.unlink_identity(store, "anim38") is False
    with pytest.raises(IdentityRefused):
        users.account_for_identity(store, Identity(ISSUER, "nouveau-sub"))


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
    finally:
        dispose_cached_engine(url)
