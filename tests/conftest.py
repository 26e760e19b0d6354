"""Shared fixtures: fresh stores on SQLite or on a real PostgreSQL server.

The whole suite runs once on SQLite (default) and once more against PostgreSQL
with ``MAINTIEN_TEST_BACKEND=postgresql`` (``make test`` does both). The
PostgreSQL server is a throw-away cluster that the ``pg_server`` fixture
initialises in a temporary directory from the Debian binaries
(``/usr/lib/postgresql/*/bin``) and starts on a free loopback port. Without
those binaries the PostgreSQL tests skip with the reason, except in CI
(``CI=true``), where a missing server is a failure.
"""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import create_engine, select, text

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
BACKEND = os.environ.get("MAINTIEN_TEST_BACKEND", "sqlite")
# No background warm-up of the page caches in the test process (AppTest shares its caches across
# tests and stores); the live servers of the browser tests turn it back on (tests/test_e2e.py).
os.environ["MAINTIEN_PREWARM"] = "false"
# Every chart drawn at once in AppTest (no browser to report a placeholder in view); the deferral has its own
# tests, and the live servers of the browser tests keep it on, as served.
os.environ["MAINTIEN_DEFERRED_CHARTS"] = "false"


def skip_or_fail(reason: str):
    """Skip on a laptop; in CI a missing browser or database is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: ce test ne peut pas être sauté)", pytrace=False)
    pytest.skip(reason)


# --- PostgreSQL server --------------------------------------------------------------------


def _pg_bindir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PgServer:
    port: int
    datadir: Path
    bindir: Path
    run_as: list[str]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        name = "t_" + uuid.uuid4().hex[:12]
        admin = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.url(name)

    def stop(self) -> None:
        subprocess.run([*self.run_as, str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate",
                        "stop"], capture_output=True)


@pytest.fixture(scope="session")
def pg_server():
    bindir = _pg_bindir()
    if bindir is None:
        skip_or_fail("PostgreSQL absent : paquet Debian « postgresql » non installé (/usr/lib/postgresql/*/bin)")
    run_as: list[str] = []
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            skip_or_fail("PostgreSQL : utilisateur système « postgres » absent (lancé en root)")
        run_as = ["runuser", "-u", "postgres", "--"]
    base = Path(tempfile.mkdtemp(prefix="maintien-pg-"))
    datadir = base / "data"
    if owner is not None:
        os.chown(base, owner.pw_uid, owner.pw_gid)
    init = subprocess.run([*run_as, str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "-A", "trust",
                           "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"], capture_output=True, text=True)
    if init.returncode != 0:
        skip_or_fail(f"PostgreSQL : initdb a échoué : {init.stderr.strip()[:300]}")
    port = _free_port()
    opts = (f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    start = subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", str(datadir), "-l", str(base / "server.log"),
                            "-o", opts, "-w", "-t", "60", "start"], capture_output=True, text=True)
    if start.returncode != 0:
        log = (base / "server.log").read_text(errors="replace")[-500:] if (base / "server.log").exists() else ""
        skip_or_fail(f"PostgreSQL : le serveur n'a pas démarré : {start.stderr.strip()[:200]} {log}")
    server = PgServer(port, datadir, bindir, run_as)
    for _ in range(50):
        try:
            create_engine(server.url()).connect().close()
            break
        except Exception:  # noqa: BLE001
            time.sleep(0.2)
    yield server
    server.stop()
    shutil.rmtree(base, ignore_errors=True)


# --- stores ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def backend() -> str:
    return BACKEND


@pytest.fixture(scope="session")
def new_database_url(request, tmp_path_factory):
    """Factory of URLs of fresh, empty databases on the selected backend."""
    if BACKEND == "postgresql":
        server = request.getfixturevalue("pg_server")
        return server.create_database
    if BACKEND != "sqlite":
        raise pytest.UsageError(f"MAINTIEN_TEST_BACKEND inconnu : {BACKEND}")

    def make() -> str:
        path = tmp_path_factory.mktemp("store") / "store.sqlite3"
        return f"sqlite:///{path}"

    return make


@pytest.fixture
def empty_engine(new_database_url):
    """A fresh store with the schema at head and no rows."""
    from data_access.db import make_engine, upgrade_schema

    engine = make_engine(new_database_url())
    upgrade_schema(engine)
    yield engine
    engine.dispose()


def fill_with_sample(url: str) -> str:
    """Migrate the store at ``url`` and load the scale-1 sample into it; returns the URL."""
    from data_access.db import make_engine, upgrade_schema
    from sample_data.generator import load_sample

    engine = make_engine(url)
    upgrade_schema(engine)
    load_sample(engine, scale=1)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def sample_url(new_database_url) -> str:
    """URL of a store holding the scale-1 sample. Read-only: tests must not write to it."""
    return fill_with_sample(new_database_url())


@pytest.fixture(scope="session")
def sample_engine(sample_url):
    from data_access.db import make_engine

    engine = make_engine(sample_url)
    yield engine
    engine.dispose()


def store_fingerprint(engine) -> dict[str, tuple[int, str]]:
    """Row count and SHA-256 of the ordered contents of every table (derived aggregates left out)."""
    from data_access.models import tables_in_dependency_order

    out = {}
    with engine.connect() as conn:
        for tbl in tables_in_dependency_order():
            rows = conn.execute(select(tbl).order_by(*tbl.primary_key.columns)).all()
            digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
            out[tbl.name] = (len(rows), digest)
    return out


@pytest.fixture
def fingerprint():
    return store_fingerprint


@pytest.fixture
def app_factory(monkeypatch):
    """AppTest of app.py against the store at ``url`` (caches and settings reset)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from data_access.settings import get_settings

    def make(url: str) -> AppTest:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("MAINTIEN_AUTO_SAMPLE", "0")
        get_settings.cache_clear()
        st.cache_resource.clear()
        st.cache_data.clear()
        return AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)

    yield make
    get_settings.cache_clear()


# --- writable copies of the sample -------------------------------------------------------


@pytest.fixture(scope="session")
def sample_template_url(request, new_database_url) -> str:
    """The scale-1 sample that :func:`writable_sample_url` copies. On SQLite, the shared
    ``sample_url`` store (copying only reads it); on PostgreSQL, a store of its own that no test
    opens, as a template database must have no other session."""
    if BACKEND == "postgresql":
        return fill_with_sample(new_database_url())
    return request.getfixturevalue("sample_url")


@pytest.fixture(scope="session")
def writable_sample_url(request, sample_template_url, tmp_path_factory):
    """Factory of URLs of fresh, writable copies of the scale-1 sample: a copy of the SQLite file,
    or on PostgreSQL a database created from the template (both take a fraction of a second,
    where loading the sample takes seconds)."""
    from sqlalchemy.engine import make_url

    source = make_url(sample_template_url).database
    if BACKEND == "postgresql":
        server = request.getfixturevalue("pg_server")

        def make() -> str:
            name = "t_" + uuid.uuid4().hex[:12]
            admin = create_engine(server.url(), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{source}"'))
            admin.dispose()
            return server.url(name)

        return make

    import sqlite3

    def make() -> str:
        target = tmp_path_factory.mktemp("store") / "store.sqlite3"
        src, dst = sqlite3.connect(source), sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        return f"sqlite:///{target}"

    return make


AUDIT_TABLES = ("journal_entry", "login_attempt")


def data_fingerprint(engine) -> dict[str, tuple[int, str]]:
    """:func:`store_fingerprint` without the audit tables (the journal and the sign-in attempts),
    which record refused writes on purpose."""
    return {name: fp for name, fp in store_fingerprint(engine).items() if name not in AUDIT_TABLES}


def journal_outcomes(engine) -> list[str]:
    """Outcomes of the journal entries, oldest first (``applique``, ``sans_changement``, ``rejete``)."""
    from data_access.db import table

    tbl = table("journal_entry")
    with engine.connect() as conn:
        return [o for (o,) in conn.execute(select(tbl.c.outcome).order_by(tbl.c.id))]


def dispose_cached_engine(url: str) -> None:
    """Dispose the process-wide engine that ``get_engine`` (the CLI run in-process) keeps for ``url``."""
    from data_access import db

    engine = db._ENGINES.pop(db.normalise_url(url), None)
    if engine is not None:
        engine.dispose()


@pytest.fixture
def cli(capsys, monkeypatch):
    """The command line in-process: ``cli(*args)`` → returncode, stdout, stderr (the aggregate warm-up
    after an import is switched off: it is timed by the benchmarks, not needed by these checks)."""
    from dashboard.cli import main

    monkeypatch.setattr("dashboard.core.warm.warm_aggregates", lambda engine: 0)

    def run(*args):
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out, stderr=err)

    return run


@pytest.fixture
def init_store(cli, new_database_url):
    """An engine on a fresh store made with ``init`` (reference data, no sample): the store of the
    known-answer tests, which import hand-made partner files into it."""
    from data_access.db import make_engine

    url = new_database_url()
    assert cli("--database-url", url, "init").returncode == 0
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def store_url(new_database_url):
    """A sample store the test module may write to (one per module)."""
    return fill_with_sample(new_database_url())


@pytest.fixture
def engine(store_url):
    """An engine on the module's writable store."""
    from data_access.db import make_engine

    eng = make_engine(store_url)
    yield eng
    eng.dispose()


def each_criterion(at, question):
    """A question page draws only its open criterion's tab (and, in a criterion with themes, its open
    theme's tab), and its blocks' tables only when unfolded: run the page once per criterion and theme
    (the AppTest already on the page) and yield (criterion, AppTest) with that tab and every fold open."""
    from dashboard.views.question import FOLDS, criterion_tab, fold_key, group_tabs_key, tabs_key

    for criterion in question.criteria:
        at.session_state[tabs_key(question.id)] = criterion_tab(criterion)
        for ind in criterion.indicators:        # the blocks' folded tables, open (ui.folded)
            for part in FOLDS:
                at.session_state[fold_key(part, ind.id)] = True
        for theme, _ in criterion.parts():      # a criterion with themes: once per theme's tab
            if theme is not None:
                at.session_state[group_tabs_key(criterion.id)] = theme
            at.run()
            assert not at.exception, at.exception
            yield criterion, at


def across_criteria(at, question, read):
    """``read(at)`` on every criterion's tab, concatenated (lists) in the référentiel's order."""
    out = []
    for _, tab in each_criterion(at, question):
        out.extend(read(tab))
    return out


@pytest.fixture(scope="session")
def browser():
    """The system Chromium through Playwright's sync API: one per test session, shared by every browser
    test (the sync API allows one Playwright instance per thread)."""
    import os
    import shutil

    chromium = "/usr/bin/chromium"
    if not shutil.which(chromium) and not os.path.exists(chromium):
        skip_or_fail("Chromium absent : paquet Debian « chromium » non installé (/usr/bin/chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Playwright pour Python absent (pip install playwright)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                    "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


def import_csv(engine, dataset: str, text: str, username: str = "t") -> None:
    """Import a hand-made partner file (CSV, ``;``, UTF-8 with BOM) through the validating importer, as a
    partner's file is (check, then confirm); fails the test with the importer's French problems."""
    from dashboard.services.importing import context_kwargs
    from data_access import imports

    data = ("\ufeff" + text.strip() + "\r\n").encode("utf-8")
    checked = imports.check(engine, data, f"{dataset}.csv", dataset=dataset, username=username,
                            context=context_kwargs())
    assert checked.ok, checked.problems
    imports.confirm(engine, checked, username=username, removals_confirmed=True)
