"""A record as the API shows it: stored values (choice keys, E.164 phones, ISO countries), not labels."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from operator import attrgetter, itemgetter, methodcaller
from uuid import UUID

import orjson
from django.db import connections, models
from django.db.models import F
from django.db.models.expressions import RawSQL
from django_countries.fields import CountryField

from clientela.common.lookups import AnyOf
from clientela.common.models import related_rows
from clientela.common.stored import Stored, uuid_of
from clientela.registry.entities import Entity
from clientela.registry.export_cells import UtcWallClock
from clientela.workspaces.scoping import ScopedManager

from .concurrency import _EPOCH, version_of
from .fields import ApiField, record_fields, row_fields

_PLAIN = (str, int, float, bool, Decimal, UUID, date, datetime, time, list, dict)
# Django's own fields whose values are always `_PLAIN` (or None): `records_out` shows them without a check per value.
# An exact class, not a subclass: a third-party field (a country) may load another type.
_PLAIN_FIELDS = frozenset({
    models.AutoField, models.BigAutoField, models.BigIntegerField, models.BooleanField, models.CharField,
    models.DateField, models.DateTimeField, models.DecimalField, models.EmailField, models.FloatField,
    models.IntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField, models.SlugField,
    models.SmallIntegerField, models.TextField, models.TimeField, models.URLField, models.UUIDField})
_MICROSECOND = timedelta(microseconds=1)


def _value(obj, field: ApiField):
    model_field = field.model_field
    if model_field is None:  # a `<fk>_name` field of a row; a record in the trash is not named, as in lists (`_names`)
        related = getattr(obj, field.link.name)
        return str(related) if related is not None and getattr(related, "deleted_at", None) is None else ""
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
    same fields as values (`_read`) and converts them the way `record_out` does. `keep` names annotations of
    the queryset to copy into each dict as well (e.g. a cursor's sort keys).

    A page's inline rows (emails, phones…, with the names of the companies they link to) and many-to-many keys
    come in its own query, one JSON array per record and relation (`_Nested`): each query costs more to build,
    send and read than the database's work for a page of a list. Then one query per linked model whose names
    are not read with the rows (tags).

    When `queryset` is a slice in primary-key order of `cut_from` (a sync page of 1,000 records), the related
    rows are read instead by a query per relation for the keys between its first record and its last one, by
    the foreign key's index (`_of_records`): the database's work of a thousand nested arrays per relation costs
    more than those queries.
    """
    shown = [field for field in record_fields(entity) if field.name not in entity.hidden]
    columns = ["pk"]
    plan = _plan(shown, columns)
    definitions = [d.key for d in entity.custom_fields]
    custom = len(columns)  # after the shown columns: custom values (if any), the two times, then `keep`
    created = custom + bool(definitions)
    keys = _Keys()
    many = [f for f in shown if f.output and f.model_field is not None and f.model_field.many_to_many]
    nested = [] if cut_from is not None else _Nested.of(queryset, [f.model_field for f in many], entity.inlines)
    extra = [*(["custom"] if definitions else []), UtcWallClock("created_at"), UtcWallClock("updated_at"), *keep]
    rows = _read(queryset.prefetch_related(None), columns, keys, [*extra, *(n.expression for n in nested)])
    by_nested = {n.name: n.collect(rows, len(columns) + len(extra) + at, keys) for at, n in enumerate(nested)}
    span = None if cut_from is None or not rows else (rows[0][0], rows[-1][0])
    pks = [row[0] for row in rows] if span is None else None
    names = _link_names(plan, rows, keys)
    related = {f.name: _m2m_values(entity.model, f, pks, keys, span, by_nested.get(f.name)) for f in many}
    inlines = [(inline.name, by_nested[inline.name] if inline.name in by_nested
                else _rows_by_record(inline, pks, keys, span)) for inline in entity.inlines]
    shown_row = _row_shape(plan, names, related)
    aware = _aware_of(rows[0][created]) if rows else _aware
    result = []
    for row in rows:
        number = row[0].int
        data = shown_row(row)
        for name, by_record in inlines:
            data[name] = by_record.get(number, [])
        if definitions:
            stored = row[custom] or {}
            data["custom"] = {key: stored.get(key) for key in definitions}
        data["created_at"] = aware(row[created])
        data["updated_at"] = updated = aware(row[created + 1])
        data["version"] = (updated - _EPOCH) // _MICROSECOND
        if keep:
            data.update(zip(keep, row[created + 2:created + 2 + len(keep)], strict=True))
        result.append(data)
    return result


# Fields whose stored value, read back from a JSON array, is the value `record_out` shows (booleans as 0/1 on SQLite,
# keys as text). Times, decimals and floats are not: JSON writes them otherwise than Django reads them.
_STORED_AS_SHOWN = _PLAIN_FIELDS - {models.DateField, models.DateTimeField, models.DecimalField, models.FloatField,
                                    models.TimeField}


class _Nested:
    """One to-many relation of a page's records, read in the page's own query as one JSON array per record
    (`expression`, of names from model metadata only), in the related model's order: an inline's rows, their
    columns as `_plan` places them, or a many-to-many relation's target keys. `of` gives those of a queryset's
    relations it can read so; they hold no state of a call, and are kept per relation and database."""

    _made: dict = {}

    def __init__(self, name: str, sql: str, fields: list, inline=None, plan=None, names=None):
        self.name, self.inline, self.plan = name, inline, plan
        self.names = names  # (link, key column, name's place) per linked record the rows name, when read with them
        self.expression = RawSQL(sql, ())  # noqa: S611 - names from model metadata, no values
        self.uuids = [at for at, field in enumerate(fields) if _is_uuid_field(field)]
        self.booleans = [at for at, field in enumerate(fields) if isinstance(field, models.BooleanField)]

    @classmethod
    def of(cls, queryset, many_to_many: list, inlines) -> list["_Nested"]:
        connection = connections[queryset.db]
        if connection.vendor not in ("postgresql", "sqlite"):
            return []
        outer = queryset.query.base_table or queryset.model._meta.db_table
        found = []
        for relation in [*many_to_many, *inlines]:
            key = (connection.vendor, queryset.model, outer, relation)
            if key not in cls._made:
                made = cls._many(connection, queryset.model, outer, relation) if relation in many_to_many \
                    else cls._rows(connection, queryset.model, outer, relation)
                cls._made[key] = made
            if cls._made[key] is not None:
                found.append(cls._made[key])
        return found

    @classmethod
    def _many(cls, connection, model, outer: str, field) -> "_Nested":
        through = field.remote_field.through
        source = through._meta.get_field(field.m2m_field_name())
        target = through._meta.get_field(field.m2m_reverse_field_name())
        return cls(field.name, _json_rows(connection, model, outer, through, [target], source, ""), [target])

    @classmethod
    def _rows(cls, connection, model, outer: str, inline) -> "_Nested | None":
        rows = inline.formset.model
        columns = ["pk"]
        plan = _plan(row_fields(inline), columns)
        fields = [rows._meta.pk if column == "pk" else rows._meta.get_field(column) for column in columns]
        order = _order_by(rows, connection.ops.quote_name)
        if order is None or not all(_stored_as_shown(field) for field in fields):
            return None  # read by a query of its own
        links = [(link, column) for _key, column, link, _checked in plan if link is not None]
        named = [_name_of(connection, rows, link) for link, _column in links]
        names = None if None in named else [(link, column, len(fields) + at)
                                            for at, (link, column) in enumerate(links)]
        sql = _json_rows(connection, model, outer, rows, fields, inline.formset.fk, order,
                         extra=named if names is not None else [])
        return cls(inline.name, sql, fields, inline, plan, names)

    def collect(self, rows, at: int, keys: "_Keys"):
        """From column `at` of the page's rows: an inline's {record key's number: [row dict, …]}, or a
        many-to-many relation's (record key, target key) pairs."""
        by_record = {}
        for row in rows:
            values = row[at]
            if values is not None:  # as text: orjson reads it in a third of the time psycopg's `json.loads` takes
                values = orjson.loads(values)
            if values:
                by_record[row[0]] = [self._converted(value, keys) for value in values]
        if self.inline is None:
            return [(record, value[0]) for record, values in by_record.items() for value in values]
        read = [value for values in by_record.values() for value in values]
        if self.names is None:
            names = _link_names(self.plan, read, keys)
        else:  # a linked record not named (in the trash) is left out, as `_names` leaves it out
            names = {link.name: {value[column]: value[place] for value in read if value[place] is not None}
                     for link, column, place in self.names}
        shown_row = _row_shape(self.plan, names, {})
        return {record.int: [shown_row(value) for value in values] for record, values in by_record.items()}

    def _converted(self, value: list, keys: "_Keys") -> list:
        for at in self.uuids:
            if value[at] is not None:
                value[at] = keys[value[at]]
        for at in self.booleans:
            if value[at] is not None:
                value[at] = bool(value[at])
        return value


def _stored_as_shown(field) -> bool:
    if field.is_relation:
        return field.many_to_one and _stored_as_shown(field.target_field)
    if isinstance(field, CountryField):
        return not field.multiple  # one code, which `str()` of its value gives
    return type(field) in _STORED_AS_SHOWN


def _is_uuid_field(field) -> bool:
    return isinstance(field.target_field if field.is_relation else field, models.UUIDField)


def _order_by(model, quote) -> str | None:
    """The model's `Meta.ordering` as SQL over the alias `r`, or None when it is not a list of field names."""
    terms = []
    for name in model._meta.ordering:
        if not isinstance(name, str) or name.lstrip("-") in ("?", "") or "__" in name:
            return None
        field = model._meta.pk if name.lstrip("-") == "pk" else model._meta.get_field(name.lstrip("-"))
        terms.append(f"r.{quote(field.column)}{' DESC' if name.startswith('-') else ''}")
    return ", ".join(terms)


def _name_of(connection, rows, link) -> str | None:
    """SQL over the alias `r` of `rows` for the name of the record `link` points to, as `_names` reads it through
    the linked model's manager (its `name` column, in the row's workspace, not in the trash when the manager
    hides the trash); None when that manager or model is not one this can say in SQL."""
    related, quote = link.related_model, connection.ops.quote_name
    manager = related._default_manager
    columns = {field.name: field.column for field in related._meta.concrete_fields}
    if not isinstance(manager, ScopedManager) or "name" not in columns or "workspace" not in columns \
            or not any(field.name == "workspace" for field in rows._meta.concrete_fields):
        return None
    conditions = [f"n.{quote(related._meta.pk.column)} = r.{quote(link.column)}",
                  f"n.{quote(columns['workspace'])} = r.{quote(rows._meta.get_field('workspace').column)}"]
    if manager.soft_delete is not None:
        trashed = "NOT NULL" if manager.soft_delete == "deleted" else "NULL"
        conditions.append(f"n.{quote(columns['deleted_at'])} IS {trashed}")
    table = quote(related._meta.db_table)
    return f"(SELECT n.{quote(columns['name'])} FROM {table} n WHERE {' AND '.join(conditions)})"  # noqa: S608


def _json_rows(connection, model, outer: str, rows, fields: list, link, order: str, extra=()) -> str:
    """A scalar subquery: the array of `fields`' values (then the `extra` expressions') of the rows of `rows` whose
    `link` is the key of a record of `model` (its table's alias in the query: `outer`), sorted by `order`; NULL or
    an empty array when there is none. Like `rows`' workspace-scoped manager, it reads the record's workspace's."""
    quote = connection.ops.quote_name
    where = f"r.{quote(link.column)} = {quote(outer)}.{quote(model._meta.pk.column)}"
    if any(field.name == "workspace" for field in rows._meta.concrete_fields):
        column = quote(rows._meta.get_field("workspace").column)
        where += f" AND r.{column} = {quote(outer)}.{quote(model._meta.get_field('workspace').column)}"
    values = ", ".join([*(f"r.{quote(field.column)}" for field in fields), *extra])
    table, order_by = quote(rows._meta.db_table), f" ORDER BY {order}" if order else ""
    if connection.vendor == "postgresql":
        return (f"(SELECT json_agg(json_build_array({values}){order_by})::text "  # noqa: S608
                f"FROM {table} r WHERE {where})")
    return (f"(SELECT json_group_array(json(v)) FROM (SELECT json_array({values}) AS v "  # noqa: S608
            f"FROM {table} r WHERE {where}{order_by}))")


def _aware(value) -> datetime:
    """A time read with `UtcWallClock` as Django reads it (aware, in UTC)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _aware_of(sample):
    """`_aware` for every value of a column like `sample`: a call without a Python frame where the database gives
    naive times (PostgreSQL), for the two times of every record of a sync page."""
    return _IN_UTC if isinstance(sample, datetime) and sample.tzinfo is None else _aware


_IN_UTC = methodcaller("replace", tzinfo=UTC)


class _Keys(dict):
    """Stored UUID (text on SQLite) → `UUID`, shared by the queries of one `records_out` call. A record's id comes
    back in the rows of each of its inlines, a linked record's in the query of its name; building a `UUID` from
    text costs more than the rest of a row, so each distinct value is built once."""

    def __missing__(self, stored):
        key = self[stored] = uuid_of(stored) if isinstance(stored, str) else stored
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
    rows = list(queryset.values_list(*(Stored(c) if at in uuids else c for at, c in enumerate(columns)), *extra))
    if not rows:
        return rows
    by_column = list(zip(*rows, strict=True))  # converted a column at a time: no Python loop per row and column
    for at in uuids:
        by_column[at] = map(keys.__getitem__, by_column[at])
    return list(zip(*by_column, strict=True))


def _is_uuid(model, column: str) -> bool:
    return _is_uuid_field(model._meta.pk if column == "pk" else model._meta.get_field(column))


def _plan(fields, columns: list[str]) -> list[tuple]:
    """(key, column, link, checked) per value `record_out` shows for a row, in its order, worked out once per call
    rather than per row: `column` is where the value is in a row read with `_read(…, columns, …)` (the columns it
    needs are added to `columns`), `link` the foreign key whose record's name the value is; many-to-many values
    have no column; `checked`: the value may be of a type `record_out` shows as text."""

    def at(name: str) -> int:
        if name not in columns:
            columns.append(name)
        return columns.index(name)

    plan = []
    for field in fields:
        if field.link is not None:
            column = at(field.link.attname)
            plan += [(f"{field.link.name}_id", column, None, _may_be_text(field.link)),
                     (field.name, column, field.link, False)]
        elif field.model_field is not None:
            model_field = field.model_field
            if model_field.many_to_many:
                plan.append((field.name, None, None, False))
            else:
                plan.append((field.name, at(model_field.attname), None, _may_be_text(model_field)))
    return plan


def _may_be_text(model_field) -> bool:
    """Whether the field's values may be other than `_PLAIN`, to be shown as text (e.g. a country)."""
    if model_field.is_relation:
        model_field = model_field.target_field
    return type(model_field) not in _PLAIN_FIELDS


def _row_shape(plan, names: dict, related: dict):
    """row → the row's values as `record_out` shows them (`names` of linked records, `related` many-to-many lists),
    for every row of one read: the plain values are taken in one go, then the others set in place (same keys,
    same order as value by value)."""
    keys = ("id", *(key for key, *_rest in plan))
    at = [0 if column is None else column for _key, column, *_rest in plan]  # a value set below holds a place
    pick = itemgetter(0, *at) if at else lambda row: (row[0],)
    many = [(key, related[key]) for key, column, *_rest in plan if column is None]
    links = [(key, column, names[link.name]) for key, column, link, _checked in plan if link is not None]
    checked = [(key, column) for key, column, _link, check in plan if check]
    if not (many or links or checked):  # most rows (emails, phones): their values as they are
        return lambda row: dict(zip(keys, pick(row), strict=True))

    def shown(row) -> dict:
        data = dict(zip(keys, pick(row), strict=True))
        for key, by_record in many:
            data[key] = by_record.get(row[0].int, [])
        for key, column, by_pk in links:
            data[key] = by_pk.get(row[column], "")
        for key, column in checked:
            value = row[column]
            if value is not None and not isinstance(value, _PLAIN):
                data[key] = str(value)
        return data

    return shown


def _of_records(queryset, column: str, pks, span=None):
    """The rows of `queryset` whose `column` may name one of the records: `pks`, a list (sent as one array on
    PostgreSQL, see `AnyOf`: Django's `IN` lookup prepares each key on its own, a third of a list request); or,
    given `span` (the first and the last key of a page in key order), every row whose `column` lies in it, read by
    the column's index. Rows of records in the span that are not on the page (trashed, not visible) come too and
    are left out by the caller, which picks rows by record. Joining the page's subquery instead made PostgreSQL
    scan the whole table (20 ms a page for a contact's emails at 100,000 contacts) or, at a million, check every
    row against every record (250 ms)."""
    if span is None:
        return queryset.filter(AnyOf(F(column), pks))
    return queryset.filter(**{f"{column}__gte": span[0], f"{column}__lte": span[1]})


def _m2m_values(model, field: ApiField, pks, keys: _Keys, span=None, pairs=None) -> dict:
    """{record key's number (`UUID.int`): [related pk or name, …]} in the related model's order; `pks`, `span`: see
    `_of_records`; `pairs`: the (record key, related key) pairs when the page's query read them (`_Nested`)."""
    model_field = field.model_field
    if pairs is None:
        through = model_field.remote_field.through
        source = through._meta.get_field(model_field.m2m_field_name()).attname
        target = through._meta.get_field(model_field.m2m_reverse_field_name()).attname
        pairs = _read(_of_records(through._default_manager.all(), source, pks, span), [source, target], keys)
    ordered = _names(model_field.related_model, {pk for _source, pk in pairs}, keys)
    position = {pk: index for index, pk in enumerate(ordered)}
    shown = {pk: (pk if field.by_pk else name) for pk, name in ordered.items()}
    found: dict = {}
    for source_pk, target_pk in sorted(pairs, key=lambda pair: position.get(pair[1], 0)):
        if target_pk in shown:
            found.setdefault(source_pk.int, []).append(shown[target_pk])
    return found


def inline_values(inline, pks, keys: _Keys | None = None, span=None) -> dict:
    """{record pk: [row dict, …]} in the row model's order, as `record_out` shows rows; `pks`, `span`: see
    `_of_records`; `keys`: those of the records' own query, when there is one."""
    return _rows_by_record(inline, pks, keys, span, by=None)


def _rows_by_record(inline, pks, keys: _Keys | None = None, span=None, by=attrgetter("int")) -> dict:
    """`inline_values`, its records' keys given by `by` (the key's number by default: a `UUID` hashes and compares
    in Python, its number in C, and a sync page looks up each of its records once per inline)."""
    keys = _Keys() if keys is None else keys
    model, link = inline.formset.model, inline.formset.fk.attname
    columns = ["pk", link]
    plan = _plan(row_fields(inline), columns)
    queryset = _of_records(model._default_manager.all(), link, pks, span)
    rows = _read(queryset, columns, keys)
    shown_row = _row_shape(plan, _link_names(plan, rows, keys), {})
    found: dict = {}
    for row in rows:
        found.setdefault(row[1] if by is None else by(row[1]), []).append(shown_row(row))
    return found


def _link_names(plan, rows, keys: _Keys) -> dict:
    """{foreign key name: {related pk: str(related)}} for the keys the rows hold: how rows name a link."""
    names = {}
    for _key, column, link, _checked in plan:
        if link is not None:
            names[link.name] = _names(link.related_model, {row[column] for row in rows if row[column] is not None},
                                      keys)
    return names


def _names(model, pks: set, keys: _Keys) -> dict:
    """{pk: str(record)} of `model`'s records among `pks`, in the model's order. The keys go as one array on
    PostgreSQL (`AnyOf`): Django prepares each value of an `IN` list one by one (at a sync page of 1,000
    contacts, some 900 companies cost more than the query), and a subquery of the page's rows instead made the
    planner, misjudging how many rows a key range holds, read every company of the workspace (8 ms a page at
    100,000 companies). A model with a `name` column is named by it, read as values (building instances to call
    `str()` cost more than the rest of a sync page's rows): `str()` of such models (companies, tags) is that
    column, the name a row's `<fk>_name` is accepted by."""
    if not pks:
        return {}
    records = model._default_manager.filter(AnyOf(F("pk"), pks))
    if any(field.attname == "name" for field in model._meta.concrete_fields):
        return dict(_read(records, ["pk", "name"], keys))
    return {record.pk: str(record) for record in records}
