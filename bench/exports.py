"""Export suite: the whole contacts list to CSV (and, separately, XLSX) through the background task's code.

The CSV is written by `registry.export_jobs.export_job_run` — the function the worker runs — into the
media storage, then the job and its file are deleted, so the dataset is left as found. The raw baseline
is the database writing the same columns itself (`COPY … TO STDOUT` on PostgreSQL, a plain cursor and
`csv.writer` on SQLite), without the display texts (labels, local dates, national phone formats). A
contact's first email, phone and company are read as the export reads them: on PostgreSQL each table's
first row per contact (`DISTINCT ON`, from the covering indexes of customers/0009) hash-joined to the
contacts (at 1M contacts 7-9 s, where a correlated subquery per row took 25-28 s with these indexes and
40 s before them); SQLite, which has no `DISTINCT ON`, a correlated subquery per row.
Peak memory is the process's peak private memory during the run (`bench.memory`).
`BENCH_ONLY=exports python -m bench.exports --size medium` runs this suite alone against the dataset
in DATABASE_URL.
"""

# ruff: noqa: S608 - the SQL here is assembled from constants, values are parameters

import csv
import os
import resource
import sys
import tempfile
import time

from django.db import connection

from .measure import Result, summarize
from .memory import PeakMemory

XLSX_ROWS = 100_000  # the workbook is measured on the first rows only: it has no target and is ~10x slower

_SQL = """
SELECT c.id, c.first_name, c.last_name, {first_email}, {first_phone}, {first_company},
  c.lifecycle_status, o.full_name, c.job_title, c.source, c.preferred_language, c.birthday,
  (SELECT {agg} FROM customers_contact_tags ct JOIN customers_tag t ON t.id = ct.tag_id
    WHERE ct.contact_id = c.id),
  c.description, cb.full_name, c.created_at, ub.full_name, c.updated_at, c.email_consent,
  c.email_consent_date, c.email_consent_source, c.phone_consent, c.phone_consent_date,
  c.phone_consent_source, c.anonymised_at, c.custom
FROM customers_contact c
  LEFT JOIN workspaces_user o ON o.id = c.owner_id
  LEFT JOIN workspaces_user cb ON cb.id = c.created_by_id
  LEFT JOIN workspaces_user ub ON ub.id = c.updated_by_id{first_rows}
WHERE c.workspace_id = {ws} AND c.deleted_at IS NULL
ORDER BY c.updated_at DESC, c.id DESC
"""
_FIRST = "ORDER BY {alias}.is_primary DESC, {alias}.created_at LIMIT 1"
_CORRELATED = {  # SQLite: the first row of each contact, a subquery per row
    "first_email": f"(SELECT e.email FROM customers_emailaddress e WHERE e.contact_id = c.id {_FIRST.format(alias='e')})",
    "first_phone": f"(SELECT p.number FROM customers_phonenumber p WHERE p.contact_id = c.id {_FIRST.format(alias='p')})",
    "first_company": "(SELECT co.name FROM customers_affiliation a JOIN customers_company co ON co.id = a.company_id "
                     f"WHERE a.contact_id = c.id {_FIRST.format(alias='a')})",
    "first_rows": "",
}
_DISTINCT_ON = """
  LEFT JOIN (SELECT DISTINCT ON (contact_id) contact_id, {value} FROM {table}
    WHERE workspace_id = {ws} AND contact_id IS NOT NULL
    ORDER BY contact_id, is_primary DESC, created_at) {alias} ON {alias}.contact_id = c.id"""
_JOINED = {  # PostgreSQL: the first row of each contact, each table read once (as registry.export_cells does)
    "first_email": "e.email", "first_phone": "p.number", "first_company": "co.name",
    "first_rows": _DISTINCT_ON.format(value="email", table="customers_emailaddress", alias="e", ws="{ws}")
    + _DISTINCT_ON.format(value="number", table="customers_phonenumber", alias="p", ws="{ws}")
    + _DISTINCT_ON.format(value="company_id", table="customers_affiliation", alias="a", ws="{ws}")
    + "\n  LEFT JOIN customers_company co ON co.id = a.company_id",
}


def _raw_sql(ws: int) -> str:
    if connection.vendor == "postgresql":
        agg, first_rows = "string_agg(t.name, ', ' ORDER BY t.name)", _JOINED
    else:
        agg, first_rows = "group_concat(t.name, ', ')", _CORRELATED
    return _SQL.format(agg=agg, ws=ws, **{name: sql.format(ws=ws) for name, sql in first_rows.items()})


def _children_cpu() -> float:
    """CPU seconds of the finished processes this one started (the parts of a parallel export)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _through_the_task(ctx, export_format: str, limit: int | None = None) -> tuple[int, float, float | None]:
    """(rows, seconds, peak MB) of one export written by the worker's code."""
    from clientela.registry import export_jobs
    from clientela.registry.models import ExportJob

    job = ExportJob.objects.create(workspace_id=ctx.workspace_id, entity="contacts", created_by=ctx.user,
                                   export_format=export_format, query={}, language="en",
                                   timezone="Europe/Madrid")
    job = ExportJob.unscoped.select_related("workspace", "created_by").get(pk=job.pk)
    original = export_jobs.record_list
    if limit:  # the first rows of the same list
        export_jobs.record_list = lambda *args, **kwargs: original(*args, **kwargs)[:limit]
    started, cpu, parts = time.perf_counter(), time.process_time(), _children_cpu()
    try:
        with PeakMemory() as peak:
            export_jobs.export_job_run(job)
        seconds = time.perf_counter() - started
        print(f"[exports] {export_format}: {job.rows_done:,} rows in {seconds:.1f} s wall, "
              f"{time.process_time() - cpu:.1f} s of this process's CPU, {_children_cpu() - parts:.1f} s of the "
              "processes it started", file=sys.stderr)
    finally:
        export_jobs.record_list = original
        job.refresh_from_db()
        export_jobs.export_job_delete(job)
    assert job.status == ExportJob.Status.DONE, job.error
    return job.rows_done, seconds, peak.mb


def _raw(ctx) -> tuple[int, float, float | None]:
    started = time.perf_counter()
    rows = 0
    with (PeakMemory() as peak, tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as out,
          connection.cursor() as cursor):
        if connection.vendor == "postgresql":
            sql = _raw_sql(int(ctx.workspace_id))
            with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                for block in copy:
                    out.write(bytes(block).decode())
            out.seek(0)
            rows = sum(1 for _ in out) - 1  # no multi-line cells in the bench data
        else:
            cursor.execute(_raw_sql(int(ctx.workspace_id)))
            writer = csv.writer(out)
            writer.writerow([c[0] for c in cursor.description])
            while batch := cursor.fetchmany(5000):
                writer.writerows(batch)
                rows += len(batch)
    return rows, time.perf_counter() - started, peak.mb


def export_suite(ctx, size, database: str, log_dir) -> list[Result]:
    runs = 1 if size.contacts >= 1_000_000 or size.quick else 2
    results = []
    samples, rows, peak = [], 0, None
    for _ in range(runs):
        rows, seconds, peak = _through_the_task(ctx, "csv")
        samples.append(seconds * 1000)
    result = summarize("export contacts CSV", "in-process", database, rows, samples, per_op=rows, peak_mb=peak)
    base_samples, base_rows, base_peak = [], 0, None
    for _ in range(runs):
        base_rows, seconds, base_peak = _raw(ctx)
        base_samples.append(seconds * 1000)
    baseline = summarize("export contacts CSV", "raw SQL", database, base_rows, base_samples, per_op=base_rows,
                         peak_mb=base_peak)
    baseline.ratio = 1.0
    result.ratio = round(result.median_ms / max(baseline.median_ms, 0.001), 1)
    results += [result, baseline]
    limit = min(XLSX_ROWS, size.contacts)
    xlsx_rows, seconds, peak = _through_the_task(ctx, "xlsx", limit=limit)
    results.append(summarize(f"export {limit // 1000}k contacts XLSX", "in-process", database, xlsx_rows,
                             [seconds * 1000], per_op=xlsx_rows, peak_mb=peak))
    return results


if __name__ == "__main__":  # one database, this suite only: DATABASE_URL=… python -m bench.exports --size medium
    import argparse
    import json

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from clientela.workspaces.scoping import use_workspace

    from .dataset import bench_workspace
    from .scenarios import context_build
    from .sizes import SIZES

    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=sorted(SIZES), default="medium")
    args = parser.parse_args()
    workspace = bench_workspace()
    with use_workspace(workspace):
        measured = export_suite(context_build(workspace), SIZES[args.size], connection.vendor, None)
    print(json.dumps([r.as_dict() for r in measured], indent=1))
