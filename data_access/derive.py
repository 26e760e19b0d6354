"""Columns derived on write from other columns of the same row.

Stored rather than computed at query time so that SQL can aggregate them the
same way on SQLite and PostgreSQL (medians, thresholds) at 100x scale. Every
write path (sample generator, bundle import, validating importers, forms) calls
:func:`derive_row` or :func:`derive_frame` before inserting.
"""

from __future__ import annotations

import pandas as pd


def derive_frame(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Fill the derived columns of a frame about to be written to ``table``."""
    if table == "retention_case":
        frame = frame.copy()
        sig = pd.to_datetime(frame["signalement_date"])
        frame["signalement_delay_days"] = (sig - pd.to_datetime(frame["sick_leave_start"])).dt.days.astype("Int64")
        frame["pathway_days"] = (pd.to_datetime(frame["solution_date"]) - sig).dt.days.astype("Int64")
    return frame


DERIVED_COLUMNS = {"retention_case": ("signalement_delay_days", "pathway_days")}

__all__ = ["derive_frame", "DERIVED_COLUMNS"]
