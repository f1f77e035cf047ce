from django.db import models
from django.utils.translation import gettext_lazy as _

from clientela.workspaces.models import WorkspaceScopedModel

from .roles import SCOPES


class Role(WorkspaceScopedModel):
    """A workspace's own definition of a role, overriding the default with the same key."""

    key = models.SlugField(max_length=40)
    name = models.CharField(_("name"), max_length=80)
    permissions = models.JSONField(_("permissions"), default=dict, help_text=_("Entity → allowed verbs."))
    view_scope = models.CharField(_("records visible"), max_length=8, choices=[(s, s) for s in SCOPES], default="all")
    edit_scope = models.CharField(_("records editable"), max_length=8, choices=[(s, s) for s in SCOPES], default="own")
    is_admin = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="role_key_unique")]

    def __str__(self):
        return self.name
