import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from django.test import Client

ROOT = Path(__file__).resolve().parents[3]


def test_healthz_answers_200_when_the_database_answers(db):
    response = Client().get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


UNREACHABLE = {"DATABASE_URL": "postgres://postgres@127.0.0.1:9/nowhere", "DJANGO_SETTINGS_MODULE": "config.settings.test"}


def _run(*args):
    env = {**os.environ, **UNREACHABLE}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)


def test_healthz_answers_503_when_the_database_does_not():
    code = ("import django; django.setup(); from django.test import Client; "
            "r = Client().get('/healthz', HTTP_HOST='localhost'); print(r.status_code, r.json()['status'])")
    assert _run("-c", code).stdout.split() == ["503", "unavailable"]


def test_an_unreachable_database_gives_a_clear_startup_error_not_a_traceback():
    result = _run("manage.py", "migrate")
    assert result.returncode == 2
    assert "cannot reach the postgresql database “nowhere” at 127.0.0.1:9" in result.stderr
    assert "DATABASE_URL" in result.stderr and "Traceback" not in result.stderr


def test_each_request_logs_one_structured_line(acme, caplog):
    from conftest import login

    logger = logging.getLogger("clientela.requests")
    logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger="clientela.requests"):
            login(acme.users["rep"]).get("/contacts/?q=x")
    finally:
        logger.removeHandler(caplog.handler)
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "clientela.requests"]
    assert lines[-1]["path"] == "/contacts/" and lines[-1]["status"] == 200
    assert lines[-1]["workspace"] == "acme" and lines[-1]["user"] == acme.users["rep"].pk
    assert lines[-1]["ms"] >= 0
