"""The change log: every domain event is written in the transaction that caused it (a transactional outbox).

`change_record` is registered with `events.record_with`, so a change and its log row commit or roll back
together. On PostgreSQL a per-workspace transaction lock makes log positions commit in order, so a
reader that has seen position N never later finds a new row below N (SQLite writers are serial anyway).
"""

import zlib
from functools import partial

from django.db import connection, transaction

from clientela.common.events import DomainEvent

from .models import ChangeEvent

ACCESS_CHANGED = "access.changed"  # who may see a record changed (a share); the feed re-checks it


def _lock_workspace_log(workspace_id: int) -> None:
    if connection.vendor == "postgresql":
        key = zlib.crc32(f"clientela-changes:{workspace_id}".encode())
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def change_record(event: DomainEvent) -> ChangeEvent:
    from .webhooks import deliveries_create

    _lock_workspace_log(event.workspace_id)
    change = ChangeEvent.unscoped.create(workspace_id=event.workspace_id, entity=event.entity,
                                         record_id=str(event.record_id), name=event.name,
                                         actor_id=event.actor_id, changes=event.changes or {})
    if not event.name.startswith("access."):
        transaction.on_commit(partial(deliveries_create, change.pk), robust=True)
    return change

