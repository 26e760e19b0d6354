"""Sign-in throttling per (account, client address) and per client address, atomic counting of the
attempts, unlocking by an administrator, and the password policy. Runs on SQLite and, with
``MAINTIEN_TEST_BACKEND=postgresql``, on PostgreSQL.

The rule (data_access/users.py): F = MAINTIEN_LOGIN_MAX_FAILURES (3) failures per (account,
address), and A = 3 × F (9) per address, are free; after that each attempt waits 2, 4, 8… seconds
after the last failure, at most MAINTIEN_LOGIN_LOCK_MINUTES (15), which is also the window in which
failures count; a success of an account from an address clears that pair's failures.
"""

from __future__ import annotations

import datetime as dt
import threading
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select

from data_access import users
from data_access.db import make_engine, table, upgrade_schema
from data_access.journal import entries
from data_access.settings import get_settings
from data_access.users import (
    ADDRESS_FACTOR,
    MIN_PASSWORD,
    AccountError,
    SignInError,
    WriteRefused,
    add_user,
    authenticate,
    normalise_client,
    password_problems,
    sign_in_delays,
    unlock,
    update_user,
)
from data_access.vocabulary import JOURNAL_ACTION
from tests.conftest import dispose_cached_engine

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)   # 10:00 in Paris
A, B, C = "203.0.113.5", "198.51.100.7", "192.0.2.44"
ADMIN, READER = "admin.test", "lecteur.test"
PASSWORDS = {ADMIN: "cheval correct batterie agrafe", READER: "un-mot-de-passe-solide"}
WRONG = "pas-le-bon-mot-de-passe"
INCORRECT = "^Identifiant ou mot de passe incorrect.$"
DELAYED = "^Trop de tentatives échouées depuis cette adresse : réessayez "


def s(seconds: float) -> dt.timedelta:
    return dt.timedelta(seconds=seconds)


@pytest.fixture(autouse=True)
def default_settings(monkeypatch):
    for name in ("MAINTIEN_LOGIN_MAX_FAILURES", "MAINTIEN_LOGIN_LOCK_MINUTES", "MAINTIEN_TRUSTED_PROXY"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    """Cheap Argon2 parameters: the rules are under test, not the hash (the burst tests slow the verifier
    down on purpose instead)."""
    from argon2 import PasswordHasher

    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(users, "_HASHER", hasher)
    monkeypatch.setattr(users, "_DUMMY_HASH", hasher.hash("compte-inexistant"))


@pytest.fixture
def store(empty_engine):
    """A fresh store with an administrator and a reader (no territory needed)."""
    admin = add_user(empty_engine, ADMIN, PASSWORDS[ADMIN], role="administrateur", display_name="Admin test")
    reader = add_user(empty_engine, READER, PASSWORDS[READER], role="lecteur")
    return SimpleNamespace(engine=empty_engine, admin=admin, reader=reader)


def fail(engine, username=READER, client=A, at=T0):
    with pytest.raises(SignInError, match=INCORRECT):
        authenticate(engine, username, WRONG, client=client, now=at)


def delayed(engine, username=READER, client=A, at=T0, password=None) -> SignInError:
    with pytest.raises(SignInError, match=DELAYED) as info:
        authenticate(engine, username, password or PASSWORDS.get(username, WRONG), client=client, now=at)
    return info.value


def ok(engine, username=READER, client=A, at=T0):
    user = authenticate(engine, username, PASSWORDS[username], client=client, now=at)
    assert user.username == username
    return user


def attempts(engine, **where) -> int:
    la = table("login_attempt")
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(la).where(
            *(la.c[k] == v for k, v in where.items()))).scalar_one()


def test_defaults():
    settings = get_settings()
    assert (settings.login_max_failures, settings.login_lock_minutes, settings.trusted_proxy) == (3, 15, False)
    assert ADDRESS_FACTOR == 3 and MIN_PASSWORD == 12


# --- per (account, address) and per address ---------------------------------------------------------


def test_failures_from_one_address_never_delay_the_same_account_from_another(store):
    eng = store.engine
    for i in range(3):                                   # the free failures
        fail(eng, client=A, at=T0 + s(i))
    error = delayed(eng, client=A, at=T0 + s(3))         # the right password is not even checked
    assert str(error) == "Trop de tentatives échouées depuis cette adresse : réessayez dans 1 seconde."
    assert error.retry_at == T0 + s(4)                   # 2 s after the last failure
    assert attempts(eng, username=READER, client=A) == 3  # a delayed attempt is not recorded
    # the account itself is not locked: from B it signs in at once, and B's success resets nothing of A
    ok(eng, client=B, at=T0 + s(3))
    delayed(eng, client=A, at=T0 + s(3.5))
    # A keeps failing, each time as soon as allowed, up to a 64 s wait: B is never delayed
    at = T0 + s(4)
    for _ in range(5):
        fail(eng, client=A, at=at)
        at = delayed(eng, client=A, at=at).retry_at
    assert at - T0 - s(4) == s(4 + 8 + 16 + 32 + 64)
    ok(eng, client=B, at=at - s(1))
    # the pair's wait is not the address's: another account from A signs in (8 failures < 3 × 3)
    assert attempts(eng, client=A, success=False) == 8
    ok(eng, username=ADMIN, client=A, at=at - s(1))


def test_the_delay_doubles_then_ends_and_a_success_resets(store):
    eng = store.engine
    for i in range(3):
        fail(eng, at=T0 + s(i))
    last = T0 + s(2)
    for wait in (2, 4, 8, 16, 32, 64, 128, 256):         # 4th … 11th failure: 510 s, inside the window
        error = delayed(eng, at=last + s(1))
        assert error.retry_at == last + s(wait)
        left = wait - 1
        if left <= 60:
            assert str(error).endswith(f"réessayez dans {left} seconde{'s' if left > 1 else ''}.")
        else:                                             # past a minute: the Paris time, rounded up
            paris = (last + s(wait)).astimezone(ZoneInfo("Europe/Paris"))
            minute = paris.replace(second=0) + dt.timedelta(minutes=1 if paris.second else 0)
            assert str(error).endswith(f"réessayez après {minute:%H:%M}.")
        delayed(eng, at=last + s(wait - 0.001))
        last = last + s(wait)
        fail(eng, at=last)
    error = delayed(eng, at=last + s(1))
    assert error.retry_at == last + s(512)
    assert attempts(eng, username=READER, success=False) == 11
    # it ends: once the failures have left the window (15 min), nothing counts any more
    window = dt.timedelta(minutes=15)
    ok(eng, at=last + window + s(1))
    # … and a success resets the count: F failures are free again at once
    at = last + window + s(2)
    for i in range(3):
        fail(eng, at=at + s(i * 0.1))
    delayed(eng, at=at + s(1))
    ok(eng, at=at + s(3))                                 # 2 s after the last failure
    for i in range(3):
        fail(eng, at=at + s(4 + i * 0.1))                 # free again


def test_the_delay_is_capped_and_the_message_gives_the_paris_time(store):
    eng = store.engine
    la = table("login_attempt")
    with eng.begin() as conn:                             # 20 failures at once (as from a burst)
        conn.execute(insert(la), [{"username": READER, "client": A, "attempted_at": T0, "success": False}] * 20)
    error = delayed(eng, at=T0 + s(30))
    assert error.retry_at == T0 + dt.timedelta(minutes=15)          # 2**18 s capped at 15 min
    assert str(error) == "Trop de tentatives échouées depuis cette adresse : réessayez après 10:15."
    error = delayed(eng, at=T0 + dt.timedelta(minutes=14, seconds=1))
    assert str(error).endswith("réessayez dans 59 secondes.")
    ok(eng, at=T0 + dt.timedelta(minutes=15))
    assert users._delay(3, 3, dt.timedelta(minutes=15)) == s(2)
    assert users._delay(2, 3, dt.timedelta(minutes=15)) == s(0)
    assert users._delay(1000, 3, dt.timedelta(minutes=15)) == dt.timedelta(minutes=15)


def test_failures_against_many_accounts_delay_the_address(store):
    eng = store.engine
    free = ADDRESS_FACTOR * get_settings().login_max_failures
    names = [f"inconnu{i}" for i in range(free - 1)] + [ADMIN]   # unknown names count as well
    for i, name in enumerate(names):
        fail(eng, username=name, client=C, at=T0 + s(i))
    last = T0 + s(free - 1)
    # the whole address waits, for an account it has never tried, known or not, with the same message
    known = delayed(eng, username=READER, client=C, at=last + s(1))
    unknown = delayed(eng, username="personne", client=C, at=last + s(1), password=WRONG)
    assert str(known) == str(unknown) \
        == "Trop de tentatives échouées depuis cette adresse : réessayez dans 1 seconde."
    assert known.retry_at == unknown.retry_at == last + s(2)
    # other addresses are not concerned
    ok(eng, username=READER, client=B, at=last + s(1))
    # after the delay C may try again; its next failure doubles the wait
    ok(eng, username=READER, client=C, at=last + s(2))
    fail(eng, username="inconnu0", client=C, at=last + s(3))
    assert delayed(eng, username=READER, client=C, at=last + s(4)).retry_at == last + s(3 + 4)
    # the list of the accounts page shows the pairs with the wait, from the pair or from the address
    frame = sign_in_delays(eng, now=last + s(4))
    row = frame[(frame["Identifiant"] == ADMIN) & (frame["Adresse"] == C)].iloc[0]
    assert row["Échecs comptés"] == 1 and bool(row["Compte existant"])
    assert row["Attente jusqu'à"] == last + s(7)
    assert not frame[frame["Identifiant"] == "inconnu1"]["Compte existant"].any()


def test_the_same_ipv6_network_shares_one_count(store):
    eng = store.engine
    for i in range(3):
        fail(eng, client=f"2001:db8:1:2::{i + 1}", at=T0)
    delayed(eng, client="2001:db8:1:2:ffff::9", at=T0 + s(1))
    ok(eng, client="2001:db8:1:3::1", at=T0 + s(1))


def test_normalise_client():
    assert normalise_client(None) == normalise_client("") == normalise_client("127.0.0.1") == "local"
    assert normalise_client("::1") == "local"
    assert normalise_client(" 203.0.113.5 ") == normalise_client("203.0.113.5:51000") == "203.0.113.5"
    assert normalise_client("::ffff:203.0.113.5") == "203.0.113.5"
    assert normalise_client("2001:db8:1:2:3:4:5:6") == normalise_client("[2001:db8:1:2::9]:443") \
        == "2001:db8:1:2::/64"
    assert normalise_client("pas une adresse") == "invalide"
    assert normalise_client("x" * 500) == "invalide"


def test_a_deactivated_account_fails_like_a_wrong_password(store):
    update_user(store.engine, READER, active=False)
    with pytest.raises(SignInError, match=INCORRECT):
        authenticate(store.engine, READER, PASSWORDS[READER], client=A, now=T0)
    assert attempts(store.engine, username=READER, success=False) == 1


# --- atomic counting ----------------------------------------------------------------------------------


def _burst(engine, monkeypatch, *, now, n=40, slow=0.05):
    """``n`` threads try a wrong password for READER from A at the same moment; returns the number of
    password verifications and the outcomes."""
    import time

    calls = []
    lock = threading.Lock()
    real = users._verify_password

    def counting(stored, password):
        with lock:
            calls.append(password)
        time.sleep(slow)          # widen the window between the check and the verification
        return real(stored, password)

    monkeypatch.setattr(users, "_verify_password", counting)
    barrier = threading.Barrier(n)
    outcomes = []

    def attempt():
        barrier.wait()
        try:
            authenticate(engine, READER, WRONG, client=A, now=now)
        except SignInError as exc:
            with lock:
                outcomes.append(str(exc))

    threads = [threading.Thread(target=attempt) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(outcomes) == n
    return len(calls), outcomes


def test_parallel_attempts_verify_no_more_passwords_than_allowed(store, monkeypatch):
    """40 attempts at the same instant: exactly F = 3 passwords are verified (the free failures);
    the 37 others are refused with the delay, before any verification and without being recorded."""
    free = get_settings().login_max_failures
    verified, outcomes = _burst(store.engine, monkeypatch, now=T0)
    assert verified == free == 3
    assert sum(o == "Identifiant ou mot de passe incorrect." for o in outcomes) == 3
    assert sum(o.startswith("Trop de tentatives échouées") for o in outcomes) == 37
    assert attempts(store.engine, username=READER) == 3


def test_parallel_attempts_on_the_real_clock(store, monkeypatch):
    """The same burst with the real clock: at most F + 1 = 4 verifications (a 4th one only if the
    burst lasted past the 2 s delay after the third failure)."""
    verified, outcomes = _burst(store.engine, monkeypatch, now=None)
    assert 3 <= verified <= 4
    assert attempts(store.engine, username=READER) == verified


# --- unlocking ------------------------------------------------------------------------------------------


def test_an_administrator_unlocks_an_account_and_it_is_journaled(store):
    eng = store.engine
    for i in range(5):
        fail(eng, client=A, at=T0 + s(i * 10))
    fail(eng, client=B, at=T0)
    ok(eng, client=B, at=T0 + s(1))                       # a success stays recorded
    fail(eng, client=B, at=T0 + s(2))
    delayed(eng, client=A, at=T0 + s(41))
    assert unlock(eng, f" {READER.upper()} ", by=store.admin) == 7   # every failure, every address
    ok(eng, client=A, at=T0 + s(41))
    assert attempts(eng, username=READER, success=True) == 2
    entry = entries(eng, username=ADMIN).iloc[0]
    assert (entry["action"], entry["dataset"], entry["outcome"], entry["rows_removed"]) == \
        ("deverrouillage", "user_account", "applique", 7)
    assert entry["detail"] == f"Compte « {READER} » déverrouillé : 7 échecs de connexion effacés (2 adresses)."
    assert JOURNAL_ACTION["deverrouillage"] == "Déverrouillage d'un compte"


def test_only_an_administrator_unlocks(store):
    eng = store.engine
    for i in range(4):
        fail(eng, username=ADMIN, at=T0 + s(i * 10))
    for who in (store.reader, None):
        with pytest.raises(WriteRefused, match="^Seul un administrateur peut déverrouiller un compte.$"):
            unlock(eng, ADMIN, by=who)
    assert attempts(eng, username=ADMIN, success=False) == 4
    assert "deverrouillage" not in set(entries(eng)["action"])
    with pytest.raises(AccountError, match="Le compte « personne » n'existe pas."):
        unlock(eng, "personne", by=store.admin)


def test_unlocking_one_account_leaves_an_address_that_failed_on_many(store):
    eng = store.engine
    fail(eng, username=READER, client=C, at=T0)
    for i in range(8):
        fail(eng, username=f"inconnu{i}", client=C, at=T0 + s(i + 1))
    fail(eng, username="inconnu8", client=C, at=T0 + s(10))           # the address's 10th: wait 4 s
    assert delayed(eng, username=READER, client=C, at=T0 + s(11)).retry_at == T0 + s(14)
    assert unlock(eng, READER, by=store.admin) == 1
    # the address still failed 9 times on other names: it waits 2 s after its last failure
    assert delayed(eng, username=READER, client=C, at=T0 + s(11)).retry_at == T0 + s(12)
    ok(eng, username=READER, client=C, at=T0 + s(12))
    ok(eng, username=ADMIN, client=B, at=T0 + s(11))


def test_cli_user_unlock(store, cli):
    eng = store.engine
    url = eng.url.render_as_string(hide_password=False)
    for i in range(4):
        fail(eng, client=A, at=T0 + s(i * 10))
    try:
        result = cli("--database-url", url, "user", "unlock", READER)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"Compte « {READER} » déverrouillé : 4 échecs de connexion effacés."
        assert attempts(eng, username=READER, success=False) == 0
        entry = entries(eng).iloc[0]
        assert entry["username"].startswith("cli:") and entry["action"] == "deverrouillage"
        result = cli("--database-url", url, "user", "unlock", "personne")
        assert result.returncode == 1
        assert "Erreur : Le compte « personne » n'existe pas." in result.stderr
    finally:
        dispose_cached_engine(url)


# --- where the address comes from -----------------------------------------------------------------------


def test_client_address_from_streamlit_or_the_trusted_proxy(monkeypatch):
    from streamlit.runtime.context import StreamlitHeaders

    from dashboard.views import auth

    headers = StreamlitHeaders([("X-Forwarded-For", "10.9.9.9, 198.51.100.20"),
                                ("X-Forwarded-For", "203.0.113.77")])
    fake = SimpleNamespace(context=SimpleNamespace(ip_address="192.0.2.1", headers=headers))
    monkeypatch.setattr(auth, "st", fake)
    assert auth.client_address() == "192.0.2.1"           # the header is ignored without the setting
    monkeypatch.setenv("MAINTIEN_TRUSTED_PROXY", "true")
    get_settings.cache_clear()
    assert auth.client_address() == "203.0.113.77"        # the entry the proxy appended, not a forged one
    fake.context.headers = StreamlitHeaders([])
    assert auth.client_address() == "192.0.2.1"
    fake.context.ip_address = None                         # localhost
    assert normalise_client(auth.client_address()) == "local"


# --- password policy ------------------------------------------------------------------------------------

SHORT = "Mot de passe trop court : au moins 12 caractères."
SPACES = "Mot de passe fait uniquement d'espaces : choisissez des lettres, chiffres ou signes."
NAME = "Le mot de passe ne doit pas être l'identifiant (ni l'identifiant à l'envers)."
COMMON = ("Mot de passe trop courant ou trop simple (comme « motdepasse », « azertyuiop » ou « password1234 », "
          "ou un seul caractère répété) : choisissez par exemple une phrase de plusieurs mots.")


@pytest.mark.parametrize("password, username, expected", [
    ("Xk9#mPq2vL7", "", [SHORT]),                                   # 11 characters
    (" " * 10, "", [SHORT, SPACES]),
    (" " * 12, "", [SPACES]),
    ("\t \n" * 5, "", [SPACES]),
    ("jean.dupont.lyon", "jean.dupont.lyon", [NAME]),
    (" Jean.Dupont.Lyon ", "jean.dupont.lyon", [NAME]),
    ("noyl.tnopud.naej", "jean.dupont.lyon", [NAME]),
    ("jean.dupont.lyon2026!", "jean.dupont.lyon", [NAME]),
    ("jeandupontlyon", "jean.dupont.lyon", [NAME]),
    ("administrateur", "administrateur", [NAME, COMMON]),
    ("motdepasse", "", [SHORT, COMMON]),
    ("MotDePasse2026!", "", [COMMON]),
    ("mot-de-passe-123", "", [COMMON]),
    ("azertyuiop12", "", [COMMON]),
    ("AZERTYUIOP!!", "", [COMMON]),
    ("123456789012", "", [COMMON]),
    ("password1234", "", [COMMON]),
    ("Soleil123456", "", [COMMON]),
    ("aaaaaaaaaaaaaa", "", [COMMON]),
    ("cheval correct batterie agrafe", "jean.dupont", []),
    ("un-mot-de-passe-solide", "x.dupont", []),
    ("Xk9#mPq2vL7z", "", []),
])
def test_password_policy_rules(password, username, expected):
    assert password_problems(password, username) == expected


def test_the_demo_passwords_of_the_sample_pass_the_policy():
    for name, password in {"admin": "admin-demo-2026", "animateur38": "animateur-demo-38",
                           "animateur69": "animateur-demo-69", "lecteur": "lecteur-demo-2026"}.items():
        assert password_problems(password, name) == [], name


def test_add_and_update_user_apply_the_policy_with_every_problem_at_once(store):
    eng = store.engine
    with pytest.raises(AccountError) as info:
        add_user(eng, "Mauvais Nom", "motdepasse", role="chef")
    assert info.value.problems[1:] == ["Rôle « chef » inconnu : lecteur, animateur, administrateur.", SHORT, COMMON]
    assert info.value.problems[0].startswith("Identifiant « Mauvais Nom » invalide")
    with pytest.raises(AccountError) as info:
        add_user(eng, "marie.curie.1867", "7681.eiruc.eiram", role="administrateur")
    assert info.value.problems == [NAME]
    assert users.load_user(eng, "marie.curie.1867") is None
    with pytest.raises(AccountError) as info:
        update_user(eng, READER, password=" " * 10)
    assert info.value.problems == [SHORT, SPACES]
    with pytest.raises(AccountError) as info:
        update_user(eng, READER, password=READER.upper())
    assert info.value.problems == [NAME]
    ok(eng)                                              # nothing changed
    update_user(eng, READER, role="lecteur")             # no password: no check of the old one
    update_user(eng, READER, password="une phrase de passe assez longue")
    assert authenticate(eng, READER, "une phrase de passe assez longue", client=A, now=T0 + s(1))


def test_cli_user_add_refuses_a_weak_administrator_password(store, cli, monkeypatch):
    import io

    url = store.engine.url.render_as_string(hide_password=False)
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO(" " * 10 + "\n"))
        result = cli("--database-url", url, "user", "add", "chef", "--role", "administrateur", "--password-stdin")
        assert result.returncode == 1
        assert f"Erreur : {SHORT}" in result.stderr and f"Erreur : {SPACES}" in result.stderr
        monkeypatch.setattr("sys.stdin", io.StringIO("chef.chef.chef\n"))
        result = cli("--database-url", url, "user", "add", "chef.chef.chef", "--role", "administrateur",
                     "--password-stdin")
        assert result.returncode == 1 and f"Erreur : {NAME}" in result.stderr
        assert users.load_user(store.engine, "chef") is None and users.load_user(store.engine, "chef.chef.chef") is None
    finally:
        dispose_cached_engine(url)


# --- the migration --------------------------------------------------------------------------------------


def test_migration_0004_gives_earlier_attempts_the_local_client(new_database_url):
    from alembic import command

    from data_access.db import alembic_config

    eng = make_engine(new_database_url())
    try:
        upgrade_schema(eng, "0003")
        with eng.begin() as conn:
            conn.exec_driver_sql("INSERT INTO login_attempt (username, attempted_at, success) "
                                 "VALUES ('ancien', '2026-01-05 08:00:00+00:00', false)")
        upgrade_schema(eng, "0004")
        with eng.connect() as conn:
            assert conn.exec_driver_sql("SELECT username, client FROM login_attempt").all() == [("ancien", "local")]
        with eng.begin() as conn:
            command.downgrade(alembic_config(conn), "0003")
        with eng.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM login_attempt").scalar_one() == 1
    finally:
        eng.dispose()


# --- the accounts page ----------------------------------------------------------------------------------


def test_the_accounts_page_shows_the_delays_and_unlocks(app_factory, writable_sample_url):
    url = writable_sample_url()
    eng = make_engine(url)
    try:
        recent = dt.datetime.now(dt.timezone.utc) - s(1)
        with eng.begin() as conn:   # 10 failures a second ago: 256 s to wait, longer than the page's runs
            conn.execute(insert(table("login_attempt")), [
                {"username": "animateur38", "client": A, "attempted_at": recent, "success": False}] * 10
                + [{"username": "inconnu", "client": B, "attempted_at": recent, "success": False}])
        at = app_factory(url)
        at.session_state["auth_username"] = "admin"
        at.run()
        at.switch_page("app_pages/comptes.py")
        at.run()
        assert not at.exception, at.exception
        assert "Connexions retardées" in [h.value for h in at.subheader]
        delays = at.dataframe[1].value
        row = delays[delays["Identifiant"] == "animateur38"].iloc[0]
        assert (row["Adresse"], row["Échecs comptés"], row["Compte existant"]) == (A, 10, "oui")
        assert row["Attente jusqu'à"]                         # a Paris time
        assert set(delays[delays["Identifiant"] == "inconnu"]["Compte existant"]) == {"non (identifiant inconnu)"}
        assert at.selectbox(key="account_unlock_pick").options == ["animateur38"]
        next(b for b in at.get("form_submit_button") if b.label == "Déverrouiller").click()
        at.run()
        assert not at.exception, at.exception
        assert "Compte « animateur38 » déverrouillé : 10 échecs effacés." in [m.value for m in at.success]
        assert attempts(eng, username="animateur38") == 0
        assert list(at.dataframe[1].value["Identifiant"]) == ["inconnu"]
        entry = entries(eng, username="admin").iloc[0]
        assert entry["action"] == "deverrouillage" and "animateur38" in entry["detail"]
    finally:
        eng.dispose()
        dispose_cached_engine(url)
