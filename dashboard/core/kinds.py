"""The registry of indicator kinds: what each kind of the référentiel *is*, declared once.

Every module that treats kinds differently (computation, verdict volumes, secrecy, tables, maps,
territorial comparison, figures, bilans) reads the properties below instead of matching kind names,
so a new kind is one entry here plus, where it draws something new, its figure builder
(``dashboard/figures.BUILDERS``, checked by a test to cover every kind).

Pure data, no Streamlit, no database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Shape = Literal["grouped", "duration", "existence", "calendar"]


@dataclass(frozen=True)
class KindSpec:
    name: str
    label: str                 # French name shown in the block header ("Part", "Délai"…)
    shape: Shape               # how the series is computed: grouped counts / shares, medians, a matrix, a calendar
    display: str               # its figure (dashboard/figures.BUILDERS): line, share_line, boxes, stacked_bars…
    percent: bool = False      # the value is a share in [0, 1]: shown in %, judged as a share (bound at 100 %)
    ratio: bool = False        # measured as numerator / denominator (both summed across territories and years)
    events: bool = False       # the value counts events: 0 when data were received, summable, its own volume
    yearly: bool = False       # one value per year on a time chart (missing and incomplete years are marked)
    mappable: bool = True      # a value per territory: maps, rankings, small multiples
    transmission: bool = False  # its years carry a transmission status (transmis, zéro, partiel, non transmis)
    breakdown: bool = False    # a ``by`` column breaks its yearly series down by category
    volume: Literal["value", "denominator"] | None = None  # how many events a yearly value rests on
    respondents: bool = False  # a survey: the denominator is respondents, the share is of answers "d'accord"
    records: bool = False      # the block lists its records (title, text) under the chart
    fixed_unit: str | None = None  # the unit whatever the indicator says (maps legend): "%", "jours"

    @property
    def sql_measure(self) -> str:
        """What ``data_access.source_query.grouped`` aggregates for it: ``share``, ``survey`` or ``count``."""
        if self.ratio:
            return "survey" if self.respondents else "share"
        return "count"

    @property
    def secret_measures(self) -> dict[str, str]:
        """Counted measures of a per-territory frame → the series column holding each (secrecy)."""
        if self.ratio:
            return {"numerator": "numerator", "denominator": "denominator"}
        if self.shape == "duration":
            return {"n": "denominator"}
        return {"value": "value"}


KINDS: dict[str, KindSpec] = {k.name: k for k in (
    KindSpec("count", "Volume", "grouped", "line",
             events=True, yearly=True, transmission=True, breakdown=True, volume="value"),
    KindSpec("share", "Part", "grouped", "share_line",
             percent=True, ratio=True, yearly=True, transmission=True, breakdown=True, volume="denominator",
             fixed_unit="%"),
    KindSpec("survey", "Enquête de perception", "grouped", "share_line",
             percent=True, ratio=True, yearly=True, transmission=True, volume="denominator", respondents=True,
             fixed_unit="%"),
    KindSpec("typology", "Typologie", "grouped", "stacked_bars",
             events=True, yearly=True, transmission=True, breakdown=True, volume="value"),
    KindSpec("descriptor", "Descripteur qualitatif", "grouped", "category_bars",
             events=True, transmission=True, breakdown=True, volume="value", records=True),
    KindSpec("duration", "Délai", "duration", "boxes",
             yearly=True, transmission=True, volume="denominator", fixed_unit="jours"),
    KindSpec("existence", "Existence", "existence", "matrix", percent=True),
    KindSpec("calendar", "Calendrier", "calendar", "timeline", mappable=False),
)}


def spec(kind: str) -> KindSpec:
    """The registry entry of ``kind`` (KeyError names the unknown kind)."""
    try:
        return KINDS[kind]
    except KeyError:
        raise KeyError(f"unknown indicator kind {kind!r}; known: {sorted(KINDS)}") from None


def kinds_where(**flags) -> tuple[str, ...]:
    """The kind names whose properties equal ``flags`` (e.g. ``kinds_where(mappable=True)``)."""
    return tuple(k.name for k in KINDS.values() if all(getattr(k, f) == v for f, v in flags.items()))


__all__ = ["KINDS", "KindSpec", "kinds_where", "spec"]
