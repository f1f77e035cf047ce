"""Inserting many model instances: executemany on SQLite, COPY on PostgreSQL.

`bulk_create` prepares every value of every row through the query compiler, which costs more than the
validation of the row; here each column gets one converter, chosen once per model. The instances must be
complete (primary keys and timestamps set), as `Blank` makes them for the importer. `Blank` and `insert_rows`
give new rows time-ordered primary keys (`common.keys`).
"""

# ruff: noqa: S608 - table and column names come from model metadata, values are parameters

import json
from datetime import UTC
from functools import lru_cache
from operator import itemgetter

from django.db import connection, models
from django.db.models.base import ModelState
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

from .keys import time_ordered

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
    if kind == "DateTimeField":  # a batch's rows share their timestamps
        return lru_cache(maxsize=256)(lambda v: None if v is None else v.astimezone(UTC).replace(tzinfo=None)
                                      .isoformat(" "))
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
        attnames = [f.attname for f in fields]
        _columns_cache[key] = (fields, attnames, _row_builder(attnames, [_converter(f, sqlite) for f in fields]),
                               [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add",
                                                                                             False)])
    return _columns_cache[key]


def _row_builder(attnames: list[str], converters: list):
    """values (attname -> value) -> the row to write: the columns picked at C speed, converters run only
    on the columns that need one."""
    pick = itemgetter(*attnames)
    if len(attnames) == 1:
        pick = (lambda get: lambda values: (get(values),))(pick)
    converted = [(index, convert) for index, convert in enumerate(converters) if convert is not None]
    if not converted:
        return pick

    def build(values: dict) -> list:
        row = list(pick(values))
        for index, convert in converted:
            row[index] = convert(row[index])
        return row

    return build


def _fresh(fields) -> list[tuple]:
    """(attname, make) of the fields whose default is made for each row. A UUID primary key gets a time-ordered
    one (`common.keys`): a batch's rows then sit together in its indexes and in those of foreign keys to them."""
    return [(f.attname, time_ordered if f.primary_key and isinstance(f, models.UUIDField) else f.default)
            for f in fields if f.has_default() and callable(f.default)]


class Blank:
    """New instances of a model with its defaults, copied from one built once (`Model()` costs more)."""

    def __init__(self, model):
        self.model = model
        self.template = model().__dict__
        self.fresh = _fresh(model._meta.concrete_fields)

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
    fields, _attnames, build, _stamped = _plan(model)
    defaults = {f.attname: f.get_default() for f in fields if not (f.has_default() and callable(f.default))}
    fresh = _fresh(fields)
    now = timezone.now()
    values = []
    for row in rows:
        full = {**defaults, "created_at": now, "updated_at": now, **row}
        for attname, default in fresh:
            if attname not in row:
                full[attname] = default()
        values.append(build(full))
    if returning:
        return _write_returning(model, fields, values, returning)
    _write(model, fields, values)
    return None


def insert(model, objects) -> None:
    """Write the instances in one statement (SQLite) or one COPY (PostgreSQL), in the caller's transaction."""
    if not objects:
        return
    fields, _attnames, build, stamped = _plan(model)
    now = timezone.now()
    rows = []
    alias = connection.alias
    for obj in objects:
        values = obj.__dict__
        for field in stamped:
            if values[field.attname] is None:
                values[field.attname] = now
        rows.append(build(values))
        obj._state.adding, obj._state.db = False, alias
    _write(model, fields, rows)


def _write_returning(model, fields, rows, returning: str) -> list:
    """PostgreSQL: one INSERT … SELECT FROM unnest(one array per column). SQLite: multi-row INSERTs, as many
    rows per statement as it takes parameters."""
    table, column = model._meta.db_table, model._meta.get_field(returning).column
    columns = ", ".join(f'"{f.column}"' for f in fields)
    pk = model._meta.pk
    if (connection.vendor == "postgresql" and pk.attname == returning and pk not in fields
            and isinstance(pk, AutoFieldMixin)):
        return _copy_numbered(model, fields, rows)
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
        with connection.cursor() as cursor:
            cursor.execute(f'INSERT INTO "{table}" ({columns}) SELECT * FROM unnest({arrays}) RETURNING "{column}"',
                           [list(values) for values in zip(*rows, strict=True)])
            return [row[0] for row in cursor.fetchall()]
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


def _copy_numbered(model, fields, rows) -> list:
    """PostgreSQL, new rows numbered by the database: their ids taken from the key's sequence in one query, in
    order, then the rows written with them by COPY. Adapting every value into arrays for `INSERT … SELECT FROM
    unnest … RETURNING` cost three times the CPU of COPY, and as much again waiting for the server to read them."""
    table, pk = model._meta.db_table, model._meta.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [f'"{table}"', pk.column, len(rows)])
        ids = sorted(row[0] for row in cursor.fetchall())
    _write(model, [pk, *fields], [[pk_value, *row] for pk_value, row in zip(ids, rows, strict=True)])
    return ids


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
