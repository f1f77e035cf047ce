"""Writes to registered records: validate, save, record history and emit an event in one transaction."""

import uuid

from django.db import transaction
from django.utils import timezone

from clientela.common import bulk
from clientela.common.events import DomainEvent, emit, emit_many
from clientela.customization.selectors import field_definitions
from clientela.history.models import FieldChange
from clientela.history.services import changes_record
from clientela.security import access
from clientela.workspaces.scoping import current_workspace

from . import entities
from .custom_fields import custom_snapshot
from .display import field_display
from .entities import Entity


def snapshot(entity: Entity, record) -> dict[str, tuple[str, str]]:
    """Every tracked value of a record as people read it: {field: (label, value)}."""
    names = [n for n in entity.form_class.base_fields if n in {f.name for f in record._meta.get_fields()}]
    values = {name: (entity.field_label(name), field_display(record, name)) for name in names}
    for inline in entity.inlines:
        rows = getattr(record, inline.name).all()
        values[inline.name] = (str(inline.label), "; ".join(inline.describe(row) for row in rows))
    values.update(custom_snapshot(field_definitions(entity.key), record))
    return values


def snapshot_changes(before: dict, after: dict) -> dict:
    """name -> (label, old, new) of what differs between two `snapshot`s, as history and events take it."""
    return {
        name: (label, before.get(name, ("", ""))[1], value)
        for name, (label, value) in after.items()
        if before.get(name, ("", ""))[1] != value
    }


def _domain_event(name: str, entity: Entity, record, by, changes=None, old_owner=None) -> DomainEvent:
    events = {k: {"old": v[1], "new": v[2]} for k, v in (changes or {}).items()}
    if "owner" in events and old_owner is not None:
        events["owner"] = owner_change(events["owner"], old_owner[0], record.owner_id)
    return DomainEvent(name=name, workspace_id=record.workspace_id, entity=entity.key, record_id=str(record.pk),
                       actor_id=by.pk if by else None, changes=events)


def owner_change(change: dict, old_id, new_id) -> dict:
    """An owner change as events carry it: the names people read, and the users' ids, by which the sync feed
    tells whether the user it serves could see the record before (`integrations.feed`)."""
    return {**change, "old_id": old_id, "new_id": new_id}


def _event(name: str, entity: Entity, record, by, changes=None, old_owner=None) -> None:
    emit(_domain_event(name, entity, record, by, changes, old_owner))


@transaction.atomic
def record_save(*, entity: Entity, form, formsets=(), by):
    """Create or update a record from a valid ModelForm (and its inline formsets)."""
    record = form.instance
    creating = record._state.adding
    access.require(by, "create" if creating else "edit", entity.key)
    stored = None if creating else entity.model.objects.get(pk=record.pk)
    before = {} if creating else snapshot(entity, stored)
    record = form.save(commit=False)
    if creating:
        record.workspace = current_workspace()
        record.created_by = by
        if record.owner_id is None and "owner" not in form.fields:
            record.owner = by
    record.updated_by = by
    if hasattr(entity.model, "prepare_for_save"):
        record.prepare_for_save()
    record.save()
    form.save_m2m()
    for formset in formsets:
        formset.instance = record
        children = formset.save(commit=False)
        for child in children:
            child.workspace_id = record.workspace_id
            child.save()
        for child in formset.deleted_objects:
            child.delete()
    changes = snapshot_changes(before, snapshot(entity, record))
    action = FieldChange.Action.CREATED if creating else FieldChange.Action.UPDATED
    if creating or changes:
        changes_record(workspace=record.workspace, entity=entity.key, record_id=record.pk, action=action,
                       actor=by, changes=changes)
        _event("record.created" if creating else "record.updated", entity, record, by, changes,
               None if creating else (getattr(stored, "owner_id", None),))
    return record


@transaction.atomic
def record_trash(*, entity: Entity, record, by) -> None:
    access.require_record(by, "delete", entity.key, record)
    record.deleted_at = timezone.now()
    record.updated_by = by
    record.save(update_fields=["deleted_at", "updated_by", "updated_at"])
    changes_record(workspace=record.workspace, entity=entity.key, record_id=record.pk,
                   action=FieldChange.Action.DELETED, actor=by, changes={})
    _event("record.deleted", entity, record, by)


@transaction.atomic
def record_restore(*, entity: Entity, record, by) -> None:
    access.require_record(by, "delete", entity.key, record)
    record.deleted_at = None
    record.updated_by = by
    record.save(update_fields=["deleted_at", "updated_by", "updated_at"])
    changes_record(workspace=record.workspace, entity=entity.key, record_id=record.pk,
                   action=FieldChange.Action.RESTORED, actor=by, changes={})
    _event("record.restored", entity, record, by)


@transaction.atomic
def record_purge(*, entity: Entity, record, by=None) -> None:
    """Delete for good, with the record's history. Only trashed records can be purged."""
    if by is not None:
        access.require_record(by, "delete", entity.key, record)
    assert record.deleted_at is not None, "only trashed records are purged"
    FieldChange.unscoped.filter(workspace_id=record.workspace_id, entity=entity.key, record_id=record.pk).delete()
    record_id, workspace_id = str(record.pk), record.workspace_id
    record.delete()
    emit(DomainEvent(name="record.purged", workspace_id=workspace_id, entity=entity.key, record_id=record_id,
                     actor_id=by.pk if by else None))


@transaction.atomic
def records_bulk_update(*, entity: Entity, ids, field: str, value, by) -> int:
    """Set one field on many records the user may edit; one history row and one event per changed record.

    Records are read as (id, old value) pairs, not instances, and each distinct value is put into words once:
    a bulk edit touches thousands of records that share a handful of owners or statuses.
    """
    assert field in entity.bulk_fields
    access.require(by, "edit", entity.key)
    queryset = access.visible(by, entity.model.objects.filter(pk__in=ids), entity.key, "edit")
    model_field = entity.field(field)
    label = str(model_field.verbose_name)
    new_key = value.pk if hasattr(value, "pk") else value
    changed = [(pk, workspace_id, old) for pk, workspace_id, old
               in queryset.values_list("pk", "workspace_id", model_field.attname) if old != new_key]
    if not changed:
        return 0
    words = _value_displays(entity.model, model_field, {old for _pk, _ws, old in changed} | {new_key})
    queryset.filter(pk__in=[pk for pk, _ws, _old in changed]).update(**{field: value, "updated_by": by,
                                                                        "updated_at": timezone.now()})
    batch, new = uuid.uuid4(), words[new_key]
    bulk.insert_rows(FieldChange, [
        {"workspace_id": workspace_id, "entity": entity.key, "record_id": pk, "action": FieldChange.Action.UPDATED,
         "field": field, "field_label": label, "old_value": words[old], "new_value": new, "actor_id": by.pk,
         "batch": batch} for pk, workspace_id, old in changed])
    def change(old) -> dict:
        plain = {"old": words[old], "new": new}
        return owner_change(plain, old, new_key) if field == "owner" else plain

    emit_many([DomainEvent(name="record.updated", workspace_id=workspace_id, entity=entity.key, record_id=str(pk),
                           actor_id=by.pk, changes={field: change(old)}) for pk, workspace_id, old in changed])
    return len(changed)


def _value_displays(model, model_field, values: set) -> dict:
    """{stored value: `field_display` text} for one field, each related record read once."""
    related = model_field.related_model._base_manager.in_bulk(values - {None}) if model_field.is_relation else {}
    words = {}
    for value in values:
        record = model(**{model_field.attname: value})
        if model_field.is_relation:
            setattr(record, model_field.name, related.get(value))
        words[value] = field_display(record, model_field.name)
    return words


@transaction.atomic
def records_bulk_trash(*, entity: Entity, ids, by) -> int:
    access.require(by, "delete", entity.key)
    queryset = access.visible(by, entity.model.objects.filter(pk__in=ids), entity.key, "delete")
    count = 0
    for record in queryset:
        record_trash(entity=entity, record=record, by=by)
        count += 1
    return count


@transaction.atomic
def record_transfer(*, entity: Entity, record, new_owner, by, include_related: bool = False) -> int:
    """Give a record a new owner and, optionally, its related records that had the same owner.

    Related records are those the entity declares in `related_records` (a company's contacts today;
    open opportunities and cases as they arrive). Returns how many records changed owner.
    """
    access.require_record(by, "edit", entity.key, record)
    previous_owner = record.owner_id
    moved = records_bulk_update(entity=entity, ids=[record.pk], field="owner", value=new_owner, by=by)
    if include_related and entity.related_records:
        for key, ids in entity.related_records(by, record).items():
            related = entities.get(key)
            same_owner = related.model.objects.filter(pk__in=ids, owner_id=previous_owner).values_list("pk", flat=True)
            moved += records_bulk_update(entity=related, ids=list(same_owner), field="owner", value=new_owner, by=by)
    return moved
