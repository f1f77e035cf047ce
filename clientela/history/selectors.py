from clientela.security import access

from .models import FieldChange


def history_for(*, entity: str, record_ids, user, limit: int = 200):
    """Changes to the records, without those of fields the user's role hides."""
    return (FieldChange.objects.filter(entity=entity, record_id__in=list(record_ids))
            .exclude(field__in=access.hidden_fields(user, entity))
            .select_related("actor").order_by("-created_at")[:limit])
