import re
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.test import Client, override_settings

from conftest import login


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        self.messages.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback; yields (port, inbox)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def test_login_with_email_and_password_then_logout(acme):
    client = Client()
    response = client.post("/login/", {"username": "rep@acme.example", "password": "demo-pass-123"})
    assert response.status_code == 302
    assert client.get("/contacts/").status_code == 200
    client.post("/logout/")
    assert client.get("/contacts/").status_code == 302


def test_wrong_password_shows_an_error_and_does_not_log_in(acme):
    client = Client()
    response = client.post("/login/", {"username": "rep@acme.example", "password": "nope"})
    assert response.status_code == 200
    assert "correct" in response.content.decode()
    assert client.get("/contacts/").status_code == 302


def test_password_reset_email_is_sent_over_smtp_and_the_link_sets_a_new_password(acme, smtp_server):
    port, inbox = smtp_server
    client = Client()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                           EMAIL_PORT=port, EMAIL_HOST="127.0.0.1"):
        response = client.post("/password-reset/", {"email": "rep@acme.example"})
    assert response.status_code == 302
    deadline = threading.Event()
    for _ in range(50):
        if inbox.messages:
            break
        deadline.wait(0.05)
    recipients, body = inbox.messages[0]
    assert recipients == ["rep@acme.example"]
    link = re.search(r"http://testserver(/password-reset/\S+/\S+/)", body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
                           {"new_password1": "Una-clave-nueva-42", "new_password2": "Una-clave-nueva-42"})
    assert response.status_code == 302
    assert Client().login(username="rep@acme.example", password="Una-clave-nueva-42")


def test_language_follows_the_profile_then_the_browser(acme):
    user = acme.users["rep"]
    client = login(user)
    assert 'lang="es"' in client.get("/contacts/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    user.language = "en"
    user.save()
    assert 'lang="en"' in client.get("/contacts/", HTTP_ACCEPT_LANGUAGE="es").content.decode()


def test_profile_saves_language_and_timezone_and_rejects_unknown_zone(acme):
    client = login(acme.users["rep"])
    response = client.post("/profile/", {"full_name": "Rep", "language": "es", "timezone": "Mars/Olympus"})
    assert response.status_code == 422
    assert "Mars/Olympus" in response.content.decode()
    response = client.post("/profile/", {"full_name": "Rep", "language": "es", "timezone": "America/Mexico_City"})
    assert response.status_code == 302
    acme.users["rep"].refresh_from_db()
    assert (acme.users["rep"].language, acme.users["rep"].timezone) == ("es", "America/Mexico_City")


def test_a_user_in_two_workspaces_can_switch_between_them(acme, globex):
    from clientela.workspaces.services import member_add

    user = acme.users["rep"]
    member_add(workspace=globex, user=user, role="readonly")
    client = login(user)
    assert "Acme" in client.get("/contacts/").content.decode()
    client.post("/workspace/switch/", {"workspace": globex.pk})
    page = client.get("/contacts/").content.decode()
    assert "Globex" in page


def test_switching_to_a_workspace_you_do_not_belong_to_is_refused(acme, globex):
    client = login(acme.users["rep"])
    assert client.post("/workspace/switch/", {"workspace": globex.pk}).status_code == 404
