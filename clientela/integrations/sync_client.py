"""A reference client of the sync feed: mirrors a workspace into SQLite and pushes offline edits back.

Each entity gets a table (id, data JSON, updated_at, dirty, base JSON). `base` is the server's copy as
of the last sync; a local edit changes `data`, sets `dirty = 1` and `updated_at` to the edit time. A push
sends, per record, the fields that differ from `base` with PATCH; when the server changed the same field
since the last sync, the later write wins (the local edit time against the server's `updated_at`) and
the field is listed in the conflict report. The PATCH carries the ETag of the copy it was compared with,
so a change made on the server in between is not overwritten: the record is read and compared again.
Past the token's rate limit (429) the client waits as long as `Retry-After` says, then goes on.
"""

import json
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime

PAGE_SIZE = 500
SERVER_KEYS = {"id", "created_at", "updated_at"}
RATE_RETRIES = 10  # 429 answers in a row before giving up
LONGEST_WAIT = 120  # seconds, whatever Retry-After says
PUSH_ATTEMPTS = 3  # a record changed on the server between reading and writing it is read again


class SyncError(Exception):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


@dataclass
class Report:
    pulled: int = 0
    deleted: int = 0
    pushed: int = 0
    conflicts: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class SyncClient:
    def __init__(self, url: str, token: str, path: str, sleep=time.sleep):
        self.url = url.rstrip("/")
        self.token = token
        self.sleep = sleep
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS _sync_state (key TEXT PRIMARY KEY, value TEXT)")

    def _call(self, method: str, path: str, body: dict | None = None, headers: dict | None = None) -> tuple:
        """(the answer's JSON, its headers); waits out the rate limit."""
        for attempt in range(RATE_RETRIES + 1):
            request = urllib.request.Request(  # noqa: S310 - the server address the user gave
                self.url + path, method=method, data=json.dumps(body).encode() if body is not None else None,
                headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
                         "Accept": "application/json", **(headers or {})})
            try:
                with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                    return json.loads(response.read() or b"{}"), response.headers
            except urllib.error.HTTPError as exc:
                if exc.code == 429 and attempt < RATE_RETRIES:
                    self.sleep(_retry_after(exc.headers.get("Retry-After")))
                    continue
                raise SyncError(f"{method} {path}: HTTP {exc.code} {exc.read()[:300].decode('utf-8', 'replace')}",
                                exc.code) from exc
        raise AssertionError("unreachable")  # the last attempt returns or raises

    def _table(self, entity: str) -> str:
        if not entity.replace("_", "").isalnum():
            raise SyncError(f"unexpected entity name {entity!r}")
        self.db.execute(f'CREATE TABLE IF NOT EXISTS "{entity}" (id TEXT PRIMARY KEY, data TEXT NOT NULL, '
                        "updated_at TEXT, dirty INTEGER NOT NULL DEFAULT 0, base TEXT)")
        return f'"{entity}"'

    def _tables(self) -> list[str]:
        rows = self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name != '_sync_state'")
        return [name for (name,) in rows]

    def _state(self, key: str, value: str | None = None) -> str:
        if value is not None:
            self.db.execute("INSERT OR REPLACE INTO _sync_state VALUES (?, ?)", (key, value))
            return value
        row = self.db.execute("SELECT value FROM _sync_state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else ""

    def pull(self, report: Report) -> None:
        cursor = self._state("cursor")
        while True:
            query = urllib.parse.urlencode({"cursor": cursor, "limit": PAGE_SIZE})
            page, _headers = self._call("GET", f"/api/v1/sync?{query}")
            for change in page["changes"]:
                self._apply(change, report)
            cursor = self._state("cursor", page["cursor"])
            self.db.commit()
            if not page["has_more"]:
                return

    def _apply(self, change: dict, report: Report) -> None:
        if change["op"] == "reset":
            for table in self._tables():
                self.db.execute(f'DELETE FROM "{table}" WHERE dirty = 0')  # noqa: S608 - our own table names
            return
        table = self._table(change["entity"])
        if change["op"] == "delete":
            row = self.db.execute(f"SELECT dirty FROM {table} WHERE id = ?", (change["id"],)).fetchone()  # noqa: S608
            if row and row[0]:
                report.problems.append(f"{change['entity']} {change['id']}: gone from the server (or no longer "
                                       "visible); the local edits were dropped")
            self.db.execute(f"DELETE FROM {table} WHERE id = ?", (change["id"],))  # noqa: S608
            report.deleted += 1
            return
        data = json.dumps(change["data"])
        self.db.execute(  # a dirty row keeps the local edits; the push compares them with the server
            f"INSERT INTO {table} (id, data, updated_at, dirty, base) VALUES (?, ?, ?, 0, ?) "  # noqa: S608
            "ON CONFLICT(id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at, "
            "base = excluded.base WHERE dirty = 0",
            (change["id"], data, change["data"].get("updated_at"), data))
        report.pulled += 1

    def push(self, report: Report) -> None:
        for entity in self._tables():
            rows = self.db.execute(f'SELECT id, data, updated_at, base FROM "{entity}" WHERE dirty = 1').fetchall()  # noqa: S608
            for record_id, data, edited_at, base in rows:
                for attempt in range(PUSH_ATTEMPTS):
                    try:
                        self._push_one(entity, record_id, json.loads(data), edited_at, json.loads(base or "{}"),
                                       report)
                    except SyncError as exc:
                        if exc.status == 412 and attempt + 1 < PUSH_ATTEMPTS:
                            continue  # changed on the server since it was read: compare again
                        report.problems.append(str(exc))
                    break
                self.db.commit()  # pushed records stay pushed if a later one stops the run

    def _push_one(self, entity: str, record_id: str, local: dict, edited_at: str | None, base: dict,
                  report: Report) -> None:
        server, headers = self._call("GET", f"/api/v1/{entity}/{record_id}")
        local_time = _parse(edited_at) or datetime.now(UTC)
        server_time = _parse(server.get("updated_at"))
        changed, conflicts = {}, []
        for name, value in local.items():
            if name in SERVER_KEYS or value == base.get(name):
                continue
            if server.get(name) != base.get(name) and server.get(name) != value:
                winner = "local" if server_time is None or local_time >= server_time else "server"
                conflicts.append({"entity": entity, "id": record_id, "field": name, "base": base.get(name),
                                  "server": server.get(name), "local": value, "kept": winner})
                if winner == "server":
                    continue
            changed[name] = value
        fresh = server
        if changed:
            etag = headers.get("ETag")
            fresh, _headers = self._call("PATCH", f"/api/v1/{entity}/{record_id}", changed,
                                         {"If-Match": etag} if etag else None)
        report.conflicts += conflicts  # once written: a record read again (412) is compared again
        stored = json.dumps(fresh)
        self.db.execute(f'UPDATE "{entity}" SET data = ?, base = ?, updated_at = ?, dirty = 0 WHERE id = ?',  # noqa: S608
                        (stored, stored, fresh.get("updated_at"), record_id))
        report.pushed += bool(changed)


def _retry_after(value: str | None) -> float:
    """Seconds to wait before calling again: the server's Retry-After (seconds), within reason."""
    try:
        return min(max(float(value), 1.0), LONGEST_WAIT)
    except (TypeError, ValueError):
        return 5.0


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
