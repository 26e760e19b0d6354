"""Materialised aggregates: reused while the data version holds, recomputed after any write."""

import json

from sqlalchemy import func, select

from dashboard.core.filters import Filters
from dashboard.core.indicators import Reference, compute
from dashboard.core.referentiel import load_referentiel
from data_access.bundle import export_bundle, import_bundle, import_table_file
from data_access.db import make_engine, table, upgrade_schema


def _ctme(engine, territory="R82"):
    ref = Reference.from_engine(engine)
    return compute(engine, load_referentiel().indicator("Q4.C3.I1"), Filters(2016, 2020, territory), ref)


def _cache_rows(engine):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table("aggregate_cache"))).scalar_one()


def test_aggregates_follow_the_data_version(sample_engine, new_database_url, tmp_path):
    folder = tmp_path / "full"
    manifest = export_bundle(sample_engine, folder)
    assert "aggregate_cache" not in {e["table"] for e in manifest["tables"]}  # derived data is not exported
    keep = {"territory", "reporting_year", "institution", "cme_perimeter"}
    ref_dir = tmp_path / "ref"
    ref_dir.mkdir()
    entries = [e for e in manifest["tables"] if e["table"] in keep]
    for e in entries:
        (ref_dir / e["file"]).write_bytes((folder / e["file"]).read_bytes())
    (ref_dir / "manifest.json").write_text(json.dumps({**manifest, "tables": entries}), encoding="utf-8")
    engine = make_engine(new_database_url())
    upgrade_schema(engine)
    import_bundle(engine, ref_dir)

    assert not _ctme(engine).has_data
    stored = _cache_rows(engine)
    assert stored > 0
    # a territory view reuses the region-wide aggregate, plus one region-wide "where are the rows" entry
    assert not _ctme(engine, "CME38").has_data and _cache_rows(engine) == stored + 1
    assert not _ctme(engine, "CME42").has_data and _cache_rows(engine) == stored + 1  # shared by every territory

    f = tmp_path / "ctme_session.csv"
    f.write_text("territory_code,session_date,cases_examined\nCME38,2019-03-12,4\nCME38,2020-02-03,2\n",
                 encoding="utf-8")
    import_table_file(engine, f)  # bumps the data version
    res = _ctme(engine, "CME38")
    assert res.selection_series().set_index("year")["value"].dropna().to_dict() == {2019: 1.0, 2020: 1.0}
    engine.dispose()
