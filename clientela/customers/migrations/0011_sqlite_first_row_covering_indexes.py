"""SQLite only: the first-row covering indexes of 0009 in the form SQLite can use.

SQLite has no INCLUDE, so the value shown (email, number, company) is the last key column. An export
looks a chunk's contacts up in each table (`workspace_id = … AND contact_id IN (…)`, `registry.export_cells`):
with the foreign-key index alone each of the 5,000 contacts costs a read of its row in the table, with these
the index alone answers. At 1M contacts a CSV export took 26.4–29.5 s instead of 36.5 s; importing 100,000
contacts, which writes to all three tables, took as long as before (72.4 s, 72.0 s without them).

They do not hold the row's id and label, as PostgreSQL's do since 0012 for the API's and the sync feed's reads of
a range of contacts: on SQLite the wider entries made the export slower (27.3 s → 33.6 s, its CPU 52.5 → 63.7 s)
for a gain in the sync replay that this host's noise hides (65.6 s narrow, 59.3 s wide, in different runs).

Tables with rows are analysed after, as in 0007.
"""

from django.db import migrations

FIRST = "(workspace_id, contact_id, is_primary DESC, created_at, {value})"
COVERING = {
    "email_contact_first_idx": ("customers_emailaddress", FIRST.format(value="email")),
    "phone_contact_first_idx": ("customers_phonenumber", FIRST.format(value="number")),
    "affiliation_contact_first_idx": ("customers_affiliation", FIRST.format(value="company_id")),
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
