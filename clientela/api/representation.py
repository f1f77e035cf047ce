"""A record as the API shows it: stored values (choice keys, E.164 phones, ISO countries), not labels."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID

from django.db import connections, models
from django.db.models import Func, Q

from clientela.common.models import related_rows
from clientela.registry.entities import Entity
from clientela.registry.export_cells import UtcWallClock

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
    same fields as values (`_read`) — one query for the records, one per inline and many-to-many relation, one
    per linked model whose names rows show — and converts them the way `record_out` does. `keep` names
    annotations of the queryset to copy into each dict as well (e.g. a cursor's sort keys).

    Related rows are read for the list of the records' keys. When `queryset` is a slice in primary-key order
    of `cut_from`, they are read for the keys between its first record and its last one instead: Django
    prepares every value of a long `IN` list one by one, which costs more than the database's work on a
    large page (see `_of_records`).
    """
    shown = [field for field in record_fields(entity) if field.name not in entity.hidden]
    columns = ["pk"]
    plan = _plan(shown, columns)
    definitions = entity.custom_fields
    custom = len(columns)  # after the shown columns: custom values (if any), the two times, then `keep`
    created = custom + bool(definitions)
    keys = _Keys()
    rows = _read(queryset.prefetch_related(None), columns, keys, [
        *(["custom"] if definitions else []), _UtcTime("created_at"), _UtcTime("updated_at"), *keep])
    span = None if cut_from is None or not rows else (rows[0][0], rows[-1][0])
    pks = [row[0] for row in rows] if span is None else None
    names = _link_names(plan, rows, keys)
    related = {f.name: _m2m_values(entity.model, f, pks, keys, span) for f in shown
               if f.output and f.model_field is not None and f.model_field.many_to_many}
    inlines = {inline.name: inline_values(inline, pks, keys, span) for inline in entity.inlines}
    result = []
    for row in rows:
        pk = row[0]
        data = _shown_row(plan, row, names, related)
        for name, by_record in inlines.items():
            data[name] = by_record.get(pk, [])
        if definitions:
            stored = row[custom] or {}
            data["custom"] = {d.key: stored.get(d.key) for d in definitions}
        data["created_at"], data["updated_at"] = _aware(row[created]), _aware(row[created + 1])
        data["version"] = (data["updated_at"] - _EPOCH) // timedelta(microseconds=1)
        data.update(zip(keep, row[created + 2:], strict=True))
        result.append(data)
    return result


class _UtcTime(UtcWallClock):
    """A date-time column as `_aware` reads it: UTC wall-clock time on PostgreSQL (loaded in C, see `UtcWallClock`),
    the stored text on SQLite (its driver and Django would parse it with Python code, then add the time zone)."""

    output_field = models.Field()

    def as_sqlite(self, compiler, connection, **extra_context):
        return Func.as_sql(self, compiler, connection, template="CAST(%(expressions)s AS TEXT)", **extra_context)


def _aware(value) -> datetime:
    """A time read with `_UtcTime` as Django reads it (aware, in UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class _Stored(Func):
    """A column as the database driver gives it, without Django's conversion of each value."""

    template = "%(expressions)s"
    output_field = models.Field()


class _Keys(dict):
    """Stored UUID (text on SQLite) → `UUID`, shared by the queries of one `records_out` call. A record's id comes
    back in the rows of each of its inlines, a linked record's in the query of its name; building a `UUID` from
    text costs more than the rest of a row, so each distinct value is built once."""

    def __missing__(self, stored):
        key = self[stored] = UUID(stored) if isinstance(stored, str) else stored
        return key


def _read(queryset, columns: list[str], keys: _Keys, extra=()) -> list:
    """`queryset.values_list(*columns, *extra)` as a list of rows. Where the database has no UUID type (SQLite),
    the UUID `columns` (model fields or "pk") are read as stored and converted by `keys` rather than by Django;
    `extra` (expressions, annotations) are read as Django reads them."""
    model = queryset.model
    native = connections[queryset.db].features.has_native_uuid_field
    uuids = [] if native else [at for at, column in enumerate(columns) if _is_uuid(model, column)]
    if not uuids:
        return list(queryset.values_list(*columns, *extra))
    rows = []
    for row in queryset.values_list(*(_Stored(c) if at in uuids else c for at, c in enumerate(columns)), *extra):
        row = list(row)
        for at in uuids:
            row[at] = keys[row[at]]
        rows.append(row)
    return rows


def _is_uuid(model, column: str) -> bool:
    field = model._meta.pk if column == "pk" else model._meta.get_field(column)
    return isinstance(field.target_field if field.is_relation else field, models.UUIDField)


def _plan(fields, columns: list[str]) -> list[tuple]:
    """(key, column, link) per value `record_out` shows for a row, in its order, worked out once per call rather
    than per row: `column` is where the value is in a row read with `_read(…, columns, …)` (the columns it needs
    are added to `columns`), `link` the foreign key whose record's name the value is; many-to-many values have
    no column."""

    def at(name: str) -> int:
        if name not in columns:
            columns.append(name)
        return columns.index(name)

    plan = []
    for field in fields:
        if field.link is not None:
            column = at(field.link.attname)
            plan += [(f"{field.link.name}_id", column, None), (field.name, column, field.link)]
        elif field.model_field is not None:
            plan.append((field.name, None if field.model_field.many_to_many else at(field.model_field.attname), None))
    return plan


def _shown_row(plan, row, names: dict, related: dict) -> dict:
    """A row's values as `record_out` shows them: `names` of linked records, `related` many-to-many lists."""
    pk = row[0]
    data = {"id": pk}
    for key, column, link in plan:
        if column is None:
            data[key] = related[key].get(pk, [])
        elif link is not None:
            data[key] = names[link.name].get(row[column], "")
        else:
            value = row[column]
            data[key] = value if value is None or isinstance(value, _PLAIN) else str(value)
    return data


def _of_records(column: str, pks, span=None) -> Q:
    """Rows whose `column` may name one of the records: `pks`, a list; or, given `span` (the first and the last key
    of a page in key order), every row whose `column` lies in it, read by the column's index. Rows of records in
    the span that are not on the page (trashed, not visible) come too and are left out by the caller, which picks
    rows by record. Joining the page's subquery instead made PostgreSQL scan the whole table (20 ms a page for a
    contact's emails at 100,000 contacts) or, at a million, check every row against every record (250 ms)."""
    if span is None:
        return Q(**{f"{column}__in": pks})
    return Q(**{f"{column}__gte": span[0], f"{column}__lte": span[1]})


def _m2m_values(model, field: ApiField, pks, keys: _Keys, span=None) -> dict:
    """{record pk: [related pk or name, …]} in the related model's order; `pks`, `span`: see `_of_records`."""
    model_field = field.model_field
    through = model_field.remote_field.through
    source = through._meta.get_field(model_field.m2m_field_name()).attname
    target = through._meta.get_field(model_field.m2m_reverse_field_name()).attname
    pairs = _read(through._default_manager.filter(_of_records(source, pks, span)), [source, target], keys)
    ordered = _names(model_field.related_model, {pk for _source, pk in pairs}, keys)
    position = {pk: index for index, pk in enumerate(ordered)}
    shown = {pk: (pk if field.by_pk else name) for pk, name in ordered.items()}
    found: dict = {}
    for source_pk, target_pk in sorted(pairs, key=lambda pair: position.get(pair[1], 0)):
        if target_pk in shown:
            found.setdefault(source_pk, []).append(shown[target_pk])
    return found


def inline_values(inline, pks, keys: _Keys | None = None, span=None) -> dict:
    """{record pk: [row dict, …]} in the row model's order, as `record_out` shows rows; `pks`, `span`: see
    `_of_records`; `keys`: those of the records' own query, when there is one."""
    keys = _Keys() if keys is None else keys
    model, link = inline.formset.model, inline.formset.fk.attname
    columns = ["pk", link]
    plan = _plan(row_fields(inline), columns)
    rows = _read(model._default_manager.filter(_of_records(link, pks, span)), columns, keys)
    names = _link_names(plan, rows, keys)
    found: dict = {}
    for row in rows:
        found.setdefault(row[1], []).append(_shown_row(plan, row, names, {}))
    return found


def _link_names(plan, rows, keys: _Keys) -> dict:
    """{foreign key name: {related pk: str(related)}} for the keys the rows hold: how rows name a link."""
    return {link.name: _names(link.related_model, {row[column] for row in rows if row[column] is not None}, keys)
            for _key, column, link in plan if link is not None}


def _names(model, pks, keys: _Keys) -> dict:
    """{pk: str(record)} of `model`'s records among `pks`, in the model's order. A model with a `name` column is
    named by it, read as values (building instances to call `str()` cost more than the rest of a sync page's
    rows): `str()` of such models (companies, tags) is that column, the name a row's `<fk>_name` is accepted by."""
    if not pks:
        return {}
    records = model._default_manager.filter(pk__in=pks)
    if any(field.attname == "name" for field in model._meta.concrete_fields):
        return dict(_read(records, ["pk", "name"], keys))
    return {record.pk: str(record) for record in records}
