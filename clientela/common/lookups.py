"""`AnyOf`: a column among many values, with the values sent as cheaply as the database allows."""

import uuid

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
            return f"{lhs} = ANY(%s::{kind}[])", [*params, _array_literal(self.rhs)]
        values = [field.get_db_prep_value(value, connection) for value in self.rhs]
        if not values:
            raise EmptyResultSet
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


def _array_literal(values) -> str:
    """A PostgreSQL array literal of UUIDs, integers or texts (texts quoted, their quotes and backslashes escaped)."""
    return "{" + ",".join([value.hex if isinstance(value, uuid.UUID) else str(value) if isinstance(value, int)
                           else '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
                           for value in values]) + "}"
