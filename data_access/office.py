"""Files meant for office software (CSV, XLSX): no text cell may run as a formula.

A spreadsheet program treats a cell starting with ``=``, ``+``, ``-`` or ``@`` (and, once a tab or
carriage return is trimmed, what follows it) as a formula: a comment ``=HYPERLINK("http://…")`` or
a partner value ``=1+cmd|…`` would be live in the file a user opens (OWASP "CSV injection").
Every TEXT cell of such a file goes through this module; numbers, dates and booleans are left alone.

- CSV (:func:`neutralise`, :func:`safe_frame`): a dangerous text gets a leading single quote ``'``,
  which the spreadsheet reads as "this is text" (the quote stays visible in the cell).
- XLSX written with openpyxl (:func:`set_safe`, :func:`protect_cell`, :func:`protect_workbook`):
  openpyxl turns any string starting with ``=`` into a formula. A dangerous text is written as a
  plain string cell (``data_type = "s"``: the value is stored as text, never as a formula) with the
  cell's ``quotePrefix`` style flag, Excel's own mark for "typed with a leading apostrophe": the
  cell shows the text exactly as typed (no visible quote, no altered data) and stays text when
  someone edits it and presses Enter. No literal ``'`` is added to XLSX cells.

Not for the round-trip export bundle (``bundle.py``), which must stay byte-exact, nor for the
partner-format files (``dataset_files.py``).
"""

from __future__ import annotations

import pandas as pd

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def is_dangerous(value) -> bool:
    """True for a string that office software could take for a formula."""
    return isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES)


def neutralise(value):
    """The value for a CSV cell: a dangerous string prefixed with ``'``, anything else unchanged."""
    return QUOTE + value if is_dangerous(value) else value


def _is_text_column(series: pd.Series) -> bool:
    dtype = series.dtype
    return (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)
            or isinstance(dtype, pd.CategoricalDtype))


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` for CSV: every string cell (and column name) neutralised, numbers untouched."""
    out = frame.copy()
    for col in out.columns:
        if _is_text_column(out[col]):
            out[col] = out[col].map(neutralise)
    return out.rename(columns=lambda c: neutralise(c) if isinstance(c, str) else c)


def protect_cell(cell) -> None:
    """Make an openpyxl cell holding a dangerous string a plain text cell (never a formula)."""
    if is_dangerous(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True


def set_safe(cell, value) -> None:
    """Assign ``value`` to an openpyxl cell, as text when it could be taken for a formula."""
    cell.value = value
    protect_cell(cell)


def protect_worksheet(ws) -> None:
    for row in ws.iter_rows():
        for cell in row:
            protect_cell(cell)


def protect_workbook(wb) -> None:
    """:func:`protect_cell` on every cell of every sheet (call it after writing, before saving)."""
    for ws in wb.worksheets:
        protect_worksheet(ws)
