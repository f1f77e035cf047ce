"""Raw updates of many rows for the bulk endpoint, converted by the model's fields exactly as `save` does."""

# ruff: noqa: S608 - table and column names come from model metadata, values are parameters

import re
from datetime import date, datetime
from uuid import UUID

from django.db import connection

from clientela.common.lookups import array_literal

# Values of these types that are equal (and, for times, in the same time zone) are converted alike.
_SHARED = {str, int, bool, type(None), UUID, date, datetime}
# A column type's length or precision, left out of an array's type: casting to varchar(n) would cut a value too
# long, where the UPDATE refuses it.
_LENGTH = re.compile(r"\(.*\)")


def update_rows(model, records, columns: list[str]) -> None:
    """Write `columns` of every record, found by primary key and workspace, with the values converted by the
    fields exactly as `save` does (`bulk_update`'s CASE WHEN per column grows with the square of the batch)."""
    fields = [model._meta.get_field(name) for name in columns]
    keys = [model._meta.pk, model._meta.get_field("workspace")]
    converters = [(f.attname, _converter(f)) for f in fields]
    rows = [[convert(getattr(record, attname)) for attname, convert in converters]
            + [keys[0].get_db_prep_value(record.pk, connection), record.workspace_id] for record in records]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _update_from_arrays(cursor, model._meta.db_table, fields, keys, rows)
        else:
            _update_each(cursor, model._meta.db_table, fields, keys, rows)


def _update_each(cursor, table: str, fields, keys, rows) -> None:
    """One prepared UPDATE run for every row (SQLite: in-process, a statement costs little)."""
    quote = cursor.db.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    condition = " AND ".join(f"{quote(f.column)} = %s" for f in keys)
    cursor.executemany(f"UPDATE {quote(table)} SET {assignments} WHERE {condition}", rows)


def _update_from_arrays(cursor, table: str, fields, keys, rows) -> None:
    """PostgreSQL: one UPDATE … FROM unnest(one array per column), rather than a statement per row to send. Each
    array goes as one literal where its values allow (`array_literal`: psycopg dumps a list value by value)."""
    quote = cursor.db.ops.quote_name
    columns = [*fields, *keys]
    names = [f"v{index}" for index in range(len(columns))]
    arrays = ", ".join(f"%s::{_LENGTH.sub('', f.db_type(cursor.db))}[]" for f in columns)
    assignments = ", ".join(f"{quote(f.column)} = v.{name}" for f, name in zip(fields, names, strict=False))
    condition = " AND ".join(f"{quote(table)}.{quote(f.column)} = v.{name}"
                             for f, name in zip(keys, names[len(fields):], strict=True))
    cursor.execute(f"UPDATE {quote(table)} SET {assignments} FROM unnest({arrays}) AS v({', '.join(names)}) "
                   f"WHERE {condition}", [_array_of(column) for column in zip(*rows, strict=True)])


def _array_of(values: tuple):
    literal = array_literal(values)
    return list(values) if literal is None else literal


def _converter(field):
    """`field.get_db_prep_save`, remembered per value: the rows of a batch mostly share theirs (the time and the
    user of the change, the value a bulk change sets), and converting a value costs more than looking it up."""
    seen: dict = {}

    def convert(value):
        kind = type(value)
        if kind not in _SHARED:
            return field.get_db_prep_save(value, connection)
        key = (kind, value, value.tzinfo if kind is datetime else None)
        if key not in seen:
            seen[key] = field.get_db_prep_save(value, connection)
        return seen[key]

    return convert
