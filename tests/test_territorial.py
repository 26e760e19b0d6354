"""Territory comparison: rates per 100 000 inhabitants, rankings, map outlines, figures."""

import json
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text

from dashboard.core import territorial as T
from dashboard.core.filters import Filters
from dashboard.core.indicators import Reference
from dashboard.core.referentiel import load_referentiel
from dashboard.core.results import Verdict
from dashboard.render import geo, maps

REF = load_referentiel()


def _result(kind="count", direction="down", rows=None, verdicts=None):
    ind = next(i for i in REF.indicators() if i.kind == kind and i.direction == direction)
    frame = pd.DataFrame(rows, columns=["territory", "year", "value", "hidden"])
    frame["numerator"] = np.nan
    frame["denominator"] = np.nan
    frame["territory_label"] = frame["territory"]
    frame = T.add_rates(frame, {"A": 100_000, "B": 200_000, "C": 50_000}, kind)
    region = pd.DataFrame({"year": [2019, 2020], "value": [1.0, 1.0], "rate_per_100k": [1.0, 1.0]})
    return T.TerritorialResult(ind, "departement", frame, region, verdicts or {})


def test_rate_per_100k_divides_by_population():
    r = _result(rows=[("A", 2020, 10.0, False), ("B", 2020, 10.0, False), ("C", 2020, 10.0, False)])
    rates = dict(zip(r.frame["territory"], r.frame["rate_per_100k"]))
    assert rates == {"A": 10.0, "B": 5.0, "C": 20.0}


def test_no_rate_for_shares_and_unknown_population():
    frame = pd.DataFrame({"territory": ["A", "Z"], "value": [0.5, 3.0]})
    assert T.add_rates(frame, {"A": 1000}, "share")["rate_per_100k"].isna().all()
    counts = T.add_rates(frame, {"A": 1000}, "count")
    assert counts.loc[1, "rate_per_100k"] != counts.loc[1, "rate_per_100k"]  # NaN: no population for Z


def test_ranking_follows_the_direction_and_shares_ties():
    rows = [("A", 2019, 4.0, False), ("B", 2019, 4.0, False), ("C", 2019, 1.0, False),
            ("A", 2020, 1.0, False), ("B", 2020, 4.0, False), ("C", 2020, 2.0, False)]
    down = _result("count", "down", rows)
    by_rate = T.ranking(down, 2020, use_rate=True)
    # rates 2020: A 1, B 2, C 4 -> the lowest is the most favourable for a "down" target
    assert list(by_rate["territory"]) == ["A", "B", "C"]
    assert list(by_rate["rank"]) == [1, 2, 3]
    by_count = T.ranking(down, 2020, use_rate=False)
    assert list(by_count["territory"]) == ["A", "C", "B"]
    assert by_count.set_index("territory").loc["A", "change"] == -3.0
    ties = T.ranking(down, 2019, use_rate=False)
    assert list(ties["rank"]) == [1, 2, 2]  # A and B both at 4 share rank 2
    up = _result("count", "up", rows)
    assert list(T.ranking(up, 2020, use_rate=False)["territory"]) == ["B", "C", "A"]


def test_ranking_puts_territories_without_value_last_and_carries_verdicts():
    rows = [("A", 2020, 3.0, False), ("B", 2020, np.nan, True), ("C", 2020, 1.0, False)]
    v = Verdict("defavorable", "raison")
    r = _result("count", "down", rows, verdicts={"A": v})
    table = T.ranking(r, 2020, use_rate=False)
    assert list(table["territory"]) == ["C", "A", "B"]
    assert pd.isna(table.loc[2, "rank"])
    assert table.set_index("territory").loc["A", "verdict"] == "Défavorable"
    assert T.rank_label(table.loc[0, "rank"]) == "1er" and T.rank_label(table.loc[1, "rank"]) == "2e"
    assert T.rank_label(table.loc[2, "rank"]) == "—"


def test_region_ranks_per_year_with_highlight():
    comp = pd.DataFrame({
        "region": ["R1", "R2", "R84"] * 2, "region_label": ["Un", "Deux", "ARA"] * 2,
        "year": [2019] * 3 + [2020] * 3, "value": [1, 2, 3, 3, 2, 1], "rate_per_100k": [np.nan] * 6,
        "highlight": [False, False, True] * 2, "is_estimate": [False] * 6,
    })
    ranks = T.region_ranks(comp, "up")
    ara = ranks[ranks["highlight"]].set_index("year")
    assert ara.loc[2019, "rank"] == 1 and ara.loc[2020, "rank"] == 3
    assert set(ranks["of"]) == {3}


def test_format_metric_is_french():
    assert T.format_metric(1234.0, "count", "value") == "1\u202f234"
    assert T.format_metric(0.1234, "share", "value") == "12,3\u202f%"
    assert T.format_metric(12.34, "count", "rate_per_100k") == "12,3 pour 100 000 hab."
    assert T.format_metric(0.123, "count", "rate_per_100k") == "0,12 pour 100 000 hab."
    assert T.format_metric(np.nan, "count", "value") == "—"


# --- outlines ---------------------------------------------------------------------------


def test_outlines_cover_the_region_and_a_cme_joins_its_departements(sample_engine):
    ref = Reference.from_engine(sample_engine)
    deps = geo.departement_features()
    assert sorted(f["id"] for f in deps["features"]) == ["01", "07", "26", "38", "42", "69", "73", "74"]
    cmes = geo.cme_features(ref.perimeters, ref.territory_names)
    by_id = {f["id"]: f for f in cmes["features"]}
    assert sorted(by_id) == sorted(T.level_territories("cme", ref))
    dept_polys = {f["id"]: f["geometry"] for f in deps["features"]}
    n = sum(1 if dept_polys[d]["type"] == "Polygon" else len(dept_polys[d]["coordinates"]) for d in ("07", "26"))
    assert by_id["CME0726"]["geometry"]["type"] == "MultiPolygon"
    assert len(by_id["CME0726"]["geometry"]["coordinates"]) == n
    regions = geo.region_features(ref.all_territories)
    assert len(regions["features"]) == 13 and "R84" in {f["id"] for f in regions["features"]}


def test_centroids_fall_inside_each_outline_bounding_box():
    deps = geo.departement_features()
    cents = maps.feature_centroids(deps)
    for f in deps["features"]:
        ring = f["geometry"]["coordinates"][0] if f["geometry"]["type"] == "Polygon" \
            else max(f["geometry"]["coordinates"], key=len)[0]
        lons, lats = [p[0] for p in ring], [p[1] for p in ring]
        lon, lat = cents[f["id"]]
        assert min(lons) < lon < max(lons) and min(lats) < lat < max(lats), f["id"]


def test_empty_topology_url_needs_no_network():
    assert geo.TOPOJSON_URL.startswith("data:application/json,") and geo.TOPOJSON_URL.endswith("#")
    topology = json.loads(unquote(geo.TOPOJSON_URL[len("data:application/json,"):-1]))
    assert topology["type"] == "Topology" and "land" in topology["objects"]


# --- on the sample ----------------------------------------------------------------------


def test_map_levels_follow_where_data_are_recorded(sample_engine):
    ref = Reference.from_engine(sample_engine)
    levels = T.mappable_indicators(sample_engine, REF, ref)
    assert levels["Q3.C1.I1"] == ["departement", "cme"]  # calls: recorded per département
    assert levels["Q4.C3.I1"] == ["cme"]  # CTME sessions: recorded per CME
    assert "Q1.C4.I3" not in levels  # regional-only source
    assert "Q2.C2.I2" not in levels  # calendars have no value per territory


def test_territory_values_match_sql_and_sum_to_the_region(sample_engine):
    ref = Reference.from_engine(sample_engine)
    ind = REF.indicator("Q4.C3.I1")
    result = T.territorial_results(sample_engine, ind, Filters(2016, 2020), ref, "cme")
    with sample_engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM ctme_session WHERE territory_code = 'CME42' "
                              "AND session_date >= '2019-01-01' AND session_date < '2020-01-01'")).scalar_one()
    f = result.frame.set_index(["territory", "year"])
    assert f.loc[("CME42", 2019), "value"] == n
    pop = ref.population["CME42"]
    assert f.loc[("CME42", 2019), "rate_per_100k"] == pytest.approx(n / pop * 100_000)
    total = result.frame.groupby("year")["value"].sum()
    assert total.loc[2019] == result.region.set_index("year").loc[2019, "value"]
    # the Loire's CTME rise is judged unfavourable, like on the question page
    assert result.verdicts["CME42"].code == "defavorable"
    assert "approximatifs" in result.population_note


def test_territory_map_carries_codes_for_the_click(sample_engine):
    ref = Reference.from_engine(sample_engine)
    ind = REF.indicator("Q3.C1.I1")
    result = T.territorial_results(sample_engine, ind, Filters(2016, 2020), ref, "departement")
    fig = maps.territory_map(result, 2020, geo.departement_features(), use_rate=False)
    codes = [c[0] for trace in fig.data if trace.type == "choropleth" for c in trace.customdata]
    assert sorted(codes) == ["01", "07", "26", "38", "42", "69", "73", "74"]
    assert fig.layout.geo.visible is False
    sm = maps.small_multiples(result, use_rate=False)
    assert len([a for a in sm.layout.annotations if "Isère" in a.text]) == 1
