"""Who may write what: the checks of the data layer (forms, imports, command line), which the pages
cannot bypass, and the sign-in throttling (more in test_signin.py).

Demo accounts of the sample: admin (administrateur), animateur38 (CME38, hence also 38),
animateur69 (CME69), lecteur (lecteur).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from data_access import intake
from data_access.db import make_engine, table
from data_access.records import (
    delete_record,
    list_records,
    record_values,
    save_record,
    save_rows,
)
from data_access.settings import get_settings
from data_access.users import (
    AccountError,
    SignInError,
    WriteRefused,
    add_user,
    authenticate,
    load_user,
    require_writer,
)
from tests.conftest import (
    ROOT,
    data_fingerprint,
    dispose_cached_engine,
    journal_outcomes,
)

RIGHTS = ROOT / "tests" / "data" / "intake" / "rights"
GOOD = ROOT / "tests" / "data" / "intake" / "good"
PASSWORDS = {"admin": "admin-demo-2026", "animateur38": "animateur-demo-38", "animateur69": "animateur-demo-69",
             "lecteur": "lecteur-demo-2026"}
SESSION = {"territory_code": "CME38", "session_date": dt.date(2019, 6, 3), "cases_examined": 4, "session_format": "ctme",
           "participants": ("CARSAT", "SAMETH38")}


@pytest.fixture
def store(writable_sample_url):
    url = writable_sample_url()
    s = SimpleNamespace(url=url, engine=make_engine(url))
    yield s
    s.engine.dispose()
    dispose_cached_engine(url)


def run_cli(*args, stdin: str | None = None):
    return subprocess.run([sys.executable, "-m", "dashboard", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=dict(os.environ), input=stdin, timeout=300)


def _session_id(engine, territory: str) -> int:
    frame = list_records(engine, "ctme_session", territories=[territory], years=[2018])
    return int(frame.loc[0, "id"])


# --- forms -----------------------------------------------------------------------------------------


def test_animateur_saves_a_session_for_its_cme_but_not_for_another(store):
    engine = store.engine
    a38 = load_user(engine, "animateur38")
    assert a38.allowed_territories() == {"CME38", "38"}
    record_id = save_record(engine, "ctme_session", SESSION, a38)
    assert record_values(engine, "ctme_session", record_id) == SESSION
    assert journal_outcomes(engine)[-1] == "applique"

    fp = data_fingerprint(engine)
    other = {**SESSION, "territory_code": "CME69", "participants": ("CARSAT",)}
    with pytest.raises((intake.IntakeError, WriteRefused)) as exc:
        save_record(engine, "ctme_session", other, a38)
    assert "territoire CME69 hors de ceux pour lesquels vous pouvez écrire (38, CME38)" in str(exc.value)
    assert data_fingerprint(engine) == fp          # no row written


def test_animateur_cannot_replace_the_attendance_of_another_cmes_meeting(store):
    """meeting_attendance has no territory of its own: it is the meeting's (found by its key)."""
    engine = store.engine
    meeting = table("meeting")
    with engine.connect() as conn:
        m = conn.execute(select(meeting).where(meeting.c.instance_code == "CME69")
                         .order_by(meeting.c.meeting_date)).first()
    rows = [{"instance_code": "CME69", "meeting_date": m.meeting_date, "kind": m.kind, "institution_code": "CARSAT",
             "expected": True, "present": True, "participants": 1}]
    fp = data_fingerprint(engine)
    with pytest.raises(intake.IntakeError, match="territoire CME69 hors de ceux pour lesquels vous pouvez écrire"):
        save_rows(engine, "meeting_attendance", rows, load_user(engine, "animateur38"))
    assert data_fingerprint(engine) == fp
    outcome = save_rows(engine, "meeting_attendance", rows, load_user(engine, "animateur69"))  # its own CME
    assert outcome.changed


def test_reader_cannot_write(store):
    engine = store.engine
    lecteur = load_user(engine, "lecteur")
    assert not lecteur.can_write and lecteur.allowed_territories() == frozenset()
    with pytest.raises(WriteRefused, match=r"Votre compte \(Lecteur"):
        require_writer(lecteur, "CME38")
    fp = data_fingerprint(engine)
    with pytest.raises(WriteRefused, match="permet de lire"):
        save_record(engine, "ctme_session", SESSION, lecteur)
    with pytest.raises(WriteRefused, match="permet de lire"):
        delete_record(engine, "ctme_session", _session_id(engine, "CME38"), lecteur)
    assert data_fingerprint(engine) == fp


def test_anonymous_cannot_write(store):
    engine = store.engine
    with pytest.raises(WriteRefused, match="Connectez-vous pour écrire"):
        require_writer(None)
    with pytest.raises(WriteRefused, match="Connectez-vous"):
        require_writer(None, "CME38", "saisir des données")
    fp = data_fingerprint(engine)
    with pytest.raises(WriteRefused, match="Connectez-vous"):
        save_record(engine, "ctme_session", SESSION, None)
    with pytest.raises(WriteRefused, match="Connectez-vous"):
        delete_record(engine, "ctme_session", _session_id(engine, "CME38"), None)
    assert data_fingerprint(engine) == fp


def test_crafted_edit_or_delete_of_another_cmes_row_is_refused(store):
    """The form of animateur38 only lists CME38 rows, but a crafted request may send the id of a
    CME69 row with values that say CME38: the stored row's territory is what is checked."""
    engine = store.engine
    a38 = load_user(engine, "animateur38")
    target = _session_id(engine, "CME69")
    stored = record_values(engine, "ctme_session", target)
    assert stored["territory_code"] == "CME69"
    fp = data_fingerprint(engine)
    crafted = {**stored, "territory_code": "CME38", "cases_examined": 99}
    with pytest.raises(WriteRefused, match="modifier cet enregistrement pour le territoire CME69"):
        save_record(engine, "ctme_session", crafted, a38, record_id=target)
    with pytest.raises(WriteRefused, match="supprimer cet enregistrement pour le territoire CME69"):
        delete_record(engine, "ctme_session", target, a38)
    assert record_values(engine, "ctme_session", target) == stored
    assert data_fingerprint(engine) == fp
    # and the reverse: one of its own rows moved to CME69 is refused by the validation
    own = _session_id(engine, "CME38")
    with pytest.raises(intake.IntakeError, match="territoire CME69 hors de ceux"):
        save_record(engine, "ctme_session", {**record_values(engine, "ctme_session", own), "territory_code": "CME69"},
                    a38, record_id=own)
    assert data_fingerprint(engine) == fp
    # its own rows it may edit and delete
    save_record(engine, "ctme_session", {**record_values(engine, "ctme_session", own), "cases_examined": 9}, a38,
                record_id=own)
    assert record_values(engine, "ctme_session", own)["cases_examined"] == 9
    delete_record(engine, "ctme_session", own, a38)
    assert own not in set(list_records(engine, "ctme_session", territories=["CME38"])["id"])


# --- imports ---------------------------------------------------------------------------------------


def test_animateur_import_of_another_territory_is_refused_line_by_line(sample_engine):
    a38, a69, admin = (load_user(sample_engine, n) for n in ("animateur38", "animateur69", "admin"))
    path = RIGHTS / "ctme_cme38_and_cme69.csv"
    v = intake.validate_file(sample_engine, path, allowed_territories=a38.allowed_territories())
    assert [p.line for p in v.problems] == [3, 4]
    assert all("territoire CME69 hors de ceux pour lesquels vous pouvez écrire (38, CME38)" in m
               for m in v.messages())
    v = intake.validate_file(sample_engine, path, allowed_territories=a69.allowed_territories())
    assert [p.line for p in v.problems] == [2]
    assert admin.allowed_territories() is None
    assert intake.validate_file(sample_engine, path, allowed_territories=None).ok
    # a département file: 38 is animateur38's (through CME38), 69 is not
    v = intake.validate_file(sample_engine, RIGHTS / "ise_call_38_and_69.csv",
                             allowed_territories=a38.allowed_territories())
    assert [p.line for p in v.problems] == [3]
    assert "territoire 69 hors de ceux" in v.messages()[0]
    # a reader may import nothing
    lecteur = load_user(sample_engine, "lecteur")
    v = intake.validate_file(sample_engine, GOOD / "ctme_utf8_bom_semicolon.csv",
                             allowed_territories=lecteur.allowed_territories())
    assert [p.line for p in v.problems] == [2, 3, 4] and "(aucun)" in v.messages()[0]


def test_cli_import_as_animateur38_of_a_cme69_file_is_refused(store):
    before = data_fingerprint(store.engine)
    result = run_cli("--database-url", store.url, "import", RIGHTS / "ctme_cme38_and_cme69.csv",
                     "--utilisateur", "animateur38")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "Import refusé, la base n'a pas été modifiée (2 problèmes)" in result.stderr
    assert "ligne 3 : territoire CME69 hors de ceux pour lesquels vous pouvez écrire" in result.stderr
    assert "ligne 4 :" in result.stderr
    assert data_fingerprint(store.engine) == before
    journal = table("journal_entry")
    with store.engine.connect() as conn:
        last = conn.execute(select(journal.c.username, journal.c.outcome).order_by(journal.c.id.desc())).first()
    assert tuple(last) == ("animateur38", "rejete")


def test_cli_import_rights_in_process(store, cli):
    # its own CME: accepted
    result = cli("--database-url", store.url, "import", GOOD / "ctme_utf8_bom_semicolon.csv",
                 "--utilisateur", "animateur38", "--confirmer-suppressions")
    assert result.returncode == 0, result.stderr
    # a reader: refused before reading the file
    before = data_fingerprint(store.engine)
    result = cli("--database-url", store.url, "import", GOOD / "ctme_utf8_bom_semicolon.csv",
                 "--utilisateur", "lecteur")
    assert result.returncode == 1
    assert "le compte « lecteur » (Lecteur" in result.stderr and "ne peut pas importer" in result.stderr
    # an unknown account: a usage error
    result = cli("--database-url", store.url, "import", GOOD / "ctme_utf8_bom_semicolon.csv",
                 "--utilisateur", "personne")
    assert result.returncode == 2 and "compte « personne » inconnu" in result.stderr
    assert data_fingerprint(store.engine) == before


# --- sign-in -----------------------------------------------------------------------------------------

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


def _attempts(engine, username: str, success: bool) -> int:
    la = table("login_attempt")
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(la).where(
            la.c.username == username, la.c.success.is_(success))).scalar()


def test_sign_in_failures_delay_that_address_and_the_delay_ends(store):
    engine = store.engine
    settings = get_settings()
    n, window = settings.login_max_failures, dt.timedelta(minutes=settings.login_lock_minutes)
    assert (n, window) == (3, dt.timedelta(minutes=15))
    fails = [T0 + dt.timedelta(seconds=20 * i) for i in range(n)]
    for at in fails:
        with pytest.raises(SignInError, match="^Identifiant ou mot de passe incorrect.$"):
            authenticate(engine, "animateur38", "mauvais-mot-de-passe", client="203.0.113.5", now=at)
    assert _attempts(engine, "animateur38", False) == n        # recorded although authenticate raised
    # the right password is refused from that address for 2 s after the last failure …
    with pytest.raises(SignInError, match="^Trop de tentatives échouées depuis cette adresse : réessayez dans "
                                          "1 seconde.$"):
        authenticate(engine, "animateur38", PASSWORDS["animateur38"], client="203.0.113.5",
                     now=fails[-1] + dt.timedelta(seconds=1))
    assert _attempts(engine, "animateur38", False) == n        # a delayed attempt does not lengthen the delay
    # … but not from another address, nor for another account
    assert authenticate(engine, "animateur38", PASSWORDS["animateur38"], client="198.51.100.7",
                        now=fails[-1]).username == "animateur38"
    assert authenticate(engine, "animateur69", PASSWORDS["animateur69"], client="203.0.113.5",
                        now=fails[-1]).username == "animateur69"
    # … and the delay ends
    user = authenticate(engine, "animateur38", PASSWORDS["animateur38"], client="203.0.113.5",
                        now=fails[-1] + dt.timedelta(seconds=2))
    assert user.username == "animateur38" and user.may_write("CME38")
    assert _attempts(engine, "animateur38", True) == 2


def test_a_successful_sign_in_resets_the_failure_count(store):
    engine = store.engine
    at = T0
    for _ in range(3):
        at += dt.timedelta(seconds=1)
        with pytest.raises(SignInError, match="incorrect"):
            authenticate(engine, "lecteur", "faux", now=at)
    with pytest.raises(SignInError, match="Trop de tentatives"):
        authenticate(engine, "lecteur", PASSWORDS["lecteur"], now=at + dt.timedelta(seconds=1))
    at += dt.timedelta(seconds=2)
    authenticate(engine, "lecteur", PASSWORDS["lecteur"], now=at)
    for _ in range(3):                                          # free again, without delay
        with pytest.raises(SignInError, match="incorrect"):
            authenticate(engine, "lecteur", "faux", now=at)
    with pytest.raises(SignInError, match="Trop de tentatives"):
        authenticate(engine, "lecteur", PASSWORDS["lecteur"], now=at + dt.timedelta(seconds=1))
    assert authenticate(engine, "lecteur", PASSWORDS["lecteur"], now=at + dt.timedelta(seconds=2)).role == "lecteur"


def test_unknown_account_fails_like_a_wrong_password_and_is_recorded(store):
    engine = store.engine
    with pytest.raises(SignInError, match="^Identifiant ou mot de passe incorrect.$"):
        authenticate(engine, "Personne ", "peu-importe", now=T0)
    assert _attempts(engine, "personne", False) == 1


def test_the_failure_limit_is_a_setting(store, monkeypatch):
    engine = store.engine
    monkeypatch.setenv("MAINTIEN_LOGIN_MAX_FAILURES", "2")
    get_settings.cache_clear()
    try:
        for i in range(2):
            with pytest.raises(SignInError, match="incorrect"):
                authenticate(engine, "admin", "faux", now=T0 + dt.timedelta(seconds=i))
        with pytest.raises(SignInError, match="Trop de tentatives"):
            authenticate(engine, "admin", PASSWORDS["admin"], now=T0 + dt.timedelta(seconds=2))
        assert authenticate(engine, "admin", PASSWORDS["admin"], now=T0 + dt.timedelta(seconds=3)).is_admin
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


# --- accounts from the command line ------------------------------------------------------------------


def test_cli_user_add_then_sign_in(store):
    password = "un-mot-de-passe-solide"
    result = run_cli("--database-url", store.url, "user", "add", "x.dupont", "--role", "animateur",
                     "--territoire", "CME38", "--password-stdin", stdin=password + "\n")
    assert result.returncode == 0, result.stderr
    assert "Compte « x.dupont » créé" in result.stdout and "CME38" in result.stdout
    user = authenticate(store.engine, "x.dupont", password)
    assert user.role == "animateur" and user.may_write("CME38") and user.may_write("38")
    assert not user.may_write("CME69") and not user.may_write("69")
    with pytest.raises(SignInError):
        authenticate(store.engine, "x.dupont", password + "x")


def test_cli_user_add_refuses_a_short_password(store, cli, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("court\n"))
    result = cli("--database-url", store.url, "user", "add", "y.martin", "--role", "animateur", "--territoire",
                 "CME38", "--password-stdin")
    assert result.returncode == 1
    assert "Mot de passe trop court : au moins 12 caractères." in result.stderr
    assert load_user(store.engine, "y.martin") is None
    with pytest.raises(AccountError, match="trop court"):
        add_user(store.engine, "y.martin", "12345678901", role="lecteur")
    with pytest.raises(AccountError, match="trop courant"):
        add_user(store.engine, "y.martin", "123456789012", role="lecteur")
    with pytest.raises(AccountError, match="au moins un territoire"):
        add_user(store.engine, "y.martin", "un-mot-de-passe-solide", role="animateur")
    assert load_user(store.engine, "y.martin") is None
