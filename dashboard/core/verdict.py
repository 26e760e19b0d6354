"""The verdict rule: does an indicator's yearly series go the way the charter wants?

One pure function, :func:`verdict`, reads a yearly series (values indexed by
year) against the indicator's target direction from the référentiel and returns
a :class:`~dashboard.core.results.Verdict` with a code, one French sentence for the
page and the numbers it used. No Streamlit, no database. The full explanation,
with a table of example series, is ``docs/verdicts.md``.

The rule
--------
1. Keep the years that have a finite value (NaN and missing years are ignored;
   the remaining years need not be consecutive). Fewer than ``min_points``
   (default 3) years → ``donnees_insuffisantes``. The caller passes only the
   years a verdict may read (:func:`judged_values`): not hidden (small cell), not
   an incomplete cohort, not ``partiel`` (some territories sent nothing); a year
   "non transmis" has no value, a declared or empty delivery is a true 0.
2. Minimum volume. ``volumes`` gives, per year, how many events or units the value
   rests on (:func:`volumes_of`): for counts, typologies and descriptors the yearly
   value itself; for shares and surveys the denominator (units, respondents); for
   durations the number of cases behind the median. When the **median volume of
   the judged years is below** ``MIN_VOLUME`` **(20)** the verdict is ``a_confirmer``
   ("À confirmer (faibles effectifs)"), whatever the trend: the reason still
   describes it. Why 20: a count of n events varies by about √n from year to year
   for reasons of chance alone (Poisson), a relative error 1/√n of 22 % at 20 and
   32 % at 10 — the threshold under which public health statistics call a rate
   unreliable (US NCHS: fewer than 20 events, relative standard error of 23 % or more).
   A yearly swing of that size dwarfs the 2 % per year the rule calls a trend, so
   below it neither "atteint" nor "défavorable" can be defended. The median (not the
   sum) so that one large year does not carry a series of tiny ones. Years with an
   unknown volume (a share sent as a value only) are left out of the median; with no
   known volume at all (existence matrices, value-only shares) there is no check.
   Exception: ``to_zero`` at a true 0 stays ``atteint`` (rule 6): a zero is a fact,
   not an estimate. Second exception, for counts of events only (``counts=True``):
   when the change over the years is more than chance — the Poisson test of trend
   (:func:`poisson_trend_p`) gives p < ``TREND_P`` (5 %) — the series is judged by
   the rules below and the reason says "faibles effectifs …, mais une évolution que
   le hasard seul n'explique pas" (3, 5, 7, 9, 11 CTME sessions rising: défavorable).
3. Robust slope ``s``: Theil-Sen (median of the slopes between every pair of
   years), in units per year. One odd year cannot swing it, unlike least squares.
4. Relative slope ``r = s / mean(|values|)`` (0 when that mean is 0): the rule is
   scale-free, so a share in [0, 1] and a count in thousands are read alike.
   For a share (``is_share=True``) the scale is ``min(mean, 1 - mean)``, the
   distance to the nearer bound (see :func:`relative_slope`): otherwise a share
   rising steadily from 90 % to 95 % would read "no clear trend" while its
   complement falling from 10 % to 5 % reads as a clear fall.
   The trend is *good* when ``r`` is beyond ``tolerance`` (default 2 % of the
   mean per year) in the target direction, *bad* when beyond it the other way,
   *flat* otherwise.
5. ``up`` / ``down`` ("better" means higher / lower):

   - a share (``is_share``) whose last value is at its bound in the good direction
     (100 % for ``up``, 0 % for ``down``; e.g. an existence matrix where every
     territory has the thing) → ``atteint``: it cannot do better, so a series at
     100 % every year is met, not "no trend";
   - good trend, last value better than the first and the best of the period
     (or within 5 % of the period's range of it) → ``atteint``;
   - good trend, last better than the first but not the best → ``en_bonne_voie``;
   - but a last step going the wrong way by more than 25 % of the period's range
     turns those two into ``a_surveiller`` (a series that fell then rose sharply
     at the end is not on track, whatever its overall slope);
   - bad trend and last value worse than the first → ``defavorable``;
   - a flat trend whose last two values are both better than the first by more
     than the tolerance over the span (a step change that held, e.g. 14 %, then
     86 % every year: Theil-Sen reads it as flat) → ``en_bonne_voie``;
   - anything else (flat trend, good trend but the last value not better than
     the first, bad trend but the last value better than or equal to the first:
     mixed signals) → ``a_surveiller``.
6. ``to_zero`` (the charter: the CTME count and the direct signalements handled
   by the AT "doivent être en baisse avec le temps et tendre vers 0"): last value
   equal to 0 → ``atteint`` (an all-zero series too); otherwise the ``down`` rule,
   except that it stops at ``en_bonne_voie``: as long as zero is not reached the
   target is not met, however regularly the count falls.
7. ``stable``: ``|r| <= tolerance`` → ``atteint``; ``|r| <= 3 * tolerance`` →
   ``a_surveiller``; beyond → ``defavorable``.
8. ``none`` → ``None`` (no target, no verdict).

Why the thresholds: 2 % of the mean per year is about 8-10 % over a 5-6 year
charter period, the smallest move a steering committee would call a change
rather than noise; 5 % of the range absorbs rounding when deciding whether the
last value is "the best"; 25 % of the range for the last step is a real relapse
(a quarter of all the ground covered over the period, lost in one year), not a
wobble.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from dashboard.core.formatting import fmt_number, fmt_percent, fmt_period
from dashboard.core.kinds import spec
from dashboard.core.results import Verdict

DIRECTIONS = ("up", "down", "to_zero", "stable", "none")

# Share of the period's range within which the last value still counts as "the best".
BEST_MARGIN = 0.05
# A last step going the wrong way by more than this share of the period's range is a relapse.
RELAPSE_SHARE = 0.25
# For "stable": beyond tolerance → "à surveiller"; beyond this multiple of it → "défavorable".
STABLE_WARNING_FACTOR = 3.0
# Below this median yearly volume (events, units, respondents, cases) the verdict is "à confirmer".
MIN_VOLUME = 20
# ... unless the series is a count whose change is more than chance: Poisson trend test below this p.
TREND_P = 0.05

# User-facing explanation of the rule (French, Markdown), e.g. for a "Comment lire les verdicts" expander.
ROLE_DOC = f"""\
**Comment le verdict est-il établi ?**

Le verdict compare l'évolution de l'indicateur, année par année, à la cible que la charte lui
donne (à la hausse, à la baisse, vers zéro). Un indicateur sans cible dans la charte est montré
sans verdict (« Descriptif, sans cible »). La cible de chaque indicateur et la phrase de la charte
qui la fonde sont listées dans la documentation du référentiel.

**Quelles années sont lues ?** Il faut au moins 3 années renseignées ; sinon le verdict est
« Données insuffisantes ». Une année **« non transmis »** (aucune donnée reçue du partenaire pour
ce territoire et cette année) n'a pas de valeur : elle est ignorée, et jamais lue comme un zéro.
Une année déclarée sans activité, ou une livraison vide, vaut **0** : c'est une vraie valeur.
Sont aussi écartées du verdict les années **partielles** (certains territoires n'ont rien
transmis), les cellules **masquées** (trop peu de personnes : secret statistique) et les cohortes
**incomplètes** (situations encore en cours).

**Faibles effectifs : « À confirmer ».** Un verdict n'est rendu que si l'indicateur repose sur
assez d'événements : en médiane sur les années lues, au moins **{MIN_VOLUME}** événements par an
pour un nombre (séances, appels, actions…), {MIN_VOLUME} personnes ou unités au dénominateur pour
une part ou une enquête (répondants), {MIN_VOLUME} situations pour un délai médian. En deçà, le
hasard seul fait varier la valeur de plus de 20 % d'une année à l'autre : le verdict est
**« À confirmer (faibles effectifs) »** et la phrase sous le graphique décrit la tendance sans
conclure. Exceptions : un indicateur qui doit tendre vers zéro et qui vaut 0 est « Atteint » ; un
nombre d'événements dont l'évolution est trop nette pour être due au hasard (test de tendance de
Poisson, p < 5 % : par exemple 3, 5, 7, 9 puis 11 séances) est jugé, et le motif le dit.

- La **tendance** est la pente robuste (médiane des pentes entre toutes les paires d'années,
  dite de Theil-Sen) : une année atypique ne suffit pas à la renverser. Elle est rapportée
  à la moyenne de la série (pour une part, à l'écart à 0 % ou à 100 % le plus proche) :
  en deçà de 2 % par an, la série est jugée sans tendance nette.
- **Atteint** : la tendance va dans le sens attendu, la dernière valeur est meilleure que la
  première et est la meilleure de la période (à 5 % de l'amplitude près). Une part qui atteint
  sa borne (100 % attendu à la hausse, 0 % attendu à la baisse) est atteinte, même sans
  tendance : elle ne peut pas faire mieux. Pour un indicateur qui doit tendre vers 0 :
  dernière valeur nulle.
- **En bonne voie** : la tendance va dans le sens attendu et la dernière valeur est meilleure
  que la première, sans être la meilleure de la période (ou, vers zéro, sans être nulle).
- **À surveiller** : pas de tendance nette, ou des signaux contraires (tendance favorable mais
  dernière valeur pas meilleure que la première, ou rechute de plus d'un quart de l'amplitude
  de la période la dernière année ; tendance défavorable mais dernière valeur au moins aussi
  bonne que la première).
- **Défavorable** : la tendance va contre la cible et la dernière valeur est moins bonne que
  la première.

**Lecture d'ensemble d'un critère ou d'une question.** Elle porte sur les indicateurs jugés
(ni « À confirmer », ni « Données insuffisantes ») et dit combien le sont : « 4 indicateurs jugés
sur 6 ». Au moins un tiers de défavorables : « Défavorable » ; au moins trois quarts atteints ou en
bonne voie et aucun défavorable : « En bonne voie », ou « Atteint » si tous sont atteints **et** si
tous les indicateurs ayant une cible ont pu être jugés ; sinon « À surveiller ».
"""

_EXPECTED = {
    "up": "une hausse est attendue",
    "down": "une baisse est attendue",
    "to_zero": "une baisse vers zéro est attendue",
}


def theil_sen_slope(years, values) -> float:
    """Theil-Sen slope: the median of the slopes between every pair of points, in units per year.

    Resistant to outliers: for values ``[1, 2, 3, 4, 100]`` over five consecutive years it
    gives 1 (least squares would give about 20). Pairs with the same year are skipped.
    Raises ``ValueError`` with fewer than two distinct years or non-finite input.
    """
    x = np.asarray(years, dtype=float)
    y = np.asarray(values, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("years and values must be 1-D sequences of the same length")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("years and values must be finite (drop NaN first)")
    i, j = np.triu_indices(len(x), k=1)
    dx = x[j] - x[i]
    keep = dx != 0
    if not keep.any():
        raise ValueError("at least two distinct years are needed for a slope")
    return float(np.median((y[j] - y[i])[keep] / dx[keep]))


def relative_slope(slope: float, values, *, is_share: bool = False) -> float:
    """The yearly change as a share of the series' level: ``slope / scale`` (0 when the scale is 0).

    ``scale`` is ``mean(|values|)``. For a share (all values in [0, 1]) it is
    ``min(mean, 1 - mean)``: the distance to the nearer bound, so that a share and its complement
    get the same verdict (satisfied 90 % → 95 % reads like dissatisfied 10 % → 5 %); with the
    plain mean a share near 100 % could hardly ever show a trend.
    """
    v = np.asarray(values, dtype=float)
    scale = float(np.mean(np.abs(v)))
    if is_share and v.size and v.min() >= 0 and v.max() <= 1:
        scale = min(scale, 1.0 - scale)
    return 0.0 if scale == 0 else slope / scale


@dataclass(frozen=True)
class _Fmt:
    """French formatting of the values and the slope for the reason sentence."""

    unit: str | None
    is_share: bool

    def value(self, v: float) -> str:
        if self.is_share:
            return fmt_percent(v, 0 if round(v * 100, 1).is_integer() else 1)
        if float(v).is_integer():
            return fmt_number(v, 0)
        return fmt_number(v, 2 if abs(v) < 1 else 1)

    def with_unit(self, text: str) -> str:
        return text if self.is_share or not self.unit else f"{text} {self.unit}"

    def slope(self, s: float) -> str:
        x = s * 100 if self.is_share else s
        decimals = 0 if abs(x) >= 10 else 1 if abs(x) >= 0.1 else 2
        rounded = round(x, decimals)
        if rounded == 0:
            number = "0"
        else:
            number = ("+" if rounded > 0 else "") + fmt_number(rounded, decimals)
        if self.is_share:
            unit = "point" if abs(rounded) < 2 else "points"
        else:
            unit = self.unit
        return f"{number} {unit} par an" if unit else f"{number} par an"


def _observed(series: pd.Series) -> pd.Series:
    """Finite values only, indexed by int year, sorted by year."""
    s = pd.Series(series, dtype=float).copy()
    s.index = pd.Index(s.index).astype(int)
    if s.index.has_duplicates:
        raise ValueError("the series has several values for the same year")
    s = s[np.isfinite(s.to_numpy())]
    return s.sort_index()


def _period(years: pd.Index) -> tuple[str, str | None]:
    """``("sur 2016-2020", "3 années renseignées")``; the note is None when no year is missing."""
    first, last = int(years[0]), int(years[-1])
    note = f"{len(years)} années renseignées" if len(years) < last - first + 1 else None
    return f"sur {fmt_period(first, last)}", note


def _insufficient(obs: pd.Series, min_points: int) -> Verdict:
    n = len(obs)
    need = f"il en faut au moins {min_points} pour juger une tendance"
    if n == 0:
        reason = f"Aucune année renseignée ; {need}."
    else:
        years = ", ".join(str(y) for y in obs.index)
        counted = "1 seule année renseignée" if n == 1 else f"{n} années renseignées"
        reason = f"{counted} ({years}) ; {need}."
    first = float(obs.iloc[0]) if n else None
    last = float(obs.iloc[-1]) if n else None
    return Verdict("donnees_insuffisantes", reason, None, first, last, n)


def verdict(
    series: pd.Series,
    direction: str,
    *,
    min_points: int = 3,
    tolerance: float = 0.02,
    unit: str | None = None,
    is_share: bool = False,
    volumes: pd.Series | None = None,
    min_volume: float = MIN_VOLUME,
    counts: bool = False,
) -> Verdict | None:
    """Verdict of a yearly series against the target direction (rule in the module docstring).

    series: values indexed by year (int), may contain NaN and missing years. Returns None for
    direction "none".

    ``unit`` (e.g. "signalements") is written after the values and the slope in the reason;
    ``is_share`` says the values are shares in [0, 1]: they are formatted as percentages, the
    slope in percentage points (the unit is then ignored), and the relative slope is taken
    against the distance to the nearer bound (:func:`relative_slope`). The returned ``Verdict``
    carries the Theil-Sen ``slope`` (units per year), the ``first`` and ``last`` observed values
    and the number of ``points`` (years with a value).

    ``volumes`` (optional, indexed by year like ``series``): how many events or units each yearly
    value rests on (:func:`volumes_of`). When the median volume of the judged years is below
    ``min_volume`` the verdict is ``a_confirmer`` (rule 2 of the module docstring); years whose
    volume is unknown (NaN) are left out of that median, and no known volume means no check.
    ``counts=True`` says the values are counts of events (the volume is the value itself): below
    ``min_volume`` such a series is still judged when its change over the years is more than chance
    (:func:`poisson_trend_p` below ``TREND_P``), and the reason says so.

    Raises ``ValueError`` for an unknown direction, ``min_points < 2``, a negative tolerance,
    a negative ``min_volume`` or a year present twice.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"unknown direction {direction!r}; expected one of {DIRECTIONS}")
    if direction == "none":
        return None
    if min_points < 2:
        raise ValueError("min_points must be at least 2 (a slope needs two years)")
    if tolerance < 0:
        raise ValueError("tolerance must be >= 0")
    if min_volume < 0:
        raise ValueError("min_volume must be >= 0")

    obs = _observed(series)
    n = len(obs)
    if n < min_points:
        return _insufficient(obs, min_points)

    fmt = _Fmt(unit, is_share)
    years = obs.index
    values = obs.to_numpy(dtype=float)
    first, last = float(values[0]), float(values[-1])
    slope = theil_sen_slope(years.to_numpy(dtype=float), values)
    r = relative_slope(slope, values, is_share=is_share)
    period, gaps = _period(years)

    notes: list[str] = []  # clauses added to every reason from here on (the low-volume trend test)

    def done(code: str, clause: str | None, head: str | None = None) -> Verdict:
        head = head or _trend_head(values, slope, r, tolerance, fmt, period, gaps)
        if clause:
            # "…, mais …" reads better than "… ; mais …"
            head += (", " if clause.startswith("mais ") else " ; ") + clause
        reason = head + "".join(f" ; {n}" for n in notes) + "."
        return Verdict(code, reason, slope, first, last, n)

    if direction == "to_zero" and last == 0:
        # a true 0 is a fact, not an estimate: the target is met whatever the volume
        if not values.any():
            head = f"Valeur nulle chaque année {period}" + (f" ({gaps})" if gaps else "")
            return done("atteint", "objectif zéro atteint", head=head)
        return done("atteint", f"valeur nulle en {years[-1]} : objectif zéro atteint")

    volume = median_volume(volumes, years)
    if volume is not None and volume < min_volume:
        median_text = fmt_number(volume, 0 if float(volume).is_integer() else 1)
        p = poisson_trend_p(values, years.to_numpy(dtype=float)) if counts else None
        if p is None or p >= TREND_P:
            return done("a_confirmer", f"faibles effectifs : {median_text} par an en médiane, il en faut au moins "
                                       f"{fmt_number(min_volume, 0)} pour conclure")
        notes.append(f"faibles effectifs ({median_text} par an en médiane), mais une évolution que le hasard "
                     f"seul n'explique pas (test de tendance de Poisson, p = {fmt_percent(p, 1)})")

    if direction == "stable":
        deviation = f"variation relative de {fmt_percent(abs(r), 1)} par an"
        margin = f"marge de stabilité ({fmt_percent(tolerance, 0)})"
        if abs(r) <= tolerance:
            return done("atteint", f"{deviation}, dans la {margin}")
        if abs(r) <= STABLE_WARNING_FACTOR * tolerance:
            return done("a_surveiller", f"{deviation}, au-delà de la {margin}")
        return done("defavorable", f"{deviation}, très au-delà de la {margin}")

    # up, down, to_zero: orient everything so that "higher is better".
    sign = 1.0 if direction == "up" else -1.0
    expected = _EXPECTED[direction]

    if is_share and direction in ("up", "down") and _at_bound(last, direction):
        # a share cannot do better than 100 % (up) or 0 % (down): reaching the bound meets the target
        bound = f"{fmt.value(1.0)}, le maximum" if direction == "up" else f"{fmt.value(0.0)}, le minimum"
        if np.all(values == last):
            return done("atteint", f"{bound} possible, chaque année")
        return done("atteint", f"{bound} possible, en {years[-1]}")

    oriented = sign * values
    value_range = float(values.max() - values.min())
    trend = "good" if sign * r > tolerance else "bad" if sign * r < -tolerance else "flat"
    improved = sign * (last - first) > 0
    worse = sign * (last - first) < 0
    best_pos = int(np.argmax(oriented))
    at_best = sign * last >= oriented[best_pos] - BEST_MARGIN * value_range
    last_step = sign * (last - float(values[-2]))
    relapse = last_step < -RELAPSE_SHARE * value_range
    higher = direction == "up"
    extreme = "plus haut" if higher else "plus bas"
    best_text = f"{fmt.value(values[best_pos])} en {years[best_pos]}"

    if trend == "good" and improved:
        if relapse:
            move = "recul" if higher else "remontée"
            step = f"{fmt.value(values[-2])} à {fmt.value(last)} en {years[-1]}"
            return done("a_surveiller", f"mais {move} de {step}")
        if not at_best:
            return done(
                "en_bonne_voie",
                f"dernière valeur meilleure que la première, sans égaler le {extreme} de la période ({best_text})",
            )
        if sign * last >= oriented[best_pos]:
            best_clause = f"dernière valeur la {'plus haute' if higher else 'plus basse'} de la période"
        else:
            best_clause = f"dernière valeur proche du {extreme} de la période ({best_text})"
        if direction == "to_zero":
            # the target is zero: a falling count that has not reached it is on track, not achieved
            return done("en_bonne_voie", f"{best_clause}, mais zéro n'est pas encore atteint")
        return done("atteint", best_clause)
    side = "supérieure" if higher else "inférieure"
    if trend == "bad" and worse:
        return done("defavorable", f"évolution contraire à la cible : {expected}")
    if trend == "good":
        return done("a_surveiller", f"mais la dernière valeur n'est pas {side} à la première")
    if trend == "bad" and improved:
        clause = f"tendance contraire à la cible, malgré une dernière valeur {side} à la première"
        return done("a_surveiller", clause)
    if trend == "bad":
        return done("a_surveiller", "tendance contraire à la cible, mais dernière valeur égale à la première")
    if trend == "flat" and len(values) >= 3 and _sustained_shift(values, years, sign, tolerance, is_share):
        # A step change held since: the robust slope is flat because most pairs of years sit on the
        # same level (e.g. 14 % in 2016, then 86 % every year). Not "atteint" without a trend.
        move = "Hausse" if direction == "up" else "Baisse"
        head = (f"{move} en palier {period} : de {fmt.value(first)} en {years[0]} à "
                f"{fmt.value(values[-2])} en {years[-2]} puis {fmt.value(last)} en {years[-1]}")
        return done("en_bonne_voie", "amélioration maintenue, sans tendance régulière", head=head)
    return done("a_surveiller", expected)


def _at_bound(last: float, direction: str) -> bool:
    """The last value of a share sits at its bound in the good direction (100 % for up, 0 % for down)."""
    return bool(np.isclose(last, 1.0 if direction == "up" else 0.0, rtol=0, atol=1e-9))


def poisson_trend_p(values, years=None) -> float | None:
    """Two-sided p-value of the score test for a log-linear trend in yearly Poisson counts.

    Under "no trend" (the same rate every year), given the total ``N`` of events, each event falls
    in any of the ``k`` years alike, so the sum of the year ranks of the events has mean
    ``N (k-1) / 2`` and variance ``N (k²-1) / 12`` (with gaps between the ``years``: ``N`` times the
    mean and the variance of the years); the statistic is that sum standardised, read on the normal
    law (the score test of the Poisson regression ``log λ = a + b·t``, also the Cochran-Armitage
    test of trend for counts). None when the test does not apply: negative or non-finite values,
    fewer than 3 years, or no event at all.
    """
    v = np.asarray(values, dtype=float)
    if len(v) < 3 or not np.all(np.isfinite(v)) or np.any(v < 0) or v.sum() <= 0:
        return None
    t = np.arange(len(v), dtype=float) if years is None else np.asarray(years, dtype=float)
    total = float(v.sum())
    z = (float((t * v).sum()) - total * t.mean()) / np.sqrt(total * t.var())
    return float(2 * stats.norm.sf(abs(z)))


def median_volume(volumes: pd.Series | None, years) -> float | None:
    """Median of the known volumes of the judged ``years`` (None when no volume is known)."""
    if volumes is None:
        return None
    v = pd.Series(volumes, dtype=float).copy()
    v.index = pd.Index(v.index).astype(int)
    v = v[~v.index.duplicated()].reindex(pd.Index(years).astype(int))
    v = v[np.isfinite(v.to_numpy())]
    return float(v.median()) if len(v) else None


def judged_values(frame: pd.DataFrame) -> pd.Series:
    """The yearly values the verdict may read, from a series frame indexed by year.

    A year is left out (NaN) when its value is not finite, ``hidden`` (small cell), ``incomplete``
    (an incomplete cohort) or its ``status`` is ``partiel`` (some territories sent nothing). The
    ``hidden``, ``incomplete`` and ``status`` columns are optional.
    """
    keep = pd.Series(True, index=frame.index)
    for flag in ("hidden", "incomplete"):
        if flag in frame:
            keep &= ~frame[flag].astype("boolean").fillna(False).astype(bool)
    if "status" in frame:
        keep &= frame["status"].ne("partiel")
    return pd.Series(frame["value"], dtype=float).where(keep)


# Where the volume of a yearly value is read, by kind (see the module docstring, rule 2).


def volumes_of(frame: pd.DataFrame, kind: str) -> pd.Series | None:
    """How many events or units each yearly value rests on, from a series frame indexed by year.

    Counts, typologies and descriptors: the yearly value itself (number of events); shares and
    surveys: the denominator (units, respondents); durations: the ``denominator`` column, which holds
    the number of cases behind the median. Existence matrices and other kinds: None (a census of a
    fixed set of territories or institutions, not a sample of events: no volume rule). The
    registry says which (``dashboard/core/kinds.py``, ``KindSpec.volume``).
    """
    volume = spec(kind).volume
    if volume == "value":
        return pd.Series(frame["value"], dtype=float)
    if volume == "denominator" and "denominator" in frame:
        return pd.Series(frame["denominator"], dtype=float)
    return None


def _sustained_shift(values: np.ndarray, years, sign: float, tolerance: float, is_share: bool) -> bool:
    """The last two values are both better than the first by more than the tolerance over the span.

    One jump in the last year (10, 10, 10, 10, 15) is not enough: the improvement must have held.
    """
    span = float(years[-1] - years[0]) or 1.0
    needed = tolerance * span
    first = float(values[0])
    return all(relative_slope(sign * (float(v) - first), values, is_share=is_share) > needed
               for v in values[-2:])


def _trend_head(
    values: np.ndarray, slope: float, r: float, tolerance: float, fmt: _Fmt, period: str, gaps: str | None
) -> str:
    """First part of the reason: the direction of the trend, the first and last values and the period."""
    first, last = values[0], values[-1]
    if np.all(values == first):
        return f"Valeur constante de {fmt.with_unit(fmt.value(first))} {period}" + (f" ({gaps})" if gaps else "")
    span = f"de {fmt.value(first)} à {fmt.with_unit(fmt.value(last))}"
    details = (f"{gaps}, " if gaps else "") + f"pente robuste {fmt.slope(slope)}"
    steps = np.diff(values)
    if r > tolerance:
        if (steps > 0).all():
            return f"Hausse régulière {span} {period} ({details})"
        return f"Tendance à la hausse {period}, {span} ({details})"
    if r < -tolerance:
        if (steps < 0).all():
            return f"Baisse régulière {span} {period} ({details})"
        return f"Tendance à la baisse {period}, {span} ({details})"
    return f"Pas de tendance nette {period}, {span} ({details})"


__all__ = ["DIRECTIONS", "MIN_VOLUME", "ROLE_DOC", "TREND_P", "poisson_trend_p", "judged_values", "median_volume",
           "relative_slope",
           "theil_sen_slope", "verdict", "volumes_of"]
