"""What moves from merged records to the survivor, and back again on undo.

Found generically, so a new app's links to a record move without a change here:

- rows with a foreign key to the record (emails, phones, addresses, affiliations, …) move, unless the
  survivor already has an identical row (same values, ignoring case, the "primary" flag and the
  type label) or one a unique constraint would refuse (the same company twice): those stay with the
  trashed record. A moved row stops being primary when the survivor already has a primary one;
- many-to-many links through an automatic table (tags): the survivor gains those it lacks; the
  trashed record keeps its own;
- rows pointing at a record by registry key + id (`entity` + `record_id`: notes with their
  attachments, field history, shares) move; a share with a person or team the survivor is already
  shared with stays;
- custom "link to another record" fields, of any record type, that point at a merged record are
  repointed at the survivor.

Append-only logs (the change feed, the audit log, import rows) are never rewritten. Every move is
recorded (`Merge.moved`) so `undo` puts back exactly what moved, and nothing else.
"""

from django.apps import apps
from django.db import models
from django.utils.translation import gettext as _

from clientela.customization.models import FieldDefinition, FieldKind
from clientela.registry import entities

# Rows pointing at a record by key + id that never move: logs whose meaning is "what happened to that id".
NEVER_MOVED = frozenset({"integrations.changeevent"})
# Rows by key + id the survivor must not have twice: model label -> the columns that make a duplicate.
REF_DEDUPE = {"security.recordshare": ("user_id", "team_id")}
_IGNORED = frozenset({"id", "workspace", "created_at", "updated_at", "is_primary", "label"})


def _label(model) -> str:
    return model._meta.label_lower


def _comparable(value):
    return " ".join(value.casefold().split()) if isinstance(value, str) else value


def _fk_links(model):
    """(related model, foreign key) of every row type holding a foreign key to `model`."""
    for rel in model._meta.related_objects:
        if (rel.one_to_many or rel.one_to_one) and not rel.related_model._meta.auto_created:
            yield rel.related_model, rel.field


def _m2m_links(model):
    """(automatic through model, our column, other column) of every plain many-to-many link."""
    for f in model._meta.get_fields():
        if not f.many_to_many:
            continue
        if f.concrete:
            through, ours, other = f.remote_field.through, f.m2m_field_name(), f.m2m_reverse_field_name()
        else:
            through, ours, other = f.through, f.field.m2m_reverse_field_name(), f.field.m2m_field_name()
        if through._meta.auto_created:
            yield through, ours, other


def _ref_models():
    """Models that point at any record by registry key (`entity`) and id (`record_id`)."""
    for model in apps.get_models():
        names = {f.name: f for f in model._meta.concrete_fields}
        if (isinstance(names.get("entity"), models.CharField) and isinstance(names.get("record_id"), models.UUIDField)
                and _label(model) not in NEVER_MOVED):
            yield model


def _unique_sets(model, fk) -> list[tuple[str, ...]]:
    """Other columns that, with the foreign key, must be unique (e.g. ("company_id",) for affiliations)."""
    sets = [tuple(c.fields) for c in model._meta.constraints
            if isinstance(c, models.UniqueConstraint) and c.fields and c.condition is None]
    sets += [tuple(t) for t in model._meta.unique_together]
    return [tuple(model._meta.get_field(n).attname for n in s if n != fk.name) for s in sets if fk.name in s]


def _move_fk_rows(model, fk, survivor, losers) -> list[dict]:
    content = [f.attname for f in model._meta.concrete_fields if f.name not in _IGNORED and f.name != fk.name]
    unique = _unique_sets(model, fk)
    has_primary = any(f.name == "is_primary" for f in model._meta.concrete_fields)
    manager = model._default_manager
    kept = list(manager.filter(**{fk.attname: survivor.pk}))
    signatures = {tuple(_comparable(getattr(r, a)) for a in content) for r in kept}
    taken = {cols: {tuple(getattr(r, a) for a in cols) for r in kept} for cols in unique}
    primary = has_primary and any(r.is_primary for r in kept)
    moved = []
    for loser in losers:
        pks, unprimary = [], []
        for row in manager.filter(**{fk.attname: loser.pk}).order_by("-is_primary" if has_primary else "pk"):
            signature = tuple(_comparable(getattr(row, a)) for a in content)
            if signature in signatures or any(tuple(getattr(row, a) for a in cols) in taken[cols] for cols in unique):
                continue  # the survivor has it already: it stays with the trashed record
            signatures.add(signature)
            for cols in unique:
                taken[cols].add(tuple(getattr(row, a) for a in cols))
            pks.append(str(row.pk))
            if has_primary and row.is_primary:
                if primary:
                    unprimary.append(str(row.pk))
                primary = True
        if pks:
            manager.filter(pk__in=pks).update(**{fk.attname: survivor.pk})
            if unprimary:
                manager.filter(pk__in=unprimary).update(is_primary=False)
            moved.append({"kind": "fk", "model": _label(model), "field": fk.attname, "from": str(loser.pk),
                          "pks": pks, "unprimary": unprimary})
    return moved


def _link_m2m(through, ours, other, survivor, losers) -> list[dict]:
    manager = through._default_manager
    have = set(manager.filter(**{f"{ours}_id": survivor.pk}).values_list(f"{other}_id", flat=True))
    wanted = [target for target in manager.filter(**{f"{ours}_id__in": [r.pk for r in losers]})
              .values_list(f"{other}_id", flat=True).distinct() if target not in have]
    if not wanted:
        return []
    manager.bulk_create([through(**{f"{ours}_id": survivor.pk, f"{other}_id": target}) for target in wanted])
    pks = manager.filter(**{f"{ours}_id": survivor.pk, f"{other}_id__in": wanted}).values_list("pk", flat=True)
    return [{"kind": "m2m", "model": _label(through), "other": other, "pks": [str(pk) for pk in pks]}]


def _move_refs(model, entity_key, survivor, losers) -> list[dict]:
    manager = model._default_manager
    dedupe = REF_DEDUPE.get(_label(model))
    taken = set(manager.filter(entity=entity_key, record_id=survivor.pk).values_list(*dedupe)) if dedupe else set()
    moved = []
    for loser in losers:
        rows = manager.filter(entity=entity_key, record_id=loser.pk)
        if dedupe:
            pks = []
            for pk, *key in rows.values_list("pk", *dedupe):
                if tuple(key) not in taken:
                    taken.add(tuple(key))
                    pks.append(str(pk))
        else:
            pks = [str(pk) for pk in rows.values_list("pk", flat=True)]
        if pks:
            manager.filter(pk__in=pks).update(record_id=survivor.pk)
            moved.append({"kind": "ref", "model": _label(model), "from": str(loser.pk), "pks": pks})
    return moved


def _repoint_lookups(entity_key, survivor, losers) -> list[dict]:
    moved = []
    for definition in FieldDefinition.objects.filter(kind=FieldKind.LOOKUP, lookup_entity=entity_key):
        target = entities.get_or_none(definition.entity)
        if target is None:
            continue
        for loser in losers:
            rows = list(target.model.with_trashed.filter(**{f"custom__{definition.key}": str(loser.pk)}))
            for row in rows:
                row.custom[definition.key] = str(survivor.pk)
            target.model.with_trashed.bulk_update(rows, ["custom"])
            if rows:
                moved.append({"kind": "lookup", "entity": definition.entity, "key": definition.key,
                              "from": str(loser.pk), "pks": [str(r.pk) for r in rows]})
    return moved


def move_related(entity, survivor, losers) -> list[dict]:
    """Move every related item of `losers` to `survivor`; returns what moved, for `move_back`."""
    model = entity.model
    moved = []
    for related, fk in _fk_links(model):
        moved += _move_fk_rows(related, fk, survivor, losers)
    for through, ours, other in _m2m_links(model):
        moved += _link_m2m(through, ours, other, survivor, losers)
    for ref_model in _ref_models():
        moved += _move_refs(ref_model, entity.key, survivor, losers)
    moved += _repoint_lookups(entity.key, survivor, losers)
    return moved


def move_back(survivor, moved: list[dict]) -> None:
    """Undo `move_related`: items still on the survivor go back to the record they came from."""
    for item in reversed(moved):
        kind = item["kind"]
        if kind == "lookup":
            target = entities.get_or_none(item["entity"])
            if target is None:
                continue
            rows = list(target.model.with_trashed.filter(pk__in=item["pks"],
                                                         **{f"custom__{item['key']}": str(survivor.pk)}))
            for row in rows:
                row.custom[item["key"]] = item["from"]
            target.model.with_trashed.bulk_update(rows, ["custom"])
            continue
        manager = apps.get_model(item["model"])._default_manager
        if kind == "m2m":
            manager.filter(pk__in=item["pks"]).delete()
        elif kind == "ref":
            manager.filter(pk__in=item["pks"], record_id=survivor.pk).update(record_id=item["from"])
        elif kind == "fk":
            rows = manager.filter(pk__in=item["pks"], **{item["field"]: survivor.pk})
            rows.update(**{item["field"]: item["from"]})
            if item["unprimary"]:
                manager.filter(pk__in=item["unprimary"]).update(is_primary=True)


def moved_counts(moved: list[dict]) -> dict[str, int]:
    """How many items of each kind moved, by model verbose name, for the merges page."""
    counts: dict[str, int] = {}
    for item in moved:
        if item["kind"] == "lookup":
            name = _("links from other records")
        elif item["kind"] == "m2m":
            name = apps.get_model(item["model"])._meta.get_field(item["other"]).related_model._meta.verbose_name_plural
        else:
            name = apps.get_model(item["model"])._meta.verbose_name_plural
        counts[str(name)] = counts.get(str(name), 0) + len(item["pks"])
    return counts
