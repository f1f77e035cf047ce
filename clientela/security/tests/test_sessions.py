"""Idle timeout, the list of open sessions, and logging out of every session at once."""

import time

from django.conf import settings
from django.test import Client, override_settings

from clientela.security.authentication.sessions import LAST_ACTIVITY
from clientela.security.models import AuditEntry, UserSession
from conftest import login

PASSWORD = "demo-pass-123"


def logged_in_client(email="rep@acme.example", agent="Firefox/128.0", ip="198.51.100.7") -> Client:
    client = Client(HTTP_USER_AGENT=agent, REMOTE_ADDR=ip)
    assert client.post("/login/", {"username": email, "password": PASSWORD}).status_code == 302
    return client


def set_last_activity(client, seconds_ago: int) -> None:
    session = client.session
    session[LAST_ACTIVITY] = int(time.time()) - seconds_ago
    session.save()


def test_a_session_idle_longer_than_the_setting_is_logged_out_with_a_message(acme):
    assert settings.CLIENTELA["SESSION_IDLE_MINUTES"] == 480
    client = logged_in_client()
    set_last_activity(client, 479 * 60)
    assert client.get("/contacts/").status_code == 200

    set_last_activity(client, 481 * 60)
    response = client.get("/contacts/?q=ana")
    assert response.status_code == 302 and response["Location"] == "/login/?next=%2Fcontacts%2F%3Fq%3Dana"
    page = client.get(response["Location"]).content.decode()
    assert "You were logged out after 480 minutes without activity. Please log in again." in page
    assert client.get("/contacts/").status_code == 302


def test_the_idle_timeout_follows_the_setting(acme):
    client = logged_in_client()
    with override_settings(CLIENTELA={**settings.CLIENTELA, "SESSION_IDLE_MINUTES": 5}):
        set_last_activity(client, 4 * 60)
        assert client.get("/contacts/").status_code == 200
        set_last_activity(client, 6 * 60)
        assert client.get("/contacts/").status_code == 302


def test_activity_is_written_at_most_once_a_minute(acme):
    client = logged_in_client()
    set_last_activity(client, 30)
    noted = client.session[LAST_ACTIVITY]
    client.get("/contacts/")
    assert client.session[LAST_ACTIVITY] == noted  # no session write for this request

    set_last_activity(client, 90)
    UserSession.objects.update(last_seen_at="2020-01-01T00:00:00Z")
    client.get("/contacts/")
    assert abs(client.session[LAST_ACTIVITY] - time.time()) < 5
    assert UserSession.objects.get().last_seen_at.year > 2020


def test_the_security_page_lists_open_sessions(acme):
    laptop = logged_in_client(agent="Firefox/128.0 laptop", ip="198.51.100.7")
    logged_in_client(agent="Safari/17 phone", ip="203.0.113.20")
    page = laptop.get("/account/security/").content.decode()
    assert "Firefox/128.0 laptop" in page and "Safari/17 phone" in page and "203.0.113.20" in page
    assert "This browser" in page


def test_log_out_of_all_sessions_ends_every_session_of_the_user_only(acme):
    laptop = logged_in_client(agent="Firefox/128.0 laptop")
    phone = logged_in_client(agent="Safari/17 phone")
    elsewhere = login(acme.users["rep"])  # a session not started through the login page
    assert elsewhere.get("/contacts/").status_code == 200
    colleague = logged_in_client(email="manager@acme.example")

    response = laptop.post("/account/security/sessions/end-all/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/"
    assert "You were logged out of every session, including this one." in response.content.decode()

    for client in (laptop, phone, elsewhere):
        assert client.get("/contacts/").status_code == 302
    assert colleague.get("/contacts/").status_code == 200
    assert not UserSession.objects.filter(user=acme.users["rep"]).exists()
    entry = AuditEntry.unscoped.get(workspace=acme, action="sessions.ended_all")
    assert entry.actor == acme.users["rep"] and entry.details == {"count": 3}


def test_ending_all_sessions_needs_a_post(acme):
    client = logged_in_client()
    assert client.get("/account/security/sessions/end-all/").status_code == 405
    assert client.get("/contacts/").status_code == 200
