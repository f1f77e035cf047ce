from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clientela.common.events import DomainEvent, emit
from clientela.common.sanitize import clean_html
from clientela.security import access
from clientela.workspaces.scoping import current_workspace

from .models import Attachment, Note
from .uploads import checked_content_type


@transaction.atomic
def note_create(*, entity, record, body: str, files=(), by) -> Note:
    """Add a note (sanitized rich text) with attachments to a record the user may see."""
    access.require_record(by, "view", entity.key, record)
    body = clean_html(body).strip()
    if not body and not files:
        raise ValidationError({"body": _("“Note”: write something or attach a file.")}, code="required")
    checked = [(upload, checked_content_type(upload)) for upload in files]
    note = Note.objects.create(workspace=current_workspace(), entity=entity.key, record_id=record.pk,
                               body=body, author=by)
    for upload, content_type in checked:
        Attachment.objects.create(workspace=note.workspace, note=note, file=upload, filename=upload.name[:200],
                                  content_type=content_type, size=upload.size)
    emit(DomainEvent(name="note.created", workspace_id=note.workspace_id, entity=entity.key,
                     record_id=str(record.pk), actor_id=by.pk))
    return note


@transaction.atomic
def note_delete(*, note: Note, entity, record, by) -> None:
    """Authors delete their own notes; users who may edit the record delete any of its notes."""
    if note.author_id != by.pk and not access.can_record(by, "edit", entity.key, record):
        raise PermissionDenied(_("Only the author or someone who may edit the record can delete this note."))
    for attachment in note.attachments.all():
        transaction.on_commit(lambda f=attachment.file: f.delete(save=False))
    note.delete()
