"""Cell parsing: French numbers, dates, yes/no, codes or their labels, territories (:class:`Parser`)."""

from __future__ import annotations

import datetime as dt
import math
import re

from sqlmodel import SQLModel

from ..datasets import Dataset, FieldSpec, bounds_of, normalise_header
from ..vocabulary import VOCABULARIES
from .context import Context

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


