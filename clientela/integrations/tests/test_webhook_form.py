"""Choosing a webhook's events (checkboxes by kind of record), and the pages that show them back in words."""

import re

from clientela.customers.tests import factories
from clientela.integrations.models import WebhookDelivery, WebhookSubscription
from conftest import login


def checked(page: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="events" value="([^"]+)"[^>]*checked', page)


def test_a_new_webhook_is_titled_and_offers_every_event_by_kind_of_record(in_acme):
    page = login(in_acme.users["admin"]).get("/settings/webhooks/new/").content.decode()

    assert "<h1>New webhook</h1>" in page
    offered = re.findall(r'name="events" value="([^"]+)"', page)
    assert offered[0] == "*"
    for records in ("contacts", "companies"):
        assert [value for value in offered if value.startswith(f"{records}.")] == [
            f"{records}.{action}" for action in ("*", "created", "updated", "deleted", "restored", "purged")]
    assert checked(page) == []


def test_ticked_events_are_saved_shown_in_words_and_ticked_again(in_acme, allow_private, receiver):
    client = login(in_acme.users["admin"])
    response = client.post("/settings/webhooks/new/", {
        "url": receiver.url, "events": ["contacts.updated", "companies.*", "contacts.created"], "is_active": "on"})
    assert response.status_code == 302
    subscription = WebhookSubscription.objects.get()
    assert subscription.events == ["companies.*", "contacts.created", "contacts.updated"]  # in the order listed
    assert subscription.wants("companies.purged") and subscription.wants("contacts.created")
    assert not subscription.wants("contacts.deleted")

    listing = client.get("/settings/webhooks/").content.decode()
    assert "Companies: every change · Contacts: created, changed" in listing
    admin = in_acme.users["admin"]
    admin.language = "es"
    admin.save(update_fields=["language"])
    assert "Empresas: cualquier cambio · Contactos: creado, modificado" in client.get(
        "/settings/webhooks/").content.decode()
    admin.language = "en"
    admin.save(update_fields=["language"])
    edit = client.get(f"/settings/webhooks/{subscription.pk}/edit/").content.decode()
    assert f"<h1>{receiver.url}</h1>" in edit
    assert checked(edit) == ["companies.*", "contacts.created", "contacts.updated"]


def test_a_pattern_saved_another_way_stays_when_the_form_is_saved(in_acme, allow_private, receiver):
    subscription = WebhookSubscription.objects.create(workspace=in_acme, url=receiver.url,
                                                      events=["contacts.upd*", "companies.created"])
    client = login(in_acme.users["admin"])
    edit = client.get(f"/settings/webhooks/{subscription.pk}/edit/").content.decode()
    assert checked(edit) == ["companies.created", "contacts.upd*"]

    response = client.post(f"/settings/webhooks/{subscription.pk}/edit/", {
        "url": receiver.url, "description": "ERP", "events": ["companies.created", "contacts.upd*"]})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.events == ["companies.created", "contacts.upd*"] and subscription.description == "ERP"
    assert "Companies: created · contacts.upd*" in client.get("/settings/webhooks/").content.decode()


def test_no_event_or_an_unknown_one_is_refused_with_the_reason(in_acme, allow_private, receiver):
    client = login(in_acme.users["admin"])
    none = client.post("/settings/webhooks/new/", {"url": receiver.url, "is_active": "on"})
    unknown = client.post("/settings/webhooks/new/", {"url": receiver.url, "events": ["contacts.*", "deals.won"]})

    assert none.status_code == 422 and "Choose at least one event." in none.content.decode()
    assert unknown.status_code == 422 and "“deals.won” is not one of the events listed." in unknown.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_the_delivery_log_names_the_event_and_links_the_record(in_acme, allow_private, receiver):
    admin = in_acme.users["admin"]
    subscription = WebhookSubscription.objects.create(workspace=in_acme, url=receiver.url, events=["*"])
    rita = factories.contact(admin, first="Rita", last="Moreno")
    gone = "0b7c6d1e-9a1f-4c3e-8d2a-5e6f7a8b9c0d"
    for record_id, event in ((str(rita.pk), "contacts.updated"), (gone, "contacts.purged")):
        WebhookDelivery.objects.create(workspace=in_acme, subscription=subscription, payload={
            "event": event, "entity": "contacts", "record_id": record_id})

    page = login(admin).get(f"/settings/webhooks/{subscription.pk}/").content.decode()

    assert "Every event" in page
    assert f'<a href="/contacts/{rita.pk}/">Rita Moreno</a>' in page and "Contacts: changed" in page
    assert "Contacts: deleted for good" in page and gone in page  # no record left to name


def test_the_delivery_log_says_why_a_delivery_failed_in_plain_words(in_acme, allow_private, receiver):
    admin = in_acme.users["admin"]
    subscription = WebhookSubscription.objects.create(workspace=in_acme, url=receiver.url, events=["*"])
    stored = {"ConnectionRefusedError: [Errno 111] Connection refused":
              "Nothing answered at that address: the connection was refused.",
              "TimeoutError: timed out": "The endpoint did not answer within 10 seconds.",
              "HTTP 503: upstream down": "The endpoint had an error of its own (HTTP 503).",
              "HTTP 410: gone": "The endpoint refused the delivery (HTTP 410).",
              "SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed":
              "The secure (HTTPS) connection to the endpoint failed.",
              "The webhook is disabled.": "Not sent: the webhook is disabled."}
    for error in stored:
        delivery = WebhookDelivery.objects.create(workspace=in_acme, subscription=subscription, last_error=error,
                                                  status="failed", attempts=1, payload={
                                                      "event": "contacts.updated", "entity": "contacts",
                                                      "record_id": "0b7c6d1e-9a1f-4c3e-8d2a-5e6f7a8b9c0d"})
        delivery.attempt_log.create(workspace=in_acme, number=1, error=error)

    page = login(admin).get(f"/settings/webhooks/{subscription.pk}/").content.decode()
    admin.language = "es"
    admin.save(update_fields=["language"])
    spanish = login(admin).get(f"/settings/webhooks/{subscription.pk}/").content.decode()

    for reason in stored.values():
        assert page.count(reason) == 2, reason  # the last answer, and the attempt in the log
    assert "<code class=\"muted\">ConnectionRefusedError: [Errno 111] Connection refused</code>" in page
    assert "Nadie respondió en esa dirección: se rechazó la conexión." in spanish
