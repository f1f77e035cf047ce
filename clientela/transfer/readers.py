"""Reading an uploaded file into a header row and data rows: CSV in any common dialect, or XLSX.

Every problem that makes the file unusable is raised as `ImportFileError` before any row is processed.
"""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, islice

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .normalise import ColumnMark, detect_decimal_mark, is_ambiguous_number

DELIMITERS = ",;\t|"
XLSX_MAGIC = b"PK\x03\x04"
STREAM_FROM = 4 * 1024 * 1024  # bytes: bigger CSV files are decoded while read
NUMBER_SAMPLE = 2000  # rows whose values tell each column's decimal mark


class ImportFileError(ValidationError):
    """The file cannot be imported at all (empty, binary, too large, unreadable...)."""


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, list[str]]]  # (row number in the file's data, 1-based; cells)
    encoding: str = ""
    delimiter: str = ""


def max_bytes() -> int:
    return settings.CLIENTELA["IMPORT_MAX_BYTES"]


def detect_encoding(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 by its BOM or by its NUL bytes, otherwise Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in data[:8192]:
        return _utf16_without_bom(data) or "utf-8"  # "utf-8": binary, as `_looks_binary` says
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _utf16_without_bom(data: bytes) -> str:
    """"utf-16-le" or "utf-16-be" when NUL is every other byte (mostly-ASCII text, as some exports write it
    without a byte-order mark) and the whole file decodes cleanly to what reads as text; "" otherwise."""
    sample = data[:8192 - 8192 % 2]
    half = len(sample) // 2
    for encoding, high, low in (("utf-16-le", sample[1::2], sample[0::2]),
                                ("utf-16-be", sample[0::2], sample[1::2])):
        if high.count(0) * 10 < half * 7 or low.count(0) * 50 > half:
            continue
        try:
            _check_decodes(data, encoding)
        except UnicodeDecodeError:
            return ""
        head = codecs.getincrementaldecoder(encoding)().decode(data[:64 * 1024])
        return encoding if _plausible_text(head) else ""
    return ""


def _plausible_text(text: str) -> bool:
    """No control characters but tabs and line breaks, and a first line (the column names) with something."""
    if any(c < " " and c not in "\t\r\n" for c in text):
        return False
    return bool(text.split("\n", 1)[0].strip())


def _looks_binary(data: bytes, encoding: str) -> bool:
    sample = data[:8192]
    if encoding.startswith("utf-16"):
        return False
    return b"\x00" in sample


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most, equally sized, columns."""
    try:
        return csv.Sniffer().sniff(text[:64 * 1024], delimiters=DELIMITERS).delimiter
    except csv.Error:
        pass
    lines = [line for line in text[:64 * 1024].splitlines()[:20] if line.strip()]
    best, best_score = ",", 0
    for delimiter in DELIMITERS:
        counts = [line.count(delimiter) for line in lines]
        if counts and min(counts) > 0:
            score = min(counts) * 10 + (counts.count(counts[0]) == len(counts))
            if score > best_score:
                best, best_score = delimiter, score
    return best


def _check_decodes(data: bytes, encoding: str) -> None:
    """Raise UnicodeDecodeError if the file is not valid in `encoding`, a megabyte at a time."""
    decoder = codecs.getincrementaldecoder(encoding)()
    for start in range(0, len(data), 1 << 20):
        decoder.decode(data[start:start + (1 << 20)])
    decoder.decode(b"", final=True)


def check_size(size: int) -> None:
    if size == 0:
        raise ImportFileError(_("The file is empty."), code="empty_file")
    if size > max_bytes():
        raise ImportFileError(_("The file is larger than the %(limit)s MB allowed for an import."),
                              params={"limit": max_bytes() // (1024 * 1024)}, code="too_large")


def _clean_headers(headers: list) -> list[str]:
    names = [str(h if h is not None else "").strip() for h in headers]
    while names and not names[-1]:
        names.pop()
    if not any(names):
        raise ImportFileError(_("The first row must hold the column names."), code="no_headers")
    seen: dict[str, int] = {}
    for name in names:
        if name:
            seen[name.casefold()] = seen.get(name.casefold(), 0) + 1
    repeated = sorted({n for n in names if n and seen[n.casefold()] > 1})
    if repeated:
        raise ImportFileError(_("These column names appear more than once: %(names)s. Rename them and try again."),
                              params={"names": ", ".join(repeated)}, code="duplicate_headers")
    return names


def _non_blank(rows, width: int) -> Iterator[tuple[int, list[str]]]:
    number = 0
    for row in rows:
        cells = ["" if c is None else c if type(c) is str else _cell(c) for c in row][:width]
        if not any(c.strip() for c in cells):
            continue
        number += 1
        yield number, cells + [""] * (width - len(cells))


def _marked(rows, width: int, texts=lambda row: row) -> Iterator[tuple[int, list[str]]]:
    """`_non_blank` rows, where an ambiguous number ("1.500") carries the decimal mark its column's first rows
    show ("1.500,75", "2,5": a comma), since each cell is converted on its own (see `ColumnMark`).
    `texts`: a raw row's cells that were typed as text (a spreadsheet's numbers show no mark)."""
    rows = iter(rows)
    sample = list(islice(rows, NUMBER_SAMPLE))
    typed = [texts(row) for row in sample]
    marks = [(index, mark) for index in range(width)
             if (mark := detect_decimal_mark(row[index] for row in typed if index < len(row)))]
    for number, cells in _non_blank(chain(sample, rows), width):
        for index, mark in marks:
            if is_ambiguous_number(cells[index]):
                cells[index] = ColumnMark(cells[index], mark)
        yield number, cells


def read_csv(data: bytes, encoding: str = "", delimiter: str = "") -> Table:
    encoding = encoding or detect_encoding(data)
    if _looks_binary(data, encoding):
        raise ImportFileError(_("This is not a text (CSV) file. Save it as CSV or XLSX and try again."),
                              code="binary_file")
    try:
        if len(data) > STREAM_FROM:
            _check_decodes(data, encoding)
            text = data[:64 * 1024].decode(encoding, errors="ignore")
        else:
            text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ImportFileError(_("The file cannot be read as %(encoding)s; choose another encoding."),
                              params={"encoding": encoding}, code="bad_encoding") from exc
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ImportFileError(_("The file is empty."), code="empty_file")
    delimiter = delimiter or sniff_delimiter(text)
    if len(data) > STREAM_FROM:  # decoded as read: a big file is never held as one string
        chosen = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else encoding
        reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding=chosen, newline=""), delimiter=delimiter)
    else:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = _clean_headers(next(reader))
    except csv.Error as exc:
        raise ImportFileError(_("The file is not a valid CSV file: %(error)s"), params={"error": str(exc)},
                              code="bad_csv") from exc
    return Table(headers, _marked(reader, len(headers)), encoding, delimiter)


def xlsx_sheets(data: bytes) -> list[str]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return list(book.sheetnames)
    finally:
        book.close()


def _cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _texts(row) -> list[str]:
    return [v if isinstance(v, str) else "" for v in row]


def read_xlsx(data: bytes, sheet: str = "") -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFileError(_("The spreadsheet cannot be opened: %(error)s"), params={"error": str(exc)},
                              code="bad_xlsx") from exc
    if sheet and sheet not in book.sheetnames:
        raise ImportFileError(_("There is no sheet named “%(sheet)s”."), params={"sheet": sheet}, code="no_sheet")
    rows = book[sheet or book.sheetnames[0]].iter_rows(values_only=True)
    try:
        headers = _clean_headers([_cell(v) for v in next(rows)])
    except StopIteration as exc:
        raise ImportFileError(_("The file is empty."), code="empty_file") from exc
    return Table(headers, _marked(rows, len(headers), _texts))


def read_table(data: bytes, name: str = "", *, encoding: str = "", delimiter: str = "", sheet: str = "") -> Table:
    """Headers and rows of an uploaded file, or ImportFileError saying why it cannot be used."""
    check_size(len(data))
    if data.startswith(XLSX_MAGIC) or name.lower().endswith((".xlsx", ".xlsm")):
        if not data.startswith(XLSX_MAGIC):
            raise ImportFileError(_("This is not an Excel (XLSX) file."), code="bad_xlsx")
        return read_xlsx(data, sheet)
    return read_csv(data, encoding, delimiter)
