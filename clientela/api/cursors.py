"""Keyset ("cursor") pagination: the next page starts after the last row's sort key and primary key.

Unlike an offset, a cursor does not shift when rows are added before it, so a client paging through
a list while others insert records neither skips nor repeats a row. The cursor is opaque to clients:
URL-safe base64 of JSON {"s": sort, "k": [sort values…, pk]}. Nulls sort first ascending, last
descending, the same on every database.
"""

import base64
import binascii
import json
import math
from datetime import datetime, time

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import F, Q
from django.db.models.lookups import Exact, GreaterThan, IsNull, LessThan
from django.utils.translation import gettext as _

from clientela.customization.indexes import CustomValue, JsonLiteral, indexable_key
from clientela.registry.entities import Entity

from .problems import BadRequest

_KEY = "_cursor_{}"


class _ExactEncoder(DjangoJSONEncoder):
    """Times to the microsecond, as stored: Django's encoder cuts them to milliseconds, and a cursor cut so
    skipped (descending) or repeated (ascending) the records saved within the same millisecond."""

    def default(self, o):
        if isinstance(o, datetime | time):
            return o.isoformat()
        return super().default(o)


def _resolve(model, path: str):
    """(the field a sort path ends on or None for a key inside a JSON field, whether it may be null)."""
    if path == "pk":
        return model._meta.pk, False
    nullable = False
    names = path.split("__")
    for index, name in enumerate(names):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None, True
        nullable = nullable or field.null
        if not field.is_relation:  # a path that goes on ("custom__seats") names a key inside it, which may be absent
            return (field, nullable) if index == len(names) - 1 else (None, True)
        model = field.related_model
    return model._meta.pk, nullable


def _custom_key(path: str) -> str | None:
    """The key of a custom field a sort path names ("custom__seats"), when its indexes' expression can be used."""
    prefix, _sep, key = path.partition("__")
    return key if prefix == "custom" and indexable_key(key) else None


class Keyset:
    """The ordering of one list sort, and the filter for "after this row".

    A custom field is ordered and compared on the stored JSON value (`CustomValue`, its indexes' expression),
    not on Django's JSON path: on SQLite the path orders a checkbox by the text 'false' / 'true' but compares
    it with 0 / 1, so a page "after" a checked record started again at the first one."""

    def __init__(self, entity: Entity, sort: str):
        self.sort, self.descending = sort, sort.startswith("-")
        self.paths = [*entity.order_fields(sort.lstrip("-")), "pk"]
        self.fields, self.nullable = zip(*(_resolve(entity.model, path) for path in self.paths), strict=True)
        self.custom = [_custom_key(path) for path in self.paths]

    @property
    def key_names(self) -> list[str]:
        """The annotations `order` adds: a row's sort values, which `cursor` reads."""
        return [_KEY.format(i) for i in range(len(self.paths) - 1)]

    def order(self, queryset):
        keys = {_KEY.format(i): F(path) for i, path in enumerate(self.paths[:-1])}
        return queryset.annotate(**keys).order_by(*(self._term(index) for index in range(len(self.paths))))

    def _term(self, index: int):
        """The ORDER BY term. NULLS FIRST/LAST only on a column that may hold nulls: PostgreSQL does not read
        `DESC NULLS LAST` off an ascending index, even for a NOT NULL column, and sorts every match instead."""
        key, value = self.custom[index], F(self.paths[index])
        value = CustomValue(key) if key else value
        if not self.nullable[index]:
            return value.desc() if self.descending else value.asc()
        return value.desc(nulls_last=True) if self.descending else value.asc(nulls_first=True)

    def cursor(self, row) -> str:
        values = [getattr(row, _KEY.format(i)) for i in range(len(self.paths) - 1)] + [row.pk]
        raw = json.dumps({"s": self.sort, "k": values}, cls=_ExactEncoder, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def _compare(self, index: int, lookup: str, value) -> Q:
        path, key = self.paths[index], self.custom[index]
        if key is None:
            return Q(**{f"{path}__{lookup}": value})
        stored = CustomValue(key)
        if lookup == "isnull":
            return Q(IsNull(stored, value))
        return Q({"exact": Exact, "gt": GreaterThan, "lt": LessThan}[lookup](stored, JsonLiteral(value)))

    def _after(self, index: int, value) -> Q:
        if value is None:  # null is the smallest value
            return Q(pk__in=[]) if self.descending else self._compare(index, "isnull", False)
        beyond = self._compare(index, "lt" if self.descending else "gt", value)
        return beyond | self._compare(index, "isnull", True) if self.descending and self.nullable[index] else beyond

    def _equal(self, index: int, value) -> Q:
        return self._compare(index, "isnull", True) if value is None else self._compare(index, "exact", value)

    def after(self, queryset, cursor: str):
        values = self._decode(cursor)
        condition, prefix = Q(pk__in=[]), Q()
        for index, value in enumerate(values):
            condition |= prefix & self._after(index, value)
            prefix &= self._equal(index, value)
        try:
            return queryset.filter(condition)
        except (ValidationError, ValueError, TypeError) as exc:
            raise _invalid() from exc

    def _decode(self, cursor: str) -> list:
        try:
            data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
            raise _invalid() from exc
        if not isinstance(data, dict) or data.get("s") != self.sort:
            raise _invalid(_("This cursor belongs to another sort order; start again without a cursor."))
        values = data.get("k")
        if (not isinstance(values, list) or len(values) != len(self.paths) or values[-1] is None
                or not all(_bindable(value) for value in values)):
            raise _invalid()
        try:
            return [value if value is None or field is None else field.to_python(value)
                    for field, value in zip(self.fields, values, strict=True)]
        except (ValidationError, ValueError, TypeError) as exc:
            raise _invalid() from exc


def _bindable(value) -> bool:
    """A value `cursor` can have written, which both databases can compare: a key of a custom field is used as
    it is (no model field converts it), so an object, a list, an integer past 64 bits, NaN or a NUL would reach
    the database."""
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, str) and "\x00" not in value


def _invalid(message=None) -> BadRequest:
    return BadRequest("cursor", "invalid_cursor",
                      message or _("This cursor is not valid; use the “next_cursor” of a previous page."))
