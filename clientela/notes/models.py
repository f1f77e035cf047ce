from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clientela.workspaces.models import WorkspaceScopedModel


class Note(WorkspaceScopedModel):
    """Rich-text note on any registered record (by registry key + id). Body is sanitized HTML."""

    entity = models.CharField(max_length=40)
    record_id = models.UUIDField()
    body = models.TextField(_("note"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                               verbose_name=_("author"))

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["workspace", "entity", "record_id", "-created_at"], name="note_record_idx")]

    def __str__(self):
        return f"{self.entity}:{self.record_id}"


def attachment_path(instance, filename):
    return f"attachments/{instance.workspace_id}/{instance.id}"


class Attachment(WorkspaceScopedModel):
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return self.filename
