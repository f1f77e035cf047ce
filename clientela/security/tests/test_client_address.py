"""Behind reverse proxies the client's address comes from X-Forwarded-For, and only the trusted part of it."""

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from clientela.security.models import LoginEvent, LoginFailure, LoginLockout
from clientela.security.models.login import ThrottleScope

PROXY = "10.0.0.5"


def _login_attempt(forwarded: str):
    Client().post("/login/", {"username": "rep@acme.example", "password": "wrong"},
                  REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
    return LoginEvent.objects.order_by("-created_at").first()


def test_without_trusted_proxies_the_forwarded_header_is_ignored(acme, settings):
    settings.CLIENTELA = {**settings.CLIENTELA, "TRUSTED_PROXIES": 0}
    assert _login_attempt("198.51.100.1").ip == PROXY


def test_behind_one_proxy_the_address_it_saw_is_used_not_what_the_client_wrote(acme, settings):
    settings.CLIENTELA = {**settings.CLIENTELA, "TRUSTED_PROXIES": 1}
    # the client forges the first entry; the proxy appends the address it really saw
    assert _login_attempt("1.2.3.4, 198.51.100.1").ip == "198.51.100.1"


def test_an_ip_is_locked_by_its_real_address_whichever_address_the_client_forges(acme, settings):
    settings.CLIENTELA = {**settings.CLIENTELA, "TRUSTED_PROXIES": 1, "LOGIN_MAX_FAILURES_PER_IP": 3}
    for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        Client().post("/login/", {"username": f"nobody-{forged}@acme.example", "password": "wrong"},
                      REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"{forged}, 198.51.100.1")
    assert LoginLockout.objects.filter(scope=ThrottleScope.IP, key="198.51.100.1").exists()
    page = Client().post("/login/", {"username": "rep@acme.example", "password": "demo-pass-123"},
                         REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.1").content.decode()
    assert "Too many failed attempts" in page


def test_old_login_history_and_spent_throttling_rows_are_purged(acme, settings):
    settings.CLIENTELA = {**settings.CLIENTELA, "LOGIN_HISTORY_RETENTION_DAYS": 90}
    old = _login_attempt("x")
    LoginEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=91))
    recent = _login_attempt("x")
    LoginFailure.objects.update(created_at=timezone.now() - timedelta(hours=1))
    LoginLockout.objects.create(scope=ThrottleScope.IP, key="203.0.113.1",
                                locked_until=timezone.now() - timedelta(minutes=1))
    LoginLockout.objects.create(scope=ThrottleScope.IP, key="203.0.113.2",
                                locked_until=timezone.now() + timedelta(minutes=5))

    out = StringIO()
    call_command("purge_login_history", stdout=out)

    assert list(LoginEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not LoginFailure.objects.exists()
    assert list(LoginLockout.objects.values_list("key", flat=True)) == ["203.0.113.2"]
    assert "Deleted 1 logins older than 90 days" in out.getvalue()
