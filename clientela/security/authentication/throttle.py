"""Login throttling per account (the email tried) and per IP address, stored in the database.

Counting rows rather than process memory keeps the limits right behind several app servers. An
unknown email is throttled exactly like a real one, so the lockout message reveals nothing.
"""

import ipaddress
import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import ngettext

from ..models import LoginFailure, LoginLockout
from ..models.login import ThrottleScope

DEFAULTS = {
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_PER_IP": 20,
    "LOGIN_FAILURE_WINDOW_MINUTES": 15,
    "LOGIN_LOCKOUT_MINUTES": 15,
}


def _setting(name: str) -> int:
    return int(getattr(settings, "CLIENTELA", {}).get(name, DEFAULTS[name]))


def _email_key(email: str | None) -> str:
    return (email or "").strip().lower()[:254]


def _ip_key(ip: str) -> str:
    """An IPv4 address as is; an IPv6 address by its /64 network, which one client usually holds whole."""
    address = ipaddress.ip_address(ip)
    return str(ipaddress.ip_network(f"{address}/64", strict=False)) if address.version == 6 else str(address)


def _keys(email: str | None, ip: str | None) -> list[tuple[str, str, int]]:
    keys = []
    if _email_key(email):
        keys.append((ThrottleScope.EMAIL, _email_key(email), _setting("LOGIN_MAX_FAILURES_PER_ACCOUNT")))
    if ip:
        keys.append((ThrottleScope.IP, _ip_key(ip), _setting("LOGIN_MAX_FAILURES_PER_IP")))
    return keys


def locked_until(*, email: str | None, ip: str | None) -> datetime | None:
    """When the account or the IP address may try again, or None if neither is locked."""
    keys = _keys(email, ip)
    if not keys:
        return None
    match = Q()
    for scope, key, _limit in keys:
        match |= Q(scope=scope, key=key)
    return (LoginLockout.objects.filter(match, locked_until__gt=timezone.now())
            .aggregate(until=Max("locked_until"))["until"])


def failure_record(*, email: str | None, ip: str | None) -> datetime | None:
    """Count a failed attempt; returns the lock's end when this failure locked the account or the IP."""
    now = timezone.now()
    since = now - timedelta(minutes=_setting("LOGIN_FAILURE_WINDOW_MINUTES"))
    until = now + timedelta(minutes=_setting("LOGIN_LOCKOUT_MINUTES"))
    locked = None
    for scope, key, limit in _keys(email, ip):
        with transaction.atomic():
            failures = LoginFailure.objects.filter(scope=scope, key=key)
            failures.filter(created_at__lt=since).delete()
            LoginFailure.objects.create(scope=scope, key=key, created_at=now)
            if failures.filter(created_at__gte=since).count() >= limit:
                LoginLockout.objects.update_or_create(scope=scope, key=key, defaults={"locked_until": until})
                failures.delete()  # counting starts afresh once the lock ends
                locked = until
    return locked


def failures_clear(*emails: str) -> None:
    """A successful login forgives the account's earlier failures (not the IP address's)."""
    keys = {_email_key(email) for email in emails} - {""}
    LoginFailure.objects.filter(scope=ThrottleScope.EMAIL, key__in=keys).delete()


def lockout_message(until: datetime) -> str:
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    return ngettext("Too many failed attempts. Try again in %(minutes)d minute.",
                    "Too many failed attempts. Try again in %(minutes)d minutes.", minutes) % {"minutes": minutes}


def expired_throttle_purge() -> int:
    """Forget failures outside the counting window and lockouts that have ended; returns how many rows went."""
    now = timezone.now()
    failures, _ = LoginFailure.objects.filter(
        created_at__lt=now - timedelta(minutes=_setting("LOGIN_FAILURE_WINDOW_MINUTES"))).delete()
    lockouts, _ = LoginLockout.objects.filter(locked_until__lte=now).delete()
    return failures + lockouts
