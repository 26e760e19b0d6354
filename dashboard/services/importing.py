"""The one import service: every write of partner data goes through here, whether it comes from
``python -m dashboard import``, the import page or a data-entry form.

Each entry point adds what only the application knows — what the référentiel tells the validation
(the indicator ids a values file may carry, which are shares in %, every indicator id) — and hands
over to the data layer, which does the work in its steps:

- read and validate (:mod:`data_access.intake.validate`), journal a refusal or a failure, preview
  the changes (:mod:`data_access.intake.preview`): :func:`check_file`;
- write a checked file in one serialised transaction (:mod:`data_access.intake.write`), refusing
  removals not confirmed or a store changed since the preview: :func:`confirm_file`;
- one record of a form, validated exactly as a one-line file would be: :func:`save_record`,
  :func:`delete_record`, :func:`save_rows` (:mod:`data_access.records`).

Every refusal is an :class:`~data_access.intake.IntakeError` whose ``problems`` are French sentences
naming file, line, column and what was expected.
"""

from __future__ import annotations

from functools import cache

from sqlalchemy.engine import Engine

from dashboard.core.kinds import spec
from dashboard.core.referentiel import load_referentiel
from data_access import imports, intake, records
from data_access.imports import Checked, ImportFailed
from data_access.users import User

__all__ = ["Checked", "ImportFailed", "check_file", "confirm_file", "context_kwargs", "delete_record", "save_record",
           "save_rows", "validate_file"]


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


@cache
def _objective_ids() -> tuple[frozenset[str], frozenset[str]]:
    """Indicators an objective may name (a value per year: every kind but calendars), and those in %."""
    inds = [i for i in load_referentiel().indicators() if spec(i.kind).shape != "calendar"]
    return frozenset(i.id for i in inds), frozenset(i.id for i in inds if spec(i.kind).percent)


def context_kwargs() -> dict:
    """What the référentiel tells the validation (the data layer does not read it): keyword arguments
    of :func:`data_access.intake.load_context`."""
    values, shares = _ids()
    objective_ids, percent_ids = _objective_ids()
    return {"indicator_ids": values, "share_indicators": shares, "all_indicator_ids": _all_ids(),
            "objective_indicators": objective_ids, "percent_indicators": percent_ids}


def check_file(engine: Engine, data: bytes, file_name: str, *, dataset: str | None = None, user: User | None = None,
               username: str, institution: str | None = None, journal: bool = True) -> Checked:
    """Read, validate and preview a partner's file; nothing is written but the journal entry of a
    refusal (none with ``journal=False``, a dry run). ``user`` None: no territorial restriction (the
    command line run by the server's administrator)."""
    return imports.check(engine, data, file_name, dataset=dataset, user=user, username=username,
                         institution=institution, journal=journal, context=context_kwargs())


def confirm_file(engine: Engine, checked: Checked, *, username: str, institution: str | None = None,
                 removals_confirmed: bool = False) -> intake.Outcome:
    """Write a checked file in one transaction (see :func:`data_access.imports.confirm`)."""
    return imports.confirm(engine, checked, username=username, institution=institution,
                           removals_confirmed=removals_confirmed)


def validate_file(engine: Engine, source, dataset: str | None = None, *, file_name: str | None = None,
                  user: User | None = None) -> intake.Validated:
    """Only read and validate (no journal, no preview): the example files and the format docs."""
    kwargs = context_kwargs()
    if user is not None:
        kwargs["allowed_territories"] = user.allowed_territories()
    return intake.validate_file(engine, source, dataset, file_name=file_name, **kwargs)


def save_record(engine: Engine, dataset: str, values: dict, user: User, record_id: int | None = None) -> int:
    """Add or edit one row of a form; returns its id."""
    return records.save_record(engine, dataset, values, user, record_id, context=context_kwargs())


def delete_record(engine: Engine, dataset: str, record_id: int, user: User) -> None:
    """Delete one row of a form, with what depends on it."""
    records.delete_record(engine, dataset, record_id, user)


def save_rows(engine: Engine, dataset: str, rows: list[dict], user: User) -> intake.Outcome:
    """Replace the scope a form's table covers (the attendance of a meeting…), as an import would."""
    return records.save_rows(engine, dataset, rows, user, context=context_kwargs())
