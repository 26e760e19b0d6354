"""Throughput of the validating importer (issue 16): ``python -m dashboard bench --importeur``.

A partner's file of calls (``ise_call``) or of cases (``retention_case``) is made from the shipped
example file (``sample_data/examples``): its rows repeated with new pseudonymous references and
spread over the region's eight départements, in CSV and in XLSX, as a partner would send a year of
activity. It goes through the one import service, as the import page and ``python -m dashboard
import`` do: read, validate and preview (``check_file``), then the write in one serialised
transaction (``confirm_file``), into a fresh store made like ``init`` does (reference data, no
sample) on the backend of the given URL, or into a copy of a filled store (``--database-url`` of a
SQLite file: copied first, never written).

Rows per second = rows of the file / (check + confirm), wall clock, the best of ``runs`` (each run in
a new store). The materialised aggregates are not refreshed here: that is the warm-up after an
import, measured apart.
"""

from __future__ import annotations

import csv
import io
import itertools
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "sample_data" / "examples"
DATASETS = ("ise_call", "retention_case")
DEPARTEMENTS = ("01", "07", "26", "38", "42", "69", "73", "74")
# An XLSX of 50 000 calls is 41 MB once decompressed, over the importer's limit (MAINTIEN_IMPORT_MAX_MB,
# 20 MB by default, against zip bombs): the XLSX files are measured at 20 000 rows at most.
XLSX_ROWS = 20_000


@dataclass(frozen=True)
class Throughput:
    dataset: str
    fmt: str
    rows: int
    check: float      # read, validate, preview (seconds)
    confirm: float    # the write, one transaction (seconds)

    @property
    def per_second(self) -> float:
        return self.rows / (self.check + self.confirm)


def partner_file(dataset: str, rows: int, fmt: str, stamp: str) -> tuple[bytes, str]:
    """A file of ``rows`` rows of ``dataset`` in ``fmt`` (``csv`` or ``xlsx``), and its name."""
    text = (EXAMPLES / f"{dataset}.csv").read_text(encoding="utf-8-sig")
    reader = csv.reader(io.StringIO(text), delimiter=";")
    header = next(reader)
    examples = [r for r in reader if r]
    ref, dept = 0, header.index("Département")
    if not header[ref].startswith("Référence"):
        raise ValueError(f"{dataset} : la première colonne n'est pas la référence ({header[ref]})")
    out = []
    for n, row in zip(range(rows), itertools.cycle(examples)):
        row = list(row)
        row[ref] = f"{row[ref].split('-')[0]}-B{stamp}-{n:07d}"
        row[dept] = DEPARTEMENTS[n % len(DEPARTEMENTS)]
        out.append(row)
    name = f"{dataset}-{rows}.{fmt}"
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=";", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(out)
        return buf.getvalue().encode("utf-8-sig"), name
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(dataset)
    ws.append(header)
    for row in out:
        ws.append(row)
    data = io.BytesIO()
    wb.save(data)
    return data.getvalue(), name


class Store:
    """A store to import into, thrown away afterwards: a new database on the URL's server (made like
    ``init``), or a copy of a SQLite file."""

    def __init__(self, url: str, copy: bool):
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        self._drop = None
        self._dir = None
        u = make_url(url)
        if u.get_backend_name() == "sqlite":
            self._dir = Path(tempfile.mkdtemp(prefix="maintien-importbench-"))
            path = self._dir / "store.sqlite3"
            if copy:
                shutil.copyfile(u.database, path)
            self.url = f"sqlite:///{path}"
        else:
            if copy:
                raise ValueError("copie d'une base : SQLite seulement")
            name = f"maintien_importbench_{int(time.time() * 1000) % 10**9}"
            admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            self._drop = (admin, name)
            self.url = u.set(database=name).render_as_string(hide_password=False)
        if not copy:
            from data_access.db import make_engine, upgrade_schema, write_transaction
            from data_access.reference import sync_reference

            engine = make_engine(self.url)
            upgrade_schema(engine)
            with write_transaction(engine) as conn:
                sync_reference(conn)
            engine.dispose()

    def close(self) -> None:
        from sqlalchemy import text

        if self._drop is not None:
            admin, name = self._drop
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)


def measure(url: str, dataset: str, rows: int, fmt: str, *, copy: bool = False) -> Throughput:
    """One import of a ``rows``-row file into a new store (see :class:`Store`)."""
    from dashboard.services.importing import check_file, confirm_file
    from data_access.db import make_engine

    data, name = partner_file(dataset, rows, fmt, stamp=str(int(time.time() * 1000) % 10**6))
    store = Store(url, copy)
    engine = make_engine(store.url)
    try:
        t0 = time.perf_counter()
        checked = check_file(engine, data, name, dataset=dataset, username="bench")
        t1 = time.perf_counter()
        if not checked.ok:
            raise RuntimeError(f"{name} refusé : {checked.problems[:3]}")
        outcome = confirm_file(engine, checked, username="bench", removals_confirmed=True)
        t2 = time.perf_counter()
    finally:
        engine.dispose()
        store.close()
    written = getattr(outcome, "added", None)
    if written is not None and written != rows:
        raise RuntimeError(f"{name} : {written} lignes ajoutées sur {rows}")
    return Throughput(dataset, fmt, rows, t1 - t0, t2 - t1)


def table(url: str, rows: int, runs: int, *, copy: bool = False) -> str:
    """Markdown table: each dataset in CSV and XLSX, best of ``runs``."""
    from dashboard.core.formatting import fmt_number

    backend = urlsplit(url).scheme.split("+")[0]
    lines = ["| file | rows | read, validate, preview | write | rows/s | store |",
             "| --- | --- | --- | --- | --- | --- |"]
    for dataset in DATASETS:
        for fmt in ("csv", "xlsx"):
            n = rows if fmt == "csv" else min(rows, XLSX_ROWS)
            best = max((measure(url, dataset, n, fmt, copy=copy) for _ in range(runs)),
                       key=lambda t: t.per_second)
            print(f"  {dataset}.{fmt}: {best.per_second:,.0f} rows/s "
                  f"(check {best.check:.2f} s, write {best.confirm:.2f} s)", flush=True)
            lines.append(f"| `{dataset}.{fmt}` | {fmt_number(n)} | {fmt_number(best.check, 2)} s | "
                         f"{fmt_number(best.confirm, 2)} s | **{fmt_number(best.per_second)}** | {backend}"
                         f"{', copy of a filled store' if copy else ', new'} |")
    return "\n".join(lines)
