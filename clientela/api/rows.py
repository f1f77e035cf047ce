"""Raw updates of many rows for the bulk endpoint, converted by the model's fields exactly as `save` does."""

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
