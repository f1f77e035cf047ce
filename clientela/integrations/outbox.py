"""The change log: every domain event is written in the transaction that caused it (a transactional outbox).

`change_record` is registered with `events.record_with`, so a change and its log row commit or roll back
together. On PostgreSQL a per-workspace transaction lock makes log positions commit in order, so a
reader that has seen position N never later finds a new row below N (SQLite writers are serial anyway).
"""

import zlib
from functools import partial

from django.db import connection, transaction
from django.utils import timezone

from clientela.common import bulk
from clientela.common.events import DomainEvent

from .models import ChangeEvent

ACCESS_CHANGED = "access.changed"  # who may see a record changed (a share); the feed re-checks it


def _lock_workspace_log(workspace_id: int) -> None:
    if connection.vendor == "postgresql":
        key = zlib.crc32(f"clientela-changes:{workspace_id}".encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def changes_record(events: list[DomainEvent]) -> list[int]:
    """Write the events' log rows in the caller's transaction (one lock per workspace, few statements);
    answer the ids of those webhooks may announce."""
    from .webhooks import deliveries_create

    for workspace_id in sorted({e.workspace_id for e in events}):
        _lock_workspace_log(workspace_id)
    now = timezone.now()
    ids = bulk.insert_rows(ChangeEvent, [
        {"workspace_id": e.workspace_id, "entity": e.entity, "record_id": str(e.record_id), "name": e.name,
         "actor_id": e.actor_id, "changes": e.changes or {}, "created_at": now} for e in events], returning="id")
    announced = [(pk, event.workspace_id) for pk, event in zip(ids, events, strict=True)
                 if not event.name.startswith("access.")]
    ids = [pk for pk, _workspace_id in announced]
    if ids:
        workspaces = sorted({workspace_id for _pk, workspace_id in announced})
        transaction.on_commit(partial(deliveries_create, ids, workspaces), robust=True)
    return ids
