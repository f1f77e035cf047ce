"""One view of the data for several processes: the parts of a parallel export read the same rows.

Each process has its own connection, so each would see the database as of its own start; a record
changed in between could land in two parts, or in none. Here the parent fixes a moment and every part
reads the database as of that moment:

- PostgreSQL exports its snapshot (`pg_export_snapshot()`, as `pg_dump --jobs` does); each part starts
  a repeatable-read transaction with `SET TRANSACTION SNAPSHOT`.
- SQLite (in WAL mode) gives a reader the state at its first read. Once the parts are ready to read,
  the parent takes the write lock (`BEGIN IMMEDIATE`), lets them begin, and lets writers go on as soon
  as each has read once (`release`): a writer waits a few milliseconds, no reader ever does.
"""

import sqlite3
from contextlib import contextmanager

from django.db import connections, transaction


class SharedSnapshot:
    """`with SharedSnapshot() as token:` — `snapshot_reading(token)` in another process reads as of the moment
    `hold_writers` was called (PostgreSQL: of entering). Call `release` once every reader has begun."""

    def __init__(self, alias: str = "default"):
        self.connection = connections[alias]
        self.holder = None

    def __enter__(self) -> tuple:
        vendor = self.connection.vendor
        if vendor == "postgresql":
            import psycopg

            self.holder = self.connection.get_new_connection(self.connection.get_connection_params())
            try:
                self.holder.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                return vendor, self.holder.execute("SELECT pg_export_snapshot()").fetchone()[0]
            except BaseException:
                self.release()
                raise
        if vendor == "sqlite":
            return vendor, None
        raise NotImplementedError(f"no shared snapshot on {vendor}")

    def hold_writers(self) -> None:
        """SQLite: from now until `release`, nothing commits (the readers' snapshots are all this moment)."""
        if self.connection.vendor == "sqlite":
            self.holder = sqlite3.connect(self.connection.settings_dict["NAME"], timeout=30, isolation_level=None)
            try:
                self.holder.execute("BEGIN IMMEDIATE")
            except BaseException:
                self.release()
                raise

    def release(self) -> None:
        """Every reader has begun: writers may commit again (SQLite); the readers' transactions now keep the
        snapshot, so the exporting one can end (PostgreSQL: it would hold back vacuum)."""
        holder, self.holder = self.holder, None
        if holder is not None:
            holder.close()

    def __exit__(self, *exc) -> None:
        self.release()


@contextmanager
def snapshot_reading(token: tuple, alias: str = "default"):
    """Reads inside the block see the data as the snapshot's holder saw it (a transaction, read only)."""
    vendor, snapshot = token
    connection = connections[alias]
    if vendor == "postgresql":
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            yield
        return
    # Django begins SQLite transactions IMMEDIATE (a write lock, which the holder has): a plain BEGIN reads
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
        try:
            cursor.execute("SELECT 1 FROM sqlite_master LIMIT 1")  # a WAL reader's snapshot starts at its first read
            yield
        finally:
            cursor.execute("ROLLBACK")


def shareable(alias: str = "default") -> bool:
    """Whether other processes can open this database (not an in-memory SQLite one, as in tests)."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        return True
    return connection.vendor == "sqlite" and not connection.is_in_memory_db()
