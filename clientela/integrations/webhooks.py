"""Webhook deliveries: created after the change commits, sent by a background task, retried with backoff.

Each request carries `Clientela-Delivery` (the delivery id, the same on every attempt),
`Clientela-Timestamp` (unix seconds) and `Clientela-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`
keyed with the subscription's secret. See docs/integrations.md.
"""

import hashlib
import hmac
import http.client
import json
import logging
import time
import uuid
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .delivery_errors import DISABLED
from .models import ChangeEvent, WebhookAttempt, WebhookDelivery, WebhookSubscription
from .transport import AddressRefused, post

logger = logging.getLogger(__name__)

TEST_EVENT = "webhook.test"  # sent on an administrator's request, once: not retried
BACKOFF_SECONDS = [60, 5 * 60, 30 * 60, 2 * 3600, 6 * 3600, 12 * 3600, 24 * 3600]
GIVE_UP_AFTER = timedelta(days=3)
Status = WebhookDelivery.Status


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def next_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: 1 min, 5 min, 30 min, 2 h, 6 h, 12 h, then daily."""
    return timedelta(seconds=BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1])


def _payload(change: ChangeEvent, delivery_id: uuid.UUID) -> dict:
    return {"id": str(delivery_id), "event": change.event_type, "entity": change.entity,
            "record_id": change.record_id, "occurred_at": change.created_at.isoformat(), "data": change.changes}


def delivery_test(subscription: WebhookSubscription) -> WebhookDelivery:
    """A made-up event for one subscription, whatever events it takes, to check the endpoint and its signature
    check: the payload has the usual fields, with no record (`entity` and `record_id` null)."""
    delivery_id = uuid.uuid4()
    delivery = WebhookDelivery.objects.create(workspace_id=subscription.workspace_id, subscription=subscription,
                                              delivery_id=delivery_id, payload={
                                                  "id": str(delivery_id), "event": TEST_EVENT, "entity": None,
                                                  "record_id": None, "occurred_at": timezone.now().isoformat(),
                                                  "data": {}})
    transaction.on_commit(lambda: _enqueue(delivery), robust=True)
    return delivery


def _enqueue(delivery: WebhookDelivery, run_after=None) -> None:
    from .tasks import webhook_deliver

    task = webhook_deliver.using(run_after=run_after) if run_after else webhook_deliver
    task.enqueue(str(delivery.pk))


def deliveries_create(change_ids: list[int], workspace_ids=None) -> list[WebhookDelivery]:
    """After commit: one delivery per active subscription that wants each event, each sent by a task.

    One query when the workspace has no webhooks, however many records changed: given the changes'
    `workspace_ids`, a small one that does not name the changes (a thousand ids cost more than the query).
    """
    changes = ChangeEvent.unscoped.filter(pk__in=change_ids)
    workspaces = changes.values_list("workspace_id", flat=True).distinct() if workspace_ids is None else workspace_ids
    subscriptions = list(WebhookSubscription.unscoped.filter(workspace_id__in=workspaces, is_active=True))
    if not subscriptions:
        return []
    created = []
    for change in changes.order_by("pk"):
        for subscription in subscriptions:
            if subscription.workspace_id == change.workspace_id and subscription.wants(change.event_type):
                delivery_id = uuid.uuid4()
                delivery = WebhookDelivery.unscoped.create(
                    workspace_id=change.workspace_id, subscription=subscription, event=change,
                    delivery_id=delivery_id, payload=_payload(change, delivery_id))
                _enqueue(delivery)
                created.append(delivery)
    return created


def _send(delivery: WebhookDelivery) -> tuple[int | None, str]:
    body = json.dumps(delivery.payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {"Clientela-Delivery": str(delivery.delivery_id), "Clientela-Timestamp": str(timestamp),
               "Clientela-Signature": signature(delivery.subscription.secret, timestamp, body)}
    try:
        code, answer = post(delivery.subscription.url, body, headers)
    except AddressRefused as exc:
        return None, str(exc)
    except (OSError, http.client.HTTPException) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return code, "" if 200 <= code < 300 else f"HTTP {code}: {answer}"[:500]


def delivery_attempt(delivery_pk: str) -> str:
    """Send one delivery once, log the attempt, and schedule the next try or give up. Returns the status."""
    delivery = WebhookDelivery.unscoped.select_related("subscription").filter(pk=delivery_pk).first()
    if delivery is None or delivery.status in (Status.SUCCEEDED, Status.GAVE_UP):
        return delivery.status if delivery else "missing"
    if not delivery.subscription.is_active:
        code, error, latency = None, DISABLED, None
    else:
        started = time.monotonic()
        code, error = _send(delivery)
        latency = int((time.monotonic() - started) * 1000)
    delivery.attempts += 1
    delivery.response_code, delivery.latency_ms, delivery.last_error = code, latency, error
    WebhookAttempt.unscoped.create(workspace_id=delivery.workspace_id, delivery=delivery, number=delivery.attempts,
                                   response_code=code, latency_ms=latency, error=error)
    now = timezone.now()
    if not error:
        delivery.status, delivery.next_attempt_at = Status.SUCCEEDED, None
    elif (not delivery.subscription.is_active or delivery.payload.get("event") == TEST_EVENT
          or now + next_delay(delivery.attempts) > delivery.created_at + GIVE_UP_AFTER):
        delivery.status, delivery.next_attempt_at = Status.GAVE_UP, None
    else:
        delivery.status, delivery.next_attempt_at = Status.FAILED, now + next_delay(delivery.attempts)
    delivery.save(update_fields=["attempts", "response_code", "latency_ms", "last_error", "status",
                                 "next_attempt_at", "updated_at"])
    if delivery.status == Status.FAILED:
        _enqueue(delivery, run_after=delivery.next_attempt_at)
    logger.info("webhook delivery %s attempt %d: %s %s", delivery.delivery_id, delivery.attempts,
                delivery.status, code or error)
    return delivery.status


def delivery_redeliver(delivery: WebhookDelivery) -> None:
    """Send again now (same delivery id, so a receiver that already has it can drop it)."""
    delivery.status, delivery.next_attempt_at = Status.PENDING, None
    delivery.save(update_fields=["status", "next_attempt_at", "updated_at"])
    _enqueue(delivery)
