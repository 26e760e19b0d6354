"""Roll-up of verdicts: per criterion, per question, and the indicators most off track.

A roll-up says its coverage: of the indicators that have a target, how many could be judged
(``atteint``, ``en_bonne_voie``, ``a_surveiller``, ``defavorable``); the others read
``a_confirmer`` (too few events) or ``donnees_insuffisantes`` (too few years, no data). The
overall reading (:attr:`RollUp.overall`) is read on the judged indicators only, never reads
"atteint" unless every indicator with a target was judged, and abstains ("données
insuffisantes") when fewer than half of them were. Rule in French: ``verdict.ROLE_DOC``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from dashboard.core.results import VERDICT_RANK, IndicatorResult

JUDGED = ("atteint", "en_bonne_voie", "a_surveiller", "defavorable")
# (singular, plural) French forms of the verdicts in running text.
COUNT_FORMS = {
    "atteint": ("atteint", "atteints"),
    "en_bonne_voie": ("en bonne voie", "en bonne voie"),
    "a_surveiller": ("à surveiller", "à surveiller"),
    "defavorable": ("défavorable", "défavorables"),
}
# Verdicts that do not judge: too few events, too few years (in this order in the sentence).
NOT_JUDGED = {
    "a_confirmer": "à confirmer (faibles effectifs)",
    "donnees_insuffisantes": "sans données suffisantes",
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
    def coverage(self) -> str:
        """"4 indicateurs jugés sur 6": judged indicators among those with a target."""
        plural = self.judged > 1
        return f"{self.judged} indicateur{'s' if plural else ''} jugé{'s' if plural else ''} sur {self.with_target}"

    @property
    def overall(self) -> str:
        """One reading of the group, never harsher than its own indicators, and honest on coverage.

        - fewer than half of the indicators with a target judged (the others à confirmer or
          without enough data) → données insuffisantes: a minority does not speak for the group;
        - at least a third of the judged indicators défavorables → défavorable;
        - at least three quarters on track and none défavorable → en bonne voie; atteint only if
          all are atteints *and* every indicator with a target was judged;
        - otherwise → à surveiller.
        """
        judged = self.judged
        if judged == 0 or judged * 2 < self.with_target:
            return "donnees_insuffisantes"
        if self.counts["defavorable"] * 3 >= judged:
            return "defavorable"
        if self.counts["defavorable"] == 0 and self.on_track * 4 >= judged * 3:
            complete = judged >= self.with_target
            return "atteint" if self.counts["atteint"] == judged and complete else "en_bonne_voie"
        return "a_surveiller"

    def short(self) -> str:
        """The tile's line: "4 indicateurs jugés sur 6 · 3 atteints ou en bonne voie"."""
        if self.with_target == 0:
            return "indicateurs descriptifs, sans cible"
        if not self.judged:
            return f"{self.coverage} : données insuffisantes pour juger"
        return f"{self.coverage} · {self.on_track} atteint{'s' if self.on_track > 1 else ''} ou en bonne voie"

    def sentence(self) -> str:
        parts = [f"{self.counts[c]} {COUNT_FORMS[c][self.counts[c] > 1]}" for c in JUDGED if self.counts[c]]
        unjudged = [f"{self.counts[c]} {text}" for c, text in NOT_JUDGED.items() if self.counts[c]]
        text = (f"Sur {self.total} indicateurs, {self.with_target} ont une cible"
                + (f" : {', '.join(parts)}" if parts else "")
                + "".join(f" ; {u}" for u in unjudged) + ".")
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
