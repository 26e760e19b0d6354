"""The verdict rule (dashboard.core.verdict) on hand-made series: exact codes, French reasons."""

import math

import numpy as np
import pandas as pd
import pytest

from dashboard.core.results import Verdict
from dashboard.core.verdict import ROLE_DOC, relative_slope, theil_sen_slope, verdict

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


# --- issue 12: zero and bounds, minimum volume, judged years ----------------------------------

from dashboard.core.results import VERDICT_LABELS, VERDICT_RANK  # noqa: E402
from dashboard.core.verdict import MIN_VOLUME, judged_values, median_volume, poisson_trend_p, volumes_of  # noqa: E402


def test_to_zero_at_a_true_zero_is_atteint_even_on_a_handful_of_events():
    # 3, 2, 1, 0 sessions: median volume 1.5 < 20, but a zero is a fact, the target is met
    v = verdict(yearly([3, 2, 1, 0]), "to_zero", volumes=yearly([3, 2, 1, 0]))
    assert v.code == "atteint"
    assert v.reason.endswith("valeur nulle en 2019 : objectif zéro atteint.")


def test_a_share_at_100_percent_every_year_is_atteint_not_a_surveiller():
    # before issue 12: "Valeur constante de 100 % … ; une hausse est attendue" → à surveiller
    v = verdict(yearly([1.0] * 5), "up", is_share=True)
    assert v.code == "atteint"
    assert v.reason == "Valeur constante de 100\u202f% sur 2016-2020 ; 100\u202f%, le maximum possible, chaque année."


def test_a_share_reaching_100_percent_after_a_step_is_atteint():
    # 80 %, then 100 % four years: Theil-Sen flat (en bonne voie by the step rule before); at the bound: met
    v = verdict(yearly([0.8, 1.0, 1.0, 1.0, 1.0]), "up", is_share=True)
    assert v.code == "atteint"
    assert v.reason.endswith("100\u202f%, le maximum possible, en 2020.")


def test_a_down_share_at_0_percent_is_atteint():
    v = verdict(yearly([0.0, 0.0, 0.0]), "down", is_share=True)
    assert v.code == "atteint" and "0\u202f%, le minimum possible, chaque année" in v.reason


def test_the_bound_is_only_the_bound_of_the_good_direction():
    # 100 % every year with a downward target: no move at all, still à surveiller
    assert verdict(yearly([1.0] * 5), "down", is_share=True).code == "a_surveiller"
    # a count (not a share) constant at 1 is not "at its bound"
    assert verdict(yearly([1.0] * 5), "up").code == "a_surveiller"
    # 99 % is not 100 %
    assert verdict(yearly([0.99] * 5), "up", is_share=True).code == "a_surveiller"


def test_min_volume_is_20():
    assert MIN_VOLUME == 20


@pytest.mark.parametrize(
    ("values", "direction"),
    [
        ([1, 2, 3, 3, 2], "up"),  # a count of 1-3
        ([5, 10, 5, 7, 10], "up"),  # the erratic 5, 10, 5, 7, 10 of the issue: median 7
        ([3, 2, 2, 1, 1], "to_zero"),  # 9 events: the fall is within chance (p = 24 %)
        ([19, 17, 15, 13, 11], "down"),  # median 15 < 20 and p = 10 %: not "atteint"
    ],
)
def test_a_count_of_a_handful_of_events_is_a_confirmer(values, direction):
    v = verdict(yearly(values), direction, volumes=yearly(values), counts=True)
    assert v.code == "a_confirmer"
    assert v.label == "À confirmer (faibles effectifs)"
    median = sorted(values)[2]
    assert v.reason.endswith(f"faibles effectifs : {median} par an en médiane, il en faut au moins 20 pour conclure.")


def test_poisson_trend_test_by_hand():
    # 3, 5, 7, 9, 11: N = 35 events, sum of their year ranks 0·3 + 1·5 + 2·7 + 3·9 + 4·11 = 90,
    # expected 35 · 2 = 70, variance 35 · 2 = 70 → z = 20 / √70 = 2.390, p = 2 (1 − Φ(2.390)) = 0.0168
    assert poisson_trend_p([3, 5, 7, 9, 11]) == pytest.approx(0.01683, abs=1e-4)
    # 3, 2, 2, 1, 1: N = 9, sum 0 + 2 + 4 + 3 + 4 = 13, expected 18, variance 18 → z = −1.179, p = 0.2386
    assert poisson_trend_p([3, 2, 2, 1, 1]) == pytest.approx(0.2386, abs=1e-4)
    # gaps: 3, 7, 11 in 2016, 2018, 2020 (offsets 0, 2, 4): N = 21, sum 0·3 + 2·7 + 4·11 = 58,
    # expected 21 · 2 = 42, variance 21 · 8/3 = 56 → z = 16 / √56 = 2.138, p = 0.0325
    assert poisson_trend_p([3, 7, 11], [2016, 2018, 2020]) == pytest.approx(0.0325, abs=1e-4)
    # not applicable: too few years, no event, a negative value
    assert poisson_trend_p([1, 2]) is None
    assert poisson_trend_p([0, 0, 0]) is None
    assert poisson_trend_p([1, -1, 2]) is None


def test_a_count_whose_change_is_more_than_chance_is_judged_below_the_volume():
    values = yearly([3, 5, 7, 9, 11])  # a regular rise of CTME sessions, median 7 < 20, p = 1,7 %
    v = verdict(values, "down", volumes=values, counts=True)
    assert v.code == "defavorable"
    assert "faibles effectifs (7 par an en médiane), mais une évolution que le hasard seul n'explique pas " \
           "(test de tendance de Poisson, p = 1,7\u202f%)" in v.reason
    # the same values as a share's denominators are not counts: no test, "à confirmer"
    assert verdict(values, "down", volumes=values).code == "a_confirmer"


def test_without_volumes_the_same_series_is_judged():
    assert code([19, 17, 15, 13, 11], "down") == "atteint"
    assert code([3, 5, 7, 9, 11], "down") == "defavorable"


def test_the_volume_threshold_is_on_the_median_of_the_judged_years():
    values = yearly([40, 35, 30, 25, 20])  # median 30 ≥ 20: judged
    assert verdict(values, "down", volumes=values).code == "atteint"
    # shares: the volume is the denominator. 50 % → 70 % from 12, 30, 15, 30, 12 respondents: median 15
    shares = yearly([0.5, 0.55, 0.6, 0.65, 0.7])
    v = verdict(shares, "up", is_share=True, volumes=yearly([12, 30, 15, 30, 12]))
    assert v.code == "a_confirmer" and "15 par an en médiane" in v.reason
    # the same share from 20, 30, 25, 30, 12 respondents: median 25 ≥ 20 → judged
    assert verdict(shares, "up", is_share=True, volumes=yearly([20, 30, 25, 30, 12])).code == "atteint"
    # one huge year does not carry tiny ones: 2, 3, 500, 4 → median 3.5
    v = verdict(yearly([0.1, 0.2, 0.3, 0.4]), "up", is_share=True, volumes=yearly([2, 3, 500, 4]))
    assert v.code == "a_confirmer" and "3,5 par an en médiane" in v.reason


def test_only_the_judged_years_count_in_the_volume():
    # 2016 and 2017 have no value (not judged): their big volumes must not lift the median
    values = yearly([NAN, NAN, 0.5, 0.6, 0.7])
    vols = yearly([500, 500, 10, 10, 10])
    assert verdict(values, "up", is_share=True, volumes=vols).code == "a_confirmer"


def test_unknown_volumes_are_ignored_and_no_volume_means_no_check():
    shares = yearly([0.5, 0.55, 0.6, 0.65, 0.7])
    assert median_volume(yearly([NAN] * 5), shares.index) is None
    assert verdict(shares, "up", is_share=True, volumes=yearly([NAN] * 5)).code == "atteint"
    # a value-only year (NaN denominator) is left out: 10, 12 known → median 11
    assert median_volume(yearly([NAN, 10, NAN, 12, NAN]), shares.index) == 11
    assert verdict(shares, "up", is_share=True, volumes=yearly([NAN, 10, NAN, 12, NAN])).code == "a_confirmer"


def test_stable_is_also_subject_to_the_volume():
    assert verdict(yearly([5, 5, 5]), "stable", volumes=yearly([5, 5, 5])).code == "a_confirmer"
    assert verdict(yearly([50, 50, 50]), "stable", volumes=yearly([50, 50, 50])).code == "atteint"


def test_insufficient_years_come_before_the_volume():
    assert verdict(yearly([1, 2]), "up", volumes=yearly([1, 2])).code == "donnees_insuffisantes"


def test_min_volume_is_a_real_parameter():
    values = yearly([3, 5, 7, 9, 11])
    assert verdict(values, "up", volumes=values, min_volume=5).code == "atteint"
    assert verdict(values, "up", volumes=values, min_volume=8).code == "a_confirmer"
    with pytest.raises(ValueError):
        verdict(values, "up", volumes=values, min_volume=-1)


def _frame(**cols):
    return pd.DataFrame(cols, index=pd.Index([2016, 2017, 2018, 2019, 2020], name="year"))


def test_judged_values_drop_hidden_partial_and_incomplete_years():
    f = _frame(value=[1.0, 2.0, 3.0, 4.0, 5.0], hidden=[False, True, False, False, False],
               status=["transmis", "transmis", "partiel", "zero", "transmis"],
               incomplete=[False, False, False, False, True])
    assert judged_values(f).tolist()[0] == 1.0
    assert [math.isnan(x) for x in judged_values(f)] == [False, True, True, False, True]
    assert judged_values(f)[2019] == 4.0  # a declared zero year ("zero") is judged


def test_judged_values_tolerate_missing_optional_columns():
    f = _frame(value=[1.0, NAN, 3.0, 4.0, 5.0])
    out = judged_values(f)
    assert out[2016] == 1.0 and math.isnan(out[2017]) and out[2020] == 5.0
    # hidden given as an object column with missing values
    f = _frame(value=[1.0, 2.0, 3.0, 4.0, 5.0], hidden=[False, None, True, False, False])
    assert [math.isnan(x) for x in judged_values(f)] == [False, False, True, False, False]


def test_volumes_by_kind():
    f = _frame(value=[10.0, 12.0, 0.5, 0.6, 0.7], numerator=[1.0] * 5, denominator=[30.0, 31, 32, 33, 34])
    assert volumes_of(f, "count").tolist() == [10.0, 12.0, 0.5, 0.6, 0.7]
    assert volumes_of(f, "typology").tolist() == volumes_of(f, "descriptor").tolist() == f["value"].tolist()
    for kind in ("share", "survey", "duration"):
        assert volumes_of(f, kind).tolist() == [30.0, 31, 32, 33, 34]
    assert volumes_of(f, "existence") is None and volumes_of(f, "calendar") is None


def test_a_confirmer_has_a_label_and_ranks_with_the_codes_that_do_not_judge():
    assert VERDICT_LABELS["a_confirmer"] == "À confirmer (faibles effectifs)"
    assert VERDICT_RANK["defavorable"] < VERDICT_RANK["a_confirmer"] < VERDICT_RANK["donnees_insuffisantes"]
    assert not verdict(yearly([1, 2, 3]), "up", volumes=yearly([1, 2, 3])).on_track


def test_a_confirmer_has_a_colour_and_a_badge_everywhere():
    from dashboard.render.figures import VERDICT_COLORS, VERDICT_ORDER
    from dashboard.views.question import VERDICT_STYLE

    assert set(VERDICT_COLORS) == set(VERDICT_LABELS) == set(VERDICT_STYLE) == set(VERDICT_ORDER)
    from pathlib import Path

    css = (Path(__file__).parents[1] / "dashboard" / "reports" / "templates" / "bilan.html.j2").read_text(encoding="utf-8")
    assert all(f".v-{code}" in css for code in VERDICT_LABELS)


def test_role_doc_states_the_minimum_volume_and_the_missing_data():
    assert "À confirmer (faibles effectifs)" in ROLE_DOC
    assert f"au moins **{MIN_VOLUME}**" in ROLE_DOC
    assert "« non transmis »" in ROLE_DOC and "jamais lue comme un zéro" in ROLE_DOC
    assert "indicateurs jugés" in ROLE_DOC


# --- known answers through the validating importer and compute() ------------------------------------


@pytest.fixture(scope="module")
def small_store(new_database_url, tmp_path_factory):
    """A store made with ``init`` (not the sample), fed hand-made partner files (CSV cp1252 ``;``)."""
    import subprocess
    import sys

    from data_access import imports
    from data_access.db import make_engine

    url = new_database_url()
    done = subprocess.run([sys.executable, "-m", "dashboard", "--database-url", url, "init"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    engine = make_engine(url)
    # CTME sessions of CME38: 3, 2, 2, 1, 1 a year 2016-2020 (a handful: median 2)
    ctme = ["CME;Date de la séance;Situations examinées;Institutions participantes"]
    for year, sessions in zip(range(2016, 2021), (3, 2, 2, 1, 1)):
        ctme += [f"CME38;{10 + k:02d}/03/{year};2;AT-CME38|CARSAT" for k in range(sessions)]
    # surveys of CME38: the AT are no extra layer, 8 actors a year, 2, 3, 4, 5, 6 agreeing (25 % → 75 %);
    # relevance of the AT organisation, 40 partners a year, 20, 24, 28, 32, 36 agreeing (50 % → 90 %)
    survey = ["Question;Année;Territoire;Type de répondant;Répondants;Réponses favorables"]
    for k, year in enumerate(range(2016, 2021)):
        survey.append(f"at_pas_echelon_supplementaire;{year};CME38;acteur_maintien;8;{2 + k}")
        survey.append(f"pertinence_organisation_at;{year};CME38;partenaire;40;{20 + 4 * k}")
    for name, lines in (("ctme_session.csv", ctme), ("survey_result.csv", survey)):
        checked = imports.check(engine, ("\r\n".join(lines) + "\r\n").encode("cp1252"), name, username="t")
        assert checked.ok, checked.problems
        imports.confirm(engine, checked, username="t", removals_confirmed=True)
    yield engine
    engine.dispose()


def _judge(engine, indicator_id, territory="CME38"):
    from dashboard.core.filters import Filters
    from dashboard.core.indicators import Reference, compute
    from dashboard.core.referentiel import load_referentiel

    ind = load_referentiel().indicator(indicator_id)
    return compute(engine, ind, Filters(2016, 2020, territory), Reference.from_engine(engine))


def test_known_answer_a_handful_of_ctme_sessions_is_a_confirmer(small_store):
    res = _judge(small_store, "Q4.C3.I1")
    assert res.selection_series()["value"].tolist() == [3, 2, 2, 1, 1]
    assert res.verdict.code == "a_confirmer"  # falling, not at zero, median 2 sessions a year < 20
    assert res.verdict.reason.endswith("faibles effectifs : 2 par an en médiane, il en faut au moins 20 pour conclure.")


def test_known_answer_a_survey_of_8_respondents_is_a_confirmer_of_40_is_judged(small_store):
    small = _judge(small_store, "Q4.C5.I2")
    sel = small.selection_series()
    assert sel["denominator"].tolist() == [8] * 5 and sel["numerator"].tolist() == [2, 3, 4, 5, 6]
    assert small.verdict.code == "a_confirmer" and "8 par an en médiane" in small.verdict.reason
    large = _judge(small_store, "Q4.C2.I1")
    sel = large.selection_series()
    assert sel["value"].tolist() == pytest.approx([0.5, 0.6, 0.7, 0.8, 0.9])
    assert large.verdict.code == "atteint"  # regular rise, last the best, 40 respondents a year


def test_known_answer_neutral_indicators_get_no_verdict(small_store):
    # Q4.C3.I2: the CTME format "de manière transitoire": shown, no verdict
    assert _judge(small_store, "Q4.C3.I2").verdict is None
