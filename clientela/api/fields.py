"""What the API exposes of an entity, read from its form and inline formsets — never listed by hand.

A record's fields are its ModelForm's fields; an inline's row fields are its formset form's fields.
A form-only field named `<fk>_name` on a row (e.g. an affiliation's `company_name`) stands for the
row's foreign key `<fk>`: it is shown with the key's id (`company_id`) and accepted by name.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Any
from uuid import UUID

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Prefetch

from clientela.common.models import rows_attr
from clientela.registry.entities import Entity, Inline


@dataclass(frozen=True)
class ApiField:
    name: str
    form_field: forms.Field | None
    model_field: Any = None  # a model field, or None for a form-only field
    link: Any = None  # the row's foreign key (model field) a `<fk>_name` field stands for

    @property
    def is_list(self) -> bool:
        return bool(self.model_field is not None and self.model_field.many_to_many) or isinstance(
            self.form_field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)

    @property
    def by_pk(self) -> bool:
        """Related objects are named by primary key (else by their text, like tags)."""
        return isinstance(self.form_field, forms.ModelChoiceField)

    @property
    def output(self) -> bool:
        return self.model_field is not None or self.link is not None

    @property
    def choices(self) -> list:
        field = self.model_field
        if field is None or not field.choices or field.is_relation:
            return []
        values = [value for value, _label in field.flatchoices]
        return ([""] if field.blank and "" not in values else []) + values


def _model_field(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


@cache
def _fields(model, form_class) -> tuple[ApiField, ...]:
    result = []
    for name, form_field in form_class.base_fields.items():
        model_field = _model_field(model, name)
        link = None
        if model_field is None and name.endswith("_name"):
            candidate = _model_field(model, name.removesuffix("_name"))
            link = candidate if candidate is not None and candidate.many_to_one else None
        result.append(ApiField(name, form_field, model_field, link))
    return tuple(result)


def record_fields(entity: Entity) -> tuple[ApiField, ...]:
    fields = list(_fields(entity.model, entity.form_class))
    owner = _model_field(entity.model, "owner")
    if owner is not None and "owner" not in {f.name for f in fields}:
        fields.append(ApiField("owner", None, owner))  # shown, though this form does not set it
    return tuple(fields)


def row_fields(inline: Inline) -> tuple[ApiField, ...]:
    return _fields(inline.formset.model, inline.formset.form)


def row_links(inline: Inline) -> list[str]:
    return [f.link.name for f in row_fields(inline) if f.link is not None]


def output_prefetches(entity: Entity) -> list[Prefetch]:
    """What `record_out` reads besides the row, prefetched into plain lists (`common.models.related_rows` reads them).

    Prefetching into a list (`to_attr`) spares Django a queryset per row and relation, which costs more
    than the queries themselves on a 200-row page.
    """
    lookups = [Prefetch(f.name, to_attr=rows_attr(f.name)) for f in record_fields(entity)
               if f.model_field is not None and f.model_field.many_to_many]
    for inline in entity.inlines:
        rows = inline.formset.model._default_manager.select_related(*row_links(inline))
        lookups.append(Prefetch(inline.name, queryset=rows, to_attr=rows_attr(inline.name)))
    return lookups


def output_queryset(entity: Entity, queryset=None):
    """The entity's records (or `queryset`) with what `record_out` needs, and nothing else prefetched."""
    queryset = entity.base_queryset() if queryset is None else queryset
    return queryset.prefetch_related(None).prefetch_related(*output_prefetches(entity))


def python_type(model_field) -> Any:
    """The Python type a model field's value has (related fields: the related primary key's type)."""
    if model_field.is_relation:
        return python_type(model_field.related_model._meta.pk)
    for field_class, kind in (
        (models.BooleanField, bool), (models.DateTimeField, datetime), (models.DateField, date),
        (models.TimeField, time), (models.DecimalField, Decimal), (models.FloatField, float),
        (models.IntegerField, int), (models.UUIDField, UUID), (models.JSONField, Any),
    ):
        if isinstance(model_field, field_class):
            return kind
    return str


def json_format(field: ApiField) -> str | None:
    """The OpenAPI string format of a field sent as text."""
    for field_class, fmt in ((forms.DateTimeField, "date-time"), (forms.DateField, "date"), (forms.TimeField, "time"),
                             (forms.EmailField, "email"), (forms.URLField, "uri")):
        if isinstance(field.form_field, field_class):
            return fmt
    return None
