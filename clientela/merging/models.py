from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from clientela.workspaces.models import WorkspaceScopedModel

DEFAULT_NAME_THRESHOLD = 85


class DuplicateSettings(WorkspaceScopedModel):
    """How alike two names must be (0–100) for the duplicate finder to pair them; one row per workspace."""

    name_threshold = models.PositiveSmallIntegerField(
        _("name similarity threshold"), default=DEFAULT_NAME_THRESHOLD,
        validators=[MinValueValidator(50), MaxValueValidator(100)],
        help_text=_("From 50 (loose) to 100 (identical once accents and case are ignored)."))

    class Meta:
        verbose_name = _("duplicate settings")
        verbose_name_plural = _("duplicate settings")
        constraints = [models.UniqueConstraint(fields=["workspace"], name="duplicate_settings_unique")]

    def __str__(self):
        return str(self.name_threshold)


class Merge(WorkspaceScopedModel):
    """Records merged into one survivor, with what undoing it needs.

    `before`/`after`: the survivor's changed values, serialised ({"fields": {attname: text|None},
    "custom": {key: value|None}}). `moved`: what moved from each loser, grouped — see `moves.py`.
    """

    entity = models.CharField(_("record type"), max_length=40)
    survivor_id = models.UUIDField()
    survivor_label = models.CharField(_("kept record"), max_length=200)
    loser_ids = models.JSONField(default=list)
    loser_labels = models.JSONField(default=list)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    moved = models.JSONField(default=list)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                           verbose_name=_("who"))
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")

    class Meta:
        verbose_name = _("merge")
        verbose_name_plural = _("merges")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="merge_recent_idx"),
                   models.Index(fields=["workspace", "entity", "survivor_id"], name="merge_survivor_idx")]

    def __str__(self):
        return f"{self.entity}: {', '.join(self.loser_labels)} → {self.survivor_label}"
