"""A failed delivery's reason as administrators read it, in their language.

A delivery stores what went wrong as the worker saw it — the exception (`ConnectionRefusedError: [Errno 111]
…`), `HTTP 503: <the answer's first bytes>`, or a sentence of ours — and the log keeps that text as the
technical detail. This says the same in plain words when the page is shown.
"""

import re

from django.utils.translation import gettext as _

from .transport import TIMEOUT_SECONDS

DISABLED = "The webhook is disabled."  # stored as is by `webhooks.delivery_attempt`
_HTTP = re.compile(r"^HTTP (\d{3})\b")


def plain_reason(error: str) -> str:
    """The reason in plain words; the stored text itself when it is not one the worker writes."""
    if not error:
        return ""
    if error == DISABLED:
        return _("Not sent: the webhook is disabled.")
    if match := _HTTP.match(error):
        code = int(match.group(1))
        if code >= 500:
            return _("The endpoint had an error of its own (HTTP %(code)d).") % {"code": code}
        return _("The endpoint refused the delivery (HTTP %(code)d).") % {"code": code}
    kind = error.split(":", 1)[0]
    if kind == "ConnectionRefusedError":
        return _("Nothing answered at that address: the connection was refused.")
    if kind in ("TimeoutError", "socket.timeout") or "timed out" in error:
        return _("The endpoint did not answer within %(seconds)d seconds.") % {"seconds": TIMEOUT_SECONDS}
    if kind.startswith("SSL"):
        return _("The secure (HTTPS) connection to the endpoint failed.")
    if kind in ("ConnectionResetError", "RemoteDisconnected", "BrokenPipeError", "ConnectionAbortedError"):
        return _("The endpoint closed the connection before answering.")
    return error
