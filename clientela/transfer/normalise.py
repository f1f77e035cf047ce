"""Cell text → what the entity's form expects: dates, numbers, phones, countries and picklists."""

import re
from datetime import date

from django import forms
from django.utils import translation
from django_countries import countries

from clientela.common import phones

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


def to_decimal(value: str) -> str:
    """"1.234,56", "1,234.56", "1234,56 €" -> "1234.56"."""
    text = re.sub(r"[^\d,.\-]", "", value)
    if "," in text and "." in text:
        thousands = "." if text.rfind(",") > text.rfind(".") else ","
        text = text.replace(thousands, "")
    if text.count(",") == 1:
        text = text.replace(",", ".")
    elif text.count(",") > 1:
        text = text.replace(",", "")
    elif text.count(".") > 1:
        text = text.replace(".", "")
    return text or value


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

    def __init__(self, form_field, *, target: str, date_order: str, region: str, model_choices=()):
        self.field, self.target, self.date_order, self.region = form_field, target, date_order, region
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
        value = value.strip()
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
            return to_decimal(value)
        if isinstance(field, forms.BooleanField):
            return fold(value) in _TRUE
        return value
