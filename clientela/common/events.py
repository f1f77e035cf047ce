"""Domain events, delivered after the transaction that caused them commits.

Services call `emit()`; consumers (timeline, webhooks, automation, metrics) call `subscribe()`.
Nothing that changes a record calls a consumer directly.
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


def subscribe(handler: Callable[[DomainEvent], None]) -> Callable[[DomainEvent], None]:
    if handler not in _subscribers:
        _subscribers.append(handler)
    return handler


def _dispatch(event: DomainEvent) -> None:
    for handler in list(_subscribers):
        try:
            handler(event)
        except Exception:  # one broken consumer must not stop the others
            logger.exception("event handler %r failed for %s", handler, event.name)


def emit(event: DomainEvent) -> None:
    transaction.on_commit(lambda: _dispatch(event), robust=True)
