"""Values as the database stores them, read without Django's conversion of each one.

Django passes every value a query returns through its field's converters. Where the database has no UUID type
(SQLite), that is a `UUID(text)` per key, which costs more than the rest of a row when a sync page or an export
reads hundreds of thousands of them. `Stored` reads a column as the driver gives it; `uuid_of` builds the `UUID`
of a stored key by the cheapest path, when one is needed at all.
"""

from uuid import UUID, SafeUUID

from django.db import models
from django.db.models import Func


class Stored(Func):
    """A column as the database driver gives it (on SQLite a UUID is its 32 hex digits)."""

    template = "%(expressions)s"
    output_field = models.Field()


def uuid_of(stored: str, new=object.__new__, assign=object.__setattr__, unknown=SafeUUID.unknown) -> UUID:
    """`UUID(stored)`, built without `UUID.__init__`'s parsing when `stored` is the 32 hex digits Django stores, or
    the canonical text PostgreSQL writes (`__init__` makes the same `int(stored, 16)` of them, after checks that cost
    more than the rest; the defaults are bound once, looking them up costs as much again)."""
    if len(stored) == 36 and stored[8] == stored[13] == stored[18] == stored[23] == "-":
        stored = stored.replace("-", "")
    if len(stored) != 32 or not stored.isalnum():
        return UUID(stored)
    key = new(UUID)
    assign(key, "int", int(stored, 16))
    assign(key, "is_safe", unknown)
    return key
