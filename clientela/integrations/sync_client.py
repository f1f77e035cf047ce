"""A reference client of the sync feed: mirrors a workspace into SQLite and pushes offline edits back.

Each entity gets a table (id, data JSON, updated_at, dirty, base JSON). `base` is the server's copy as
of the last sync; a local edit changes `data`, sets `dirty = 1` and `updated_at` to the edit time. A push
sends, per record, the fields that differ from `base` with PATCH; when the server changed the same field
since the last sync, the later write wins (the local edit time against the server's `updated_at`) and
the field is listed in the conflict report.
"""

import json
import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime

PAGE_SIZE = 500
SERVER_KEYS = {"id", "created_at", "updated_at"}


class SyncError(Exception):
    pass


@dataclass
class Report:
    pulled: int = 0
    deleted: int = 0
    pushed: int = 0
    conflicts: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class SyncClient:
    def __init__(self, url: str, token: str, path: str):
        self.url = url.rstrip("/")
        self.token = token
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE TABLE IF NOT EXISTS _sync_state (key TEXT PRIMARY KEY, value TEXT)")

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(  # noqa: S310 - the server address the user gave
            self.url + path, method=method, data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
                     "Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise SyncError(f"{method} {path}: HTTP {exc.code} {exc.read()[:300].decode('utf-8', 'replace')}") from exc

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
            page = self._call("GET", f"/api/v1/sync?{query}")
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
                try:
                    self._push_one(entity, record_id, json.loads(data), edited_at, json.loads(base or "{}"), report)
                except SyncError as exc:
                    report.problems.append(str(exc))
        self.db.commit()

    def _push_one(self, entity: str, record_id: str, local: dict, edited_at: str | None, base: dict,
                  report: Report) -> None:
        server = self._call("GET", f"/api/v1/{entity}/{record_id}")
        local_time = _parse(edited_at) or datetime.now(UTC)
        server_time = _parse(server.get("updated_at"))
        changed = {}
        for name, value in local.items():
            if name in SERVER_KEYS or value == base.get(name):
                continue
            if server.get(name) != base.get(name) and server.get(name) != value:
                winner = "local" if server_time is None or local_time >= server_time else "server"
                report.conflicts.append({"entity": entity, "id": record_id, "field": name, "base": base.get(name),
                                         "server": server.get(name), "local": value, "kept": winner})
                if winner == "server":
                    continue
            changed[name] = value
        fresh = self._call("PATCH", f"/api/v1/{entity}/{record_id}", changed) if changed else server
        stored = json.dumps(fresh)
        self.db.execute(f'UPDATE "{entity}" SET data = ?, base = ?, updated_at = ?, dirty = 0 WHERE id = ?',  # noqa: S608
                        (stored, stored, fresh.get("updated_at"), record_id))
        report.pushed += bool(changed)


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
