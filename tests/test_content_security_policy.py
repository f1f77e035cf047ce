"""Every page is served with a strict Content Security Policy; attachments keep their own stricter one."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from clientela.customers.tests import factories
from clientela.notes.models import Attachment
from conftest import login

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def directives(header: str) -> dict[str, list[str]]:
    parts = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in parts}


def test_app_pages_send_the_policy_with_exactly_these_directives(in_acme):
    contact = factories.contact(in_acme.users["admin"])
    client = login(in_acme.users["admin"])

    for url in ("/contacts/", f"/contacts/{contact.pk}/", "/contacts/new/", "/search/?q=Luc", "/profile/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert directives(response["Content-Security-Policy"]) == POLICY, url
        assert "unsafe" not in response["Content-Security-Policy"]


def test_the_login_page_and_the_api_send_the_policy_too(db):
    assert directives(Client().get("/login/")["Content-Security-Policy"]) == POLICY
    assert directives(Client().get("/api/v1/contacts")["Content-Security-Policy"]) == POLICY


def test_attachments_keep_their_own_stricter_policy(in_acme):
    contact = factories.contact(in_acme.users["rep"])
    client = login(in_acme.users["rep"])
    pdf = SimpleUploadedFile("offer.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "application/pdf")
    client.post(f"/notes/contacts/{contact.pk}/add/", {"body": "<p>x</p>", "files": [pdf]})

    response = client.get(f"/notes/attachments/{Attachment.objects.get().pk}/")

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
