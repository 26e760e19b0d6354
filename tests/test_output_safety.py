"""Outputs opened by office software hold no live formula; exports of the store keep the accounts'
passwords out by default and are readable by their owner only."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import stat
import subprocess
import sys
import zipfile
from types import SimpleNamespace

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from dashboard.core.indicators import Reference
from dashboard.core.referentiel import load_referentiel
from dashboard.render.tables import to_csv_bytes
from dashboard.reports.bilan import build_bilan, comment_targets
from dashboard.reports.bilan_export import to_xlsx
from data_access import comments
from data_access.bundle import (
    UNUSABLE_PASSWORD,
    accounts_without_password,
    export_bundle,
    import_bundle,
    password_reset_notice,
)
from data_access.db import make_engine, table, upgrade_schema
from data_access.office import is_dangerous, neutralise, protect_workbook, safe_frame, set_safe
from data_access.users import SignInError, authenticate, load_user
from tests.conftest import ROOT

REF = load_referentiel()
FORMULAS = ['=HYPERLINK("http://127.0.0.1:9/x","clic")', "+1+2", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]
DEMO_PASSWORD = {"admin": "admin-demo-2026", "animateur38": "animateur-demo-38"}


# --- the rule -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", FORMULAS)
def test_a_text_that_could_start_a_formula_is_quoted_for_csv(value):
    assert is_dangerous(value)
    assert neutralise(value) == "'" + value


@pytest.mark.parametrize("value", ["Loire", "", " =1", "3-4", "'=déjà", 12, -3.5, None])
def test_anything_else_is_left_alone(value):
    assert neutralise(value) == value or (value != value)


def test_safe_frame_quotes_text_cells_only():
    frame = pd.DataFrame({"Catégorie": ["-10 %", "Loire", None], "Valeur": [-3.5, 2.0, None],
                          "Année": [2019, 2020, 2021],
                          "Type": pd.Categorical(["=1+1", "a", "a"]), "=Nom": ["@x", "y", "z"]})
    out = safe_frame(frame)
    assert list(out["Catégorie"].iloc[:2]) == ["'-10 %", "Loire"] and pd.isna(out["Catégorie"].iloc[2])
    assert list(out["Valeur"].iloc[:2]) == [-3.5, 2.0] and out["Valeur"].dtype == frame["Valeur"].dtype
    assert list(out["Année"]) == [2019, 2020, 2021]
    assert list(out["Type"].astype(str)) == ["'=1+1", "a", "a"]
    assert list(out.columns) == ["Catégorie", "Valeur", "Année", "Type", "'=Nom"]
    assert frame["Catégorie"].iloc[0] == "-10 %"  # the frame given is not modified


def _formula_cells(data: bytes) -> list[str]:
    """Cells stored as formulas, read back with openpyxl (data_only=False), plus a raw check of the XML."""
    wb = load_workbook(io.BytesIO(data), data_only=False)
    found = [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if c.data_type == "f"]
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        found += [n for n in z.namelist() if n.startswith("xl/worksheets/") and b"<f>" in z.read(n)]
    return found


def test_openpyxl_cells_are_written_as_text():
    wb = Workbook()
    ws = wb.active
    for i, value in enumerate(FORMULAS, start=1):
        set_safe(ws.cell(row=i, column=1), value)
        ws.cell(row=i, column=2).value = value  # written raw, protected by protect_workbook below
    ws.cell(row=1, column=3).value = -4.5
    buf = io.BytesIO()
    protect_workbook(wb)
    wb.save(buf)
    assert _formula_cells(buf.getvalue()) == []
    back = load_workbook(io.BytesIO(buf.getvalue())).active
    # text as typed (an XML parser reads a carriage return back as a line feed)
    assert [back.cell(row=i, column=1).value for i in range(1, len(FORMULAS) + 1)] == \
        [v.replace("\r", "\n") for v in FORMULAS]
    assert all(back.cell(row=i, column=1).quotePrefix for i in range(1, len(FORMULAS) + 1))
    assert back["C1"].value == -4.5 and back["C1"].data_type == "n"


# --- the outputs ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(writable_sample_url):
    url = writable_sample_url()
    engine = make_engine(url)
    yield SimpleNamespace(url=url, engine=engine)
    engine.dispose()


def test_bilan_xlsx_holds_no_formula(store):
    admin = load_user(store.engine, "admin")
    targets = comment_targets(REF)
    texts = {"Q4.C3.I1": FORMULAS[0], "Q4": "-1 CTME de moins\n=2+2", "BILAN": "@SOMME(A1)"}
    for target, text in texts.items():
        comments.add(store.engine, target=target, territory="CME42", year=2019, text=text, user=admin,
                     valid_targets=targets)
    bilan = build_bilan(store.engine, REF, Reference.from_engine(store.engine), "CME42", 2019)
    data = to_xlsx(bilan)
    assert _formula_cells(data) == []
    wb = load_workbook(io.BytesIO(data))
    sheet = wb["Commentaires"]
    header = [c.value for c in sheet[3]]
    col = header.index("Commentaire") + 1
    cells = {sheet.cell(row=r, column=col).value: sheet.cell(row=r, column=col) for r in range(4, sheet.max_row + 1)}
    for text in texts.values():
        assert cells[text].data_type == "s" and cells[text].quotePrefix, text  # the text exactly, as text
    # numbers stay numbers
    q4 = wb["Q4"]
    header = [c.value for c in q4[3]]
    values = [q4.cell(row=r, column=header.index("Valeur") + 1).value for r in range(4, q4.max_row + 1)]
    assert any(isinstance(v, (int, float)) for v in values)


def _read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def test_block_csv_quotes_labels_that_could_start_a_formula():
    frame = pd.DataFrame({"Indicateur": ["Q4.C3.I1"] * 3, "Série": ["Sélection"] * 3, "Année": [2019, 2019, 2020],
                          "Catégorie": ["-10 % de moins", "=HYPERLINK(\"http://x\")", "Loire"],
                          "Valeur": [-3.25, 4.0, 12.5]})
    rows = _read_csv(to_csv_bytes(frame))
    assert rows[0] == ["Indicateur", "Série", "Année", "Catégorie", "Valeur"]
    assert [r[3] for r in rows[1:]] == ["'-10 % de moins", "'=HYPERLINK(\"http://x\")", "Loire"]
    assert [r[4] for r in rows[1:]] == ["-3,25", "4", "12,5"]  # negative numbers are numbers, not quoted


def test_problems_csv_quotes_values_found_in_the_file(store):
    from dashboard.services.importing import context_kwargs
    from dashboard.views.imports import _problems_frame
    from data_access import intake

    data = ("CME;Date de la séance;Situations examinées;Institutions participantes\r\n"
            "CME38;14/03/2019;=1+2;CARSAT\r\n"
            "CME38;11/06/2019;@SUM(A1);CARSAT\r\n"
            "CME38;12/06/2019;-4;CARSAT\r\n").encode("utf-8")
    v = intake.validate_file(store.engine, data, "ctme_session", file_name="seances.csv", **context_kwargs())
    assert not v.ok
    found = {p.value for p in v.problems}
    assert {"=1+2", "@SUM(A1)"} <= found
    shown = _problems_frame(v)  # on screen: the values as found
    assert "=1+2" in set(shown["Valeur trouvée"])
    rows = _read_csv(_problems_frame(v, for_csv=True).to_csv(sep=";", index=False).encode("utf-8-sig"))
    column = [r[2] for r in rows[1:]]
    assert "'=1+2" in column and "'@SUM(A1)" in column
    assert not any(is_dangerous(cell) for r in rows for cell in r)


# --- exports of the store: accounts ----------------------------------------------------------


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_export_leaves_password_hashes_out_and_is_private(sample_engine, tmp_path):
    folder = tmp_path / "export"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    stale = folder / "user_account.csv"
    stale.write_text("ancien\n", encoding="utf-8")
    stale.chmod(0o644)
    manifest = export_bundle(sample_engine, folder)
    assert manifest["password_hashes"] is False
    assert _mode(folder) == 0o700
    files = sorted(folder.iterdir())
    assert len(files) == len(manifest["tables"]) + 1
    assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}
    with (folder / "user_account.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 4 and {r["password_hash"] for r in rows} == {""}
    assert "argon2" not in (folder / "user_account.csv").read_text(encoding="utf-8")
    for entry in manifest["tables"]:  # the manifest describes the files as written
        assert hashlib.sha256((folder / entry["file"]).read_bytes()).hexdigest() == entry["sha256"]
    on_disk = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == manifest


def test_a_new_directory_is_private_too(sample_engine, tmp_path):
    folder = tmp_path / "a" / "b"
    export_bundle(sample_engine, folder, password_hashes=True)
    assert _mode(folder) == 0o700 and _mode(folder / "manifest.json") == 0o600
    with (folder / "user_account.csv").open(encoding="utf-8") as f:
        assert all(r["password_hash"].startswith("$argon2id$") for r in csv.DictReader(f))


def test_a_bundle_without_hashes_reloads_with_accounts_that_cannot_sign_in(sample_engine, new_database_url,
                                                                            tmp_path, fingerprint, caplog):
    folder = tmp_path / "export"
    manifest = export_bundle(sample_engine, folder)
    engine = make_engine(new_database_url())
    upgrade_schema(engine)
    try:
        with caplog.at_level(logging.WARNING, logger="data_access.bundle"):
            counts = import_bundle(engine, folder)  # the manifest still verifies
        assert sum(counts.values()) == sum(t["rows"] for t in manifest["tables"])
        names = accounts_without_password(engine)
        assert {"admin", "animateur38", "lecteur"} <= set(names)
        assert "python -m dashboard user set NOM --mot-de-passe" in caplog.text
        assert caplog.text.count(password_reset_notice(names)) == 1
        with engine.connect() as conn:
            hashes = {h for (h,) in conn.execute(table("user_account").select().with_only_columns(
                table("user_account").c.password_hash))}
        assert hashes == {UNUSABLE_PASSWORD}
        for name, password in DEMO_PASSWORD.items():  # refused, not crashed
            with pytest.raises(SignInError, match="incorrect"):
                authenticate(engine, name, password)
            with pytest.raises(SignInError, match="incorrect"):
                authenticate(engine, name, "")
        # everything else came back as it was
        a, b = fingerprint(sample_engine), fingerprint(engine)
        for name in ("store_meta", "user_account", "login_attempt", "journal_entry"):
            a.pop(name, None), b.pop(name, None)
        assert a == b
        # an administrator sets a new password: the account signs in again
        from data_access.users import update_user

        update_user(engine, "animateur38", password="nouveau-mot-de-passe-38")
        assert authenticate(engine, "animateur38", "nouveau-mot-de-passe-38").username == "animateur38"
        assert "animateur38" not in accounts_without_password(engine)
    finally:
        engine.dispose()


def _run(*args):
    return subprocess.run([sys.executable, "-m", "dashboard", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def test_cli_export_flag_and_reload_message(sample_url, new_database_url, tmp_path):
    plain, full = tmp_path / "sans", tmp_path / "avec"
    result = _run("--database-url", sample_url, "export", plain)
    assert result.returncode == 0, result.stderr
    assert "sans leur mot de passe" in result.stdout and "user set NOM --mot-de-passe" in result.stdout
    assert "empreintes" not in result.stderr
    assert _mode(plain) == 0o700 and {_mode(p) for p in plain.iterdir()} == {0o600}
    with (plain / "user_account.csv").open(encoding="utf-8") as f:
        assert {r["password_hash"] for r in csv.DictReader(f)} == {""}

    result = _run("--database-url", sample_url, "export", full, "--avec-mots-de-passe")
    assert result.returncode == 0, result.stderr
    assert "Attention" in result.stderr and "empreintes des mots de passe" in result.stderr
    assert _mode(full) == 0o700 and {_mode(p) for p in full.iterdir()} == {0o600}
    with (full / "user_account.csv").open(encoding="utf-8") as f:
        assert all(r["password_hash"].startswith("$argon2id$") for r in csv.DictReader(f))

    result = _run("--database-url", new_database_url(), "import", plain)
    assert result.returncode == 0, result.stderr
    assert "Export rechargé" in result.stdout
    assert "python -m dashboard user set NOM --mot-de-passe" in result.stderr
    assert "Traceback" not in result.stderr
