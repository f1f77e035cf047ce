"""The 360° timeline's one extension point.

A source is a function `(user, refs, limit) -> list[TimelineItem]`, where `refs` maps entity keys
to the record ids whose items belong on the page (the record itself plus its related records,
already filtered by the access decision). Apps register sources in their `entities.py`:

    from clientela.timeline.sources import register_source
    register_source("notes", notes_for_timeline)

The page merges every source's items, newest first, a page at a time: a source returns its `limit`
newest items, and the page after the first asks every source for more (`offset + page`), so a
source needs no cursor of its own.
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


@dataclass
class TimelinePage:
    items: list[TimelineItem]
    next_offset: int | None  # where "show older" starts; None on the last page


Source = Callable[[Any, dict[str, list], int], list[TimelineItem]]
_sources: dict[str, Source] = {}
PAGE = 25  # items a record page shows before "Show older"


def register_source(name: str, source: Source) -> None:
    _sources[name] = source


def timeline(user, refs: dict[str, list], limit: int = PAGE, offset: int = 0) -> TimelinePage:
    """Items `offset` to `offset + limit` of the merged timeline, newest first."""
    wanted = offset + limit + 1  # one more tells whether an older page exists
    items: list[TimelineItem] = []
    for source in _sources.values():
        items.extend(source(user, refs, wanted))
    items.sort(key=lambda item: item.at, reverse=True)
    more = len(items) > offset + limit
    return TimelinePage(items[offset:offset + limit], offset + limit if more else None)
