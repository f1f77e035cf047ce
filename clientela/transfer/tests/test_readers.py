import codecs
import io

import pytest
from openpyxl import Workbook

from clientela.transfer.readers import ImportFileError, read_table

from .helpers import csv_bytes


def rows_of(table):
    return [cells for _number, cells in table.rows]


def test_utf8_with_bom_and_commas():
    data = codecs.BOM_UTF8 + csv_bytes([["Nombre", "Ciudad"], ["Íñigo", "Málaga"]])
    table = read_table(data, "a.csv")
    assert table.headers == ["Nombre", "Ciudad"]
    assert rows_of(table) == [["Íñigo", "Málaga"]]


def test_utf16_tab_separated_from_excel_unicode_text():
    data = csv_bytes([["First Name", "City"], ["Zoë", "Zürich"]], delimiter="\t", encoding="utf-16")
    table = read_table(data, "a.txt")
    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    assert rows_of(table) == [["Zoë", "Zürich"]]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(delimiter):
    table = read_table(csv_bytes([["a", "b", "c"], ["1", "2", "3"], ["4", "5", "6"]], delimiter=delimiter))
    assert table.delimiter == delimiter
    assert rows_of(table) == [["1", "2", "3"], ["4", "5", "6"]]


def test_windows_1252_is_detected_and_can_be_overridden():
    data = csv_bytes([["Nombre"], ["Begoña"]], encoding="cp1252")
    assert rows_of(read_table(data)) == [["Begoña"]]
    assert rows_of(read_table(data, encoding="latin-1")) == [["Begoña"]]


def test_quoted_multi_line_field_and_blank_rows():
    data = csv_bytes([["Name", "Street"], ["Ana", "Calle Mayor 1\n2º B\nEscalera dcha."], ["", ""], [" ", ""],
                      ["Luis", "Gran Vía 5"]])
    table = read_table(data)
    assert list(table.rows) == [(1, ["Ana", "Calle Mayor 1\n2º B\nEscalera dcha."]), (2, ["Luis", "Gran Vía 5"])]


def test_duplicated_headers_are_refused():
    with pytest.raises(ImportFileError) as caught:
        read_table(csv_bytes([["Email", "Name", "email"], ["a@b.es", "A", "c@d.es"]]))
    assert "Email" in caught.value.messages[0]


def test_empty_file_is_refused_before_any_work():
    with pytest.raises(ImportFileError) as caught:
        read_table(b"", "empty.csv")
    assert caught.value.code == "empty_file"


def test_binary_renamed_csv_is_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)) * 4
    with pytest.raises(ImportFileError) as caught:
        read_table(png, "photo.csv")
    assert caught.value.code == "binary_file"


def test_file_over_the_limit_is_refused(settings):
    settings.CLIENTELA = {**settings.CLIENTELA, "IMPORT_MAX_BYTES": 100}
    with pytest.raises(ImportFileError) as caught:
        read_table(csv_bytes([["Name"]] + [["x" * 20]] * 10))
    assert caught.value.code == "too_large"


def test_five_thousand_columns():
    headers = [f"col{i}" for i in range(5000)]
    table = read_table(csv_bytes([headers, [str(i) for i in range(5000)]]))
    assert len(table.headers) == 5000
    assert rows_of(table)[0][4999] == "4999"


def xlsx(sheets: dict) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_first_or_chosen_sheet():
    data = xlsx({"Hoja1": [["Nombre", "Teléfono"], ["Ana", 612345678], [None, None]],
                 "Otra": [["Empresa"], ["Acme"]]})
    assert rows_of(read_table(data, "libro.xlsx")) == [["Ana", "612345678"]]
    assert rows_of(read_table(data, "libro.xlsx", sheet="Otra")) == [["Acme"]]
    with pytest.raises(ImportFileError):
        read_table(data, "libro.xlsx", sheet="Nope")
