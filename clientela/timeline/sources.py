"""The 360° timeline's one extension point.

A source is a function `(user, refs, limit) -> list[TimelineItem]`, where `refs` maps entity keys
to the record ids whose items belong on the page (the record itself plus its related records,
already filtered by the access decision). Apps register sources in their `entities.py`:

    from clientela.timeline.sources import register_source
    register_source("notes", notes_for_timeline)

The page merges every source's items, newest first.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class TimelineItem:
    at: datetime
    kind: str  # "note", "change", later "activity", "email", "case"...
    template: str  # partial that renders the item, given `item`
    actor: Any = None
    obj: Any = None  # the underlying object, for the template
    context: dict = field(default_factory=dict)


Source = Callable[[Any, dict[str, list], int], list[TimelineItem]]
_sources: dict[str, Source] = {}


def register_source(name: str, source: Source) -> None:
    _sources[name] = source


def timeline(user, refs: dict[str, list], limit: int = 100) -> list[TimelineItem]:
    items: list[TimelineItem] = []
    for source in _sources.values():
        items.extend(source(user, refs, limit))
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]
