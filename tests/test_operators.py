"""The référentiel's filter operators (data_access/source_query.OPERATORS), each on a table whose
rows are known, on the selected backend (SQLite, and PostgreSQL with MAINTIEN_TEST_BACKEND).

Five freins of CME38, hand-made:

    id  diagnostic  category            label  identified
    1   1           detection_tardive   A      2017-03-01
    2   1           coordination        B      2018-03-01
    3   2           connaissance_offre  C      2019-03-01
    4   None        detection_tardive   D      2020-03-01
    5   None        connaissance_offre  E      2016-03-01

and one diagnostic that freins refer to (id 1) and one nobody refers to (id 3; id 2 holds frein 3).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import func, insert, select

from data_access.db import table
from data_access.reference import sync_reference
from data_access.source_query import OPERATORS, condition

FREIN = SimpleNamespace(table="frein", join=None)
DIAG = SimpleNamespace(table="diagnostic", join=None)


@pytest.fixture(scope="module")
def engine(request):
    from data_access.db import make_engine, upgrade_schema

    url = request.getfixturevalue("new_database_url")()
    engine = make_engine(url)
    upgrade_schema(engine)
    with engine.begin() as conn:
        sync_reference(conn)
        for i in (1, 2, 3):
            conn.execute(insert(table("diagnostic")).values(
                id=i, territory_code="CME38", kind="etat_des_lieux_initial", method="entretiens", start_date=dt.date(2016, 1, 1)))
        rows = [(1, 1, "detection_tardive", "A", 2017), (2, 1, "coordination", "B", 2018), (3, 2, "connaissance_offre", "C", 2019),
                (4, None, "detection_tardive", "D", 2020), (5, None, "connaissance_offre", "E", 2016)]
        for fid, diag, cat, label, year in rows:
            conn.execute(insert(table("frein")).values(
                id=fid, territory_code="CME38", diagnostic_id=diag, category=cat, label=label,
                identified_date=dt.date(year, 3, 1)))
    yield engine
    engine.dispose()


def ids(engine, source, where) -> list[int]:
    t = table(source.table)
    with engine.connect() as conn:
        return sorted(conn.execute(select(t.c.id).where(condition(source, where))).scalars())


CASES = [
    ("ne", {"category": {"ne": "detection_tardive"}}, [2, 3, 5]),
    ("ne keeps nulls", {"diagnostic_id": {"ne": 1}}, [3, 4, 5]),
    ("lt", {"identified_date": {"lt": dt.date(2018, 1, 1)}}, [1, 5]),
    ("le", {"identified_date": {"le": dt.date(2018, 3, 1)}}, [1, 2, 5]),
    ("gt", {"identified_date": {"gt": dt.date(2018, 3, 1)}}, [3, 4]),
    ("ge", {"identified_date": {"ge": dt.date(2018, 3, 1)}}, [2, 3, 4]),
    ("is_null true", {"diagnostic_id": {"is_null": True}}, [4, 5]),
    ("is_null false", {"diagnostic_id": {"is_null": False}}, [1, 2, 3]),
    ("not_in keeps nulls", {"diagnostic_id": {"not_in": [1]}}, [3, 4, 5]),
    ("two operators", {"identified_date": {"ge": dt.date(2017, 1, 1), "lt": dt.date(2020, 1, 1)}}, [1, 2, 3]),
    ("plain value", {"category": "connaissance_offre"}, [3, 5]),
    ("list", {"category": ["connaissance_offre", "coordination"]}, [2, 3, 5]),
    ("any_of", {"any_of": [{"category": "coordination"}, {"diagnostic_id": {"is_null": True}}]}, [2, 4, 5]),
]


@pytest.mark.parametrize(("name", "where", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_operator_on_known_rows(engine, name, where, expected):
    assert ids(engine, FREIN, where) == expected


@pytest.mark.parametrize(("op", "expected"), [("in_table", [1, 2]), ("not_in_table", [3])])
def test_referenced_by_another_table(engine, op, expected):
    # diagnostics 1 and 2 hold freins; 3 holds none (the freins' NULL diagnostic_id is no reference)
    assert ids(engine, DIAG, {"id": {op: "frein.diagnostic_id"}}) == expected


def test_every_operator_is_tested():
    tested = {op for _, where, _ in CASES for cond in where.values() if isinstance(cond, dict) for op in cond}
    assert tested | {"in_table", "not_in_table"} == set(OPERATORS)


def test_the_referentiel_accepts_exactly_these_operators():
    from dashboard.core.referentiel import OPERATORS as SCHEMA_OPERATORS

    assert set(SCHEMA_OPERATORS) == set(OPERATORS)


def test_counts_are_the_same_through_an_aggregate(engine):
    t = table("frein")
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(t).where(
            condition(FREIN, {"category": {"ne": "detection_tardive"}}))).scalar_one()
    assert n == 3
