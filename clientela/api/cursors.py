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
from django.utils.translation import gettext as _

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


class Keyset:
    """The ordering of one list sort, and the filter for "after this row"."""

    def __init__(self, entity: Entity, sort: str):
        self.sort, self.descending = sort, sort.startswith("-")
        self.paths = [*entity.order_fields(sort.lstrip("-")), "pk"]
        self.fields, self.nullable = zip(*(_resolve(entity.model, path) for path in self.paths), strict=True)

    @property
    def key_names(self) -> list[str]:
        """The annotations `order` adds: a row's sort values, which `cursor` reads."""
        return [_KEY.format(i) for i in range(len(self.paths) - 1)]

    def order(self, queryset):
        keys = {_KEY.format(i): F(path) for i, path in enumerate(self.paths[:-1])}
        return queryset.annotate(**keys).order_by(*(self._term(path, nullable)
                                                    for path, nullable in zip(self.paths, self.nullable, strict=True)))

    def _term(self, path: str, nullable: bool):
        """The ORDER BY term. NULLS FIRST/LAST only on a column that may hold nulls: PostgreSQL does not read
        `DESC NULLS LAST` off an ascending index, even for a NOT NULL column, and sorts every match instead."""
        if not nullable:
            return F(path).desc() if self.descending else F(path).asc()
        return F(path).desc(nulls_last=True) if self.descending else F(path).asc(nulls_first=True)

    def cursor(self, row) -> str:
        values = [getattr(row, _KEY.format(i)) for i in range(len(self.paths) - 1)] + [row.pk]
        raw = json.dumps({"s": self.sort, "k": values}, cls=_ExactEncoder, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def _after(self, path: str, nullable: bool, value) -> Q:
        if value is None:  # null is the smallest value
            return Q(pk__in=[]) if self.descending else Q(**{f"{path}__isnull": False})
        beyond = Q(**{f"{path}__{'lt' if self.descending else 'gt'}": value})
        return beyond | Q(**{f"{path}__isnull": True}) if self.descending and nullable else beyond

    @staticmethod
    def _equal(path: str, value) -> Q:
        return Q(**{f"{path}__isnull": True}) if value is None else Q(**{path: value})

    def after(self, queryset, cursor: str):
        values = self._decode(cursor)
        condition, prefix = Q(pk__in=[]), Q()
        for path, nullable, value in zip(self.paths, self.nullable, values, strict=True):
            condition |= prefix & self._after(path, nullable, value)
            prefix &= self._equal(path, value)
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
