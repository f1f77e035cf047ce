from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clientela.workspaces.models import Team, WorkspaceScopedModel
from clientela.workspaces.scoping import ScopedManager


class Record(WorkspaceScopedModel):
    """Base for every registered CRM entity: an owner, who created/changed it, and a trash."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name=_("owner"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", editable=False, verbose_name=_("created by"))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", editable=False, verbose_name=_("updated by"))
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("deleted at"))
    # Values of the workspace's custom fields, by field key; validated against their definitions.
    custom = models.JSONField(default=dict, blank=True, editable=False)

    objects = ScopedManager(soft_delete="alive")
    trashed = ScopedManager(soft_delete="deleted")
    with_trashed = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        abstract = True


class SavedView(WorkspaceScopedModel):
    """A named list view (filters, search, sort, columns), private or shared with a team."""

    entity = models.CharField(max_length=40)
    name = models.CharField(_("name"), max_length=80)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             verbose_name=_("shared with team"),
                             help_text=_("Leave empty to keep the view private."))
    query = models.JSONField(default=dict)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "entity", "owner", "name"],
                                               name="savedview_name_unique")]

    def __str__(self):
        return self.name
