"""Warm the materialised aggregates after a write, so that the first page view is fast."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from dashboard.core.filters import REGION, Filters, territory_scope
from dashboard.core.indicators import Reference, compute
from dashboard.core.referentiel import load_referentiel
from data_access import queries
from data_access.indicator_data import territories_present


def warm_aggregates(engine: Engine) -> int:
    """Compute every indicator once for the whole region and period (stores its aggregates), and
    where its rows are recorded.

    Every territory view, map and bilan reuses the same region-wide aggregates, so one pass covers them all.
    Returns the number of indicators computed.
    """
    ref = Reference.from_engine(engine)
    years = queries.reporting_years(engine)
    if not years:
        return 0
    indicators = load_referentiel().indicators()
    region = sorted(territory_scope(REGION, ref.territories, ref.perimeters))
    for ind in indicators:
        compute(engine, ind, Filters(years[0], years[-1]), ref)
        with engine.connect() as conn:  # where each source has rows: territory views, maps, bilans
            territories_present(conn, ind.source, territories=region)
    return len(indicators)
