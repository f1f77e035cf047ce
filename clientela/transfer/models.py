from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clientela.common.models import RowProgress
from clientela.workspaces.models import WorkspaceScopedModel


class ImportMapping(WorkspaceScopedModel):
    """A saved column mapping, reused for the next file from the same source."""

    entity = models.CharField(_("entity"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    mapping = models.JSONField(_("mapping"), default=dict, help_text=_("Column name → field."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["workspace", "entity", "name"], name="import_mapping_unique")]

    def __str__(self):
        return self.name


class ImportJob(RowProgress, WorkspaceScopedModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")
        UNDONE = "undone", _("Undone")

    entity = models.CharField(_("entity"), max_length=40)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=255)
    mapping = models.JSONField(default=dict)
    options = models.JSONField(default=dict)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    merged = models.PositiveIntegerField(_("merged"), default=0)  # matched, and only its empty fields filled in
    duplicates = models.PositiveIntegerField(_("skipped as duplicates"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    # rows past the file's first `duplicates.SIMILAR_ROWS` taken: not compared with one another by similar name
    names_not_kept = models.PositiveIntegerField(default=0)
    error = models.TextField(_("error"), blank=True)
    seconds = models.FloatField(default=0, help_text=_("Time spent processing rows, over all runs."))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self):
        return self.file_name

    @property
    def percent(self) -> int:
        return int(100 * self.rows_done / self.total) if self.total else (100 if self.finished_at else 0)

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)


class ImportRow(WorkspaceScopedModel):
    """What happened to one row of a file; written in the same transaction as the row's records."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        MERGED = "merged", _("Merged into an existing record")  # on-duplicate "fill"
        DUPLICATE = "duplicate", _("Skipped as duplicate")
        REJECTED = "rejected", _("Rejected")

    # the outcomes that changed a record already in the CRM: undo puts back what they replaced and added
    ON_EXISTING = (Action.UPDATED, Action.MERGED)

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField()
    action = models.CharField(max_length=10, choices=Action.choices)
    record_id = models.UUIDField(null=True, blank=True)
    errors = models.JSONField(default=list, blank=True)  # [{"field": ..., "message": ...}]
    cells = models.JSONField(default=list, blank=True)  # the file's row, kept for the error file
    previous = models.JSONField(default=dict, blank=True)  # {"before": ..., "after": ...} of an update or merge
    related = models.JSONField(default=dict, blank=True)  # children and companies it added: {name: [ids]}

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="import_row_unique")]

    def __str__(self):
        return f"{self.number}: {self.action}"
