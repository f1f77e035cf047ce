from django.db import models
from django.utils.translation import gettext_lazy as _

from clientela.workspaces.models import WorkspaceScopedModel


class Role(WorkspaceScopedModel):
    """A workspace's own definition of a role, overriding the default role with the same key.

    `rules` maps an entity key (or "*" for every other entity) to
    {"verbs": [...], "view_scope": "all|team|own", "edit_scope": "...", "fields": {name: "hidden"|"read"}}.
    """

    key = models.SlugField(_("key"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=200, blank=True)
    rules = models.JSONField(_("permissions"), default=dict)
    is_admin = models.BooleanField(_("administrator"), default=False,
                                   help_text=_("Administrators manage users, roles and settings."))
    requires_two_factor = models.BooleanField(_("requires two-factor login"), default=False)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="role_key_unique")]

    def __str__(self):
        return self.name
