"""The import wizard: upload → mapping and options → (dry-run report) → run with live progress → undo."""


from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from clientela.registry.views import entity_view
from clientela.security import access

from . import duplicates
from . import mapping as column_mapping
from .forms import DELIMITERS, FileSettingsForm, OptionsForm, UploadForm
from .models import ImportJob, ImportMapping
from .readers import ImportFileError, check_size
from .services import (
    error_file,
    import_can_resume,
    import_create,
    import_reread,
    import_undo,
    job_copy,
    job_sheets,
    read_job_table,
    row_report,
)
from .tasks import import_job_run

import_view = entity_view("import")


def _job(request, entity, pk) -> ImportJob:
    job = get_object_or_404(ImportJob, pk=pk, entity=entity.key)
    if job.created_by_id != request.user.pk and not access.is_admin(request.user):
        raise Http404
    return job


@import_view
def import_upload(request, entity):
    form = UploadForm(request.POST or None, request.FILES or None, entity_key=entity.key)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        saved = form.cleaned_data["saved_mapping"]
        try:
            check_size(upload.size)
            job = import_create(user=request.user, entity_key=entity.key, data=upload.read(), file_name=upload.name,
                                mapping=saved.mapping if saved else None, require_mapping=False,
                                options={"encoding": form.cleaned_data["encoding"],
                                         "sheet": form.cleaned_data["sheet"]})
        except ImportFileError as exc:
            form.add_error("file", exc)
        else:
            return redirect("import_mapping", entity.key, job.pk)
    jobs = ImportJob.objects.filter(entity=entity.key, created_by=request.user)[:5]
    return render(request, "transfer/upload.html", {"entity": entity, "form": form, "jobs": jobs})


@import_view
def import_mapping(request, entity, pk):
    job = _job(request, entity, pk)
    if job.status != ImportJob.Status.PENDING or job.rows.exists():
        return redirect("import_job", entity.key, job.pk)
    table = read_job_table(job)
    rereading = request.method == "POST" and "reread" in request.POST
    reading = FileSettingsForm(request.POST if rereading else None, sheets=job_sheets(job, table), prefix="file",
                               initial={k: job.options.get(k, "") for k in ("encoding", "delimiter", "sheet")})
    if rereading and reading.is_valid():
        try:
            import_reread(job, user=request.user, **reading.cleaned_data)
        except ImportFileError as exc:
            reading.add_error(None, exc)
        else:
            return redirect("import_mapping", entity.key, job.pk)
    samples = []
    for _number, cells in table.rows:
        samples.append(cells)
        if len(samples) >= 3:
            break
    targets = column_mapping.targets(entity, request.user)
    options = OptionsForm(request.POST if request.method == "POST" and not rereading else None,
                          initial={"dry_run": True})
    error = ""
    if request.method == "POST" and not rereading and options.is_valid():
        chosen = {header: request.POST.get(f"col-{index}", "") for index, header in enumerate(table.headers)}
        try:
            job.mapping = column_mapping.validate_mapping(entity, request.user, chosen, table.headers)
            if not job.mapping:
                raise ImportFileError(_("No column of the file is mapped to a field."), code="bad_mapping")
        except ImportFileError as exc:
            error = " ".join(exc.messages)
        else:
            data = options.cleaned_data
            job.dry_run = data["dry_run"]
            job.options.update({"on_duplicate": data["on_duplicate"], "region": data["region"].upper(),
                                "date_order": data["date_order"], "decimal_mark": data["decimal_mark"],
                                "all_or_nothing": data["all_or_nothing"]})
            job.save()
            if data["save_as"]:
                ImportMapping.objects.update_or_create(
                    workspace=job.workspace, entity=entity.key, name=data["save_as"],
                    defaults={"mapping": job.mapping, "created_by": request.user})
            import_job_run.enqueue(str(job.pk))
            return redirect("import_job", entity.key, job.pk)
    columns = [{"index": index, "header": header, "target": job.mapping.get(header, ""),
                "samples": [row[index] for row in samples if index < len(row)]}
               for index, header in enumerate(table.headers)]
    return render(request, "transfer/mapping.html", {"entity": entity, "job": job, "columns": columns,
                                                     "targets": sorted(targets.items(), key=lambda t: t[1]),
                                                     "options": options, "error": error, "reading": reading,
                                                     "read_as": _read_as(table, reading)})


def _read_as(table, reading) -> dict:
    """What the file was read as, in words: its encoding and separator, or its sheet."""
    if "sheet" in reading.fields:
        return {"sheet": reading.initial.get("sheet") or next(iter(reading.fields["sheet"].choices), ("", ""))[0]}
    return {"encoding": table.encoding, "delimiter": dict(DELIMITERS).get(table.delimiter, table.delimiter)}


@import_view
def import_job(request, entity, pk):
    job = _job(request, entity, pk)
    context = {"entity": entity, "job": job, "can_resume": import_can_resume(job),
               "rejected": job.rows.filter(action="rejected")[:100] if not job.is_active else [],
               "duplicates": job.rows.filter(action="duplicate")[:20] if not job.is_active else [],
               "similar_rows": duplicates.SIMILAR_ROWS}
    if request.htmx:
        return render(request, "transfer/_progress.html", context)
    return render(request, "transfer/job.html", context)


@require_POST
@import_view
def import_confirm(request, entity, pk):
    """After a dry run: the same file, mapping and options, for real."""
    job = _job(request, entity, pk)
    if not job.dry_run or job.is_active:
        raise Http404
    real = job_copy(job)
    import_job_run.enqueue(str(real.pk))
    return redirect("import_job", entity.key, real.pk)


@require_POST
@import_view
def import_resume(request, entity, pk):
    """Pick up a failed or killed run from its last committed batch."""
    job = _job(request, entity, pk)
    if not import_can_resume(job):
        raise Http404
    import_job_run.enqueue(str(job.pk))
    return redirect("import_job", entity.key, job.pk)


@import_view
def import_errors(request, entity, pk):
    job = _job(request, entity, pk)
    return _csv(error_file(job), f"errors-{job.pk}.csv")


@import_view
def import_report(request, entity, pk):
    job = _job(request, entity, pk)
    return _csv(row_report(job), f"report-{job.pk}.csv")


def _csv(text: str, name: str) -> HttpResponse:
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@import_view
def import_undo_view(request, entity, pk):
    job = _job(request, entity, pk)
    try:
        result = import_undo(job=job, by=request.user)
    except ImportFileError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        message = _("The import was undone.")
        if result.kept_fields:
            message += " " + ngettext(
                "%(records)d updated or merged record was edited after the import: the fields changed since keep "
                "their current value (%(fields)s).",
                "%(records)d updated or merged records were edited after the import: the fields changed since "
                "keep their current value (%(fields)s).", result.kept_records) % {
                "records": result.kept_records, "fields": ", ".join(result.field_labels)}
        if result.kept_rows:
            message += " " + ngettext(
                "%(count)d item the import added was edited since and was kept (%(kinds)s).",
                "%(count)d items the import added were edited since and were kept (%(kinds)s).",
                result.kept_rows) % {"count": result.kept_rows, "kinds": ", ".join(result.row_labels)}
        messages.success(request, message)
    return redirect("import_jobs", entity.key)


@import_view
def import_jobs(request, entity):
    jobs = ImportJob.objects.filter(entity=entity.key).select_related("created_by")
    if not access.is_admin(request.user):
        jobs = jobs.filter(created_by=request.user)
    return render(request, "transfer/jobs.html", {"entity": entity, "jobs": jobs[:100]})
