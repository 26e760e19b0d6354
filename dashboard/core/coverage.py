"""Which indicators of the référentiel have data, for which years and territories."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from sqlalchemy.engine import Engine

from dashboard.core.referentiel import Referentiel, load_referentiel
from data_access.source_query import coverage_frame


@dataclass
class IndicatorCoverage:
    id: str
    question: str
    kind: str
    label: str
    table: str
    rows: int
    years: list[int] = field(default_factory=list)
    territories: list[str] = field(default_factory=list)

    @property
    def showable(self) -> bool:
        """The question page has something to draw (at least one row of its population)."""
        return self.rows > 0

    def as_dict(self) -> dict:
        out = asdict(self)
        out["showable"] = self.showable
        return out


def indicator_coverage(engine: Engine, ref: Referentiel | None = None) -> list[IndicatorCoverage]:
    ref = ref or load_referentiel()
    out: list[IndicatorCoverage] = []
    with engine.connect() as conn:
        for q in ref.questions:
            for c in q.criteria:
                for ind in c.indicators:
                    frame = coverage_frame(conn, ind.source)
                    out.append(IndicatorCoverage(
                        id=ind.id,
                        question=q.id,
                        kind=ind.kind,
                        label=ind.short_label,
                        table=ind.source.table,
                        rows=int(frame["rows"].sum()) if not frame.empty else 0,
                        years=sorted(int(y) for y in frame["year"].dropna().unique()) if not frame.empty else [],
                        territories=sorted(str(t) for t in frame["territory_code"].dropna().unique())
                        if not frame.empty else [],
                    ))
    return out
