from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clientela.workspaces.models import WorkspaceScopedModel


class ApiToken(WorkspaceScopedModel):
    """A Bearer token for the REST API, acting as its user in one workspace. Only a hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=8, help_text=_("The first characters, to recognise it."))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    read_only = models.BooleanField(_("read-only"), default=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["workspace", "user"], name="apitoken_user_idx")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"
