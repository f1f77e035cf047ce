from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from clientela.workspaces.models import WorkspaceScopedModel
from clientela.workspaces.scoping import ScopedManager


class FieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    INTEGER = "integer", _("Whole number")
    DECIMAL = "decimal", _("Decimal number")
    CURRENCY = "currency", _("Amount of money")
    PERCENT = "percent", _("Percentage")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")
    CHECKBOX = "checkbox", _("Checkbox")
    PICKLIST = "picklist", _("Pick one from a list")
    MULTI_PICKLIST = "multi_picklist", _("Pick several from a list")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    URL = "url", _("Web address")
    LOOKUP = "lookup", _("Link to another record")


class FieldDefinition(WorkspaceScopedModel):
    """A field an administrator added to an entity. Values live in the record's `custom` JSON column.

    `key` is the stable identifier (API, bundles, stored values); labels can change freely.
    """

    entity = models.CharField(_("record type"), max_length=40)
    key = models.SlugField(_("key"), max_length=60, help_text=_("Stable name used by the API and imports."))
    label_en = models.CharField(_("label (English)"), max_length=80)
    label_es = models.CharField(_("label (Spanish)"), max_length=80)
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=FieldKind.choices)
    required = models.BooleanField(_("required"), default=False)
    unique = models.BooleanField(_("unique in the workspace"), default=False)
    default = models.CharField(_("default value"), max_length=200, blank=True)
    min_value = models.DecimalField(_("minimum"), max_digits=20, decimal_places=6, null=True, blank=True)
    max_value = models.DecimalField(_("maximum"), max_digits=20, decimal_places=6, null=True, blank=True)
    regex = models.CharField(_("pattern (regular expression)"), max_length=200, blank=True)
    # Picklists: [{"value": "gold", "label_en": "Gold", "label_es": "Oro", "color": "#d4a017", "active": true}]
    options = models.JSONField(_("options"), default=list, blank=True)
    lookup_entity = models.CharField(_("links to"), max_length=40, blank=True)
    # Dependent picklists: the field (built-in name or "cf_<key>") whose value limits this one's options;
    # each option then lists the controlling values it is offered for under "when".
    controlled_by = models.CharField(_("options depend on"), max_length=80, blank=True)
    show_in_list = models.BooleanField(_("show as a list column"), default=False)
    position = models.PositiveIntegerField(default=0)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedManager(soft_delete="alive")
    trashed = ScopedManager(soft_delete="deleted")
    with_trashed = ScopedManager()
    unscoped = models.Manager()

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["entity", "position", "label_en"]
        constraints = [models.UniqueConstraint(fields=["workspace", "entity", "key"], name="customfield_key_unique")]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return self.label_es if translation.get_language() == "es" else self.label_en

    @property
    def form_name(self) -> str:
        return f"cf_{self.key}"

    def option_label(self, value) -> str:
        for option in self.options:
            if option.get("value") == value:
                return option.get("label_es" if translation.get_language() == "es" else "label_en") or value
        return str(value)


class PicklistOverride(WorkspaceScopedModel):
    """A workspace's own options for a built-in picklist (lifecycle status, industry, source…).

    `options`: [{"value", "label_en", "label_es", "color", "active", "when": [controlling values]}] in
    display order. Values of the code's list can be relabelled, reordered, coloured or deactivated;
    new values can be added. Deactivated values stay readable on existing records.
    """

    entity = models.CharField(max_length=40)
    field = models.CharField(max_length=80)
    options = models.JSONField(default=list)
    controlled_by = models.CharField(_("options depend on"), max_length=80, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "entity", "field"], name="picklist_unique")]

    def __str__(self):
        return f"{self.entity}.{self.field}"


class Layout(WorkspaceScopedModel):
    """How a record type's detail page and form are arranged, and its list's default columns.

    `sections`: [{"title_en", "title_es", "fields": [names]}]; `list_columns`: [names]. A layout with a
    `role` applies to that role only, and wins over the layout for everyone (empty role).
    """

    entity = models.CharField(max_length=40)
    role = models.SlugField(max_length=40, blank=True)
    sections = models.JSONField(default=list)
    list_columns = models.JSONField(default=list)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "entity", "role"], name="layout_unique")]

    def __str__(self):
        return f"{self.entity} ({self.role or 'all'})"


class ConfigChange(WorkspaceScopedModel):
    """One configuration change (from the admin pages or a bundle), with its before and after state.

    Rolling a change back applies its `before` state as a new change, so the log itself is never edited.
    """

    class Kind(models.TextChoices):
        CUSTOM_FIELD = "custom_field", _("Custom field")
        PICKLIST = "picklist", _("Picklist")
        LAYOUT = "layout", _("Layout")
        ROLE = "role", _("Role")
        SHARING_RULE = "sharing_rule", _("Sharing rule")

    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    target = models.CharField(_("target"), max_length=160)  # stable key, e.g. "contacts.tier"
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    source = models.CharField(max_length=10, default="ui")  # "ui", "bundle", "rollback"
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("who"))
    rolls_back = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("configuration change")
        verbose_name_plural = _("configuration changes")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.kind} {self.target}"


class FieldValueArchive(WorkspaceScopedModel):
    """A value that did not survive a custom field's type change, kept for the administrator to download."""

    definition = models.ForeignKey(FieldDefinition, on_delete=models.CASCADE, related_name="archived_values")
    record_id = models.UUIDField()
    old_kind = models.CharField(max_length=20)
    value = models.JSONField()

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.definition.key}: {self.value}"
