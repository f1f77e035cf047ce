"""PostgreSQL only: covering indexes so the list free-text filter and global search read indexes, not rows.

- `contact_{first,last,title}_cover_idx` — `(workspace, LOWER(field)) INCLUDE (field, updated_at, id)
  WHERE deleted_at IS NULL`: each free-text term is an index-only scan (`registry.text_search`); `field`
  is included because PostgreSQL needs the column itself to re-check `LOWER(field) LIKE 'x%'` without
  reading the row.
- `contact_name_cover_idx` — `(workspace, last_name, first_name) INCLUDE (id) WHERE deleted_at IS NULL`:
  global search walks names in order and checks the prefix on the index entry (`registry.selectors.search_top`).

SQLite has no INCLUDE and matches `LIKE` prefixes differently; its plans are served by the indexes of
0004/0005 (measured within target), so nothing is created there.
"""

from django.db import migrations

COVERED = {
    "contact_first_cover_idx": "(workspace_id, lower(first_name)) INCLUDE (first_name, updated_at, id)",
    "contact_last_cover_idx": "(workspace_id, lower(last_name)) INCLUDE (last_name, updated_at, id)",
    "contact_title_cover_idx": "(workspace_id, lower(job_title)) INCLUDE (job_title, updated_at, id)",
    "contact_name_cover_idx": "(workspace_id, last_name, first_name) INCLUDE (id)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, columns in COVERED.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON customers_contact {columns} "
                              "WHERE deleted_at IS NULL")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in COVERED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0005_search_order_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
