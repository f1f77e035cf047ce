"""Workspace settings for administrators: roles, sharing rules and custom fields."""

import csv
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clientela.common.spreadsheets import neutralise
from clientela.customization import services as custom_fields
from clientela.customization.changes import config_change_record
from clientela.customization.conversion import conversion_plan, convert_values
from clientela.customization.models import FieldDefinition
from clientela.customization.security_config import role_state, sharing_rule_state, sharing_rule_target
from clientela.registry import entities
from clientela.security import role_services, sharing
from clientela.security.decorators import admin_required
from clientela.security.models import Role, SharingRule
from clientela.workspaces.models import Membership

from .custom_field_forms import CustomFieldForm
from .forms import RoleForm, SharingRuleForm


@admin_required
def role_list(request):
    counts: dict[str, int] = {}
    for key in Membership.objects.filter(workspace=request.workspace, is_active=True).values_list("role", flat=True):
        counts[key] = counts.get(key, 0) + 1
    roles = [{"spec": spec, "members": counts.get(spec.key, 0)} for spec in role_services.roles_of_workspace()]
    return render(request, "administration/roles.html", {"roles": roles})


@admin_required
@transaction.atomic
def role_edit(request, key=None):
    spec = role_services.role_spec(key) if key else None
    if key and spec is None:
        raise Http404
    form = RoleForm(request.POST or None, spec=spec, creating=key is None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = key or slugify(data["name"])[:40]
        before = role_state(Role.objects.filter(key=target).first())
        role = role_services.role_save(
            key=key or slugify(data["name"])[:40], name=data["name"], rules=form.rules(), is_admin=data["is_admin"],
            requires_two_factor=data["requires_two_factor"], description=data["description"], by=request.user,
            request=request)
        config_change_record(kind="role", target=target, before=before, after=role_state(role), by=request.user,
                             reason=request.POST.get("reason", ""))
        messages.success(request, _("Role “%(name)s” saved.") % {"name": role.name})
        return redirect("role_list")
    return render(request, "administration/role_form.html", {"form": form, "spec": spec},
                  status=422 if form.errors else 200)


@require_POST
@admin_required
def member_role(request, pk):
    membership = get_object_or_404(Membership, pk=pk, workspace=request.workspace)
    key = request.POST.get("role", "")
    if role_services.role_spec(key) is None:
        messages.error(request, _("“Role”: choose one of the listed roles."))
    else:
        try:
            role_services.member_role_set(membership=membership, role_key=key, by=request.user, request=request)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("%(user)s is now %(role)s.") % {
                "user": membership.user, "role": role_services.role_spec(key).name})
    return redirect("team_list")


@admin_required
def sharing_rule_list(request):
    return render(request, "administration/sharing_rules.html",
                  {"rules": SharingRule.objects.select_related("team").order_by("entity", "name")})


@admin_required
@transaction.atomic
def sharing_rule_edit(request, pk=None):
    rule = get_object_or_404(SharingRule, pk=pk) if pk else SharingRule(workspace=request.workspace)
    form = SharingRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        before = sharing_rule_state(SharingRule.objects.filter(pk=rule.pk).first()) if pk else None
        old_target = sharing_rule_target(SharingRule.objects.get(pk=rule.pk)) if pk else None
        saved = sharing.sharing_rule_save(rule=form.save(commit=False), by=request.user, request=request)
        if old_target and old_target != sharing_rule_target(saved):  # renamed: the old one is gone
            config_change_record(kind="sharing_rule", target=old_target, before=before, after=None, by=request.user,
                                 reason=request.POST.get("reason", ""))
            before = None
        config_change_record(kind="sharing_rule", target=sharing_rule_target(saved), before=before,
                             after=sharing_rule_state(saved), by=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, _("Sharing rule saved."))
        return redirect("sharing_rule_list")
    return render(request, "administration/sharing_rule_form.html", {"form": form, "rule": rule},
                  status=422 if form.errors else 200)


@require_POST
@admin_required
@transaction.atomic
def sharing_rule_delete(request, pk):
    rule = get_object_or_404(SharingRule, pk=pk)
    config_change_record(kind="sharing_rule", target=sharing_rule_target(rule), before=sharing_rule_state(rule),
                         after=None, by=request.user, reason=request.POST.get("reason", ""))
    sharing.sharing_rule_delete(rule=rule, by=request.user, request=request)
    messages.success(request, _("Sharing rule deleted."))
    return redirect("sharing_rule_list")


def _entity_or_404(key):
    entity = entities.get_or_none(key)
    if entity is None:
        raise Http404
    return entity


@admin_required
def custom_field_list(request, entity):
    entity = _entity_or_404(entity)
    return render(request, "administration/custom_fields.html", {
        "entity": entity, "all_entities": entities.all_entities(),
        "fields": FieldDefinition.objects.filter(entity=entity.key).order_by("position", "label_en"),
        "trashed": FieldDefinition.trashed.filter(entity=entity.key).order_by("label_en")})


@admin_required
def custom_field_edit(request, entity, pk=None):
    entity = _entity_or_404(entity)
    definition = get_object_or_404(FieldDefinition, pk=pk, entity=entity.key) if pk else \
        FieldDefinition(workspace=request.workspace, entity=entity.key)
    old = FieldDefinition.objects.get(pk=definition.pk) if pk else None
    form = CustomFieldForm(request.POST or None, instance=definition, entity_key=entity.key)
    if request.method == "POST" and form.is_valid():
        new = form.save(commit=False)
        if old is not None and old.kind != new.kind:
            converted, failed = conversion_plan(entity.model, old, new)
            if request.POST.get("confirm_conversion") != "1":
                return render(request, "administration/custom_field_form.html", {
                    "form": form, "entity": entity, "definition": definition,
                    "conversion": {"converted": len(converted), "failed": len(failed),
                                   "examples": [str(value) for _record, value in failed[:5]]}})
            with transaction.atomic():
                convert_values(entity.model, old, new)
                saved = custom_fields.field_save(definition=new, by=request.user, request=request,
                                                 reason=form.cleaned_data["reason"])
            if failed:
                messages.warning(request, _("%(count)d values could not be converted; they are kept in the field's "
                                            "archive.") % {"count": len(failed)})
        else:
            saved = custom_fields.field_save(definition=new, by=request.user, request=request,
                                             reason=form.cleaned_data["reason"])
        messages.success(request, _("Field “%(label)s” saved.") % {"label": saved.label})
        return redirect("custom_field_list", entity=entity.key)
    return render(request, "administration/custom_field_form.html",
                  {"form": form, "entity": entity, "definition": definition}, status=422 if form.errors else 200)


@require_POST
@admin_required
def custom_field_trash(request, entity, pk):
    definition = get_object_or_404(FieldDefinition, pk=pk, entity=entity)
    custom_fields.field_trash(definition=definition, by=request.user, request=request)
    messages.success(request, _("Field “%(label)s” moved to the trash; its values are kept.") % {"label": definition.label})
    return redirect("custom_field_list", entity=entity)


@require_POST
@admin_required
def custom_field_restore(request, entity, pk):
    definition = get_object_or_404(FieldDefinition.trashed, pk=pk, entity=entity)
    custom_fields.field_restore(definition=definition, by=request.user, request=request)
    messages.success(request, _("Field “%(label)s” restored with its values.") % {"label": definition.label})
    return redirect("custom_field_list", entity=entity)


@admin_required
def custom_field_archive(request, entity, pk):
    """Values that did not survive a type change, as CSV (formulas neutralised)."""
    definition = get_object_or_404(FieldDefinition.with_trashed, pk=pk, entity=entity)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{entity}-{definition.key}-archive.csv"'
    writer = csv.writer(response)
    writer.writerow(["record_id", "old_type", "value", "archived_at"])
    for row in definition.archived_values.all():
        writer.writerow([row.record_id, row.old_kind, neutralise(json.dumps(row.value, ensure_ascii=False)),
                         row.created_at.isoformat()])
    return response
