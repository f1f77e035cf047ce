"""Import jobs: create, run in committed batches (resumable, exactly once), undo, error file."""

import csv
import io
import time
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import timedelta

from django.core.exceptions import FieldDoesNotExist
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.common import bulk
from clientela.common.collector import collector_paused
from clientela.common.events import DomainEvent, emit
from clientela.common.spreadsheets import neutralise
from clientela.registry import entities
from clientela.registry.services import snapshot, snapshot_changes
from clientela.registry.visibility import entity_for
from clientela.security import access
from clientela.security.audit import audit_log
from clientela.workspaces.scoping import current_workspace, use_workspace

from .engine import Importer, Options, field_values
from .mapping import suggest, validate_mapping
from .models import ImportJob, ImportRow
from .normalise import detect_date_order
from .readers import ImportFileError, read_table, xlsx_sheets

DATE_SAMPLE = 2000
RESUME_AFTER_SECONDS = 120  # a running job without progress for this long is taken as killed


def read_job_table(job: ImportJob):
    return _table(job)


def job_sheets(job: ImportJob, table) -> list[str] | None:
    """The sheets of the job's XLSX file; None for a CSV file (`table`: the job's file as read)."""
    if table.encoding:  # only a CSV file is decoded
        return None
    with job.file.open("rb") as handle:
        return xlsx_sheets(handle.read())


def import_reread(job: ImportJob, *, user, encoding: str = "", delimiter: str = "", sheet: str = "") -> ImportJob:
    """Read a pending job's file again another way (chosen encoding, separator or sheet) and suggest the
    mapping for the columns it then has. Raises ImportFileError, and keeps the job as it was, if it cannot."""
    options = {**job.options, "encoding": encoding, "delimiter": delimiter, "sheet": sheet}
    with job.file.open("rb") as handle:
        table = read_table(handle.read(), job.file_name, encoding=encoding, delimiter=delimiter, sheet=sheet)
    entity = entity_for(user, entities.get(job.entity))
    job.mapping = validate_mapping(entity, user, suggest(entity, user, table.headers), table.headers)
    job.options = {**options, "encoding": encoding or table.encoding, "delimiter": delimiter or table.delimiter}
    job.save(update_fields=["mapping", "options", "updated_at"])
    return job


def job_copy(job: ImportJob) -> ImportJob:
    """A new, real run of a dry-run job: same file, mapping and options."""
    return ImportJob.objects.create(workspace=job.workspace, entity=job.entity, created_by=job.created_by,
                                    file=job.file.name, file_name=job.file_name, mapping=job.mapping,
                                    options=job.options, dry_run=False, total=job.total)


def _table(job: ImportJob):
    options = job.options
    with job.file.open("rb") as handle:
        data = handle.read()
    return read_table(data, job.file_name, encoding=options.get("encoding", ""),
                      delimiter=options.get("delimiter", ""), sheet=options.get("sheet", ""))


def import_create(*, user, entity_key: str, data: bytes, file_name: str, mapping: dict | None = None,
                  options: dict | None = None, dry_run: bool = False, require_mapping: bool = True) -> ImportJob:
    """Check the file and the mapping, store the file and a pending job. Raises ImportFileError."""
    access.require(user, "import", entity_key)
    options = dict(options or {})
    table = read_table(data, file_name, encoding=options.get("encoding", ""),
                       delimiter=options.get("delimiter", ""), sheet=options.get("sheet", ""))
    entity = entity_for(user, entities.get(entity_key))
    mapping = validate_mapping(entity, user, mapping if mapping is not None else suggest(entity, user, table.headers),
                               table.headers)
    if not mapping and require_mapping:
        raise ImportFileError(_("No column of the file is mapped to a field."), code="bad_mapping")
    options.setdefault("encoding", table.encoding)
    options.setdefault("delimiter", table.delimiter)
    job = ImportJob(workspace=current_workspace(), entity=entity_key, created_by=user, file_name=file_name[:255], mapping=mapping,
                    options=options, dry_run=dry_run)
    job.file.save(file_name or "import.csv", ContentFile(data), save=False)
    job.save()
    return job


def _date_orders(job, table, entity) -> dict[str, str]:
    """The day/month order of each date column, from its values unless the user chose one."""
    from django import forms

    chosen = job.options.get("date_order", "")
    fields = entity.form_class(user=job.created_by).fields
    columns = {h: t for h, t in job.mapping.items() if isinstance(fields.get(t), forms.DateField)}
    if chosen or not columns:
        return {}
    sample = []
    for _number, cells in table.rows:
        sample.append(cells)
        if len(sample) >= DATE_SAMPLE:
            break
    return {target: detect_date_order(row[table.headers.index(header)] for row in sample)
            for header, target in columns.items()}


def import_run(job: ImportJob) -> ImportJob:
    """Process the job's rows from the last committed batch on. Each batch commits its records, its row
    outcomes and the progress together, so a killed run leaves whole batches only and resumes exactly once.
    """
    with use_workspace(job.workspace):
        user = job.created_by
        entity = entity_for(user, entities.get(job.entity))
        if not access.can(user, "import", job.entity):
            return import_fail(job, _("You may no longer import this kind of record."))
        try:
            table = _table(job)
            orders = _date_orders(job, table, entity)
            table = _table(job)
        except ImportFileError as exc:
            return import_fail(job, "; ".join(exc.messages))
        options = Options(on_duplicate=job.options.get("on_duplicate", "skip"),
                          region=job.options.get("region", ""), date_order=job.options.get("date_order", ""),
                          decimal_mark=job.options.get("decimal_mark", ""),
                          batch_size=int(job.options.get("batch_size", 2000)))
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, error="", finished_at=None,
                                                   started_at=job.started_at or timezone.now())
        job.refresh_from_db()

        def importer_new():
            return Importer(entity=entity, user=user, workspace=job.workspace, mapping=job.mapping,
                            headers=table.headers, options=options, date_orders=orders)

        if job.options.get("all_or_nothing") and not job.dry_run:
            return _run_all_or_nothing(job, importer_new, options.batch_size)
        importer = importer_new()
        done = dict(job.rows.values_list("number", "action"))
        created = {str(pk): number for number, pk in job.rows.filter(action=ImportRow.Action.CREATED)
                   .values_list("number", "record_id")}
        importer.index.claim(created)
        _replay_duplicates(importer, job, table, done)
        table = _table(job)
        batch: list = []
        for number, cells in table.rows:
            if number in done:
                continue
            batch.append((number, cells))
            if len(batch) >= options.batch_size:
                _run_batch(job, importer, batch)
                batch = []
        if batch:
            _run_batch(job, importer, batch)
        return _finish(job, importer=importer)


def _finish(job: ImportJob, error: str = "", importer: Importer | None = None) -> ImportJob:
    unnamed = importer.index.rows_unnamed if importer is not None else 0
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE, finished_at=timezone.now(),
                                               error=error, names_not_kept=unnamed)
    job.refresh_from_db()
    audit_log(action="import.finished", actor=job.created_by, target=job,
              details={"entity": job.entity, "dry_run": job.dry_run, "created": job.created,
                       "updated": job.updated, "merged": job.merged, "duplicates": job.duplicates,
                       "rejected": job.rejected,
                       "all_or_nothing": bool(job.options.get("all_or_nothing"))})
    return job


class _Rejected(Exception):
    pass


def _batches(table, size: int):
    batch: list = []
    for number, cells in table.rows:
        batch.append((number, cells))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _run_all_or_nothing(job: ImportJob, importer_new, size: int) -> ImportJob:
    """Check every row first, writing nothing; a rejected row stops the import with its report. Then write
    all rows in one transaction: a rejection that appears meanwhile, or a killed worker, leaves nothing."""
    ImportRow.objects.filter(job=job).delete()  # a killed earlier run committed nothing else
    ImportJob.objects.filter(pk=job.pk).update(rows_done=0, created=0, updated=0, merged=0, duplicates=0,
                                               rejected=0)
    job.refresh_from_db()
    checker, rejected, checked = importer_new(), [], 0
    for batch in _batches(_table(job), size):
        rejected += [o for o in (checker.decide(number, cells) for number, cells in batch) if o.action == "rejected"]
        checked += len(batch)
        ImportJob.objects.filter(pk=job.pk).update(rows_done=checked, updated_at=timezone.now())
    if rejected:
        with transaction.atomic():
            bulk.insert_rows(ImportRow, [{"workspace_id": job.workspace_id, "job_id": job.pk, "number": o.number,
                                          "action": o.action, "errors": o.errors, "cells": o.cells}
                                         for o in rejected])
            ImportJob.objects.filter(pk=job.pk).update(rows_done=checked, rejected=len(rejected))
        return _finish(job, _("Nothing was imported: %(count)s rows were rejected (all-or-nothing). Fix them "
                              "and import the file again.") % {"count": len(rejected)})
    job.rows_done = 0
    importer = importer_new()
    try:
        with transaction.atomic():
            for batch in _batches(_table(job), size):
                _run_batch(job, importer, batch, all_or_nothing=True)
    except _Rejected:
        return import_fail(job, _("Nothing was imported: a row was rejected while writing (the data changed "
                                  "since the check). Import the file again."))
    return _finish(job, importer=importer)


def _replay_duplicates(importer, job, table, done) -> None:
    """On a resumed run, rows already taken from the file count again for in-file duplicates."""
    if not done:
        return
    from .duplicates import row_keys

    for number, cells in table.rows:
        if done.get(number) in (ImportRow.Action.CREATED, *ImportRow.ON_EXISTING):
            importer.index.add(row_keys(importer.entity, importer.values_of(cells)), number)


@collector_paused()
def _run_batch(job: ImportJob, importer: Importer, batch, all_or_nothing: bool = False) -> None:
    # wall time since the previous batch's progress, so its after-commit work (events) counts too
    started = importer.clock or time.monotonic()
    outcomes = [importer.decide(number, cells) for number, cells in batch]
    if all_or_nothing and any(o.action == "rejected" for o in outcomes):
        raise _Rejected
    counts = {action: sum(1 for o in outcomes if o.action == action)
              for action in ("created", "updated", "merged", "duplicate", "rejected")}
    with transaction.atomic():
        if not job.dry_run:
            importer.write(outcomes)
        bulk.insert_rows(ImportRow, [
            {"workspace_id": job.workspace_id, "job_id": job.pk, "number": o.number, "action": o.action,
             "record_id": o.record_id if o.action != "rejected" else None, "errors": o.errors,
             "cells": o.cells if o.action == "rejected" else [], "previous": o.previous, "related": o.related}
            for o in outcomes])
        job.rows_done += len(batch)
        job.created += counts["created"]
        job.updated += counts["updated"]
        job.merged += counts["merged"]
        job.duplicates += counts["duplicate"]
        job.rejected += counts["rejected"]
        importer.clock = time.monotonic()
        job.seconds += importer.clock - started
        job.save(update_fields=["rows_done", "created", "updated", "merged", "duplicates", "rejected", "seconds",
                                "updated_at"])


def import_fail(job: ImportJob, message: str) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, error=message,
                                               finished_at=timezone.now())
    job.refresh_from_db()
    return job


def import_can_resume(job: ImportJob) -> bool:
    """A failed run, or one whose worker stopped reporting progress (killed), can be picked up again."""
    if job.status == ImportJob.Status.FAILED:
        return True
    stale = timezone.now() - job.updated_at > timedelta(seconds=RESUME_AFTER_SECONDS)
    return job.status == ImportJob.Status.RUNNING and stale


def import_count(job: ImportJob) -> int:
    total = sum(1 for _row in _table(job).rows)
    ImportJob.objects.filter(pk=job.pk).update(total=total)
    job.total = total
    return total


@dataclass
class UndoResult:
    """What undo left alone: fields edited after the import keep their newer value."""

    kept_records: int = 0  # updated or merged records with at least one such field
    kept_fields: int = 0
    field_labels: list[str] = dataclass_field(default_factory=list)  # of those fields, each once
    kept_rows: int = 0  # emails, phones, addresses, company links the import added and someone edited since
    row_labels: list[str] = dataclass_field(default_factory=list)  # their kinds ("Emails"), each once


def _undo_values(job: ImportJob, row: ImportRow, record, fed: set[str]) -> tuple[dict, dict]:
    """(values before the import, values it wrote where known), by attname ("tags": sorted names).

    Rows stored before imports kept only what they changed hold every form field as it was, and not what
    was written: a record untouched since the import still holds it, so everything goes back; for one
    edited since, a field the file did not feed was left as it was by the import, so it goes back only if
    it still is (a no-op) — a field the file fed goes back as before.
    """
    previous = row.previous
    if set(previous) == {"before", "after"} and isinstance(previous["after"], dict):
        return previous["before"], previous["after"]
    if job.finished_at and record.updated_at <= job.finished_at:
        return previous, {}
    return previous, {key: value for key, value in previous.items() if key not in fed}


def _undo_record(record, before: dict, written: dict, by) -> list[str]:
    """Put back the values the import replaced, unless changed since; returns the attnames left alone."""
    fields = {f.attname: f for f in record._meta.concrete_fields}
    kept, restore = [], {}
    for key, value in before.items():
        if key != "tags" and key not in fields and not key.startswith("custom."):
            continue  # the field was removed since
        if key in written and _current(record, fields, key) != _sorted_tags(key, written[key]):
            kept.append(key)
        else:
            restore[key] = value
    tags = restore.pop("tags", None)
    custom = {key.removeprefix("custom."): restore.pop(key) for key in list(restore) if key.startswith("custom.")}
    if custom:
        stored = dict(record.custom or {})
        for key, value in custom.items():
            if value is None:
                stored.pop(key, None)
            else:
                stored[key] = value
        record.custom = stored
    if restore or custom:
        for attname, value in restore.items():
            setattr(record, attname, fields[attname].to_python(value))
        record.updated_by = by
        if hasattr(record, "prepare_for_save"):
            record.prepare_for_save()
        record.save()
    if tags is not None:
        record.tags.set(record.tags.model.objects.filter(name__in=tags))
    return kept


def _current(record, fields: dict, key: str):
    """A field's value now, as the import stored it (see `field_values`)."""
    if key.startswith("custom."):
        return (record.custom or {}).get(key.removeprefix("custom."))
    return field_values(record, [] if key == "tags" else [fields[key]], key == "tags")[key]


def _sorted_tags(key: str, value):
    return sorted(value) if key == "tags" and isinstance(value, list) else value  # older rows kept them unsorted


def _fed_attnames(job: ImportJob, model) -> set[str]:
    """The main-record fields the job's file gives values for, by attname."""
    names = {target for target in job.mapping.values() if "." not in target}
    found = set()
    for name in names:
        try:
            found.add(model._meta.get_field(name).attname)
        except FieldDoesNotExist:
            found.add(name)
    return found


@transaction.atomic
def import_undo(*, job: ImportJob, by) -> UndoResult:
    """Created records go to the trash; updated and merged records get back the values the import replaced
    and lose the rows and company links it added, except what was changed since — fields keep their newer
    value and rows edited after the import stay; both are counted in the result."""
    from clientela.history.models import FieldChange
    from clientela.history.services import changes_record

    access.require(by, "import", job.entity)
    if job.dry_run or job.undone_at or job.is_active:
        raise ImportFileError(_("This import cannot be undone."), code="not_undoable")
    entity = entities.get(job.entity)
    now = timezone.now()
    written = list(job.rows.filter(action__in=[ImportRow.Action.CREATED, *ImportRow.ON_EXISTING])
                   .values_list("action", "record_id", "related"))
    created = [pk for action, pk, _related in written if action == ImportRow.Action.CREATED]
    companies = [pk for _action, _pk, related in written for pk in related.get("companies", [])]
    for key, ids in ((job.entity, created), ("companies", companies)):
        if not ids:
            continue
        model = entities.get(key).model
        model.objects.filter(pk__in=ids).update(deleted_at=now, updated_by=by, updated_at=now)
        for pk in ids:
            emit(DomainEvent(name="record.deleted", workspace_id=job.workspace_id, entity=key, record_id=str(pk),
                             actor_id=by.pk))
        FieldChange.objects.bulk_create([
            FieldChange(workspace=job.workspace, entity=key, record_id=pk, action=FieldChange.Action.DELETED,
                        actor=by, batch=job.pk) for pk in ids])
    inlines = {inline.name: inline for inline in entity.inlines}
    fed, result, labels = _fed_attnames(job, entity.model), UndoResult(), {}
    finished = job.finished_at or now
    for row in job.rows.filter(action__in=ImportRow.ON_EXISTING):
        record = entity.model.objects.filter(pk=row.record_id).first()
        if record is None:
            continue
        before = snapshot(entity, record)
        kept = _undo_record(record, *_undo_values(job, row, record, fed), by)
        if kept:
            result.kept_records += 1
            result.kept_fields += len(kept)
            labels.update(dict.fromkeys(kept))
        for name, ids in row.related.items():
            if name in inlines:
                added = inlines[name].formset.model.objects.filter(pk__in=ids)
                edited = added.filter(updated_at__gt=finished).count()  # a later change is someone's work: kept
                added.exclude(updated_at__gt=finished).delete()
                if edited:
                    result.kept_rows += edited
                    result.row_labels = list(dict.fromkeys([*result.row_labels, str(inlines[name].label)]))
        # in the history, what undo put back
        changes = snapshot_changes(before, snapshot(entity, entity.model.objects.get(pk=record.pk)))
        changes_record(workspace=job.workspace, entity=job.entity, record_id=record.pk,
                       action=FieldChange.Action.UPDATED, actor=by, changes=changes)
        emit(DomainEvent(name="record.updated", workspace_id=job.workspace_id, entity=job.entity,
                         record_id=str(record.pk), actor_id=by.pk,
                         changes={name: {"old": old, "new": new} for name, (_label, old, new) in changes.items()}))
    named = entity_for(by, entity)  # with the workspace's custom fields
    result.field_labels = [named.field_label(f"cf_{key.removeprefix('custom.')}") if key.startswith("custom.")
                           else named.field_label(entity.model._meta.get_field(key).name) for key in labels]
    job.status, job.undone_at = ImportJob.Status.UNDONE, now
    job.save(update_fields=["status", "undone_at", "updated_at"])
    audit_log(action="import.undone", actor=by, target=job,
              details={"entity": job.entity, "kept_records": result.kept_records,
                       "kept_fields": result.kept_fields, "kept_field_names": list(labels),
                       "kept_rows": result.kept_rows})
    return result


def row_report(job: ImportJob) -> str:
    """What happened to every row, as CSV: row, outcome, record (created, updated, merged into or matched),
    reasons (why a row was rejected, or which rule matched it to a record or an earlier row)."""
    labels = dict(ImportRow.Action.choices)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("row"), _("outcome"), _("record"), _("reasons")])
    for row in job.rows.order_by("number").iterator(chunk_size=5000):
        reasons = "; ".join(f"{e['field']}: {e['message']}" if e.get("field") else e["message"] for e in row.errors)
        made_up = job.dry_run and row.action == ImportRow.Action.CREATED  # a dry run creates nothing
        writer.writerow([row.number, str(labels[row.action]), "" if made_up else row.record_id or "",
                         neutralise(reasons)])
    return out.getvalue()


def error_file(job: ImportJob) -> str:
    """The rejected rows as CSV, with an "errors" column, ready to fix and import again."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*_table(job).headers, _("errors")])
    for row in job.rows.filter(action=ImportRow.Action.REJECTED):
        message = "; ".join(f"{e['field']}: {e['message']}" if e.get("field") else e["message"] for e in row.errors)
        writer.writerow([neutralise(str(c)) for c in row.cells] + [neutralise(message)])
    return out.getvalue()
