"""Generic pages for every registered entity: list, detail, create, edit, trash, bulk, export."""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clientela.common.models import related_rows
from clientela.customization import picklists
from clientela.customization.layouts import detail_sections, form_sections
from clientela.history.selectors import history_for
from clientela.security import access, sharing
from clientela.timeline.sources import timeline
from clientela.workspaces.models import Team
from clientela.workspaces.selectors import workspace_members

from . import entities, export_jobs, exports, services
from .custom_fields import custom_filter_choices
from .display import value_display
from .export_audit import records_export_audit
from .models import ExportJob, SavedView
from .selectors import (
    PER_PAGE_CHOICES,
    ListQuery,
    capped_count,
    estimated_count,
    parse_uuid_list,
    record_list,
    saved_views_for,
    search_top,
)
from .tasks import export_job_task
from .visibility import entity_for

HISTORY_ROWS = 25  # newest changes in a record page's history table; older ones are in its timeline


def entity_view(verb: str):
    """Resolve the entity from the URL and refuse users whose role lacks the verb on it."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, entity, *args, **kwargs):
            found = entities.get_or_none(entity)
            if found is None:
                raise Http404
            if not access.can(request.user, verb, found.key):
                raise PermissionDenied(_("Your role does not allow this."))
            return view(request, entity_for(request.user, found), *args, **kwargs)

        return wrapper

    return decorator


def _filter_options(entity, user, selected, members):
    options = []
    for name in entity.filters:
        if definition := entity.custom(name):
            options.append({"name": name, "label": definition.label, "choices": custom_filter_choices(definition),
                            "selected": selected.get(name, "")})
            continue
        field = entity.field(name)
        if name == "owner":
            choices = [("me", _("Me")), ("none", _("Nobody"))] + [(str(u.pk), str(u)) for u in members]
        elif field.many_to_many:
            choices = [(t.name, t.name) for t in field.related_model.objects.all()[:200]]
        else:  # the workspace's options, deactivated ones included: old records still hold them
            choices = [(o["value"], picklists.label(o)) for o in picklists.picklist_options(entity.key, name, field)]
        options.append({"name": name, "label": str(field.verbose_name), "choices": choices,
                        "selected": selected.get(name, "")})
    return options


@entity_view("view")
def record_list_page(request, entity):
    params = request.GET
    saved = None
    if "view" in params:
        view_ids = parse_uuid_list([params["view"]])
        saved = saved_views_for(entity, request.user).filter(pk__in=view_ids).first() if view_ids else None
        if saved:
            params = params.copy()
            for key, value in saved.query.items():
                params.setdefault(key, value)
    query = ListQuery.from_params(entity, params)
    queryset = record_list(entity, request.user, query)
    total, exact = capped_count(queryset)
    estimate = None if exact else estimated_count(queryset)
    pages = max(1, -(-total // query.per_page))
    page = min(query.page, pages) if exact else query.page
    offset = (page - 1) * query.per_page
    rows = list(queryset[offset: offset + query.per_page + 1])
    has_next = len(rows) > query.per_page
    rows = rows[: query.per_page]
    columns = [{"name": c, "label": entity.field_label(c), "sortable": c in entity.sortable}
               for c in entity.list_columns]
    members = list(workspace_members())  # the owner filter's and the bulk bar's choices
    context = {
        "entity": entity,
        "query": query,
        "rows": [{"record": r, "cells": [value_display(entity, r, c) for c in entity.list_columns]} for r in rows],
        "columns": columns,
        "total": total,
        "exact": exact,
        "estimate": estimate,
        "page": page,
        "pages": pages,
        "has_next": has_next,
        "per_page_choices": PER_PAGE_CHOICES,
        "filters": _filter_options(entity, request.user, query.filters or {}, members),
        "saved_views": saved_views_for(entity, request.user),
        "saved_view": saved,
        "teams": Team.objects.filter(pk__in=access.teams_of(request.user)),
        "base_params": query.as_params(),
        "can_create": access.can(request.user, "create", entity.key),
        "can_edit": access.can(request.user, "edit", entity.key),
        "can_delete": access.can(request.user, "delete", entity.key),
        "can_export": access.can(request.user, "export", entity.key),
        "can_import": access.can(request.user, "import", entity.key),
        "bulk_fields": [{"name": n, "label": entity.field_label(n),
                         "choices": _bulk_choices(entity, n, members)} for n in entity.bulk_fields],
    }
    template = "registry/_list_results.html" if request.htmx and not request.htmx.boosted else "registry/list.html"
    return render(request, template, context)


def _bulk_choices(entity, name, members=None):
    if name == "owner":
        return [(str(u.pk), str(u)) for u in (workspace_members() if members is None else members)]
    return picklists.choices(picklists.picklist_options(entity.key, name, entity.field(name)), blank=False)


def _timeline_refs(request, entity, record) -> dict[str, list]:
    """The record and the related records (the user may see) whose items belong on its timeline."""
    refs = {entity.key: [record.pk]}
    if entity.related_records:
        for key, ids in entity.related_records(request.user, record).items():
            related = entities.get(key)
            refs[key] = list(access.visible(request.user, related.model.objects.filter(pk__in=ids), key)
                             .values_list("pk", flat=True))
    return refs


def _detail_context(request, entity, record):
    return {
        "entity": entity,
        "record": record,
        "sections": detail_sections(entity, record, value_display),  # layout sections, in order
        "inlines": [{"label": i.label, "rows": related_rows(record, i.name)} for i in entity.inlines],
        "timeline": timeline(request.user, _timeline_refs(request, entity, record)),
        "history": history_for(entity=entity.key, record_ids=[record.pk], user=request.user, limit=HISTORY_ROWS),
        "history_rows": HISTORY_ROWS,
        "can_edit": (can_edit := access.can_record(request.user, "edit", entity.key, record)),
        "can_delete": access.can_record(request.user, "delete", entity.key, record),
        "shares": sharing.shares_for(entity.key, record) if can_edit else [],
        "members": workspace_members() if can_edit else [],
        "teams": Team.objects.all() if can_edit else [],
    }


@entity_view("view")
def record_detail(request, entity, pk):
    queryset = entity.base_queryset().select_related("created_by", "updated_by")
    record = access.get_visible_or_404(request.user, queryset, entity.key, pk)
    return render(request, "registry/detail.html", _detail_context(request, entity, record))


@entity_view("view")
def record_timeline(request, entity, pk):
    """An older page of a record's timeline: the items for "Show older" (htmx), or a page of its own."""
    record = access.get_visible_or_404(request.user, entity.base_queryset(), entity.key, pk)
    try:
        offset = min(max(int(request.GET.get("offset", "0")), 0), 100_000)
    except ValueError:
        offset = 0
    context = {"entity": entity, "record": record, "offset": offset,
               "timeline": timeline(request.user, _timeline_refs(request, entity, record), offset=offset),
               "can_edit": access.can_record(request.user, "edit", entity.key, record)}
    template = "registry/_timeline_items.html" if request.htmx else "registry/timeline.html"
    return render(request, template, context)


def _bound_forms(request, entity, instance):
    data = request.POST if request.method == "POST" else None
    form = entity.form_class(data, instance=instance, user=request.user)
    formsets = [inline.formset(data, instance=instance, prefix=inline.name) for inline in entity.inlines
                if inline.name not in entity.read_only]
    return form, formsets


@entity_view("create")
def record_create(request, entity):
    instance = entity.model()
    return _edit(request, entity, instance, creating=True)


@entity_view("edit")
def record_edit(request, entity, pk):
    record = access.get_visible_or_404(request.user, entity.model.objects.all(), entity.key, pk)
    access.require_record(request.user, "edit", entity.key, record)
    return _edit(request, entity, record, creating=False)


def _edit(request, entity, instance, creating):
    form, formsets = _bound_forms(request, entity, instance)
    if request.method == "POST" and form.is_valid() and all(fs.is_valid() for fs in formsets):
        record = services.record_save(entity=entity, form=form, formsets=formsets, by=request.user)
        messages.success(request, _("Saved “%(name)s”.") % {"name": record})
        return redirect("record_detail", entity=entity.key, pk=record.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "registry/form.html",
                  {"entity": entity, "form": form, "sections": form_sections(entity, form),
                   "formsets": zip([i for i in entity.inlines if i.name not in entity.read_only], formsets, strict=True),
                   "creating": creating, "record": instance}, status=status)


@entity_view("delete")
def record_delete(request, entity, pk):
    record = access.get_visible_or_404(request.user, entity.model.objects.all(), entity.key, pk)
    access.require_record(request.user, "delete", entity.key, record)
    if request.method == "POST":
        services.record_trash(entity=entity, record=record, by=request.user)
        messages.success(request, _("“%(name)s” moved to the trash. You can restore it for 30 days.")
                         % {"name": record})
        return redirect("record_list", entity=entity.key)
    return render(request, "registry/confirm_delete.html", {"entity": entity, "record": record})


@entity_view("delete")
def record_trash_page(request, entity):
    queryset = access.visible(request.user, entity.model.trashed.all(), entity.key, "delete")
    return render(request, "registry/trash.html",
                  {"entity": entity, "rows": queryset.order_by("-deleted_at")[:200]})


def _trashed(request, entity, pk):
    return access.get_visible_or_404(request.user, entity.model.trashed.all(), entity.key, pk)


@require_POST
@entity_view("delete")
def record_restore(request, entity, pk):
    record = _trashed(request, entity, pk)
    services.record_restore(entity=entity, record=record, by=request.user)
    messages.success(request, _("“%(name)s” restored.") % {"name": record})
    return redirect("record_detail", entity=entity.key, pk=record.pk)


@require_POST
@entity_view("delete")
def record_purge(request, entity, pk):
    record = _trashed(request, entity, pk)
    services.record_purge(entity=entity, record=record, by=request.user)
    messages.success(request, _("“%(name)s” deleted permanently.") % {"name": record})
    return redirect("record_trash", entity=entity.key)


@require_POST
@entity_view("view")
def record_bulk(request, entity):
    ids = parse_uuid_list(request.POST.getlist("ids"))
    action = request.POST.get("action", "")
    back = request.POST.get("next") or reverse("record_list", kwargs={"entity": entity.key})
    if not back.startswith("/"):
        back = reverse("record_list", kwargs={"entity": entity.key})
    if not ids:
        messages.error(request, _("Select at least one record first."))
    elif action == "delete":
        count = services.records_bulk_trash(entity=entity, ids=ids, by=request.user)
        messages.success(request, _("%(count)d records moved to the trash.") % {"count": count})
    elif action in entity.bulk_fields:
        value = _bulk_value(entity, action, request.POST.get("value", ""))
        if value is _INVALID:
            messages.error(request, _("“%(field)s”: choose a valid value.") % {"field": entity.field_label(action)})
        else:
            count = services.records_bulk_update(entity=entity, ids=ids, field=action, value=value, by=request.user)
            messages.success(request, _("%(count)d records updated.") % {"count": count})
    else:
        messages.error(request, _("Choose what to do with the selected records."))
    return redirect(back)


_INVALID = object()


def _bulk_value(entity, name, raw):
    if name == "owner":
        if raw == "":
            return None
        member = workspace_members().filter(pk=raw).first() if raw.isdigit() else None
        return member or _INVALID
    valid = {value for value, _label in _bulk_choices(entity, name)}
    return raw if raw in valid else _INVALID


def _export(request, entity, export_format: str):
    """Small lists download at once; longer ones become a background job with a progress page."""
    query = ListQuery.from_params(entity, request.GET)
    queryset = record_list(entity, request.user, query)
    records_export_audit(request=request, entity=entity, queryset=queryset, query=query, export_format=export_format)
    if export_jobs.export_runs_in_background(queryset):
        job = export_jobs.export_job_create(user=request.user, entity_key=entity.key, query=query,
                                            export_format=export_format)
        export_job_task.enqueue(str(job.pk))
        return redirect("record_export_job", entity=entity.key, pk=job.pk)
    return exports.csv_response(entity, queryset) if export_format == "csv" else exports.xlsx_response(entity, queryset)


@entity_view("export")
def record_export(request, entity):
    return _export(request, entity, "csv")


@entity_view("export")
def record_export_xlsx(request, entity):
    return _export(request, entity, "xlsx")


def _export_job(request, entity, pk) -> ExportJob:
    """The requester's own export job; anyone else gets a 404, as for a record they may not see."""
    return get_object_or_404(ExportJob, pk=pk, entity=entity.key, created_by=request.user)


@entity_view("export")
def record_export_job(request, entity, pk):
    job = _export_job(request, entity, pk)
    again = reverse("record_export_xlsx" if job.export_format == "xlsx" else "record_export", kwargs={"entity": entity.key})
    context = {"entity": entity, "job": job, "expired": export_jobs.export_job_expired(job),
               "again": f"{again}?{urlencode(sorted(job.query.items()))}"}
    template = "registry/_export_progress.html" if request.htmx else "registry/export_job.html"
    return render(request, template, context)


@entity_view("export")
def record_export_download(request, entity, pk):
    job = _export_job(request, entity, pk)
    if export_jobs.export_job_expired(job):
        export_jobs.export_job_delete(job)
        raise Http404(_("This export has expired: export the list again."))
    if job.status != ExportJob.Status.DONE or not job.file:
        raise Http404
    content_type = exports.XLSX_CONTENT_TYPE if job.export_format == "xlsx" else "text/csv; charset=utf-8"
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file_name, content_type=content_type)


@require_POST
@entity_view("view")
def saved_view_create(request, entity):
    name = request.POST.get("name", "").strip()[:80]
    team = Team.objects.filter(pk=request.POST.get("team") or None, members=request.user).first() \
        if request.POST.get("team") else None
    query = ListQuery.from_params(entity, request.POST).as_params()
    if not name:
        messages.error(request, _("“Name”: give the view a name."))
        return redirect("record_list", entity=entity.key)
    view, _created = SavedView.objects.update_or_create(
        entity=entity.key, owner=request.user, name=name,
        defaults={"query": query, "team": team, "workspace": request.workspace})
    messages.success(request, _("View “%(name)s” saved.") % {"name": name})
    return redirect(f"{reverse('record_list', kwargs={'entity': entity.key})}?view={view.pk}")


@require_POST
@entity_view("view")
def saved_view_delete(request, entity, pk):
    view = get_object_or_404(SavedView, pk=pk, entity=entity.key, owner=request.user)
    view.delete()
    messages.success(request, _("View “%(name)s” deleted.") % {"name": view.name})
    return redirect("record_list", entity=entity.key)


@login_required
def global_search(request):
    text = request.GET.get("q", "").strip()[:200]
    groups = []
    if text:
        for entity in entities.all_entities():
            if not access.can(request.user, "view", entity.key):
                continue
            entity = entity_for(request.user, entity)
            queryset = access.visible(request.user, entity.base_queryset(), entity.key)
            found = search_top(entity, queryset, text)  # ids from the index first, then ten rows
            if found:
                groups.append({"entity": entity, "records": found})
    template = "registry/_search_results.html" if request.htmx else "registry/search.html"
    return render(request, template, {"q": text, "groups": groups})
