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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import and_, delete, insert, select, tuple_, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from . import models  # noqa: F401
from .dataset_files import PARENT_TERRITORY, in_years, list_values, stored_select
from .datasets import DATASETS, Dataset, FieldSpec, bounds_of, header_index, normalise_header
from .db import WriteBusy, bump_data_version, get_meta, write_transaction
from .derive import DERIVED_COLUMNS, derive_frame
from .journal import record as journal_record
from .settings import get_settings
from .tabular import RawTable, TableReadError, read_table
from .vocabulary import VOCABULARIES

MAX_LISTED = 200  # problems listed in full; the rest are counted


class IntakeError(Exception):
    """The data are refused; ``problems`` are French sentences."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class UnknownDataset(IntakeError):
    """The file's dataset is unknown or cannot be told from its headers (a usage error)."""


# --- reference data the validation checks against ------------------------------------------------


@dataclass
class Context:
    """What the validation needs to know about the store and the user."""

    territories: dict[str, str]                  # code → level
    territory_names: dict[str, list[str]]        # normalised name → codes
    institutions: dict[str, str]                 # upper-case code → code
    refs: dict[str, dict[str, str]]              # table → upper-case code → code
    ref_territories: dict[str, dict[str, str]]   # table → code → territory (instances belong to one)
    parents: dict[str, dict[tuple, tuple[int, str | None]]]  # lookup table → key → (id, territory)
    years: list[int]
    today: dt.date
    indicator_ids: frozenset[str] | None = None
    share_indicators: frozenset[str] = frozenset()
    allowed_territories: frozenset[str] | None = None   # None: every territory
    # every indicator id of the référentiel (an indicator made available…); None: not checked
    all_indicator_ids: frozenset[str] | None = None
    # rows a list cell may name (ListColumn.ref): (table, column) → territory → normalised name →
    # [(id, name as stored)]
    named_rows: dict[tuple[str, str], dict[str, dict[str, list[tuple[int, str]]]]] = field(default_factory=dict)

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.years[0], 1, 1)

    @property
    def last_day(self) -> dt.date:
        return min(dt.date(self.years[-1], 12, 31), self.today)


def load_context(conn: Connection, *, indicator_ids=None, share_indicators=(), allowed_territories=None,
                 today: dt.date | None = None, all_indicator_ids=None) -> Context:
    t = SQLModel.metadata.tables
    territories = {c: lvl for c, lvl in conn.execute(select(t["territory"].c.code, t["territory"].c.level))}
    names: dict[str, list[str]] = defaultdict(list)
    for code, name in conn.execute(select(t["territory"].c.code, t["territory"].c.name)):
        names[normalise_header(name)].append(code)
    institutions = {c.upper(): c for (c,) in conn.execute(select(t["institution"].c.code))}
    refs = {name: {c.upper(): c for (c,) in conn.execute(select(t[name].c.code))}
            for name in ("instance", "survey_question")}
    ref_territories = {"instance": {c: terr for c, terr in conn.execute(
        select(t["instance"].c.code, t["instance"].c.territory_code))}}
    parents: dict[str, dict[tuple, tuple[int, str | None]]] = {}
    for ds in DATASETS.values():
        if ds.lookup and ds.lookup.table not in parents:
            pt = t[ds.lookup.table]
            cols = [pt.c[c] for _, c in ds.lookup.by]
            terr = pt.c.territory_code if "territory_code" in pt.c else None
            stmt = select(pt.c.id, terr if terr is not None else pt.c.id, *cols)
            parents[ds.lookup.table] = {
                tuple(_norm_key(v) for v in row[2:]): (row[0], row[1] if terr is not None else None)
                for row in conn.execute(stmt)
            }
    named_rows: dict[tuple[str, str], dict[str, dict[str, list[tuple[int, str]]]]] = {}
    for ds in DATASETS.values():
        for lc in ds.lists:
            if lc.ref and lc.ref not in named_rows:
                nt = t[lc.ref[0]]
                by_territory: dict[str, dict[str, list[tuple[int, str]]]] = defaultdict(lambda: defaultdict(list))
                for rid, terr, name in conn.execute(select(nt.c.id, nt.c.territory_code, nt.c[lc.ref[1]])):
                    by_territory[terr][normalise_header(name)].append((rid, name))
                named_rows[lc.ref] = {k: dict(v) for k, v in by_territory.items()}
    years = sorted(y for (y,) in conn.execute(select(t["reporting_year"].c.year)))
    return Context(territories, dict(names), institutions, refs, ref_territories, parents, years or [2015, 2020],
                   today or dt.date.today(), frozenset(indicator_ids) if indicator_ids is not None else None,
                   frozenset(share_indicators), frozenset(allowed_territories) if allowed_territories is not None
                   else None, frozenset(all_indicator_ids) if all_indicator_ids is not None else None, named_rows)


def _norm_key(v):
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, str):
        return v
    return v


# --- cell parsing --------------------------------------------------------------------------------

_TRUE = {"oui", "o", "vrai", "true", "1", "x", "yes", "y"}
_FALSE = {"non", "n", "faux", "false", "0", "no"}
_DATE_FR = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_NUMBER_SPACES = re.compile(r"[\s\u00a0\u202f']")


def parse_number(text: str) -> float:
    """``1 234,5`` / ``1234.5`` / ``12,0`` → float; raises ValueError."""
    s = _NUMBER_SPACES.sub("", text)
    if s.count(",") == 1 and "." not in s:
        s = s.replace(",", ".")
    elif s.count(",") and s.count("."):
        # "1.234,5" (dots as thousands) or "1,234.5" (commas as thousands)
        s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
    s = s.replace("%", "")
    value = float(s)
    if math.isnan(value) or math.isinf(value):
        raise ValueError(text)
    return value


# Excel stores a date as a number of days since 30/12/1899; a date column typed as numbers shows
# them (43466 = 01/01/2019). Accepted from 01/01/2000 (36526) to 31/12/2099 (73415).
_EXCEL_SERIAL = re.compile(r"^(\d{5})(?:[.,]0+)?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_RANGE = (36526, 73415)
# Control characters a text cell must not hold (tab, line feed and carriage return are allowed).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def excel_serial_date(text: str) -> dt.date | None:
    """The date an Excel serial number stands for (``43466`` → 01/01/2019), or None."""
    m = _EXCEL_SERIAL.match(text)
    if m and _EXCEL_RANGE[0] <= int(m.group(1)) <= _EXCEL_RANGE[1]:
        return _EXCEL_EPOCH + dt.timedelta(days=int(m.group(1)))
    return None


def _visible(text: str) -> str:
    """A cell's text with its control characters made visible (for problem messages)."""
    return _CONTROL.sub(lambda m: f"⟨U+{ord(m.group(0)):04X}⟩", text)


def _fr_int(v: float) -> str:
    return f"{int(v):,}".replace(",", "\u202f")


def parse_date(text: str) -> dt.date:
    m = _DATE_FR.match(text)
    if m:
        return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    m = _DATE_ISO.match(text)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    raise ValueError(text)


def _vocab_lookup(vocabulary: str) -> dict[str, str]:
    out = {}
    for code, label in VOCABULARIES.get(vocabulary, {}).items():
        out[normalise_header(label)] = code
        out[normalise_header(code)] = code
    return out


_VOCAB_CACHE: dict[str, dict[str, str]] = {}


def _vocab(vocabulary: str) -> dict[str, str]:
    if vocabulary not in _VOCAB_CACHE:
        _VOCAB_CACHE[vocabulary] = _vocab_lookup(vocabulary)
    return _VOCAB_CACHE[vocabulary]


def _fr_date(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


class _CellError(Exception):
    def __init__(self, expected: str):
        self.expected = expected


class Parser:
    """Parses the cells of one dataset against one context (results memoised per field and text)."""

    def __init__(self, ds: Dataset, ctx: Context):
        self.ds, self.ctx = ds, ctx
        self.memo: dict[tuple[str, str], object] = {}
        self.assumed: dict[str, str] = {}   # field header → what was assumed reading it (first example)

    def cell(self, f: FieldSpec, text: str):
        key = (f.name, text)
        hit = self.memo.get(key, _MISSING)
        if hit is _MISSING:
            try:
                hit = self._parse(f, text)
            except _CellError as exc:
                hit = exc
            self.memo[key] = hit
        if isinstance(hit, _CellError):
            raise hit
        return hit

    def _territory(self, f: FieldSpec, text: str) -> str:
        ctx, levels = self.ctx, self.ds.territory_levels
        candidates: list[str] = []
        t = text.strip()
        up = t.upper()
        if up.isdigit() and len(up) == 1:
            up = "0" + up
        if up in ctx.territories:
            candidates = [up]
        elif up.startswith("CME") and ("CME" + up[3:].lstrip(" -")) in ctx.territories:
            candidates = ["CME" + up[3:].lstrip(" -")]
        else:
            candidates = list(ctx.territory_names.get(normalise_header(t), []))
        if levels:
            fitting = [c for c in candidates if ctx.territories[c] in levels]
        else:
            fitting = candidates
        expected = _territory_expected(levels)
        if not candidates:
            raise _CellError(f"territoire inconnu ; attendu {expected}")
        if not fitting:
            raise _CellError(f"ce territoire n'est pas du bon niveau ; attendu {expected}")
        return fitting[0]

    def _parse(self, f: FieldSpec, text: str):
        ctx = self.ctx
        k = f.kind
        if _CONTROL.search(text):
            raise _CellError("un texte sans caractère de contrôle (caractère invisible "
                             f"U+{ord(_CONTROL.search(text).group(0)):04X} trouvé)")
        if k == "text":
            if f.max_length and len(text) > f.max_length:
                raise _CellError(f"texte de {len(text)} caractères ; au plus {f.max_length} attendus")
            return text
        if k in ("int", "year"):
            try:
                v = parse_number(text)
            except ValueError:
                raise _CellError("un nombre entier") from None
            if not float(v).is_integer():
                raise _CellError("un nombre entier (sans décimale)")
            if k == "year":
                if v not in ctx.years:
                    raise _CellError(f"une année de la charte ({ctx.years[0]} à {ctx.years[-1]})")
                if v > ctx.today.year:
                    raise _CellError("une année passée ou en cours, pas une année future")
                return int(v)
            low, high = bounds_of(self.ds, f)
            if v < 0 and low == 0:
                raise _CellError("un nombre positif ou nul (un effectif ne peut pas être négatif)")
            if not low <= v <= high:
                raise _CellError(f"un nombre entier entre {_fr_int(low)} et {_fr_int(high)}")
            return int(v)
        if k == "float":
            try:
                v = parse_number(text)
            except ValueError:
                raise _CellError("un nombre (virgule ou point décimal, par exemple 12,5)") from None
            low, high = bounds_of(self.ds, f)
            if not low <= v <= high:
                raise _CellError(f"un nombre entre {low:g} et {high:g}".replace(".", ","))
            return v
        if k == "bool":
            low = normalise_header(text)
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise _CellError("oui ou non")
        if k == "date":
            try:
                d = parse_date(text)
            except ValueError:
                d = excel_serial_date(text)
                if d is None:
                    raise _CellError("une date JJ/MM/AAAA (par exemple 23/11/2018) ou AAAA-MM-JJ") from None
                self.assumed.setdefault(f.header, f"dates saisies comme numéros de série Excel, converties "
                                                  f"({text} = {_fr_date(d)})")
            if d > ctx.today:
                raise _CellError(f"une date passée : le {_fr_date(d)} est dans le futur")
            if f.name == self.ds.period and not (ctx.first_day <= d <= ctx.last_day):
                raise _CellError(f"une date de la période de la charte ({_fr_date(ctx.first_day)} "
                                 f"au {_fr_date(dt.date(ctx.years[-1], 12, 31))})")
            if d.year < 2000:
                raise _CellError("une date postérieure au 01/01/2000")
            return d
        if k == "code":
            code = _vocab(f.vocabulary).get(normalise_header(text))
            if code is None:
                raise _CellError(_codes_expected(f.vocabulary))
            return code
        if k == "territory":
            return self._territory(f, text)
        if k == "institution":
            code = ctx.institutions.get(text.strip().upper())
            if code is None:
                raise _CellError("un code d'institution connu (voir la liste des institutions dans docs/formats.md)")
            return code
        if k == "ref":
            code = ctx.refs.get(f.ref_table, {}).get(text.strip().upper())
            if code is None:
                what = {"instance": "un code d'instance connu (CPR, CME38, GT-INDICATEURS…)",
                        "survey_question": "un code de question d'enquête connu"}.get(f.ref_table, "un code connu")
                raise _CellError(what)
            return code
        if k == "list":
            return self._list(f, text)
        return text

    def _list(self, f: FieldSpec, text: str):
        lc = f.list_spec
        if lc.ref:
            # names of rows (resolved against the row's territory in _check_row): "|" only, a name
            # may hold a comma
            names = [p.strip() for p in text.split("|") if p.strip()]
            for p in names:
                if f.max_length and len(p) > f.max_length:
                    raise _CellError(f"des libellés d'au plus {f.max_length} caractères séparés par « | » ; "
                                     f"« {p[:40]}… » en a {len(p)}")
            if len({normalise_header(p) for p in names}) != len(names):
                raise _CellError("des libellés sans répétition")
            return tuple(names)
        child = SQLModel.metadata.tables[lc.table]
        code_col = child.c[lc.code]
        parts = [p.strip() for p in re.split(r"[|,]", text) if p.strip()]
        out = []
        for p in parts:
            number = None
            if lc.value:
                m = re.match(r"^(.*?)\s*[=:]\s*([\d\s\u00a0]+)$", p)
                if not m:
                    raise _CellError("des paires code=nombre séparées par « | » (par exemple "
                                     f"salarie=12|employeur=3) ; « {p} » n'en est pas une")
                p, number = m.group(1).strip(), int(_NUMBER_SPACES.sub("", m.group(2)))
            if any(fk.column.table.name == "institution" for fk in code_col.foreign_keys):
                code = self.ctx.institutions.get(p.upper())
                if code is None:
                    raise _CellError(f"des codes d'institution connus ; « {p} » est inconnu")
            else:
                vocab = code_col.info.get("vocabulary")
                code = _vocab(vocab).get(normalise_header(p))
                if code is None:
                    raise _CellError(f"des codes séparés par « | » ; « {p} » est inconnu ({_codes_expected(vocab)})")
            out.append((code, number) if lc.value else code)
        keys = [o[0] if lc.value else o for o in out]
        if len(set(keys)) != len(keys):
            raise _CellError("des codes sans répétition")
        return tuple(sorted(out))


_MISSING = object()


def _codes_expected(vocabulary: str | None, limit: int = 12) -> str:
    codes = list(VOCABULARIES.get(vocabulary or "", {}))
    shown = ", ".join(codes[:limit]) + (", …" if len(codes) > limit else "")
    return f"un des codes {shown} (ou son libellé)"


def _territory_expected(levels: tuple[str, ...]) -> str:
    what = {"departement": "un département de Rhône-Alpes (01, 07, 26, 38, 42, 69, 73, 74)",
            "cme": "un territoire de CME (CME01, CME0726, CME38, CME42, CME69, CME73, CME74)",
            "region": "une région (R82 pour Rhône-Alpes, R11… pour les autres)"}
    return " ou ".join(what[lv] for lv in levels) if levels else "un code de territoire"


# --- validation ----------------------------------------------------------------------------------


@dataclass
class Problem:
    file_name: str
    message: str
    line: int | None = None
    column: str | None = None
    value: str | None = None

    def __str__(self) -> str:
        where = self.file_name
        if self.line is not None:
            where += f", ligne {self.line}"
        if self.column is not None:
            where += f", colonne « {self.column} »"
        if self.value is not None:
            return f"{where} : valeur « {self.value} » — attendu : {self.message}."
        return f"{where} : {self.message}."


@dataclass
class Validated:
    dataset: Dataset
    file_name: str
    rows: list[dict]                   # parsed values by field name (valid rows only)
    lines: list[int]
    problems: list[Problem]
    checksum: str = ""
    source: str = ""                   # "CSV UTF-8, séparateur point-virgule"…
    notes: list[str] = field(default_factory=list)   # what was assumed reading the file (French)
    read: int = 0                      # data lines read from the file
    allowed_territories: frozenset[str] | None = None  # the sender's rights (None: every territory)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    def messages(self, limit: int = MAX_LISTED) -> list[str]:
        out = [str(p) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            out.append(f"… et {len(self.problems) - limit} autres problèmes du même fichier.")
        return out


def detect_dataset(raw: RawTable) -> tuple[str | None, list[str]]:
    """The dataset whose fields best match the file's headers (None and the candidates if unsure)."""
    heads = {normalise_header(h) for h in raw.headers if h}
    scored = []
    for ds in DATASETS.values():
        idx = header_index(ds)
        matched = sum(1 for h in heads if h in idx)
        missing = sum(1 for f in ds.fields if f.required
                      and normalise_header(f.header) not in heads and normalise_header(f.name) not in heads)
        unknown = len(heads) - matched
        scored.append((missing == 0 and unknown == 0, matched - unknown - missing, ds.name))
    scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
    best = scored[0]
    if best[0] and not (len(scored) > 1 and scored[1][0] and scored[1][1] == best[1]):
        return best[2], []
    return None, [s[2] for s in scored[:3]]


def validate(ds: Dataset, raw: RawTable, ctx: Context, *, checksum: str = "") -> Validated:
    """Every problem of the file against the dataset, and its valid rows."""
    fname = raw.file_name
    problems: list[Problem] = []
    idx = header_index(ds)
    hl = raw.header_line
    columns: list[tuple[int, FieldSpec]] = []
    seen: dict[str, int] = {}
    for i, h in enumerate(raw.headers):
        if not h:
            if any(len(r) > i and r[i] for r in raw.rows):
                problems.append(Problem(fname, f"la colonne n° {i + 1} n'a pas de nom d'en-tête", line=hl))
            continue
        name = idx.get(normalise_header(h))
        if name is None:
            problems.append(Problem(fname, f"colonne inconnue « {h} » pour le jeu « {ds.label} » ; colonnes "
                                           f"attendues : {', '.join(f.header for f in ds.fields)}", line=hl))
            continue
        if name in seen:
            problems.append(Problem(fname, f"la colonne « {h} » apparaît deux fois (colonnes "
                                           f"{seen[name] + 1} et {i + 1})", line=hl))
            continue
        seen[name] = i
        columns.append((i, ds.field(name)))
    present = {f.name for _, f in columns}
    for f in ds.fields:
        if f.required and f.name not in present:
            problems.append(Problem(fname, f"colonne obligatoire « {f.header} » absente", line=hl))
    if problems:
        return Validated(ds, fname, [], [], problems, checksum, raw.describe(), raw.notes)
    if not raw.rows:
        return Validated(ds, fname, [], [], [Problem(fname, "le fichier n'a aucune ligne de données sous l'en-tête" + (
            " ; s'il n'y a rien eu cette année, dites-le par une déclaration « rien cette année » "
            "(jeu data_declaration : Jeu de données ; Territoire ; Année), par fichier ou dans la page Saisie : "
            "l'année se lira 0 et non « non transmis »" if ds.declarable else ""))],
                         checksum, raw.describe(), raw.notes)

    parser = Parser(ds, ctx)
    width = len(raw.headers)
    rows, lines = [], []
    # a list column absent from the file leaves the stored lists alone (no key in the record)
    absent_defaults = {f.name: f.default for f in ds.fields if f.name not in present and f.kind != "list"}
    key_lines: dict[tuple, int] = {}
    for row, line in zip(raw.rows, raw.lines):
        before = len(problems)
        if len(row) > width and any(row[width:]):
            problems.append(Problem(fname, f"{len(row)} valeurs pour {width} colonnes d'en-tête "
                                           "(séparateur dans une valeur non entourée de guillemets ?)", line=line))
            continue
        rec = dict(absent_defaults)
        for i, f in columns:
            text = row[i].strip() if i < len(row) else ""
            if text == "":
                if f.required:
                    problems.append(Problem(fname, "valeur manquante (colonne obligatoire)", line, f.header))
                rec[f.name] = f.default if f.kind != "list" else ()
                continue
            try:
                rec[f.name] = parser.cell(f, text)
            except _CellError as exc:
                problems.append(Problem(fname, exc.expected, line, raw.headers[i], _visible(text)))
                rec[f.name] = None
        if len(problems) == before:
            _check_row(ds, ctx, rec, fname, line, raw, columns, problems)
        if len(problems) == before:
            key = tuple(rec.get(k) for k in ds.key)
            if key in key_lines and not ds.keyless:
                shown = ", ".join(f"{ds.field(k).header} = {_show(rec.get(k))}" for k in ds.key)
                problems.append(Problem(fname, f"ligne en double : même clé ({shown}) que la ligne {key_lines[key]}",
                                        line))
                continue
            key_lines[key] = line
            rows.append(rec)
            lines.append(line)
    notes = list(raw.notes) + [f"colonne « {header} » : {what}" for header, what in parser.assumed.items()]
    return Validated(ds, fname, rows, lines, problems, checksum, raw.describe(), notes, len(raw.rows),
                     ctx.allowed_territories)


def _show(v) -> str:
    if isinstance(v, dt.date):
        return _fr_date(v)
    return str(v)


def _header_of(raw: RawTable, columns, name: str, ds: Dataset) -> str:
    for i, f in columns:
        if f.name == name:
            return raw.headers[i]
    return ds.field(name).header


def row_territory(ds: Dataset, ctx: Context, rec: dict, *, before_lookup: bool = False) -> str | None:
    """The territory a row belongs to: its own, its instance's, or (after the lookup) its parent's."""
    if "territory_code" in rec and rec["territory_code"]:
        return rec["territory_code"]
    for f in ds.fields:
        if f.kind == "ref" and rec.get(f.name):
            owner = ctx.ref_territories.get(f.ref_table or "", {}).get(rec[f.name])
            if owner:
                return owner
    if not before_lookup and ds.lookup and rec.get(ds.lookup.fk):
        return ctx.parents[ds.lookup.table].get(rec["_parent_key"], (None, None))[1]
    return None


def _check_row(ds: Dataset, ctx: Context, rec: dict, fname: str, line: int, raw: RawTable, columns,
               problems: list[Problem]) -> None:
    def head(name):
        return _header_of(raw, columns, name, ds)

    for small, big in ds.not_greater:
        a, b = rec.get(small), rec.get(big)
        if a is not None and b is not None and a > b:
            problems.append(Problem(fname, f"{head(small)} ({a}) ne peut pas dépasser {head(big)} ({b})", line))
    for later, earlier in ds.not_before:
        a, b = rec.get(later), rec.get(earlier)
        if a is not None and b is not None and a < b:
            problems.append(Problem(fname, f"{head(later)} ({_fr_date(a)}) ne peut pas précéder "
                                           f"{head(earlier)} ({_fr_date(b)})", line))
    terr = rec.get("territory_code")
    for f in ds.fields:
        if f.name in ds.refs_one_in_territory:
            continue
        owner = ctx.ref_territories.get(f.ref_table or "", {}).get(rec.get(f.name)) if f.kind == "ref" else None
        if terr and owner and owner != terr:
            problems.append(Problem(fname, f"{rec[f.name]} relève du territoire {owner}, pas de {terr} "
                                           f"(choisissez une {f.header.lower()} de ce territoire ou changez le "
                                           "territoire)", line, head(f.name)))
    if terr and ds.refs_one_in_territory:
        owners = {name: ctx.ref_territories.get(ds.field(name).ref_table or "", {}).get(rec.get(name))
                  for name in ds.refs_one_in_territory}
        if all(owners.values()) and terr not in owners.values():
            shown = " ni ".join(f"« {head(n)} » ({rec.get(n)}, territoire {o})" for n, o in owners.items())
            problems.append(Problem(fname, f"ni {shown} ne relève du territoire {terr} : l'une d'elles doit en "
                                           "relever (ou changez le territoire)", line, head("territory_code")))
    if ds.name == "indicator_value":
        ind = rec.get("indicator_id")
        if ctx.indicator_ids is not None and ind not in ctx.indicator_ids:
            problems.append(Problem(fname, "un identifiant d'indicateur du référentiel (Q6.C1.I1…)", line,
                                    head("indicator_id"), str(ind)))
        elif ind in ctx.share_indicators and rec.get("value") is not None and not 0 <= rec["value"] <= 100:
            problems.append(Problem(fname, f"une part en % comprise entre 0 et 100 pour l'indicateur {ind}", line,
                                    head("value"), _show(rec["value"]).replace(".", ",")))
        for col in ("numerator", "denominator"):
            if rec.get(col) is not None and rec[col] < 0:
                problems.append(Problem(fname, "un nombre positif ou nul", line, head(col),
                                        _show(rec[col]).replace(".", ",")))
    elif rec.get("indicator_id") is not None and ctx.all_indicator_ids is not None \
            and rec["indicator_id"] not in ctx.all_indicator_ids:
        problems.append(Problem(fname, "un identifiant d'indicateur du référentiel (Q1.C4.I3, Q6.C1.I4…)", line,
                                head("indicator_id"), str(rec["indicator_id"])))
    if ctx.allowed_territories is not None:
        # Rights first: a row of a territory the sender may not write gets that one problem, and no
        # check that would tell what the store holds there (a parent row, a key used elsewhere).
        terr = row_territory(ds, ctx, rec, before_lookup=True)
        if terr is not None and terr not in ctx.allowed_territories:
            problems.append(_rights_problem(fname, line, terr, ctx))
            return
    if ds.lookup:
        key = tuple(rec.get(name) for name, _ in ds.lookup.by)
        rec["_parent_key"] = key
        hit = ctx.parents.get(ds.lookup.table, {}).get(key)
        if hit is None:
            shown = ", ".join(f"{head(name)} = {_show(rec.get(name))}" for name, _ in ds.lookup.by)
            problems.append(Problem(fname, f"{ds.lookup.label} introuvable dans la base ({shown}) : à enregistrer "
                                           "d'abord", line))
            return
        rec[ds.lookup.fk] = hit[0]
        rec["_territory"] = hit[1]
        if "territory_code" in rec and hit[1] and rec["territory_code"] != hit[1]:
            problems.append(Problem(fname, f"{ds.lookup.label} du territoire {hit[1]}, pas de "
                                           f"{rec['territory_code']}", line, head("territory_code")))
    if ctx.allowed_territories is not None:
        terr = row_territory(ds, ctx, rec)
        if terr is None or terr not in ctx.allowed_territories:
            problems.append(_rights_problem(fname, line, terr, ctx))
            return
    _resolve_named_rows(ds, ctx, rec, fname, line, head, problems)


def _resolve_named_rows(ds: Dataset, ctx: Context, rec: dict, fname: str, line: int, head,
                        problems: list[Problem]) -> None:
    """The rows a ``ListColumn.ref`` cell names, looked up in the row's own territory (never another's,
    so a refusal tells nothing of a territory the sender may not write): each name as stored and its id
    (``rec["_named_ids"]``), or a problem for a name unknown there or shared by two rows."""
    for lc in ds.lists:
        if not lc.ref or lc.name not in rec:
            continue
        terr = row_territory(ds, ctx, rec)
        known = ctx.named_rows.get(lc.ref, {}).get(terr, {})
        what = next((d.label for d in DATASETS.values() if d.table == lc.ref[0]), lc.ref[0])
        names, ids = [], {}
        for name in rec.get(lc.name) or ():
            hits = known.get(normalise_header(name), [])
            if len(hits) == 1:
                names.append(hits[0][1])
                ids[hits[0][1]] = hits[0][0]
            elif not hits:
                problems.append(Problem(fname, f"le libellé d'une ligne de « {what} » déjà enregistrée pour {terr} "
                                               "(enregistrez-la d'abord, ou corrigez le libellé)", line,
                                        head(lc.name), name))
            else:
                problems.append(Problem(fname, f"un libellé qui ne désigne qu'une ligne de « {what} » de {terr} : "
                                               f"{len(hits)} lignes portent celui-ci (distinguez leurs libellés)",
                                        line, head(lc.name), name))
        rec[lc.name] = tuple(sorted(names))
        rec.setdefault("_named_ids", {})[lc.name] = ids


def _rights_problem(fname: str, line: int | None, terr: str | None, ctx: Context) -> Problem:
    return Problem(fname, f"territoire {terr or 'régional'} hors de ceux pour lesquels vous pouvez écrire "
                          f"({', '.join(sorted(ctx.allowed_territories or ())) or 'aucun'})", line)


def header_scorer(dataset: str | None):
    """How header-like a row of cells is: how many of them name a field of the dataset (of the best
    matching dataset when none is given). The reader uses it to skip a title row or a notes sheet."""
    indexes = [header_index(DATASETS[dataset])] if dataset in DATASETS else \
        [header_index(ds) for ds in DATASETS.values()]

    def score(cells: list[str]) -> float:
        heads = [normalise_header(c) for c in cells if c and c.strip()]
        return float(max(sum(1 for h in heads if h in idx) for idx in indexes)) if heads else 0.0
    return score


def validate_file(engine: Engine, path_or_bytes, dataset: str | None = None, *, file_name: str | None = None,
                  ctx: Context | None = None, **ctx_kwargs) -> Validated:
    """Read and validate a file; raises :class:`IntakeError` when it is not a readable table or its
    dataset cannot be told; returns the :class:`Validated` result (with its problems) otherwise."""
    if isinstance(path_or_bytes, (str, Path)):
        path = Path(path_or_bytes)
        file_name = file_name or path.name
        if not path.exists():
            raise IntakeError(f"{path} : fichier introuvable.")
        data = path.read_bytes()
    else:
        data = bytes(path_or_bytes)
    file_name = file_name or "fichier"
    try:
        raw = read_table(data, file_name, max_bytes=get_settings().import_max_bytes,
                         header_score=header_scorer(dataset))
    except TableReadError as exc:
        raise IntakeError(exc.problems) from None
    if dataset is None:
        dataset, candidates = detect_dataset(raw)
        if dataset is None:
            raise UnknownDataset(
                f"{file_name} : impossible de savoir quel jeu de données ce fichier contient d'après ses en-têtes "
                f"({', '.join(h for h in raw.headers if h)}). Précisez-le (jeux les plus proches : "
                f"{', '.join(candidates)}).")
    if dataset not in DATASETS:
        raise UnknownDataset(f"jeu de données inconnu « {dataset} » ; jeux possibles : {', '.join(DATASETS)}.")
    if ctx is None:
        with engine.connect() as conn:
            ctx = load_context(conn, **ctx_kwargs)
    validated = validate(DATASETS[dataset], raw, ctx, checksum=hashlib.sha256(data).hexdigest())
    if validated.ok:
        with engine.connect() as conn:
            validated.problems.extend(keys_stored_elsewhere(conn, validated))
    return validated


def keys_stored_elsewhere(conn: Connection, validated: Validated) -> list[Problem]:
    """Rows whose natural key is already stored in a part of the store the file does not replace
    (another year or scope: an ISE call reference of another département, a value of the same
    indicator sent by another source…). The file could neither add them (the key is unique) nor
    update them (that part is not the file's to replace)."""
    ds = validated.dataset
    tbl = ds.tbl
    placed_by_key = set(ds.scope) | {ds.period} <= set(ds.key)
    if placed_by_key or ds.lookup or not all(c in tbl.c for c in (*ds.key, *ds.scope, ds.period)):
        return []
    combos = {(_year_of(ds, r),) + tuple(r.get(s) for s in ds.scope) for r in validated.rows}
    line_of = {tuple(r.get(k) for k in ds.key): line for r, line in zip(validated.rows, validated.lines)}
    keys = list(line_of)
    key_cols = [tbl.c[k] for k in ds.key]
    others = [tbl.c[c] for c in dict.fromkeys((ds.period, *ds.scope, "territory_code"))
              if c not in ds.key and c in tbl.c]
    problems = []
    for i in range(0, len(keys), 400):
        chunk = keys[i:i + 400]
        cond = tuple_(*key_cols).in_(chunk) if len(key_cols) > 1 else key_cols[0].in_([k[0] for k in chunk])
        for row in conn.execute(select(*key_cols, *others).where(cond)):
            stored = {k: _norm_key(v) for k, v in row._mapping.items()}
            combo = (_year_of(ds, stored),) + tuple(stored[s] for s in ds.scope)
            if combo in combos:
                continue  # replaced by the file: updated or removed as usual
            key = tuple(stored[k] for k in ds.key)
            shown = ", ".join(f"{ds.field(k).header} = {_show(v)}" for k, v in zip(ds.key, key))
            allowed = validated.allowed_territories
            if allowed is not None and stored.get("territory_code") not in allowed:
                # No oracle: say nothing of a part of the store the sender may not write.
                problems.append(Problem(
                    validated.file_name, f"{shown} est déjà utilisé en base hors de ce que ce fichier remplace ; "
                    "vérifiez cette valeur (une clé ne peut servir qu'une fois)", line_of.get(key)))
                continue
            where = ", ".join([str(combo[0])] + [f"{ds.field(s).header} {_show(v)}"
                                                 for s, v in zip(ds.scope, combo[1:])])
            problems.append(Problem(
                validated.file_name, f"{shown} existe déjà en base pour {where}, que ce fichier ne remplace pas ; "
                f"corrigez la ligne, ou envoyez-la avec les données de {where}", line_of.get(key)))
    return sorted(problems, key=lambda p: p.line or 0)


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
        return (f"{len(self.added)} ligne(s) ajoutée(s), {len(self.updated)} modifiée(s), "
                f"{len(self.removed)} supprimée(s), {self.unchanged} inchangée(s)")


def _year_of(ds: Dataset, rec: dict) -> int:
    v = rec.get(ds.period)
    return v.year if isinstance(v, dt.date) else int(v)


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


def _fill_derived(ds: Dataset, recs: list[dict]) -> None:
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
    years = {_year_of(ds, r) for r in rows}
    combos = {(_year_of(ds, r),) + tuple(r.get(s) for s in ds.scope) for r in rows}
    scope_values = {s: {r.get(s) for r in rows} for s in ds.scope}
    stored = [s for s in _stored_rows(conn, ds, years, scope_values)
              if (_year_of(ds, s),) + tuple(_norm_key(s.get(x)) for x in ds.scope) in combos]
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
        y, terr = _year_of(ds, r), _row_territory_of_record(ds, r, old)
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
        counts[_year_of(ds, s)]["supprimées"] += 1
        per_territory[stored_territory(ds, s) or "—"]["supprimées"] += 1
    _check_rights_on_stored(validated, removed, [old for _, _, old in updated])
    by_year = pd.DataFrame([{"Année": y, **c} for y, c in sorted(counts.items())])
    by_territory = pd.DataFrame([{"Territoire": t, **c} for t, c in sorted(per_territory.items())],
                                columns=["Territoire", *blank])
    replaced = []
    if stored and ds.replaces:
        for combo in sorted(combos, key=lambda c: tuple(str(x) for x in c)):
            n = sum(1 for s in stored if (_year_of(ds, s),) + tuple(_norm_key(s.get(x)) for x in ds.scope) == combo)
            if n:
                scope_txt = ", ".join(f"{ds.field(s).header} {_show(v)}" for s, v in zip(ds.scope, combo[1:]))
                replaced.append(f"{combo[0]}{' — ' + scope_txt if scope_txt else ''} : {n} ligne(s) déjà en base "
                                "seront remplacées par celles du fichier")
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


# --- writing -------------------------------------------------------------------------------------


@dataclass
class Outcome:
    added: int
    updated: int
    removed: int
    data_version: int
    journal_id: int

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        if not self.changed:
            return "Aucun changement : la base contient déjà exactement ces données."
        return (f"{self.added} ligne(s) ajoutée(s), {self.updated} modifiée(s), {self.removed} supprimée(s).")


def dependants(table_name: str) -> list[tuple]:
    """(child table, fk column, nullable) for every foreign key pointing at ``table_name``.id."""
    out = []
    for t in SQLModel.metadata.sorted_tables:
        for fk in t.foreign_keys:
            if fk.column.table.name == table_name and fk.column.name == "id":
                out.append((t, fk.parent, fk.parent.nullable))
    return out


def delete_rows(conn: Connection, table_name: str, ids: list[int]) -> None:
    """Delete rows by id with what depends on them (nullable references are cleared)."""
    if not ids:
        return
    tbl = SQLModel.metadata.tables[table_name]
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for child, col, nullable in dependants(table_name):
            if nullable:
                conn.execute(update(child).where(col.in_(chunk)).values({col.name: None}))
            elif "id" in child.c and dependants(child.name):
                child_ids = [r[0] for r in conn.execute(select(child.c.id).where(col.in_(chunk)))]
                delete_rows(conn, child.name, child_ids)
            else:
                conn.execute(delete(child).where(col.in_(chunk)))
        conn.execute(delete(tbl).where(tbl.c.id.in_(chunk)) if "id" in tbl.c else delete(tbl))


def _row_values(ds: Dataset, rec: dict) -> dict:
    """Values written for a row: the file's columns and the derived ones (computed from them)."""
    cols = _table_columns(ds) + [c for c in DERIVED_COLUMNS.get(ds.table, ())]
    return {c: rec.get(c) for c in cols}


def _write_children(conn: Connection, ds: Dataset, pairs: list[tuple[int, dict]]) -> None:
    for lc in ds.lists:
        child = SQLModel.metadata.tables[lc.table]
        todo = [(pid, rec) for pid, rec in pairs if lc.name in rec]   # a list not carried is left alone
        ids = [pid for pid, _ in todo]
        for i in range(0, len(ids), 500):
            conn.execute(delete(child).where(child.c[lc.fk].in_(ids[i:i + 500])))
        values = []
        for pid, rec in todo:
            named = rec.get("_named_ids", {}).get(lc.name, {})
            for item in rec.get(lc.name) or ():
                if lc.value:
                    values.append({lc.fk: pid, lc.code: item[0], lc.value: item[1]})
                elif lc.ref:
                    values.append({lc.fk: pid, lc.code: named[item]})
                else:
                    values.append({lc.fk: pid, lc.code: item})
        if values:
            conn.execute(insert(child), values)


def _ids_by_key(conn: Connection, ds: Dataset, recs: list[dict]) -> list[int]:
    """Ids of freshly inserted rows, found by their natural key."""
    tbl = ds.tbl
    key_cols = [c for c in ds.key if c in tbl.c]
    if ds.lookup:
        key_cols = [ds.lookup.fk] + [c for c in key_cols if c not in dict(ds.lookup.by)]
    found = {}
    cols = [tbl.c[c] for c in key_cols]
    for i in range(0, len(recs), 400):
        chunk = recs[i:i + 400]
        wanted = [tuple(r.get(c) for c in key_cols) for r in chunk]
        cond = tuple_(*cols).in_(wanted) if len(cols) > 1 else cols[0].in_([w[0] for w in wanted])
        for row in conn.execute(select(tbl.c.id, *cols).where(cond)):
            found[tuple(_norm_key(v) for v in row[1:])] = row[0]
    return [found[tuple(r.get(c) for c in key_cols)] for r in recs]


def write_preview(conn: Connection, pv: Preview) -> None:
    ds = pv.dataset
    tbl = ds.tbl
    has_id = "id" in tbl.c
    if pv.removed:
        if has_id:
            delete_rows(conn, ds.table, [r["id"] for r in pv.removed])
        else:
            for r in pv.removed:
                conn.execute(delete(tbl).where(and_(*(tbl.c[c] == r[c] for c in tbl.primary_key.columns.keys()))))
    _fill_derived(ds, pv.added + [new for _, new, _ in pv.updated])
    for old_id, new, old in pv.updated:
        values = _row_values(ds, new)
        if has_id:
            conn.execute(update(tbl).where(tbl.c.id == old_id).values(values))
        else:
            pk = tbl.primary_key.columns.keys()
            conn.execute(update(tbl).where(and_(*(tbl.c[c] == old[c] for c in pk))).values(values))
    if pv.added:
        values = [_row_values(ds, r) for r in pv.added]
        for i in range(0, len(values), 5000):
            conn.execute(insert(tbl), values[i:i + 5000])
    if ds.lists and has_id:
        pairs = [(old_id, new) for old_id, new, _ in pv.updated]
        if pv.added:
            pairs += list(zip(_ids_by_key(conn, ds, pv.added), pv.added))
        _write_children(conn, ds, pairs)


def _record_delivery(conn: Connection, ds: Dataset, institution: str, rows: list[dict], today: dt.date) -> None:
    dd = SQLModel.metadata.tables["data_delivery"]
    per_year: dict[int, int] = defaultdict(int)
    for r in rows:
        per_year[_year_of(ds, r)] += 1
    for year, n in per_year.items():
        existing = conn.execute(select(dd.c.id, dd.c.received_date, dd.c.rows).where(
            dd.c.institution_code == institution, dd.c.dataset == ds.name, dd.c.year == year)).first()
        if existing is None:
            conn.execute(insert(dd).values(institution_code=institution, dataset=ds.name, year=year,
                                           expected_date=dt.date(year, 12, 15), received_date=today, rows=n))
        elif existing.received_date is None or existing.rows != n:
            conn.execute(update(dd).where(dd.c.id == existing.id).values(received_date=today, rows=n))


class StaleData(IntakeError):
    """The store changed between the preview and the confirmation."""


def apply(engine: Engine, pv: Preview, *, username: str, institution: str | None = None,
          action: str = "import", today: dt.date | None = None) -> Outcome:
    """Write a preview in one serialised transaction, with the delivery record and the journal entry.

    The transaction takes the store's write lock first (:func:`~data_access.db.write_transaction`):
    two imports never interleave. If another write happened since the preview, the preview is
    computed again under the lock; the import goes on only if it would make exactly the same
    changes (else :class:`StaleData`: the user confirmed something that is no longer true).
    """
    ds, v = pv.dataset, pv.validated
    try:
        with write_transaction(engine) as conn:
            current = int(get_meta(conn, "data_version") or 0)
            if current != pv.data_version:
                fresh = preview(conn, v)
                if not fresh.same_changes(pv):
                    raise StaleData("Un autre import ou une saisie a modifié ces données depuis l'aperçu : "
                                    "relancez la vérification du fichier et relisez l'aperçu avant de confirmer.")
                pv = fresh
            write_preview(conn, pv)
            if institution and pv.changes:
                _record_delivery(conn, ds, institution, v.rows, today or dt.date.today())
            version = bump_data_version(conn) if pv.changes else current
            territories = sorted({str(r.get("territory_code")) for r in v.rows if r.get("territory_code")})
            jid = journal_record(
                conn, username=username, action=action, dataset=ds.name, file_name=v.file_name,
                checksum=v.checksum, institution_code=institution,
                territory_code=territories[0] if len(territories) == 1 else None,
                added=len(pv.added), updated=len(pv.updated), removed=len(pv.removed),
                outcome="applique" if pv.changes else "sans_changement",
                detail=(pv.summary() + (" ; " + pv.removals_text() if pv.removed else "")
                        + (" ; " + " ; ".join(pv.replaced) if pv.replaced else ""))[:4000],
                data_version=version)
    except WriteBusy as exc:
        raise ImportBusy(str(exc)) from None
    return Outcome(len(pv.added), len(pv.updated), len(pv.removed), version, jid)


class ImportBusy(IntakeError):
    """Another write held the store's lock too long: "un autre import est en cours"."""


def record_rejection(engine: Engine, *, username: str, dataset: str, file_name: str, checksum: str | None,
                     problems: list[str], institution: str | None = None) -> int:
    """Journal a refused import (the data tables are untouched)."""
    with engine.begin() as conn:
        return journal_record(conn, username=username, action="import", dataset=dataset, file_name=file_name,
                              checksum=checksum, institution_code=institution, outcome="rejete",
                              detail="\n".join(problems[:50])[:4000])
