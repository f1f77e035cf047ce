"""PostgreSQL only: covering indexes for a contact's first email, phone and affiliation.

Exports show a contact's primary email, phone and company: the first of its rows in the order
`(is_primary DESC, created_at)`. These indexes hold that order and the value shown, so both ways
`registry.export_cells` reads them are index-only (the bench VACUUMs after its build; a live database
has autovacuum keep the visibility map):

- a short export looks its chunk's contacts up (`contact_id = ANY(…)`): at 1M contacts the phone
  and affiliation lookups of a chunk of 5,000 scanned their whole tables (70 and 100 ms, in parallel
  workers); now 20 and 40 ms, the email one ~25 ms either way;
- a long one reads each table once in this order (`DISTINCT ON (contact_id)`), with no sort.

SQLite keeps the foreign-key indexes it has.
"""

from django.db import migrations

FIRST = "(workspace_id, contact_id, is_primary DESC, created_at)"
COVERING = {
    "email_contact_first_idx": ("customers_emailaddress", f"{FIRST} INCLUDE (email)"),
    "phone_contact_first_idx": ("customers_phonenumber", f"{FIRST} INCLUDE (number)"),
    "affiliation_contact_first_idx": ("customers_affiliation", f"{FIRST} INCLUDE (company_id)"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, columns) in COVERING.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} {columns}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in COVERING:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0008_affiliation_ordering"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
