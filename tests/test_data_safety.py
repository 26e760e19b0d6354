"""Data safety of the writes (issue "data safety"): an import replaces only what its sender may and
means to replace; a store made with ``init`` accepts the partners' files; concurrent imports are
serialised; values that are not values, and unexpected errors, never reach the store nor the user
raw; refusals reveal nothing of territories the sender may not write.

Every test runs on SQLite and, with ``MAINTIEN_TEST_BACKEND=postgresql``, on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import ROOT, data_fingerprint, journal_outcomes
from sqlalchemy import func, select, text

from dashboard.reports.formats_doc import EXAMPLES
from dashboard.services.importing import context_kwargs
from data_access import imports, intake
from data_access.dataset_files import dataset_frame
from data_access.datasets import DATASET_LIST, DATASETS, scope_territory_problems
from data_access.db import make_engine, table

# the writing step looks its helpers up in its own module: patch them there
from data_access.intake import write as intake_write
from data_access.users import load_user


@pytest.fixture
def sample_copy(writable_sample_url):
    url = writable_sample_url()
    engine = make_engine(url)
    yield url, engine
    engine.dispose()


def _rows_by_territory(engine, table_name: str, year: int, where: str = "") -> dict[str, list[tuple]]:
    """Every stored row of a table for a year, grouped by territory (ordered, comparable)."""
    tbl = table(table_name)
    with engine.connect() as conn:
        rows = conn.execute(select(tbl).where(tbl.c.year == year).order_by(*tbl.primary_key.columns)).all()
    out: dict[str, list[tuple]] = {}
    for r in rows:
        m = r._mapping
        out.setdefault(m["territory_code"], []).append(tuple(v for k, v in m.items() if k != "id"))
    return out


# --- 1. what a file replaces -------------------------------------------------------------------------


def test_every_declared_scope_places_its_rows_in_one_territory():
    assert scope_territory_problems() == []


def test_the_shipped_caseload_example_as_animateur38_leaves_other_territories_alone(sample_copy):
    """The review's probe: animateur38 imports sample_data/examples/actor_caseload.xlsx (rows for 38
    only). It used to delete the 2019 caseloads of the seven other départements."""
    url, engine = sample_copy
    before = _rows_by_territory(engine, "actor_caseload", 2019)
    assert set(before) == {"01", "07", "26", "38", "42", "69", "73", "74"}
    animateur = load_user(engine, "animateur38")
    data = (EXAMPLES / "actor_caseload.xlsx").read_bytes()
    checked = imports.check(engine, data, "actor_caseload.xlsx", user=animateur, username=animateur.username,
                            context=context_kwargs())
    assert checked.ok, checked.problems
    assert checked.preview.removed == []
    assert set(checked.preview.by_territory["Territoire"]) == {"38"}
    imports.confirm(engine, checked, username=animateur.username)
    after = _rows_by_territory(engine, "actor_caseload", 2019)
    assert {t: rows for t, rows in after.items() if t != "38"} == {t: rows for t, rows in before.items() if t != "38"}


def test_a_one_row_indicator_value_touches_only_its_territory(sample_copy):
    url, engine = sample_copy
    iv = table("indicator_value")
    with engine.connect() as conn:
        row = conn.execute(select(iv).where(iv.c.territory_code == "38", iv.c.year == 2019,
                                            iv.c.source == "agefiph")).first()._mapping
        others_before = conn.execute(select(func.count()).select_from(iv).where(
            iv.c.year == 2019, iv.c.source == "agefiph", iv.c.territory_code != "38")).scalar()
    assert others_before > 0
    data = (f"Indicateur;Territoire;Année;Valeur;Source\r\n{row['indicator_id']};38;2019;1234;agefiph\r\n"
            ).encode("utf-8")
    checked = imports.check(engine, data, "valeur.csv", username="admin", context=context_kwargs())
    assert checked.ok, checked.problems
    # the file replaces (2019, 38, agefiph): the other agefiph values of 38 in 2019 go, nothing else
    assert {intake.stored_territory(checked.preview.dataset, r) for r in checked.preview.removed} <= {"38"}
    imports.confirm(engine, checked, username="admin", removals_confirmed=True)
    with engine.connect() as conn:
        others_after = conn.execute(select(func.count()).select_from(iv).where(
            iv.c.year == 2019, iv.c.source == "agefiph", iv.c.territory_code != "38")).scalar()
        value = conn.execute(select(iv.c.value).where(iv.c.indicator_id == row["indicator_id"],
                                                      iv.c.territory_code == "38", iv.c.year == 2019)).scalar()
    assert others_after == others_before and value == 1234


def test_removals_need_an_explicit_confirmation(sample_copy, cli):
    url, engine = sample_copy
    path = EXAMPLES / "ise_call.csv"          # 25 calls of 38 in 2019: the others of 38-2019 would go
    before = data_fingerprint(engine)
    result = cli("--database-url", url, "import", path)
    assert result.returncode == 1
    assert "supprimerait" in result.stderr and "--confirmer-suppressions" in result.stderr
    assert "lignes déjà reçues supprimées : 38 (" in result.stdout   # counted per territory, up front
    assert data_fingerprint(engine) == before
    checked = imports.check(engine, path.read_bytes(), path.name, username="t", context=context_kwargs())
    assert checked.needs_confirmation
    with pytest.raises(intake.IntakeError, match="Confirmez ces suppressions"):
        imports.confirm(engine, checked, username="t")
    assert data_fingerprint(engine) == before
    with engine.connect() as conn:
        others_before = conn.execute(text("SELECT COUNT(*) FROM ise_call WHERE territory_code <> '38' "
                                          "OR call_date NOT BETWEEN '2019-01-01' AND '2019-12-31'")).scalar()
    result = cli("--database-url", url, "import", path, "--confirmer-suppressions")
    assert result.returncode == 0, result.stderr
    with engine.connect() as conn:
        n = conn.execute(text("SELECT COUNT(*) FROM ise_call WHERE territory_code = '38' "
                              "AND call_date BETWEEN '2019-01-01' AND '2019-12-31'")).scalar()
        others = conn.execute(text("SELECT COUNT(*) FROM ise_call WHERE territory_code <> '38' "
                                   "OR call_date NOT BETWEEN '2019-01-01' AND '2019-12-31'")).scalar()
    assert n == 25 and others == others_before


def test_a_scope_wider_than_the_senders_territories_is_refused_naming_them(sample_copy, monkeypatch):
    """The safety net: were a declaration's scope to reach beyond the file's territories (here the
    caseload scope of before the fix, year × actor), the rights check on the rows the import would
    remove refuses it, naming the territories."""
    from dataclasses import replace

    url, engine = sample_copy
    wide = replace(DATASETS["actor_caseload"], scope=("actor",))
    monkeypatch.setitem(DATASETS, "actor_caseload", wide)
    animateur = load_user(engine, "animateur38")
    before = data_fingerprint(engine)
    data = "Département;Année;Acteur;Situations prises en charge;Dont orientées par INFO SANTE EMPLOI\r\n" \
           "38;2019;sameth;400;20\r\n".encode("utf-8")
    checked = imports.check(engine, data, "caseload.csv", dataset="actor_caseload", user=animateur,
                            username="animateur38", context=context_kwargs())
    assert not checked.ok
    message = checked.problems[0]
    assert "territoires que vous ne pouvez pas modifier" in message
    for code in ("01", "07", "26", "42", "69", "73", "74"):
        assert f"{code} (1 ligne)" in message
    assert data_fingerprint(engine) == before
    assert journal_outcomes(engine)[-1] == "rejete"


def test_the_formats_doc_states_each_scope_with_an_example():
    doc = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    assert "les autres années et territoires ne sont pas touchés" not in doc   # the old, untrue sentence
    for ds in DATASET_LIST:
        section = doc.split(f"— `{ds.name}`", 1)[1].split("\n### ", 1)[0]
        assert "**Ce qu'un fichier remplace**" in section
        assert ("*Exemple*" in section) if ds.replaces else ("ne supprime jamais" in section)


# --- 2. a store made with init accepts every example ------------------------------------------------

# Parents first: the instances and plans that the other examples name.
IMPORT_ORDER = ["instance", "action_plan"] + [d.name for d in DATASET_LIST if d.name not in ("instance", "action_plan")]


def _csv_rows(name: str) -> list[list[str]]:
    import csv
    import io

    text_ = (EXAMPLES / f"{name}.csv").read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text_), delimiter=";"))[1:]


def test_a_store_made_with_init_accepts_every_shipped_example(empty_engine, cli, new_database_url):
    url = new_database_url()
    assert cli("--database-url", url, "init").returncode == 0
    engine = make_engine(url)
    try:
        for name in IMPORT_ORDER:
            for ext in ("csv", "xlsx"):   # the CSV adds, the XLSX (same rows) changes nothing
                result = cli("--database-url", url, "import", EXAMPLES / f"{name}.{ext}")
                assert result.returncode == 0, (name, ext, result.stderr)
                assert ("Aucun changement" in result.stdout) == (ext == "xlsx"), (name, ext, result.stdout)
        with engine.connect() as conn:
            for name in IMPORT_ORDER:
                ds = DATASETS[name]
                stored = dataset_frame(conn, ds)
                assert len(stored) >= len(_csv_rows(name)), name
        # … and the numbers: CME38's CTME sessions of 2019 and 38's calls, counted by hand in the files
        ctme_2019 = [r for r in _csv_rows("ctme_session") if r[0] == "CME38" and r[1].endswith("/2019")]
        calls_2019 = [r for r in _csv_rows("ise_call") if r[2] == "38" and r[1].endswith("/2019")]
        from dashboard.core.filters import Filters
        from dashboard.core.indicators import Reference, compute
        from dashboard.core.referentiel import load_referentiel

        ref, referentiel = Reference.from_engine(engine), load_referentiel()
        for ind_id, terr, expected in (("Q4.C3.I1", "CME38", len(ctme_2019)), ("Q3.C4.I1", "38", len(calls_2019))):
            result = compute(engine, referentiel.indicator(ind_id), Filters(2019, 2019, terr), ref)
            sel = result.selection_series()
            assert expected > 0 and sel["value"].tolist() == [expected], (ind_id, sel)
    finally:
        engine.dispose()


def test_init_loads_the_reference_files(empty_engine):
    from data_access.reference import REFERENCE_TABLES, read_rows

    with empty_engine.connect() as conn:
        for name in REFERENCE_TABLES:
            tbl = table(name)
            stored = conn.execute(select(func.count()).select_from(tbl)).scalar()
            assert stored == len(read_rows(name, tbl)) > 0, name
        pop = conn.execute(text("SELECT population, population_year, population_source FROM territory "
                                "WHERE code = '38'")).one()
    assert pop[0] == 1_259_000 and pop[1] == 2016 and "INSEE" in pop[2]


# --- 3. concurrent imports ---------------------------------------------------------------------------

WORKER = textwrap.dedent('''
    import pathlib, sys, time
    sys.path.insert(0, {root!r})
    from data_access.db import make_engine
    from data_access import imports
    url, path, ready, go, out = sys.argv[1:6]
    engine = make_engine(url)
    checked = imports.check(engine, pathlib.Path(path).read_bytes(), pathlib.Path(path).name, username="proc")
    assert checked.ok, checked.problems
    pathlib.Path(ready).write_text("ok")
    while not pathlib.Path(go).exists():
        time.sleep(0.005)
    try:
        o = imports.confirm(engine, checked, username="proc", removals_confirmed=True)
        result = f"applied {{o.added}} {{o.removed}}"
    except Exception as exc:
        result = f"refused {{type(exc).__name__}} {{exc}}"
    pathlib.Path(out).write_text(result)
''')


def _calls_file(path: Path, n: int, prefix: str) -> set[str]:
    refs = [f"{prefix}-{i:06d}" for i in range(n)]
    lines = ["Référence de l'appel;Date de l'appel;Département;Catégorie d'appelant;Type de question;Orientation"]
    lines += [f"{r};{1 + i % 28:02d}/{1 + i % 12:02d}/2019;38;salarie;inaptitude;medecin_travail"
              for i, r in enumerate(refs)]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return set(refs)


def test_two_imports_of_the_same_scope_at_once_are_serialised(sample_copy, tmp_path):
    """Two processes preview two files of the same scope (38, 2019) against the same data, then confirm at
    the same instant. One applies; the other waits for the lock, finds the store changed under its
    preview and is refused: the store ends as exactly one of the files describes, and the journal
    records one import applied and one refused."""
    url, engine = sample_copy
    big = _calls_file(tmp_path / "big.csv", 3000, "BIG")
    small = _calls_file(tmp_path / "small.csv", 3, "SMALL")
    script = tmp_path / "worker.py"
    script.write_text(WORKER.format(root=str(ROOT)))
    go = tmp_path / "go"
    procs = []
    for name in ("big", "small"):
        procs.append(subprocess.Popen([sys.executable, str(script), url, str(tmp_path / f"{name}.csv"),
                                       str(tmp_path / f"{name}.ready"), str(go), str(tmp_path / f"{name}.out")],
                                      cwd=ROOT))
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"{n}.ready").exists() for n in ("big", "small")):
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs), "workers did not get ready"
        time.sleep(0.05)
    journal_before = len(journal_outcomes(engine))
    go.write_text("go")
    for p in procs:
        assert p.wait(timeout=300) == 0
    outcomes = {n: (tmp_path / f"{n}.out").read_text() for n in ("big", "small")}
    applied = [n for n, o in outcomes.items() if o.startswith("applied")]
    refused = [n for n, o in outcomes.items() if o.startswith("refused")]
    assert len(applied) == 1 and len(refused) == 1, outcomes
    assert "StaleData" in outcomes[refused[0]] and "relancez la vérification" in outcomes[refused[0]]
    with engine.connect() as conn:
        stored = {r for (r,) in conn.execute(text(
            "SELECT call_ref FROM ise_call WHERE territory_code = '38' "
            "AND call_date BETWEEN '2019-01-01' AND '2019-12-31'"))}
    assert stored == (big if applied == ["big"] else small)
    assert sorted(journal_outcomes(engine)[journal_before:]) == ["applique", "rejete"]


def test_a_write_waiting_too_long_for_the_lock_is_refused_in_french(sample_copy, monkeypatch):
    from data_access import db

    url, engine = sample_copy
    checked = imports.check(engine, (EXAMPLES / "ctme_session.csv").read_bytes(), "ctme_session.csv",
                            username="t", context=context_kwargs())
    monkeypatch.setattr(db, "WRITE_LOCK_TIMEOUT_S", 0.5)
    monkeypatch.setattr(intake_write, "write_transaction",
                        lambda eng: db.write_transaction(eng, timeout_s=0.5))
    before = data_fingerprint(engine)
    with db.write_transaction(make_engine(url)) as held:   # another writer holds the lock
        held.execute(text("SELECT 1"))
        with pytest.raises(intake.ImportBusy, match="Un autre import ou une autre saisie est en cours"):
            imports.confirm(engine, checked, username="t", removals_confirmed=True)
    assert data_fingerprint(engine) == before


# --- 5. values that are not values, and unexpected errors ---------------------------------------------

CTME_HEAD = "CME;Date de la séance;Situations examinées\r\n"


@pytest.mark.parametrize("cell, expected", [
    ("3000000000", "un nombre entier entre 0 et 10"),
    ("1e23", "un nombre entier entre 0 et 10"),
    ("1e308", "un nombre entier entre 0 et 10"),
    ("NaN", "un nombre entier"),
    ("inf", "un nombre entier"),
    ("-4", "un nombre positif ou nul"),
])
def test_numbers_out_of_range_are_french_problems_on_their_line(sample_copy, cell, expected):
    url, engine = sample_copy
    before = data_fingerprint(engine)
    data = (CTME_HEAD + f"CME38;14/03/2019;{cell}\r\n").encode("utf-8")
    checked = imports.check(engine, data, "ctme.csv", username="t")
    assert not checked.ok and not checked.failed
    assert checked.problems == [f"ctme.csv, ligne 2, colonne « Situations examinées » : valeur « {cell} » — attendu : "
                                + checked.problems[0].split("attendu : ", 1)[1]]
    assert expected in checked.problems[0]
    assert data_fingerprint(engine) == before
    assert journal_outcomes(engine)[-1] == "rejete"


def test_floats_out_of_range_are_refused(sample_copy):
    url, engine = sample_copy
    data = "Indicateur;Territoire;Année;Valeur;Source\r\nQ6.C1.I1;38;2019;1e308;agefiph\r\n".encode("utf-8")
    checked = imports.check(engine, data, "v.csv", username="t", context=context_kwargs())
    assert not checked.ok and "un nombre entre" in checked.problems[0]


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f"])
def test_control_characters_in_text_are_refused(sample_copy, char):
    url, engine = sample_copy
    before = data_fingerprint(engine)
    data = ("Département;Date de l'action;Institution organisatrice;Canal;Objectif;Thème;Cible;Intitulé\r\n"
            f"38;14/03/2019;CARSAT;reunion;information;offre_service;acteurs_relais;Réunion{char}d'information\r\n"
            ).encode("utf-8")
    checked = imports.check(engine, data, "com.csv", dataset="communication_action", username="t")
    assert not checked.ok
    assert any("caractère de contrôle" in p or "binaire" in p or "NUL" in p for p in checked.problems), \
        checked.problems
    assert data_fingerprint(engine) == before


def test_a_tab_or_a_line_break_inside_a_text_is_kept(sample_copy):
    url, engine = sample_copy
    data = ('Département;Date de l\'action;Institution organisatrice;Canal;Objectif;Thème;Cible;Intitulé\r\n'
            '38;14/03/2019;CARSAT;reunion;information;offre_service;acteurs_relais;"Réunion\td\'information\nsuite"\r\n'
            ).encode("utf-8")
    checked = imports.check(engine, data, "com.csv", dataset="communication_action", username="t")
    assert checked.ok, checked.problems


def test_an_excel_serial_date_is_read_and_said(sample_copy):
    url, engine = sample_copy
    data = (CTME_HEAD + "CME38;43538;4\r\n").encode("utf-8")   # 43538 = 14/03/2019
    checked = imports.check(engine, data, "ctme.csv", username="t")
    assert checked.ok, checked.problems
    assert checked.validated.rows[0]["session_date"] == dt.date(2019, 3, 14)
    assert any("numéros de série Excel" in n and "43538 = 14/03/2019" in n for n in checked.validated.notes)


def test_an_unexpected_error_is_journaled_as_a_failure_and_said_in_french(sample_copy, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    url, engine = sample_copy
    before = data_fingerprint(engine)

    def boom(conn, pv):
        raise IntegrityError("INSERT INTO ctme_session (territory_code) VALUES (%(x)s)", {"x": "secret"},
                             Exception("duplicate key value violates unique constraint"))

    monkeypatch.setattr(intake_write, "write_preview", boom)
    checked = imports.check(engine, (EXAMPLES / "ctme_session.csv").read_bytes(), "ctme_session.csv",
                            username="t", context=context_kwargs())
    with pytest.raises(imports.ImportFailed) as err:
        imports.confirm(engine, checked, username="t", removals_confirmed=True)
    message = str(err.value)
    assert "erreur inattendue" in message and "rien n'a été écrit" in message and "journal n°" in message
    assert "INSERT" not in message and "secret" not in message
    assert data_fingerprint(engine) == before
    journal = table("journal_entry")
    with engine.connect() as conn:
        last = conn.execute(select(journal.c.outcome, journal.c.detail).order_by(journal.c.id.desc())).first()
    assert last.outcome == "echec"
    assert "INSERT" not in last.detail and "secret" not in last.detail and "IntegrityError" not in last.detail


def test_an_unexpected_error_while_checking_is_journaled_too(sample_copy, monkeypatch):
    url, engine = sample_copy

    def boom(*a, **k):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(intake, "preview", boom)
    checked = imports.check(engine, (EXAMPLES / "ctme_session.csv").read_bytes(), "ctme_session.csv",
                            username="t", context=context_kwargs())
    assert checked.failed and not checked.ok
    assert "erreur inattendue" in checked.problems[0] and "kaboom" not in checked.problems[0]
    assert journal_outcomes(engine)[-1] == "echec"


def test_the_cli_says_an_unexpected_error_in_french_without_sql(sample_copy, cli, monkeypatch):
    from sqlalchemy.exc import DataError

    url, engine = sample_copy

    def boom(conn, pv):
        raise DataError("INSERT INTO x VALUES (%(v)s)", {"v": 3000000000}, Exception("integer out of range"))

    monkeypatch.setattr(intake_write, "write_preview", boom)
    result = cli("--database-url", url, "import", EXAMPLES / "ctme_session.csv", "--confirmer-suppressions")
    assert result.returncode == 1
    assert "erreur inattendue" in result.stderr and "INSERT" not in result.stderr and "3000000000" not in result.stderr


# --- 9. no oracle --------------------------------------------------------------------------------------


def test_a_refusal_tells_nothing_of_a_territory_the_sender_may_not_write(sample_copy):
    """animateur38 sends a case whose reference is already used in the Rhône (69): the refusal must not
    name the département, the year or the lead actor of that case."""
    url, engine = sample_copy
    rc = table("retention_case")
    with engine.connect() as conn:
        other = conn.execute(select(rc).where(rc.c.territory_code == "69").limit(1)).first()._mapping
    animateur = load_user(engine, "animateur38")
    data = ("Référence de la situation;Département;Date de signalement;Signalé par;Statut du salarié;Régime;Cause;"
            "Acteur référent;Issue\r\n"
            f"{other['case_ref']};38;14/03/2019;medecin_travail;salarie;general;maladie;sameth;"
            "en_cours\r\n").encode("utf-8")
    checked = imports.check(engine, data, "cas.csv", user=animateur, username="animateur38",
                            context=context_kwargs(), journal=False)
    assert not checked.ok
    message = " ".join(checked.problems)
    assert other["case_ref"] in message                   # the sender's own value, said back
    rest = message.replace(other["case_ref"], "").replace("14/03/2019", "")
    assert "69" not in rest
    assert str(other["signalement_date"].year) not in rest
    assert other["lead_actor"] not in rest
    # an administrator gets the details
    checked = imports.check(engine, data, "cas.csv", username="admin", context=context_kwargs(), journal=False)
    assert "69" in " ".join(checked.problems)


def test_a_row_of_another_territory_gets_only_the_rights_problem(sample_copy):
    """A meeting attendance row of a CME69 meeting: the refusal says "not your territory", not whether
    that meeting exists."""
    url, engine = sample_copy
    animateur = load_user(engine, "animateur38")
    data = ("Instance;Date de la réunion;Type de réunion;Institution;Attendue;Présente\r\n"
            "CME69;01/02/2019;pleniere;CARSAT;oui;oui\r\n").encode("utf-8")
    checked = imports.check(engine, data, "presences.csv", user=animateur, username="animateur38", journal=False)
    assert len(checked.problems) == 1
    assert "hors de ceux pour lesquels vous pouvez écrire" in checked.problems[0]
    assert "inconnue" not in checked.problems[0]


# --- 6. hostile files, end to end through the import service -------------------------------------------


def _workbook(rows_by_sheet: dict[str, list[list]]) -> bytes:
    import io

    import openpyxl
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in rows_by_sheet.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rewrite_sheet(data: bytes, sheet: str, change) -> bytes:
    import io
    import zipfile
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            dst.writestr(info.filename, change(content) if info.filename == sheet else content)
    return out.getvalue()


CTME_ROWS = [["CME", "Date de la séance", "Situations examinées"], ["CME38", dt.date(2019, 3, 14), 4],
             ["CME38", dt.date(2019, 6, 20), 7]]


def _refused_cleanly(engine, checked, before):
    assert not checked.ok and not checked.failed, checked.problems
    assert all(p.isprintable() for p in checked.problems)
    assert not any(w in " ".join(checked.problems) for w in ("Error", "Traceback", "is not a valid", "inattendue"))
    assert data_fingerprint(engine) == before
    assert journal_outcomes(engine)[-1] == "rejete"


def test_a_dimension_bomb_is_read_as_its_real_rows(sample_copy):
    import re
    url, engine = sample_copy
    data = _rewrite_sheet(_workbook({"Données": CTME_ROWS}), "xl/worksheets/sheet1.xml",
                          lambda xml: re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', xml))
    import io
    import zipfile
    assert b"XFD1048576" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml") and len(data) < 10_000
    checked = imports.check(engine, data, "ctme.xlsx", username="t")
    assert checked.ok, checked.problems
    assert [r["cases_examined"] for r in checked.validated.rows] == [4, 7]


def test_a_zip_bomb_is_refused_before_it_is_inflated(sample_copy):
    import io
    import zipfile
    url, engine = sample_copy
    before = data_fingerprint(engine)
    base = _workbook({"Données": CTME_ROWS})
    src = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    chunk = b'<row r="9"><c r="A9"><v>1</v></c></row>' * 25_000
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                dst.writestr(info.filename, src.read(info))
                continue
            with dst.open(info.filename, "w") as w:
                w.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
                for _ in range(300 * 1024 * 1024 // len(chunk)):
                    w.write(chunk)
                w.write(b"</sheetData></worksheet>")
    bomb = out.getvalue()
    assert len(bomb) < 2 * 1024 * 1024
    checked = imports.check(engine, bomb, "bombe.xlsx", username="t")
    _refused_cleanly(engine, checked, before)
    assert "une fois décompressé" in checked.problems[0] and checked.problems[0].startswith("bombe.xlsx")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_fifty_thousand_columns_are_refused_in_french(sample_copy, kind):
    url, engine = sample_copy
    before = data_fingerprint(engine)
    n = 50_000 if kind == "csv" else 16_000      # an XLSX sheet stops at column XFD (16 384)
    heads = ["CME", "Date de la séance", "Situations examinées"] + [f"x{i}" for i in range(n)]
    if kind == "csv":
        data = (";".join(heads) + "\r\n" + ";".join(["CME38", "14/03/2019", "4"] + ["1"] * n) + "\r\n").encode()
    else:
        data = _workbook({"Données": [heads, ["CME38", "14/03/2019", 4] + [1] * n]})
    checked = imports.check(engine, data, f"large.{kind}", username="t")
    _refused_cleanly(engine, checked, before)
    assert "colonnes" in checked.problems[0]


def test_a_formula_without_its_value_is_refused_naming_the_cell(sample_copy):
    url, engine = sample_copy
    before = data_fingerprint(engine)
    data = _workbook({"Données": [CTME_ROWS[0], ["CME38", dt.date(2019, 3, 14), "=2+2"]]})  # openpyxl stores no value
    checked = imports.check(engine, data, "formule.xlsx", username="t")
    _refused_cleanly(engine, checked, before)
    assert "feuille « Données », cellule C2" in checked.problems[0]


def test_a_csv_mixing_encodings_is_refused_naming_the_line(sample_copy):
    url, engine = sample_copy
    before = data_fingerprint(engine)
    data = (CTME_HEAD.encode("utf-8") + "CME38;14/03/2019;4\r\n".encode("utf-8")
            + "CME38;20/06/2019;7\r\n".encode("utf-8") + "CME38;réunion;2\r\n".encode("cp1252"))
    checked = imports.check(engine, data, "mixte.csv", username="t")
    _refused_cleanly(engine, checked, before)
    assert "ligne 4" in " ".join(checked.problems)


def test_a_title_row_and_a_notes_sheet_are_skipped_and_lines_stay_the_sheets(sample_copy):
    url, engine = sample_copy
    data = _workbook({"Notice": [["Fichier des CTME 2019 — à lire avant envoi"], ["Une ligne par séance"]],
                      "Données": [["Séances CTME 2019 de la CME de l'Isère"], [], *CTME_ROWS,
                                  ["CME38", "31/02/2019", 2]]})
    checked = imports.check(engine, data, "titre.xlsx", username="t")
    assert not checked.ok
    # The header is on sheet row 3 and the bad date on sheet row 6: lines are the sheet's.
    assert checked.problems == [p for p in checked.problems if "ligne 6" in p], checked.problems
    ok = _workbook({"Notice": [["Fichier des CTME 2019"]],
                    "Données": [["Séances CTME 2019 de la CME de l'Isère"], *CTME_ROWS]})
    checked = imports.check(engine, ok, "titre.xlsx", username="t")
    assert checked.ok, checked.problems
    notes = " ".join(checked.validated.notes)
    assert "Données" in notes and "ligne 1" in notes, notes


def test_an_unknown_column_is_reported_on_the_header_line(sample_copy):
    url, engine = sample_copy
    data = ("Séances CTME\r\n" + CTME_HEAD.rstrip("\r\n") + ";Commentaire libre\r\nCME38;14/03/2019;4;x\r\n").encode()
    checked = imports.check(engine, data, "ctme.csv", dataset="ctme_session", username="t")
    assert not checked.ok
    assert checked.problems[0].startswith("ctme.csv, ligne 2") and "colonne inconnue « Commentaire libre »" in \
        checked.problems[0], checked.problems
