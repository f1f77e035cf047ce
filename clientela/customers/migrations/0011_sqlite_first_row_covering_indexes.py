"""SQLite only: the first-row covering indexes of 0009 (as widened by 0012) in the form SQLite can use.

SQLite has no INCLUDE, so the columns read are the last key columns. Two reads use them:

- an export looks a chunk's contacts up in each table (`workspace_id = … AND contact_id IN (…)`,
  `registry.export_cells`): with the foreign-key index alone each of the 5,000 contacts costs a read of its
  row in the table. At 1M contacts a CSV export took 26.4 s instead of 36.5 s;
- API lists and sync pages read each table's rows for a range of contacts (`api.representation`), with
  the row's id and label (a company link's role) as well.

Importing 100,000 contacts, which writes to all three tables, took as long as before (72.4 s, 72.0 s
without them). Tables with rows are analysed after, as in 0007.
"""

from django.db import migrations

FIRST = "(workspace_id, contact_id, is_primary DESC, created_at, {value}, id, {label})"
COVERING = {
    "email_contact_first_idx": ("customers_emailaddress", FIRST.format(value="email", label="label")),
    "phone_contact_first_idx": ("customers_phonenumber", FIRST.format(value="number", label="label")),
    "affiliation_contact_first_idx": ("customers_affiliation", FIRST.format(value="company_id", label="role")),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, (table, columns) in COVERING.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {columns}")
    with schema_editor.connection.cursor() as cursor:
        for table, _columns in COVERING.values():
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")  # noqa: S608 - a constant table name
            if cursor.fetchone()[0]:  # statistics for the new index, or the planner may scan it whole
                cursor.execute(f"ANALYZE {table}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for name in COVERING:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0010_drop_redundant_contact_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
