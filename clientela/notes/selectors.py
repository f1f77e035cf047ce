from django.db.models import Prefetch, Q

from .models import Note


def notes_for(refs: dict[str, list], limit: int = 100):
    condition = Q(pk__in=[])
    for entity, ids in refs.items():
        if ids:
            condition |= Q(entity=entity, record_id__in=ids)
    return (Note.objects.filter(condition).select_related("author")
            .prefetch_related(Prefetch("attachments", to_attr="attachment_list"))
            .order_by("-created_at")[:limit])
