"""The sessions a user has open: tracked on login, touched at most once a minute, ended all at once.

Ending sessions goes through the configured session engine's `SessionStore.delete`, so it works with
the database backend (and the cached ones) and costs one delete per session of that user.
"""

import time
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.utils import timezone

from clientela.workspaces.models import User

from ..audit import audit_log
from ..models import UserSession
from .history import request_ip, user_agent

LAST_ACTIVITY = "security_last_activity"  # epoch seconds of the last request that touched the session
TRACKED_KEY = "security_tracked_key"  # the session key a UserSession row was written for
TOUCH_EVERY_SECONDS = 60


def idle_minutes() -> int:
    return int(getattr(settings, "CLIENTELA", {}).get("SESSION_IDLE_MINUTES", 480))


def _store_class():
    return import_module(settings.SESSION_ENGINE).SessionStore


def session_track(request, user: User) -> None:
    """Remember this session for the user (on login, or the first request of an untracked session)."""
    session = request.session
    if session.session_key is None:
        session.save()
    now = timezone.now()
    UserSession.objects.update_or_create(session_key=session.session_key, defaults={
        "user": user, "ip": request_ip(request), "user_agent": user_agent(request), "last_seen_at": now})
    stale = now - timedelta(minutes=idle_minutes() + 1)
    UserSession.objects.filter(user=user, last_seen_at__lt=stale).delete()
    session[TRACKED_KEY] = session.session_key
    session[LAST_ACTIVITY] = int(time.time())


def session_touch(request) -> None:
    """Note activity; writes the session and its row only when the last note is a minute old."""
    session = request.session
    now = int(time.time())
    if session.get(TRACKED_KEY) != session.session_key:
        session_track(request, request.user)
    elif now - session.get(LAST_ACTIVITY, 0) >= TOUCH_EVERY_SECONDS:
        session[LAST_ACTIVITY] = now
        UserSession.objects.filter(session_key=session.session_key).update(last_seen_at=timezone.now())


def session_is_idle(request) -> bool:
    last = request.session.get(LAST_ACTIVITY)
    return last is not None and time.time() - last > idle_minutes() * 60


def sessions_active(user: User) -> list[UserSession]:
    """The user's sessions that still exist and have not gone idle, most recent first."""
    store = _store_class()()
    since = timezone.now() - timedelta(minutes=idle_minutes() + 1)
    rows = list(UserSession.objects.filter(user=user, last_seen_at__gte=since).order_by("-last_seen_at"))
    alive = [row for row in rows if store.exists(row.session_key)]
    gone = {row.pk for row in rows} - {row.pk for row in alive}
    if gone:
        UserSession.objects.filter(pk__in=gone).delete()
    return alive


def sessions_end_all(request, *, user: User) -> int:
    """End every session of the user, this one included; returns how many were ended."""
    store_class = _store_class()
    with transaction.atomic():
        keys = list(UserSession.objects.select_for_update().filter(user=user).values_list("session_key", flat=True))
        for key in keys:
            store_class(session_key=key).delete(key)
        UserSession.objects.filter(user=user).delete()
        if getattr(request, "workspace", None) is not None:
            audit_log(action="sessions.ended_all", actor=user, target=user, details={"count": len(keys)},
                      request=request, workspace=request.workspace)
    logout(request)
    return len(keys)
