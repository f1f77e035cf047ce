"""Changing a custom field's type: convert what converts, archive what does not, and say so first."""

import copy

from django.core.exceptions import ValidationError
from django.db import transaction

from .kinds import form_field, to_json
from .models import FieldDefinition, FieldValueArchive


def _as_text(value) -> str:
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def conversion_plan(model, definition: FieldDefinition, new: FieldDefinition) -> tuple[list, list]:
    """([(record, new value)], [(record, old value)]) — what converts to the new type and what does not."""
    field = form_field(new)
    field.required = False
    converted, failed = [], []
    for record in model.with_trashed.filter(custom__has_key=definition.key).only("id", "custom").iterator():
        old = record.custom[definition.key]
        raw = old if new.kind == "multi_picklist" and isinstance(old, list) else _as_text(old)
        if new.kind == "multi_picklist" and not isinstance(raw, list):
            raw = [raw]
        try:
            converted.append((record, to_json(new, field.clean(raw))))
        except ValidationError:
            failed.append((record, old))
    return converted, failed


@transaction.atomic
def convert_values(model, definition: FieldDefinition, new: FieldDefinition) -> tuple[int, int]:
    """Rewrite stored values for the new type; unconvertible ones move to the archive. Returns (converted, archived)."""
    converted, failed = conversion_plan(model, definition, new)
    changed = []
    for record, value in converted:
        record.custom = {**record.custom, definition.key: value} if value is not None else \
            {k: v for k, v in record.custom.items() if k != definition.key}
        changed.append(record)
    FieldValueArchive.objects.bulk_create([
        FieldValueArchive(workspace_id=definition.workspace_id, definition=definition, record_id=record.pk,
                          old_kind=definition.kind, value=copy.deepcopy(old)) for record, old in failed])
    for record, _old in failed:
        record.custom = {k: v for k, v in record.custom.items() if k != definition.key}
        changed.append(record)
    model.with_trashed.bulk_update(changed, ["custom"], batch_size=1000)
    return len(converted), len(failed)
