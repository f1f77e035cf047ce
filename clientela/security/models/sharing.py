from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clientela.workspaces.models import Team, WorkspaceScopedModel


class RecordShare(WorkspaceScopedModel):
    """One record shared with a user or a team, beyond what their role's scope shows them."""

    entity = models.CharField(max_length=40)
    record_id = models.UUIDField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("user"))
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("team"))
    can_edit = models.BooleanField(_("can edit"), default=False)
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        constraints = [
            models.CheckConstraint(condition=models.Q(user__isnull=True) ^ models.Q(team__isnull=True),
                                   name="share_user_xor_team"),
        ]
        indexes = [models.Index(fields=["workspace", "entity", "user"], name="share_user_idx"),
                   models.Index(fields=["workspace", "entity", "team"], name="share_team_idx"),
                   models.Index(fields=["workspace", "entity", "record_id"], name="share_record_idx")]

    def __str__(self):
        return f"{self.entity}:{self.record_id} → {self.user or self.team}"


class SharingRule(WorkspaceScopedModel):
    """Share every record of an entity that matches `field = value` with a team (e.g. companies in Spain)."""

    name = models.CharField(_("name"), max_length=120)
    entity = models.CharField(_("records"), max_length=40)
    field = models.CharField(_("field"), max_length=80)
    value = models.CharField(_("value"), max_length=200)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+", verbose_name=_("shared with team"))
    can_edit = models.BooleanField(_("can edit"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("sharing rule")
        verbose_name_plural = _("sharing rules")
        ordering = ["entity", "name"]

    def __str__(self):
        return self.name
