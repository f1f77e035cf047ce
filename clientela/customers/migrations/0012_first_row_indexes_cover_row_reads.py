"""PostgreSQL: the first-row covering indexes of 0009 also hold each row's id and label (a company link's role).

API lists and sync pages read a contact's emails, phones and company links for a range of contacts
(`api.representation`): with 0009's indexes each row was read from the table as well. A replay of the sync
feed is mostly such pages; at 1M contacts a whole replay took 43.5 s instead of 63.8 s. Exports read the same
indexes as before. SQLite keeps 0011's narrower form (see there).
"""

from django.db import migrations

FIRST = "(workspace_id, contact_id, is_primary DESC, created_at)"
TABLES = {
    "email_contact_first_idx": ("customers_emailaddress", "email", "label"),
    "phone_contact_first_idx": ("customers_phonenumber", "number", "label"),
    "affiliation_contact_first_idx": ("customers_affiliation", "company_id", "role"),
}


def _replace(schema_editor, include) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, value, label) in TABLES.items():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(f"CREATE INDEX {name} ON {table} {FIRST} INCLUDE ({include(value, label)})")


def widen(apps, schema_editor):
    _replace(schema_editor, lambda value, label: f"{value}, id, {label}")


def narrow(apps, schema_editor):
    _replace(schema_editor, lambda value, label: value)


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0011_sqlite_first_row_covering_indexes"),
    ]

    operations = [migrations.RunPython(widen, narrow, elidable=False)]
