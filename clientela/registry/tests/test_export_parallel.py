"""A long CSV export written by several processes is byte for byte the one a single process writes, and every
process reads the data as of one moment (PostgreSQL's exported snapshot; SQLite's held write lock)."""

import csv
import io
import os
import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection, connections

from clientela.common.snapshots import SharedSnapshot, snapshot_reading
from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.registry.export_jobs import export_job_run
from clientela.registry.models import ExportJob
from clientela.transfer.tests.test_worker_kill import ROOT, Database

from . import rich_data


def _job(workspace, user) -> ExportJob:
    return ExportJob.objects.create(workspace=workspace, entity="contacts", created_by=user, export_format="csv",
                                    query={"sort": "name"}, language="es", timezone="Europe/Madrid")


@pytest.mark.django_db(transaction=True)
def test_an_export_in_three_processes_is_the_same_file(in_acme, tmp_path):
    rich_data.build(in_acme)
    admin = in_acme.users["admin"]
    for n in range(40):
        factories.contact(admin, first=f"Parte{n:02}", last="Exportación", email=f"parte{n}@example.com")
    serial, parallel = _job(in_acme, admin), _job(in_acme, admin)
    export_job_run(ExportJob.unscoped.select_related("workspace", "created_by").get(pk=serial.pk))
    expected = ExportJob.unscoped.get(pk=serial.pk).file.read()
    assert len(list(csv.reader(io.StringIO(expected.decode())))) == Contact.objects.count() + 1 > 40

    db = Database(tmp_path)  # the worker, and the processes it starts, open this database
    env = {**os.environ, "DATABASE_URL": db.url, "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "EXPORT_PARALLEL_ROWS": "1", "EXPORT_PROCESSES": "3"}
    worker = subprocess.run([sys.executable, "-m", "clientela.registry.tests.export_worker", str(parallel.pk)],  # noqa: S603
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert worker.stdout.split() == ["processes", "3", "finished"], worker.stderr[-3000:]
    key = db.key(parallel.pk)
    table = ExportJob._meta.db_table
    assert db.value(f"SELECT status FROM {table} WHERE id = %s", key) == ExportJob.Status.DONE  # noqa: S608
    assert db.value(f"SELECT rows_done FROM {table} WHERE id = %s", key) == Contact.objects.count()  # noqa: S608
    name = db.value(f"SELECT file FROM {table} WHERE id = %s", key)  # noqa: S608
    assert (settings.MEDIA_ROOT / name).read_bytes() == expected


@pytest.mark.django_db(transaction=True)
def test_every_process_reads_the_data_as_of_the_snapshot(in_acme):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("an in-memory database cannot be opened by another connection")
    contact = factories.contact(in_acme.users["admin"], first="Antes", last="Cambio")
    with SharedSnapshot() as token:
        Contact.objects.filter(pk=contact.pk).update(first_name="Después")  # committed after the snapshot
        with snapshot_reading(token):
            assert Contact.objects.get(pk=contact.pk).first_name == "Antes"
    assert Contact.objects.get(pk=contact.pk).first_name == "Después"


def test_on_sqlite_writers_wait_while_parts_begin_reading_and_each_part_keeps_that_moment(tmp_path, django_db_blocker):
    """SQLite's way (a file database of its own, whatever the suite's database): while the holder has the write
    lock nothing commits; a part that began reading then keeps seeing the data as of that moment."""
    path = tmp_path / "shared.sqlite3"
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE note (text TEXT)")
    setup.execute("INSERT INTO note VALUES ('before')")
    sqlite_settings = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path),
                       "OPTIONS": {"transaction_mode": "IMMEDIATE"}}
    connections.settings["shared"] = connections.configure_settings(
        {"default": sqlite_settings, "shared": dict(sqlite_settings)})["shared"]
    writer = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    try:
        with django_db_blocker.unblock():
            shared = connections["shared"]
            snapshot = SharedSnapshot("shared")
            with snapshot as token:
                snapshot.hold_writers()
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    writer.execute("UPDATE note SET text = 'while held'")
                with snapshot_reading(token, "shared"), shared.cursor() as cursor:
                    snapshot.release()
                    writer.execute("UPDATE note SET text = 'after'")  # commits at once now
                    cursor.execute("SELECT text FROM note")
                    assert cursor.fetchone() == ("before",)
            with shared.cursor() as cursor:
                cursor.execute("SELECT text FROM note")
                assert cursor.fetchone() == ("after",)
            shared.close()
    finally:
        writer.close()
        setup.close()
        del connections["shared"]
        del connections.settings["shared"]
