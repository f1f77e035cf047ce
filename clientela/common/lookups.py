"""`AnyOf`: a column among many values, with the values sent as cheaply as the database allows."""

import uuid
from datetime import date
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models import Lookup


class AnyOf(Lookup):
    """`filter(AnyOf(F("contact_id"), ids))` or `filter(AnyOf(Lower("email"), keys))`: the left side among `values`.

    Django's `__in` lookup resolves and prepares each of thousands of values on its own, and psycopg sends a
    list of UUIDs as that many parameters, dumped one by one: either costs about as much as the query. On
    PostgreSQL the values go as one array literal, a single string parameter (`= ANY(%s::uuid[])`, served by
    the same index as `IN`); elsewhere as an `IN` list of values converted once by the column's field."""

    lookup_name = "any_of"
    prepare_rhs = False  # the values are converted once, in `as_sql`
    output_field = models.BooleanField()  # one for all (`Lookup` builds a field for each lookup)

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        if connection.vendor == "postgresql":
            kind = "text" if isinstance(field, models.CharField | models.TextField) else field.db_type(connection)
            values = [value if isinstance(value, uuid.UUID | int) else str(value) for value in self.rhs]
            return f"{lhs} = ANY(%s::{kind}[])", [*params, array_literal(values)]
        values = [field.get_db_prep_value(value, connection) for value in self.rhs]
        if not values:
            raise EmptyResultSet
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


def array_literal(values) -> str | None:
    """A PostgreSQL array literal of the values, to send as one string parameter: psycopg dumps a list one value at
    a time, in Python. Texts, times and dates are quoted (their quotes and backslashes escaped), None is NULL; None
    is returned when a value is of another kind (a JSON adapter), for the caller to send the list as it is."""
    items = []
    for value in values:
        if isinstance(value, str):
            items.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
        elif isinstance(value, uuid.UUID):
            items.append(value.hex)
        elif value is None:
            items.append("NULL")
        elif isinstance(value, bool):
            items.append("t" if value else "f")
        elif isinstance(value, int | float | Decimal):
            items.append(str(value))
        elif isinstance(value, date):  # and times
            items.append(f'"{value.isoformat()}"')
        else:
            return None
    return "{" + ",".join(items) + "}"
