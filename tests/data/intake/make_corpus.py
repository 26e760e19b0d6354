"""(Re)create the intake test corpus: small files as partners send them, good and bad.

    python tests/data/intake/make_corpus.py          # rewrite the files next to this script
    python tests/data/intake/make_corpus.py --check  # exit 1 if a file on disk differs

The output is deterministic (fixed rows, fixed XLSX timestamps), so that the committed files are
exactly what this script writes; ``tests/test_intake.py`` checks it. Codes are those of the
sample store (``python -m dashboard init --sample``): CME38, 01, CARSAT, SAMETH38, agefiph…

- ``good/``: accepted files. The ``ctme_*`` files all hold the same three CTME sessions of CME38
  in 2019, written in every accepted way (encoding, separator, XLSX, header spellings, dates,
  territory spellings); the ``indicator_*`` files the same AGEFIPH 2019 values with a decimal
  comma and a decimal point; ``ise_call_departements.csv`` département codes without their
  leading zero, both date formats and typographic apostrophes.
- ``bad/``: one refused file per problem (the expected messages and lines are in
  ``tests/test_intake.py``). The "file too large" case is made by the test itself (a small
  ``MAINTIEN_IMPORT_MAX_MB``), not committed.
- ``rights/``: files mixing territories, refused for an animateur of CME38 only.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

CTME_HEADERS = ["CME", "Date de la séance", "Situations examinées", "Institutions participantes"]
# (CME, date, cases examined, participants): CME38, 2019.
CTME_ROWS = [
    ("CME38", dt.date(2019, 3, 14), 4, "CARSAT|SAMETH38|AT-CME38"),
    ("CME38", dt.date(2019, 6, 11), 6, "AGEFIPH|CAPEMPLOI38"),
    ("CME38", dt.date(2019, 10, 8), 5, "CARSAT|MDPH38|SST38"),
]

INDICATOR_HEADERS = ["Indicateur", "Territoire", "Année", "Valeur", "Numérateur", "Dénominateur", "Source",
                     "Estimation"]
# (indicator, territory, year, value, numerator, denominator, source, estimate); values with decimals.
INDICATOR_ROWS = [
    ("Q6.C1.I1", "01", 2019, 1288.0, None, None, "agefiph", "non"),
    ("Q6.C1.I2", "01", 2019, 962.0, None, None, "agefiph", "non"),
    ("Q6.C1.I3", "01", 2019, 74.7, 962.0, 1288.0, "agefiph", "non"),
    ("Q6.C1.I1", "38", 2019, 2410.0, None, None, "agefiph", "oui"),
    ("Q6.C1.I2", "38", 2019, 1705.5, None, None, "agefiph", "oui"),
    ("Q6.C1.I3", "38", 2019, 70.75, 1705.5, 2410.0, "agefiph", "oui"),
]

ISE_HEADERS = ["Référence de l'appel", "Date de l'appel", "Département", "Catégorie d'appelant",
               "En arrêt de travail", "Type de question", "Orientation"]


def fr_date(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def fr_number(x: float, decimal: str = ",", thousands: str = "") -> str:
    whole, _, frac = f"{x:.2f}".rstrip("0").rstrip(".").partition(".")
    if thousands and len(whole) > 3:
        whole = whole[:-3] + thousands + whole[-3:]
    return whole + (decimal + frac if frac else "")


def csv_text(rows: list[list[str]], sep: str = ";", newline: str = "\r\n") -> str:
    def cell(c: str) -> str:
        return f'"{c}"' if (sep in c or '"' in c) else c

    return "".join(sep.join(cell(str(c)) for c in r) + newline for r in rows)


def utf8_bom(text: str) -> bytes:
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def ctme(rows=None, headers=None, date=fr_date) -> list[list[str]]:
    rows = CTME_ROWS if rows is None else rows
    return [headers or CTME_HEADERS] + [[t, date(d) if isinstance(d, dt.date) else d, str(n), p]
                                         for t, d, n, p in rows]


# --- XLSX, deterministic -----------------------------------------------------------------------

_FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


def xlsx(headers: list[str], rows: list[list], date_columns: tuple[int, ...] = ()) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Données"
    ws.append(headers)
    for r in rows:
        ws.append(r)
    for col in date_columns:
        for (c,) in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            c.number_format = "DD/MM/YYYY"
    wb.properties.creator = "make_corpus.py"
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl stamps the creation/modification time and the zip entries with "now": fix both.
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                              rb"\g<1>2020-01-01T00:00:00Z\g<3>", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            zout.writestr(fixed, data)
    return out.getvalue()


# --- the corpus --------------------------------------------------------------------------------


def good_files() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    # Excel "CSV UTF-8 (délimité par des virgules)" in French: BOM, ";" and JJ/MM/AAAA.
    files["ctme_utf8_bom_semicolon.csv"] = utf8_bom(csv_text(ctme()))
    # A tool writing plain UTF-8, "," and ISO dates, LF line ends.
    files["ctme_utf8_comma.csv"] = csv_text(ctme(date=dt.date.isoformat), sep=",", newline="\n").encode("utf-8")
    # Excel "CSV (séparateur : point-virgule)" on Windows: Windows-1252, accented headers.
    files["ctme_cp1252_semicolon.csv"] = csv_text(ctme()).encode("cp1252")
    # Tab-separated text, mixed date formats.
    rows = [list(r) for r in ctme()]
    rows[2][1] = CTME_ROWS[1][1].isoformat()
    files["ctme_tab.csv"] = csv_text(rows, sep="\t").encode("utf-8")
    # XLSX with typed cells: dates as dates, counts as numbers.
    files["ctme.xlsx"] = xlsx(CTME_HEADERS, [[t, d, n, p] for t, d, n, p in CTME_ROWS], date_columns=(2,))
    # Headers in other case, without accents, with extra spaces and underscores; territories as
    # "cme 38", by name and in lower case; a single-digit month; padded cells.
    headers = ["cme", "DATE DE LA SEANCE", "  Situations   examinees ", "institutions_participantes"]
    body = [["cme 38", "14/3/2019", " 4 ", "carsat | SAMETH38 | at-cme38"],
            ["Isère", "11/06/2019", "6", "AGEFIPH|CAPEMPLOI38"],
            ["cme38", "2019-10-08", "5,0", "CARSAT|MDPH38|SST38"]]
    files["ctme_header_variants.csv"] = utf8_bom(csv_text([headers] + body))
    # Decimal comma with ";" (and a thousands space), decimal point with ",".
    comma = [INDICATOR_HEADERS] + [
        [i, t, str(y), fr_number(v, ",", " "), fr_number(n, ",", " ") if n else "",
         fr_number(d, ",", " ") if d else "", s, e] for i, t, y, v, n, d, s, e in INDICATOR_ROWS]
    files["indicator_decimal_comma.csv"] = utf8_bom(csv_text(comma))
    point = [INDICATOR_HEADERS] + [
        [i, t, str(y), fr_number(v, "."), fr_number(n, ".") if n else "", fr_number(d, ".") if d else "", s, e]
        for i, t, y, v, n, d, s, e in INDICATOR_ROWS]
    files["indicator_decimal_point.csv"] = csv_text(point, sep=",").encode("utf-8")
    # Départements without their leading zero ("1" for 01, "7" for 07), both date formats, labels
    # instead of codes in places.
    # Typographic apostrophes (’) as Excel's autocorrect writes them, in headers and labels.
    ise = [[h.replace("'", "’") for h in ISE_HEADERS],
           ["ISE-2019-900001", "04/02/2019", "1", "salarie", "oui", "rqth", "mdph"],
           ["ISE-2019-900002", "2019-02-05", "7", "Entreprise", "", "amenagement_poste", "sameth"],
           ["ISE-2019-900003", "6/3/2019", "38", "salarie", "non", "Invalidité", "Information seule, sans orientation"],
           ["ISE-2019-900004", "2019-03-07", "01", "proche", "oui", "Droits pendant l’arrêt de travail",
            "service_social"]]
    files["ise_call_departements.csv"] = utf8_bom(csv_text(ise))
    return files


def bad_files() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    ok = ctme()

    def variant(changes: dict[tuple[int, int], str], extra_rows=()) -> bytes:
        rows = [list(r) for r in ok] + [list(r) for r in extra_rows]
        for (r, c), v in changes.items():
            rows[r][c] = v
        return utf8_bom(csv_text(rows))

    files["unknown_column.csv"] = utf8_bom(csv_text([r + [x] for r, x in zip(ok, ["Commentaire", "", "RAS", ""])]))
    files["missing_required_column.csv"] = utf8_bom(csv_text([[r[0], r[1], r[3]] for r in ok]))
    files["text_in_number.csv"] = variant({(2, 2): "quatre"})                     # line 3
    files["bad_date.csv"] = variant({(1, 1): "31/02/2019", (3, 1): "2019-13-05"})  # lines 2 and 4
    files["unknown_territory.csv"] = variant({(2, 0): "CME99"})                   # line 3
    files["unknown_institution.csv"] = variant({(1, 3): "CARSAT|ACME"})           # line 2
    files["negative_count.csv"] = variant({(3, 2): "-2"})                         # line 4
    files["date_before_charter.csv"] = variant({(1, 1): "15/05/2012"})            # line 2
    files["date_in_future.csv"] = variant({(2, 1): "01/02/2099"})                 # line 3
    files["duplicate_rows.csv"] = variant({}, extra_rows=[ok[1]])                 # line 5 repeats line 2
    share = [INDICATOR_HEADERS,
             ["Q6.C1.I1", "01", "2019", "1288", "", "", "agefiph", "non"],
             ["Q6.C1.I3", "01", "2019", "130", "1674", "1288", "agefiph", "non"]]  # line 3
    files["share_over_100.csv"] = utf8_bom(csv_text(share))
    files["empty.csv"] = b""
    files["header_only.csv"] = utf8_bom(csv_text([CTME_HEADERS]))
    files["pdf_renamed.csv"] = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
                                b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")
    files["html_error_page.csv"] = (
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head><meta charset=\"utf-8\"><title>502 Bad Gateway</title></head>\n"
        "<body><h1>Erreur 502</h1><p>Le service de téléchargement est momentanément indisponible.</p></body>\n"
        "</html>\n").encode("utf-8")
    garbage = random.Random(20151208).randbytes(1024)
    assert b"\x00" in garbage and not garbage.startswith((b"PK", b"%PDF"))
    files["binary_garbage.csv"] = garbage
    files["excel_97_2003.xls"] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    files["corrupt.xlsx"] = b"PK\x03\x04" + b"not really a zip archive " * 8
    # Several problems on different lines, valid lines in between (lines 2, 4 and 7 are fine):
    # line 3 unknown territory; line 5 impossible date; line 6 negative count AND unknown
    # institution; line 8 repeats line 2.
    several = [CTME_HEADERS,
               ["CME38", "14/03/2019", "4", "CARSAT"],
               ["CME99", "21/03/2019", "3", "CARSAT"],
               ["CME38", "11/06/2019", "6", "AGEFIPH"],
               ["CME38", "32/06/2019", "2", ""],
               ["CME38", "08/10/2019", "-5", "CARSAT|ACME"],
               ["CME38", "12/11/2019", "3", "SAMETH38"],
               ["CME38", "14/03/2019", "4", "CARSAT"]]
    files["several_problems.csv"] = utf8_bom(csv_text(several))
    return files


def rights_files() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    rows = [CTME_HEADERS,
            ["CME38", "14/03/2019", "4", "CARSAT|SAMETH38"],
            ["CME69", "19/03/2019", "7", "CARSAT|SAMETH69"],      # line 3
            ["CME69", "25/06/2019", "5", "AGEFIPH"]]              # line 4
    files["ctme_cme38_and_cme69.csv"] = utf8_bom(csv_text(rows))
    ise = [ISE_HEADERS,
           ["ISE-2019-910001", "04/02/2019", "38", "salarie", "oui", "rqth", "mdph"],
           ["ISE-2019-910002", "05/02/2019", "69", "salarie", "non", "inaptitude", "sameth"]]  # line 3
    files["ise_call_38_and_69.csv"] = utf8_bom(csv_text(ise))
    return files


def corpus() -> dict[str, bytes]:
    """Relative path → bytes of every file of the corpus."""
    out = {}
    for folder, files in (("good", good_files()), ("bad", bad_files()), ("rights", rights_files())):
        for name, data in files.items():
            out[f"{folder}/{name}"] = data
    return out


def main(argv: list[str]) -> int:
    check = "--check" in argv
    differing = []
    for rel, data in corpus().items():
        path = HERE / rel
        if check:
            if not path.exists() or path.read_bytes() != data:
                differing.append(rel)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if check and differing:
        print("Fichiers du corpus à régénérer : " + ", ".join(differing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
