"""Step 2, preview: what an import would add, update and remove, per year and territory
(:func:`preview`); nothing is written."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.engine import Connection

from ..dataset_files import PARENT_TERRITORY, in_years, list_values, stored_select
from ..datasets import Dataset
from ..db import get_meta
from ..derive import DERIVED_COLUMNS, derive_frame
from ..wording import count
from .context import IntakeError, _norm_key, year_of
from .validate import Validated, show_value

# --- preview (what the import would change) ------------------------------------------------------


@dataclass
class Preview:
    validated: Validated
    data_version: int
    added: list[dict]
    updated: list[tuple[int, dict, dict]]       # (id or key, new record, old record)
    removed: list[dict]
    unchanged: int
    by_year: pd.DataFrame                       # year × added/updated/removed/unchanged
    replaced: list[str]                         # French sentences: which (year, scope) are replaced
    by_territory: pd.DataFrame | None = None    # territory × added/updated/removed/unchanged

    def same_changes(self, other: "Preview") -> bool:
        """The two previews add, update and remove the same rows with the same values."""
        ds = self.dataset

        def keys(recs):
            return sorted((tuple(str(_norm_key(r.get(k))) for k in ds.key) for r in recs))

        return (keys(self.added) == keys(other.added) and keys(self.removed) == keys(other.removed)
                and keys([n for _, n, _ in self.updated]) == keys([n for _, n, _ in other.updated])
                and sorted(str(o) for o, _, _ in self.updated) == sorted(str(o) for o, _, _ in other.updated))

    def removals_text(self) -> str:
        """« 42 lignes déjà reçues supprimées : 01 (6), 07 (6)… » (empty when nothing is removed)."""
        if not self.removed or self.by_territory is None:
            return ""
        parts = [f"{r['Territoire']} ({r['supprimées']})" for r in self.by_territory.to_dict("records")
                 if r["supprimées"]]
        n = len(self.removed)
        return (f"{n} ligne{'s' if n > 1 else ''} déjà reçue{'s' if n > 1 else ''} "
                f"supprimée{'s' if n > 1 else ''} : {', '.join(parts)}")

    @property
    def dataset(self) -> Dataset:
        return self.validated.dataset

    @property
    def changes(self) -> int:
        return len(self.added) + len(self.updated) + len(self.removed)

    def summary(self) -> str:
        return (f"{count(len(self.added), 'ligne ajoutée')}, {count(len(self.updated), 'modifiée')}, "
                f"{count(len(self.removed), 'supprimée')}, {count(self.unchanged, 'inchangée')}")


def _table_columns(ds: Dataset) -> list[str]:
    """Columns of the dataset's table a row writes (not id, not derived)."""
    skip = set(DERIVED_COLUMNS.get(ds.table, ())) | set(ds.exclude)
    return [c.name for c in ds.tbl.c if not (c.primary_key and c.name == "id") and c.name not in skip]


def _stored_rows(conn: Connection, ds: Dataset, years: set[int], scope_values: dict[str, set]) -> list[dict]:
    """Stored rows of the dataset within the years and scope values (a superset; filtered by the caller)."""
    stmt, col = stored_select(ds)
    stmt = stmt.where(in_years(ds, col(ds.period), years))
    for name, values in scope_values.items():
        if len(values) <= 500:
            stmt = stmt.where(col(name).in_(sorted(values, key=str)))
    return [dict(r._mapping) for r in conn.execute(stmt)]


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
        except (TypeError, ValueError):
            return False
    if isinstance(a, dt.datetime):
        a = a.date()
    if isinstance(b, dt.datetime):
        b = b.date()
    return a == b


def fill_derived(ds: Dataset, recs: list[dict]) -> None:
    if ds.table in DERIVED_COLUMNS and recs:
        frame = derive_frame(ds.table, pd.DataFrame.from_records(
            [{k: v for k, v in r.items() if not k.startswith("_")} for r in recs]))
        for col in DERIVED_COLUMNS[ds.table]:
            for r, v in zip(recs, frame[col].tolist()):
                r[col] = None if v is None or pd.isna(v) else int(v)


def stored_territory(ds: Dataset, row: dict) -> str | None:
    """The territory of a stored row: its own column, or its parent's (see ``stored_select``)."""
    return row.get("territory_code") or row.get(PARENT_TERRITORY)


class RightsRefused(IntakeError):
    """The import would remove or change rows of territories the sender may not write."""


def preview(conn: Connection, validated: Validated) -> Preview:
    """What writing the validated rows would change, computed against the store.

    Raises :class:`RightsRefused` when a row the file would remove or change belongs to a territory
    the sender may not write (a declaration whose scope reached beyond the file's territories).
    """
    ds = validated.dataset
    rows = validated.rows
    years = {year_of(ds, r) for r in rows}
    combos = {(year_of(ds, r),) + tuple(r.get(s) for s in ds.scope) for r in rows}
    scope_values = {s: {r.get(s) for r in rows} for s in ds.scope}
    stored = [s for s in _stored_rows(conn, ds, years, scope_values)
              if (year_of(ds, s),) + tuple(_norm_key(s.get(x)) for x in ds.scope) in combos]
    children = list_values(conn, ds, [s["id"] for s in stored]) if ds.lists and stored and "id" in stored[0] else {}
    for s in stored:
        for lc in ds.lists:
            s[lc.name] = children.get(lc.name, {}).get(s["id"], ())
    # stored rows by natural key: one each, except for a keyless dataset (identical rows matched one for one)
    by_key: dict[tuple, list[dict]] = defaultdict(list)
    for s in stored:
        by_key[tuple(_norm_key(s.get(k)) for k in ds.key)].append(s)
    list_names = {lc.name for lc in ds.lists}
    compare = [c for c in _table_columns(ds) if ds.lookup is None or c != ds.lookup.fk] + sorted(list_names)
    added, updated = [], []
    unchanged = 0
    blank = {"ajoutées": 0, "modifiées": 0, "supprimées": 0, "inchangées": 0}
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict(blank))
    per_territory: dict[str, dict[str, int]] = defaultdict(lambda: dict(blank))
    for r in rows:
        key = tuple(r.get(k) for k in ds.key)
        waiting = by_key.get(key)
        old = waiting.pop(0) if waiting else None
        y, terr = year_of(ds, r), _row_territory_of_record(ds, r, old)
        if old is None:
            what = "ajoutées"
            added.append(r)
        else:
            # a list the file does not carry is left as stored: not compared
            if all(_same(r.get(c), _norm_key(old.get(c))) for c in compare
                   if (c in r or c in old) and (c in r or c not in list_names)):
                what = "inchangées"
                unchanged += 1
            else:
                what = "modifiées"
                updated.append((old.get("id"), r, old))
        counts[y][what] += 1
        per_territory[terr or "—"][what] += 1
    removed = [s for left in by_key.values() for s in left] if ds.replaces else []
    for s in removed:
        counts[year_of(ds, s)]["supprimées"] += 1
        per_territory[stored_territory(ds, s) or "—"]["supprimées"] += 1
    _check_rights_on_stored(validated, removed, [old for _, _, old in updated])
    by_year = pd.DataFrame([{"Année": y, **c} for y, c in sorted(counts.items())])
    by_territory = pd.DataFrame([{"Territoire": t, **c} for t, c in sorted(per_territory.items())],
                                columns=["Territoire", *blank])
    replaced = []
    if stored and ds.replaces:
        for combo in sorted(combos, key=lambda c: tuple(str(x) for x in c)):
            n = sum(1 for s in stored if (year_of(ds, s),) + tuple(_norm_key(s.get(x)) for x in ds.scope) == combo)
            if n:
                scope_txt = ", ".join(f"{ds.field(s).header} {show_value(v)}" for s, v in zip(ds.scope, combo[1:]))
                replaced.append(f"{combo[0]}{' — ' + scope_txt if scope_txt else ''} : "
                                + count(n, "ligne déjà en base sera remplacée par celles du fichier",
                                        "lignes déjà en base seront remplacées par celles du fichier"))
    version = int(get_meta(conn, "data_version") or 0)
    return Preview(validated, version, added, updated, removed, unchanged, by_year, replaced, by_territory)


def _row_territory_of_record(ds: Dataset, rec: dict, old: dict | None) -> str | None:
    if rec.get("territory_code"):
        return rec["territory_code"]
    return stored_territory(ds, old) if old is not None else rec.get("_territory")


def _check_rights_on_stored(validated: Validated, removed: list[dict], changed: list[dict]) -> None:
    """Refuse when a stored row the import removes or changes is outside the sender's territories."""
    allowed = validated.allowed_territories
    if allowed is None:
        return
    ds = validated.dataset
    outside: dict[str, int] = defaultdict(int)
    for row in [*removed, *changed]:
        terr = stored_territory(ds, row)
        if terr not in allowed:
            outside[terr or "régional"] += 1
    if outside:
        listed = ", ".join(f"{t} ({n} ligne{'s' if n > 1 else ''})" for t, n in sorted(outside.items()))
        raise RightsRefused(
            f"{validated.file_name} : cet import supprimerait ou modifierait des données déjà reçues pour des "
            f"territoires que vous ne pouvez pas modifier : {listed}. Rien n'a été écrit ; importez seulement les "
            f"données de vos territoires ({', '.join(sorted(allowed)) or 'aucun'}).")


