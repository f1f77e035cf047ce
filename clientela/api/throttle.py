"""API rate limits: CLIENTELA["API_RATE_PER_MINUTE"] calls a minute per API token, and per client IP
for calls without a valid token.

Counts live in fixed one-minute windows in the default cache, which every app server shares (Redis, or
the database table). Token calls are counted by a ninja throttle, which runs once the token is known.
Calls without a valid token never reach ninja's throttles (they fail authentication first), so two
authentication callbacks handle them: the first refuses an IP that has used up its minute before any
token is checked (guessing tokens stays slow, even when a guess is right), the last counts the failure.
"""

import hashlib
import math
import threading
import time

from django.conf import settings
from django.core.cache import cache
from ninja.throttling import BaseThrottle

from clientela.common import network

WINDOW_SECONDS = 60


class RateLimited(Exception):
    """Raised while authenticating a call from an IP that has used up its minute."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def rate_per_minute() -> int:
    return int(settings.CLIENTELA.get("API_RATE_PER_MINUTE", 120))


def _now() -> float:
    return time.time()


def _key(subject: str, now: float) -> str:
    return f"api-rate:{subject}:{int(now // WINDOW_SECONDS)}"


def seconds_to_reset(now: float) -> int:
    """Whole seconds until the current window ends (at least 1), for the Retry-After header."""
    return max(1, math.ceil(WINDOW_SECONDS - now % WINDOW_SECONDS))


def rate_count(subject: str) -> tuple[int, float]:
    """Count one call for `subject` in the current window; its count so far, and the time it was counted."""
    now = _now()
    key = _key(subject, now)
    # incr() is atomic on Redis, add() too; the window is part of the key, so old counts just expire. The
    # counter exists for all but a window's first call, so incr() comes first: one cache call less a request.
    try:
        return cache.incr(key), now
    except ValueError:  # the window's first call, or its count was evicted
        pass
    if cache.add(key, 1, timeout=2 * WINDOW_SECONDS):
        return 1, now
    try:
        return cache.incr(key), now  # another call added it meanwhile
    except ValueError:  # evicted between the two calls
        cache.set(key, 1, timeout=2 * WINDOW_SECONDS)
        return 1, now


def rate_used(subject: str) -> tuple[int, float]:
    now = _now()
    return cache.get(_key(subject, now), 0), now


def client_ip(request) -> str:
    """The caller's address (behind the trusted proxies), hashed for the cache key."""
    return hashlib.sha256((network.client_ip(request) or "").encode()).hexdigest()[:32]


class TokenRateThrottle(BaseThrottle):
    """Per API token; calls from the web UI's own session are not counted."""

    _last = threading.local()  # ninja asks wait() right after allow_request(), in the same thread

    def allow_request(self, request) -> bool:
        token = getattr(request, "api_token", None)
        self._last.wait = None
        if token is None:
            return True
        count, now = rate_count(f"token:{token.pk}")
        if count <= rate_per_minute():
            return True
        self._last.wait = seconds_to_reset(now)
        return False

    def wait(self) -> float | None:
        return getattr(self._last, "wait", None)


def refuse_limited_ip(request):
    """First authentication callback: never authenticates; refuses an IP that used up its minute."""
    used, now = rate_used(f"ip:{client_ip(request)}")
    if used >= rate_per_minute():
        raise RateLimited(seconds_to_reset(now))
    return None


def count_unauthenticated(request):
    """Last authentication callback: reached only when nothing authenticated the call; counts it."""
    rate_count(f"ip:{client_ip(request)}")
    return None
