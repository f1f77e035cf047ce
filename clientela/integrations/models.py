"""The change log (a transactional outbox) and webhook subscriptions with their deliveries."""

import secrets
import uuid
from fnmatch import fnmatchcase

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clientela.workspaces.models import Workspace, WorkspaceScopedModel
from clientela.workspaces.scoping import ScopedManager


class ChangeEvent(models.Model):
    """One domain event, written in the transaction that caused it; `id` is its position in the sync feed."""

    id = models.BigAutoField(primary_key=True)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+", editable=False)
    entity = models.CharField(max_length=40)
    record_id = models.CharField(max_length=64)
    name = models.CharField(max_length=60)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedManager()
    unscoped = models.Manager()  # noqa: DJ012 - `objects` (scoped) stays the default manager

    class Meta:
        indexes = [models.Index(fields=["workspace", "id"], name="change_feed_idx")]

    def __str__(self):
        return f"{self.id} {self.name} {self.entity}:{self.record_id}"

    @property
    def event_type(self) -> str:
        return event_type(self.entity, self.name)


def event_type(entity: str, name: str) -> str:
    """The name subscribers choose: "record.created" on contacts → "contacts.created"."""
    return f"{entity}.{name.removeprefix('record.')}"


def new_secret() -> str:
    return "whsec_" + secrets.token_hex(24)


class WebhookSubscription(WorkspaceScopedModel):
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    secret = models.CharField(max_length=80, default=new_secret, editable=False)
    events = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["url"]

    def __str__(self):
        return self.url

    def wants(self, event_type: str) -> bool:
        return any(fnmatchcase(event_type, pattern) for pattern in self.events)


class WebhookDelivery(WorkspaceScopedModel):
    """One event sent to one subscription; `delivery_id` is the same on every attempt so receivers can dedupe."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed, will retry")
        GAVE_UP = "gave_up", _("gave up")

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(ChangeEvent, null=True, on_delete=models.SET_NULL, related_name="+")
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payload = models.JSONField()
    attempts = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["subscription", "-created_at"], name="delivery_sub_idx")]

    def __str__(self):
        return str(self.delivery_id)


class WebhookAttempt(WorkspaceScopedModel):
    """The log line of one try: when, what came back, how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    response_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self):
        return f"{self.delivery_id} #{self.number}"
