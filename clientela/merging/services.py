"""Merge records into one survivor, and undo a merge; each in one transaction, with history and events.

Undo policy: the survivor gets back the values it had before the merge, except fields changed again
since the merge — those keep their newer value and are reported (never silently overwritten). It is
refused when the survivor is in the trash (it may have been merged into another record since: undo
that first) or when a merged record was deleted for good.
"""

from dataclasses import replace

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.common.events import DomainEvent, emit
from clientela.history.models import FieldChange
from clientela.history.services import changes_record
from clientela.registry import entities
from clientela.registry.custom_fields import with_custom_fields
from clientela.registry.services import snapshot, snapshot_changes
from clientela.security import access
from clientela.security.audit import audit_log
from clientela.workspaces.scoping import current_workspace

from .models import DuplicateSettings, Merge
from .moves import move_back, move_related

MAX_RECORDS = 10


def merge_fields(entity) -> list[str]:
    """Fields whose surviving value the user picks: the form's own fields (many-to-many links such as
    tags are combined instead) and custom fields — never one the user's role hides or makes read-only,
    which keep the main record's value."""
    concrete = {f.name for f in entity.model._meta.concrete_fields}
    names = [n for n in entity.form_class.base_fields if n in concrete]
    names += [d.form_name for d in entity.custom_fields]
    return [n for n in names if n not in entity.hidden and n not in entity.read_only]


def raw_value(entity, record, name: str):
    """A field's value as JSON-safe text (custom fields: as stored); None when empty."""
    if definition := entity.custom(name):
        return (record.custom or {}).get(definition.key)
    field = record._meta.get_field(name)
    if field.value_from_object(record) in (None, ""):
        return None
    return field.value_to_string(record)


def default_sources(entity, records: list, names: list[str]) -> dict[str, str]:
    """For each field, the record whose value survives by default: the main record (first) unless its
    value is empty, then the first other record that has one."""
    chosen: dict[str, str] = {}
    if not records:
        return chosen
    for name in names:
        source = next((r for r in records if raw_value(entity, r, name) not in (None, "", [])), records[0])
        chosen[name] = str(source.pk)
    return chosen


def _load(entity, ids: list[str], by) -> dict:
    """The records, locked for the transaction, if the user may see them all (not trashed)."""
    visible = set(access.visible(by, entity.model.objects.filter(pk__in=ids), entity.key).values_list("pk", flat=True))
    records = {str(r.pk): r for r in entity.model.objects.select_for_update().filter(pk__in=visible)}
    if len(records) != len(ids):
        raise ValidationError(_("Some of these records are gone (merged or moved to the trash) or you may not "
                                "see them. Reload the page and choose again."), code="gone")
    return records


def _set(entity, record, name: str, value) -> None:
    """Put a raw value (from `raw_value`) back on a record."""
    if definition := entity.custom(name):
        custom = dict(record.custom or {})
        if value in (None, "", []):
            custom.pop(definition.key, None)
        else:
            custom[definition.key] = value
        record.custom = custom
        return
    field = record._meta.get_field(name)
    if value is None:
        setattr(record, field.attname, None if field.null else "")
    else:
        setattr(record, field.attname, field.to_python(value))


def _event(name: str, entity_key: str, record, by, changes=None) -> None:
    emit(DomainEvent(name=name, workspace_id=record.workspace_id, entity=entity_key, record_id=str(record.pk),
                     actor_id=by.pk if by else None, changes=changes or {}))


@transaction.atomic
def records_merge(*, entity, survivor_id, loser_ids, choices: dict[str, str], by) -> Merge:
    """Merge `loser_ids` into `survivor_id`. `entity` is the user's (`entity_for`); `choices` maps a field
    name to the id of the record whose value survives (missing: the default, see `default_sources`)."""
    survivor_id, loser_ids = str(survivor_id), [str(pk) for pk in dict.fromkeys(loser_ids) if str(pk) != str(survivor_id)]
    if not loser_ids:
        raise ValidationError(_("Choose at least two records to merge."), code="too_few")
    if len(loser_ids) + 1 > MAX_RECORDS:
        raise ValidationError(_("Merge at most %(max)d records at a time.") % {"max": MAX_RECORDS}, code="too_many")
    records = _load(entity, [survivor_id, *loser_ids], by)
    survivor, losers = records[survivor_id], [records[pk] for pk in loser_ids]
    if not access.can_record(by, "edit", entity.key, survivor):
        raise PermissionDenied(_("You may not edit “%(name)s”, the record that would be kept.") % {"name": survivor})
    for loser in losers:
        if not access.can_record(by, "delete", entity.key, loser):
            raise PermissionDenied(_("You may not delete “%(name)s”, so it cannot be merged into another record.")
                                   % {"name": loser})
    names = merge_fields(entity)
    sources = default_sources(entity, [survivor, *losers], names)
    for name, source_id in choices.items():
        if name not in names:
            continue  # hidden or read-only fields keep the main record's value
        if str(source_id) not in records:
            raise ValidationError(_("“%(field)s”: choose the value of one of the records being merged.")
                                  % {"field": entity.field_label(name)}, code="bad_choice")
        sources[name] = str(source_id)

    shown_before = snapshot(entity, survivor)
    before, after = {}, {}
    for name in names:
        old, new = raw_value(entity, survivor, name), raw_value(entity, records[sources[name]], name)
        if old != new:
            before[name], after[name] = old, new
            _set(entity, survivor, name, new)
    survivor.updated_by = by
    if hasattr(survivor, "prepare_for_save"):
        survivor.prepare_for_save()
    survivor.save()
    moved = move_related(entities.get(entity.key), survivor, losers)

    now = timezone.now()
    labels = [str(loser) for loser in losers]
    for loser in losers:
        loser.deleted_at, loser.updated_by = now, by
        loser.save(update_fields=["deleted_at", "updated_by", "updated_at"])
        changes_record(workspace=loser.workspace, entity=entity.key, record_id=loser.pk,
                       action=FieldChange.Action.DELETED, actor=by,
                       changes={"merged_into": (_("Merged into"), "", f"{survivor} ({survivor.pk})")})
        _event("record.deleted", entity.key, loser, by)
    survivor = entity.model.objects.get(pk=survivor.pk)
    changes = snapshot_changes(shown_before, snapshot(entity, survivor))
    changes["merged_records"] = (_("Merged into this record"), "", ", ".join(labels))
    changes_record(workspace=survivor.workspace, entity=entity.key, record_id=survivor.pk,
                   action=FieldChange.Action.UPDATED, actor=by, changes=changes)
    merge = Merge.objects.create(
        workspace=current_workspace(), entity=entity.key, survivor_id=survivor.pk, survivor_label=str(survivor)[:200],
        loser_ids=loser_ids, loser_labels=labels, before=before, after=after, moved=moved, by=by)
    _event("record.merged", entity.key, survivor, by,
           {**{k: {"old": v[1], "new": v[2]} for k, v in changes.items() if k != "merged_records"},
            "merged": {"old": "", "new": loser_ids}})
    return merge


@transaction.atomic
def merge_undo(*, merge: Merge, entity, by) -> list[str]:
    """Undo a merge; returns the labels of the fields that keep a value set after the merge."""
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at:
        raise ValidationError(_("This merge was already undone."), code="undone")
    model = entity.model
    survivor = model.with_trashed.select_for_update().filter(pk=merge.survivor_id).first()
    if survivor is None:
        raise ValidationError(_("“%(name)s”, the record kept by this merge, was deleted for good: the merge cannot "
                                "be undone.") % {"name": merge.survivor_label}, code="survivor_gone")
    if survivor.deleted_at:
        raise ValidationError(_("“%(name)s”, the record kept by this merge, is in the trash (it may have been merged "
                                "into another record since: undo that merge first).") % {"name": survivor},
                              code="survivor_trashed")
    losers = list(model.with_trashed.select_for_update().filter(pk__in=merge.loser_ids))
    if len(losers) != len(merge.loser_ids):
        raise ValidationError(_("A merged record was deleted for good since: the merge cannot be undone."),
                              code="loser_gone")
    if not access.can_record(by, "edit", entity.key, survivor) or not all(
            access.can_record(by, "delete", entity.key, loser) for loser in losers):
        raise PermissionDenied(_("Undoing this merge needs edit rights on the kept record and delete rights on "
                                 "the merged ones."))

    shown_before = snapshot(entity, survivor)
    full = replace(entities.get(entity.key), **with_custom_fields(entity))  # fields the user's role hides too
    kept = []
    for name, old in merge.before.items():
        if full.custom(name) is None and name.startswith("cf_"):
            continue  # the custom field was removed since
        if raw_value(full, survivor, name) == merge.after.get(name):
            _set(full, survivor, name, old)
        else:
            kept.append(full.field_label(name))
    survivor.updated_by = by
    if hasattr(survivor, "prepare_for_save"):
        survivor.prepare_for_save()
    survivor.save()
    move_back(survivor, merge.moved)
    for loser in losers:
        if loser.deleted_at:
            loser.deleted_at, loser.updated_by = None, by
            loser.save(update_fields=["deleted_at", "updated_by", "updated_at"])
            changes_record(workspace=loser.workspace, entity=entity.key, record_id=loser.pk,
                           action=FieldChange.Action.RESTORED, actor=by,
                           changes={"merged_into": (_("Merged into"), f"{survivor} ({survivor.pk})", "")})
            _event("record.restored", entity.key, loser, by)
    survivor = model.objects.get(pk=survivor.pk)
    changes = snapshot_changes(shown_before, snapshot(entity, survivor))
    changes["merged_records"] = (_("Merged into this record"), ", ".join(merge.loser_labels), "")
    changes_record(workspace=survivor.workspace, entity=entity.key, record_id=survivor.pk,
                   action=FieldChange.Action.UPDATED, actor=by, changes=changes)
    merge.undone_at, merge.undone_by = timezone.now(), by
    merge.save(update_fields=["undone_at", "undone_by", "updated_at"])
    _event("record.unmerged", entity.key, survivor, by, {"unmerged": {"old": merge.loser_ids, "new": ""}})
    return kept


@transaction.atomic
def duplicate_settings_save(*, name_threshold: int, by) -> DuplicateSettings:
    if not access.is_admin(by):
        raise PermissionDenied(_("Only administrators can change how duplicates are found."))
    if not 50 <= name_threshold <= 100:
        raise ValidationError({"name_threshold": _("“Name similarity threshold”: choose a number from 50 to 100.")},
                              code="range")
    settings, _created = DuplicateSettings.objects.get_or_create(workspace=current_workspace())
    before = settings.name_threshold
    settings.name_threshold = name_threshold
    settings.save()
    audit_log(action="duplicates.settings_changed", actor=by, target=settings, target_label=str(_("Duplicate finder")),
              details={"before": before, "after": name_threshold})
    return settings
