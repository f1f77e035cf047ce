"""The fast row source of exports: column values read with `values_list`, texts from per-export maps.

A list page shows 25 records, so building model instances and prefetching their related rows is fine
there; an export of a million records cannot afford it (Django's prefetch alone builds a queryset per
record). Here each column becomes a *getter* over the plain row tuple, and everything that needs a
lookup (owner names, tags, picklist labels, related rows such as a contact's primary email) is loaded
once per chunk of rows, or cached per distinct value. The texts are the same functions the list and
detail pages use (`display.field_display`, `customization.kinds.display`, picklist labels), so the
output is identical to the instance-based path — `tests/test_exports.py` compares both.

A computed column (a model method such as `Contact.primary_email`) has no field to read: its app
registers how to compute it from the row or from related rows with `register_cell`. An entity with an
unregistered computed column falls back to the instance path (`exports.instance_rows`).
"""

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models
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
    """`column IN ids`; on PostgreSQL as one array parameter, which converts far faster than 5,000 parameters."""
    if connections[queryset.db].vendor != "postgresql":
        return queryset.filter(**{f"{column}__in": ids})
    model = queryset.model
    db_column = model._meta.get_field(column).column
    return queryset.extra(where=[f'"{model._meta.db_table}"."{db_column}" = ANY(%s)'], params=[list(ids)])  # noqa: S610


def first_by(rows, key_index: int = 0, text=str) -> dict:
    """{key: text of the first row for that key}, for rows already in the order the page shows them."""
    found: dict = {}
    for row in rows:
        if row[key_index] not in found:
            found[row[key_index]] = text(row)
    return found


class _Plan:
    """Which fields to read and, per column, a getter `(row, chunk_maps) -> str`."""

    def __init__(self):
        self.fields: list[str] = ["pk"]
        self.getters: list[Callable] = []
        self.chunk_loaders: list[Callable] = []  # (rows) -> None, filling a map the getters read

    def index(self, name: str) -> int:
        if name not in self.fields:
            self.fields.append(name)
        return self.fields.index(name)


def plan_for(entity, columns: list[str]) -> _Plan | None:
    """The fast plan for these columns, or None when a computed column has no registered cell."""
    plan = _Plan()
    for name in columns:
        getter = _getter(entity, plan, name)
        if getter is None:
            return None
        plan.getters.append(getter)
    return plan


def rows(plan: _Plan, queryset):
    """The rows' texts, chunk by chunk (the query is streamed: a server-side cursor on PostgreSQL)."""
    source = queryset.prefetch_related(None).select_related(None).values_list(*plan.fields)
    chunk = []
    for row in source.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield from _chunk_texts(plan, chunk)
            chunk = []
    if chunk:
        yield from _chunk_texts(plan, chunk)


def _chunk_texts(plan: _Plan, chunk: list):
    for load in plan.chunk_loaders:
        load(chunk)
    getters = plan.getters
    for row in chunk:
        yield [get(row) for get in getters]


def _getter(entity, plan: _Plan, name: str):
    model = entity.model
    if name == "id":
        return lambda row: str(row[0])
    if definition := entity.custom(name):
        return _custom_getter(plan, definition)
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return _computed_getter(plan, model, name)
    if field.many_to_many:
        return _many_getter(plan, model, field)
    if field.many_to_one or field.one_to_one:
        return _foreign_getter(plan, field)
    if not field.concrete:
        return None
    at = plan.index(field.attname)
    text = _value_text(entity, model, field)
    return lambda row: text(row[at])


def _cached(text: Callable) -> Callable:
    cache: dict = {}

    def get(value):
        try:
            return cache[value]
        except KeyError:
            if len(cache) >= CACHE_MAX:
                cache.clear()
            result = cache[value] = text(value)
            return result
        except TypeError:  # unhashable
            return text(value)

    return get


def _value_text(entity, model, field) -> Callable:
    """value -> text, as `display.field_display` would render it on an instance."""
    if field.choices:
        from clientela.customization import picklists

        return _cached(lambda v: "" if v in (None, "") else str(
            picklists.option_label(entity.key, field.name, v, field)))
    if isinstance(field, models.DateTimeField):
        return _datetime_text()
    if isinstance(field, models.DateField):
        return _cached(lambda v: "" if v is None else formats.date_format(v, "SHORT_DATE_FORMAT"))
    if isinstance(field, models.BooleanField):
        yes, no = gettext("Yes"), gettext("No")
        return lambda v: "" if v in (None, "") else (yes if v else no)
    if type(field).__module__.startswith("django.db.models"):
        return lambda v: "" if v is None or v == "" else str(v)

    def through_instance(value):  # a third-party field (a country): its descriptor gives the displayed value
        instance = model()
        setattr(instance, field.attname, value)
        return field_display(instance, field.name)

    return _cached(through_instance)


DATE_CHARS = frozenset("dDjlNSwzWmMnbEFtLoyY")  # dateformat characters that depend on the day only
TIME_CHARS = frozenset("aAPfgGhHi")  # ... and those that depend on the hour and minute only


def _datetime_text() -> Callable:
    """Local short date-time, exactly as `date_format(localtime(v), "SHORT_DATETIME_FORMAT")` writes it.

    Formatting is the costliest part of an export, so the format is split into its characters once;
    the day's part is cached per local day and the time's part per hour and minute.
    """
    fmt, zone = formats.get_format("SHORT_DATETIME_FORMAT"), timezone.get_current_timezone()
    pieces, escaped = [], False
    for char in fmt:
        if escaped or char not in DATE_CHARS | TIME_CHARS:
            if not escaped and char == "\\":
                escaped = True
                continue
            if not escaped and char.isalpha():  # finer than minutes (seconds, offsets…): no cache
                return lambda v: "" if v is None else dateformat.format(timezone.localtime(v, zone), fmt)
            pieces.append((None, char))
            escaped = False
        else:
            pieces.append(("date" if char in DATE_CHARS else "time", char))
    days, minutes = {}, {}

    def text(value):
        if value is None:
            return ""
        local = timezone.localtime(value, zone)
        day, minute = local.date(), (local.hour, local.minute)
        if (day_parts := days.get(day)) is None:
            day_parts = days[day] = {c: dateformat.format(local, c) for kind, c in pieces if kind == "date"}
        if (time_parts := minutes.get(minute)) is None:
            time_parts = minutes[minute] = {c: dateformat.format(local, c) for kind, c in pieces if kind == "time"}
        return "".join(c if kind is None else (day_parts if kind == "date" else time_parts)[c] for kind, c in pieces)

    return text


def _related_texts(related_model, ids) -> dict:
    return {obj.pk: str(obj) for obj in with_ids(related_model._base_manager.all(), "id", ids)} \
        if related_model._meta.pk.name == "id" else {obj.pk: str(obj) for obj in related_model._base_manager.filter(pk__in=ids)}


def _foreign_getter(plan: _Plan, field) -> Callable:
    """A foreign key shows the related record's name; names are loaded once per distinct id."""
    at = plan.index(field.attname)
    names: dict = {}

    def load(chunk):
        if len(names) >= CACHE_MAX:
            names.clear()
        missing = {row[at] for row in chunk if row[at] is not None} - names.keys()
        if missing:
            names.update(_related_texts(field.related_model, missing))

    plan.chunk_loaders.append(load)
    return lambda row: "" if row[at] is None else names.get(row[at], "")


def _many_getter(plan: _Plan, model, field) -> Callable:
    """A many-to-many field: the related names, sorted, comma-separated (one through-table query per chunk)."""
    through = field.remote_field.through
    source = field.m2m_field_name()
    target = field.m2m_reverse_field_name()
    names: dict = {}
    values: dict = {}

    def load(chunk):
        values.clear()
        if len(names) >= CACHE_MAX:
            names.clear()
        links = list(with_ids(through._base_manager.all(), source, [row[0] for row in chunk])
                     .values_list(f"{source}_id", f"{target}_id"))
        missing = {t for _s, t in links} - names.keys()
        if missing:
            names.update(_related_texts(field.related_model, missing))
        for record, linked in links:
            values.setdefault(record, []).append(names[linked])

    plan.chunk_loaders.append(load)
    return lambda row: ", ".join(sorted(values.get(row[0], ())))


def _custom_getter(plan: _Plan, definition) -> Callable:
    from clientela.customization.kinds import display
    from clientela.customization.models import FieldKind
    from clientela.customization.picklists import custom_option_label

    at, key = plan.index("custom"), definition.key
    if definition.kind == FieldKind.LOOKUP:
        return _lookup_getter(plan, definition, at)
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

    return get


def _lookup_getter(plan: _Plan, definition, at: int) -> Callable:
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

    plan.chunk_loaders.append(load)

    def get(row):
        value = (row[at] or {}).get(key)
        return names.get(str(value), str(value)) if value else display(definition, value)

    return get


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _computed_getter(plan: _Plan, model, name: str):
    cell = _cells.get((model, name))
    if cell is None:
        return None
    if isinstance(cell, RowCell):
        positions = [plan.index(f) for f in cell.fields]
        text = cell.text
        return lambda row: text(*(row[p] for p in positions))
    texts: dict = {}

    def load(chunk):
        texts.clear()
        texts.update(cell.load([row[0] for row in chunk]))

    plan.chunk_loaders.append(load)
    return lambda row: texts.get(row[0], "")

