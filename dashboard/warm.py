"""Warm the materialised aggregates after a write, so that the first page view is fast."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from data_access import queries

from .filters import Filters
from .indicators import Reference, compute
from .referentiel import load_referentiel


def warm_aggregates(engine: Engine) -> int:
    """Compute every indicator once for the whole region and period (stores its aggregates).

    Every territory view reuses the same region-wide aggregates, so one pass covers them all.
    Returns the number of indicators computed.
    """
    ref = Reference.from_engine(engine)
    years = queries.reporting_years(engine)
    if not years:
        return 0
    indicators = load_referentiel().indicators()
    for ind in indicators:
        compute(engine, ind, Filters(years[0], years[-1]), ref)
    return len(indicators)
