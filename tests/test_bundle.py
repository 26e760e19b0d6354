"""Export → import into an empty store round-trips; bad bundles and files write nothing."""

import filecmp
import json

import pytest

from data_access.bundle import BundleError, export_bundle, import_bundle, import_table_file
from data_access.db import make_engine, upgrade_schema


def _csv_lines_without_version(path):
    return [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith(("data_version,", "updated_at,"))]


def test_round_trip_loses_nothing(sample_engine, empty_engine, tmp_path, fingerprint):
    first, second = tmp_path / "a", tmp_path / "b"
    manifest = export_bundle(sample_engine, first, password_hashes=True)  # an exact copy, accounts included
    assert sum(t["rows"] for t in manifest["tables"]) > 10_000
    counts = import_bundle(empty_engine, first)
    assert sum(counts.values()) == sum(t["rows"] for t in manifest["tables"])
    export_bundle(empty_engine, second, password_hashes=True)
    for entry in manifest["tables"]:
        name = entry["file"]
        if name == "store_meta.csv":  # the import bumps the data version, on purpose
            assert _csv_lines_without_version(first / name) == _csv_lines_without_version(second / name)
        else:
            assert filecmp.cmp(first / name, second / name, shallow=False), name
    a, b = fingerprint(sample_engine), fingerprint(empty_engine)
    a.pop("store_meta"), b.pop("store_meta")
    assert a == b


def test_bundle_into_non_empty_store_is_refused(sample_engine, tmp_path, fingerprint):
    export_bundle(sample_engine, tmp_path / "x")
    before = fingerprint(sample_engine)
    with pytest.raises(BundleError, match="pas vide"):
        import_bundle(sample_engine, tmp_path / "x")
    assert fingerprint(sample_engine) == before


def test_tampered_bundle_writes_nothing(sample_engine, empty_engine, tmp_path, fingerprint):
    folder = tmp_path / "bundle"
    export_bundle(sample_engine, folder)
    path = folder / "ctme_session.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("cases_examined")] = "beaucoup"
    lines[1] = ",".join(row)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = fingerprint(empty_engine)
    with pytest.raises(BundleError) as err:
        import_bundle(empty_engine, folder)
    text = "\n".join(err.value.problems)
    assert "ctme_session.csv, ligne 2, colonne « cases_examined »" in text
    assert "« beaucoup » n'est pas un nombre entier" in text
    assert "empreinte" in text  # the checksum no longer matches either
    assert fingerprint(empty_engine) == before


def test_missing_manifest(empty_engine, tmp_path):
    with pytest.raises(BundleError, match="manifest.json"):
        import_bundle(empty_engine, tmp_path)


def test_single_table_file_all_or_nothing(new_database_url, sample_engine, tmp_path, fingerprint):
    # a store with the reference data only, then one table file appended
    folder = tmp_path / "full"
    manifest = export_bundle(sample_engine, folder)
    engine = make_engine(new_database_url())
    upgrade_schema(engine)
    ref_only = tmp_path / "ref"
    ref_only.mkdir()
    keep = {"territory", "reporting_year", "institution", "cme_perimeter"}
    entries = [e for e in manifest["tables"] if e["table"] in keep]
    for e in entries:
        (ref_only / e["file"]).write_bytes((folder / e["file"]).read_bytes())
    (ref_only / "manifest.json").write_text(json.dumps({**manifest, "tables": entries}), encoding="utf-8")
    import_bundle(engine, ref_only)

    good = tmp_path / "ctme_session.csv"
    good.write_text("territory_code,session_date,cases_examined\nCME38,2019-03-12,4\nCME69,2019-04-02,3\n",
                    encoding="utf-8")
    assert import_table_file(engine, good) == 2

    bad = tmp_path / "ctme_session_bad.csv"
    bad.write_text("territory_code,session_date,cases_examined\nCME38,2019-05-12,4\nCME99,2019-06-02,3\n",
                   encoding="utf-8")
    before = fingerprint(engine)
    with pytest.raises(BundleError, match="référence"):
        import_table_file(engine, bad, "ctme_session")
    assert fingerprint(engine) == before  # the first, valid row was not written either

    wrong_type = tmp_path / "ctme_session_dates.csv"
    wrong_type.write_text("territory_code,session_date,cases_examined\nCME38,12/05/2019,4\n", encoding="utf-8")
    with pytest.raises(BundleError, match="ligne 2, colonne « session_date »"):
        import_table_file(engine, wrong_type, "ctme_session")
    assert fingerprint(engine) == before
    engine.dispose()


def test_unknown_table_name(empty_engine, tmp_path):
    f = tmp_path / "inconnu.csv"
    f.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(BundleError, match="impossible de savoir quelle table"):
        import_table_file(empty_engine, f)
