"""A real gunicorn process on loopback, a logged-in session, and timings from both ends."""

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session_cookie(user) -> str:
    """A logged-in session for `user`, stored the way a real login stores it."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0] if hasattr(
        settings, "AUTHENTICATION_BACKENDS") else "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


class Server:
    """gunicorn with its request log in a file: by default one sync worker (the 2-core machine also runs
    the database); concurrency scenarios ask for several workers with threads (gthread, keep-alive)."""

    def __init__(self, log_path: Path, workers: int = 1, threads: int = 1):
        self.port, self.log_path = free_port(), log_path
        self.workers, self.threads = workers, threads
        self.process = None

    def __enter__(self):
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in __exit__
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
            [str(gunicorn), "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
             "--threads", str(self.threads), *(["--worker-class", "gthread"] if self.threads > 1 else []),
             "--timeout", "300", "config.wsgi"], stdout=self.log, stderr=self.log, env=os.environ.copy(),
            cwd=Path(__file__).resolve().parent.parent)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                self.get("/healthz", "")
                return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start; see {self.log_path}")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()

    def get(self, path: str, cookie: str) -> tuple[int, int]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        try:
            conn.request("GET", path, headers={"Cookie": cookie, "Host": "127.0.0.1"})
            response = conn.getresponse()
            body = response.read()
            return response.status, len(body)
        finally:
            conn.close()

    def log_lines(self) -> list[dict]:
        lines = []
        for line in self.log_path.read_text().splitlines():
            if line.startswith("{") and '"ms"' in line:
                lines.append(json.loads(line))
        return lines

    def peak_rss_mb(self) -> float | None:
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
            status = Path(f"/proc/{children[0]}/status").read_text()
        except (OSError, IndexError):
            return None
        kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
        return round(kb / 1024, 1)
