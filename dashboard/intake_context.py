"""What the importers need to know from the référentiel (the data layer does not read it):
the indicator ids a values file may carry, which of them are shares in % (0 to 100), and every
indicator id (an indicator newly available for steering names one)."""

from __future__ import annotations

from functools import cache

from .referentiel import load_referentiel


@cache
def _ids() -> tuple[frozenset[str], frozenset[str]]:
    ref = load_referentiel()
    ids = [i for i in ref.indicators() if i.source.table == "indicator_value"]
    values = frozenset(str(i.source.where.get("indicator_id")) for i in ids if i.source.where)
    shares = frozenset(str(i.source.where.get("indicator_id")) for i in ids if i.source.where and i.unit == "%")
    return values, shares


@cache
def _all_ids() -> frozenset[str]:
    return frozenset(i.id for i in load_referentiel().indicators())


def context_kwargs() -> dict:
    """Keyword arguments for :func:`data_access.intake.load_context` / ``validate_file``."""
    values, shares = _ids()
    return {"indicator_ids": values, "share_indicators": shares, "all_indicator_ids": _all_ids()}
