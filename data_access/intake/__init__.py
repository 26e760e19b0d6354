"""Validated imports of the partners' files, and the same validation for the data-entry forms.

Three steps, none of which writes before the last:

1. :func:`validate` reads the file (CSV or XLSX, see :mod:`data_access.tabular`), matches its
   headers to the dataset's fields, parses every cell (French number, date and yes/no spellings,
   codes or their French labels, territory codes with or without their leading zero or names) and
   checks every row; it reports **all** problems, each as a French sentence naming the file, the
   line, the column, the value found and what was expected.
2. :func:`preview` compares the valid rows with the part of the store the file replaces (see
   :mod:`data_access.datasets`): rows to add, to update and to remove, per year.
3. :func:`apply` writes the preview in one transaction (all rows or none), records the delivery
   of the partner, writes the journal and bumps the data version the caches key on. It refuses if
   the store changed since the preview.

Re-importing the same file finds nothing to add, update or remove: the store is unchanged (the
journal records the attempt with the outcome "aucun changement").

The sections are modules: ``context`` (errors, reference data), ``parse`` (cells), ``validate``,
``preview`` and ``write``; the package re-exports their public API, the only names other modules use.
"""

from .context import MAX_LISTED, Context, IntakeError, UnknownDataset, load_context, year_of
from .parse import Parser, excel_serial_date, parse_date, parse_number
from .preview import Preview, RightsRefused, fill_derived, preview, stored_territory
from .validate import (
    Problem,
    Validated,
    detect_dataset,
    header_scorer,
    keys_stored_elsewhere,
    row_territory,
    show_value,
    validate,
    validate_file,
)
from .write import (
    ImportBusy,
    Outcome,
    StaleData,
    apply,
    delete_rows,
    dependants,
    record_rejection,
    row_values,
    write_children,
    write_preview,
)

__all__ = [
    "Context",
    "ImportBusy",
    "IntakeError",
    "MAX_LISTED",
    "Outcome",
    "Parser",
    "Preview",
    "Problem",
    "RightsRefused",
    "StaleData",
    "UnknownDataset",
    "Validated",
    "apply",
    "delete_rows",
    "dependants",
    "detect_dataset",
    "excel_serial_date",
    "fill_derived",
    "header_scorer",
    "keys_stored_elsewhere",
    "load_context",
    "parse_date",
    "parse_number",
    "preview",
    "record_rejection",
    "row_territory",
    "row_values",
    "show_value",
    "stored_territory",
    "validate",
    "validate_file",
    "write_children",
    "write_preview",
    "year_of",
]
