"""Webhooks: signed deliveries to a real HTTP server on loopback, retries with backoff, SSRF refusal."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clientela.customers.tests import factories
from clientela.integrations.models import WebhookDelivery, WebhookSubscription
from clientela.integrations.webhooks import next_delay, signature
from clientela.security.models import AuditEntry
from conftest import login

# Real commits, so changes reach subscribers after commit and the task worker runs as in production.
pytestmark = pytest.mark.django_db(transaction=True)


def run_tasks():
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def subscribe(client, url, events="contacts.*"):
    return client.post("/settings/webhooks/new/", {"url": url, "events": events, "is_active": "on"})


@pytest.fixture
def subscription(in_acme, receiver, allow_private):
    response = subscribe(login(in_acme.users["admin"]), receiver.url)
    assert response.status_code == 302
    return WebhookSubscription.objects.get()


def test_a_change_is_delivered_signed_to_the_endpoint_after_commit(in_acme, subscription, receiver,
                                                                   django_capture_on_commit_callbacks):
    admin = in_acme.users["admin"]
    with django_capture_on_commit_callbacks(execute=True):
        contact = factories.contact(admin, first="Nora")
        factories.company(admin, name="Not subscribed S.L.")
    assert receiver.received == []  # the request that made the change did not wait for the endpoint
    run_tasks()
    [(headers, body)] = receiver.received
    assert headers["Clientela-Signature"] == signature(subscription.secret, headers["Clientela-Timestamp"], body)
    payload = receiver.payloads()[0]
    assert payload["event"] == "contacts.created" and payload["record_id"] == str(contact.pk)
    assert payload["entity"] == "contacts" and "first_name" in payload["data"]
    delivery = WebhookDelivery.objects.get()
    assert headers["Clientela-Delivery"] == payload["id"] == str(delivery.delivery_id)
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("succeeded", 200, 1)
    assert delivery.latency_ms is not None and delivery.attempt_log.count() == 1


def test_a_failing_endpoint_is_retried_with_backoff_and_later_succeeds(in_acme, subscription, receiver,
                                                                       django_capture_on_commit_callbacks):
    receiver.codes = [500]
    with django_capture_on_commit_callbacks(execute=True):
        factories.contact(in_acme.users["admin"], first="Olga")
    run_tasks()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("failed", 500, 1)
    wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=50) < wait <= timedelta(minutes=1)
    run_tasks()  # not due yet: nothing is sent
    assert len(receiver.received) == 1
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())  # a minute later
    run_tasks()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("succeeded", 200, 2)
    ids = {headers["Clientela-Delivery"] for headers, _body in receiver.received}
    assert ids == {str(delivery.delivery_id)}  # the same id on every attempt, so receivers can dedupe
    assert [a.response_code for a in delivery.attempt_log.all()] == [500, 200]


def test_backoff_grows_and_gives_up_after_three_days(in_acme, subscription, receiver,
                                                     django_capture_on_commit_callbacks):
    assert [next_delay(n).total_seconds() for n in (1, 2, 3, 4, 8)] == [60, 300, 1800, 7200, 86400]
    receiver.codes = [503]
    with django_capture_on_commit_callbacks(execute=True):
        factories.contact(in_acme.users["admin"], first="Pia")
    WebhookDelivery.objects.update(created_at=timezone.now() - timedelta(days=3))
    run_tasks()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "gave_up" and delivery.next_attempt_at is None


def test_an_admin_can_redeliver_from_the_log(in_acme, subscription, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        factories.contact(in_acme.users["admin"], first="Rita")
    run_tasks()
    client = login(in_acme.users["admin"])
    delivery = WebhookDelivery.objects.get()
    page = client.get(f"/settings/webhooks/{subscription.pk}/")
    assert str(delivery.delivery_id) in page.content.decode()
    assert client.post(f"/settings/webhooks/deliveries/{delivery.pk}/redeliver/").status_code == 302
    run_tasks()
    assert [p["id"] for p in receiver.payloads()] == [str(delivery.delivery_id)] * 2


def test_the_secret_is_shown_once_and_changes_are_audited(in_acme, receiver, allow_private):
    client = login(in_acme.users["admin"])
    response = subscribe(client, receiver.url)
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret in client.get(response.url).content.decode()
    assert subscription.secret not in client.get(response.url).content.decode()
    assert receiver.url in client.get("/settings/webhooks/").content.decode()
    assert client.get(f"/settings/webhooks/{subscription.pk}/edit/").status_code == 200
    client.post(f"/settings/webhooks/{subscription.pk}/toggle/")
    subscription.refresh_from_db()
    assert not subscription.is_active
    actions = set(AuditEntry.objects.filter(target_id=str(subscription.pk)).values_list("action", flat=True))
    assert actions == {"webhook.created", "webhook.disabled"}


def test_private_addresses_are_refused_unless_allowed(in_acme, receiver):
    client = login(in_acme.users["admin"])
    for url in (receiver.url, "http://localhost/x", "http://169.254.169.254/latest", "http://10.0.0.7/"):
        response = subscribe(client, url)
        assert response.status_code == 422
        assert "private, loopback or link-local" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_the_address_is_checked_again_when_delivering(in_acme, receiver, settings,
                                                      django_capture_on_commit_callbacks):
    settings.CLIENTELA = {**settings.CLIENTELA, "WEBHOOKS_ALLOW_PRIVATE": True}
    assert subscribe(login(in_acme.users["admin"]), receiver.url).status_code == 302
    settings.CLIENTELA = {**settings.CLIENTELA, "WEBHOOKS_ALLOW_PRIVATE": False}
    with django_capture_on_commit_callbacks(execute=True):
        factories.contact(in_acme.users["admin"], first="Sara")
    run_tasks()
    delivery = WebhookDelivery.objects.get()
    assert receiver.received == [] and delivery.status == "failed"
    assert "private, loopback or link-local" in delivery.last_error


def test_only_admins_manage_webhooks(in_acme):
    for role in ("manager", "rep"):
        assert login(in_acme.users[role]).get("/settings/webhooks/").status_code == 403
    assert login(in_acme.users["admin"]).get("/settings/webhooks/").status_code == 200


def test_bad_event_names_are_refused(in_acme, receiver, allow_private):
    response = subscribe(login(in_acme.users["admin"]), receiver.url, events="contacts.created, nothing.here")
    assert response.status_code == 422 and "nothing.here" in response.content.decode()


def test_an_admin_sends_a_test_event_signed_like_the_others_and_sent_once(in_acme, subscription, receiver):
    client = login(in_acme.users["admin"])
    receiver.codes = [200, 503]

    assert client.post(f"/settings/webhooks/{subscription.pk}/test/").status_code == 302
    assert client.post(f"/settings/webhooks/{subscription.pk}/test/").status_code == 302
    run_tasks()

    (headers, body), (_headers, _body) = receiver.received
    payload = json.loads(body)
    assert payload["event"] == "webhook.test" and payload["entity"] is None and payload["record_id"] is None
    assert headers["Clientela-Signature"] == signature(subscription.secret, headers["Clientela-Timestamp"], body)
    sent, failed = WebhookDelivery.objects.order_by("response_code")
    assert (sent.status, failed.status, failed.attempts) == ("succeeded", "gave_up", 1)  # a test is not retried
    assert failed.next_attempt_at is None
    page = client.get(f"/settings/webhooks/{subscription.pk}/").content.decode()
    assert page.count("Test event") == 2 and "The endpoint had an error of its own (HTTP 503)." in page
    assert login(in_acme.users["manager"]).post(f"/settings/webhooks/{subscription.pk}/test/").status_code == 403
