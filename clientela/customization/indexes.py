"""Expression indexes for custom fields, on PostgreSQL and SQLite, created and dropped with the fields.

Values live in each record's `custom` JSON column, so a filter or sort on a custom field is a scan
unless an index is built on exactly the expression the query uses. `CustomValue` / `CustomText` are
those expressions, with the key written into the SQL (SQLite matches a query to an expression index
only when the text is the same: a bound parameter for the JSON path would never match). Queries
(`registry.custom_fields`) and indexes (below) both use them, so they cannot drift apart.

One set of indexes per (record type, key), shared by every workspace with that key, all partial on
live records `(workspace_id, <value>, …) WHERE deleted_at IS NULL`:

- `_o` (sort): `(workspace_id, value, id)` — a list sorted by the field reads the index in order;
- `_f` (filter, picklists): `(workspace_id, value, updated_at, id)` — a picklist filter with the
  default sort (last change) reads one index range in order;
- `_s` (search, text kinds): `(workspace_id, LOWER(text))` — prefix search in lists and global search.

`custom_field_indexes_sync(entity)` makes the database match the live definitions of all workspaces:
missing indexes are built (CONCURRENTLY on PostgreSQL when not inside a transaction), indexes of
fields that no workspace has any more (trashed, renamed key, changed kind) are dropped.
"""

import hashlib
import json
from collections.abc import Callable

from django.db import connection, models, transaction
from django.db.models import F, Func

from .kinds import KEY_PATTERN
from .models import FieldDefinition, FieldKind

SEARCH_KINDS = {FieldKind.TEXT, FieldKind.EMAIL, FieldKind.PHONE, FieldKind.URL}  # long text: too long to index
SORT_KINDS = SEARCH_KINDS | {FieldKind.INTEGER, FieldKind.DECIMAL, FieldKind.CURRENCY, FieldKind.PERCENT,
                             FieldKind.DATE, FieldKind.DATETIME, FieldKind.PICKLIST}
FILTER_KINDS = {FieldKind.PICKLIST}
PREFIX = "cf_"


def indexable_key(key: str) -> bool:
    """Keys are written into SQL text, so only the validated slug form is accepted."""
    return bool(KEY_PATTERN.match(key or ""))


class CustomValue(Func):
    """The stored JSON value of a custom field: `custom -> 'key'` (PostgreSQL), `JSON_EXTRACT(custom, '$."key"')`."""

    text = False

    def __init__(self, key: str, **extra):
        if not indexable_key(key):
            raise ValueError(f"not a custom field key: {key!r}")
        self.key = key
        super().__init__(F("custom"), output_field=models.TextField() if self.text else models.JSONField(), **extra)

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            return f"({column} {'->>' if self.text else '->'} '{self.key}')", params
        return f"JSON_EXTRACT({column}, '$.\"{self.key}\"')", params  # text for strings, numbers for numbers


class CustomText(CustomValue):
    """The value as text (`->>` on PostgreSQL; SQLite's JSON_EXTRACT already returns text for strings)."""

    text = True


class JsonLiteral(Func):
    """A value compared with `CustomValue`: jsonb on PostgreSQL, the SQL value JSON_EXTRACT yields on SQLite."""

    def __init__(self, value):
        self.value = json.dumps(value)
        super().__init__(output_field=models.JSONField())

    def as_sql(self, compiler, connection, **extra):
        if connection.vendor == "postgresql":
            return "%s::jsonb", [self.value]
        return "JSON_EXTRACT(%s, '$')", [self.value]


def _name(entity: str, key: str, purpose: str) -> str:
    name = f"{PREFIX}{entity}_{key}_{purpose}"
    if len(name) > 63:  # PostgreSQL's limit on identifiers
        name = f"{PREFIX}{entity[:20]}_{hashlib.sha1(key.encode()).hexdigest()[:16]}_{purpose}"  # noqa: S324
    return name


def field_indexes(model, entity: str, key: str, kind: str) -> list[models.Index]:
    """The indexes a field of this kind needs (none for kinds nobody sorts, filters or searches by index)."""
    if not indexable_key(key):
        return []
    live = models.Q(deleted_at__isnull=True)
    indexes = []
    if kind in SORT_KINDS:
        indexes.append(models.Index(F("workspace"), CustomValue(key), F("id"), name=_name(entity, key, "o"),
                                    condition=live))
    if kind in FILTER_KINDS:
        indexes.append(models.Index(F("workspace"), CustomValue(key), F("updated_at"), F("id"),
                                    name=_name(entity, key, "f"), condition=live))
    if kind in SEARCH_KINDS:
        indexes.append(models.Index(F("workspace"), models.functions.Lower(CustomText(key)),
                                    name=_name(entity, key, "s"), condition=live))
    return indexes


_model_for: Callable[[str], type | None] = lambda entity: None  # noqa: E731 - set by the registry


def register_model_resolver(resolver: Callable[[str], type | None]) -> None:
    """The registry tells which model an entity key stands for (this layer may not import it)."""
    global _model_for
    _model_for = resolver


def _existing(model) -> dict[str, bool]:
    """{index name: usable} of this table's custom-field indexes (a failed concurrent build is unusable)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        names = [n for n in connection.introspection.get_constraints(cursor, table) if n.startswith(PREFIX)]
        if connection.vendor != "postgresql" or not names:
            return dict.fromkeys(names, True)
        cursor.execute("SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                       "WHERE c.relname = ANY(%s)", [names])
        return dict(cursor.fetchall())


def custom_field_indexes_sync(entity: str) -> tuple[list[str], list[str]]:
    """Build the indexes the live custom fields of `entity` need and drop the others. Returns (built, dropped)."""
    model = _model_for(entity)
    if model is None:
        return [], []
    live = FieldDefinition.unscoped.filter(entity=entity, deleted_at__isnull=True).values_list("key", "kind")
    wanted = {index.name: index for key, kind in live.distinct() for index in field_indexes(model, entity, key, kind)}
    existing = _existing(model)
    concurrently = connection.vendor == "postgresql" and not connection.in_atomic_block
    dropped = [n for n, usable in existing.items() if n not in wanted or not usable]
    built = [n for n in wanted if not existing.get(n)]
    editor = connection.schema_editor()  # only to write the SQL: SQLite's refuses to open inside a transaction
    options = {"concurrently": True} if concurrently else {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and connection.in_atomic_block and (dropped or built):
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # DDL refuses to run with deferred checks pending
        for name in dropped:
            cursor.execute(f"DROP INDEX {'CONCURRENTLY ' if concurrently else ''}IF EXISTS {editor.quote_name(name)}")
        for name in built:
            quoted = editor.quote_name(name)
            sql = str(wanted[name].create_sql(model, editor, **options))
            cursor.execute(sql.replace(f" {quoted} ", f" IF NOT EXISTS {quoted} ", 1))
    return built, dropped


def custom_field_indexes_sync_later(entity: str) -> None:
    """After the definition change commits: building an index on a big table must not hold its transaction."""
    transaction.on_commit(lambda: custom_field_indexes_sync(entity))
