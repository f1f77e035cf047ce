from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clientela.workspaces.models import WorkspaceScopedModel


class AuditEntry(WorkspaceScopedModel):
    """A security-relevant change (roles, sharing, field security, tokens, users, big exports, privacy).

    Append-only: nothing in the UI or API edits or deletes entries.
    """

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("who"))
    action = models.CharField(_("action"), max_length=60, db_index=True)  # e.g. "role.updated"
    target_type = models.CharField(_("what"), max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(_("target"), max_length=200, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="audit_recent_idx")]

    def __str__(self):
        return f"{self.action} {self.target_label}"
