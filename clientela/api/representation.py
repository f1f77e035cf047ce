"""A record as the API shows it: stored values (choice keys, E.164 phones, ISO countries), not labels."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

from clientela.common.models import related_rows
from clientela.registry.entities import Entity

from .concurrency import _EPOCH, version_of
from .fields import ApiField, record_fields, row_fields

_PLAIN = (str, int, float, bool, Decimal, UUID, date, datetime, time, list, dict)


def _value(obj, field: ApiField):
    model_field = field.model_field
    if model_field is None:  # a `<fk>_name` field of a row
        related = getattr(obj, field.link.name)
        return str(related) if related is not None else ""
    if model_field.many_to_many:
        related = related_rows(obj, model_field.name)
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
        data[inline.name] = [{"id": row.pk, **_values(row, fields)} for row in related_rows(record, inline.name)]
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



def records_out(entity: Entity, queryset, keep=(), cut_from=None) -> list[dict]:
    """`record_out` of every record of `queryset`, in its order, read as plain values (no model instances).

    Building model instances for a page's records and their rows costs more than the queries; this reads the
    same fields with `values()` — one query for the records, one per inline and many-to-many relation, one
    per linked model whose names rows show — and converts them the way `record_out` does. `keep` names
    annotations of the queryset to copy into each dict as well (e.g. a cursor's sort keys).

    Related rows are read for the list of the records' keys. When `queryset` is a slice in primary-key order
    of `cut_from`, they are read for its records between the first key and the last one instead, a subquery
    naming the same records: Django prepares every value of a long `IN` list one by one, which costs more
    than the database's work on a large page.
    """
    shown = [field for field in record_fields(entity) if field.name not in entity.hidden]
    plan = _plan(shown)
    links = [f.link for f in shown if f.link is not None]
    definitions = entity.custom_fields
    rows = list(queryset.prefetch_related(None).values(
        "pk", *dict.fromkeys(column for _key, column, _link in plan if column is not None),
        *(["custom"] if definitions else []), "created_at", "updated_at", *keep))
    pks = ([row["pk"] for row in rows] if cut_from is None or not rows
           else cut_from.filter(pk__range=(rows[0]["pk"], rows[-1]["pk"])).values("pk"))
    names = _link_names(links, rows)
    related = {f.name: _m2m_values(entity.model, f, pks) for f in shown
               if f.output and f.model_field is not None and f.model_field.many_to_many}
    inlines = {inline.name: inline_values(inline, pks) for inline in entity.inlines}
    result = []
    for row in rows:
        pk = row["pk"]
        data = _shown_row(plan, row, names, related)
        for name, by_record in inlines.items():
            data[name] = by_record.get(pk, [])
        if definitions:
            stored = row["custom"] or {}
            data["custom"] = {d.key: stored.get(d.key) for d in definitions}
        data["created_at"], data["updated_at"] = row["created_at"], row["updated_at"]
        data["version"] = (row["updated_at"] - _EPOCH) // timedelta(microseconds=1)
        data.update({name: row[name] for name in keep})
        result.append(data)
    return result


def _plan(fields) -> list[tuple]:
    """(key, column, link) per value `record_out` shows for a row, in its order, worked out once per call rather
    than per row: `link` is the foreign key whose record's name the value is; many-to-many values have no column."""
    plan = []
    for field in fields:
        if field.link is not None:
            plan += [(f"{field.link.name}_id", field.link.attname, None), (field.name, field.link.attname,
                                                                             field.link.name)]
        elif field.model_field is not None:
            plan.append((field.name, None if field.model_field.many_to_many else field.model_field.attname, None))
    return plan


def _shown_row(plan, row: dict, names: dict, related: dict) -> dict:
    """A row's values as `record_out` shows them: `names` of linked records, `related` many-to-many lists."""
    pk = row["pk"]
    data = {"id": pk}
    for key, column, link in plan:
        if column is None:
            data[key] = related[key].get(pk, [])
        elif link is not None:
            data[key] = names[link].get(row[column], "")
        else:
            value = row[column]
            data[key] = value if value is None or isinstance(value, _PLAIN) else str(value)
    return data


def _m2m_values(model, field: ApiField, pks) -> dict:
    """{record pk: [related pk or name, …]} in the related model's order; `pks`: a list or a subquery."""
    model_field = field.model_field
    through = model_field.remote_field.through
    source = through._meta.get_field(model_field.m2m_field_name()).attname
    target = through._meta.get_field(model_field.m2m_reverse_field_name()).attname
    pairs = list(through._default_manager.filter(**{f"{source}__in": pks}).values_list(source, target))
    ids = {pk for _source, pk in pairs}
    ordered = list(model_field.related_model._default_manager.filter(pk__in=ids)) if ids else []
    position = {obj.pk: index for index, obj in enumerate(ordered)}
    shown = {obj.pk: (obj.pk if field.by_pk else str(obj)) for obj in ordered}
    found: dict = {}
    for source_pk, target_pk in sorted(pairs, key=lambda pair: position.get(pair[1], 0)):
        if target_pk in shown:
            found.setdefault(source_pk, []).append(shown[target_pk])
    return found


def inline_values(inline, pks) -> dict:
    """{record pk: [row dict, …]} in the row model's order, as `record_out` shows rows; `pks`: a list or a
    subquery."""
    fields = row_fields(inline)
    link = inline.formset.fk.attname
    plan = _plan(fields)
    links = [f.link for f in fields if f.link is not None]
    columns = ["pk", link, *dict.fromkeys(column for _key, column, _link in plan)]
    rows = list(inline.formset.model._default_manager.filter(**{f"{link}__in": pks}).values(*columns))
    names = _link_names(links, rows)
    found: dict = {}
    for row in rows:
        found.setdefault(row[link], []).append(_shown_row(plan, row, names, {}))
    return found


def _link_names(links, rows) -> dict:
    """{foreign key name: {related pk: str(related)}} for the keys the rows hold: how rows name a link."""
    return {fk.name: {obj.pk: str(obj) for obj in fk.related_model._default_manager.filter(
        pk__in={row[fk.attname] for row in rows if row[fk.attname] is not None})} for fk in links}
