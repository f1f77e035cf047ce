from .models import FieldDefinition


def field_definitions(entity: str) -> list[FieldDefinition]:
    """The current workspace's live custom fields of an entity, in their order."""
    return list(FieldDefinition.objects.filter(entity=entity).order_by("position", "label_en"))
