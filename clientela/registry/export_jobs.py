"""Background exports: a list too long to stream while the user waits is written by a task.

The task writes exactly what the synchronous export writes (same per-user entity, same filters, sort
and columns, in the requester's language and time zone); the file is kept for the requester only
and deleted after `EXPORT_RETENTION_DAYS` (by `manage.py purge_exports`, or when someone asks for it).
"""

import datetime
import io
import shutil
import tempfile
import time
import zoneinfo
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.utils import timezone, translation

from clientela.common.processes import CONTEXT
from clientela.common.processes import start as processes_start
from clientela.common.snapshots import SharedSnapshot, shareable, snapshot_reading
from clientela.security import access
from clientela.workspaces.scoping import current_workspace, use_workspace

from . import entities, exports
from .models import ExportJob
from .selectors import ListQuery, record_list
from .visibility import entity_for


def background_threshold() -> int:
    return settings.CLIENTELA.get("EXPORT_BACKGROUND_ROWS", 5000)


def retention() -> datetime.timedelta:
    return datetime.timedelta(days=settings.CLIENTELA.get("EXPORT_RETENTION_DAYS", 7))


def export_runs_in_background(queryset) -> bool:
    """More rows than the threshold? Counts at most threshold + 1 rows, so small lists stay instant."""
    threshold = background_threshold()
    return queryset.order_by()[: threshold + 1].count() > threshold


def export_job_create(*, user, entity_key: str, query: ListQuery, export_format: str) -> ExportJob:
    return ExportJob.objects.create(
        workspace=current_workspace(), entity=entity_key, created_by=user, export_format=export_format, query=query.as_params(),
        language=translation.get_language() or "", timezone=timezone.get_current_timezone_name())


def _preferences(job: ExportJob) -> ExitStack:
    stack = ExitStack()
    stack.enter_context(translation.override(job.language or settings.LANGUAGE_CODE))
    try:
        stack.enter_context(timezone.override(zoneinfo.ZoneInfo(job.timezone)) if job.timezone else ExitStack())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    return stack


def _save(job: ExportJob, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    ExportJob.unscoped.filter(pk=job.pk).update(**fields)


def export_job_run(job: ExportJob) -> ExportJob:
    """Write the export file (the worker calls this); the job's row shows progress as it goes."""
    with use_workspace(job.workspace), _preferences(job):
        user = job.created_by
        entity = entities.get_or_none(job.entity)
        if entity is None or not user.is_active or not access.can(user, "export", entity.key):
            _save(job, status=ExportJob.Status.FAILED, error=translation.gettext(
                "Your role no longer allows exporting this list."), finished_at=timezone.now())
            return job
        entity = entity_for(user, entity)
        queryset = record_list(entity, user, ListQuery.from_params(entity, job.query))
        started = time.perf_counter()
        total = queryset.count()
        _save(job, status=ExportJob.Status.RUNNING, started_at=timezone.now(), rows_done=0, seconds=0, error="",
              total=total)

        def progress(rows: int) -> None:
            _save(job, rows_done=rows, seconds=time.perf_counter() - started)

        name = exports.export_filename(entity, job.export_format)
        processes = _processes(job, total)
        with tempfile.TemporaryFile() as spool:
            if job.export_format == ExportJob.Format.XLSX:
                rows = exports.xlsx_write(entity, queryset, spool, progress)
            elif processes > 1:
                rows = _csv_in_parts(job, spool, progress, total, processes)
            else:
                text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
                rows = exports.csv_write(entity, queryset, text, progress)
                text.flush()
                text.detach()
            spool.seek(0)
            job.file.save(name, File(spool), save=False)
        _save(job, file=job.file.name, file_name=name, status=ExportJob.Status.DONE, rows_done=rows,
              total=rows, seconds=time.perf_counter() - started,
              finished_at=timezone.now(), expires_at=timezone.now() + retention())
    return job


def _processes(job: ExportJob, total: int) -> int:
    """How many processes write a CSV export: one for a short list, where starting others costs more."""
    if job.export_format != ExportJob.Format.CSV or total < settings.CLIENTELA["EXPORT_PARALLEL_ROWS"]:
        return 1
    return settings.CLIENTELA["EXPORT_PROCESSES"] if shareable() else 1


def _csv_in_parts(job: ExportJob, spool, progress, total: int, processes: int) -> int:
    """The CSV written by `processes` new processes, each a slice of the list in its order (the first with the
    header), all reading the data as of one moment (`common.snapshots`); their files are joined in order."""
    step, snapshot, parts = -(-total // processes), SharedSnapshot(), []
    with tempfile.TemporaryDirectory() as folder, snapshot as token:
        try:
            for number in range(processes):
                low, high = number * step, (None if number == processes - 1 else (number + 1) * step)
                part = Part(Path(folder) / f"{number}.csv")
                part.process = processes_start("clientela.registry.export_jobs.export_job_part", str(job.pk), token,
                                               low, high, str(part.path), part.signals)
                parts.append(part)
            _wait(parts, "ready", PART_START_SECONDS)  # set up and connected: reading can start at once
            snapshot.hold_writers()
            for part in parts:
                part.signals["go"].set()
            _wait(parts, "reading", PART_START_SECONDS)
            snapshot.release()
            while any(part.process.is_alive() for part in parts):
                _check(parts)
                progress(sum(part.signals["done"].value for part in parts))
                time.sleep(0.5)
            _check(parts)
        except BaseException:
            for part in parts:
                part.process.kill()
                part.process.join()
            raise
        for part in parts:
            with part.path.open("rb") as source:
                shutil.copyfileobj(source, spool)
        return sum(part.signals["rows"].value for part in parts)


PART_START_SECONDS = 120  # a part that is not ready by then is taken for stuck


@dataclass
class Part:
    """One process of a parallel export: its file, and what it tells the parent (rows written so far, set up,
    begun reading, rows in all) and the parent tells it (go)."""

    path: Path
    process: object = None
    signals: dict = field(default_factory=lambda: {
        "done": CONTEXT.Value("q", 0), "ready": CONTEXT.Event(), "go": CONTEXT.Event(), "reading": CONTEXT.Event(),
        "rows": CONTEXT.Value("q", -1)})


def _wait(parts: list[Part], signal: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not all(part.signals[signal].is_set() for part in parts):
        _check(parts)
        if time.monotonic() > deadline:
            raise RuntimeError(_stopped())
        time.sleep(0.02)


def _stopped() -> str:
    return translation.gettext("Part of the export stopped unexpectedly. Please export again.")


def _check(parts: list[Part]) -> None:
    if any(part.process.exitcode not in (None, 0) for part in parts):
        raise RuntimeError(_stopped())


def export_job_part(job_id: str, snapshot: tuple, low: int, high: int | None, path: str, signals: dict) -> None:
    """One slice of a parallel CSV export, written to `path` by a process of its own (`_csv_in_parts`)."""
    job = ExportJob.unscoped.select_related("workspace", "created_by").get(pk=job_id)
    with use_workspace(job.workspace), _preferences(job):
        entity = entity_for(job.created_by, entities.get(job.entity))
        queryset = record_list(entity, job.created_by, ListQuery.from_params(entity, job.query))[low:high]
        signals["ready"].set()
        if not signals["go"].wait(PART_START_SECONDS):  # the worker gave up (or is gone): nothing to write for
            return
        with snapshot_reading(snapshot):
            signals["reading"].set()

            def progress(count: int) -> None:
                signals["done"].value = count

            with open(path, "w", encoding="utf-8", newline="") as out:
                signals["rows"].value = exports.csv_write(entity, queryset, out, progress, header=low == 0)


def export_job_fail(job: ExportJob, message: str) -> None:
    _save(job, status=ExportJob.Status.FAILED, error=message, finished_at=timezone.now())


def export_job_expired(job: ExportJob, now=None) -> bool:
    return job.expires_at is not None and job.expires_at <= (now or timezone.now())


def export_job_delete(job: ExportJob) -> None:
    if job.file:
        job.file.delete(save=False)
    ExportJob.unscoped.filter(pk=job.pk).delete()


def export_jobs_purge(now=None) -> int:
    """Delete expired export files and their jobs, in every workspace (system work: the unscoped manager)."""
    now = now or timezone.now()
    expired = list(ExportJob.unscoped.filter(expires_at__lte=now))
    for job in expired:
        export_job_delete(job)
    return len(expired)
