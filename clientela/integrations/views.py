"""Webhook settings for administrators: subscriptions, their secret, and the delivery log."""


from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clientela.security.decorators import admin_required

from . import services
from .delivery_errors import plain_reason
from .forms import WebhookForm, describe_events, event_label
from .models import WebhookDelivery, WebhookSubscription
from .selectors import delivered_records

REVEAL_KEY = "integrations.reveal"




@admin_required
def webhook_list(request):
    subscriptions = list(WebhookSubscription.objects.all())
    for subscription in subscriptions:
        subscription.events_label = describe_events(subscription.events)
    return render(request, "integrations/webhooks.html", {"subscriptions": subscriptions})


@admin_required
def webhook_edit(request, pk=None):
    subscription = get_object_or_404(WebhookSubscription, pk=pk) if pk else WebhookSubscription()
    form = WebhookForm(request.POST or None, instance=subscription)
    creating = subscription._state.adding
    if request.method == "POST" and form.is_valid():
        subscription = services.webhook_save(subscription=form.save(commit=False), by=request.user, request=request)
        messages.success(request, _("Webhook saved."))
        if creating:
            request.session[REVEAL_KEY] = str(subscription.pk)
        return redirect("webhook_detail", subscription.pk)
    return render(request, "integrations/webhook_form.html",
                  {"form": form, "subscription": subscription, "creating": creating},
                  status=422 if form.errors else 200)


@admin_required
def webhook_detail(request, pk):
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    show_secret = request.session.pop(REVEAL_KEY, None) == str(subscription.pk)
    subscription.events_label = describe_events(subscription.events)
    deliveries = Paginator(subscription.deliveries.prefetch_related("attempt_log"), 50).get_page(request.GET.get("page"))
    records = delivered_records(deliveries)
    for delivery in deliveries:
        delivery.event_label = event_label(delivery.payload.get("event", ""))
        delivery.record = records.get((delivery.payload.get("entity"), str(delivery.payload.get("record_id"))))
        delivery.reason = plain_reason(delivery.last_error)
        for attempt in delivery.attempt_log.all():  # the prefetched rows the page shows
            attempt.reason = plain_reason(attempt.error)
    return render(request, "integrations/webhook_detail.html", {
        "subscription": subscription, "deliveries": deliveries, "show_secret": show_secret})


@require_POST
@admin_required
def webhook_test(request, pk):
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    services.webhook_test(subscription=subscription, by=request.user)
    messages.success(request, _("A test event is on its way: reload the page in a moment to see how it went."))
    return redirect("webhook_detail", subscription.pk)


@require_POST
@admin_required
def webhook_toggle(request, pk):
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    services.webhook_set_active(subscription=subscription, active=not subscription.is_active, by=request.user,
                                request=request)
    messages.success(request, _("Webhook enabled.") if subscription.is_active else _("Webhook disabled."))
    return redirect("webhook_list")


@require_POST
@admin_required
def webhook_secret_roll(request, pk):
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    services.webhook_secret_roll(subscription=subscription, by=request.user, request=request)
    request.session[REVEAL_KEY] = str(subscription.pk)
    messages.success(request, _("A new secret was made; the old one no longer signs deliveries."))
    return redirect("webhook_detail", subscription.pk)


@require_POST
@admin_required
def delivery_redeliver(request, pk):
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("subscription"), pk=pk)
    services.delivery_redeliver(delivery=delivery, by=request.user, request=request)
    messages.success(request, _("The delivery will be sent again shortly."))
    return redirect("webhook_detail", delivery.subscription_id)
