"""Read a partner's file (CSV or XLSX) into a header and rows of text cells.

Accepted: CSV in UTF-8 (with or without BOM), Windows-1252 or UTF-16 with its byte-order mark,
separated by ``;``, ``,`` or tabulations; XLSX (one sheet: the first holding data, or, when the
caller scores header rows, the sheet whose header is best recognised). Anything else — an empty
file, a PDF or an HTML page renamed ``.csv``, a binary file, an old ``.xls`` or a password-protected
workbook, an OpenDocument ``.ods`` — is refused with a French sentence naming the file. Cells are
returned as stripped text; XLSX dates become ISO dates and whole numbers lose their ``.0``, so that
one parser serves both formats.

**Hostile files cannot stall the reader.** Every limit below is checked while reading and turns
into a :class:`TableReadError` (French sentences naming the file, and the sheet, cell or line where
known); no exception of openpyxl, zipfile, csv or the XML parser reaches the user.

- ``max_bytes`` (``MAINTIEN_IMPORT_MAX_MB``) bounds the file *and*, for an XLSX, the sum of the
  uncompressed sizes its zip entries declare. These declared sizes are checked before anything is
  inflated; then every entry is inflated once, in 64 KiB chunks, to check it: :mod:`zipfile` never
  returns more than an entry's declared size (it stops there and fails the CRC check), so an entry
  that lies about its size is refused as damaged without inflating more than the limit. Only
  then is the workbook given to openpyxl, which can therefore never inflate more than the limit.
- :data:`MAX_ZIP_ENTRIES`, :data:`MAX_COMPRESSION_RATIO`: an XLSX with more entries, or with an
  entry compressed beyond any real spreadsheet (zip bomb), is refused before inflating anything;
  so are encrypted entries and compression methods other than those of Excel and LibreOffice.
- :data:`MAX_COLUMNS`: a value beyond the 200th column is refused (the widest dataset has ~25
  columns); empty cells beyond it (trailing separators, formatted empty cells) are ignored.
- :data:`MAX_ROWS` data rows at most.
- ``max_seconds`` (``MAINTIEN_IMPORT_MAX_SECONDS``, default :data:`MAX_SECONDS`): a deadline
  checked while inflating, decoding and iterating rows and cells, for CSV and XLSX alike.
- An XLSX sheet is read as found (sparse ``<row>``/``<c>`` elements streamed from its XML, each
  dropped once read): the ``<dimension>`` it declares is not trusted, since some programs declare
  ``A1:XFD1048576`` for a few cells, and openpyxl's read-only mode would pad every row to it.

**One encoding per file.** A CSV that is valid UTF-8 is UTF-8; a file in which some lines are
UTF-8 and others are not is refused naming a line of each kind; a file consistently in
Windows-1252 is read as such; a byte undefined in Windows-1252 is refused naming its line.

**Only faithful values.** A formula cell without a cached value (a workbook written by a program
and never opened in a spreadsheet), or any formula of a workbook whose producer asks for a full
recalculation on opening (``fullCalcOnLoad``: openpyxl, XlsxWriter… write ``0`` or nothing as the
result), is refused with its sheet and cell. A formula with a value computed by a spreadsheet is
read as that value. A quoted CSV value that is never closed is refused rather than swallowing the
rest of the file.

**Tolerant where a person means something clear**, each assumption written as a French sentence
into :attr:`RawTable.notes` (shown by the import preview): title rows above the header (with
``header_score``), a notes sheet before the data sheet (with ``header_score``), Excel's ``sep=;``
first line, the apostrophe that protects a value starting with ``= + - @``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import math
import re
import time
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from xml.parsers import expat

SEPARATORS = (";", ",", "\t")

# --- limits (see the module docstring; docs/formats.md states them for the data stewards) ---------
MAX_COLUMNS = 200                 # values beyond this column are refused
MAX_ROWS = 1_000_000              # data rows (below the header)
MAX_SECONDS = 60.0                # default of MAINTIEN_IMPORT_MAX_SECONDS
MAX_ZIP_ENTRIES = 1_000           # a workbook has a few dozen
MAX_COMPRESSION_RATIO = 200       # real sheets compress 10-20 times; a zip bomb ~400-1000 times
RATIO_MIN_BYTES = 1024 * 1024     # the ratio is only checked on entries inflating beyond this
HEADER_SEARCH_ROWS = 10           # with header_score, the header is sought among these first rows
_MAX_SEPARATORS = 16_384          # Excel's columns: a CSV line with more separators is refused unsplit

_CHUNK = 64 * 1024
_FORMULA_CELLS_LISTED = 10
_monotonic = time.monotonic       # module attribute, so that tests can drive the clock

HeaderScore = Callable[[list[str]], float]


class TableReadError(Exception):
    """The file is not a table we can read; ``problems`` are French sentences."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class RawTable:
    file_name: str
    headers: list[str]
    rows: list[list[str]]
    lines: list[int]
    format: str                       # "CSV" or "XLSX"
    encoding: str | None = None
    separator: str | None = None
    notes: list[str] = field(default_factory=list)   # what was assumed while reading (French)
    header_line: int = 1              # line (sheet row) of the header
    sheet: str | None = None          # XLSX: the sheet read

    def describe(self) -> str:
        if self.format == "XLSX":
            return "classeur XLSX"
        sep = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}.get(self.separator or "", "?")
        return f"CSV {self.encoding}, séparateur {sep}"


# --- small French formatting helpers ---------------------------------------------------------------


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".replace(".", ",")


def _int(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _num(x: float) -> str:
    return _int(int(x)) if float(x).is_integer() else format(Decimal(repr(float(x))), "f").replace(".", ",")


def _col_letters(n: int) -> str:
    letters = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def _too_wide(file_name: str, where: str, found: str) -> TableReadError:
    return TableReadError(
        f"{file_name}{where} : {found} ; au plus {MAX_COLUMNS} colonnes sont lues (colonne {_col_letters(MAX_COLUMNS)}"
        " dans un tableur ; le jeu de données le plus large en compte environ 25). Supprimez les colonnes en trop "
        "ou vérifiez le séparateur.")


class _Clock:
    """The read's deadline, checked while iterating."""

    def __init__(self, file_name: str, seconds: float):
        self.file_name, self.seconds = file_name, seconds
        self.deadline = _monotonic() + seconds

    def check(self, line: int | None = None, sheet: str | None = None) -> None:
        if _monotonic() >= self.deadline:
            where = [f"feuille « {sheet} »"] if sheet else []
            where += [f"ligne {_int(line)} atteinte"] if line else []
            raise TableReadError(
                f"{self.file_name} : lecture interrompue au bout de {_num(self.seconds)} s"
                f"{' (' + ', '.join(where) + ')' if where else ''} (limite MAINTIEN_IMPORT_MAX_SECONDS) : le fichier "
                "est trop gros ou trop complexe. Découpez-le par année ou par territoire, ou enregistrez-le en CSV.")


@dataclass
class _Row:
    line: int
    cells: list[str]
    formulas: list[tuple[str, str]] = field(default_factory=list)   # (cell, French problem) — XLSX only


# --- what is clearly not a table -------------------------------------------------------------------


def sniff_not_a_table(data: bytes, file_name: str) -> str | None:
    """A French sentence when the bytes are clearly not a CSV or XLSX table, else None."""
    head = data[:4096]
    if head.startswith(b"%PDF"):
        return f"{file_name} : ce fichier est un document PDF, pas un tableau. Envoyez un fichier CSV ou XLSX."
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        if "EncryptionInfo".encode("utf-16-le") in data:
            return (f"{file_name} : ce classeur est protégé par un mot de passe, qui empêche de le lire. "
                    "Enregistrez-le sans mot de passe (Fichier > Informations > Protéger le classeur).")
        return (f"{file_name} : ce fichier est un classeur Excel 97-2003 (.xls), qui n'est pas pris en charge. "
                "Enregistrez-le au format .xlsx ou CSV.")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")) or b"<html" in text[:512]:
        return (f"{file_name} : ce fichier est une page web (HTML), pas un tableau — sans doute une page "
                "d'erreur enregistrée à la place des données. Téléchargez à nouveau le fichier.")
    if b"\x00" in head:
        return f"{file_name} : ce fichier est un fichier binaire, pas un tableau CSV ou XLSX."
    return None


# --- header and rows, common to both formats -------------------------------------------------------


def _unprotect(text: str) -> str:
    """``'=x`` → ``=x``: the apostrophe office software (and our exports, ``office.neutralise``) put
    before a value that would otherwise be taken for a formula (``= + - @``, or a tab or carriage
    return, which cells lose anyway once stripped)."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@\t\r":
        return text[1:].strip()
    return text


def _take(rows: Iterator[_Row], n: int) -> list[_Row]:
    return list(itertools.islice(rows, n))


def _best_header(head: list[_Row], header_score: HeaderScore | None) -> tuple[int, float]:
    """Index of the header among the first non-empty rows, and its score (ties: the first)."""
    if header_score is None:
        return 0, 0.0
    scores = [header_score(r.cells) for r in head]
    best = max(scores)
    return (scores.index(best), best) if best > 0 else (0, best)


def _formula_problems(file_name: str, sheet: str, cells: list[tuple[str, str]]) -> list[str]:
    out = [f"{file_name}, feuille « {sheet} », cellule {ref} : {what} ; ouvrez le fichier dans Excel ou "
           "LibreOffice et enregistrez-le, ou collez les valeurs à la place des formules."
           for ref, what in cells[:_FORMULA_CELLS_LISTED]]
    if len(cells) > _FORMULA_CELLS_LISTED:
        out.append(f"… et {_int(len(cells) - _FORMULA_CELLS_LISTED)} autres cellules de formule sans valeur "
                   f"calculée dans la feuille « {sheet} ».")
    return out


def _assemble(file_name: str, head: list[_Row], rest: Iterator[_Row], header_score: HeaderScore | None,
              clock: _Clock, *, sheet: str | None = None) -> tuple[list[str], list[list[str]], list[int], int,
                                                                   list[str]]:
    """Header, data rows, their lines, the header's line and the notes, from the non-empty rows."""
    where = f", feuille « {sheet} »" if sheet else ""
    idx, _ = _best_header(head, header_score)
    header_row = head[idx]
    notes: list[str] = []
    if idx == 1:
        notes.append(f"la ligne {head[0].line}, au-dessus de l'en-tête (ligne {header_row.line}), a été ignorée "
                     "(titre)")
    elif idx > 1:
        notes.append(f"les {idx} premières lignes, au-dessus de l'en-tête (ligne {header_row.line}), ont été "
                     "ignorées (titre)")
    formulas = [*header_row.formulas]
    unprotected: list[tuple[int, str]] = []

    def clean(row: _Row) -> list[str]:
        out = []
        for text in row.cells:
            plain = _unprotect(text)
            if plain is not text:
                unprotected.append((row.line, text))
            out.append(plain)
        return out

    headers = clean(header_row)
    rows: list[list[str]] = []
    lines: list[int] = []
    for row in itertools.chain(head[idx + 1:], rest):
        if len(rows) >= MAX_ROWS:
            raise TableReadError(
                f"{file_name}{where} : plus de {_int(MAX_ROWS)} lignes de données (limite de lecture) ; découpez "
                "le fichier par année ou par territoire.")
        formulas.extend(row.formulas)
        rows.append(clean(row))
        lines.append(row.line)
    clock.check()
    if formulas:
        raise TableReadError(_formula_problems(file_name, sheet or "", formulas))
    if unprotected:
        line, text = unprotected[0]
        count = (f"{len(unprotected)} valeurs commençant" if len(unprotected) > 1 else "une valeur commençant")
        notes.append(f"l'apostrophe placée devant {count} par =, +, - ou @ (protection contre les formules) a été "
                     f"retirée (par exemple ligne {line} : « {text} » lu « {text[1:]} »)")
    return headers, rows, lines, header_row.line, notes


# --- CSV -------------------------------------------------------------------------------------------


def _decode(data: bytes, file_name: str, clock: _Clock) -> tuple[str, str]:
    """The text and the name of its encoding: one encoding for the whole file."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise TableReadError(
                f"{file_name} : le fichier s'annonce en UTF-16 mais contient des caractères illisibles ; "
                "enregistrez-le en « CSV UTF-8 ».") from None
    bom = data.startswith(codecs.BOM_UTF8)
    body = data[3:] if bom else data
    try:
        return body.decode("utf-8"), "UTF-8 avec BOM" if bom else "UTF-8"
    except UnicodeDecodeError:
        pass
    nl = b"\r" if b"\n" not in body and b"\r" in body else b"\n"
    utf8_line = other_line = None
    for n, line in enumerate(body.split(nl), start=1):
        if n % 10_000 == 0:
            clock.check()
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            other_line = other_line or n
        else:
            utf8_line = utf8_line or n
        if utf8_line and other_line:
            break
    if bom and other_line and not utf8_line:
        utf8_line = 1                     # the byte-order mark itself says UTF-8
    if utf8_line and other_line:
        raise TableReadError(
            f"{file_name} : le fichier mélange deux encodages — la ligne {utf8_line} est en UTF-8, la ligne "
            f"{other_line} en Windows-1252 ; enregistrez le fichier à nouveau en « CSV UTF-8 » depuis le tableur "
            "(sans quoi les accents d'une partie des lignes seraient mal lus).")
    try:
        return body.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as exc:
        line = body.count(nl, 0, exc.start) + 1
        raise TableReadError(
            f"{file_name}, ligne {line} : l'octet 0x{body[exc.start]:02X} n'existe ni en UTF-8 ni en Windows-1252 "
            "(le fichier est dans un autre encodage) ; enregistrez-le en « CSV UTF-8 » ou « CSV (séparateur : "
            "point-virgule) ».") from None


def _separator(first_line: str) -> str:
    counts = {s: 0 for s in SEPARATORS}
    quoted = False
    for ch in first_line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(SEPARATORS, key=lambda s: counts[s])
    return best if counts[best] else ";"


_SEP_HINT = re.compile(r"sep=(.)\s*$")


def _best_separator(text: str, default: str, header_score: HeaderScore) -> str:
    """The separator under which a header row is best recognised among the first rows (ties: the
    separator of the first line)."""
    sample = text[:_CHUNK]
    best, best_score = default, None
    for sep in (default, *(s for s in SEPARATORS if s != default)):
        rows = []
        try:
            for row in csv.reader(io.StringIO(sample, newline=""), delimiter=sep):
                cells = [c.strip() for c in row[:MAX_COLUMNS]]
                if any(cells):
                    rows.append(cells)
                if len(rows) >= HEADER_SEARCH_ROWS:
                    break
        except csv.Error:
            continue
        score = max((header_score(r) for r in rows), default=0)
        if best_score is None or score > best_score:
            best, best_score = sep, score
    return best


def _csv_error(file_name: str, line: int, exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return (f"{file_name}, ligne {line} : une valeur dépasse {_int(csv.field_size_limit())} caractères — sans "
                "doute un guillemet ouvert qui n'est jamais refermé ; vérifiez les guillemets de cette ligne.")
    return (f"{file_name}, ligne {line} : ligne CSV illisible (guillemets ou caractères inattendus) ; vérifiez "
            "cette ligne ou enregistrez le fichier à nouveau depuis le tableur.")


def _csv_rows(text: str, sep: str, file_name: str, clock: _Clock, *, skip_first: bool) -> Iterator[_Row]:
    """The non-empty records, stripped, as found (a record spanning several lines has the line it ends on)."""
    exhausted = False

    def physical_lines():
        nonlocal exhausted
        for number, line in enumerate(io.StringIO(text, newline=""), start=1):
            # A line of a million separators would make a million fields at once: more than Excel's
            # 16 384 columns is refused before the csv module splits it.
            if len(line) > _MAX_SEPARATORS and (count := line.count(sep)) >= _MAX_SEPARATORS:
                raise _too_wide(file_name, f", ligne {number}", f"{_int(count + 1)} colonnes")
            yield line
        exhausted = True

    reader = csv.reader(physical_lines(), delimiter=sep)
    now, deadline = _monotonic, clock.deadline
    previous = 0
    try:
        for record in reader:
            start, previous = previous + 1, reader.line_num
            if exhausted:     # the reader hit the end of the file inside a quoted value
                raise TableReadError(
                    f"{file_name}, ligne {start} : un guillemet ouvre une valeur qui n'est jamais refermée (la suite "
                    "du fichier y serait avalée) ; vérifiez les guillemets de cette ligne.")
            if now() >= deadline:
                clock.check(previous)
            if not record or (skip_first and start == 1):
                continue
            if len(record) > MAX_COLUMNS:
                if "".join(record[MAX_COLUMNS:]).strip():
                    raise _too_wide(file_name, f", ligne {previous}", f"{_int(len(record))} colonnes")
                del record[MAX_COLUMNS:]
            cells = [c.strip() for c in record]
            if any(cells):
                yield _Row(previous, cells)
    except csv.Error as exc:
        raise TableReadError(_csv_error(file_name, previous + 1, exc)) from None


def _read_csv(data: bytes, file_name: str, clock: _Clock, header_score: HeaderScore | None) -> RawTable:
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    nul = -1 if utf16 else data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise TableReadError(
            f"{file_name}, ligne {line} : caractère nul — ce n'est pas un fichier texte "
            "(ou il est en UTF-16 sans marque d'ordre des octets) ; enregistrez-le en « CSV UTF-8 ».")
    text, encoding = _decode(data, file_name, clock)
    notes: list[str] = []
    first = next((ln for ln in io.StringIO(text, newline="") if ln.strip()), "")
    hint = _SEP_HINT.match(first) if text.startswith(first) else None
    if hint:
        sep = hint.group(1)
        notes.append(f"la ligne 1 « {first.strip()} » (indication de séparateur pour Excel) a été ignorée")
    else:
        sep = _separator(first[:_CHUNK])
        if header_score is not None:
            sep = _best_separator(text, sep, header_score)
    rows = _csv_rows(text, sep, file_name, clock, skip_first=bool(hint))
    head = _take(rows, HEADER_SEARCH_ROWS if header_score is not None else 1)
    if not head:
        raise TableReadError(f"{file_name} : le fichier est vide (ni en-tête ni données).")
    headers, cells, lines, header_line, more = _assemble(file_name, head, rows, header_score, clock)
    return RawTable(file_name, headers, cells, lines, "CSV", encoding, sep, notes + more, header_line)


# --- XLSX: the archive -----------------------------------------------------------------------------


def _unreadable_xlsx(file_name: str, why: str = "fichier abîmé ou d'un autre format") -> TableReadError:
    return TableReadError(f"{file_name} : ce fichier n'est pas un classeur XLSX lisible ({why}). Ouvrez-le dans "
                          "Excel ou LibreOffice et enregistrez-le à nouveau au format .xlsx, ou en CSV.")


def _open_zip(data: bytes, file_name: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - BadZipFile, OSError, ValueError, EOFError…: not a readable archive
        raise _unreadable_xlsx(file_name) from None


_SEND = "Envoyez un fichier CSV ou XLSX."


def _not_a_workbook(zf: zipfile.ZipFile, file_name: str) -> str | None:
    """A French sentence when the archive is clearly another kind of zip file."""
    names = set(zf.namelist())
    info = zf.NameToInfo.get("mimetype")
    if info is not None and info.file_size <= 200:
        try:
            with zf.open(info) as entry:
                mimetype = entry.read(200)    # never read() whole: that inflates up to 1 GiB at once
        except Exception:  # noqa: BLE001 - a damaged archive is reported by the checks that follow
            mimetype = b""
        if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
            return (f"{file_name} : ce fichier est un classeur OpenDocument (.ods), qui n'est pas pris en charge. "
                    "Dans LibreOffice, enregistrez-le au format Excel 2007-365 (.xlsx) ou en CSV.")
        if mimetype.startswith(b"application/vnd.oasis.opendocument"):
            return f"{file_name} : ce fichier est un document OpenDocument, pas un tableau. {_SEND}"
    if "word/document.xml" in names:
        return f"{file_name} : ce fichier est un document Word, pas un tableau. {_SEND}"
    if "ppt/presentation.xml" in names:
        return f"{file_name} : ce fichier est une présentation PowerPoint, pas un tableau. {_SEND}"
    if "[Content_Types].xml" not in names:
        inside = sorted(n for n in names if n.lower().endswith((".csv", ".xlsx")))
        if inside:
            return (f"{file_name} : ce fichier est une archive ZIP (qui contient {', '.join(inside[:3])}"
                    f"{'…' if len(inside) > 3 else ''}), pas un classeur. Décompressez-la et envoyez chaque "
                    "fichier.")
        return f"{file_name} : ce fichier est une archive ZIP, pas un classeur XLSX. {_SEND}"
    return None


def _check_archive(zf: zipfile.ZipFile, file_name: str, max_bytes: int, clock: _Clock) -> None:
    """Refuse, before anything is inflated, an archive too big or too odd to be a spreadsheet; then
    inflate every entry once, in small chunks, to check it is what its directory says."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise TableReadError(
            f"{file_name} : le classeur contient {_int(len(infos))} éléments, au-delà de la limite de "
            f"{_int(MAX_ZIP_ENTRIES)} : ce n'est pas un classeur ordinaire. Enregistrez les données en CSV.")
    for info in infos:
        if info.flag_bits & 0x1:
            raise TableReadError(
                f"{file_name} : le classeur est chiffré (protégé par un mot de passe) ; enregistrez-le sans mot de "
                "passe.")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _unreadable_xlsx(file_name, f"« {info.filename} » est compressé d'une façon qu'Excel et "
                                              "LibreOffice n'emploient pas")
    problem = _not_a_workbook(zf, file_name)
    if problem:
        raise TableReadError(problem)
    total = sum(i.file_size for i in infos)
    if total > max_bytes:
        raise TableReadError(
            f"{file_name} : une fois décompressé, le classeur ferait {_mb(total)} Mo, au-delà de la limite de "
            f"{_mb(max_bytes)} Mo (MAINTIEN_IMPORT_MAX_MB, qui s'applique aussi au contenu décompressé d'un XLSX). "
            "Découpez-le par année ou par territoire, ou enregistrez-le en CSV.")
    for info in infos:
        if info.file_size > RATIO_MIN_BYTES and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise TableReadError(
                f"{file_name} : l'élément « {info.filename} » du classeur est comprimé "
                f"{_int(info.file_size // max(info.compress_size, 1))} fois, bien au-delà de ce que produit un "
                f"tableur (limite : {MAX_COMPRESSION_RATIO} fois) ; ce n'est pas un classeur ordinaire. Enregistrez "
                "les données à nouveau depuis Excel ou LibreOffice, ou en CSV.")
    for info in infos:
        if info.is_dir():
            continue
        try:
            with zf.open(info) as entry:
                first = entry.read(_CHUNK)
                if info.filename.lower().endswith((".xml", ".rels", ".vml")) and b"<!DOCTYPE" in first:
                    raise _unreadable_xlsx(file_name, f"« {info.filename} » contient une déclaration DOCTYPE, "
                                                      "qu'aucun tableur n'écrit")
                while entry.read(_CHUNK):     # zipfile stops at the declared size, then checks the CRC
                    clock.check()
        except TableReadError:
            raise
        except Exception:  # noqa: BLE001 - BadZipFile (CRC, sizes), zlib.error, EOFError, OSError…
            raise _unreadable_xlsx(file_name, f"le contenu de « {info.filename} » est abîmé") from None
        clock.check()


# --- XLSX: workbook and sheets ---------------------------------------------------------------------


@dataclass
class _Book:
    shared: list
    date_styles: set
    timedelta_styles: set
    epoch: dt.datetime
    recalc: bool                        # fullCalcOnLoad: cached formula results are not to be trusted


def _load_book(data: bytes, file_name: str) -> tuple[_Book, list[tuple[str, str]]]:
    """Sheet titles and paths, shared strings, date styles… through openpyxl's reader (the archive is
    checked). Its worksheet objects are not built: their constructor parses a whole sheet that has
    no ``<dimension>``, and their rows are padded to the declared dimension."""
    import openpyxl
    from openpyxl.styles.stylesheet import apply_stylesheet

    with warnings.catch_warnings():     # openpyxl warns in English about styles, extensions…
        warnings.simplefilter("ignore")
        try:
            reader = openpyxl.reader.excel.ExcelReader(io.BytesIO(data), read_only=True, data_only=True,
                                                       keep_links=False)
        except Exception:  # noqa: BLE001 - any failure means "not a readable workbook"
            raise _unreadable_xlsx(file_name) from None
        try:
            reader.read_manifest()
            reader.read_strings()
            reader.read_workbook()
            wb = reader.wb
            apply_stylesheet(reader.archive, wb)
            sheets = [(sheet.name, rel.target) for sheet, rel in reader.parser.find_sheets()
                      if "chartsheet" not in (rel.Type or "") and rel.target in reader.valid_files]
            book = _Book(list(reader.shared_strings), set(wb._date_formats), set(wb._timedelta_formats), wb.epoch,
                         False)
        except Exception:  # noqa: BLE001
            raise _unreadable_xlsx(file_name) from None
        finally:
            reader.archive.close()
    return book, sheets


def _asks_recalculation(zf: zipfile.ZipFile) -> bool:
    """Whether the workbook part's ``<calcPr>`` says ``fullCalcOnLoad`` (openpyxl reads an absent
    attribute as true, so it cannot tell)."""
    part = "xl/workbook.xml"
    try:
        with zf.open("_rels/.rels") as rels:
            for _, element in ET.iterparse(rels):
                if _local(element.tag) == "Relationship" and element.get("Type", "").endswith("/officeDocument"):
                    part = element.get("Target", part).lstrip("/")
        with zf.open(part) as workbook:
            for _, element in ET.iterparse(workbook):
                if _local(element.tag) == "calcPr":
                    return element.get("fullCalcOnLoad", "").strip().lower() in ("1", "true")
    except Exception:  # noqa: BLE001 - unreadable here: openpyxl has read this part already
        pass
    return False


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _float_text(value: float) -> str:
    if not math.isfinite(value):
        return repr(value)
    if value.is_integer():
        return str(int(value))            # 1e16 → "10000000000000000"
    text = repr(value)                    # shortest round-trip: 0.1 + 0.2 → "0.30000000000000004"
    return format(Decimal(text), "f") if "e" in text else text


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float):
        return _float_text(value)
    return str(value).strip()


class _SheetReader:
    """Stream one sheet's XML through expat callbacks: the non-empty rows, as found; nothing of the
    sheet is kept but the row being read."""

    def __init__(self, zf: zipfile.ZipFile, book: _Book, file_name: str, sheet: str, path: str, clock: _Clock):
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        self.from_excel, self.from_iso = from_excel, from_ISO8601
        self.zf, self.book, self.file_name, self.sheet, self.path, self.clock = zf, book, file_name, sheet, path, clock
        self.names: dict[str, str] = {}
        self.ready: list[_Row] = []
        self.line = self.column = 0
        self.cells: dict[int, str] = {}
        self.formulas: list[tuple[str, str]] = []
        self.cell: dict | None = None               # attributes of the <c> being read
        self.v = self.f = None
        self.inline: list[str] | None = None
        self.text: list[str] | None = None          # character data being collected
        self.phonetic = False

    def _damaged(self, what: str) -> TableReadError:
        return TableReadError(f"{self.file_name}, feuille « {self.sheet} » : {what} (fichier abîmé) ; ouvrez le "
                              "fichier dans Excel ou LibreOffice et enregistrez-le à nouveau.")

    def _ref(self) -> str:
        return f"{_col_letters(self.column)}{self.line}"

    def rows(self) -> Iterator[_Row]:
        try:
            source = self.zf.open(self.path)
        except KeyError:
            raise self._damaged("la feuille est absente de l'archive") from None
        parser = expat.ParserCreate()
        parser.buffer_text = True
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._chars
        parser.StartDoctypeDeclHandler = self._doctype
        with source:
            while True:
                chunk = source.read(_CHUNK)
                try:
                    parser.Parse(chunk, not chunk)
                except expat.ExpatError:
                    raise self._damaged("le contenu de la feuille n'est pas du XML valide") from None
                ready, self.ready = self.ready, []
                yield from ready
                self.clock.check(self.line, self.sheet)
                if not chunk:
                    return

    def _doctype(self, *args) -> None:
        raise self._damaged("déclaration DOCTYPE, qu'aucun tableur n'écrit")

    def _local(self, name: str) -> str:
        local = self.names.get(name)
        if local is None:
            local = self.names[name] = name.rpartition(":")[2]
        return local

    def _start(self, name: str, attrs: dict) -> None:
        name = self._local(name)
        if self.cell is not None:
            if name == "v" or name == "f" or (name == "t" and self.inline is not None and not self.phonetic):
                self.text = []
            elif name == "is":
                self.inline = []
            elif name == "rPh":
                self.phonetic = True
        elif name == "c":
            self.cell = attrs
            self.v = self.f = self.inline = None
            ref = attrs.get("r")
            if ref is None:
                self.column += 1
            else:
                letters = ref.rstrip("0123456789")
                column = _COLUMNS.get(letters)
                if column is None:
                    if not (0 < len(letters) <= 10 and letters.isascii() and letters.isalpha()):
                        raise self._damaged(f"référence de cellule illisible « {ref[:20]} »")
                    column = _col_index(letters.upper())
                self.column = column
        elif name == "row":
            self.line = self._row_number(attrs.get("r"))
            self.column = 0
            self.cells, self.formulas = {}, []

    def _chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def _end(self, name: str) -> None:
        name = self._local(name)
        if self.cell is not None:
            if name == "c":
                self._cell_end()
                self.cell = None
            elif self.text is not None and name in ("v", "f", "t"):
                text, self.text = "".join(self.text), None
                if name == "v":
                    self.v = text
                elif name == "f":
                    self.f = text
                else:
                    self.inline.append(text)
            elif name == "rPh":
                self.phonetic = False
        elif name == "row":
            self.clock.check(self.line, self.sheet)
            if self.cells:
                cells = self.cells
                self.ready.append(_Row(self.line, [cells.get(i, "") for i in range(1, max(cells) + 1)], self.formulas))

    def _cell_end(self) -> None:
        attrs = self.cell
        kind = attrs.get("t", "n")
        if kind == "inlineStr":
            value = "".join(self.inline) if self.inline is not None else None
            cached = self.inline is not None
        else:
            raw = self.v
            value = self._value(raw, kind, attrs.get("s")) if raw else None
            cached = raw is not None and (raw != "" or kind == "str")
        text = _cell_text(value)
        problem = None
        if self.f is not None:
            formula = self.f.strip()
            shown = formula if len(formula) <= 40 else formula[:39] + "…"
            shown = "=" + shown if formula else "formule partagée"
            if not cached:
                problem = f"formule sans valeur calculée ({shown})"
            elif self.book.recalc:
                problem = (f"formule dont la valeur enregistrée n'est pas fiable ({shown}) : le logiciel qui a "
                           "produit le fichier demande de la recalculer")
        if text or problem:
            if self.column > MAX_COLUMNS:
                raise _too_wide(self.file_name, f", feuille « {self.sheet} », cellule {self._ref()}",
                                f"valeur au-delà de la colonne n° {MAX_COLUMNS}")
            self.cells[self.column] = text
            if problem:
                self.formulas.append((self._ref(), problem))

    def _value(self, raw: str, kind: str, style_attr: str | None):
        book = self.book
        if kind == "n":
            try:
                number = float(raw) if ("." in raw or "e" in raw or "E" in raw) else int(raw)
            except ValueError:
                raise self._damaged(f"cellule {self._ref()}, nombre illisible « {raw[:40]} »") from None
            if style_attr and book.date_styles:
                style = int(style_attr) if style_attr.isdigit() else 0
                if style in book.date_styles:
                    try:
                        return self.from_excel(number, book.epoch, timedelta=style in book.timedelta_styles)
                    except (OverflowError, ValueError, TypeError):
                        return number        # out of the calendar: the number, for the caller to refuse
            return number
        if kind == "s":
            try:
                return book.shared[int(raw)]
            except (ValueError, IndexError):
                raise self._damaged(f"cellule {self._ref()}, renvoi à un texte partagé inexistant") from None
        if kind == "b":
            return {"1": True, "0": False, "true": True, "false": False}.get(raw.strip().lower(), raw)
        if kind == "d":
            try:
                return self.from_iso(raw)
            except (ValueError, TypeError):
                return raw
        return raw                           # "str" (result of a formula), "e" (#N/A…), unknown types

    def _row_number(self, attr: str | None) -> int:
        if attr is None:
            return self.line + 1
        if attr.isdigit():
            return int(attr)
        try:
            number = float(attr)
        except ValueError:
            number = math.nan
        if number.is_integer() and number > 0:
            return int(number)
        raise self._damaged(f"numéro de ligne illisible « {attr[:20]} »")


_COLUMNS = {_col_letters(n): n for n in range(1, 16385)}      # A … XFD


def _read_xlsx(data: bytes, file_name: str, clock: _Clock, header_score: HeaderScore | None,
               max_bytes: int) -> RawTable:
    zf = _open_zip(data, file_name)
    with zf:
        _check_archive(zf, file_name, max_bytes, clock)
        book, sheets = _load_book(data, file_name)
        book.recalc = _asks_recalculation(zf)
        found: list[tuple[float, str, Iterator[_Row], list[_Row]]] = []
        try:
            for title, path in sheets:
                rows = _SheetReader(zf, book, file_name, title, path, clock).rows()
                head = _take(rows, HEADER_SEARCH_ROWS if header_score is not None else 1)
                if not head:
                    rows.close()
                    continue
                score = _best_header(head, header_score)[1]
                found.append((score, title, rows, head))
                if header_score is None:
                    break
            if not found:
                raise TableReadError(f"{file_name} : le classeur est vide (aucune feuille ne contient de données).")
            best = max(s for s, *_ in found)
            chosen = next(i for i, f in enumerate(found) if f[0] == best) if best > 0 else 0
            _, title, rows, head = found[chosen]
            notes = _sheet_notes(sheets, found, chosen, header_score)
            headers, cells, lines, header_line, more = _assemble(file_name, head, rows, header_score, clock,
                                                                 sheet=title)
        finally:
            for candidate in found:
                candidate[2].close()
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    cells = [(r[:width] if not any(r[width:]) else r) + [""] * (width - len(r)) for r in cells]
    return RawTable(file_name, headers, cells, lines, "XLSX", notes=notes + more, header_line=header_line,
                    sheet=title)


def _sheet_notes(sheets, found, chosen: int, header_score: HeaderScore | None) -> list[str]:
    score, title = found[chosen][:2]
    notes = []
    position = [t for t, _ in sheets].index(title)
    if position:
        skipped = [f[1] for f in found[:chosen]]
        if not skipped:
            why = ("les feuilles précédentes sont vides" if position > 1
                   else f"la feuille « {sheets[0][0]} » est vide")
        elif len(skipped) == 1:
            why = f"la feuille « {skipped[0]} » ne contient pas d'en-tête reconnu"
        else:
            why = f"les feuilles {', '.join(f'« {t} »' for t in skipped)} ne contiennent pas d'en-tête reconnu"
        notes.append(f"données lues dans la feuille « {title} » ({why})")
    if header_score is not None and score > 0:
        same = [f[1] for i, f in enumerate(found) if i != chosen and f[0] == score]
        if len(same) == 1:
            notes.append(f"la feuille « {same[0]} » a un en-tête aussi bien reconnu mais n'a pas été lue : seule "
                         "une feuille est lue par fichier ; envoyez chaque tableau dans un fichier séparé")
        elif same:
            names = ", ".join(f"« {t} »" for t in same)
            notes.append(f"les feuilles {names} ont un en-tête aussi bien reconnu mais n'ont pas été lues : seule "
                         "une feuille est lue par fichier ; envoyez chaque tableau dans un fichier séparé")
    return notes


# --- entry point -----------------------------------------------------------------------------------


def read_table(data: bytes, file_name: str, *, max_bytes: int, max_seconds: float | None = None,
               header_score: HeaderScore | None = None) -> RawTable:
    """Read CSV or XLSX bytes; raises :class:`TableReadError` with French sentences.

    ``max_bytes`` bounds the file and, for an XLSX, its uncompressed content; ``max_seconds`` the
    whole read (default: the ``MAINTIEN_IMPORT_MAX_SECONDS`` setting). ``header_score`` rates a row
    of cells as a header (e.g. how many are known headers): when given, the header is the best row
    among the first :data:`HEADER_SEARCH_ROWS` non-empty rows (ties: the first), and an XLSX's sheet
    is the one whose header scores best (ties: the first holding data); when None, the first
    non-empty row of the first sheet holding data. What was assumed is in ``RawTable.notes``.
    """
    if max_seconds is None:
        from .settings import get_settings
        max_seconds = get_settings().import_max_seconds
    clock = _Clock(file_name, max_seconds)
    if len(data) > max_bytes:
        raise TableReadError(
            f"{file_name} : le fichier fait {_mb(len(data))} Mo, au-delà de la limite de {_mb(max_bytes)} Mo "
            "(MAINTIEN_IMPORT_MAX_MB). Découpez-le par année ou par territoire."
        )
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise TableReadError(f"{file_name} : le fichier est vide.")
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, file_name, clock, header_score, max_bytes)
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        problem = sniff_not_a_table(data, file_name)
        if problem:
            raise TableReadError(problem)
    return _read_csv(data, file_name, clock, header_score)
