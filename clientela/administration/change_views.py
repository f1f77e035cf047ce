"""The configuration change log, roll-back of one change, and configuration bundles (export / import)."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clientela.customization import bundles
from clientela.customization.changes import config_change_rollback
from clientela.customization.models import ConfigChange
from clientela.security.decorators import admin_required


@admin_required
def change_list(request):
    changes = ConfigChange.objects.select_related("actor").order_by("-created_at")
    kind = request.GET.get("kind", "")
    if kind in ConfigChange.Kind.values:
        changes = changes.filter(kind=kind)
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    return render(request, "administration/changes.html", {"page": page, "kinds": ConfigChange.Kind.choices,
                                                           "kind": kind})


@require_POST
@admin_required
def change_rollback(request, pk):
    change = get_object_or_404(ConfigChange, pk=pk)
    try:
        config_change_rollback(change=change, by=request.user, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("“%(target)s” is back as it was before that change.") % {"target": change.target})
    return redirect("config_changes")


@admin_required
def bundle_export_view(request):
    data = json.dumps(bundles.bundle_export(), indent=2, ensure_ascii=False, sort_keys=True)
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="clientela-config-{request.workspace.slug}-{stamp}.json"'
    return response


@admin_required
def bundle_import_view(request):
    """Upload a bundle, see what it would add, change and remove, then apply it in one go."""
    context: dict = {}
    if request.method == "POST":
        try:
            bundle = bundles.bundle_read(request.FILES.get("bundle") or request.POST.get("bundle_json", ""))
            context["diff"] = bundles.bundle_diff(bundle)
            context["bundle_json"] = json.dumps(bundle, ensure_ascii=False)
            if request.POST.get("apply") == "1":
                applied = bundles.bundle_import(bundle, by=request.user, reason=request.POST.get("reason", ""))
                messages.success(request, _("Configuration imported: %(count)d changes applied.") % {"count": applied})
                return redirect("config_changes")
        except ValidationError as exc:
            context["errors"] = exc.messages
    return render(request, "administration/bundle_import.html", context, status=422 if "errors" in context else 200)
