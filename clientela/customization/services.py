"""Changes to custom field definitions, audited. Values stay in the records while a field is in the trash."""

from django.db import transaction
from django.utils import timezone

from clientela.security.audit import audit_log
from clientela.workspaces.scoping import current_workspace

from .models import FieldDefinition

AUDITED = ("entity", "key", "label_en", "label_es", "kind", "required", "unique", "default", "min_value",
           "max_value", "regex", "options", "lookup_entity", "show_in_list")


def _describe(definition: FieldDefinition) -> dict:
    return {name: str(getattr(definition, name)) if name != "options" else definition.options for name in AUDITED}


@transaction.atomic
def field_save(*, definition: FieldDefinition, by, request=None) -> FieldDefinition:
    creating = definition._state.adding
    before = {} if creating else _describe(FieldDefinition.objects.get(pk=definition.pk))
    definition.workspace = current_workspace()
    if creating:
        definition.created_by = by
        definition.position = FieldDefinition.objects.filter(entity=definition.entity).count()
    definition.save()
    audit_log(action="custom_field.created" if creating else "custom_field.updated", actor=by, target=definition,
              request=request, details={"before": before, "after": _describe(definition)})
    return definition


@transaction.atomic
def field_trash(*, definition: FieldDefinition, by, request=None) -> None:
    """Hide the field everywhere; its values stay in the records so a restore loses nothing."""
    definition.deleted_at = timezone.now()
    definition.save(update_fields=["deleted_at", "updated_at"])
    audit_log(action="custom_field.deleted", actor=by, target=definition, request=request,
              details={"entity": definition.entity, "key": definition.key})


@transaction.atomic
def field_restore(*, definition: FieldDefinition, by, request=None) -> None:
    definition.deleted_at = None
    definition.save(update_fields=["deleted_at", "updated_at"])
    audit_log(action="custom_field.restored", actor=by, target=definition, request=request,
              details={"entity": definition.entity, "key": definition.key})
