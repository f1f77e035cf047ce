"""Drop contact indexes that others already serve: every index is written on each insert, and on PostgreSQL on
each update of a row (an update that changes `updated_at` is never HOT), so imports and bulk edits paid for them.

- `contact_{first,last,title}_idx` — `(workspace, LOWER(field))`: the covering indexes of 0006 (PostgreSQL) and
  0007 (SQLite) begin with the same columns and are what the list free-text filter reads. Only a search in the
  trash loses them, which `contact_trash_idx` narrows first.
- PostgreSQL only: `contact_name_order_idx` — `(workspace, last_name, first_name) WHERE deleted_at IS NULL`, the
  same keys and condition as 0006's `contact_name_cover_idx`, which also includes the id. SQLite has no such
  covering index and keeps it for the list sorted by name.

On PostgreSQL the first three were also where the planner found its statistics of `LOWER(field)`: it keeps them
for expression indexes, but does not use those of a partial index like the covering ones. Without them it guessed
5,000 matches for any prefix, and global search for "Mart" at 1M contacts read 23,000 rows (75 ms) instead of
walking the name index. Statistics objects on the three expressions (PostgreSQL 14 and later) keep them, at no
cost to writes; the table is analysed so they exist at once.
"""

from django.db import migrations

NAME_ORDER = "contact_name_order_idx"
STATISTICS = {"contact_first_lower_stats": "first_name", "contact_last_lower_stats": "last_name",
              "contact_title_lower_stats": "job_title"}


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME_ORDER}")
    for name, column in STATISTICS.items():
        schema_editor.execute(f"CREATE STATISTICS IF NOT EXISTS {name} ON (lower({column})) FROM customers_contact")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM customers_contact)")
        if cursor.fetchone()[0]:
            cursor.execute("ANALYZE customers_contact")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in STATISTICS:
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {name}")
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
        migrations.RunPython(forward, backward, elidable=False),
    ]
