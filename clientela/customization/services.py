"""Changes to custom field definitions: audited and written to the configuration change log.

Values stay in the records while a field is in the trash, so restoring it loses nothing.
"""

from django.db import transaction
from django.utils import timezone

from clientela.security.audit import audit_log

from .changes import config_change_record
from .indexes import custom_field_indexes_sync_later
from .models import FieldDefinition

STATE_FIELDS = ("label_en", "label_es", "help_text", "kind", "required", "unique", "default", "min_value",
                "max_value", "regex", "options", "lookup_entity", "controlled_by", "show_in_list", "position")


def field_state(definition: FieldDefinition | None) -> dict | None:
    """A definition as plain JSON, the form used by the change log and configuration bundles."""
    if definition is None or definition.deleted_at is not None:
        return None
    state = {name: getattr(definition, name) for name in STATE_FIELDS}
    for name in ("min_value", "max_value"):
        state[name] = str(state[name]) if state[name] is not None else None
    return state


def field_target(definition: FieldDefinition) -> str:
    return f"{definition.entity}.{definition.key}"


@transaction.atomic
def field_save(*, definition: FieldDefinition, by, request=None, reason: str = "", source: str = "ui"):
    from clientela.workspaces.scoping import current_workspace

    creating = definition._state.adding
    before = None if creating else field_state(FieldDefinition.with_trashed.get(pk=definition.pk))
    definition.workspace = current_workspace()
    if creating:
        definition.created_by = by
        definition.position = definition.position or FieldDefinition.objects.filter(entity=definition.entity).count()
    definition.save()
    after = field_state(definition)
    config_change_record(kind="custom_field", target=field_target(definition), before=before, after=after, by=by,
                         reason=reason, source=source)
    audit_log(action="custom_field.created" if creating else "custom_field.updated", actor=by, target=definition,
              request=request, details={"before": before, "after": after, "reason": reason})
    custom_field_indexes_sync_later(definition.entity)
    return definition


@transaction.atomic
def field_trash(*, definition: FieldDefinition, by, request=None, reason: str = "", source: str = "ui") -> None:
    before = field_state(definition)
    definition.deleted_at = timezone.now()
    definition.save(update_fields=["deleted_at", "updated_at"])
    config_change_record(kind="custom_field", target=field_target(definition), before=before, after=None, by=by,
                         reason=reason, source=source)
    audit_log(action="custom_field.deleted", actor=by, target=definition, request=request,
              details={"entity": definition.entity, "key": definition.key, "reason": reason})
    custom_field_indexes_sync_later(definition.entity)


@transaction.atomic
def field_restore(*, definition: FieldDefinition, by, request=None, reason: str = "", source: str = "ui") -> None:
    definition.deleted_at = None
    definition.save(update_fields=["deleted_at", "updated_at"])
    config_change_record(kind="custom_field", target=field_target(definition), before=None,
                         after=field_state(definition), by=by, reason=reason, source=source)
    audit_log(action="custom_field.restored", actor=by, target=definition, request=request,
              details={"entity": definition.entity, "key": definition.key, "reason": reason})
    custom_field_indexes_sync_later(definition.entity)


def apply_field_state(target: str, state: dict | None, by, source: str = "rollback") -> None:
    """Make the field `entity.key` match `state` (None: move it to the trash). Logged by the caller."""
    entity, key = target.split(".", 1)
    definition = FieldDefinition.with_trashed.filter(entity=entity, key=key).first()
    if state is None:
        if definition is not None and definition.deleted_at is None:
            definition.deleted_at = timezone.now()
            definition.save(update_fields=["deleted_at", "updated_at"])
            custom_field_indexes_sync_later(entity)
        return
    definition = definition or FieldDefinition(entity=entity, key=key, created_by=by)
    for name, value in state.items():
        if name in STATE_FIELDS:
            setattr(definition, name, value)
    definition.deleted_at = None
    from clientela.workspaces.scoping import current_workspace

    definition.workspace = current_workspace()
    definition.full_clean(exclude=["workspace", "created_by"])
    definition.save()
    custom_field_indexes_sync_later(entity)
