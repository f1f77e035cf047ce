"""Webhook subscription writes, each audited in its transaction."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from clientela.security import access
from clientela.security.audit import audit_log
from clientela.workspaces.scoping import current_workspace

from . import webhooks
from .models import WebhookDelivery, WebhookSubscription


def _require_admin(by) -> None:
    if not access.is_admin(by):
        raise PermissionDenied(_("Only administrators can manage webhooks."))


def _state(subscription: WebhookSubscription) -> dict:
    return {"url": subscription.url, "events": subscription.events, "is_active": subscription.is_active,
            "description": subscription.description}


@transaction.atomic
def webhook_save(*, subscription: WebhookSubscription, by, request=None) -> WebhookSubscription:
    _require_admin(by)
    creating = subscription._state.adding
    before = {} if creating else _state(WebhookSubscription.objects.get(pk=subscription.pk))
    subscription.workspace = current_workspace()
    if creating:
        subscription.created_by = by
    subscription.save()
    audit_log(action="webhook.created" if creating else "webhook.updated", actor=by, target=subscription,
              request=request, details={"before": before, "after": _state(subscription)})
    return subscription


@transaction.atomic
def webhook_set_active(*, subscription: WebhookSubscription, active: bool, by, request=None) -> None:
    _require_admin(by)
    subscription.is_active = active
    subscription.save(update_fields=["is_active", "updated_at"])
    audit_log(action="webhook.enabled" if active else "webhook.disabled", actor=by, target=subscription,
              request=request)


@transaction.atomic
def webhook_secret_roll(*, subscription: WebhookSubscription, by, request=None) -> str:
    from .models import new_secret

    _require_admin(by)
    subscription.secret = new_secret()
    subscription.save(update_fields=["secret", "updated_at"])
    audit_log(action="webhook.secret_rolled", actor=by, target=subscription, request=request)
    return subscription.secret


@transaction.atomic
def webhook_test(*, subscription: WebhookSubscription, by) -> WebhookDelivery:
    """Send a test event now (after commit), logged with the subscription's deliveries."""
    _require_admin(by)
    return webhooks.delivery_test(subscription)


def delivery_redeliver(*, delivery: WebhookDelivery, by, request=None) -> None:
    _require_admin(by)
    with transaction.atomic():
        audit_log(action="webhook.redelivered", actor=by, target=delivery.subscription, request=request,
                  details={"delivery": str(delivery.delivery_id)})
    webhooks.delivery_redeliver(delivery)
