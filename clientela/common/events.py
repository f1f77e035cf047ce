"""Domain events, delivered after the transaction that caused them commits.

Services call `emit()`; consumers (timeline, webhooks, automation, metrics) call `subscribe()`.
Nothing that changes a record calls a consumer directly.

Recorders registered with `record_with()` run inside the caller's transaction instead: the change
log (a transactional outbox) is written by one, so it commits or rolls back with the change itself.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DomainEvent:
    name: str  # e.g. "record.created"
    workspace_id: int
    entity: str  # registry key, e.g. "contacts"
    record_id: str
    actor_id: int | None = None
    changes: dict[str, Any] = field(default_factory=dict)


_subscribers: list[Callable[[DomainEvent], None]] = []
_recorders: list[Callable[[list[DomainEvent]], None]] = []


def subscribe(handler: Callable[[DomainEvent], None]) -> Callable[[DomainEvent], None]:
    if handler not in _subscribers:
        _subscribers.append(handler)
    return handler


def record_with(recorder: Callable[[list[DomainEvent]], None]) -> Callable[[list[DomainEvent]], None]:
    """Call `recorder(events)` in the emitting transaction; an error in it fails (and rolls back) the change."""
    if recorder not in _recorders:
        _recorders.append(recorder)
    return recorder


def _dispatch(event: DomainEvent) -> None:
    for handler in list(_subscribers):
        try:
            handler(event)
        except Exception:  # one broken consumer must not stop the others
            logger.exception("event handler %r failed for %s", handler, event.name)


def emit(event: DomainEvent) -> None:
    emit_many([event])


def emit_many(events: list[DomainEvent]) -> None:
    """Emit many events at once (bulk changes): recorders see them as one batch, consumers one by one."""
    if not events:
        return
    for recorder in list(_recorders):
        recorder(events)

    def dispatch_all():
        for event in events:
            _dispatch(event)

    transaction.on_commit(dispatch_all, robust=True)
