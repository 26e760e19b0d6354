"""Read a partner's file (CSV or XLSX) into a header and rows of text cells.

Accepted: CSV in UTF-8 (with or without BOM) or Windows-1252, separated by ``;``, ``,`` or
tabulations; XLSX (first sheet holding data). Anything else — an empty file, a PDF or an HTML
page renamed ``.csv``, a binary file, an old ``.xls`` workbook, a file over the size limit — is
refused with a French sentence naming the file. Cells are returned as stripped text; XLSX dates
become ISO dates and whole numbers lose their ``.0``, so that one parser serves both formats.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

SEPARATORS = (";", ",", "\t")


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
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.format == "XLSX":
            return "classeur XLSX"
        sep = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}.get(self.separator or "", "?")
        return f"CSV {self.encoding}, séparateur {sep}"


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".replace(".", ",")


def sniff_not_a_table(data: bytes, file_name: str) -> str | None:
    """A French sentence when the bytes are clearly not a CSV or XLSX table, else None."""
    head = data[:4096]
    if head.startswith(b"%PDF"):
        return f"{file_name} : ce fichier est un document PDF, pas un tableau. Envoyez un fichier CSV ou XLSX."
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return (f"{file_name} : ce fichier est un classeur Excel 97-2003 (.xls), qui n'est pas pris en charge. "
                "Enregistrez-le au format .xlsx ou CSV.")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")) or b"<html" in text[:512]:
        return (f"{file_name} : ce fichier est une page web (HTML), pas un tableau — sans doute une page "
                "d'erreur enregistrée à la place des données. Téléchargez à nouveau le fichier.")
    if b"\x00" in head:
        return f"{file_name} : ce fichier est un fichier binaire, pas un tableau CSV ou XLSX."
    return None


def _decode(data: bytes, file_name: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "UTF-8 avec BOM"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise TableReadError(
            f"{file_name} : le texte n'est ni en UTF-8 ni en Windows-1252 ; enregistrez le fichier en "
            "« CSV UTF-8 » ou « CSV (séparateur : point-virgule) »."
        ) from None


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


def _read_csv(data: bytes, file_name: str) -> RawTable:
    text, encoding = _decode(data, file_name)
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    sep = _separator(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    headers: list[str] | None = None
    rows, lines = [], []
    try:
        for row in reader:
            if not any(c.strip() for c in row):
                continue
            if headers is None:
                headers = [c.strip() for c in row]
                continue
            rows.append([c.strip() for c in row])
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise TableReadError(f"{file_name}, ligne {reader.line_num} : CSV illisible ({exc}).") from None
    if headers is None:
        raise TableReadError(f"{file_name} : le fichier est vide (ni en-tête ni données).")
    return RawTable(file_name, headers, rows, lines, "CSV", encoding, sep)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _read_xlsx(data: bytes, file_name: str) -> RawTable:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any failure means "not a readable workbook"
        raise TableReadError(
            f"{file_name} : ce fichier n'est pas un classeur XLSX lisible (fichier abîmé ou d'un autre format)."
        ) from None
    try:
        for ws in wb.worksheets:
            headers: list[str] | None = None
            rows, lines = [], []
            for idx, values in enumerate(ws.iter_rows(values_only=True), start=1):
                cells = [_cell_text(v) for v in values]
                if not any(cells):
                    continue
                if headers is None:
                    headers = cells
                    continue
                rows.append(cells)
                lines.append(idx)
            if headers is not None:
                while headers and not headers[-1]:
                    headers.pop()
                width = len(headers)
                rows = [(r[:width] if not any(r[width:]) else r) + [""] * (width - len(r)) for r in rows]
                note = [] if ws is wb.worksheets[0] else [f"données lues dans la feuille « {ws.title} »"]
                return RawTable(file_name, headers, rows, lines, "XLSX", notes=note)
    finally:
        wb.close()
    raise TableReadError(f"{file_name} : le classeur est vide (aucune feuille ne contient de données).")


def read_table(data: bytes, file_name: str, *, max_bytes: int) -> RawTable:
    """Read CSV or XLSX bytes; raises :class:`TableReadError` with French sentences."""
    if len(data) > max_bytes:
        raise TableReadError(
            f"{file_name} : le fichier fait {_mb(len(data))} Mo, au-delà de la limite de {_mb(max_bytes)} Mo "
            "(MAINTIEN_IMPORT_MAX_MB). Découpez-le par année ou par territoire."
        )
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise TableReadError(f"{file_name} : le fichier est vide.")
    if data.startswith(b"PK\x03\x04"):
        return _read_xlsx(data, file_name)
    problem = sniff_not_a_table(data, file_name)
    if problem:
        raise TableReadError(problem)
    return _read_csv(data, file_name)
