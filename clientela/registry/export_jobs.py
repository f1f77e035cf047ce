"""Background exports: a list too long to stream while the user waits is written by a task.

The task writes exactly what the synchronous export writes (same per-user entity, same filters, sort
and columns, in the requester's language and time zone); the file is kept for the requester only
and deleted after `EXPORT_RETENTION_DAYS` (by `manage.py purge_exports`, or when someone asks for it).
"""

import datetime
import io
import tempfile
import time
import zoneinfo
from contextlib import ExitStack

from django.conf import settings
from django.core.files import File
from django.utils import timezone, translation

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
        _save(job, status=ExportJob.Status.RUNNING, started_at=timezone.now(), rows_done=0, seconds=0, error="",
              total=queryset.count())

        def progress(rows: int) -> None:
            _save(job, rows_done=rows, seconds=time.perf_counter() - started)

        name = exports.export_filename(entity, job.export_format)
        with tempfile.TemporaryFile() as spool:
            if job.export_format == ExportJob.Format.XLSX:
                rows = exports.xlsx_write(entity, queryset, spool, progress)
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
