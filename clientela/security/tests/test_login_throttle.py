"""Login throttling: five wrong passwords lock an account, twenty failures lock an IP address, for 15 minutes."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from clientela.security.models import LoginFailure, LoginLockout

PASSWORD = "demo-pass-123"
LOCKED = "Too many failed attempts. Try again in 15 minutes."


def attempt(client, email, password, ip="198.51.100.7"):
    return client.post("/login/", {"username": email, "password": password}, REMOTE_ADDR=ip)


def is_logged_in(client) -> bool:
    return client.get("/contacts/").status_code == 200


def test_five_wrong_passwords_lock_the_account_even_for_the_right_password(acme):
    client = Client()
    for _ in range(4):
        page = attempt(client, "rep@acme.example", "wrong").content.decode()
        assert "correct email and password" in page and "Too many" not in page
    assert LOCKED in attempt(client, "rep@acme.example", "wrong").content.decode()

    response = attempt(client, "rep@acme.example", PASSWORD)
    assert response.status_code == 200 and LOCKED in response.content.decode()
    assert not is_logged_in(client)
    # Another account from the same place is not affected.
    assert attempt(Client(), "manager@acme.example", PASSWORD).status_code == 302


def test_an_unknown_email_gets_the_same_lockout_message(acme):
    client = Client()
    for _ in range(5):
        page = attempt(client, "nobody@acme.example", "wrong").content.decode()
    assert LOCKED in page
    for _ in range(5):
        real = attempt(client, "support@acme.example", "wrong").content.decode()
    assert LOCKED in real


def test_the_message_counts_down_and_the_lock_expires(acme):
    client = Client()
    for _ in range(5):
        attempt(client, "rep@acme.example", "wrong")
    lock = LoginLockout.objects.get(key="rep@acme.example")
    lock.locked_until = timezone.now() + timedelta(minutes=13, seconds=30)
    lock.save()
    assert "Try again in 14 minutes." in attempt(client, "rep@acme.example", PASSWORD).content.decode()
    lock.locked_until = timezone.now() + timedelta(seconds=20)
    lock.save()
    assert "Try again in 1 minute." in attempt(client, "rep@acme.example", PASSWORD).content.decode()

    lock.locked_until = timezone.now() - timedelta(seconds=1)
    lock.save()
    assert attempt(client, "rep@acme.example", PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_failures_older_than_fifteen_minutes_do_not_count(acme):
    client = Client()
    for _ in range(4):
        attempt(client, "rep@acme.example", "wrong")
    LoginFailure.objects.update(created_at=timezone.now() - timedelta(minutes=16))
    assert "Too many" not in attempt(client, "rep@acme.example", "wrong").content.decode()
    assert attempt(client, "rep@acme.example", PASSWORD).status_code == 302


def test_a_successful_login_clears_the_accounts_counter(acme):
    client = Client()
    for _ in range(4):
        attempt(client, "rep@acme.example", "wrong")
    assert attempt(client, "rep@acme.example", PASSWORD).status_code == 302
    client.post("/logout/")
    for _ in range(4):
        page = attempt(client, "rep@acme.example", "wrong").content.decode()
    assert "Too many" not in page
    assert attempt(client, "rep@acme.example", PASSWORD).status_code == 302


def test_twenty_failures_from_one_ip_lock_that_ip_for_every_account(acme):
    client = Client()
    for n in range(19):
        assert "Too many" not in attempt(client, f"guess{n}@acme.example", "wrong", ip="203.0.113.9").content.decode()
    assert LOCKED in attempt(client, "guess19@acme.example", "wrong", ip="203.0.113.9").content.decode()

    response = attempt(client, "rep@acme.example", PASSWORD, ip="203.0.113.9")
    assert LOCKED in response.content.decode() and not is_logged_in(client)
    assert attempt(Client(), "rep@acme.example", PASSWORD, ip="203.0.113.10").status_code == 302

    LoginLockout.objects.filter(key="203.0.113.9").update(locked_until=timezone.now() - timedelta(seconds=1))
    assert attempt(Client(), "rep@acme.example", PASSWORD, ip="203.0.113.9").status_code == 302


def test_ipv6_clients_are_counted_by_their_64_network(acme):
    client = Client()
    for n in range(20):
        attempt(client, f"guess{n}@acme.example", "wrong", ip=f"2001:db8:1:2::{n + 1:x}")
    assert LOCKED in attempt(client, "rep@acme.example", PASSWORD, ip="2001:db8:1:2:ffff::1").content.decode()
    assert attempt(Client(), "rep@acme.example", PASSWORD, ip="2001:db8:1:3::1").status_code == 302
