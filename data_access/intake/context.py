"""Errors of the import steps and the reference data validation checks against (:class:`Context`)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from .. import models  # noqa: F401
from ..datasets import DATASETS, Dataset, normalise_header

MAX_LISTED = 200  # problems listed in full; the rest are counted


class IntakeError(Exception):
    """The data are refused; ``problems`` are French sentences."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class UnknownDataset(IntakeError):
    """The file's dataset is unknown or cannot be told from its headers (a usage error)."""


# --- reference data the validation checks against ------------------------------------------------


@dataclass
class Context:
    """What the validation needs to know about the store and the user."""

    territories: dict[str, str]                  # code → level
    territory_names: dict[str, list[str]]        # normalised name → codes
    institutions: dict[str, str]                 # upper-case code → code
    refs: dict[str, dict[str, str]]              # table → upper-case code → code
    ref_territories: dict[str, dict[str, str]]   # table → code → territory (instances belong to one)
    parents: dict[str, dict[tuple, tuple[int, str | None]]]  # lookup table → key → (id, territory)
    years: list[int]
    today: dt.date
    indicator_ids: frozenset[str] | None = None
    share_indicators: frozenset[str] = frozenset()
    allowed_territories: frozenset[str] | None = None   # None: every territory
    # every indicator id of the référentiel (an indicator made available…); None: not checked
    all_indicator_ids: frozenset[str] | None = None
    # rows a list cell may name (ListColumn.ref): (table, column) → territory → normalised name →
    # [(id, name as stored)]
    named_rows: dict[tuple[str, str], dict[str, dict[str, list[tuple[int, str]]]]] = field(default_factory=dict)
    # indicators an objective may name (a value per year) and, among them, those shown in %; None: not checked
    objective_indicators: frozenset[str] | None = None
    percent_indicators: frozenset[str] = frozenset()

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.years[0], 1, 1)

    @property
    def last_day(self) -> dt.date:
        return min(dt.date(self.years[-1], 12, 31), self.today)


def load_context(conn: Connection, *, indicator_ids=None, share_indicators=(), allowed_territories=None,
                 today: dt.date | None = None, all_indicator_ids=None, objective_indicators=None,
                 percent_indicators=()) -> Context:
    t = SQLModel.metadata.tables
    territories = {c: lvl for c, lvl in conn.execute(select(t["territory"].c.code, t["territory"].c.level))}
    names: dict[str, list[str]] = defaultdict(list)
    for code, name in conn.execute(select(t["territory"].c.code, t["territory"].c.name)):
        names[normalise_header(name)].append(code)
    institutions = {c.upper(): c for (c,) in conn.execute(select(t["institution"].c.code))}
    refs = {name: {c.upper(): c for (c,) in conn.execute(select(t[name].c.code))}
            for name in ("instance", "survey_question")}
    ref_territories = {"instance": {c: terr for c, terr in conn.execute(
        select(t["instance"].c.code, t["instance"].c.territory_code))}}
    parents: dict[str, dict[tuple, tuple[int, str | None]]] = {}
    for ds in DATASETS.values():
        if ds.lookup and ds.lookup.table not in parents:
            pt = t[ds.lookup.table]
            cols = [pt.c[c] for _, c in ds.lookup.by]
            terr = pt.c.territory_code if "territory_code" in pt.c else None
            stmt = select(pt.c.id, terr if terr is not None else pt.c.id, *cols)
            parents[ds.lookup.table] = {
                tuple(_norm_key(v) for v in row[2:]): (row[0], row[1] if terr is not None else None)
                for row in conn.execute(stmt)
            }
    named_rows: dict[tuple[str, str], dict[str, dict[str, list[tuple[int, str]]]]] = {}
    for ds in DATASETS.values():
        for lc in ds.lists:
            if lc.ref and lc.ref not in named_rows:
                nt = t[lc.ref[0]]
                by_territory: dict[str, dict[str, list[tuple[int, str]]]] = defaultdict(lambda: defaultdict(list))
                for rid, terr, name in conn.execute(select(nt.c.id, nt.c.territory_code, nt.c[lc.ref[1]])):
                    by_territory[terr][normalise_header(name)].append((rid, name))
                named_rows[lc.ref] = {k: dict(v) for k, v in by_territory.items()}
    years = sorted(y for (y,) in conn.execute(select(t["reporting_year"].c.year)))
    return Context(territories, dict(names), institutions, refs, ref_territories, parents, years or [2015, 2020],
                   today or dt.date.today(), frozenset(indicator_ids) if indicator_ids is not None else None,
                   frozenset(share_indicators), frozenset(allowed_territories) if allowed_territories is not None
                   else None, frozenset(all_indicator_ids) if all_indicator_ids is not None else None, named_rows,
                   frozenset(objective_indicators) if objective_indicators is not None else None,
                   frozenset(percent_indicators))


def _norm_key(v):
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, str):
        return v
    return v


def year_of(ds: Dataset, rec: dict) -> int:
    v = rec.get(ds.period)
    return v.year if isinstance(v, dt.date) else int(v)
