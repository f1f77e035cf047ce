"""Cells that a spreadsheet would run as a formula are exported as text instead."""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """A cell starting like a formula gets a leading ' so spreadsheets show it as text.

    Control characters (which XLSX cannot hold) go first, so none can hide a formula from the check.
    """
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value
