"""The importer against a corpus of partner files (``tests/data/intake/``, written by
``make_corpus.py``): every accepted way of writing a file imports, and imports only once; every
refused file is refused with French sentences naming the line, and leaves the data untouched.

Most files go through :func:`intake.validate_file` and through the command line run in-process
(``dashboard.cli.main``: same code, no interpreter start-up); a representative few through a real
``python -m dashboard`` subprocess. The aggregate warm-up that follows a changing import is
switched off in-process (it is a cache, irrelevant here, and costs seconds).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from types import SimpleNamespace

import pandas as pd
import pytest
from sqlalchemy import text

from dashboard.services.importing import context_kwargs
from data_access import intake
from data_access.dataset_files import dataset_frame, to_csv_bytes, to_xlsx_bytes
from data_access.datasets import DATASETS, normalise_header
from data_access.db import make_engine
from data_access.settings import get_settings
from data_access.tabular import RawTable
from data_access.wording import count
from tests.conftest import (
    ROOT,
    data_fingerprint,
    dispose_cached_engine,
    journal_outcomes,
    store_fingerprint,
)

CORPUS = ROOT / "tests" / "data" / "intake"
GOOD, BAD = CORPUS / "good", CORPUS / "bad"


# --- helpers and fixtures ------------------------------------------------------------------------


def run_cli(*args, env_extra: dict | None = None):
    """``python -m dashboard …`` in a subprocess."""
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "dashboard", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)


def _open(url: str) -> SimpleNamespace:
    return SimpleNamespace(url=url, engine=make_engine(url))


def _close(store: SimpleNamespace) -> None:
    store.engine.dispose()
    dispose_cached_engine(store.url)


@pytest.fixture
def store(writable_sample_url):
    """A fresh writable copy of the sample, for a test that writes."""
    s = _open(writable_sample_url())
    yield s
    _close(s)


@pytest.fixture(scope="module")
def refusal_store(writable_sample_url):
    """One writable copy of the sample shared by the refusal tests: none of them may change its data
    (``initial`` is its data fingerprint before any of them ran)."""
    s = _open(writable_sample_url())
    s.initial = data_fingerprint(s.engine)
    yield s
    _close(s)


def assert_french_refusal(stderr: str) -> None:
    assert "Traceback" not in stderr and "Erreur inattendue" not in stderr, stderr
    assert "Import refusé, la base n'a pas été modifiée" in stderr, stderr


def names_line(text: str, line: int) -> bool:
    return f"ligne {line} :" in text or f"ligne {line}," in text


# --- the corpus ------------------------------------------------------------------------------------


def _load_make_corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_corpus_on_disk_is_what_make_corpus_writes():
    corpus = _load_make_corpus().corpus()
    assert corpus == _load_make_corpus().corpus(), "make_corpus.py is not deterministic"
    stale = [rel for rel, data in corpus.items() if not (CORPUS / rel).exists() or (CORPUS / rel).read_bytes() != data]
    assert not stale, (f"run python tests/data/intake/make_corpus.py, and check that git tracks tests/data/ "
                       f"(the .gitignore rule data/ matches it too) (stale: {stale})")
    on_disk = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file()
               and p.name != "make_corpus.py" and "__pycache__" not in p.parts}
    assert on_disk == set(corpus), "files in tests/data/intake/ that make_corpus.py does not write"


# --- bad files -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bad:
    file: str
    expected: tuple[str, ...]       # fragments of the French messages
    lines: tuple[int, ...] = ()     # the lines named by the problems, in order (with repeats)
    dataset: str | None = None      # given explicitly (None: recognised from the headers)
    unreadable: bool = False        # refused before the dataset is known (IntakeError)

    def __str__(self) -> str:
        return self.file


BAD_CASES = [
    Bad("unknown_column.csv", ("colonne inconnue « Commentaire »", "colonnes attendues : CME, Date de la séance"),
        (1,), dataset="ctme_session"),
    Bad("missing_required_column.csv", ("colonne obligatoire « Situations examinées » absente",), (1,),
        dataset="ctme_session"),
    Bad("text_in_number.csv", ("colonne « Situations examinées » : valeur « quatre »", "un nombre entier"), (3,)),
    Bad("bad_date.csv", ("valeur « 31/02/2019 »", "valeur « 2019-13-05 »", "une date JJ/MM/AAAA"), (2, 4)),
    Bad("unknown_territory.csv", ("colonne « CME » : valeur « CME99 »", "territoire inconnu"), (3,)),
    Bad("unknown_institution.csv", ("valeur « CARSAT|ACME »", "« ACME » est inconnu"), (2,)),
    Bad("negative_count.csv", ("valeur « -2 »", "un nombre positif ou nul"), (4,)),
    Bad("share_over_100.csv", ("colonne « Valeur »", "une part en % comprise entre 0 et 100 pour l'indicateur Q6.C1.I3"),
        (3,)),
    Bad("date_before_charter.csv", ("valeur « 15/05/2012 »", "une date de la période de la charte (01/01/2015"),
        (2,)),
    Bad("date_in_future.csv", ("valeur « 01/02/2099 »", "dans le futur"), (3,)),
    Bad("duplicate_rows.csv", ("ligne en double", "Date de la séance = 14/03/2019", "que la ligne 2"), (5,)),
    Bad("header_only.csv", ("aucune ligne de données sous l'en-tête",)),
    Bad("several_problems.csv", ("valeur « CME99 »", "valeur « 32/06/2019 »", "valeur « -5 »",
                                 "« ACME » est inconnu", "ligne en double"), (3, 5, 6, 6, 8)),
    Bad("empty.csv", ("empty.csv : le fichier est vide",), unreadable=True),
    Bad("pdf_renamed.csv", ("pdf_renamed.csv : ce fichier est un document PDF, pas un tableau",), unreadable=True),
    Bad("html_error_page.csv", ("html_error_page.csv : ce fichier est une page web (HTML)", "page d'erreur"),
        unreadable=True),
    Bad("binary_garbage.csv", ("binary_garbage.csv : ce fichier est un fichier binaire",), unreadable=True),
    Bad("excel_97_2003.xls", ("Excel 97-2003 (.xls), qui n'est pas pris en charge",), unreadable=True),
    Bad("corrupt.xlsx", ("corrupt.xlsx : ce fichier n'est pas un classeur XLSX lisible",), unreadable=True),
]


def test_every_bad_file_of_the_corpus_has_a_case():
    assert {c.file for c in BAD_CASES} == {p.name for p in BAD.iterdir()}


@pytest.mark.parametrize("case", BAD_CASES, ids=str)
def test_bad_file_is_refused_with_every_problem_in_french(case, sample_engine):
    path = BAD / case.file
    if case.unreadable:
        with pytest.raises(intake.IntakeError) as exc:
            intake.validate_file(sample_engine, path, case.dataset, **context_kwargs())
        text = "\n".join(exc.value.problems)
    else:
        v = intake.validate_file(sample_engine, path, case.dataset, **context_kwargs())
        assert not v.ok and v.problems
        if case.dataset is None:
            assert v.dataset.name in ("ctme_session", "indicator_value")  # recognised from the headers
        assert [p.line for p in v.problems if p.line is not None] == list(case.lines)
        text = "\n".join(v.messages())
        assert all(m.startswith(case.file) for m in v.messages())
        for line in case.lines:
            assert names_line(text, line), text
    for fragment in case.expected:
        assert fragment in text, text


def test_several_problems_are_all_reported_and_the_valid_lines_kept_apart(sample_engine):
    v = intake.validate_file(sample_engine, BAD / "several_problems.csv", **context_kwargs())
    assert len(v.problems) == 5                      # not only the first one
    assert v.lines == [2, 4, 7]                      # the valid lines, which are not written either
    columns = [(p.line, p.column) for p in v.problems]
    assert columns == [(3, "CME"), (5, "Date de la séance"), (6, "Situations examinées"),
                       (6, "Institutions participantes"), (8, None)]


@pytest.mark.parametrize("case", BAD_CASES, ids=str)
def test_cli_refuses_bad_file_and_journals_the_rejection(case, refusal_store, cli):
    s = refusal_store
    journal = journal_outcomes(s.engine)
    args = ["--database-url", s.url, "import", BAD / case.file] + (["--dataset", case.dataset] if case.dataset else [])
    result = cli(*args)
    assert result.returncode == 1, result.stderr
    assert_french_refusal(result.stderr)
    for fragment in case.expected:
        assert fragment in result.stderr
    for line in case.lines:
        assert names_line(result.stderr, line), result.stderr
    assert data_fingerprint(s.engine) == s.initial
    assert journal_outcomes(s.engine) == journal + ["rejete"]


def test_dry_run_of_a_bad_file_does_not_even_journal(refusal_store, cli):
    s = refusal_store
    before = store_fingerprint(s.engine)
    result = cli("--database-url", s.url, "import", BAD / "several_problems.csv", "--dry-run")
    assert result.returncode == 1
    assert_french_refusal(result.stderr)
    assert store_fingerprint(s.engine) == before


def _big_file(tmp_path, megabytes: float):
    path = tmp_path / "ctme_trop_gros.csv"
    line = "CME38;14/03/2019;4;CARSAT|SAMETH38|AT-CME38\r\n"
    count = int(megabytes * 1024 * 1024 / len(line)) + 1
    path.write_text("CME;Date de la séance;Situations examinées;Institutions participantes\r\n" + line * count,
                    encoding="utf-8")
    return path


def test_file_over_the_size_limit_is_refused(tmp_path, monkeypatch, sample_engine):
    path = _big_file(tmp_path, 0.7)
    monkeypatch.setenv("MAINTIEN_IMPORT_MAX_MB", "0.5")
    get_settings.cache_clear()
    try:
        with pytest.raises(intake.IntakeError) as exc:
            intake.validate_file(sample_engine, path)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert exc.value.problems == ["ctme_trop_gros.csv : le fichier fait 0,7 Mo, au-delà de la limite de 0,5 Mo "
                                  "(MAINTIEN_IMPORT_MAX_MB). Découpez-le par année ou par territoire."]
    # Under the default limit the same file is read (and refused for its duplicate lines only).
    v = intake.validate_file(sample_engine, path)
    assert v.problems and all("ligne en double" in p.message for p in v.problems)


# A representative few through a real process: exit code, French, no traceback, data untouched.
SUBPROCESS_CASES = {
    "several_problems.csv": (1, ["ligne 3,", "ligne 5,", "ligne 6,", "ligne 8 :", "(5 problèmes)"]),
    "pdf_renamed.csv": (1, ["ce fichier est un document PDF"]),
    # Without --dataset, an unknown column makes the dataset impossible to tell: a usage error.
    "unknown_column.csv": (2, ["impossible de savoir quel jeu de données", "Précisez-le",
                               "jeux les plus proches : ctme_session"]),
}


@pytest.mark.parametrize("name", list(SUBPROCESS_CASES))
def test_cli_subprocess_refuses_bad_file(name, refusal_store):
    s = refusal_store
    code, fragments = SUBPROCESS_CASES[name]
    journal = journal_outcomes(s.engine)
    result = run_cli("--database-url", s.url, "import", BAD / name)
    assert result.returncode == code, result.stderr
    assert_french_refusal(result.stderr)
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
    assert data_fingerprint(s.engine) == s.initial
    assert journal_outcomes(s.engine) == journal + ["rejete"]


def test_cli_subprocess_refuses_a_file_over_the_size_limit(refusal_store, tmp_path):
    s = refusal_store
    journal = journal_outcomes(s.engine)
    result = run_cli("--database-url", s.url, "import", _big_file(tmp_path, 0.7),
                     env_extra={"MAINTIEN_IMPORT_MAX_MB": "0.5"})
    assert result.returncode == 1
    assert_french_refusal(result.stderr)
    assert "au-delà de la limite de 0,5 Mo" in result.stderr
    assert data_fingerprint(s.engine) == s.initial
    assert journal_outcomes(s.engine) == journal + ["rejete"]


def test_unknown_dataset_is_a_usage_error(refusal_store, cli):
    s = refusal_store
    before = store_fingerprint(s.engine)
    result = cli("--database-url", s.url, "import", GOOD / "ctme_utf8_bom_semicolon.csv", "--dataset", "ctme")
    assert result.returncode == 2
    assert "jeu de données inconnu « ctme »" in result.stderr and "ctme_session" in result.stderr
    assert store_fingerprint(s.engine) == before


# --- good files ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Good:
    file: str
    dataset: str
    source: str

    def __str__(self) -> str:
        return self.file


GOOD_CASES = [
    Good("ctme_utf8_bom_semicolon.csv", "ctme_session", "CSV UTF-8 avec BOM, séparateur point-virgule"),
    Good("ctme_utf8_comma.csv", "ctme_session", "CSV UTF-8, séparateur virgule"),
    Good("ctme_cp1252_semicolon.csv", "ctme_session", "CSV Windows-1252, séparateur point-virgule"),
    Good("ctme_tab.csv", "ctme_session", "CSV UTF-8, séparateur tabulation"),
    Good("ctme.xlsx", "ctme_session", "classeur XLSX"),
    Good("ctme_header_variants.csv", "ctme_session", "CSV UTF-8 avec BOM, séparateur point-virgule"),
    Good("indicator_decimal_comma.csv", "indicator_value", "CSV UTF-8 avec BOM, séparateur point-virgule"),
    Good("indicator_decimal_point.csv", "indicator_value", "CSV UTF-8, séparateur virgule"),
    Good("ise_call_departements.csv", "ise_call", "CSV UTF-8 avec BOM, séparateur point-virgule"),
]

CTME_ROWS = [
    {"territory_code": "CME38", "session_date": dt.date(2019, 3, 14), "cases_examined": 4, "session_format": "ctme",
     "participants": ("AT-CME38", "CARSAT", "SAMETH38")},
    {"territory_code": "CME38", "session_date": dt.date(2019, 6, 11), "cases_examined": 6, "session_format": "ctme",
     "participants": ("AGEFIPH", "CAPEMPLOI38")},
    {"territory_code": "CME38", "session_date": dt.date(2019, 10, 8), "cases_examined": 5, "session_format": "ctme",
     "participants": ("CARSAT", "MDPH38", "SST38")},
]
INDICATOR_ROWS = [
    # (indicator, territory, value, numerator, denominator, estimate); all AGEFIPH 2019
    ("Q6.C1.I1", "01", 1288.0, None, None, False),
    ("Q6.C1.I2", "01", 962.0, None, None, False),
    ("Q6.C1.I3", "01", 74.7, 962.0, 1288.0, False),
    ("Q6.C1.I1", "38", 2410.0, None, None, True),
    ("Q6.C1.I2", "38", 1705.5, None, None, True),
    ("Q6.C1.I3", "38", 70.75, 1705.5, 2410.0, True),
]


def test_every_good_file_of_the_corpus_has_a_case():
    assert {c.file for c in GOOD_CASES} == {p.name for p in GOOD.iterdir()}


@pytest.mark.parametrize("case", GOOD_CASES, ids=str)
def test_good_file_is_read_and_recognised(case, sample_engine):
    v = intake.validate_file(sample_engine, GOOD / case.file, **context_kwargs())
    assert v.messages() == []
    assert v.dataset.name == case.dataset          # recognised from the headers
    assert v.source == case.source
    assert v.ok and v.lines == list(range(2, 2 + len(v.rows)))


@pytest.mark.parametrize("case", [c for c in GOOD_CASES if c.dataset == "ctme_session"], ids=str)
def test_every_ctme_variant_reads_the_same_sessions(case, sample_engine):
    v = intake.validate_file(sample_engine, GOOD / case.file)
    assert v.rows == CTME_ROWS


@pytest.mark.parametrize("case", [c for c in GOOD_CASES if c.dataset == "indicator_value"], ids=str)
def test_decimal_comma_and_decimal_point_read_the_same_values(case, sample_engine):
    v = intake.validate_file(sample_engine, GOOD / case.file, **context_kwargs())
    got = [(r["indicator_id"], r["territory_code"], r["value"], r["numerator"], r["denominator"], r["is_estimate"])
           for r in v.rows]
    assert got == INDICATOR_ROWS
    assert {(r["year"], r["source"]) for r in v.rows} == {(2019, "agefiph")}


def test_departements_without_leading_zero_both_date_formats_and_typographic_apostrophes(sample_engine):
    # the headers are written "Référence de l’appel", "Date de l’appel"… (’, not ')
    v = intake.validate_file(sample_engine, GOOD / "ise_call_departements.csv")
    assert [(r["call_ref"], r["territory_code"], r["call_date"]) for r in v.rows] == [
        ("ISE-2019-900001", "01", dt.date(2019, 2, 4)),
        ("ISE-2019-900002", "07", dt.date(2019, 2, 5)),
        ("ISE-2019-900003", "38", dt.date(2019, 3, 6)),
        ("ISE-2019-900004", "01", dt.date(2019, 3, 7)),
    ]
    # labels are accepted for codes, and an empty optional cell takes the default
    assert [r["caller_category"] for r in v.rows] == ["salarie", "entreprise", "salarie", "proche"]
    assert [r["question_type"] for r in v.rows][2:] == ["invalidite", "droits_arret"]   # "l’arrêt": typographic
    assert [r["orientation"] for r in v.rows][2] == "information_seule"
    assert [r["on_sick_leave"] for r in v.rows] == [True, None, False, True]
    assert all(r["regime"] == "inconnu" for r in v.rows)


@pytest.mark.parametrize("case", GOOD_CASES, ids=str)
def test_good_file_imports_once_then_changes_nothing(case, store, cli):
    first = cli("--database-url", store.url, "import", GOOD / case.file, "--confirmer-suppressions")
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    assert f"({case.dataset})" in first.stdout and "Import terminé" in first.stdout
    assert "Aucun changement" not in first.stdout
    after_first = data_fingerprint(store.engine)
    second = cli("--database-url", store.url, "import", GOOD / case.file)
    assert second.returncode == 0, second.stderr
    assert "Import terminé : Aucun changement" in second.stdout
    assert data_fingerprint(store.engine) == after_first
    assert journal_outcomes(store.engine)[-2:] == ["applique", "sans_changement"]


def test_ctme_variants_are_interchangeable(store, cli):
    """Once one variant is imported, every other one finds nothing to change."""
    first = cli("--database-url", store.url, "import", GOOD / "ctme_utf8_bom_semicolon.csv", "--confirmer-suppressions")
    assert first.returncode == 0, first.stderr
    fp = data_fingerprint(store.engine)
    for case in GOOD_CASES:
        if case.dataset == "ctme_session" and case.file != "ctme_utf8_bom_semicolon.csv":
            result = cli("--database-url", store.url, "import", GOOD / case.file)
            assert result.returncode == 0 and "Aucun changement" in result.stdout, (case, result.stdout)
    assert data_fingerprint(store.engine) == fp
    ds = DATASETS["ctme_session"]
    with store.engine.connect() as conn:
        stored = dataset_frame(conn, ds, years=[2019], territories=["CME38"])
    assert stored.to_dict("records") == CTME_ROWS     # the file replaced CME38's 2019 sessions


def test_cli_subprocess_imports_a_good_file_then_changes_nothing(store):
    v = intake.validate_file(store.engine, GOOD / "ctme.xlsx")
    with store.engine.connect() as conn:
        expected = intake.preview(conn, v)
    assert expected.changes
    first = run_cli("--database-url", store.url, "import", GOOD / "ctme.xlsx", "--partenaire", "AT-CME38",
                    "--confirmer-suppressions")
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    assert f"Import terminé : {count(len(expected.added), 'ligne ajoutée')}, " \
           f"{count(len(expected.updated), 'modifiée')}, {count(len(expected.removed), 'supprimée')}." in first.stdout
    with store.engine.connect() as conn:  # the partner's delivery is recorded for the completeness page
        delivered = conn.execute(text("SELECT rows FROM data_delivery WHERE institution_code = 'AT-CME38' "
                                      "AND dataset = 'ctme_session' AND year = 2019")).scalar()
    assert delivered == 3
    # the second run in-process (a second process would only add start-up time)
    with store.engine.connect() as conn:
        again = intake.preview(conn, intake.validate_file(store.engine, GOOD / "ctme.xlsx"))
    assert again.changes == 0 and again.unchanged == 3


def test_dry_run_writes_nothing(store, cli):
    before = store_fingerprint(store.engine)
    result = cli("--database-url", store.url, "import", GOOD / "ctme_utf8_bom_semicolon.csv", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert re.search(r"\d+ lignes? ajoutées?", result.stdout) and "rien n'a été écrit" in result.stdout
    assert store_fingerprint(store.engine) == before          # not even the journal


@pytest.mark.parametrize("name", list(DATASETS))
def test_dataset_is_recognised_from_its_headers(name):
    ds = DATASETS[name]
    every = RawTable("f.csv", [f.header for f in ds.fields], [], [], "CSV")
    assert intake.detect_dataset(every)[0] == name
    required = RawTable("f.csv", [f.header.upper() for f in ds.fields if f.required], [], [], "CSV")
    assert intake.detect_dataset(required)[0] == name


# --- replacement, staleness ------------------------------------------------------------------------


def _sessions(engine, **filters) -> list[dict]:
    with engine.connect() as conn:
        frame = dataset_frame(conn, DATASETS["ctme_session"], **filters)
    return sorted(frame.to_dict("records"), key=lambda r: (r["territory_code"], r["session_date"]))


def test_a_file_replaces_its_cme_and_year_only(store):
    ds = DATASETS["ctme_session"]
    engine = store.engine
    everything = _sessions(engine)
    before = _sessions(engine, years=[2018], territories=["CME38"])
    assert len(before) >= 3
    edited = [dict(r) for r in before]
    edited[0]["cases_examined"] += 10                                   # one value changed
    dropped = edited.pop()                                              # one row dropped
    new = {"territory_code": "CME38", "session_date": dt.date(2018, 12, 21), "cases_examined": 3, "session_format": "ctme",
           "participants": ("CARSAT", "SAMETH38")}                      # one row added
    assert new["session_date"] not in {r["session_date"] for r in before}
    edited.append(new)
    data = to_csv_bytes(pd.DataFrame(edited, columns=[f.name for f in ds.fields]), ds)
    v = intake.validate_file(engine, data, file_name="ctme_cme38_2018.csv")
    assert v.dataset.name == "ctme_session" and v.messages() == []
    with engine.connect() as conn:
        pv = intake.preview(conn, v)
    assert (len(pv.added), len(pv.updated), len(pv.removed), pv.unchanged) == (1, 1, 1, len(before) - 2)
    assert pv.by_year.to_dict("records") == [{"Année": 2018, "ajoutées": 1, "modifiées": 1, "supprimées": 1,
                                              "inchangées": len(before) - 2}]
    assert len(before) > 1
    assert pv.replaced == [f"2018 — CME CME38 : {len(before)} lignes déjà en base seront remplacées par celles "
                           "du fichier"]
    assert pv.removed[0]["session_date"] == dropped["session_date"]
    outcome = intake.apply(engine, pv, username="test")
    assert (outcome.added, outcome.updated, outcome.removed) == (1, 1, 1)
    after = _sessions(engine, years=[2018], territories=["CME38"])
    assert after == sorted(edited, key=lambda r: r["session_date"])
    untouched = [r for r in everything if not (r["territory_code"] == "CME38" and r["session_date"].year == 2018)]
    assert [r for r in _sessions(engine)
            if not (r["territory_code"] == "CME38" and r["session_date"].year == 2018)] == untouched
    # and the same file again changes nothing
    with engine.connect() as conn:
        again = intake.preview(conn, intake.validate_file(engine, data, file_name="ctme_cme38_2018.csv"))
    assert again.changes == 0 and again.unchanged == len(edited)


def test_apply_rechecks_the_preview_when_the_store_changed_since(store):
    """Another write since the preview: the preview is computed again under the write lock; the
    import goes on only if it makes exactly the changes the user saw."""
    from data_access.records import save_record
    from data_access.users import load_user

    engine = store.engine
    admin = load_user(engine, "admin")
    v = intake.validate_file(engine, GOOD / "ctme_utf8_bom_semicolon.csv")
    with engine.connect() as conn:
        pv = intake.preview(conn, v)
    # meanwhile, someone saves a session of another CME: the file's changes are the same, it goes through
    save_record(engine, "ctme_session", {"territory_code": "CME42", "session_date": dt.date(2019, 12, 2),
                                         "cases_examined": 2, "participants": ()}, admin)
    outcome = intake.apply(engine, pv, username="test")
    assert (outcome.added, outcome.updated, outcome.removed) == (len(pv.added), len(pv.updated), len(pv.removed))
    # now a preview, then a session saved in the very scope the file replaces (CME38, 2019)
    with engine.connect() as conn:
        pv = intake.preview(conn, v)
    assert pv.changes == 0
    save_record(engine, "ctme_session", {"territory_code": "CME38", "session_date": dt.date(2019, 12, 3),
                                         "cases_examined": 1, "participants": ()}, admin)
    fp = data_fingerprint(engine)
    with pytest.raises(intake.StaleData, match="relancez la vérification du fichier"):
        intake.apply(engine, pv, username="test")
    assert data_fingerprint(engine) == fp
    with engine.connect() as conn:  # checked again, it goes through (and removes the new session)
        outcome = intake.apply(engine, intake.preview(conn, v), username="test")
    assert outcome.removed == 1


@pytest.mark.parametrize("name", list(DATASETS))
def test_exported_files_reimport_without_any_change(name, sample_engine):
    """A dataset written as a partner would (dataset_files) reads back as exactly what is stored."""
    ds = DATASETS[name]
    territories = ["01"] if name in ("ise_call", "retention_case") else None   # keep it small
    years = [2019] if ds.replaces else None   # instances and plans: every year (few rows)
    with sample_engine.connect() as conn:
        frame = dataset_frame(conn, ds, years=years, territories=territories)
    assert not frame.empty
    files = {"csv-semicolon": to_csv_bytes(frame, ds),
             "csv-comma": to_csv_bytes(frame, ds, sep=",", encoding="utf-8"),
             "xlsx": to_xlsx_bytes(frame, ds)}
    for kind, data in files.items():
        v = intake.validate_file(sample_engine, data, file_name=f"{name}.{kind}", **context_kwargs())
        assert v.dataset.name == name and v.messages() == [], kind
        with sample_engine.connect() as conn:
            pv = intake.preview(conn, v)
        assert pv.changes == 0 and pv.unchanged == len(frame), kind


# --- keys already stored elsewhere -----------------------------------------------------------------


def test_a_key_stored_outside_the_replaced_part_is_a_french_problem(store, cli, tmp_path):
    """An ISE call reference is unique across the whole table: a 2019 file for 01 carrying the
    reference of a 2016 call of 38 cannot write it (that row is outside the part the file replaces)."""
    engine = store.engine
    with engine.connect() as conn:
        taken = dataset_frame(conn, DATASETS["ise_call"], years=[2016], territories=["38"], limit=1)
    ref = taken.loc[0, "call_ref"]
    path = tmp_path / "ise_01_2019.csv"
    path.write_bytes(
        ("Référence de l'appel;Date de l'appel;Département;Catégorie d'appelant;Type de question;Orientation\r\n"
         "ISE-2019-900101;12/03/2019;1;salarie;rqth;mdph\r\n"
         f"{ref};13/03/2019;1;salarie;rqth;mdph\r\n").encode("utf-8"))
    v = intake.validate_file(engine, path)
    assert not v.ok
    assert [p.line for p in v.problems] == [3]
    message = v.messages()[0]
    assert message.startswith("ise_01_2019.csv, ligne 3") and ref in message and "2016" in message, message
    fp = data_fingerprint(engine)
    result = cli("--database-url", store.url, "import", path)
    assert result.returncode == 1
    assert_french_refusal(result.stderr)
    assert "ligne 3" in result.stderr
    assert data_fingerprint(engine) == fp
    assert journal_outcomes(engine)[-1] == "rejete"


def test_a_value_already_sent_by_another_source_is_a_french_problem(store):
    """indicator_value replaces by source: a value of an indicator, territory and year that another
    source sent is outside the part the file replaces."""
    engine = store.engine
    with engine.connect() as conn:
        rsi = dataset_frame(conn, DATASETS["indicator_value"], years=[2019])
    row = rsi[rsi["source"] == "rsi"].iloc[0]
    data = ("Indicateur;Territoire;Année;Valeur;Source\r\n"
            f"{row['indicator_id']};{row['territory_code']};2019;12;msa\r\n").encode("utf-8")
    v = intake.validate_file(engine, data, file_name="msa_2019.csv", **context_kwargs())
    assert [p.line for p in v.problems] == [2]
    assert "existe déjà en base pour 2019, Territoire 01, Source rsi" in v.messages()[0], v.messages()


# --- cell parsing (pure) ---------------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [
    ("1 234,5", 1234.5), ("1\u00a0234,5", 1234.5), ("1\u202f234,5", 1234.5), ("1234.5", 1234.5),
    ("12,0", 12.0), ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("-3", -3.0), ("74,7 %", 74.7), ("0", 0.0),
])
def test_parse_number(text, value):
    assert intake.parse_number(text) == value


@pytest.mark.parametrize("text", ["abc", "", "12,3,4", "nan", "inf", "1 234,5 €"])
def test_parse_number_refuses(text):
    with pytest.raises(ValueError):
        intake.parse_number(text)


@pytest.mark.parametrize("text, value", [
    ("23/11/2018", dt.date(2018, 11, 23)), ("3/2/2019", dt.date(2019, 2, 3)), ("03.02.2019", dt.date(2019, 2, 3)),
    ("2018-11-23", dt.date(2018, 11, 23)), ("2018-11-23 00:00:00", dt.date(2018, 11, 23)),
    ("2018-11-23T00:00", dt.date(2018, 11, 23)),
])
def test_parse_date(text, value):
    assert intake.parse_date(text) == value


@pytest.mark.parametrize("text", ["31/02/2019", "2019-13-05", "11/23/2018", "2018/11/23", "23/11/18", "hier",
                                  "2018-11-23 14:30:00"])
def test_parse_date_refuses(text):
    with pytest.raises(ValueError):
        intake.parse_date(text)


@pytest.mark.parametrize("variant", ["Date de la séance", "DATE DE LA SEANCE", "  date   de la séance ",
                                     "date_de_la_seance", "Date-de-la-Séance", "date de la séance\u00a0"])
def test_header_normalisation(variant):
    assert normalise_header(variant) == "date de la seance"


def test_header_normalisation_of_apostrophes_and_punctuation():
    assert normalise_header("Référence de l'appel") == normalise_header("REFERENCE DE L’APPEL") \
        == normalise_header("reference_de_l_appel") == "reference de l appel"
    assert normalise_header("Dont orientées par INFO SANTE EMPLOI") == "dont orientees par info sante emploi"
