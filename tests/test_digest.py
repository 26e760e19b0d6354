"""News between meetings (issue 15, point 5): ``python -m dashboard digest`` over a real SMTP server
started on loopback (aiosmtpd), on a store made with ``init`` and hand-made partner files: who receives
it, what it says (a verdict that changed, a new comment, an import), and that each recipient only gets
their territories."""

from __future__ import annotations

import email
import socket
import time
from email import policy

import pytest

from dashboard.core.filters import Filters
from dashboard.core.indicators import Reference, compute
from dashboard.core.referentiel import load_referentiel
from dashboard.core.results import VERDICT_LABELS
from data_access import comments
from data_access.settings import get_settings
from data_access.users import add_user, load_user, set_digest_choice
from tests.conftest import import_csv, skip_or_fail


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        skip_or_fail("aiosmtpd absent (pip install -e '.[test]') : serveur SMTP de test indisponible")

    class Sink:
        def __init__(self):
            self.received = []

        async def handle_DATA(self, server, session, envelope):
            self.received.append((list(envelope.rcpt_tos),
                                  email.message_from_bytes(envelope.content, policy=policy.default)))
            return "250 Message accepted"

    sink = Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


load = import_csv


CTME = """
CME;Date de la séance;Situations examinées
CME38;10/03/2016;2
CME38;10/04/2016;2
CME38;10/05/2016;2
CME38;10/06/2016;2
CME38;10/03/2017;2
CME38;10/04/2017;2
CME38;10/05/2017;2
CME38;10/03/2018;2
CME38;10/04/2018;2
CME38;10/03/2019;2
CME69;10/03/2019;2
"""


def test_the_digest_goes_to_those_who_want_it_with_their_territories_only(init_store, cli, smtp_server,
                                                                          monkeypatch, tmp_path):
    sink, port = smtp_server
    engine = init_store
    url = engine.url.render_as_string(hide_password=False)
    for name, role, terr, mail, wants in (
            ("anim38", "animateur", ["CME38"], "anim38@example.org", None),     # on by default
            ("anim69", "animateur", ["CME69"], "anim69@example.org", False),    # said no
            ("lect", "lecteur", [], "lect@example.org", None),                  # off by default
            ("adm", "administrateur", [], "adm@example.org", None),
            ("nomail", "animateur", ["CME38"], None, None)):                    # no address
        add_user(engine, name, "un-mot-de-passe-solide", role=role, territories=terr)
        if mail is not None:
            set_digest_choice(engine, name, mail, wants if wants is not None else role != "lecteur")
    load(engine, "ctme_session", CTME)
    # a first run records the state of the verdicts (written as files: nothing is sent)
    first = cli("--database-url", url, "digest", "--depuis", "01/01/2026", "--sortie", tmp_path)
    assert first.returncode == 0, first.stderr
    ind = load_referentiel().indicator("Q4.C3.I1")
    ref = Reference.from_engine(engine)
    before = compute(engine, ind, Filters(2016, 2020, "CME38"), ref).verdict
    # then CME38 declares no CTME in 2020 (a true 0), a comment is written on the Rhône
    load(engine, "data_declaration", "Jeu de données;Territoire;Année\nctme_session;CME38;2020")
    comments.add(engine, target="Q4.C3.I1", territory="CME69", year=2019, text="Une seule CTME cette année.",
                 valid_targets=[ind.id], user=load_user(engine, "adm"))
    after = compute(engine, ind, Filters(2016, 2020, "CME38"), Reference.from_engine(engine)).verdict
    # a run starts from the second the previous one started in (a write in that second is read again,
    # never missed: docs/deployment.md): the news above are a second older than the run that sends them
    time.sleep(1.1)
    assert after.code == "atteint" and before.code != after.code
    monkeypatch.setenv("MAINTIEN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("MAINTIEN_SMTP_PORT", str(port))
    monkeypatch.setenv("MAINTIEN_SMTP_STARTTLS", "false")
    monkeypatch.setenv("MAINTIEN_SMTP_FROM", "tableau-de-bord@example.org")
    get_settings.cache_clear()
    try:
        got = cli("--database-url", url, "digest", "--envoyer")    # since the previous run
    finally:
        get_settings.cache_clear()
    assert got.returncode == 0, got.stderr
    by_rcpt = {tuple(rcpt): msg for rcpt, msg in sink.received}
    assert sorted(by_rcpt) == [("adm@example.org",), ("anim38@example.org",)]
    anim = by_rcpt[("anim38@example.org",)]
    assert anim["Subject"].startswith("Maintien dans l'emploi : ce qui a changé depuis le ")
    assert anim["Subject"].endswith("(CME Isère)")
    text = anim.get_body(("plain",)).get_content()
    line = (f"- Q4.C3.I1 Nombre de CTME (CME Isère) : {VERDICT_LABELS[before.code]} → "
            f"{VERDICT_LABELS[after.code]}")
    assert line in text, text
    assert "Imports réalisés (1)" in text and "Déclarations « rien cette année »" in text
    assert "Une seule CTME" not in text and "CME Rhône" not in text     # the Rhône is not theirs
    assert "Q4.C3.I1" in anim.get_body(("html",)).get_content()
    admin = by_rcpt[("adm@example.org",)].get_body(("plain",)).get_content()
    assert "Nouveaux commentaires d'analyse (1)" in admin and "Une seule CTME cette année." in admin
    assert "Rhône-Alpes" in by_rcpt[("adm@example.org",)]["Subject"]
    # nothing new since: nothing is sent
    sink.received.clear()
    monkeypatch.setenv("MAINTIEN_SMTP_HOST", "127.0.0.1")
    get_settings.cache_clear()
    try:
        again = cli("--database-url", url, "digest", "--envoyer")
    finally:
        get_settings.cache_clear()
    assert again.returncode == 0 and sink.received == []


def test_sending_without_a_server_says_so(init_store, cli):
    got = cli("--database-url", init_store.url.render_as_string(hide_password=False), "digest", "--envoyer")
    assert got.returncode == 2 and "MAINTIEN_SMTP_HOST" in got.stderr


def test_each_account_chooses_on_the_sign_in_page(init_store, app_factory):
    from data_access.users import digest_choice

    add_user(init_store, "lect", "un-mot-de-passe-solide", role="lecteur")
    assert digest_choice(init_store, "lect") == (None, False)            # a reader: off by default
    at = app_factory(init_store.url.render_as_string(hide_password=False))
    at.session_state["auth_username"] = "lect"
    at.switch_page("app_pages/connexion.py")
    at.run()
    assert not at.exception, at.exception
    at.checkbox[0].check()
    [submit] = [b for b in at.button if b.label == "Enregistrer"]
    submit.click()
    at.run()
    assert [e.value for e in at.error] == ["Une adresse électronique est nécessaire pour recevoir le récapitulatif."]
    assert digest_choice(init_store, "lect") == (None, False)            # refused: nothing written
    at.text_input[0].set_value("lect@example.org")
    at.checkbox[0].check()
    [submit] = [b for b in at.button if b.label == "Enregistrer"]
    submit.click()
    at.run()
    assert not at.error and "vous recevrez le récapitulatif" in at.success[-1].value
    assert digest_choice(init_store, "lect") == ("lect@example.org", True)
