"""Drop contact indexes that others already serve: every index is written on each insert, and on PostgreSQL on
each update of a row (an update that changes `updated_at` is never HOT), so imports and bulk edits paid for them.

- `contact_{first,last,title}_idx` — `(workspace, LOWER(field))`: the covering indexes of 0006 (PostgreSQL) and
  0007 (SQLite) begin with the same columns and are what the list free-text filter reads. Only a search in the
  trash loses them, which `contact_trash_idx` narrows first.
- PostgreSQL only: `contact_name_order_idx` — `(workspace, last_name, first_name) WHERE deleted_at IS NULL`, the
  same keys and condition as 0006's `contact_name_cover_idx`, which also includes the id. SQLite has no such
  covering index and keeps it for the list sorted by name.
"""

from django.db import migrations

NAME_ORDER = "contact_name_order_idx"


def drop_name_order(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {NAME_ORDER}")


def create_name_order(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NAME_ORDER} ON customers_contact "
                              "(workspace_id, last_name, first_name) WHERE deleted_at IS NULL")


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0009_first_row_covering_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="contact", name="contact_first_idx"),
        migrations.RemoveIndex(model_name="contact", name="contact_last_idx"),
        migrations.RemoveIndex(model_name="contact", name="contact_title_idx"),
        migrations.RunPython(drop_name_order, create_name_order, elidable=False),
    ]
