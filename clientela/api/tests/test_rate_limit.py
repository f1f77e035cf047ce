"""Rate limits: N calls a minute per API token, and per IP for calls without a valid token."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.test import Client

from clientela.api import throttle
from clientela.security.tokens import token_create

PROBLEM = "application/problem+json"
LIMIT = 3
MINUTE_START = 60 * 29_000_000  # a whole minute, so "now" below is easy to read
REDIS_URL = "redis://127.0.0.1:6379/15"  # a database of its own, flushed by the test


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.CLIENTELA = {**settings.CLIENTELA, "API_RATE_PER_MINUTE": LIMIT}


@pytest.fixture
def clock(monkeypatch):
    """Time stands still at 10 s into a minute until a test moves it."""

    class Clock:
        now = MINUTE_START + 10.0

    monkeypatch.setattr(throttle, "_now", lambda: Clock.now)
    return Clock


def token_client_and_token(user, workspace, ip="198.51.100.7"):
    token, secret = token_create(user=user, workspace=workspace, name="rate tests")
    return Client(headers={"Authorization": f"Bearer {secret}"}, REMOTE_ADDR=ip), token


def token_client(user, workspace, ip="198.51.100.7") -> Client:
    return token_client_and_token(user, workspace, ip)[0]


def statuses(client, times: int, url: str = "/api/v1/contacts") -> list[int]:
    return [client.get(url).status_code for _ in range(times)]


def test_a_token_past_its_limit_gets_429_with_retry_after_and_a_problem(acme, clock):
    client = token_client(acme.users["admin"], acme)

    assert statuses(client, LIMIT) == [200] * LIMIT
    response = client.get("/api/v1/contacts")

    assert response.status_code == 429
    assert response["Content-Type"] == PROBLEM
    assert response["Retry-After"] == "50"  # the minute ends 50 s after "now"
    body = response.json()
    assert body["type"] == "urn:clientela:problem:rate-limited" and body["status"] == 429
    assert body["title"] == "Too many requests" and body["retry_after"] == 50
    assert f"At most {LIMIT} calls a minute" in body["detail"]


def test_another_token_of_the_same_user_and_ip_is_not_affected(acme, clock):
    busy = token_client(acme.users["admin"], acme)
    other = token_client(acme.users["admin"], acme)

    assert statuses(busy, LIMIT + 2)[-1] == 429

    assert statuses(other, LIMIT) == [200] * LIMIT


def test_the_limit_resets_when_the_minute_is_over(acme, clock):
    client = token_client(acme.users["rep"], acme)
    assert statuses(client, LIMIT + 1)[-1] == 429

    clock.now = MINUTE_START + 59.5
    assert client.get("/api/v1/contacts")["Retry-After"] == "1"

    clock.now = MINUTE_START + 60.0
    assert statuses(client, LIMIT) == [200] * LIMIT
    assert client.get("/api/v1/contacts").status_code == 429


def test_calls_without_a_valid_token_are_limited_per_ip_even_for_a_right_guess(acme, clock):
    guesser = Client(headers={"Authorization": "Bearer clt_guess"}, REMOTE_ADDR="203.0.113.9")
    assert statuses(guesser, LIMIT) == [401] * LIMIT

    refused = guesser.get("/api/v1/contacts")
    right_guess_same_ip = token_client(acme.users["admin"], acme, ip="203.0.113.9").get("/api/v1/contacts")
    anonymous_same_ip = Client(REMOTE_ADDR="203.0.113.9").get("/api/v1/contacts")

    assert refused.status_code == 429 and refused["Retry-After"] == "50"
    assert refused.json()["type"] == "urn:clientela:problem:rate-limited"
    assert right_guess_same_ip.status_code == 429  # no token is even checked until the minute is over
    assert anonymous_same_ip.status_code == 429
    assert Client(REMOTE_ADDR="203.0.113.10").get("/api/v1/contacts").status_code == 401
    clock.now = MINUTE_START + 61
    assert guesser.get("/api/v1/contacts").status_code == 401


def test_valid_token_calls_do_not_use_up_the_ip_allowance(acme, clock):
    assert statuses(token_client(acme.users["admin"], acme, ip="203.0.113.20"), LIMIT) == [200] * LIMIT

    assert Client(REMOTE_ADDR="203.0.113.20").get("/api/v1/contacts").status_code == 401


def test_the_web_ui_session_is_not_counted(acme, clock):
    client = Client()
    client.force_login(acme.users["admin"])

    assert statuses(client, LIMIT + 2) == [200] * (LIMIT + 2)


def test_the_openapi_schema_documents_429(client, db):
    schema = client.get("/api/v1/openapi.json").json()

    assert "429" in schema["paths"]["/api/v1/contacts"]["get"]["responses"]


# --- the shared cache ------------------------------------------------------------------------------------------


def test_counts_are_kept_in_the_database_cache_table_by_default(acme, clock):
    from django.core.cache import cache
    from django.db import connection

    assert django_settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")  # no REDIS_URL here
    client, token = token_client_and_token(acme.users["admin"], acme)
    statuses(client, 2)

    assert cache.get(throttle._key(f"token:{token.pk}", clock.now)) == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM clientela_cache WHERE cache_key LIKE %s", [f"%token:{token.pk}:%"])
        assert cursor.fetchone()[0] == 1


def _redis():
    """A client of the test database on the local Redis; CI requires it, elsewhere the test is skipped."""
    try:
        import redis

        server = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        server.ping()
    except Exception as exc:  # the package is missing, or the server does not answer
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not usable on 127.0.0.1:6379 ({exc!r}); CI requires it.")
    server.flushdb()
    return server


def run_app_server_code(code: str) -> str:
    """Run `code` in a separate process configured like an app server with REDIS_URL set; its output."""
    env = {**os.environ, "REDIS_URL": REDIS_URL, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    script = "import django; django.setup(); from django.conf import settings; from django.core.cache import cache; "
    done = subprocess.run([sys.executable, "-c", script + code], env=env, capture_output=True, text=True,
                          timeout=60, cwd=django_settings.BASE_DIR, check=True)
    return done.stdout.strip()


def test_with_redis_url_calls_counted_by_one_server_count_on_another(acme, clock, settings):
    server = _redis()
    client, token = token_client_and_token(acme.users["admin"], acme)

    # Another app server: the settings pick Redis from REDIS_URL, and it counts two calls of the token.
    other = run_app_server_code(
        f"from clientela.api import throttle; throttle._now = lambda: {clock.now}; "
        f"[throttle.rate_count('token:{token.pk}') for _ in range(2)]; "
        f"print(settings.CACHES['default']['BACKEND'], cache.get(throttle._key('token:{token.pk}', {clock.now})))")
    assert other == "django.core.cache.backends.redis.RedisCache 2"

    # This server, on the same Redis: one call left this minute.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": REDIS_URL, "KEY_PREFIX": "clientela"}}
    assert statuses(client, 2) == [200, 429]
    assert client.get("/api/v1/contacts")["Retry-After"] == "50"
    assert len(server.keys(f"clientela:*api-rate:token:{token.pk}:*")) == 1
    server.flushdb()
