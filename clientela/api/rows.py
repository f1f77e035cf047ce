"""Raw writes of many rows for the bulk endpoint, converted by the model's fields exactly as `save` does."""

from django.db import connection


def update_rows(model, records, columns: list[str]) -> None:
    """One prepared UPDATE by primary key, run for every record: `bulk_update`'s CASE WHEN per column grows
    with the square of the batch on SQLite; values are converted by the fields exactly as `save` does."""
    fields = [model._meta.get_field(name) for name in columns]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = (f"UPDATE {quote(model._meta.db_table)} SET {assignments} "  # noqa: S608 - names from model metadata
           f"WHERE {quote(model._meta.pk.column)} = %s AND {quote('workspace_id')} = %s")
    rows = [[f.get_db_prep_save(getattr(record, f.attname), connection) for f in fields]
            + [model._meta.pk.get_db_prep_value(record.pk, connection), record.workspace_id] for record in records]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def insert_rows(model, rows: list[dict]) -> None:
    """INSERT many rows given as {attname: value}, converted by the model's fields like `save` does."""
    if not rows:
        return
    fields = [model._meta.get_field(name.removesuffix("_id")) if name.endswith("_id") and name != "record_id"
              else model._meta.get_field(name) for name in rows[0]]
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    values = [[f.get_db_prep_save(value, connection) for f, value in zip(fields, row.values(), strict=True)]
              for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
