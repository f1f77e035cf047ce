"""What each kind of custom field is: its form field, how its value is stored in JSON and shown.

Numbers are stored as JSON numbers and dates as ISO strings, so sorting on the JSON value orders
them correctly on both PostgreSQL and SQLite.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from clientela.common import phones

from .models import FieldDefinition, FieldKind

TEXT_KINDS = {FieldKind.TEXT, FieldKind.LONG_TEXT, FieldKind.EMAIL, FieldKind.PHONE, FieldKind.URL}
FILTER_KINDS = {FieldKind.PICKLIST, FieldKind.CHECKBOX}
NUMBER_KINDS = {FieldKind.INTEGER, FieldKind.DECIMAL, FieldKind.CURRENCY, FieldKind.PERCENT}


class PhoneFormField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        return phones.to_e164(value) if value else value


class DateTimeFormField(forms.DateTimeField):
    """A date and time that UTC can hold: the value is stored in UTC (`to_json`), and 9999-12-31T23:59-14:00
    or 0001-01-01T00:00+14:00 has no UTC date."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is not None:
            try:
                moment.astimezone(datetime.UTC)
            except OverflowError:
                raise ValidationError(_("Enter a date and time between the years 1 and 9999 in UTC."),
                                      code="out_of_range") from None
        return moment


class LookupFormField(forms.CharField):
    """A link to another record, typed as its exact name or id; `resolve(text)` returns (id, label) or None."""

    def __init__(self, *args, resolve=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.resolve = resolve

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        found = self.resolve(value) if self.resolve else None
        if found is None:
            raise ValidationError(_("“%(label)s”: no record named “%(value)s” was found."),
                                  params={"label": self.label, "value": value}, code="unknown_record")
        return str(found[0])


# Whole numbers beyond ±(2**53 - 1) are not exact in JSON readers that use doubles (JavaScript, sorting in
# the database): stored, they would come back changed.
SAFE_INTEGER = 2 ** 53 - 1


def _bounds(definition: FieldDefinition, whole: bool = False) -> dict:
    bounds = {k: v for k, v in (("min_value", definition.min_value), ("max_value", definition.max_value))
              if v is not None}
    if whole:
        bounds["min_value"] = max(bounds.get("min_value", -SAFE_INTEGER), -SAFE_INTEGER)
        bounds["max_value"] = min(bounds.get("max_value", SAFE_INTEGER), SAFE_INTEGER)
    return bounds


def options(definition: FieldDefinition, include_inactive: bool = False) -> list[tuple[str, str]]:
    return [(o["value"], definition.option_label(o["value"])) for o in definition.options
            if include_inactive or o.get("active", True)]


def form_field(definition: FieldDefinition, resolve_lookup=None) -> forms.Field:
    common = {"label": definition.label, "required": definition.required, "help_text": definition.help_text}
    kind = definition.kind
    if kind == FieldKind.TEXT:
        validators = [RegexValidator(definition.regex, _("“%(label)s” does not have the expected format.")
                                     % {"label": definition.label}, code="pattern")] if definition.regex else []
        return forms.CharField(max_length=255, validators=validators, **common)
    if kind == FieldKind.LONG_TEXT:
        return forms.CharField(max_length=10_000, widget=forms.Textarea(attrs={"rows": 3}), **common)
    if kind == FieldKind.INTEGER:
        return forms.IntegerField(**_bounds(definition, whole=True), **common)
    if kind in (FieldKind.DECIMAL, FieldKind.CURRENCY, FieldKind.PERCENT):
        places = 2 if kind == FieldKind.CURRENCY else 4
        return forms.DecimalField(max_digits=18, decimal_places=places, **_bounds(definition), **common)
    if kind == FieldKind.DATE:
        return forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **common)
    if kind == FieldKind.DATETIME:
        return DateTimeFormField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                          format="%Y-%m-%dT%H:%M"), **common)
    if kind == FieldKind.CHECKBOX:
        return forms.BooleanField(**{**common, "required": False})
    if kind == FieldKind.PICKLIST:
        return forms.ChoiceField(choices=[("", "—"), *options(definition)], **common)
    if kind == FieldKind.MULTI_PICKLIST:
        return forms.MultipleChoiceField(choices=options(definition), widget=forms.CheckboxSelectMultiple, **common)
    if kind == FieldKind.EMAIL:
        return forms.EmailField(**common)
    if kind == FieldKind.PHONE:
        return PhoneFormField(max_length=40, widget=forms.TextInput(attrs={"type": "tel"}), **common)
    if kind == FieldKind.URL:
        return forms.URLField(**common)
    return LookupFormField(max_length=200, resolve=resolve_lookup, **common)


def to_json(definition: FieldDefinition, value):
    """The cleaned form value as stored; None means "no value" (the key is removed)."""
    if value in (None, "", []):
        return None
    if isinstance(value, Decimal):
        return int(value) if definition.kind == FieldKind.INTEGER else float(value)
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def from_json(definition: FieldDefinition, value):
    """The stored value as a form's initial value."""
    if value is None:
        return None
    try:
        if definition.kind == FieldKind.DATE:
            return datetime.date.fromisoformat(value)
        if definition.kind == FieldKind.DATETIME:
            return timezone.localtime(datetime.datetime.fromisoformat(value))
        if definition.kind in NUMBER_KINDS - {FieldKind.INTEGER}:
            return Decimal(str(value))
    except (TypeError, ValueError, InvalidOperation):
        return value
    return value


def display(definition: FieldDefinition, value, lookup_label=None) -> str:
    """A stored value as people read it."""
    if value in (None, "", []):
        return ""
    kind = definition.kind
    if kind == FieldKind.CHECKBOX:
        return _("Yes") if value else _("No")
    if kind == FieldKind.PICKLIST:
        return definition.option_label(value)
    if kind == FieldKind.MULTI_PICKLIST:
        return ", ".join(definition.option_label(v) for v in value)
    if kind == FieldKind.PHONE:
        return phones.display(value)
    if kind == FieldKind.PERCENT:
        return f"{formats.number_format(from_json(definition, value))} %"
    if kind in (FieldKind.DATE, FieldKind.DATETIME):
        parsed = from_json(definition, value)
        return formats.date_format(parsed, "SHORT_DATE_FORMAT" if kind == FieldKind.DATE else "SHORT_DATETIME_FORMAT") \
            if not isinstance(parsed, str) else parsed
    if kind in (FieldKind.DECIMAL, FieldKind.CURRENCY):
        return formats.number_format(from_json(definition, value), use_l10n=True, force_grouping=True)
    if kind == FieldKind.LOOKUP and lookup_label:
        return lookup_label(value) or str(value)
    return str(value)


KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,58}$")
