"""Where a request came from, for login throttling, login history, the audit log and API rate limits."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's IP address, or None when it is not a valid one.

    Behind `TRUSTED_PROXIES` reverse proxies (setting, 0 by default) the address is read from the right
    of X-Forwarded-For: each trusted proxy appends the address it saw, and everything to the left of
    those entries is written by the client and cannot be trusted.
    """
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.CLIENTELA.get("TRUSTED_PROXIES", 0)
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            address = forwarded[-min(proxies, len(forwarded))]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
