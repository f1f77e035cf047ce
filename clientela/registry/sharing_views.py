"""Sharing a record with a person or team, and handing it to a new owner — from its detail page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from clientela.security import access, sharing
from clientela.security.models import RecordShare
from clientela.workspaces.models import Team
from clientela.workspaces.selectors import workspace_members

from . import services
from .views import entity_view


def _editable(request, entity, pk):
    record = access.get_visible_or_404(request.user, entity.model.objects.all(), entity.key, pk)
    if not sharing.may_share(request.user, entity.key, record):
        raise PermissionDenied(_("Only people who may edit this record can do this."))
    return record


@require_POST
@entity_view("view")
def record_share(request, entity, pk):
    record = _editable(request, entity, pk)
    target = request.POST.get("target", "")
    kind, _sep, target_id = target.partition(":")
    user = workspace_members().filter(pk=target_id).first() if kind == "user" and target_id.isdigit() else None
    team = Team.objects.filter(pk=target_id).first() if kind == "team" and target_id else None
    try:
        sharing.share_add(entity=entity.key, record=record, by=request.user, user=user, team=team,
                          can_edit=request.POST.get("can_edit") == "1", request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Shared with %(target)s.") % {"target": user or team})
    return redirect("record_detail", entity=entity.key, pk=record.pk)


@require_POST
@entity_view("view")
def record_unshare(request, entity, pk, share_id):
    record = _editable(request, entity, pk)
    share = get_object_or_404(RecordShare, pk=share_id, entity=entity.key, record_id=record.pk)
    sharing.share_remove(share=share, record=record, by=request.user, request=request)
    messages.success(request, _("Sharing removed."))
    return redirect("record_detail", entity=entity.key, pk=record.pk)


@require_POST
@entity_view("edit")
def record_transfer(request, entity, pk):
    record = access.get_visible_or_404(request.user, entity.model.objects.all(), entity.key, pk)
    new_owner = workspace_members().filter(pk=request.POST.get("owner") or 0).first() \
        if (request.POST.get("owner") or "").isdigit() else None
    if new_owner is None:
        messages.error(request, _("“New owner”: choose a member of this workspace."))
        return redirect("record_detail", entity=entity.key, pk=record.pk)
    moved = services.record_transfer(entity=entity, record=record, new_owner=new_owner, by=request.user,
                                     include_related=request.POST.get("include_related") == "1")
    messages.success(request, ngettext("%(count)d record now belongs to %(owner)s.",
                                       "%(count)d records now belong to %(owner)s.", moved)
                     % {"count": moved, "owner": new_owner})
    return redirect("record_detail", entity=entity.key, pk=record.pk)
