"""The REST API suite: list latency, throughput under 8 concurrent clients, bulk upsert, sync feed replay.

Everything but the sync replay goes through a real gunicorn (`bench.server.Server`, gthread workers so
clients keep their connections) with a real API token, made for the run and deleted after it.

- list: `GET /api/v1/contacts?limit=50&f_owner=<rep>&f_lifecycle_status=customer&sort=-updated_at` (the
  web list's owner + lifecycle scenario, through the API), server time from the request log and client time.
- throughput: 8 client threads, each with its own keep-alive connection, for THROUGHPUT_SECONDS; then the same
  clients on `GET /healthz` (every middleware, one `SELECT 1`, a small JSON answer) for as long: the most
  requests a second this server and machine answer, whatever the view does.
- bulk upsert: 1,000-record `POST /api/v1/contacts/bulk` upserts matched by email, flipping the job title
  of the same 1,000 contacts between two values (every record changes on every run), then a last request
  puts the original titles back, so the dataset ends as it began (plus its history and change log).
- sync replay: the feed read in-process from an empty cursor to the end, 1,000 changes a page.

The list, throughput and bulk rows have a raw SQL baseline (method "raw SQL"), the floor the database sets:
- list and throughput: the very SELECTs one list request runs (token, count, page, its rows: captured from the
  same request in-process), replayed on one connection, then on 8 (one per client thread) for as long;
- bulk upsert: one UPDATE of the same 1,000 contacts' title and time found by email, without the checks,
  history and events the API adds.

`BENCH_API_PARTS=list,bulk` runs only some of them; BENCH_API_WORKERS / BENCH_API_THREADS size gunicorn.
When Redis answers on BENCH_REDIS_URL (default redis://127.0.0.1:6379/15) the server keeps its cache — the
per-token rate counters — there, as a deployment with several workers does; else in the database table.
"""

import http.client
import json
import os
import socket
import statistics
import threading
import time
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.test import Client as InProcessClient
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clientela.customers.models import Contact, EmailAddress
from clientela.integrations.feed import sync_page
from clientela.security.models import ApiToken
from clientela.security.tokens import token_create

from .dataset import bench_workspace
from .measure import Result, p95, summarize
from .server import Server

LIST_PATH = "/api/v1/contacts?limit=50&f_owner={owner}&f_lifecycle_status=customer&sort=-updated_at"
CLIENTS = 8
THROUGHPUT_SECONDS = float(os.environ.get("BENCH_API_SECONDS", "10"))
BULK_RECORDS = 1000
BULK_RUNS = 10  # SQLite checkpoints its WAL every two or three requests: four samples gave no steady median
LIST_RUNS = 60
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
SYNC_LIMIT = int(os.environ.get("BENCH_API_SYNC_LIMIT", "0"))  # 0: replay to the end
PARTS = os.environ.get("BENCH_API_PARTS", "list,throughput,bulk,sync").split(",")
SERVER = {"workers": int(os.environ.get("BENCH_API_WORKERS", "3")),
          "threads": int(os.environ.get("BENCH_API_THREADS", "4"))}


class Client:
    """One keep-alive HTTP connection with the token."""

    def __init__(self, port: int, secret: str):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.headers = {"Authorization": f"Bearer {secret}", "Host": "127.0.0.1",
                        "Content-Type": "application/json"}

    def call(self, method: str, path: str, body=None) -> tuple[int, bytes]:
        data = json.dumps(body) if body is not None else None
        try:
            self.conn.request(method, path, body=data, headers=self.headers)
            response = self.conn.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            self.conn.close()  # the server closed an idle keep-alive connection: open a new one
            self.conn.request(method, path, body=data, headers=self.headers)
            response = self.conn.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.conn.close()


def _list(server: Server, client: Client, database: str, path: str) -> list[Result]:
    for _ in range(3):
        status, body = client.call("GET", path)
        assert status == 200, f"{path}: HTTP {status} {body[:300]!r}"
    rows = len(json.loads(body)["results"])
    before = len(server.log_lines())
    samples = []
    for _ in range(LIST_RUNS):
        started = time.perf_counter()
        client.call("GET", path)
        samples.append((time.perf_counter() - started) * 1000)
    server_ms = [line["ms"] for line in server.log_lines()[before:]]
    return [summarize("API list 50 contacts, filter + sort", "http server", database, rows, server_ms,
                      peak_mb=server.peak_rss_mb()),
            summarize("API list 50 contacts, filter + sort", "http client", database, rows, samples)]


def _drive(seconds: float, open_client) -> tuple[list[float], float]:
    """CLIENTS threads, each with its own `open_client()` — (call, close) — calling until the deadline: the
    milliseconds of every call, and the seconds the whole run took."""
    latencies: list[list[float]] = [[] for _ in range(CLIENTS)]
    deadline = time.perf_counter() + seconds

    def work(number: int) -> None:
        call, close = open_client()
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                call()
                latencies[number].append((time.perf_counter() - started) * 1000)
        finally:
            close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(CLIENTS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [ms for per_client in latencies for ms in per_client], time.perf_counter() - started


def _throughput(server: Server, secret: str, database: str, path: str, seconds: float,
                scenario: str = f"API list, {CLIENTS} concurrent clients") -> Result:
    errors: list[int] = []

    def open_client():
        client = Client(server.port, secret)

        def call() -> None:
            status, _body = client.call("GET", path)
            if status != 200:
                errors.append(status)

        return call, client.close

    samples, elapsed = _drive(seconds, open_client)
    assert not errors, f"throughput: {len(errors)} answers were not 200, e.g. {errors[:5]}"
    return Result(f"{scenario} ({SERVER['workers']}w x {SERVER['threads']}t)", "http client", database,
                  len(samples), round(statistics.median(samples), 2), round(p95(samples), 2),
                  round(len(samples) / elapsed, 1), server.peak_rss_mb(), runs=len(samples))


def _statements(secret: str, path: str) -> list[str]:
    """The SELECTs one list request runs, with their values in place (as sent to the database)."""
    client = InProcessClient(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="127.0.0.1")
    assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    cache = settings.CACHES["default"]  # the rate counters' table, when the cache is the database's
    table = cache["LOCATION"] if cache["BACKEND"].endswith("DatabaseCache") else None
    return [query["sql"] for query in captured.captured_queries
            if query["sql"].lstrip().upper().startswith("SELECT") and not (table and table in query["sql"])]


def _replay(statements: list[str]) -> int:
    rows = 0
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
            rows += len(cursor.fetchall())
    return rows


def _raw_list(statements: list[str], database: str, api: list[Result]) -> Result:
    _replay(statements)
    samples = []
    for _ in range(LIST_RUNS):
        started = time.perf_counter()
        _replay(statements)
        samples.append((time.perf_counter() - started) * 1000)
    return _baseline_of(api, summarize("API list 50 contacts, filter + sort", "raw SQL", database, 50, samples))


def _raw_throughput(statements: list[str], database: str, seconds: float, api: Result) -> Result:
    """The same statements from CLIENTS threads, each on its own connection, for as long as the API was driven."""
    samples, elapsed = _drive(seconds, lambda: (lambda: _replay(statements), connection.close))
    result = Result(f"API list, {CLIENTS} concurrent clients", "raw SQL", database, len(samples),
                    round(statistics.median(samples), 2), round(p95(samples), 2), round(len(samples) / elapsed, 1),
                    runs=len(samples))
    return _baseline_of([api], result, by_throughput=True)


def _baseline_of(results: list[Result], baseline: Result, by_throughput: bool = False) -> Result:
    """Mark `baseline` as the raw SQL row of `results`: their ratio is how many times slower they are."""
    baseline.ratio = 1.0
    for result in results:
        result.ratio = round(baseline.throughput / max(result.throughput, 0.001) if by_throughput
                             else result.median_ms / max(baseline.median_ms, 0.001), 1)
    return baseline


def _bulk(server: Server, client: Client, database: str) -> list[Result]:
    emails = list(EmailAddress.objects.filter(contact__isnull=False, is_primary=True).order_by("contact_id")
                  .values_list("contact_id", "email", "contact__job_title")[:BULK_RECORDS * 3])
    chosen, seen = [], set()
    for contact_id, email, title in emails:  # one email per contact, each email once
        if contact_id not in seen and email.lower() not in seen:
            seen.update({contact_id, email.lower()})
            chosen.append((email, title))
        if len(chosen) == BULK_RECORDS:
            break

    def upsert(titles) -> float:
        records = [{"emails": [{"email": email}], "job_title": title} for (email, _t), title in zip(chosen, titles,
                                                                                                   strict=True)]
        started = time.perf_counter()
        status, body = client.call("POST", "/api/v1/contacts/bulk",
                                   {"operation": "upsert", "match": "email", "records": records})
        elapsed = (time.perf_counter() - started) * 1000
        assert status == 200, f"bulk: HTTP {status} {body[:500]!r}"
        answer = json.loads(body)
        assert answer["failed"] == 0 and answer["created"] == 0, answer["results"][:3]
        return elapsed

    before = len(server.log_lines())
    samples = [upsert([f"Bench bulk {'AB'[run % 2]}"] * len(chosen)) for run in range(BULK_RUNS + 1)][1:]
    server_ms = [line["ms"] for line in server.log_lines()[before:]][1:]
    raw = _raw_bulk([email.lower() for email, _title in chosen])
    upsert([title for _email, title in chosen])  # the original titles back
    rows, name = len(chosen), "API bulk upsert by email (1,000 a request)"
    results = [summarize(name, "http server", database, rows, server_ms, per_op=rows, peak_mb=server.peak_rss_mb()),
               summarize(name, "http client", database, rows, samples, per_op=rows)]
    return [*results, _baseline_of(results, summarize(name, "raw SQL", database, rows, raw, per_op=rows))]


def _raw_bulk(emails: list[str]) -> list[float]:
    """The bulk upsert's floor: one UPDATE of the contacts' title and time, found by email (after a warm-up)."""
    table, links = Contact._meta.db_table, EmailAddress._meta.db_table
    marks = ", ".join(["%s"] * len(emails))
    sql = (f"UPDATE {table} SET job_title = %s, updated_at = %s WHERE id IN (SELECT contact_id FROM {links} "  # noqa: S608
           f"WHERE workspace_id = %s AND LOWER(email) IN ({marks}))")  # names from model metadata, values bound
    workspace_id, samples = bench_workspace().pk, []
    for run in range(BULK_RUNS + 1):
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [f"Bench bulk {'AB'[run % 2]}", timezone.now(), workspace_id, *emails])
            assert cursor.rowcount == len(emails), cursor.rowcount
        samples.append((time.perf_counter() - started) * 1000)
    return samples[1:]


def _sync(ctx, database: str) -> Result:
    """The whole replay, or its first SYNC_LIMIT changes when that is set (then the name says so)."""
    started, cursor, changes, pages = time.perf_counter(), "", 0, 0
    while True:
        page = sync_page(ctx.user, cursor, 1000)
        changes += len(page["changes"])
        pages += 1
        cursor = page["cursor"]
        if not page["has_more"] or (SYNC_LIMIT and changes >= SYNC_LIMIT):
            break
    elapsed = (time.perf_counter() - started) * 1000
    name = f"sync feed replay, first {changes:,} changes" if page["has_more"] else \
        "sync feed replay from an empty cursor"
    result = summarize(name, "in-process", database, changes, [elapsed], per_op=changes)
    result.runs = pages
    return result


def api_suite(ctx, size, database: str, log_dir: Path) -> list[Result]:
    workspace, path = bench_workspace(), LIST_PATH.format(owner=ctx.owner_id)
    token, secret = token_create(user=ctx.user, workspace=workspace, name="bench-api")
    saved = {name: os.environ.get(name) for name in ("API_RATE_PER_MINUTE", "REDIS_URL")}
    os.environ["API_RATE_PER_MINUTE"] = "10000000"  # the bench measures the API, not its rate limit
    if _redis_answers(REDIS_URL):  # several workers share the rate counters in Redis, as deployed (docs/deploy.md)
        os.environ["REDIS_URL"] = REDIS_URL
    results = []
    try:
        with Server(log_dir / f"server-api-{database}.log", **SERVER) as server:
            client = Client(server.port, secret)
            try:
                statements = _statements(secret, path) if {"list", "throughput"} & set(PARTS) else []
                if "list" in PARTS:
                    listed = _list(server, client, database, path)
                    results += [*listed, _raw_list(statements, database, listed)]
                if "throughput" in PARTS:
                    seconds = min(THROUGHPUT_SECONDS, 3) if size.quick else THROUGHPUT_SECONDS
                    driven = _throughput(server, secret, database, path, seconds)
                    results += [driven, _raw_throughput(statements, database, seconds, driven),
                                _throughput(server, secret, database, "/healthz", seconds,
                                            f"GET /healthz, {CLIENTS} concurrent clients")]
                if "bulk" in PARTS:
                    results += _bulk(server, client, database)
            finally:
                client.close()
        if "sync" in PARTS:
            results.append(_sync(ctx, database))
    finally:
        ApiToken.unscoped.filter(pk=token.pk).delete()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return results


def _redis_answers(url: str) -> bool:
    host, _colon, rest = url.removeprefix("redis://").partition(":")
    try:
        with socket.create_connection((host, int(rest.split("/")[0] or 6379)), timeout=1) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except (OSError, ValueError):
        return False
