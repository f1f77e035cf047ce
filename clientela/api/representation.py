"""A record as the API shows it: stored values (choice keys, E.164 phones, ISO countries), not labels."""

from datetime import date, datetime, time
from decimal import Decimal
from uuid import UUID

from clientela.registry.entities import Entity

from .concurrency import version_of
from .fields import ApiField, record_fields, row_fields

_PLAIN = (str, int, float, bool, Decimal, UUID, date, datetime, time, list, dict)


def _value(obj, field: ApiField):
    model_field = field.model_field
    if model_field is None:  # a `<fk>_name` field of a row
        related = getattr(obj, field.link.name)
        return str(related) if related is not None else ""
    if model_field.many_to_many:
        related = getattr(obj, model_field.name).all()
        return [item.pk if field.by_pk else str(item) for item in related]
    if model_field.is_relation:
        return getattr(obj, model_field.attname)
    value = model_field.value_from_object(obj)
    return value if value is None or isinstance(value, _PLAIN) else str(value)  # e.g. a Country → "ES"


def _values(obj, fields) -> dict:
    data = {}
    for field in fields:
        if field.link is not None:
            data[f"{field.link.name}_id"] = getattr(obj, field.link.attname)
        if field.output:
            data[field.name] = _value(obj, field)
    return data


def record_out(entity: Entity, record) -> dict:
    """`entity` is the user's view of it (`entity_for`), so hidden fields and inlines are left out."""
    shown = [field for field in record_fields(entity) if field.name not in entity.hidden]
    data = {"id": record.pk, **_values(record, shown)}
    for inline in entity.inlines:
        fields = row_fields(inline)
        data[inline.name] = [{"id": row.pk, **_values(row, fields)} for row in getattr(record, inline.name).all()]
    if entity.custom_fields:
        stored = record.custom or {}
        data["custom"] = {d.key: stored.get(d.key) for d in entity.custom_fields}
    data["created_at"] = record.created_at
    data["updated_at"] = record.updated_at
    data["version"] = version_of(record)
    return data


def output_names(entity: Entity) -> list[str]:
    """The top-level keys `record_out` gives for the user's view of the entity, for `fields=`."""
    shown = [field for field in record_fields(entity) if field.name not in entity.hidden]
    names = [name for field in shown for name in ([f"{field.link.name}_id"] if field.link is not None else [])
             + ([field.name] if field.output else [])]
    names += [inline.name for inline in entity.inlines]
    return names + (["custom"] if entity.custom_fields else []) + ["created_at", "updated_at", "version"]

