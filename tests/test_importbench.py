"""The validating importer's benchmark (`python -m dashboard bench --importeur`,
dashboard/tools/importbench.py): the partner files it makes, and one measured import into a new store
on the test backend."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from dashboard.tools import importbench
from tests.conftest import BACKEND, ROOT


@pytest.mark.parametrize("dataset", importbench.DATASETS)
def test_a_partner_file_repeats_the_example_with_new_references(dataset):
    example = (ROOT / "sample_data" / "examples" / f"{dataset}.csv").read_text(encoding="utf-8-sig")
    header = example.splitlines()[0].split(";")
    data, name = importbench.partner_file(dataset, 30, "csv", stamp="7")
    assert name == f"{dataset}-30.csv" and data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == header and len(rows) == 31
    assert len({r[0] for r in rows[1:]}) == 30                       # every reference new
    dept = header.index("Département")
    assert [r[dept] for r in rows[1:9]] == list(importbench.DEPARTEMENTS)   # the region's eight départements
    xlsx, _ = importbench.partner_file(dataset, 30, "xlsx", stamp="7")
    sheet = load_workbook(io.BytesIO(xlsx), read_only=True).active
    cells = [["" if v is None else str(v) for v in r] for r in sheet.iter_rows(values_only=True)]
    assert cells == rows


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_one_measured_import_writes_every_row(new_database_url, fmt):
    """Through the import service into a new store made like ``init`` (on PostgreSQL: a new database on
    the test server, dropped afterwards); ``measure`` fails unless every row was added."""
    url = new_database_url()
    result = importbench.measure(url, "retention_case", 120, fmt)
    assert result.rows == 120 and result.check > 0 and result.confirm > 0
    assert result.per_second == pytest.approx(120 / (result.check + result.confirm))
    if BACKEND == "postgresql":
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        admin = create_engine(make_url(url).set(database="postgres"))
        with admin.connect() as conn:
            left = conn.execute(text("SELECT count(*) FROM pg_database WHERE datname LIKE 'maintien_importbench_%'"))
            assert left.scalar_one() == 0                  # the measurement's database is gone
        admin.dispose()
