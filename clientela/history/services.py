import uuid

from .models import FieldChange


def changes_record(*, workspace, entity: str, record_id, action: str, actor, changes: dict) -> None:
    """Store what changed. `changes` maps field name -> (label, old display value, new display value)."""
    batch = uuid.uuid4()
    rows = [
        FieldChange(workspace=workspace, entity=entity, record_id=record_id, action=action, field=name,
                    field_label=str(label), old_value=old, new_value=new, actor=actor, batch=batch)
        for name, (label, old, new) in changes.items()
    ] or [FieldChange(workspace=workspace, entity=entity, record_id=record_id, action=action,
                      actor=actor, batch=batch)]
    FieldChange.objects.bulk_create(rows)
