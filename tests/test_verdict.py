"""The verdict rule (dashboard.verdict) on hand-made series: exact codes, French reasons."""

import math

import numpy as np
import pandas as pd
import pytest

from dashboard.results import Verdict
from dashboard.verdict import ROLE_DOC, relative_slope, theil_sen_slope, verdict

NAN = float("nan")


def yearly(values, start=2016):
    """A series indexed by consecutive years from ``start``."""
    return pd.Series(values, index=range(start, start + len(values)), dtype=float)


def code(values, direction, **kw):
    return verdict(yearly(values), direction, **kw).code


# --- theil_sen_slope -----------------------------------------------------------------------


def test_theil_sen_resists_an_outlier():
    years = [2016, 2017, 2018, 2019, 2020]
    assert theil_sen_slope(years, [1, 2, 3, 4, 100]) == pytest.approx(1.0)
    # least squares would be pulled towards ~20
    assert np.polyfit(years, [1, 2, 3, 4, 100], 1)[0] == pytest.approx(20.0, abs=1.5)


@pytest.mark.parametrize(
    ("years", "values", "expected"),
    [
        ([2016, 2017, 2018], [10, 8, 6], -2.0),
        ([2016, 2018, 2020], [1, 2, 3], 0.5),  # uneven spacing uses the real years
        ([2016, 2017, 2018, 2019], [5, 5, 5, 5], 0.0),
        ([0, 1, 2, 3], [0.1, 0.2, 0.3, 0.4], 0.1),
    ],
)
def test_theil_sen_known_cases(years, values, expected):
    assert theil_sen_slope(years, values) == pytest.approx(expected)


def test_theil_sen_needs_two_distinct_years():
    with pytest.raises(ValueError):
        theil_sen_slope([2016], [3])
    with pytest.raises(ValueError):
        theil_sen_slope([2016, 2016], [3, 4])
    with pytest.raises(ValueError):
        theil_sen_slope([2016, 2017], [3, NAN])


def test_relative_slope_scale():
    assert relative_slope(1.0, [1, 2, 3]) == pytest.approx(0.5)
    assert relative_slope(0.0, [0, 0, 0]) == 0.0
    # a share: distance to the nearer bound, so a share and its complement read alike
    rising = relative_slope(0.0125, [0.90, 0.95], is_share=True)
    assert rising == pytest.approx(-relative_slope(-0.0125, [0.10, 0.05], is_share=True))


# --- verdict: the cases of the brief --------------------------------------------------------


def test_to_zero_reaching_zero_is_atteint():
    v = verdict(yearly([10, 7, 4, 2, 0]), "to_zero")
    assert v.code == "atteint"
    assert "objectif zéro atteint" in v.reason


def test_to_zero_falling_without_reaching_zero_is_en_bonne_voie():
    v = verdict(yearly([10, 8, 6, 4, 2]), "to_zero")
    assert v.code == "en_bonne_voie"
    assert "zéro n'est pas encore atteint" in v.reason
    # the same series with a plain "down" target is achieved
    assert code([10, 8, 6, 4, 2], "down") == "atteint"


@pytest.mark.parametrize("direction", ["down", "to_zero"])
def test_falling_then_rising_is_a_surveiller(direction):
    v = verdict(yearly([10, 6, 3, 5, 9]), direction)
    assert v.code == "a_surveiller"
    assert "remontée de 5 à 9 en 2020" in v.reason


@pytest.mark.parametrize(
    ("direction", "expected"),
    [("up", "a_surveiller"), ("down", "a_surveiller"), ("to_zero", "a_surveiller"), ("stable", "atteint")],
)
def test_flat_series(direction, expected):
    assert code([50, 50, 50, 50, 50], direction) == expected


@pytest.mark.parametrize(
    ("direction", "expected"), [("up", "a_surveiller"), ("down", "a_surveiller"), ("stable", "atteint")]
)
def test_noisy_flat_series(direction, expected):
    assert code([100, 103, 98, 101, 99, 100], direction) == expected


@pytest.mark.parametrize("direction", ["up", "down", "to_zero", "stable"])
def test_one_point_is_insufficient(direction):
    v = verdict(yearly([4]), direction)
    assert v.code == "donnees_insuffisantes"
    assert v.points == 1 and v.slope is None
    assert "1 seule année renseignée" in v.reason and "au moins 3" in v.reason


def test_two_points_are_insufficient_with_min_points_3():
    v = verdict(yearly([4, 8]), "up", min_points=3)
    assert v.code == "donnees_insuffisantes"
    assert v.points == 2 and v.first == 4 and v.last == 8
    assert v.reason == "2 années renseignées (2016, 2017) ; il en faut au moins 3 pour juger une tendance."
    # min_points is a real parameter: with 2 the same series is judged
    assert verdict(yearly([4, 8]), "up", min_points=2).code == "atteint"


def test_empty_and_all_nan_are_insufficient():
    for s in (pd.Series([], dtype=float), yearly([NAN, NAN, NAN])):
        v = verdict(s, "up")
        assert v.code == "donnees_insuffisantes"
        assert v.points == 0 and v.first is None and v.last is None
        assert v.reason.startswith("Aucune année renseignée")


def test_missing_years_use_the_years_present():
    s = pd.Series([10, NAN, 7, NAN, 2], index=[2016, 2017, 2018, 2019, 2020])
    v = verdict(s, "down")
    assert v.code == "atteint"
    assert v.points == 3
    assert v.first == 10 and v.last == 2
    assert v.slope == pytest.approx(theil_sen_slope([2016, 2018, 2020], [10, 7, 2]))
    assert v.slope == pytest.approx(-2.0)  # per year, not per observation
    assert "2016-2020" in v.reason and "3 années renseignées" in v.reason
    # the same three years without the NaN rows give the same verdict
    assert verdict(s.dropna(), "down") == v


def test_missing_years_count_towards_min_points():
    s = pd.Series([10, NAN, NAN, NAN, 2], index=[2016, 2017, 2018, 2019, 2020])
    assert verdict(s, "down").code == "donnees_insuffisantes"


def test_unsorted_index_is_sorted_by_year():
    s = pd.Series([2, 10, 6], index=[2020, 2016, 2018])
    v = verdict(s, "down")
    assert (v.code, v.first, v.last) == ("atteint", 10, 2)


@pytest.mark.parametrize(
    ("direction", "expected"), [("to_zero", "atteint"), ("up", "a_surveiller"), ("stable", "atteint")]
)
def test_all_zeros(direction, expected):
    v = verdict(yearly([0, 0, 0, 0]), direction)
    assert v.code == expected
    assert v.slope == 0


@pytest.mark.parametrize(
    ("direction", "expected"),
    [("up", "atteint"), ("down", "defavorable"), ("to_zero", "defavorable"), ("stable", "defavorable")],
)
def test_rising_steadily(direction, expected):
    assert code([20, 24, 29, 33, 40], direction) == expected


@pytest.mark.parametrize(("direction", "expected"), [("down", "atteint"), ("up", "defavorable")])
def test_falling_steadily(direction, expected):
    assert code([40, 33, 29, 24, 20], direction) == expected


def test_direction_none_gives_no_verdict():
    assert verdict(yearly([1, 2, 3]), "none") is None


def test_unknown_direction_and_bad_parameters_raise():
    with pytest.raises(ValueError):
        verdict(yearly([1, 2, 3]), "sideways")
    with pytest.raises(ValueError):
        verdict(yearly([1, 2, 3]), "up", min_points=1)
    with pytest.raises(ValueError):
        verdict(pd.Series([1.0, 2.0, 3.0], index=[2016, 2016, 2017]), "up")


@pytest.mark.parametrize(
    ("counts", "direction"),
    [
        ([10, 20, 30, 40, 50], "up"),
        ([10, 20, 30, 40, 50], "down"),
        ([50, 40, 30, 35, 20], "down"),
        ([30, 35, 25, 45, 40], "up"),
        ([20, 35, 45, 40, 30], "up"),
        ([30, 30, 30, 31, 30], "stable"),
        ([30, 31, 33, 36, 40], "stable"),
    ],
)
def test_shares_behave_like_counts(counts, direction):
    by_count = code(counts, direction)
    as_share = [c / 100 for c in counts]  # all below 50 %: the share scale is the mean, as for counts
    assert code(as_share, direction) == by_count
    assert code(as_share, direction, is_share=True) == by_count
    assert code([c * 1000 for c in counts], direction) == by_count


def test_share_near_100_percent_and_its_complement_agree():
    satisfied = [0.90, 0.91, 0.93, 0.94, 0.95]
    assert code(satisfied, "up", is_share=True) == "atteint"
    assert code([1 - x for x in satisfied], "down", is_share=True) == "atteint"


def test_noisy_but_clearly_rising_is_on_track():
    v = verdict(yearly([100, 130, 120, 160, 170]), "up")
    assert v.code == "atteint"
    assert v.on_track


def test_noisy_rising_not_at_its_best_is_en_bonne_voie():
    # last value above the first but below the 2019 peak, last step small
    v = verdict(yearly([100, 130, 120, 180, 165]), "up")
    assert v.code == "en_bonne_voie"
    assert "180 en 2019" in v.reason


def test_last_value_within_5_percent_of_range_of_the_best_is_atteint():
    assert code([100, 120, 140, 200, 196], "up") == "atteint"  # 4 below a range of 100
    assert code([100, 120, 140, 200, 190], "up") == "en_bonne_voie"  # 10 below: not the best


def test_sharp_relapse_at_the_end_downgrades():
    # overall rise, but the last year loses more than a quarter of the range
    assert code([10, 20, 30, 40, 50, 35], "up") == "a_surveiller"
    # a smaller dip keeps it on track
    assert code([10, 20, 30, 40, 50, 45], "up") == "en_bonne_voie"


def test_good_trend_but_last_not_better_than_first():
    assert code([10, 30, 35, 40, 10], "up") == "a_surveiller"


def test_bad_trend_but_last_better_than_first():
    assert code([10, 5, 4, 3, 11], "up") == "a_surveiller"


def test_bad_trend_back_to_the_first_value_is_a_surveiller_not_defavorable():
    # mirror of "good trend but last not better than first": no net change, mixed signals
    assert code([10, 5, 4, 3, 10], "up") == "a_surveiller"
    assert code([10, 5, 4, 3, 9], "up") == "defavorable"


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([100, 101, 99, 100, 101], "atteint"),  # within 2 % of the mean per year
        ([100, 104, 108, 112, 116], "a_surveiller"),  # about 3.7 % per year
        ([100, 110, 120, 130, 140], "defavorable"),  # about 8 % per year
        ([140, 130, 120, 110, 100], "defavorable"),  # stability is broken downwards too
    ],
)
def test_stable(values, expected):
    assert code(values, "stable") == expected


def test_to_zero_last_zero_after_a_bump_is_atteint():
    assert code([3, 5, 8, 0], "to_zero") == "atteint"


def test_to_zero_rising_from_zero_is_defavorable():
    assert code([0, 0, 1, 3], "to_zero") == "defavorable"


def test_tolerance_is_a_real_parameter():
    values = [100, 101, 102, 103, 104]  # about 1 % of the mean per year
    assert code(values, "up") == "a_surveiller"
    assert code(values, "up", tolerance=0.005) == "atteint"


# --- what the Verdict carries ---------------------------------------------------------------


def test_verdict_fields_are_filled():
    v = verdict(yearly([10, 8, 6, 4, 2]), "down", unit="séances")
    assert isinstance(v, Verdict)
    assert v.slope == pytest.approx(-2.0)
    assert (v.first, v.last, v.points) == (10, 2, 5)
    assert v.label == "Atteint"


def test_reason_is_french_and_mentions_the_period():
    v = verdict(yearly([10, 8, 5, 3, 1]), "down", unit="signalements")
    assert v.reason == (
        "Baisse régulière de 10 à 1 signalements sur 2016-2020 "
        "(pente robuste -2,3 signalements par an) ; dernière valeur la plus basse de la période."
    )


@pytest.mark.parametrize(
    ("values", "direction", "expected_words"),
    [
        ([0.10, 0.12, 0.15, 0.17, 0.21], "up", ["2016-2020", "10\u202f%", "21\u202f%", "points par an", "Hausse régulière"]),
        ([10, 6, 3, 5, 9], "to_zero", ["2016-2020", "Tendance à la baisse", "mais remontée"]),
        ([50, 50, 50], "up", ["2016-2018", "Valeur constante de 50", "une hausse est attendue"]),
        ([0, 0, 0], "to_zero", ["2016-2018", "Valeur nulle chaque année", "objectif zéro atteint"]),
        ([2.5, 3.75, 4.0], "up", ["2,5", "4", "+0,8 par an"]),
    ],
)
def test_reason_wording(values, direction, expected_words):
    is_share = all(0 <= x <= 1 for x in values) and any(0 < x < 1 for x in values)
    reason = verdict(yearly(values), direction, is_share=is_share).reason
    for word in expected_words:
        assert word in reason, (word, reason)
    assert reason.endswith(".") and reason[0].isupper()
    assert "nan" not in reason.lower() and "e+" not in reason


def test_large_counts_use_french_thousands_separator():
    v = verdict(yearly([12000, 12500, 13100, 13800]), "up", unit="appels")
    assert v.code == "atteint"
    assert "12\u202f000" in v.reason and "13\u202f800 appels" in v.reason


def test_role_doc_is_french_and_names_every_label():
    for label in ("Atteint", "En bonne voie", "À surveiller", "Défavorable", "Données insuffisantes"):
        assert label in ROLE_DOC


def test_the_slope_is_not_nan_for_constant_series():
    v = verdict(yearly([7, 7, 7]), "down")
    assert v.slope == 0 and not math.isnan(v.slope)


def test_sustained_step_change_is_on_track():
    """Existence shares jump once and hold: Theil-Sen is flat, the improvement is real."""
    v = verdict(pd.Series([1 / 7, 6 / 7, 6 / 7, 6 / 7, 6 / 7], index=range(2016, 2021)), "up", is_share=True)
    assert v.code == "en_bonne_voie"
    assert "palier" in v.reason


def test_a_single_last_jump_is_still_not_a_trend():
    v = verdict(pd.Series([10, 10, 10, 10, 15], index=range(2016, 2021)), "up")
    assert v.code == "a_surveiller"


def test_step_change_in_the_wrong_direction_is_not_on_track():
    v = verdict(pd.Series([6 / 7, 1 / 7, 1 / 7, 1 / 7, 1 / 7], index=range(2016, 2021)), "up", is_share=True)
    assert v.code != "en_bonne_voie"
