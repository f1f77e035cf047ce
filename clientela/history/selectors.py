from .models import FieldChange


def history_for(*, entity: str, record_ids, limit: int = 200):
    return (FieldChange.objects.filter(entity=entity, record_id__in=list(record_ids))
            .select_related("actor").order_by("-created_at")[:limit])
