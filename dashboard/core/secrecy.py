"""Statistical secrecy: primary and secondary suppression of small cells (pure functions).

The rule (docs/secrecy.md): a cell of a case-level source counting more than 0 and fewer than
``threshold`` persons is secret (**primary** secrecy). A secret cell must be neither shown nor
deducible: where published cells are bound by an additive relation (a total equals the sum of its
parts: a year's total and its categories, the region and its territories, a CME territory and its
départements), hiding one cell is not enough, since the total minus the other parts gives it back.
**Secondary** secrecy then hides the smallest visible non-zero cell of the relation too, and so on
to a fixpoint, until

- no hidden cell can be recomputed from the published cells, whatever chain of relations is used
  (a relation with a single unknown cell gives it back, and that cell can be used in the next
  relation), and
- in a relation whose total is known, the hidden parts sum to 0 or to at least ``threshold`` (else
  their sum is itself a small cell).

Zero is not secret: a 0 is never hidden for its own sake, and never chosen as a secondary cell.

Cells are any hashable keys with a value (a count of persons). ``unpublished`` cells are not shown
anywhere but take part in relations (e.g. the rows of a region that belong to no territory of a
level); they are secret too when small. ``linked`` groups of cells are hidden together (the
numerator and the denominator of one share). The caller builds the cells and relations of what it
publishes; :func:`suppress` returns which published cells to hide.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

from dashboard.core.kinds import spec

Key = Hashable


@dataclass(frozen=True)
class Relation:
    """``total`` = sum of ``parts`` (every key also in the cells' values)."""

    total: Key
    parts: tuple[Key, ...]

    @property
    def members(self) -> tuple[Key, ...]:
        return (self.total, *self.parts)


def primary(values: Mapping[Key, float], threshold: int) -> set[Key]:
    """Cells counting more than 0 and fewer than ``threshold``."""
    return {k for k, v in values.items() if 0 < v < threshold}


def _deduce(relations: list[Relation], unknown: set[Key]) -> dict[Key, Relation]:
    """Cells a reader can recompute from the known ones, each with the relation that gives it
    (a relation with a single unknown cell gives it back; repeated until nothing more comes)."""
    unknown = set(unknown)
    missing = [sum(m in unknown for m in rel.members) for rel in relations]
    of_cell: dict[Key, list[int]] = {}
    for i, rel in enumerate(relations):
        for m in rel.members:
            if m in unknown:
                of_cell.setdefault(m, []).append(i)
    queue = [i for i, n in enumerate(missing) if n == 1]
    reason: dict[Key, Relation] = {}
    while queue:
        i = queue.pop()
        if missing[i] != 1:
            continue
        cell = next(m for m in relations[i].members if m in unknown)
        unknown.discard(cell)
        reason[cell] = relations[i]
        for j in of_cell.get(cell, ()):
            missing[j] -= relations[j].members.count(cell)
            if missing[j] == 1:
                queue.append(j)
    return reason


def suppress(values: Mapping[Key, float], relations: Iterable[Relation], threshold: int, *,
             hidden: Iterable[Key] = (), unpublished: Iterable[Key] = (),
             linked: Iterable[Iterable[Key]] = ()) -> set[Key]:
    """Published cells to hide: the primary ones (small, or listed in ``hidden``) and the secondary ones.

    ``values``: every cell (published or not) -> its count. ``relations``: additive relations between
    cells. ``hidden``: published cells to hide whatever their value (hidden for another reason).
    ``unpublished``: cells shown nowhere. ``linked``: groups of cells hidden together.
    """
    relations = [r for r in relations if r.parts]
    unpublished = set(unpublished)
    published = set(values) - unpublished
    groups: dict[Key, set[Key]] = {}
    for group in linked:
        group = set(group)
        for k in group:
            groups.setdefault(k, set()).update(group)

    def with_linked(keys: Iterable[Key]) -> set[Key]:
        out = set()
        for k in keys:
            out |= groups.get(k, {k})
        return out & published

    small = primary(values, threshold)
    masked = with_linked((small | set(hidden)) & published)
    protect = {k for k in small | masked if values.get(k, 0) != 0}
    order = {k: i for i, k in enumerate(values)}

    for _ in range(10 * len(values) + 10):
        unknown = masked | unpublished
        reason = _deduce(relations, unknown)
        known = (published - masked) | set(reason)
        violations = [reason[k] for k in reason if k in protect]
        for rel in relations:
            if rel.total in known:
                open_parts = [p for p in rel.parts if p not in known]
                total = sum(values[p] for p in open_parts)
                if any(p in protect for p in open_parts) and 0 < total < threshold:
                    violations.append(rel)
        if not violations:
            return masked
        progress = False
        for rel in violations:
            visible = [m for m in rel.members if m in published and m not in masked and values[m] != 0]
            if visible:
                # the smallest visible non-zero cell; on a tie a part rather than the total
                pick = min(visible, key=lambda m: (values[m], m == rel.total, order[m]))
                masked |= with_linked([pick])
                protect |= {k for k in with_linked([pick]) if values[k] != 0}
                progress = True
                break
            # only deduced unpublished cells left: protect one of them (the smallest), so that the
            # relation that gives it back gets a secondary cell in the next round. One is enough to
            # cut this relation; protecting them all would also protect cells that merely repeat a
            # published one (a year's numerator and its copy in the period's chain) and force that
            # published cell to be hidden for nothing.
            derived = {m for m in rel.members if m in unpublished and m in reason and values[m] != 0} - protect
            if derived:
                protect.add(min(derived, key=lambda m: (values[m], order[m])))
                progress = True
                break
        if not progress:  # nothing left that could be hidden: hide every non-zero cell of those relations
            rest = {m for rel in violations for m in rel.members
                    if m in published and m not in masked and values[m] != 0}
            if not rest:
                return masked
            masked |= with_linked(rest)
    return masked


# ---------------------------------------------------------------------------------------------
# Applying the rule to one indicator's result (dashboard.core.indicators.compute)
# ---------------------------------------------------------------------------------------------

NONE = "∅"   # the key of a missing category ("Non renseigné")
PERIOD = "période"


def _measures(kind: str) -> dict[str, str]:
    """Counted measure of the per-territory frame -> the series column holding it."""
    return spec(kind).secret_measures


def category_key(value) -> Hashable:
    try:
        missing = value is None or value != value
    except (TypeError, ValueError):
        missing = False
    return NONE if missing else value


class Cells:
    """Cells, relations, unpublished cells and linked groups being gathered for :func:`suppress`."""

    def __init__(self):
        self.values: dict = {}
        self.relations: list[Relation] = []
        self.unpublished: set = set()
        self.linked: list = []

    def add_sum(self, total, parts: list, rest_key) -> None:
        """``total`` = sum of ``parts``, plus an unpublished ``rest_key`` cell for the difference (none
        if the parts exceed the total: they overlap, no additive relation)."""
        rest = self.values.get(total, 0.0) - sum(self.values.get(k, 0.0) for k in parts)
        if rest < -1e-9:
            return
        parts = list(parts)
        if rest > 1e-9:
            self.values[rest_key] = rest
            self.unpublished.add(rest_key)
            parts.append(rest_key)
        self.relations.append(Relation(total, tuple(parts)))

    def territorial(self, frame, measures: list[str], codes: dict[str, str], scopes: dict[str, dict], years,
                    suffix: tuple = (), period: bool = False) -> None:
        """Per-territory cells ``("t", code, year, measure, *suffix)`` of a frame of counts per ``year``
        and ``territory_code`` (the codes rows are recorded under).

        ``codes``: every published territory code -> its level ("region", "cme", "departement");
        ``scopes``: code -> {year: codes of the rows it sums that year}. Relations: a territory equals
        the sum of the territories of another level that it contains when these are disjoint (the
        region and its départements, the region and its CME territories, a CME territory and its
        départements); its other rows make an unpublished ``("rest", …)`` cell. ``period``: also the
        period's cells ``("t", code, PERIOD, measure, *suffix)`` and their relations, when the
        perimeters do not change within the period.
        """
        by_year: dict = {}
        if frame is not None and not frame.empty:
            grouped = frame.groupby(["year", "territory_code"], dropna=False)[measures].sum()
            for (year, code), row in zip(grouped.index, grouped.to_dict("records")):
                by_year.setdefault(int(year), {})[code] = row
        templates = {}
        for year in years:
            atoms = by_year.get(year, {})
            present = {code: frozenset(scopes[code].get(year, frozenset())) & atoms.keys() for code in codes}
            for m in measures:
                for code in codes:
                    self.values[("t", code, year, m, *suffix)] = float(sum(atoms[a][m] for a in present[code]))
            if len(measures) > 1:
                self.linked += [[("t", code, year, m, *suffix) for m in measures] for code in codes]
            for total, total_level in codes.items():
                for level in ("cme", "departement"):
                    if level == total_level:
                        continue
                    parts = [c for c, lv in codes.items() if lv == level and present[c] <= present[total]
                             and (total_level == "region" or present[c])]
                    covered = set().union(*(present[c] for c in parts)) if parts else set()
                    if not parts or sum(len(present[c]) for c in parts) != len(covered):
                        continue   # parts overlap: no simple additive relation
                    templates.setdefault((total, level), []).append(tuple(parts))
                    for m in measures:
                        self.add_sum(("t", total, year, m, *suffix), [("t", c, year, m, *suffix) for c in parts],
                                     ("rest", total, level, year, m, *suffix))
        if not period:
            return
        for m in measures:
            for code in codes:
                key = ("t", code, PERIOD, m, *suffix)
                parts = [("t", code, y, m, *suffix) for y in years]
                self.values[key] = sum(self.values[k] for k in parts)
                self.relations.append(Relation(key, tuple(parts)))
        if len(measures) > 1:
            self.linked += [[("t", code, PERIOD, m, *suffix) for m in measures] for code in codes]
        for (total, level), structures in templates.items():
            if len(structures) == len(years) and len(set(structures)) == 1:
                for m in measures:
                    self.add_sum(("t", total, PERIOD, m, *suffix),
                                 [("t", c, PERIOD, m, *suffix) for c in structures[0]],
                                 ("rest", total, level, PERIOD, m, *suffix))


_SCOPES: dict = {}
_PATTERNS: dict = {}   # the hidden cells of one indicator's region-wide pattern, by its exact inputs


def _reference_key(territories, perimeters) -> tuple:
    return (tuple(map(tuple, territories[["code", "level", "parent_code"]].astype(str).to_numpy())),
            tuple(map(tuple, perimeters.astype(str).to_numpy())))


def _scopes(territories, perimeters, codes: dict, years, reference_key: tuple | None = None
            ) -> dict[str, dict[int, frozenset]]:
    """code -> {year: territory codes it sums} (:func:`dashboard.core.filters.territory_scope_by_year`),
    remembered for the reference data at hand (computed for every indicator of a page)."""
    from dashboard.core.filters import territory_scope_by_year

    key = (reference_key or _reference_key(territories, perimeters), tuple(codes), tuple(years))
    if key not in _SCOPES:
        if len(_SCOPES) > 64:
            _SCOPES.clear()
        _SCOPES[key] = {code: territory_scope_by_year(code, territories, perimeters, years) for code in codes}
    return _SCOPES[key]


def _frame_key(frame) -> tuple | None:
    """The exact content of a frame (columns, values, order) as a short key; None for no frame."""
    import hashlib

    import pandas as pd

    if frame is None:
        return None
    digest = hashlib.blake2b(digest_size=20)
    digest.update(repr((tuple(map(str, frame.columns)), tuple(map(str, frame.dtypes)), len(frame))).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def apply_to_result(result, frames: dict, territories, perimeters, selection: str, threshold: int) -> None:
    """Hide (blank) the secret cells of a case-level indicator's result in place, primary and secondary.

    ``frames``: the region-wide counts per ``year`` and ``territory_code`` the result was computed
    from: ``"total"`` (the series), and when the result has them ``"breakdown"`` (with ``category``)
    and ``"detail"`` (a share's numerator with ``category``). One pattern of hidden cells for the
    whole region and every territory × category: the selection's page, the region's, every other
    territory's and the maps hide the same cells, so that no page gives back what another hides.
    """

    from dashboard.core.filters import REGION

    kind = result.indicator.kind
    measures = list(_measures(kind))
    years = sorted({int(y) for y in result.series["year"]}) if not result.series.empty else []
    ra = territories[(territories["code"] == REGION) | (territories["parent_code"] == REGION)]
    codes = dict(zip(ra["code"], ra["level"]))
    codes.setdefault(selection, "selection")
    ref_key = _reference_key(territories, perimeters)
    b, by_all = result.breakdown, frames.get("breakdown")
    d, d_all = result.detail, frames.get("detail")
    # The pattern is the region's: the same for every territory viewed (the selection is one of the
    # region's codes). Computed once for its exact inputs, then applied to each territory's result.
    try:
        pattern_key = (kind, tuple(measures), tuple(codes.items()), tuple(years), threshold, ref_key,
                       b is not None and not b.empty, d is not None and not d.empty,
                       _frame_key(frames.get("total")), _frame_key(by_all), _frame_key(d_all))
    except TypeError:    # a value pandas cannot hash: no memory, the pattern is computed
        pattern_key = None
    hidden = _PATTERNS.get(pattern_key) if pattern_key is not None else None
    if hidden is None:
        hidden = _pattern(result, frames, kind, measures, codes, years, threshold,
                          _scopes(territories, perimeters, codes, years, ref_key))
        if pattern_key is not None:
            if len(_PATTERNS) > 2048:
                _PATTERNS.clear()
            _PATTERNS[pattern_key] = hidden
    _apply(result, hidden, kind, measures, selection, b, d)


def _pattern(result, frames: dict, kind, measures: list, codes: dict, years: list, threshold: int,
             scopes: dict) -> frozenset:
    """The hidden cells of the region-wide pattern of one indicator (see :func:`apply_to_result`)."""
    cells = Cells()
    cells.territorial(frames.get("total"), measures, codes, scopes, years)

    b, by_all = result.breakdown, frames.get("breakdown")
    b_measures = ["numerator", "denominator"] if spec(kind).ratio else ["value"]
    if b is not None and not b.empty and by_all is not None and set(b_measures) <= set(measures):
        by_all = by_all.assign(category=by_all["category"].map(category_key))
        cats = list(dict.fromkeys(by_all["category"]))
        for c in cats:
            cells.territorial(by_all[by_all["category"] == c], b_measures, codes, scopes, years, suffix=("b", c))
        for code in codes:
            for y in years:
                for m in b_measures:
                    cells.add_sum(("t", code, y, m), [("t", code, y, m, "b", c) for c in cats],
                                  ("brest", code, y, m))
    d, d_all = result.detail, frames.get("detail")
    if d is not None and not d.empty and d_all is not None and "numerator" in measures:
        cells.territorial(frames.get("total"), ["numerator"], codes, scopes, years, suffix=("p",), period=True)
        d_all = d_all.assign(category=d_all["category"].map(category_key))
        if "dimension" not in d_all:
            d_all = d_all.assign(dimension=None)
        for code in codes:
            for y in years:   # the yearly detail is not shown: only the period's
                cells.unpublished.add(("t", code, y, "numerator", "p"))
                cells.relations.append(Relation(("t", code, y, "numerator"), (("t", code, y, "numerator", "p"),)))
            cells.unpublished.add(("t", code, PERIOD, "numerator", "p"))
        # each dimension of the detail (company size, sector…) is a partition of the same numerator
        for dim in dict.fromkeys(d_all["dimension"]):
            part = d_all[d_all["dimension"].eq(dim)] if dim is not None else d_all
            cats = list(dict.fromkeys(part["category"]))
            for c in cats:
                cells.territorial(part[part["category"] == c], ["numerator"], codes, scopes, years,
                                  suffix=("d", dim, c), period=True)
            for code in codes:
                for y in years:
                    for c in cats:
                        cells.unpublished.add(("t", code, y, "numerator", "d", dim, c))
                cells.add_sum(("t", code, PERIOD, "numerator", "p"),
                              [("t", code, PERIOD, "numerator", "d", dim, c) for c in cats], ("drest", code, dim))

    return frozenset(suppress(cells.values, cells.relations, threshold, unpublished=cells.unpublished,
                              linked=cells.linked))


def _apply(result, hidden: frozenset, kind, measures: list, selection: str, b, d) -> None:
    """Blank, in ``result``, the cells of the selection that ``hidden`` holds."""
    import numpy as np
    import pandas as pd

    from dashboard.core.filters import REGION

    b_measures = ["numerator", "denominator"] if spec(kind).ratio else ["value"]

    def blank(frame, flags, cols):
        frame = frame.copy()
        flags = pd.Series(flags, index=frame.index, dtype=bool)
        if "hidden" in frame:
            flags |= frame["hidden"].fillna(False).astype(bool)
        frame["hidden"] = flags
        for col in cols:
            if col in frame:
                frame[col] = frame[col].astype(float)
                frame.loc[frame["hidden"], col] = np.nan
        return frame

    s = result.series
    if not s.empty:
        code = s["scope"].map({"selection": selection, "region": REGION})
        flags = [any(("t", c, int(y), m) in hidden for m in measures) for c, y in zip(code, s["year"])]
        result.series = blank(s, flags, ["value", "numerator", "denominator"])
        hidden_years = set(result.series.loc[(result.series["scope"] == "selection") & result.series["hidden"],
                                             "year"].astype(int))
        dist = result.distribution
        if dist is not None and not dist.empty:
            result.distribution = dist[~dist["year"].astype(int).isin(hidden_years)].reset_index(drop=True)
    if b is not None and not b.empty:
        flags = [any(("t", selection, int(y), m, "b", category_key(c)) in hidden for m in b_measures)
                 for y, c in zip(b["year"], b["category"])]
        result.breakdown = blank(b, flags, ["value", "numerator", "denominator"])
    if d is not None and not d.empty:
        dims = d["dimension"] if "dimension" in d else pd.Series([None] * len(d), index=d.index)
        flags = [("t", selection, PERIOD, "numerator", "d", dim, category_key(c)) in hidden
                 for dim, c in zip(dims, d["category"])]
        result.detail = blank(d, flags, ["value"])
