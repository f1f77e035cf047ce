from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clientela.workspaces.models import WorkspaceScopedModel


class FieldChange(WorkspaceScopedModel):
    """One field of one record changed by one action. Values are stored as shown to people."""

    class Action(models.TextChoices):
        CREATED = "created", _("created")
        UPDATED = "updated", _("updated")
        DELETED = "deleted", _("moved to trash")
        RESTORED = "restored", _("restored")

    entity = models.CharField(max_length=40)
    record_id = models.UUIDField()
    action = models.CharField(max_length=10, choices=Action.choices)
    field = models.CharField(max_length=80, blank=True)
    field_label = models.CharField(max_length=120, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    batch = models.UUIDField(help_text="Changes saved together share a batch.")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["workspace", "entity", "record_id", "-created_at"], name="history_record_idx")]
