"""Inserting many model instances: executemany on SQLite, COPY on PostgreSQL.

`bulk_create` prepares every value of every row through the query compiler, which costs more than the
validation of the row; here each column gets one converter, chosen once per model. The instances must be
complete (primary keys and timestamps set), as they are when the importer builds them.
"""

# ruff: noqa: S608 - table and column names come from model metadata, values are parameters

import json
from datetime import UTC

from django.db import connection
from django.db.models.base import ModelState
from django.utils import timezone

_columns_cache: dict = {}


def _converter(field, sqlite: bool):
    target = field.target_field if field.is_relation else field
    kind = target.get_internal_type()
    if not type(target).__module__.startswith("django.db.models"):  # a third-party field converts itself
        return lambda v, f=field: f.get_db_prep_save(v, connection)
    if kind == "JSONField":
        encoder = target.encoder
        return lambda v: None if v is None else json.dumps(v, cls=encoder)
    if not sqlite:
        if kind in ("CharField", "TextField", "EmailField", "UUIDField", "BooleanField", "DateTimeField",
                    "DateField", "PositiveIntegerField", "IntegerField", "BigAutoField", "AutoField",
                    "ForeignKey", "BigIntegerField", "SlugField", "URLField"):
            return None
        return lambda v, f=field: f.get_db_prep_save(v, connection)
    if kind == "UUIDField":
        return lambda v: None if v is None else (v.hex if hasattr(v, "hex") else str(v).replace("-", ""))
    if kind == "DateTimeField":
        return lambda v: None if v is None else v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if kind == "DateField":
        return lambda v: None if v is None else v.isoformat()
    if kind in ("CharField", "TextField", "EmailField", "BooleanField", "PositiveIntegerField", "IntegerField",
                "BigAutoField", "AutoField", "BigIntegerField", "SlugField", "URLField"):
        return None
    return lambda v, f=field: f.get_db_prep_save(v, connection)


def _plan(model):
    key = (model, connection.vendor)
    if key not in _columns_cache:
        sqlite = connection.vendor == "sqlite"
        fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.get_internal_type()
                                                                   in ("AutoField", "BigAutoField"))]
        _columns_cache[key] = (fields, [f.attname for f in fields], [_converter(f, sqlite) for f in fields],
                               [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add",
                                                                                             False)])
    return _columns_cache[key]


class Blank:
    """New instances of a model with its defaults, copied from one built once (`Model()` costs more)."""

    def __init__(self, model):
        self.model = model
        self.template = model().__dict__
        self.fresh = [(f.attname, f.default) for f in model._meta.concrete_fields if f.has_default() and callable(f.default)]

    def __call__(self, **values):
        obj = self.model.__new__(self.model)
        state = dict(self.template)
        for attname, default in self.fresh:
            state[attname] = default()
        state["_state"] = ModelState()
        obj.__dict__ = state
        for name, value in values.items():
            setattr(obj, name, value)
        return obj


def insert_rows(model, rows: list[dict], returning: str = "") -> list | None:
    """Write plain rows (attname -> value, the model's defaults for the rest): no instances at all.
    With `returning` (a column), answer that column of the new rows (the database's ids, say)."""
    if not rows:
        return [] if returning else None
    fields, attnames, converters, _stamped = _plan(model)
    defaults = {f.attname: f.get_default() for f in fields if not (f.has_default() and callable(f.default))}
    fresh = [(f.attname, f.default) for f in fields if f.has_default() and callable(f.default)]
    now = timezone.now()
    values = []
    for row in rows:
        full = {**defaults, "created_at": now, "updated_at": now, **row}
        for attname, default in fresh:
            if attname not in row:
                full[attname] = default()
        values.append(tuple(full[a] if c is None else c(full[a]) for a, c in zip(attnames, converters, strict=True)))
    if returning:
        return _write_returning(model, fields, values, returning)
    _write(model, fields, values)
    return None


def insert(model, objects) -> None:
    """Write the instances in one statement (SQLite) or one COPY (PostgreSQL), in the caller's transaction."""
    if not objects:
        return
    fields, attnames, converters, stamped = _plan(model)
    now = timezone.now()
    rows = []
    for obj in objects:
        for field in stamped:
            if getattr(obj, field.attname) is None:
                setattr(obj, field.attname, now)
        values = obj.__dict__
        rows.append(tuple(values[a] if c is None else c(values[a]) for a, c in zip(attnames, converters,
                                                                                      strict=True)))
        obj._state.adding, obj._state.db = False, connection.alias
    _write(model, fields, rows)


def _write_returning(model, fields, rows, returning: str) -> list:
    """Multi-row INSERTs, as many rows per statement as the database takes parameters."""
    table, column = model._meta.db_table, model._meta.get_field(returning).column
    columns = ", ".join(f'"{f.column}"' for f in fields)
    per_statement = max(1, (connection.features.max_query_params or 65_535) // len(fields))
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    answers = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            cursor.execute(f'INSERT INTO "{table}" ({columns}) VALUES {", ".join([one] * len(chunk))} '
                           f'RETURNING "{column}"', [value for row in chunk for value in row])
            answers += [row[0] for row in cursor.fetchall()]
    return answers


def _write(model, fields, rows) -> None:
    table = model._meta.db_table
    columns = ", ".join(f'"{f.column}"' for f in fields)
    if connection.vendor == "sqlite":
        marks = ", ".join(["%s"] * len(fields))
        with connection.cursor() as cursor:
            cursor.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', rows)
    else:
        with connection.cursor() as cursor, cursor.cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
