from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clientela.registry import entities
from clientela.security import access

from . import services
from .models import Attachment, Note


def _record(user, entity_key, record_id):
    entity = entities.get_or_none(entity_key)
    if entity is None:
        raise Http404
    return entity, access.get_visible_or_404(user, entity.model.objects.all(), entity.key, record_id)


@require_POST
@login_required
def note_create(request, entity, pk):
    entity, record = _record(request.user, entity, pk)
    try:
        services.note_create(entity=entity, record=record, body=request.POST.get("body", ""),
                             files=request.FILES.getlist("files"), by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Note added."))
    return redirect("record_detail", entity=entity.key, pk=record.pk)


@require_POST
@login_required
def note_delete(request, pk):
    note = get_object_or_404(Note, pk=pk)
    entity, record = _record(request.user, note.entity, note.record_id)
    services.note_delete(note=note, entity=entity, record=record, by=request.user)
    messages.success(request, _("Note deleted."))
    return redirect("record_detail", entity=entity.key, pk=record.pk)


@login_required
def attachment_download(request, pk):
    """Served only to users who may see the record the note is on; never rendered inline as HTML."""
    attachment = get_object_or_404(Attachment.objects.select_related("note"), pk=pk)
    _record(request.user, attachment.note.entity, attachment.note.record_id)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.filename,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
