"""The fast row source of exports: column values read with `values_list`, texts from per-export maps.

A list page shows 25 records, so building model instances and prefetching their related rows is fine
there; an export of a million records cannot afford it (Django's prefetch alone builds a queryset per
record). Here each column becomes a function that writes its texts for a chunk of plain row tuples (one
loop per column and chunk, not a call per cell); everything that needs a lookup (owner names, tags,
picklist labels, related rows such as a contact's primary email) is loaded once per chunk of rows, or
cached per distinct value. The texts are the same functions the list and detail pages use
(`display.field_display`, `customization.kinds.display`, picklist labels), so the output is identical
to the instance-based path — `tests/test_export_jobs.py` and `tests/test_export_fast_path.py` compare both.

A computed column (a model method such as `Contact.primary_email`) has no field to read: its app
registers how to compute it from the row or from related rows with `register_cell`. An entity with an
unregistered computed column falls back to the instance path (`exports.instance_rows`).
"""

import datetime
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import islice

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models
from django.db.models import Func
from django.utils import dateformat, formats, timezone
from django.utils.translation import gettext

from .display import field_display

CHUNK = 5000
CACHE_MAX = 50_000  # distinct values kept per column: memory stays flat whatever the export's size


@dataclass(frozen=True)
class RowCell:
    """A computed column read from the record's own fields: `text(*values)`."""

    fields: Sequence[str]
    text: Callable[..., str]


@dataclass(frozen=True)
class RelatedCell:
    """A computed column read from related rows: `load(ids) -> {id: text}`, one query per chunk."""

    load: Callable[[list], dict]


_cells: dict[tuple[type, str], RowCell | RelatedCell] = {}


def register_cell(model, column: str, cell: RowCell | RelatedCell) -> None:
    _cells[(model, column)] = cell


def with_ids(queryset, column: str, ids):
    """`column IN ids` for a chunk's ids (uuids or integers), with the ids sent as cheaply as the database allows.

    Django's `__in` lookup resolves and prepares each of 5,000 values on its own, and psycopg dumps a list of
    5,000 UUID objects one by one: either takes about as long as the query. PostgreSQL gets one array literal
    (a single string), other databases the ids converted once.
    """
    model = queryset.model
    connection = connections[queryset.db]
    field = model._meta.get_field(column)
    target = f"{connection.ops.quote_name(model._meta.db_table)}.{connection.ops.quote_name(field.column)}"
    if connection.vendor == "postgresql":
        array = "{" + ",".join([v.hex if isinstance(v, uuid.UUID) else str(v) for v in ids]) + "}"
        return queryset.extra(where=[f"{target} = ANY(%s::{field.db_type(connection)}[])"], params=[array])  # noqa: S610
    values = [field.get_db_prep_value(value, connection) for value in ids]
    if not values:
        return queryset.none()
    return queryset.extra(where=[f"{target} IN ({', '.join(['%s'] * len(values))})"], params=values)  # noqa: S610


def first_by(rows, key_index: int = 0, text=str) -> dict:
    """{key: text of the first row for that key}, for rows already in the order the page shows them."""
    first = {row[key_index]: row for row in reversed(list(rows))}  # a later row overwrites: the first one stays
    return {key: text(row) for key, row in first.items()}


class _Plan:
    """Which fields to read and, per column, how to write its texts for a chunk of rows."""

    def __init__(self):
        self.fields: list = ["pk"]  # what `values_list` reads: field names, or expressions (`UtcWallClock`)
        self.columns: list[Callable] = []  # (chunk: list of row tuples) -> one text per row

    @cached_property
    def datetime_text(self) -> Callable:
        """One for every date-time column: they share their caches of days and minutes."""
        return _datetime_text()

    def index(self, name: str) -> int:
        if name not in self.fields:
            self.fields.append(name)
        return self.fields.index(name)


def plan_for(entity, columns: list[str]) -> _Plan | None:
    """The fast plan for these columns, or None when a computed column has no registered cell."""
    plan = _Plan()
    for name in columns:
        column = _column(entity, plan, name)
        if column is None:
            return None
        plan.columns.append(column)
    return plan


def column_chunks(plan: _Plan, queryset):
    """The texts, a chunk of rows at a time, as one list per column: each column is one loop over the chunk with
    its lookups at hand, rather than a function call per cell (the query is streamed: a server-side cursor on
    PostgreSQL)."""
    source = queryset.prefetch_related(None).select_related(None).values_list(*plan.fields).iterator(chunk_size=CHUNK)
    while chunk := list(islice(source, CHUNK)):
        yield [column(chunk) for column in plan.columns]


def _column(entity, plan: _Plan, name: str):
    model = entity.model
    if name == "id":
        return lambda chunk: [str(row[0]) for row in chunk]
    if definition := entity.custom(name):
        return _custom_column(plan, definition)
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return _computed_column(plan, model, name)
    if field.many_to_many:
        return _many_column(plan, field)
    if field.many_to_one or field.one_to_one:
        return _foreign_column(plan, field)
    if not field.concrete:
        return None
    if isinstance(field, models.DateTimeField) and not field.choices:
        at, text = plan.index(UtcWallClock(field.attname)), plan.datetime_text
        return lambda chunk: [text(row[at]) for row in chunk]
    return _field_column(entity, field, plan.index(field.attname))


def _field_column(entity, field, at: int) -> Callable:
    """The texts of the values at `at`, as `display.field_display` would render them on instances."""
    own_field = type(field).__module__.startswith("django.db.models")  # not a third-party field (a country)
    if field.choices:
        from clientela.customization import picklists

        return _cached(at, lambda v: "" if v in (None, "") else str(
            picklists.option_label(entity.key, field.name, v, field)))
    if isinstance(field, models.CharField | models.TextField) and own_field:  # the value is the text
        return lambda chunk: [row[at] or "" for row in chunk]
    if isinstance(field, models.DateField):
        return _cached(at, lambda v: "" if v is None else formats.date_format(v, "SHORT_DATE_FORMAT"))
    if isinstance(field, models.BooleanField):
        yes, no = gettext("Yes"), gettext("No")
        return lambda chunk: ["" if row[at] in (None, "") else (yes if row[at] else no) for row in chunk]
    if own_field:
        return lambda chunk: ["" if row[at] is None or row[at] == "" else str(row[at]) for row in chunk]

    def through_instance(value):  # a third-party field: its descriptor gives the displayed value
        instance = entity.model()
        setattr(instance, field.attname, value)
        return field_display(instance, field.name)

    return _cached(at, through_instance)


def _cached(at: int, text: Callable) -> Callable:
    """The texts of the values at `at`, each distinct value's computed once."""
    cache: dict = {}

    def column(chunk):
        values = [row[at] for row in chunk]
        try:
            distinct = set(values)
        except TypeError:  # an unhashable value
            return [text(value) for value in values]
        if len(cache) + len(distinct) > CACHE_MAX:
            cache.clear()
        cache.update({value: text(value) for value in distinct - cache.keys()})
        return [cache[value] for value in values]

    return column


DATE_CHARS = frozenset("dDjlNSwzWmMnbEFtLoyY")  # dateformat characters that depend on the day only
TIME_CHARS = frozenset("aAPfgGhHi")  # ... and those that depend on the hour and minute only


def _datetime_text() -> Callable:
    """Local short date-time, exactly as `date_format(localtime(v), "SHORT_DATETIME_FORMAT")` writes it.

    Formatting is the costliest part of an export, so a format that writes the day, then the time (every
    locale's short format does) is cut in two: the day's text is cached per local day, the time's per minute.
    """
    fmt, zone = formats.get_format("SHORT_DATETIME_FORMAT"), timezone.get_current_timezone()
    cut = _day_then_time(fmt)
    if cut is None:
        return lambda v: "" if v is None else dateformat.format(_local(v, zone), fmt)
    day_format, time_format = fmt[:cut], fmt[cut:]
    days: dict = {}
    minutes: dict = {}

    def text(value):
        if value is None:
            return ""
        local = _local(value, zone)
        day, minute = local.toordinal(), local.hour * 60 + local.minute
        try:
            day_text = days[day]
        except KeyError:
            if len(days) >= CACHE_MAX:
                days.clear()
            day_text = days[day] = dateformat.format(local, day_format)
        try:
            return day_text + minutes[minute]
        except KeyError:
            minutes[minute] = dateformat.format(local, time_format)
            return day_text + minutes[minute]

    return text


def _local(value: datetime.datetime, zone) -> datetime.datetime:
    """`timezone.localtime(value, zone)`, for an aware value or a naive one in UTC (`UtcWallClock`)."""
    return (value if value.tzinfo else value.replace(tzinfo=datetime.UTC)).astimezone(zone)


class UtcWallClock(Func):
    """A date-time column read as UTC wall-clock time (naive) on PostgreSQL, where psycopg loads it in C: Django's
    loader for time-zone-aware values is Python code, about ten times slower. Other databases read the column."""

    output_field = models.DateTimeField()

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="(%(expressions)s AT TIME ZONE 'UTC')",
                              **extra_context)


def _day_then_time(fmt: str) -> int | None:
    """Where the time's part of a date-time format starts, when everything before it depends on the day only
    and everything after on the hour and minute only; None otherwise (seconds, offsets, time before day…)."""
    cut, escaped = None, False
    for at, char in enumerate(fmt):
        if escaped or not char.isalpha():
            escaped = not escaped and char == "\\"
            continue
        if char in TIME_CHARS:
            cut = at if cut is None else cut
        elif char not in DATE_CHARS or cut is not None:
            return None
    return len(fmt) if cut is None else cut


def _related_texts(related_model, ids) -> dict:
    return {obj.pk: str(obj) for obj in with_ids(related_model._base_manager.all(), "id", ids)} \
        if related_model._meta.pk.name == "id" else {obj.pk: str(obj) for obj in related_model._base_manager.filter(pk__in=ids)}


def _foreign_column(plan: _Plan, field) -> Callable:
    """A foreign key shows the related record's name; names are loaded once per distinct id."""
    at = plan.index(field.attname)
    names: dict = {}

    def column(chunk):
        if len(names) >= CACHE_MAX:
            names.clear()
        missing = {row[at] for row in chunk if row[at] is not None} - names.keys()
        if missing:
            names.update(_related_texts(field.related_model, missing))
        return [names.get(row[at], "") for row in chunk]  # None is never a key

    return column


def _many_column(plan: _Plan, field) -> Callable:
    """A many-to-many field: the related names, sorted, comma-separated (one through-table query per chunk)."""
    through = field.remote_field.through
    source = field.m2m_field_name()
    target = field.m2m_reverse_field_name()
    names: dict = {}

    def column(chunk):
        if len(names) >= CACHE_MAX:
            names.clear()
        links = list(with_ids(through._base_manager.all(), source, [row[0] for row in chunk])
                     .values_list(f"{source}_id", f"{target}_id"))
        missing = {t for _s, t in links} - names.keys()
        if missing:
            names.update(_related_texts(field.related_model, missing))
        linked: dict = {}
        for record, other in links:
            linked.setdefault(record, []).append(names[other])
        texts = {record: ", ".join(sorted(found)) for record, found in linked.items()}
        return [texts.get(row[0], "") for row in chunk]

    return column


def _custom_column(plan: _Plan, definition) -> Callable:
    from clientela.customization.kinds import display
    from clientela.customization.models import FieldKind
    from clientela.customization.picklists import custom_option_label

    at, key = plan.index("custom"), definition.key
    if definition.kind == FieldKind.LOOKUP:
        return _lookup_column(definition, at)
    if definition.kind == FieldKind.PICKLIST:
        def text(value):
            return display(definition, value) if value in (None, "") else str(custom_option_label(definition, value))
    else:
        def text(value):
            return display(definition, value)
    cache: dict = {}

    def get(row):
        value = (row[at] or {}).get(key)
        marker = value if isinstance(value, str) else json.dumps(value)
        try:
            return cache[marker]
        except KeyError:
            if len(cache) >= CACHE_MAX:
                cache.clear()
            result = cache[marker] = text(value)
            return result

    return lambda chunk: [get(row) for row in chunk]


def _lookup_column(definition, at: int) -> Callable:
    """A "link to another record" custom field: the linked records' names, loaded per chunk."""
    from clientela.customization.kinds import display

    from . import entities

    target = entities.get_or_none(definition.lookup_entity)
    key = definition.key
    names: dict = {}

    def load(chunk):
        if len(names) >= CACHE_MAX:
            names.clear()
        wanted = {str(v) for row in chunk if (v := (row[at] or {}).get(key))} - names.keys()
        if not wanted:
            return
        parsed = {raw: _as_uuid(raw) for raw in wanted}
        valid = [p for p in parsed.values() if p is not None]
        found = {str(obj.pk): str(obj) for obj in target.model.objects.filter(pk__in=valid)} \
            if target is not None and valid else {}
        names.update({raw: found.get(str(p), raw) if p is not None else raw for raw, p in parsed.items()})

    def get(row):
        value = (row[at] or {}).get(key)
        return names.get(str(value), str(value)) if value else display(definition, value)

    def column(chunk):
        load(chunk)
        return [get(row) for row in chunk]

    return column


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _computed_column(plan: _Plan, model, name: str):
    cell = _cells.get((model, name))
    if cell is None:
        return None
    if isinstance(cell, RowCell):
        positions = [plan.index(f) for f in cell.fields]
        text = cell.text
        return lambda chunk: [text(*[row[p] for p in positions]) for row in chunk]

    def column(chunk):
        texts = cell.load([row[0] for row in chunk])
        return [texts.get(row[0], "") for row in chunk]

    return column
