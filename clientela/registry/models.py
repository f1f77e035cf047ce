from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clientela.common.models import RowProgress
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


class ExportJob(RowProgress, WorkspaceScopedModel):
    """A list export too big to stream while the user waits: written by a task, downloaded later."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel"

    entity = models.CharField(_("entity"), max_length=40)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    export_format = models.CharField(_("format"), max_length=4, choices=Format.choices, default=Format.CSV)
    query = models.JSONField(default=dict, help_text=_("The list's filters, search and sort."))
    language = models.CharField(max_length=8, blank=True)  # the requester's, for labels and dates
    timezone = models.CharField(max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    seconds = models.FloatField(default=0)
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]

    def __str__(self):
        return self.file_name or f"{self.entity}.{self.export_format}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, int(100 * self.rows_done / self.total)) if self.total else 0

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)
