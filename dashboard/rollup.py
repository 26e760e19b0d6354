"""Roll-up of verdicts: per criterion, per question, and the indicators most off track."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .results import VERDICT_LABELS, VERDICT_RANK, IndicatorResult

JUDGED = ("atteint", "en_bonne_voie", "a_surveiller", "defavorable")


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
        """A one-word reading of the group: the share of judged indicators on track."""
        if self.judged == 0:
            return "donnees_insuffisantes"
        ratio = self.on_track / self.judged
        if self.counts["defavorable"] == 0 and ratio >= 0.75:
            return "en_bonne_voie" if self.counts["atteint"] < self.judged else "atteint"
        if ratio >= 0.5:
            return "a_surveiller"
        return "defavorable"

    def short(self) -> str:
        if self.with_target == 0:
            return "indicateurs descriptifs, sans cible"
        return f"{self.on_track} / {self.judged} indicateurs atteints ou en bonne voie" if self.judged else \
            "données insuffisantes pour juger"

    def sentence(self) -> str:
        parts = [f"{self.counts[c]} {VERDICT_LABELS[c].lower()}" for c in JUDGED if self.counts[c]]
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
