"""Outgoing HTTP for webhooks, refusing private addresses (SSRF) unless the server's administrator allows them
(`WEBHOOKS_ALLOW_PRIVATE`): a setting of the installation, not of a workspace, as a workspace's admin must not
be able to reach the network the server runs in.

The host is resolved once, checked, and the connection is made to that checked address (HTTPS still
verifies the certificate for the host name), so a DNS answer that changes between the check and the
connection (DNS rebinding) cannot point a delivery at an internal service. Redirects are not followed.
"""

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

TIMEOUT_SECONDS = 10


class AddressRefused(Exception):
    pass


def private_allowed() -> bool:
    return bool(settings.CLIENTELA.get("WEBHOOKS_ALLOW_PRIVATE", False))


def _is_private(ip: str) -> bool:
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def checked_address(url: str) -> tuple[str, int, str]:
    """(host, port, ip to connect to) for an http(s) URL; raises AddressRefused with a readable reason."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused(_("Use an http:// or https:// address."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as exc:
        raise AddressRefused(_("The host “%(host)s” could not be resolved.") % {"host": parts.hostname}) from exc
    ips = [info[4][0] for info in infos]
    if not private_allowed() and any(_is_private(ip) for ip in ips):
        raise AddressRefused(_("“%(host)s” is a private, loopback or link-local address; webhooks may only "
                               "be sent to public addresses.") % {"host": parts.hostname})
    return parts.hostname, port, ips[0]


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, ip, **kwargs):
        super().__init__(host, port, **kwargs)
        self._ip = ip

    def connect(self):
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    """POST and return (status code, the first bytes of the answer)."""
    host, port, ip = checked_address(url)
    parts = urlsplit(url)
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = _PinnedHTTPSConnection(
            host, port, ip, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(ip, port, timeout=TIMEOUT_SECONDS)
    default_port = 443 if parts.scheme == "https" else 80
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    try:
        conn.request("POST", target, body=body, headers={
            **headers, "Host": host if port == default_port else f"{host}:{port}",
            "Content-Type": "application/json", "User-Agent": "Clientela-Webhooks/1"})
        response = conn.getresponse()
        return response.status, response.read(500).decode("utf-8", "replace")
    finally:
        conn.close()
