"""French number and date formats (Babel, locale fr_FR): ``1 234,5``, ``23/11/2026``."""

from __future__ import annotations

import datetime as dt
import math

from babel.dates import format_date as _format_date
from babel.numbers import format_decimal, format_percent

LOCALE = "fr_FR"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_number(value, decimals: int = 0) -> str:
    """``1234.5`` → ``1 234,5`` (narrow no-break space as thousands separator)."""
    if _missing(value):
        return "—"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def fmt_percent(value, decimals: int = 1) -> str:
    """A share in [0, 1] → ``42,5 %``."""
    if _missing(value):
        return "—"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "") + "%"
    # French typography: a narrow no-break space before the percent sign, as in the figures.
    return format_percent(value, format=pattern, locale=LOCALE).replace("%", "\u202f%")


def fmt_date(value) -> str:
    """A date → ``23/11/2026``."""
    if _missing(value):
        return "—"
    if isinstance(value, dt.datetime):
        value = value.date()
    return _format_date(value, format="dd/MM/yyyy", locale=LOCALE)


def fmt_period(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"
