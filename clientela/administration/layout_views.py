"""Layout settings: sections of the detail page and form, and the list's default columns, per role."""

from dataclasses import replace

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clientela.customization.layouts import layout_reset, layout_save, layout_state
from clientela.customization.models import Layout
from clientela.registry import entities
from clientela.registry.custom_fields import with_custom_fields
from clientela.security import role_services
from clientela.security.decorators import admin_required

from .layout_forms import LayoutForm, layout_default_state


def _entity_and_role(entity_key, role_key):
    entity = entities.get_or_none(entity_key)
    if entity is None:
        raise Http404
    role = role_services.role_spec(role_key) if role_key else None
    if role_key and role is None:
        raise Http404
    return replace(entity, **with_custom_fields(entity)), role


def _editor_url(entity_key, role_key):
    url = reverse("layout_edit", kwargs={"entity": entity_key})
    return f"{url}?role={role_key}" if role_key else url


@admin_required
def layout_edit(request, entity):
    role_key = request.GET.get("role", "")
    entity, role = _entity_and_role(entity, role_key)
    layouts = {row.role: row for row in Layout.objects.filter(entity=entity.key)}
    current = layouts.get(role_key)
    state = layout_state(current) or layout_state(layouts.get("")) or layout_default_state(entity)
    form = LayoutForm(request.POST if request.method == "POST" else None, entity=entity, role=role, state=state)
    if request.method == "POST" and form.is_valid():
        layout_save(entity_key=entity.key, role_key=role_key, sections=form.cleaned_data["sections"],
                    list_columns=form.cleaned_data["list_columns"], by=request.user,
                    reason=form.cleaned_data["reason"], request=request)
        messages.success(request, _("Layout saved."))
        return redirect(_editor_url(entity.key, role_key))
    return render(request, "administration/layouts/edit.html", {
        "entity": entity, "role": role, "role_key": role_key, "form": form, "layout": current,
        "all_entities": entities.all_entities(), "roles": role_services.roles_of_workspace(),
        "customised_roles": set(layouts), "available": form.choices["sections"].items(),
    }, status=422 if form.errors else 200)


@require_POST
@admin_required
def layout_reset_view(request, entity):
    role_key = request.GET.get("role", "")
    entity, _role = _entity_and_role(entity, role_key)
    if layout_reset(entity_key=entity.key, role_key=role_key, by=request.user,
                    reason=request.POST.get("reason", "").strip()[:300], request=request):
        messages.success(request, _("Layout reset to the default arrangement."))
    return redirect(_editor_url(entity.key, role_key))
