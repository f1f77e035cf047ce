"""A worker process killed (SIGKILL) inside an import leaves whole batches only; resuming finishes exactly once."""

# ruff: noqa: S608 - table names from model metadata, values are parameters

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from clientela.customers.models import Contact, EmailAddress
from clientela.transfer.models import ImportJob, ImportRow
from clientela.transfer.services import import_count, import_create

from .helpers import csv_bytes
from .test_duplicates_resume_undo import people

ROOT = Path(settings.BASE_DIR)
BATCH = 100


class Database:
    """The test database as another process sees it: a file copy for in-memory SQLite, else the same one."""

    def __init__(self, tmp_path):
        self.sqlite = connection.vendor == "sqlite"
        if self.sqlite:
            self.path = tmp_path / "worker.sqlite3"
            with sqlite3.connect(self.path) as target:
                connection.connection.backup(target)
            self.url = f"sqlite:///{self.path}"
        else:
            s = connection.settings_dict
            auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
            self.url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"

    def value(self, sql: str, *params):
        if self.sqlite:
            with sqlite3.connect(self.path) as conn:
                return conn.execute(sql.replace("%s", "?"), params).fetchone()[0]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def key(self, pk):
        return pk.hex if self.sqlite else pk

    def worker(self, job, *extra) -> subprocess.Popen:
        env = {**os.environ, "DATABASE_URL": self.url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
        return subprocess.Popen([sys.executable, "-m", "clientela.transfer.tests.import_worker", str(job.pk),  # noqa: S603
                                 *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)


def _counts(db, job, workspace) -> dict:
    j, ws = db.key(job.pk), workspace.pk
    return {
        "rows_done": db.value(f"SELECT rows_done FROM {ImportJob._meta.db_table} WHERE id = %s", j),
        "created": db.value(f"SELECT created FROM {ImportJob._meta.db_table} WHERE id = %s", j),
        "status": db.value(f"SELECT status FROM {ImportJob._meta.db_table} WHERE id = %s", j),
        "row_outcomes": db.value(f"SELECT COUNT(*) FROM {ImportRow._meta.db_table} WHERE job_id = %s", j),
        "distinct_rows": db.value(f"SELECT COUNT(DISTINCT number) FROM {ImportRow._meta.db_table} WHERE job_id = %s",
                                  j),
        "created_rows": db.value(f"SELECT COUNT(*) FROM {ImportRow._meta.db_table} WHERE job_id = %s "
                                 "AND action = 'created'", j),
        "contacts": db.value(f"SELECT COUNT(*) FROM {Contact._meta.db_table} WHERE workspace_id = %s", ws),
        "emails": db.value(f"SELECT COUNT(*) FROM {EmailAddress._meta.db_table} WHERE workspace_id = %s", ws),
        "distinct_emails": db.value(f"SELECT COUNT(DISTINCT email) FROM {EmailAddress._meta.db_table} "
                                    "WHERE workspace_id = %s", ws),
    }


@pytest.mark.django_db(transaction=True)
def test_sigkill_inside_a_batch_leaves_whole_batches_and_resume_finishes_once(in_acme, tmp_path):
    admin = in_acme.users["admin"]
    job = import_create(user=admin, entity_key="contacts", data=csv_bytes(people(400)), file_name="people.csv",
                        options={"batch_size": BATCH})
    import_count(job)
    db = Database(tmp_path)

    worker = db.worker(job, "1.5")  # each batch waits 1.5 s between writing its records and committing
    try:
        for line in worker.stdout:
            if line.strip() == "written 3":  # batches 1 and 2 committed, batch 3 written, not committed
                break
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL

    killed = _counts(db, job, in_acme)
    assert killed["status"] == ImportJob.Status.RUNNING
    assert killed["rows_done"] == killed["row_outcomes"] == 2 * BATCH  # nothing of batch 3
    assert killed["contacts"] == killed["created_rows"] == killed["created"] == killed["emails"] > 0

    resumed = db.worker(job)
    assert resumed.communicate(timeout=120)[0].strip().endswith("finished")
    done = _counts(db, job, in_acme)
    assert done["status"] == ImportJob.Status.DONE
    assert done["rows_done"] == done["row_outcomes"] == done["distinct_rows"] == 400
    assert done["contacts"] == done["created"] == done["created_rows"] == 360  # 10% are duplicates
    assert done["emails"] == done["distinct_emails"]
