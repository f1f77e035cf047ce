from clientela.timeline.sources import TimelineItem, register_source

from .selectors import history_for


def changes_for_timeline(user, refs, limit):
    """Field changes of the page's own record (refs' first entry), grouped per save."""
    entity, ids = next(iter(refs.items()))
    rows = history_for(entity=entity, record_ids=ids[:1], user=user, limit=limit * 3)
    batches: dict = {}
    for row in rows:
        batches.setdefault(row.batch, []).append(row)
    return [TimelineItem(at=group[0].created_at, kind="change", template="history/_timeline_item.html",
                         actor=group[0].actor, obj=group) for group in batches.values()][:limit]


register_source("history", changes_for_timeline)
