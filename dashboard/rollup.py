"""Roll-up of verdicts: per criterion, per question, and the indicators most off track."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .results import VERDICT_RANK, IndicatorResult

JUDGED = ("atteint", "en_bonne_voie", "a_surveiller", "defavorable")
# (singular, plural) French forms of the verdicts in running text.
COUNT_FORMS = {
    "atteint": ("atteint", "atteints"),
    "en_bonne_voie": ("en bonne voie", "en bonne voie"),
    "a_surveiller": ("à surveiller", "à surveiller"),
    "defavorable": ("défavorable", "défavorables"),
}


@dataclass
class RollUp:
    total: int  # indicators in the group
    with_target: int  # indicators with a direction (hence a verdict)
    counts: Counter  # verdict code -> number

    @property
    def judged(self) -> int:
        return sum(self.counts[c] for c in JUDGED)

    @property
    def on_track(self) -> int:
        return self.counts["atteint"] + self.counts["en_bonne_voie"]

    @property
    def overall(self) -> str:
        """One reading of the group, never harsher than its own indicators.

        - nothing judged → données insuffisantes;
        - at least a third of the judged indicators défavorables → défavorable;
        - at least three quarters on track and none défavorable → en bonne voie (atteint if all are);
        - otherwise → à surveiller.
        """
        judged = self.judged
        if judged == 0:
            return "donnees_insuffisantes"
        if self.counts["defavorable"] * 3 >= judged:
            return "defavorable"
        if self.counts["defavorable"] == 0 and self.on_track * 4 >= judged * 3:
            return "atteint" if self.counts["atteint"] == judged else "en_bonne_voie"
        return "a_surveiller"

    def short(self) -> str:
        if self.with_target == 0:
            return "indicateurs descriptifs, sans cible"
        return f"{self.on_track} / {self.judged} indicateurs atteints ou en bonne voie" if self.judged else \
            "données insuffisantes pour juger"

    def sentence(self) -> str:
        parts = [f"{self.counts[c]} {COUNT_FORMS[c][self.counts[c] > 1]}" for c in JUDGED if self.counts[c]]
        lack = self.counts["donnees_insuffisantes"]
        text = (f"Sur {self.total} indicateurs, {self.with_target} ont une cible"
                + (f" : {', '.join(parts)}" if parts else "")
                + (f" ; {lack} sans données suffisantes" if lack else "") + ".")
        return text


def roll_up(results: list[IndicatorResult]) -> RollUp:
    counts: Counter = Counter()
    with_target = 0
    for r in results:
        if r.indicator.direction != "none" or r.verdict is not None:
            with_target += 1
            counts[r.verdict.code if r.verdict else "donnees_insuffisantes"] += 1
    return RollUp(total=len(results), with_target=with_target, counts=counts)


def most_off_track(results: list[IndicatorResult], n: int = 3) -> list[IndicatorResult]:
    """Défavorable first, then à surveiller; ties broken by référentiel order."""
    judged = [r for r in results if r.verdict is not None and r.verdict.code in ("defavorable", "a_surveiller")]
    return sorted(judged, key=lambda r: -VERDICT_RANK[r.verdict.code])[:n]
