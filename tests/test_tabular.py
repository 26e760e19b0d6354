"""The file reader (``data_access/tabular.py``) against hostile and clumsy files, all generated here.

Hostile files (dimension bomb, zip bomb, 50 000 columns, endless rows, slow files, entries lying
about their size) must be refused, or read correctly, without stalling; the speed guarantees are
asserted structurally (which check refused the file, which code was never called), not by timing.
Every refusal is a :class:`TableReadError` whose sentences are French and name the file.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import random
import re
import struct
import zipfile

import openpyxl
import pytest

from data_access import tabular
from data_access.settings import get_settings
from data_access.tabular import RawTable, TableReadError, read_table

MB = 1024 * 1024
LIMIT = 20 * MB
ENGLISH = re.compile(r"Error|Traceback|not a valid|Exception|invalid|Unable|unexpected|expected", re.I)

CTME_HEADERS = ["CME", "Date de la séance", "Situations examinées", "Institutions participantes"]
KNOWN = {h.lower() for h in CTME_HEADERS}


def score(cells: list[str]) -> float:
    """What intake passes: how many cells are known headers."""
    return sum(1 for c in cells if c.lower() in KNOWN)


def read(data: bytes, name: str = "fichier.csv", **kwargs) -> RawTable:
    kwargs.setdefault("max_bytes", LIMIT)
    kwargs.setdefault("max_seconds", 60)
    return read_table(data, name, **kwargs)


def refusal(data: bytes, name: str = "fichier.csv", **kwargs) -> str:
    """The French refusal of a file: every sentence names it, none carries English exception text."""
    with pytest.raises(TableReadError) as exc:
        read(data, name, **kwargs)
    problems = exc.value.problems
    assert problems
    for p in problems:
        assert p.startswith(name) or p.startswith("…"), p
        assert not ENGLISH.search(p), p
    return "\n".join(problems)


# --- building files ------------------------------------------------------------------------------


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rewrite(data: bytes, replace: dict) -> bytes:
    """The same archive with some entries replaced (bytes, or a function of the old bytes)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            new = replace.get(info.filename)
            if new is not None:
                content = new(content) if callable(new) else new
            dst.writestr(info.filename, content)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet_xml(rows: str) -> bytes:
    xml = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}"><sheetData>{rows}</sheetData></worksheet>'
    return xml.encode()


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def hand_xlsx(rows: str, *, recalc: bool = False, title: str = "Données") -> bytes:
    """A workbook whose sheet XML is written by hand; without ``recalc`` the workbook does not ask for
    a recalculation on opening (as a file saved by Excel or LibreOffice)."""
    def workbook(xml: bytes) -> bytes:
        return xml if recalc else re.sub(rb'\s*fullCalcOnLoad="1"', b"", xml)
    return rewrite(xlsx({title: [["x"]]}), {SHEET: sheet_xml(rows), "xl/workbook.xml": workbook})


def ctme_csv(sep: str = ";", rows=None) -> str:
    rows = rows or [["CME38", "14/03/2019", "4", "CARSAT|SAMETH38"], ["CME38", "11/06/2019", "6", "AGEFIPH"]]
    return "\r\n".join(sep.join(r) for r in [CTME_HEADERS, *rows]) + "\r\n"


# --- the happy paths, read as before ---------------------------------------------------------------


@pytest.mark.parametrize("encoding, sep, described", [
    ("utf-8-sig", ";", "CSV UTF-8 avec BOM, séparateur point-virgule"),
    ("utf-8", ",", "CSV UTF-8, séparateur virgule"),
    ("cp1252", ";", "CSV Windows-1252, séparateur point-virgule"),
    ("utf-8", "\t", "CSV UTF-8, séparateur tabulation"),
    ("utf-16", "\t", "CSV UTF-16, séparateur tabulation"),      # Excel's « Texte Unicode »
])
def test_csv_happy_paths(encoding, sep, described):
    raw = read(ctme_csv(sep).encode(encoding), "ctme.csv")
    assert raw.headers == CTME_HEADERS
    assert raw.rows == [["CME38", "14/03/2019", "4", "CARSAT|SAMETH38"], ["CME38", "11/06/2019", "6", "AGEFIPH"]]
    assert raw.lines == [2, 3] and raw.header_line == 1
    assert raw.describe() == described
    assert raw.notes == []


def test_xlsx_happy_path_dates_numbers_and_booleans():
    data = xlsx({"Feuil1": [
        CTME_HEADERS + ["Nombre", "Vrai"],
        ["CME38", dt.date(2019, 3, 14), 4, "CARSAT", 12.0, True],
        ["CME38", dt.datetime(2019, 6, 11), 6.0, " AGEFIPH ", 2.5, False],
        ["CME38", dt.datetime(2019, 6, 11, 10, 30), 1e16, None, 1e-05, None],
    ]})
    raw = read(data, "ctme.xlsx")
    assert raw.describe() == "classeur XLSX" and raw.sheet == "Feuil1" and raw.notes == []
    assert raw.headers == CTME_HEADERS + ["Nombre", "Vrai"]
    assert raw.rows == [
        ["CME38", "2019-03-14", "4", "CARSAT", "12", "oui"],
        ["CME38", "2019-06-11", "6", "AGEFIPH", "2.5", "non"],
        ["CME38", "2019-06-11 10:30:00", "10000000000000000", "", "0.00001", ""],
    ]
    assert raw.lines == [2, 3, 4]


def test_xlsx_first_sheet_holding_data_and_rows_padded_to_the_header():
    data = xlsx({"Vide": [], "Données": [[], ["a", "b", "c", None], ["1"], [None, None, None], ["2", "x", "y"]]})
    raw = read(data, "f.xlsx")
    assert raw.headers == ["a", "b", "c"]
    assert raw.rows == [["1", "", ""], ["2", "x", "y"]] and raw.lines == [3, 5]
    assert raw.header_line == 2
    assert raw.notes == ["données lues dans la feuille « Données » (la feuille « Vide » est vide)"]


def test_numbers_as_spreadsheets_write_them():
    values = ["0.30000000000000004", "1E+16", "1.2345678901234567E+19", "1.0000000000000001E-5", "-0", "42", "7.50"]
    cells = "".join(f'<c r="{tabular._col_letters(i)}2"><v>{v}</v></c>' for i, v in enumerate(values, start=1))
    header = "".join(inline(f"{tabular._col_letters(i)}1", f"h{i}") for i in range(1, len(values) + 1))
    raw = read(hand_xlsx(f'<row r="1">{header}</row><row r="2">{cells}</row>'), "n.xlsx")
    assert raw.rows == [["0.30000000000000004", "10000000000000000", "12345678901234567168", "0.00001",
                         "0", "42", "7.5"]]


def test_shared_strings_and_rich_text_as_excel_writes_them():
    rows = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
            '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="inlineStr"><is><r><t>Pré</t></r><r><t>vention</t></r>'
            '<rPh sb="0" eb="1"><t>ignored</t></rPh></is></c></row>')
    strings = (f'<sst xmlns="{NS}" count="3" uniqueCount="3"><si><t>Nom</t></si><si><t>Action</t></si>'
               '<si><r><t>CME</t></r><r><t>38</t></r></si></sst>').encode()
    data = rewrite(hand_xlsx(rows), {})
    # add a shared strings part, as Excel writes it
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "[Content_Types].xml":
                content = content.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="'
                                          b'application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings'
                                          b'+xml"/></Types>')
            dst.writestr(info.filename, content)
        dst.writestr("xl/sharedStrings.xml", strings)
    raw = read(out.getvalue(), "f.xlsx")
    assert raw.headers == ["Nom", "Action"] and raw.rows == [["CME38", "Prévention"]]


# --- dimension bomb --------------------------------------------------------------------------------


def test_a_declared_dimension_of_the_whole_sheet_is_not_trusted(monkeypatch):
    small = xlsx({"Données": [["a", "b"], ["1", "2"], ["3", "4"]]})
    bomb = rewrite(small, {SHEET: lambda xml: re.sub(rb'<dimension ref="[^"]*"\s*/>',
                                                     b'<dimension ref="A1:XFD1048576"/>', xml)})
    assert len(bomb) < 10_000
    ws = openpyxl.load_workbook(io.BytesIO(bomb), read_only=True).active
    assert (ws.max_row, ws.max_column) == (1048576, 16384)   # openpyxl's read-only rows would be padded to this

    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    def padded(*args, **kwargs):
        raise AssertionError("openpyxl's padded rows must not be used")

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", padded)
    raw = read(bomb, "bombe.xlsx")
    assert raw.headers == ["a", "b"] and raw.rows == [["1", "2"], ["3", "4"]] and raw.lines == [2, 3]


# --- zip bombs and lying archives -----------------------------------------------------------------


def streamed_bomb(megabytes: int, *, level: int) -> bytes:
    """A workbook whose sheet XML inflates to ``megabytes`` of repeated cells, written streaming."""
    base = xlsx({"Données": [["a"]]})
    src = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    chunk = b'<row r="2"><c r="A2"><v>1</v></c></row>' * 25_000
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as dst:
        for info in src.infolist():
            if info.filename != SHEET:
                dst.writestr(info.filename, src.read(info))
                continue
            with dst.open(SHEET, "w") as w:
                w.write(f'<worksheet xmlns="{NS}"><sheetData>'.encode())
                for _ in range(megabytes * MB // len(chunk) + 1):
                    w.write(chunk)
                w.write(b"</sheetData></worksheet>")
    return out.getvalue()


@pytest.fixture
def no_openpyxl(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("openpyxl must not be called for this file")
    monkeypatch.setattr(openpyxl, "load_workbook", fail)
    monkeypatch.setattr(openpyxl.reader.excel, "ExcelReader", fail)


@pytest.fixture
def entries_opened(monkeypatch):
    opened = []
    real_open = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        opened.append(getattr(name, "filename", name))
        return real_open(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    return opened


def test_zip_bomb_is_refused_from_the_declared_sizes_without_inflating_anything(no_openpyxl, entries_opened):
    bomb = streamed_bomb(256, level=1)
    assert len(bomb) < 3 * MB                       # a small upload…
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(bomb)).infolist()) > 256 * MB   # …of 256 MB
    entries_opened.clear()
    text = refusal(bomb, "bombe.xlsx")
    assert re.search(r"une fois décompressé, le classeur ferait 25\d,\d Mo, au-delà de la limite de 20,0 Mo", text)
    assert "MAINTIEN_IMPORT_MAX_MB" in text
    assert entries_opened == []                      # nothing inflated


def test_an_absurd_compression_ratio_is_refused_before_inflating(no_openpyxl, entries_opened):
    bomb = streamed_bomb(8, level=9)                 # under the 20 MB limit, but ~400 times compressed
    entries_opened.clear()
    text = refusal(bomb, "bombe.xlsx")
    assert "« xl/worksheets/sheet1.xml » du classeur est comprimé" in text and "limite : 200 fois" in text
    assert entries_opened == []


def test_too_many_zip_entries_are_refused(monkeypatch, no_openpyxl):
    monkeypatch.setattr(tabular, "MAX_ZIP_ENTRIES", 5)
    text = refusal(xlsx({"Données": [["a"], ["1"]]}), "f.xlsx")
    assert "éléments, au-delà de la limite de 5" in text


def lie_about_size(data: bytes, name: str, size: int) -> bytes:
    """The archive with ``name``'s uncompressed size rewritten to ``size`` in its local and central
    headers (the CRC is left as it was)."""
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    buf = bytearray(data)
    assert buf[info.header_offset:info.header_offset + 4] == b"PK\x03\x04"
    struct.pack_into("<I", buf, info.header_offset + 22, size)
    encoded = name.encode()
    pos = 0
    while (pos := buf.find(b"PK\x01\x02", pos + 1)) >= 0:
        length = struct.unpack_from("<H", buf, pos + 28)[0]
        if bytes(buf[pos + 46:pos + 46 + length]) == encoded:
            struct.pack_into("<I", buf, pos + 24, size)
            return bytes(buf)
    raise AssertionError(name)


def test_zipfile_never_inflates_more_than_the_declared_size():
    """What the reader relies on: reading an entry in chunks returns at most its declared size, then
    fails the CRC check, whatever the compressed stream would inflate to."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.xml", b"<c/>" * (4 * MB))          # 16 MB inflated
    lying = lie_about_size(out.getvalue(), "big.xml", 1000)
    z = zipfile.ZipFile(io.BytesIO(lying))
    assert z.getinfo("big.xml").file_size == 1000
    got = 0
    with pytest.raises(zipfile.BadZipFile, match="CRC"):
        with z.open("big.xml") as entry:
            while chunk := entry.read(64 * 1024):
                got += len(chunk)
    assert got <= 1000


def test_an_entry_lying_about_its_size_is_refused_as_damaged(no_openpyxl):
    rows = "".join(f'<row r="{n}">{inline(f"A{n}", "x" * 50)}</row>' for n in range(1, 5000))
    data = lie_about_size(hand_xlsx(rows), SHEET, 1000)
    text = refusal(data, "ment.xlsx")
    assert "n'est pas un classeur XLSX lisible" in text and "« xl/worksheets/sheet1.xml » est abîmé" in text


def test_a_doctype_in_the_workbook_is_refused(no_openpyxl):
    data = hand_xlsx(inline("A1", "a"))
    doctype = b'<!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet'
    data = rewrite(data, {SHEET: lambda xml: xml.replace(b"<worksheet", doctype)})
    assert "DOCTYPE" in refusal(data, "f.xlsx")


@pytest.mark.parametrize("compression", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_compression_methods_office_software_does_not_use_are_refused(compression, no_openpyxl):
    src = zipfile.ZipFile(io.BytesIO(xlsx({"Données": [["a"]]})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    assert "compressé d'une façon qu'Excel et LibreOffice n'emploient pas" in refusal(out.getvalue(), "f.xlsx")


# --- too wide, too long, too slow ------------------------------------------------------------------


def test_csv_of_50000_columns_is_refused():
    header = ";".join(f"c{i}" for i in range(50_000))
    text = refusal(f"{header}\r\n1;2\r\n".encode(), "large.csv")
    assert "large.csv, ligne 1 : 50 000 colonnes ; au plus 200 colonnes sont lues" in text
    text = refusal(("a;b\r\n1;2\r\n" + ";" * 300 + "x\r\n").encode(), "large.csv")
    assert "large.csv, ligne 3 : 301 colonnes ; au plus 200 colonnes sont lues" in text


def test_csv_empty_columns_beyond_the_limit_are_ignored():
    # a spreadsheet exporting formatted empty columns writes thousands of trailing separators
    body = "\r\n".join(";".join(r) + ";" * 16_000 for r in [CTME_HEADERS, ["CME38", "14/03/2019", "4", ""]])
    raw = read(body.encode(), "f.csv")
    assert raw.headers[:4] == CTME_HEADERS and not any(raw.headers[4:]) and len(raw.headers) == 200
    assert raw.rows[0][:3] == ["CME38", "14/03/2019", "4"]


def test_xlsx_of_50000_columns_is_refused_in_french():
    cells = "".join(inline(f"{tabular._col_letters(n)}1", f"h{n}") for n in range(1, 50_001))
    text = refusal(hand_xlsx(f'<row r="1">{cells}</row>'), "large.xlsx")
    assert "large.xlsx, feuille « Données », cellule GS1 : valeur au-delà de la colonne n° 200" in text


def test_xlsx_cell_beyond_excel_columns_is_refused_in_french():
    # 'AAAA' is beyond Excel's last column XFD: openpyxl raises "'AAAA' is not a valid column name"
    rows = f'<row r="1">{inline("A1", "a")}{inline("AAAA1", "far")}</row><row r="2">{inline("A2", "1")}</row>'
    text = refusal(hand_xlsx(rows), "loin.xlsx")
    assert "loin.xlsx, feuille « Données », cellule AAAA1 : valeur au-delà de la colonne n° 200" in text


def test_xlsx_empty_styled_cells_beyond_the_limit_are_ignored():
    rows = (f'<row r="1">{inline("A1", "a")}<c r="XFD1" s="1"/></row>'
            f'<row r="2">{inline("A2", "1")}<c r="ZZ2" s="1"/></row>')
    raw = read(hand_xlsx(rows), "f.xlsx")
    assert raw.headers == ["a"] and raw.rows == [["1"]]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_more_rows_than_the_limit_are_refused(monkeypatch, kind):
    monkeypatch.setattr(tabular, "MAX_ROWS", 5)
    rows = [["a", "b"]] + [[str(i), "x"] for i in range(5)]
    if kind == "csv":
        make = lambda rs: "\r\n".join(";".join(r) for r in rs).encode()    # noqa: E731
    else:
        make = lambda rs: xlsx({"Données": rs})                             # noqa: E731
    assert len(read(make(rows), f"f.{kind}").rows) == 5                      # at the limit: read
    text = refusal(make(rows + [["6", "x"]]), f"f.{kind}")
    assert "plus de 5 lignes de données (limite de lecture)" in text


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_read_beyond_its_time_budget_is_refused(monkeypatch, kind):
    now = [0.0]

    def clock():                    # every look at the clock takes one second
        now[0] += 1
        return now[0]

    monkeypatch.setattr(tabular, "_monotonic", clock)
    rows = [["a", "b"]] + [[str(i), "x"] for i in range(200)]
    data = "\r\n".join(";".join(r) for r in rows).encode() if kind == "csv" else xlsx({"Données": rows})
    text = refusal(data, f"lent.{kind}", max_seconds=50)
    assert "lecture interrompue au bout de 50 s" in text and "MAINTIEN_IMPORT_MAX_SECONDS" in text
    assert re.search(r"ligne \d+ atteinte", text)


def test_the_time_budget_defaults_to_the_setting(monkeypatch):
    monkeypatch.setenv("MAINTIEN_IMPORT_MAX_SECONDS", "0.000001")
    get_settings.cache_clear()
    try:
        with pytest.raises(TableReadError, match="au bout de 0,000001 s"):
            read_table(ctme_csv().encode(), "f.csv", max_bytes=LIMIT)
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert read_table(ctme_csv().encode(), "f.csv", max_bytes=LIMIT).rows


# --- encodings ------------------------------------------------------------------------------------


def test_a_csv_mixing_utf8_and_windows_1252_lines_is_refused():
    data = (b"Nom;Action\r\nA;Pr\xe9vention\r\nB;Pr\xc3\xa9vention\r\n")   # line 2 cp1252, line 3 UTF-8
    text = refusal(data, "mixte.csv")
    assert ("mixte.csv : le fichier mélange deux encodages — la ligne 3 est en UTF-8, la ligne 2 en Windows-1252"
            in text)
    assert "enregistrez le fichier à nouveau en « CSV UTF-8 »" in text


def test_a_bom_file_with_windows_1252_lines_is_refused():
    data = codecs.BOM_UTF8 + b"Nom;Action\r\nA;x\r\nB;Pr\xe9vention\r\n"
    assert "la ligne 1 est en UTF-8, la ligne 3 en Windows-1252" in refusal(data, "bom.csv")


def test_a_consistent_windows_1252_file_is_read_as_such():
    raw = read("Nom;Action\r\nA;Prévention\r\nB;Maintien à l'emploi\r\n".encode("cp1252"), "ansi.csv")
    assert raw.encoding == "Windows-1252" and raw.rows == [["A", "Prévention"], ["B", "Maintien à l'emploi"]]


def test_a_byte_undefined_in_windows_1252_is_refused_naming_its_line():
    data = b"Nom;Action\r\nA;Pr\xe9vention\r\nB;x\x81y\r\n"
    text = refusal(data, "bizarre.csv")
    assert "bizarre.csv, ligne 3 : l'octet 0x81 n'existe ni en UTF-8 ni en Windows-1252" in text


def test_a_nul_character_deep_in_a_csv_is_refused_naming_its_line():
    data = ctme_csv(rows=[["CME38", "01/01/2019", "1", "A"]] * 200).encode() + b"CME38;\x00;1;A\r\n"
    text = refusal(data, "nul.csv")
    assert "nul.csv, ligne 202 : caractère nul" in text


# --- formulas -------------------------------------------------------------------------------------


def test_formulas_without_cached_value_are_refused_with_sheet_and_cell():
    data = xlsx({"Données": [["a", "b", "Total"], [1, 2, "=SUM(A2:B2)"], [3, 4, "=SUM(A3:B3)"]]})
    text = refusal(data, "calcul.xlsx")      # openpyxl writes formulas without their value
    assert ("calcul.xlsx, feuille « Données », cellule C2 : formule sans valeur calculée (=SUM(A2:B2)) ; ouvrez "
            "le fichier dans Excel ou LibreOffice et enregistrez-le, ou collez les valeurs") in text
    assert "cellule C3 : formule sans valeur calculée (=SUM(A3:B3))" in text


def test_a_row_of_formulas_without_values_is_not_taken_for_an_empty_row():
    rows = (f'<row r="1">{inline("A1", "a")}{inline("B1", "b")}</row>'
            '<row r="2"><c r="A2"><f>1+1</f></c><c r="B2"><f>2+2</f><v></v></c></row>')
    text = refusal(hand_xlsx(rows), "f.xlsx")
    assert "cellule A2 : formule sans valeur calculée (=1+1)" in text and "cellule B2" in text


def test_formulas_with_a_cached_value_are_read_as_their_value():
    rows = (f'<row r="1">{inline("A1", "a")}{inline("B1", "b")}{inline("C1", "c")}</row>'
            '<row r="2"><c r="A2"><v>1</v></c><c r="B2"><f>A2*2</f><v>2</v></c>'
            '<c r="C2" t="str"><f>IF(A2=1,"","x")</f><v></v></c></row>'
            '<row r="3"><c r="A3"><v>2</v></c><c r="B3"><f t="shared" si="0"/><v>4</v></c>'
            '<c r="C3" t="str"><f>"x"&amp;A3</f><v>x2</v></c></row>')
    raw = read(hand_xlsx(rows), "f.xlsx")
    assert raw.rows == [["1", "2", ""], ["2", "4", "x2"]]


def test_formulas_of_a_workbook_asking_for_recalculation_are_not_trusted():
    # XlsxWriter writes 0 as every formula's result and asks for a full recalculation on opening
    rows = f'<row r="1">{inline("A1", "a")}</row><row r="2"><c r="A2"><f>SUM(B2:B9)</f><v>0</v></c></row>'
    text = refusal(hand_xlsx(rows, recalc=True), "xw.xlsx")
    assert "cellule A2 : formule dont la valeur enregistrée n'est pas fiable (=SUM(B2:B9))" in text


def test_many_formula_cells_are_summed_up():
    data = xlsx({"Données": [["a"]] + [[f"={i}+1"] for i in range(30)]})
    with pytest.raises(TableReadError) as exc:
        read(data, "f.xlsx")
    assert len(exc.value.problems) == 11
    assert exc.value.problems[-1].startswith("… et 20 autres cellules")


# --- tolerance ------------------------------------------------------------------------------------


def test_title_rows_above_the_header_are_skipped_with_header_score():
    body = ("Bilan des CTME 2019\r\n\r\nSource : CME38\r\n" + ctme_csv()).encode("utf-8")
    raw = read(body, "titre.csv", header_score=score)
    assert raw.headers == CTME_HEADERS and raw.header_line == 4 and raw.lines == [5, 6]
    assert raw.notes == ["les 2 premières lignes, au-dessus de l'en-tête (ligne 4), ont été ignorées (titre)"]
    assert read(body, "titre.csv").headers == ["Bilan des CTME 2019"]      # without a score: as before


def test_title_row_with_a_comma_does_not_mislead_the_separator():
    body = ("Bilan, CME38\r\n" + ctme_csv()).encode("utf-8")
    raw = read(body, "titre.csv", header_score=score)
    assert raw.separator == ";" and raw.headers == CTME_HEADERS
    assert raw.notes == ["la ligne 1, au-dessus de l'en-tête (ligne 2), a été ignorée (titre)"]


def test_xlsx_title_row_and_notes_sheet_before_the_data_sheet():
    notice = [["Notice"], ["Remplissez la feuille Données, une ligne par séance."]]
    data_rows = [["CTME 2019 — CME38"], CTME_HEADERS, ["CME38", dt.date(2019, 3, 14), 4, "CARSAT"]]
    data = xlsx({"Notice": notice, "Données": data_rows})
    raw = read(data, "classeur.xlsx", header_score=score)
    assert raw.sheet == "Données" and raw.headers == CTME_HEADERS and raw.lines == [3] and raw.header_line == 2
    assert raw.rows == [["CME38", "2019-03-14", "4", "CARSAT"]]
    assert raw.notes == [
        "données lues dans la feuille « Données » (la feuille « Notice » ne contient pas d'en-tête reconnu)",
        "la ligne 1, au-dessus de l'en-tête (ligne 2), a été ignorée (titre)",
    ]
    assert read(data, "classeur.xlsx").sheet == "Notice"                  # without a score: as before


def test_two_sheets_with_the_same_header_first_is_read_and_the_other_noted():
    rows = [CTME_HEADERS, ["CME38", "14/03/2019", "4", "CARSAT"]]
    raw = read(xlsx({"2019": rows, "2020": rows}), "deux.xlsx", header_score=score)
    assert raw.sheet == "2019"
    assert raw.notes == ["la feuille « 2020 » a un en-tête aussi bien reconnu mais n'a pas été lue : seule une "
                         "feuille est lue par fichier ; envoyez chaque tableau dans un fichier séparé"]


def test_apostrophe_protecting_a_formula_like_value_is_removed_once_noted():
    body = "Nom;Valeur;Texte\r\n'=x;'-5;'abc\r\n'+33;'@moi;l'eau\r\n".encode()
    raw = read(body, "apos.csv")
    assert raw.rows == [["=x", "-5", "'abc"], ["+33", "@moi", "l'eau"]]
    assert raw.notes == ["l'apostrophe placée devant 4 valeurs commençant par =, +, - ou @ (protection contre les "
                         "formules) a été retirée (par exemple ligne 2 : « '=x » lu « =x »)"]
    raw = read("Nom;Valeur\r\nA;\"'\tx\"\r\n".encode(), "tab.csv")      # as data_access/office.py neutralises
    assert raw.rows == [["A", "x"]] and len(raw.notes) == 1
    raw = read(xlsx({"Données": [["a"], ["'-5"]]}), "apos.xlsx")
    assert raw.rows == [["-5"]] and "une valeur commençant" in raw.notes[0]


def test_excel_separator_hint_line_is_used_and_skipped():
    raw = read(("sep=,\r\n" + ctme_csv(",")).encode(), "hint.csv")
    assert raw.separator == "," and raw.headers == CTME_HEADERS and raw.lines == [3, 4]
    assert raw.notes == ["la ligne 1 « sep=, » (indication de séparateur pour Excel) a été ignorée"]


# --- other refusals, in French ------------------------------------------------------------------


def test_unclosed_quote_is_refused_instead_of_swallowing_the_file():
    body = 'Nom;Commentaire\r\nA;ok\r\nB;"oubli\r\nC;perdu\r\nD;perdu\r\n'.encode()
    assert "quote.csv, ligne 3 : un guillemet ouvre une valeur qui n'est jamais refermée" in refusal(body, "quote.csv")
    ok = read('Nom;Commentaire\r\nA;"deux\r\nlignes"\r\nB;x'.encode(), "ok.csv")
    assert ok.rows == [["A", "deux\r\nlignes"], ["B", "x"]] and ok.lines == [3, 4]


def test_a_huge_csv_field_is_refused_in_french():
    body = ('Nom;Commentaire\r\nA;"' + "x" * 200_000 + '"\r\n').encode()
    assert "big.csv, ligne 2 : une valeur dépasse 131 072 caractères" in refusal(body, "big.csv")


@pytest.mark.parametrize("make, fragment", [
    (lambda: b"PK\x03\x04" + b"not really a zip archive " * 8, "n'est pas un classeur XLSX lisible"),
    (lambda: rewrite(xlsx({"D": [["a"]]}), {SHEET: f'<worksheet xmlns="{NS}"><dimension ref="A1"/><sheetData><row>'
                                                  .encode()}),
     "feuille « D » : le contenu de la feuille n'est pas du XML"),
    (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptionInfo".encode("utf-16-le") + bytes(100),
     "protégé par un mot de passe"),
    (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), "Excel 97-2003 (.xls)"),
])
def test_unreadable_workbooks_are_refused_in_french(make, fragment):
    assert fragment in refusal(make(), "f.xlsx")


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in entries.items():
            z.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize("entries, fragment", [
    ({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"},
     "classeur OpenDocument (.ods)"),
    ({"ctme.csv": b"a;b\r\n"}, "archive ZIP (qui contient ctme.csv)"),
    ({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"}, "document Word"),
])
def test_other_zip_files_are_named(entries, fragment, no_openpyxl):
    assert fragment in refusal(_zip(entries), "f.xlsx")


def test_damaged_workbooks_never_raise_anything_but_french_refusals():
    """Truncated and bit-flipped workbooks: a table or a French refusal, never another exception."""
    good = xlsx({"Données": [CTME_HEADERS, ["CME38", dt.date(2019, 3, 14), 4, "CARSAT"]]})
    rng = random.Random(20191114)
    variants = [good[:n] for n in range(0, len(good), max(1, len(good) // 40))]
    for _ in range(60):
        buf = bytearray(good)
        for _ in range(rng.randint(1, 8)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        variants.append(bytes(buf))
    for data in variants:
        try:
            read(data, "abime.xlsx")
        except TableReadError as exc:
            for p in exc.problems:
                assert p.startswith("abime.xlsx") and not ENGLISH.search(p), p
