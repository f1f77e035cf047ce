"""How a field's value reads to a person — shared by lists, detail pages, history and exports."""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone


def field_display(record, name: str) -> str:
    field = record._meta.get_field(name)
    if field.many_to_many:
        return ", ".join(sorted(str(obj) for obj in getattr(record, name).all()))
    value = getattr(record, name)
    if value in (None, ""):
        return ""
    if field.choices:
        return _choice_label(record, field, value)
    if isinstance(field, models.DateTimeField):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(field, models.DateField):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(field, models.BooleanField):
        from django.utils.translation import gettext

        return gettext("Yes") if value else gettext("No")
    if hasattr(value, "name") and field.get_internal_type() == "CharField" and hasattr(value, "code"):
        return value.name  # a django-countries Country
    return str(value)


def value_display(entity, record, name: str) -> str:
    """Any column of a record as text: built-in field, custom field or computed column."""
    if definition := entity.custom(name):
        from clientela.customization.kinds import display
        from clientela.customization.picklists import custom_option_label

        value = (record.custom or {}).get(definition.key)
        if definition.kind == "picklist" and value not in (None, ""):
            return custom_option_label(definition, value)  # with its colour
        if definition.kind == "lookup" and value:
            from .custom_fields import record_lookup_labels

            return record_lookup_labels(entity, record).get(definition.key, str(value))  # one query per target
        return display(definition, value)
    try:
        record._meta.get_field(name)
    except FieldDoesNotExist:
        value = getattr(record, name)
        return str(value() if callable(value) else value)
    return field_display(record, name)


def _choice_label(record, field, value) -> str:
    """A picklist value's label as the workspace set it (an OptionLabel: text with a colour)."""
    from clientela.customization import picklists

    from . import entities

    try:
        entity = entities.for_model(type(record))
    except LookupError:
        return str(getattr(record, f"get_{field.name}_display")())
    return picklists.option_label(entity.key, field.name, value, field)
