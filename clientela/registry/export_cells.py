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

A column showing each record's first related row (`FirstRowCell`: a contact's primary email, phone, company)
is read in one of two ways. A short export looks its chunk's related rows up by id, one query per chunk and
cell. A long one on PostgreSQL reads the first rows of the whole related tables in the same query as the
records (a `DISTINCT ON` per cell, hash-joined), each table once, in index order, from the covering indexes
of customers/0009. Half of a million contacts (a part of a parallel export) took 9.8 s of the database's CPU
and 14.0 s of Python's with lookups on those indexes, 6.0 s and 9.7 s joined; 30,000 rows take as long
either way.
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
from django.db.models import F, Func, Window
from django.db.models.functions import RowNumber
from django.utils import dateformat, formats, timezone
from django.utils.translation import gettext

from clientela.common.lookups import AnyOf
from clientela.common.stored import Stored, uuid_of

from .display import field_display

CHUNK = 5000
CACHE_MAX = 50_000  # distinct values kept per column: memory stays flat whatever the export's size
JOINED_SHARE = 16  # first rows are read joined once an export has 1/16 as many records as a related table has rows


@dataclass(frozen=True)
class RowCell:
    """A computed column read from the record's own fields: `text(*values)`."""

    fields: Sequence[str]
    text: Callable[..., str]


@dataclass(frozen=True)
class RelatedCell:
    """A computed column read from related rows: `load(ids) -> {id: text}`, one query per chunk."""

    load: Callable[[list], dict]


def _values_as_texts(values: list) -> list[str]:
    return ["" if value is None else value for value in values]


@dataclass(frozen=True)
class FirstRowCell:
    """A computed column showing a value of each record's first related row, in the related model's default order
    (a contact's primary email is the first of its emails: they sort primary first).

    `link` is the related model's foreign key to the record; `value` a field of the related row, or `fk__field`
    for a field of the row it links to (an affiliation's company name); `texts(values)` the column's texts for a
    chunk's values, None for a record without related rows (by default the value is the text, None is "")."""

    model: type
    link: str
    value: str
    texts: Callable[[list], list[str]] = _values_as_texts

    @property
    def link_column(self) -> str:
        return self.model._meta.get_field(self.link).attname


_cells: dict[tuple[type, str], RowCell | RelatedCell | FirstRowCell] = {}


def register_cell(model, column: str, cell: RowCell | RelatedCell | FirstRowCell) -> None:
    _cells[(model, column)] = cell


class _Plan:
    """Which fields to read and, per column, how to write its texts for a chunk of rows."""

    def __init__(self):
        self.fields: list = ["pk"]  # what `values_list` reads: field names, or expressions (`UtcWallClock`)
        self.columns: list[Callable] = []  # (chunk: list of row tuples) -> one text per row
        self.first_rows: list[FirstRowCell] = []
        self.first_values: list[list] = []  # per first-row cell, its values for the chunk being written

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


def column_chunks(plan: _Plan, queryset, joined: bool | None = None):
    """The texts, a chunk of rows at a time, as one list per column: each column is one loop over the chunk with
    its lookups at hand, rather than a function call per cell (the query is streamed: a server-side cursor on
    PostgreSQL). `joined` chooses how first rows are read (None: by the export's length, `_joined_read_pays`)."""
    queryset = queryset.prefetch_related(None).select_related(None)
    if joined is None:
        joined = _joined_read_pays(plan, queryset)
    chunks = _joined_chunks(plan, queryset) if joined and _joinable(plan, queryset) else \
        _looked_up_chunks(plan, queryset)
    for chunk, first_values in chunks:
        plan.first_values = first_values
        yield [column(chunk) for column in plan.columns]


def _looked_up_chunks(plan: _Plan, queryset):
    """(rows of the fields, each first-row cell's values for them), the first rows looked up per chunk.

    Where the database has no UUID type (SQLite), the records' keys and the related rows' links are read and
    matched as stored (`common.stored`): Django would build a `UUID` of each, and of each key sent back."""
    native = connections[queryset.db].features.has_native_uuid_field or not isinstance(
        queryset.model._meta.pk, models.UUIDField)
    fields = plan.fields if native else [Stored(plan.fields[0]), *plan.fields[1:]]
    source = queryset.values_list(*fields).iterator(chunk_size=CHUNK)
    while chunk := list(islice(source, CHUNK)):
        ids = [row[0] for row in chunk]
        found = (_first_values(cell, ids, native) for cell in plan.first_rows)  # one dict alive at a time
        first_values = [[values.get(pk) for pk in ids] for values in found]
        yield (chunk if native else [(uuid_of(row[0]), *row[1:]) for row in chunk]), first_values


def _first_values(cell: FirstRowCell, ids, native: bool = True) -> dict:
    """{record id: value of its first related row} for a chunk's records (rows come in the model's order, so the
    first one of each record is the last one the dict keeps, reversed); `native`: else `ids` are stored keys."""
    link = F(cell.link) if native else Stored(cell.link_column)
    rows = cell.model._default_manager.filter(AnyOf(link, ids)).values_list(link, cell.value)
    return dict(reversed(list(rows)))


def _joined_read_pays(plan: _Plan, queryset) -> bool:
    """Is the export long enough, next to its related tables, that reading them whole beats looking rows up?"""
    if not _joinable(plan, queryset):
        return False
    enough = max(CHUNK, _related_rows_estimate(plan, queryset.db) // JOINED_SHARE)
    return queryset[:enough].count() >= enough


def _joinable(plan: _Plan, queryset) -> bool:
    """Only PostgreSQL has `DISTINCT ON`, and only a plainly ordered query can be numbered and joined."""
    query = queryset.query
    return bool(plan.first_rows) and connections[queryset.db].vendor == "postgresql" and queryset.ordered and \
        not (query.distinct or query.combinator or query.extra_order_by or "?" in _ordering(queryset))


def _related_rows_estimate(plan: _Plan, alias: str) -> int:
    """The planner's row count of the biggest related table (all workspaces: what a read of it may cost)."""
    tables = [cell.model._meta.db_table for cell in plan.first_rows]
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(reltuples), 0) FROM pg_class WHERE oid = ANY(%s::regclass[])", [tables])
        return max(int(cursor.fetchone()[0]), 0)


def _ordering(queryset) -> tuple:
    return tuple(queryset.query.order_by or (queryset.model._meta.ordering if queryset.query.default_ordering else ()))


def _joined_chunks(plan: _Plan, queryset):
    """(rows of the fields, each first-row cell's values for them) from one query: the records, numbered in the
    list's order, left-joined to each related table's first row per record (`DISTINCT ON`), sorted back by
    number (a hash join does not keep the records' order)."""
    connection = connections[queryset.db]
    numbered = queryset.values_list(*plan.fields).annotate(
        export_row_number=Window(RowNumber(), order_by=list(_ordering(queryset))))
    compiler = numbered.query.get_compiler(using=queryset.db)
    records_sql, params = compiler.as_sql()
    width = len(plan.fields)
    if len(compiler.select) != width + 1:  # something added columns: keep to the lookups
        yield from _looked_up_chunks(plan, queryset)
        return
    names = [f"c{n}" for n in range(width + 1)]
    columns, joins, params = [f"s.{name}" for name in names[:width]], [], list(params)
    converters = compiler.get_converters([expression for expression, _sql, _alias in compiler.select[:width]])
    for number, cell in enumerate(plan.first_rows):
        column, join, join_params, expression = _first_row_join(cell, f"f{number}", connection, queryset.db)
        columns.append(column)
        joins.append(join)
        params += join_params
        if found := compiler.get_converters([expression]):
            converters[width + number] = found[0]
    sql = (f"SELECT {', '.join(columns)} FROM ({records_sql}) AS s ({', '.join(names)}) "  # noqa: S608
           f"{' '.join(joins)} ORDER BY s.{names[width]}")
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(CHUNK):
            chunk = list(compiler.apply_converters(chunk, converters)) if converters else chunk
            yield chunk, [[row[at] for row in chunk] for at in range(width, width + len(plan.first_rows))]


def _first_row_join(cell: FirstRowCell, alias: str, connection, using: str) -> tuple[str, str, list, object]:
    """(selected column, LEFT JOIN clauses, their params, the value's expression) of a first-row cell: its
    model's rows of the workspace, the first one of each record in the model's default order."""
    model, quote = cell.model, connection.ops.quote_name
    via, _, linked_name = cell.value.partition("__")
    first = model._default_manager.using(using).filter(**{f"{cell.link}__isnull": False}).order_by(
        cell.link_column, *model._meta.ordering).distinct(cell.link_column)
    if linked_name:  # a field of the row it links to, joined once the first rows are picked (a smaller join)
        link = model._meta.get_field(via)
        sql, params = first.values_list(cell.link_column, link.attname).query.get_compiler(using=using).as_sql()
        target, field, linked = link.related_model._meta, link.related_model._meta.get_field(linked_name), f"{alias}j"
        column = f"{linked}.{quote(field.column)}"
        extra = (f" LEFT JOIN {quote(target.db_table)} AS {linked}"
                 f" ON {linked}.{quote(link.target_field.column)} = {alias}.v")
        expression = field.get_col(linked)
    else:
        field = model._meta.get_field(cell.value)
        sql, params = first.values_list(cell.link_column, field.attname).query.get_compiler(using=using).as_sql()
        column, extra, expression = f"{alias}.v", "", field.get_col(alias)
    return column, f"LEFT JOIN ({sql}) AS {alias} (k, v) ON {alias}.k = s.c0{extra}", list(params), expression


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
    if isinstance(field, models.DateField) and not field.choices:
        return _cached(plan.index(DateRead(field.attname)), _date_text)
    return _field_column(entity, field, plan.index(field.attname))


def _date_text(value: datetime.date | str | None) -> str:
    if value is None:
        return ""
    return formats.date_format(value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value),
                               "SHORT_DATE_FORMAT")


def _field_column(entity, field, at: int) -> Callable:
    """The texts of the values at `at`, as `display.field_display` would render them on instances."""
    own_field = type(field).__module__.startswith("django.db.models")  # not a third-party field (a country)
    if field.choices:
        from clientela.customization import picklists

        return _cached(at, lambda v: "" if v in (None, "") else str(
            picklists.option_label(entity.key, field.name, v, field)))
    if isinstance(field, models.CharField | models.TextField) and own_field:  # the value is the text
        return lambda chunk: [row[at] or "" for row in chunk]
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


def _local(value: datetime.datetime | str, zone) -> datetime.datetime:
    """`timezone.localtime(value, zone)`, for an aware value or one read by `UtcWallClock` (naive in UTC, or text)."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return (value if value.tzinfo else value.replace(tzinfo=datetime.UTC)).astimezone(zone)


class DateRead(Func):
    """A date column as the stored text on SQLite, for `date.fromisoformat` (its driver, then Django, would each
    parse it with Python code, also where it is empty: a million rows, three date columns); else as read."""

    output_field = models.Field()

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[0])

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="CAST(%(expressions)s AS TEXT)", **extra_context)


class UtcWallClock(DateRead):
    """A date-time column read as UTC wall-clock time: naive, on PostgreSQL, where psycopg loads it in C (Django's
    loader for time-zone-aware values is Python code, about ten times slower); the stored text on SQLite, for
    `datetime.fromisoformat`, as `DateRead`."""

    def as_postgresql(self, compiler, connection, **extra_context):
        return Func.as_sql(self, compiler, connection, template="(%(expressions)s AT TIME ZONE 'UTC')",
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
    return {obj.pk: str(obj) for obj in related_model._base_manager.filter(AnyOf(F("pk"), ids))}


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
        links = list(through._base_manager.filter(AnyOf(F(source), [row[0] for row in chunk]))
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
    if isinstance(cell, FirstRowCell):
        return _first_row_column(plan, cell)
    if isinstance(cell, RowCell):
        positions = [plan.index(f) for f in cell.fields]
        text = cell.text
        return lambda chunk: [text(*[row[p] for p in positions]) for row in chunk]

    def column(chunk):
        texts = cell.load([row[0] for row in chunk])
        return [texts.get(row[0], "") for row in chunk]

    return column


def _first_row_column(plan: _Plan, cell: FirstRowCell) -> Callable:
    """The texts of a first-row cell's values for the chunk (`column_chunks` reads them)."""
    number, texts = len(plan.first_rows), cell.texts
    plan.first_rows.append(cell)
    return lambda chunk: texts(plan.first_values[number])
