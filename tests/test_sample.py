"""The sample data: deterministic, complete, and telling the stories the verdicts read."""

import pandas as pd
import pytest
from sqlmodel import SQLModel

from dashboard.core.coverage import indicator_coverage
from data_access.vocabulary import VOCABULARIES
from sample_data.generator import build_sample_frames


@pytest.fixture(scope="module")
def frames():
    return build_sample_frames(scale=1)


def _sql(engine, query):
    with engine.connect() as conn:
        return pd.read_sql_query(query, conn)


def test_deterministic(frames):
    again = build_sample_frames(scale=1)
    assert frames.keys() == again.keys()
    for name in frames:
        pd.testing.assert_frame_equal(frames[name], again[name], check_exact=True, obj=name)


def test_another_seed_gives_other_numbers(frames):
    other = build_sample_frames(scale=1, seed=7)
    assert not frames["ise_call"]["call_date"].equals(other["ise_call"]["call_date"])


def test_scale_multiplies_case_level_data(frames):
    bigger = build_sample_frames(scale=3)
    ratio = len(bigger["retention_case"]) / len(frames["retention_case"])
    assert 2.5 < ratio < 3.5
    assert len(bigger["territory"]) == len(frames["territory"])


def test_every_table_has_rows(sample_engine):
    from data_access.db import row_counts

    with sample_engine.connect() as conn:
        counts = row_counts(conn)
    from data_access.models import DERIVED_TABLES

    assert set(counts) == set(SQLModel.metadata.tables) - DERIVED_TABLES
    # the journal starts empty: it records the writes made after the sample is loaded
    assert [t for t, n in counts.items() if n == 0 and t != "journal_entry"] == []


def test_every_code_of_case_level_vocabularies_appears(frames):
    for table in ("ise_call", "retention_case"):
        tbl = SQLModel.metadata.tables[table]
        for col in tbl.c:
            vocab = col.info.get("vocabulary")
            if vocab:
                seen = set(frames[table][col.name].dropna())
                assert seen <= set(VOCABULARIES[vocab]), (table, col.name)
                assert seen == set(VOCABULARIES[vocab]), (table, col.name, set(VOCABULARIES[vocab]) - seen)


def test_every_indicator_has_sample_data(sample_engine):
    from dashboard.core.referentiel import load_referentiel

    cov = indicator_coverage(sample_engine)
    assert len(cov) == len(load_referentiel().indicators())
    assert [c.id for c in cov if not c.showable] == []


def test_story_ctme_fall_except_one_territory(sample_engine):
    df = _sql(sample_engine, "SELECT territory_code, session_date FROM ctme_session")
    df["year"] = pd.to_datetime(df["session_date"]).dt.year
    counts = df.groupby(["territory_code", "year"]).size().unstack(fill_value=0)
    rising = [t for t in counts.index if counts.loc[t, 2020] > counts.loc[t, 2016]]
    falling = [t for t in counts.index if counts.loc[t, 2020] < counts.loc[t, 2016]]
    assert rising == ["CME42"]
    assert len(falling) == len(counts.index) - 1


def test_story_direct_signalements_fall_and_complex_orientations_decline(sample_engine):
    df = _sql(sample_engine, "SELECT year, SUM(direct_signalements) AS d, SUM(orientations_complex) AS c, "
                             "SUM(orientations_total) AS t FROM at_yearly_activity GROUP BY year ORDER BY year")
    assert df["d"].is_monotonic_decreasing and df["d"].iloc[-1] < df["d"].iloc[0] / 3
    share = df["c"] / df["t"]
    assert share.iloc[-1] < share.iloc[0]


def test_story_calls_grow_then_level_off(sample_engine):
    df = _sql(sample_engine, "SELECT call_date FROM ise_call")
    per_year = pd.to_datetime(df["call_date"]).dt.year.value_counts().sort_index()
    growth = per_year.diff().dropna()
    assert per_year.iloc[-1] > 1.8 * per_year.iloc[0]
    assert growth.iloc[0] > 3 * abs(growth.iloc[-1])  # strong early growth, flat at the end


def test_story_one_territory_without_continuous_diagnosis(sample_engine):
    df = _sql(sample_engine, "SELECT territory_code, MAX(CASE WHEN continuous_diagnostic THEN 1 ELSE 0 END) AS ever "
                             "FROM followup_mechanism GROUP BY territory_code")
    assert df.loc[df["ever"] == 0, "territory_code"].tolist() == ["CME74"]


def test_story_one_partner_sends_late(sample_engine):
    df = _sql(sample_engine, "SELECT institution_code, expected_date, received_date FROM data_delivery")
    df["late_days"] = (pd.to_datetime(df["received_date"]) - pd.to_datetime(df["expected_date"])).dt.days
    late = df.groupby("institution_code")["late_days"].median()
    assert late.idxmax().startswith("RSI")
    assert late.max() > 60
    assert df.loc[df["received_date"].isna(), "institution_code"].str.startswith("RSI").all()


def test_cases_are_consistent(frames):
    cases = frames["retention_case"]
    sig = pd.to_datetime(cases["signalement_date"])
    assert (pd.to_datetime(cases["sick_leave_start"]).dropna() <= sig[cases["sick_leave_start"].notna()]).all()
    solved = cases["solution_date"].notna()
    assert (pd.to_datetime(cases.loc[solved, "solution_date"]) >= sig[solved]).all()
    assert (cases.loc[cases["outcome"] == "en_cours", "solution_date"].isna()).all()
    share = cases["signalled_by"].value_counts(normalize=True)
    assert 0.40 < share["medecin_travail"] < 0.58
