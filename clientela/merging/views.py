"""Pages: the duplicate finder, the side-by-side merge, and the merges history with undo."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clientela.registry import entities
from clientela.registry.display import value_display
from clientela.registry.selectors import parse_uuid_list
from clientela.registry.views import entity_view
from clientela.registry.visibility import entity_for
from clientela.security import access

from . import selectors, services
from .finder import rule_label
from .moves import moved_counts

PER_PAGE = 20
SUMMARY_COLUMNS = 4


def _require_merge_rights(user, entity) -> None:
    if not access.can(user, "delete", entity.key):
        raise PermissionDenied(_("Merging needs the right to edit and to delete these records."))


def _summary(entity, record) -> list[str]:
    return [value_display(entity, record, c) for c in entity.list_columns[:SUMMARY_COLUMNS]]


@entity_view("edit")
def duplicates_page(request, entity):
    _require_merge_rights(request.user, entity)
    groups, computed_at = selectors.duplicate_groups(request.user, entity, refresh="refresh" in request.GET)
    page = Paginator(groups, PER_PAGE).get_page(request.GET.get("page"))
    ids = [pk for group in page for pk in group.ids]
    found = {str(r.pk): r for r in access.visible(request.user, entity.base_queryset().filter(pk__in=ids), entity.key)}
    rows = []
    for group in page:
        records = [found[pk] for pk in group.ids if pk in found]
        if len(records) < 2:
            continue  # merged or deleted since the search
        rows.append({"score": group.score, "rules": [rule_label(r) for r in sorted(group.rules)],
                     "records": [{"record": r, "cells": _summary(entity, r)} for r in records],
                     "merge_query": urlencode([("ids", str(r.pk)) for r in records])})
    return render(request, "merging/duplicates.html", {
        "entity": entity, "rows": rows, "page": page, "total": len(groups),
        "columns": [entity.field_label(c) for c in entity.list_columns[:SUMMARY_COLUMNS]],
        "computed_at": parse_datetime(computed_at), "threshold": selectors.name_threshold(),
        "is_admin": access.is_admin(request.user)})


@require_POST
@entity_view("edit")
def duplicates_settings(request, entity):
    try:
        threshold = int(request.POST.get("name_threshold", ""))
        services.duplicate_settings_save(name_threshold=threshold, by=request.user)
    except ValueError:
        messages.error(request, _("“Name similarity threshold”: choose a number from 50 to 100."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Duplicate finder threshold saved."))
    return redirect("duplicates_find", entity.key)


def _merge_url(entity, ids, master=None) -> str:
    params = [("ids", str(pk)) for pk in ids] + ([("master", str(master))] if master else [])
    return f"{reverse('merge_records', args=[entity.key])}?{urlencode(params)}"


@require_http_methods(["GET", "POST"])
@entity_view("edit")
def merge_page(request, entity):
    _require_merge_rights(request.user, entity)
    data = request.POST if request.method == "POST" else request.GET
    ids = list(dict.fromkeys(str(pk) for pk in parse_uuid_list(data.getlist("ids"))))
    if request.method == "POST" and "confirm" not in request.POST:
        # from the list's bulk bar: show the side-by-side page for the selection
        if len(ids) < 2:
            messages.error(request, _("Select at least two records to merge."))
            back = request.POST.get("next", "")
            return redirect(back if back.startswith("/") and not back.startswith("//") else
                            reverse("record_list", args=[entity.key]))
        return redirect(_merge_url(entity, ids))
    records = {str(r.pk): r for r in access.visible(request.user, entity.base_queryset().filter(pk__in=ids),
                                                     entity.key)}
    if len(records) != len(ids):
        raise Http404
    error = ""
    if len(ids) < 2:
        error = _("Select at least two records to merge.")
    elif len(ids) > services.MAX_RECORDS:
        error = _("Merge at most %(max)d records at a time.") % {"max": services.MAX_RECORDS}
    master = str(data.get("master") or "")
    if master not in records:
        master = ids[0] if ids else ""
    if request.method == "POST" and not error:
        names = services.merge_fields(entity)
        choices = {name: request.POST[f"f_{name}"] for name in names if f"f_{name}" in request.POST}
        try:
            merge = services.records_merge(entity=entity, survivor_id=master,
                                           loser_ids=[pk for pk in ids if pk != master], choices=choices,
                                           by=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            selectors.forget_duplicate_groups(request.user, entity)
            messages.success(request, _("Merged %(names)s into “%(survivor)s”. You can undo it from the merges "
                                        "page.") % {"names": ", ".join(merge.loser_labels),
                                                    "survivor": merge.survivor_label})
            return redirect("record_detail", entity.key, master)
    ordered = [records[pk] for pk in ids if pk in records]
    ordered.sort(key=lambda r: str(r.pk) != master)
    return render(request, "merging/merge.html", {
        "entity": entity, "master": master, "error": error,
        "records": [{"record": r, "is_master": str(r.pk) == master, "switch_url": _merge_url(entity, ids, r.pk)}
                    for r in ordered],
        "fields": _field_rows(entity, ordered, request.POST if request.method == "POST" else None) if ordered else []},
        status=422 if error and request.method == "POST" else 200)


def _field_rows(entity, records, posted) -> list[dict]:
    """One row per field the user picks: each record's value and which one is chosen."""
    names = services.merge_fields(entity)
    defaults = services.default_sources(entity, records, names)
    rows = []
    for name in names:
        values = [services.raw_value(entity, r, name) for r in records]
        chosen = posted.get(f"f_{name}", defaults[name]) if posted else defaults[name]
        rows.append({"name": name, "label": entity.field_label(name), "same": len({str(v) for v in values}) == 1,
                     "cells": [{"pk": str(r.pk), "display": value_display(entity, r, name),
                                "chosen": str(r.pk) == chosen} for r in records]})
    return rows


@login_required
def merges_page(request):
    merges = Paginator(selectors.merges_for(request.user), 30).get_page(request.GET.get("page"))
    rows = [{"merge": m, "entity": entities.get_or_none(m.entity), "moved": moved_counts(m.moved)} for m in merges]
    return render(request, "merging/merges.html", {"rows": rows, "page": merges})


@require_POST
@login_required
def merge_undo(request, pk):
    merge = get_object_or_404(selectors.merges_for(request.user), pk=pk)
    found = entities.get_or_none(merge.entity)
    if found is None:
        raise Http404
    try:
        kept = services.merge_undo(merge=merge, entity=entity_for(request.user, found), by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("merges")
    message = _("Merge undone: %(names)s restored.") % {"names": ", ".join(merge.loser_labels)}
    if kept:
        message += " " + _("These fields were changed after the merge and keep their current value: "
                           "%(fields)s.") % {"fields": ", ".join(kept)}
    messages.success(request, message)
    return redirect("merges")

