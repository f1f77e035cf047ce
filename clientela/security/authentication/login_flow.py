"""The steps of logging in: password (throttled), then the two-factor code when the user has one.

Between the two steps the user is *not* logged in: the session only holds who passed the password
step and when, for a few minutes.
"""

import time

from django.contrib.auth import login as auth_login

from clientela.workspaces.models import User

from ..models import LoginEvent
from . import history, sessions, throttle, two_factor

PENDING = "security_pending_login"
PENDING_SECONDS = 5 * 60


def login_complete(request, user: User, *, backend: str, email: str, two_factor_used: bool,
                   reason: str = LoginEvent.Reason.OK) -> None:
    pending_clear(request)
    auth_login(request, user, backend=backend)
    throttle.failures_clear(email, user.email)
    history.login_event_record(request, email=email or user.email, success=True, reason=reason, user=user)
    sessions.session_track(request, user)
    if two_factor_used:
        request.session[two_factor.ENROLLED_FLAG] = True


def pending_start(request, user: User, *, email: str, next_url: str) -> None:
    request.session[PENDING] = {"user": user.pk, "backend": user.backend, "email": email, "next": next_url,
                                "at": int(time.time())}


def pending_get(request) -> tuple[User, dict] | None:
    """The user who passed the password step (and the step's details), unless it expired."""
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    return (user, pending) if user is not None else None


def pending_clear(request) -> None:
    request.session.pop(PENDING, None)
