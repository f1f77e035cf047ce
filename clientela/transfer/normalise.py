"""Cell text → what the entity's form expects: dates, numbers, phones, countries and picklists."""

import re
from datetime import date

from django import forms
from django.utils import translation
from django_countries import countries

from clientela.common import phones
from clientela.common.spreadsheets import FORMULA_STARTS
from clientela.workspaces.scoping import current_workspace_or_none

from .memo import Memo
from .text import fold

DATE_ORDERS = ("dmy", "mdy", "ymd")
_DATE = re.compile(r"^\s*(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})(?:[ T].*)?$")
_TRUE = {"1", "true", "yes", "y", "si", "s", "x", "verdadero", "on"}
_FALSE = {"0", "false", "no", "n", "falso", "off", ""}
_MISSING = object()


def detect_date_order(values) -> str:
    """"dmy" or "mdy" from a column's values (a first part over 12 means day first); "ymd" for ISO."""
    for value in values:
        match = _DATE.match(value or "")
        if not match:
            continue
        first, second, _third = match.groups()
        if len(first) == 4:
            return "ymd"
        if int(first) > 12:
            return "dmy"
        if int(second) > 12:
            return "mdy"
    return "dmy"


def to_date(value: str, order: str) -> str:
    match = _DATE.match(value)
    if not match:
        return value  # the form names the rule
    parts = [int(p) for p in match.groups()]
    if len(match.group(1)) == 4:
        order = "ymd"
    year, month, day = ({"dmy": (2, 1, 0), "mdy": (2, 0, 1), "ymd": (0, 1, 2)}[order])
    year_value = parts[year] + (2000 if parts[year] < 70 else 1900 if parts[year] < 100 else 0)
    try:
        return date(year_value, parts[month], parts[day]).isoformat()
    except ValueError:
        return value


# Countries that write a decimal comma: how "1.500" reads in a column whose other values do not tell.
DECIMAL_COMMA_COUNTRIES = frozenset(
    "AD AL AM AR AT AZ BA BE BG BO BR BY CL CO CR CU CZ DE DK DZ EC EE ES FI FO FR GE GL GR HR HU ID IS IT KZ "
    "LB LT LU LV MA MD ME MK MN MZ NL NO PL PT PY RO RS RU SE SI SK TN TR UA UY UZ VE VN ZA".split())
_NUMBER = re.compile(r"^[^\d.,]{0,4}[\d.,\s']*\d[^\d.,]{0,4}$")  # "1.500,75 €", "-2,5", "USD 1,500"
_AMBIGUOUS = re.compile(r"^[^\d.,]{0,4}(?!0+[.,])\d{1,3}[.,]\d{3}[^\d.,]{0,4}$")  # what `_mark_in` cannot tell
_NOT_SEPARATOR = re.compile(r"[^\d.,]")
_THOUSANDS = {".": re.compile(r"^\d{1,3}(,\d{3})+$"), ",": re.compile(r"^\d{1,3}(\.\d{3})+$")}  # by decimal mark


def _mark_in(digits: str) -> str:
    """The decimal mark that digits and separators prove ("1.500,75", "2,5", "1,234,567"); "" for "1.500"
    (fifteen hundred, or one and a half) and for what is no number ("1.2.3")."""
    last = max(digits.rfind(","), digits.rfind("."))
    if last < 0:
        return ""
    mark = digits[last]
    other = "." if mark == "," else ","
    if other in digits:
        return mark if _THOUSANDS[mark].match(digits[:last]) else ""
    if digits.count(mark) > 1:  # only a thousands separator repeats
        return other if _THOUSANDS[other].match(digits) else ""
    ambiguous = len(digits) - last == 4 and 0 < last <= 3 and digits[:last].strip("0")
    return "" if ambiguous else mark


def _number_digits(value: str) -> str:
    """The digits and separators of a cell that reads as a number with a separator, else ""."""
    if ("," not in value and "." not in value) or not _NUMBER.match(value):
        return ""
    return _NOT_SEPARATOR.sub("", value)


def detect_decimal_mark(values) -> str:
    """"," or "." by the majority of a column's values that show their decimal mark; "" if none does."""
    votes = {",": 0, ".": 0, "": 0}
    for value in values:
        votes[_mark_in(_number_digits(value or ""))] += 1
    return "" if votes[","] == votes["."] else max(",.", key=votes.get)


def is_ambiguous_number(value: str) -> bool:
    """"1.500", "1,500": how it reads depends on the decimal mark of the rest of its column."""
    return _AMBIGUOUS.match(value) is not None


def country_decimal_mark(country: str) -> str:
    return ("," if country.upper() in DECIMAL_COMMA_COUNTRIES else ".") if country else ""


class ColumnMark(str):
    """An ambiguous cell ("1.500") carrying its column's decimal mark, as the reader found it in the file's
    other values: a converter sees one cell at a time."""

    decimal_mark = ""

    def __new__(cls, value: str, mark: str):
        cell = super().__new__(cls, value)
        cell.decimal_mark = mark
        return cell


def to_decimal(value: str, mark: str = "") -> str:
    """"1.234,56", "1,234.56", "1234,56 €" -> "1234.56"; `mark` says how to read "1.500" ("." if not given).

    A value that is no number ("1.2.3") is returned as is: the form names the field and the rule.
    """
    text = re.sub(r"[^\d,.\-]", "", value)
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    if not digits or "-" in digits:
        return value
    mark = _mark_in(digits) or mark or "."
    whole, _mark, fraction = digits.rpartition(mark) if mark in digits else (digits, "", "")
    readable = whole.isdigit() or _THOUSANDS[mark].match(whole) or (not whole and fraction)
    if not readable or (fraction and not fraction.isdigit()):
        return value
    whole = whole.replace("," if mark == "." else ".", "") or "0"
    return f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"


def unquote(value: str) -> str:
    """Without the ' that exports put before a formula-like cell ("'=SUM(A1)", "'+34 ..."): a fixed error
    file, or an export, imports back as the values it came from. Any other apostrophe stays."""
    if value[:1] == "'" and value[1:2] and value[1:2] in FORMULA_STARTS:
        return value[1:]
    return value


def _choice_lookup(choices) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for language in ("en", "es"):
        with translation.override(language):
            for value, label in choices:
                if value not in (None, ""):
                    lookup.setdefault(fold(str(label)), str(value))
    for value, _label in choices:
        if value not in (None, ""):
            lookup[fold(str(value))] = str(value)
    return lookup


_COUNTRY_ALIASES = {"usa": "US", "eeuu": "US", "ee uu": "US", "united states of america": "US", "uk": "GB",
                    "great britain": "GB", "england": "GB", "reino unido": "GB", "holland": "NL"}


def country_lookup() -> dict[str, str]:
    lookup = dict(_COUNTRY_ALIASES)
    for language in ("en", "es"):
        with translation.override(language):
            for code, name in countries:
                lookup.setdefault(fold(str(name)), code)
    for code, _name in countries:
        lookup[fold(code)] = code
        alpha3 = countries.alpha3(code)
        if alpha3:
            lookup.setdefault(fold(alpha3), code)
    return lookup


class E164(str):
    """A phone number `phones.to_e164` returned: cleaning it again gives itself back (see fastpath)."""


class Converter:
    """Turns one column's text into form input for its target field; a column's values often repeat
    (cities, companies, picklists), so a distinct cell is converted once (see `Memo`)."""

    def __init__(self, form_field, *, target: str, date_order: str, region: str, model_choices=(),
                 decimal_mark: str = ""):
        """`decimal_mark`: the user's choice for the whole file; otherwise an ambiguous "1.500" reads as its
        column's other values say (`ColumnMark`), and as the region's or workspace's country writes if they
        say nothing."""
        self.field, self.target, self.date_order, self.region = form_field, target, date_order, region
        self.decimal_mark = decimal_mark
        workspace = current_workspace_or_none()
        self.country_mark = country_decimal_mark(region or (workspace.default_country if workspace else ""))
        self.lookup: dict[str, str] | None = None
        name = target.split(".")[-1]
        if name == "country":
            self.lookup = country_lookup()
        elif isinstance(form_field, forms.ChoiceField) and not isinstance(form_field, forms.ModelChoiceField):
            # the model's lazy labels give both languages; the form's choices add the workspace's own options
            self.lookup = {**_choice_lookup(list(model_choices or ())), **_choice_lookup(list(form_field.choices))}
        self.memo = Memo()

    def __call__(self, cell: str):
        value = self.memo.get(cell, _MISSING)
        if value is _MISSING:
            value = self._convert(cell)
            self.memo.remember(cell, value)
        else:
            self.memo.hits += 1
        return list(value) if type(value) is list else value

    def _convert(self, value: str):
        column_mark = getattr(value, "decimal_mark", "")
        value = unquote(value.strip()).strip()
        if not value:
            return value
        field = self.field
        if self.target == "phones.number":
            number = phones.try_e164(value, self.region)
            return E164(number) if number else value
        if isinstance(field, forms.MultipleChoiceField) and self.lookup is not None:  # "Gold; Silver"
            parts = (p.strip() for p in re.split(r"[,;|]", value))
            return [self.lookup.get(fold(p), p) for p in parts if p]
        if self.lookup is not None:
            return self.lookup.get(fold(value), value)
        if isinstance(field, forms.DateField):
            return to_date(value, self.date_order)
        if isinstance(field, forms.DecimalField | forms.FloatField | forms.IntegerField):
            return to_decimal(value, self.decimal_mark or column_mark or self.country_mark)
        if isinstance(field, forms.BooleanField):
            return fold(value) in _TRUE
        return value
