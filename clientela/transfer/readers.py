"""Reading an uploaded file into a header row and data rows: CSV in any common dialect, or XLSX.

Every problem that makes the file unusable is raised as `ImportFileError` before any row is processed.
"""

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DELIMITERS = ",;\t|"
XLSX_MAGIC = b"PK\x03\x04"
STREAM_FROM = 4 * 1024 * 1024  # bytes: bigger CSV files are decoded while read


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
    """UTF-8 (with or without BOM), UTF-16 by its BOM, otherwise Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


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
        cells = ["" if c is None else str(c) for c in row][:width]
        if not any(c.strip() for c in cells):
            continue
        number += 1
        yield number, cells + [""] * (width - len(cells))


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
    return Table(headers, _non_blank(reader, len(headers)), encoding, delimiter)


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


def read_xlsx(data: bytes, sheet: str = "") -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFileError(_("The spreadsheet cannot be opened: %(error)s"), params={"error": str(exc)},
                              code="bad_xlsx") from exc
    if sheet and sheet not in book.sheetnames:
        raise ImportFileError(_("There is no sheet named “%(sheet)s”."), params={"sheet": sheet}, code="no_sheet")
    rows = (tuple(_cell(v) for v in row) for row in book[sheet or book.sheetnames[0]].iter_rows(values_only=True))
    try:
        headers = _clean_headers(list(next(rows)))
    except StopIteration as exc:
        raise ImportFileError(_("The file is empty."), code="empty_file") from exc
    return Table(headers, _non_blank(rows, len(headers)))


def read_table(data: bytes, name: str = "", *, encoding: str = "", delimiter: str = "", sheet: str = "") -> Table:
    """Headers and rows of an uploaded file, or ImportFileError saying why it cannot be used."""
    check_size(len(data))
    if data.startswith(XLSX_MAGIC) or name.lower().endswith((".xlsx", ".xlsm")):
        if not data.startswith(XLSX_MAGIC):
            raise ImportFileError(_("This is not an Excel (XLSX) file."), code="bad_xlsx")
        return read_xlsx(data, sheet)
    return read_csv(data, encoding, delimiter)
