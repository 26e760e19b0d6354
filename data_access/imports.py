"""The import service: what the command line and the import page both call to take a partner's
file — read and validate it, preview what it changes, journal every refusal and failure, and
write it on confirmation. The steps themselves are in :mod:`data_access.intake`.

Guarantees:

- nothing is written before :func:`confirm`, and :func:`confirm` writes in one serialised
  transaction (see :func:`data_access.intake.apply`);
- an import that removes rows already received needs ``removals_confirmed=True``: the user has
  seen the removals per territory and said yes;
- a file is refused (journal outcome ``rejete``) with French sentences naming file, line, column
  and what was expected; an unexpected error is journaled as ``echec`` and reported as a French
  sentence — no traceback, no SQL, no raw exception text reaches the user.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from . import intake
from .journal import record as journal_record
from .users import User

log = logging.getLogger(__name__)


class ImportFailed(intake.IntakeError):
    """An unexpected error stopped the import; it was journaled (outcome ``echec``)."""


@dataclass
class Checked:
    """A file read, validated and previewed (or refused)."""

    file_name: str
    checksum: str
    dataset: str | None = None
    validated: intake.Validated | None = None
    preview: intake.Preview | None = None
    problems: list[str] = field(default_factory=list)   # French sentences; empty when importable
    problem_count: int = 0
    journal_id: int | None = None                       # the rejection or failure entry
    failed: bool = False                                # an unexpected error, not the file's fault
    usage_error: bool = False                           # the dataset could not be told or is unknown

    @property
    def ok(self) -> bool:
        return self.preview is not None and not self.problems

    @property
    def needs_confirmation(self) -> bool:
        """The import removes rows already received: the user must confirm those removals."""
        return bool(self.ok and self.preview.removed)


def safe_detail(exc: BaseException) -> str:
    """A short description of an unexpected error for the journal: its type and first line, never
    the SQL statement nor its parameters."""
    if isinstance(exc, DBAPIError):
        orig = exc.orig
        first = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
        return f"{type(orig).__name__} (base de données) : {first[:300]}"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__} : {first[:300]}"


def _failure_message(file_name: str, journal_id: int | None) -> str:
    ref = f" (journal n° {journal_id})" if journal_id else ""
    return (f"{file_name} : l'import a échoué à cause d'une erreur inattendue ; rien n'a été écrit. L'incident est "
            f"noté au journal{ref} : signalez-le à l'administrateur avec ce numéro.")


def record_failure(engine: Engine, *, username: str, dataset: str | None, file_name: str, checksum: str | None,
                   exc: BaseException, institution: str | None = None, action: str = "import") -> int | None:
    """Journal an unexpected error (outcome ``echec``); returns the entry's id (None if even that fails)."""
    log.exception("import of %s failed", file_name, exc_info=exc)
    try:
        with engine.begin() as conn:
            return journal_record(conn, username=username, action=action, dataset=dataset or "?",
                                  file_name=file_name[:255], checksum=checksum, institution_code=institution,
                                  outcome="echec", detail=safe_detail(exc))
    except Exception:  # noqa: BLE001 - the store itself is unreachable: the message still goes out
        log.exception("could not journal the failure of %s", file_name)
        return None


def check(engine: Engine, data: bytes, file_name: str, *, dataset: str | None = None, user: User | None = None,
          username: str, institution: str | None = None, journal: bool = True,
          context: dict | None = None) -> Checked:
    """Read, validate and preview a file; refusals and failures are journaled (unless ``journal`` is False,
    for a dry run). ``user`` None means no territorial restriction (the command line's administrator)."""
    checksum = hashlib.sha256(data).hexdigest()
    out = Checked(file_name, checksum, dataset)
    kwargs = dict(context or {})
    if user is not None:
        kwargs["allowed_territories"] = user.allowed_territories()
    try:
        try:
            v = intake.validate_file(engine, data, dataset, file_name=file_name, **kwargs)
        except intake.IntakeError as exc:
            out.problems, out.problem_count = list(exc.problems), len(exc.problems)
            out.usage_error = isinstance(exc, intake.UnknownDataset)
        else:
            out.validated, out.dataset = v, v.dataset.name
            if not v.ok:
                out.problems = v.messages() or [f"{file_name} : le fichier n'a aucune ligne de données sous l'en-tête."]
                out.problem_count = len(v.problems) or 1
            else:
                try:
                    with engine.connect() as conn:
                        out.preview = intake.preview(conn, v)
                except intake.RightsRefused as exc:
                    out.problems, out.problem_count = list(exc.problems), len(exc.problems)
        if out.problems and journal:
            out.journal_id = intake.record_rejection(
                engine, username=username, dataset=out.dataset or "?", file_name=file_name[:255], checksum=checksum,
                problems=out.problems, institution=institution)
    except Exception as exc:  # noqa: BLE001 - any other error is ours, not the file's: journal it
        out.validated, out.preview, out.failed = None, None, True
        out.journal_id = record_failure(engine, username=username, dataset=out.dataset, file_name=file_name,
                                        checksum=checksum, exc=exc, institution=institution) if journal else None
        out.problems, out.problem_count = [_failure_message(file_name, out.journal_id)], 1
    return out


def confirm(engine: Engine, checked: Checked, *, username: str, institution: str | None = None,
            removals_confirmed: bool = False, action: str = "import") -> intake.Outcome:
    """Write a checked file. Raises :class:`~data_access.intake.IntakeError` (French) when it cannot:
    removals not confirmed, the store changed since the preview, another import holds the lock,
    or an unexpected error (journaled as ``echec``)."""
    if not checked.ok:
        raise intake.IntakeError(checked.problems or [f"{checked.file_name} : fichier non vérifié."])
    pv = checked.preview
    if pv.removed and not removals_confirmed:
        raise intake.IntakeError(
            f"{checked.file_name} : cet import supprime des données déjà reçues ({pv.removals_text()}). "
            "Confirmez ces suppressions pour importer le fichier.")
    try:
        return intake.apply(engine, pv, username=username, institution=institution, action=action)
    except intake.StaleData as exc:
        intake.record_rejection(engine, username=username, dataset=pv.dataset.name, file_name=checked.file_name[:255],
                                checksum=checked.checksum, problems=list(exc.problems), institution=institution)
        raise
    except intake.ImportBusy:
        raise  # not journaled: the store is busy (the journal too), nothing happened, the user retries
    except intake.IntakeError:
        raise
    except Exception as exc:  # noqa: BLE001
        jid = record_failure(engine, username=username, dataset=pv.dataset.name, file_name=checked.file_name,
                             checksum=checked.checksum, exc=exc, institution=institution)
        raise ImportFailed(_failure_message(checked.file_name, jid)) from None


__all__ = ["Checked", "ImportFailed", "check", "confirm", "record_failure", "safe_detail"]
