from clientela.timeline.sources import TimelineItem, register_source

from .selectors import notes_for


def notes_for_timeline(user, refs, limit):
    return [TimelineItem(at=note.created_at, kind="note", template="notes/_timeline_item.html",
                         actor=note.author, obj=note) for note in notes_for(refs, limit)]


register_source("notes", notes_for_timeline)
