"""Bulk create / update / upsert of up to 1,000 records of one entity in one request.

Every record is validated by the entity's own form, exactly like a single write, but one form is
built for the whole request and re-bound per record (building a form costs far more than validating
one, see `transfer.engine`). Records that only set plain fields and custom fields are then written in
bulk — one `bulk_create` / `rows.update_rows`, one insert of field history, one `emit_many` — while records
that change inline rows (emails, phones…) or tags go through `record_save` one by one. An inline list
equal to the record's current rows is no change, so an upsert that sends the same emails back stays
on the fast path.
"""

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from operator import attrgetter

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.db.models.base import ModelState
from django.db.models.functions import Lower
from django.forms.models import BaseModelForm
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticError

from clientela.common import bulk
from clientela.common.collector import collector_paused
from clientela.common.events import DomainEvent, emit_many
from clientela.common.keys import time_ordered
from clientela.common.lookups import AnyOf
from clientela.common.models import related_rows
from clientela.customization import picklists
from clientela.customization.kinds import NUMBER_KINDS, from_json, to_json
from clientela.history.models import FieldChange
from clientela.registry import services
from clientela.registry.custom_fields import custom_snapshot
from clientela.registry.display import field_display
from clientela.registry.entities import Entity
from clientela.security import access
from clientela.transfer.fastpath import FastForm
from clientela.workspaces.scoping import current_workspace
from clientela.workspaces.selectors import workspace_members

from .binding import api_name, bind, errors_of, flatten, form_value
from .concurrency import version_of
from .fields import row_fields
from .problems import ApiValidationError, _field_path, pydantic_message
from .representation import inline_values
from .rows import update_rows

MAX_RECORDS = 1000
CREATE, UPDATE, UPSERT = "create", "update", "upsert"


def email_inline(view: Entity):
    """The inline whose rows hold the record's email addresses (a row field named `email`), if any."""
    return next((inline for inline in view.inlines
                 if any(f.name == "email" and f.model_field is not None for f in row_fields(inline))), None)


def match_names(view: Entity) -> list[str]:
    """What an upsert may match records on: the id, an email of the record, a unique custom field."""
    return ["id", *(["email"] if email_inline(view) else []), *[f"custom.{d.key}" for d in view.custom_fields
                                                                 if d.unique]]


@dataclass
class Item:
    index: int
    payload: dict = field(default_factory=dict)
    given_id: str | None = None
    key: object = None  # the normalised match value
    instance: object = None
    status: str = ""
    errors: list = field(default_factory=list)
    slow: bool = False
    changes: dict = field(default_factory=dict)
    columns: set = field(default_factory=set)  # the model fields a fast-path update changes
    bound: tuple = ()  # (form, formsets) of a slow-path record
    old_owner: tuple | None = None  # (owner id before the change,) of a fast-path change

    def fail(self, field_name, code: str, message) -> None:
        path = f"records[{self.index}]" + (f".{field_name}" if field_name else "")
        self.errors.append({"field": path, "code": code, "message": str(message)})
        self.status = "failed"

    def fail_all(self, errors: list[dict]) -> None:
        for error in errors:
            self.fail(error.get("field"), error.get("code") or "invalid", error.get("message", ""))


class BulkWrite:
    """One bulk request: `entity` is the registered entity, `view` the user's view of it (`entity_for`)."""

    def __init__(self, *, entity: Entity, view: Entity, user, record_model, operation: str, match: str,
                 atomic: bool):
        self.entity, self.view, self.user = entity, view, user
        self.record_model, self.operation, self.match, self.atomic = record_model, operation, match, atomic
        self.model = entity.model
        self.inline_names = {inline.name for inline in view.inlines}
        self.form = view.form_class({}, instance=self.model(), user=user)
        self.definitions = list(self.form.custom_definitions)
        self.plain = {name for name, form_field in self.form.fields.items()
                      if name.startswith("cf_") or self._concrete(name)}
        self.tracked = [name for name in self.form.fields if self._concrete(name)]
        self.narrowed: dict = {}
        self.fast_forms: dict = {}  # (adding, names sent) -> FastForm
        self.current_rows: dict = {}  # inline name -> {record pk: [row as the API shows it]}
        fixed = {"id", "workspace", "created_at", "created_by", "updated_at", "updated_by", "deleted_at"}
        self.watched = [f for f in self.model._meta.concrete_fields if f.name not in fixed
                        and (f.name in self.form.fields or f.name == "custom" or not f.editable)]
        self._values = _reader(self.watched)  # record -> its stored values of `watched`, as a tuple
        self.labels = {name: self.view.field_label(name) for name in self.tracked}
        self.emails = email_inline(view)
        self.row_fields = {inline.name: {f.name: f for f in row_fields(inline)} for inline in view.inlines}
        self.initial_plans: dict = {}
        self._cache_owner_choices()
        self._skip_idle_unique_check()

    def _concrete(self, name: str) -> bool:
        try:
            model_field = self.model._meta.get_field(name)
        except Exception:  # noqa: BLE001 - a form-only field
            return False
        return model_field.concrete and not model_field.many_to_many

    def _cache_owner_choices(self) -> None:
        """Owners are checked against the members read once, not with two queries per record."""
        owner = self.form.fields.get("owner")
        if owner is None:
            return
        members = {str(m.pk): m for m in workspace_members()}
        lookup = owner.to_python
        owner.to_python = lambda value: members.get(str(value)) or lookup(value)
        exclusions = self.form._get_validation_exclusions
        self.form._get_validation_exclusions = lambda: exclusions() | {"owner"}

    def _skip_idle_unique_check(self) -> None:
        """Django's `validate_unique` works out the fields to leave out again for every record, a sixth of what
        validating one costs, then checks the fields declared unique: when the model has none (its primary key is
        never a form field), there is nothing to find."""
        meta = self.model._meta
        if (type(self.form).validate_unique is BaseModelForm.validate_unique
                and self.model.validate_unique is models.Model.validate_unique and meta.pk.name not in self.form.fields
                and not any(m._meta.unique_together for m in [self.model, *meta.all_parents])
                and not any((f.unique and not f.primary_key) or f.unique_for_date or f.unique_for_month
                            or f.unique_for_year for f in meta.fields)):
            self.form.validate_unique = lambda: None

    # -- parsing and matching -----------------------------------------------------------------------

    def parse(self, records: list) -> list[Item]:
        """Each record checked against the entity's input schema (one pydantic call for the whole list)."""
        items = [Item(index) for index in range(len(records))]
        adapter = _list_adapter(self.record_model)
        try:
            parsed = adapter.validate_python(records)
        except PydanticError as exc:
            for error in exc.errors():
                index, *loc = error.get("loc", ()) or (0,)
                items[index].fail(_field_path(("body", "record", *loc)), error.get("type", "invalid"),
                                  pydantic_message(error))
            good = [index for index, item in enumerate(items) if item.status != "failed"]
            parsed = dict(zip(good, adapter.validate_python([records[i] for i in good]), strict=True)) if good else {}
        else:
            parsed = dict(enumerate(parsed))
        for index, value in parsed.items():
            item = items[index]
            values = value.model_dump(exclude_unset=True)
            given = values.pop("id", None)
            item.given_id = str(given) if given is not None else None
            try:
                item.payload = flatten(self.view, values)
            except ApiValidationError as exc:
                item.fail_all(exc.errors)
        return items

    def _key_of(self, item: Item):
        if self.match == "id":
            return item.given_id
        if self.match == "email":
            rows = [row for row in (item.payload.get(self.emails.name) or [])
                    if isinstance(row, dict) and row.get("email")]
            primary = next((row for row in rows if row.get("is_primary")), rows[0] if rows else None)
            return str(primary["email"]).strip().lower() if primary else None
        value = item.payload.get(f"cf_{self.match.removeprefix('custom.')}")
        return None if value in (None, "") else self._stored_key(value)

    def _stored_key(self, value):
        """A custom field's match value as the `custom` column stores it, converted by the field's own form field
        and `to_json` as the write will be: the text "5" never equals the stored 5. A value the field refuses stays
        text: it matches nothing, and the form then says why."""
        definition = next((d for d in self.definitions if d.key == self.match.removeprefix("custom.")), None)
        field = self.form.fields.get(definition.form_name) if definition is not None else None
        if field is not None and definition.kind in NUMBER_KINDS and not isinstance(value, bool):
            try:
                return to_json(definition, field.clean(value))
            except ValidationError:
                pass
        return str(value)

    def _lookup(self, keys: list) -> dict:
        """Match value -> list of record ids of the workspace (not trashed)."""
        found: dict = {}
        if not keys:
            return found
        if self.match == "id":
            valid = [k for k in keys if _is_uuid(k)]
            pairs = self.model.objects.filter(pk__in=valid).values_list("pk", "pk")
        elif self.match == "email":
            inline = self.emails
            link = inline.formset.fk.name
            emails = (inline.formset.model.objects.annotate(_email=Lower("email"))
                      .filter(**{f"{link}__isnull": False, f"{link}__deleted_at__isnull": True}))
            # unordered: the model's ordering would add its columns to the DISTINCT, and a sort
            pairs = emails.filter(AnyOf(F("_email"), keys)).order_by().values_list("_email", link).distinct()
        else:
            path = f"custom__{self.match.removeprefix('custom.')}"
            pairs = self.model.objects.filter(**{f"{path}__in": keys}).values_list(path, "pk")
        for key, pk in pairs:
            found.setdefault(str(key).lower() if self.match == "email" else str(key), []).append(pk)
        return found

    def resolve(self, items: list[Item]) -> None:
        """Find the record each item updates; fail those that cannot be written."""
        live = [item for item in items if item.status != "failed"]
        for item in live:
            item.key = self._key_of(item)
        if self.operation == CREATE:
            for item in live:
                if item.given_id is not None:
                    item.fail("id", "not_allowed", _("Leave out “id” to create a record."))
            return
        for item in live:  # looked up before the form would refuse them; PostgreSQL cannot compare them
            if isinstance(item.key, str) and "\x00" in item.key:
                item.fail(self.match, "null_characters", _("“%(field)s” contains null characters, which are not "
                                                           "allowed.") % {"field": self.match})
        live = [item for item in live if item.status != "failed"]
        found = self._lookup([item.key for item in live if item.key is not None])
        seen: dict = {}
        targets: dict = {}
        for item in live:
            if item.key is None:
                if self.operation == UPDATE or self.match != "id":
                    name = "id" if self.match == "id" else self.match
                    item.fail(name, "required", _("“%(field)s” is needed to find the record.") % {"field": name})
                continue
            if item.key in seen:
                item.fail(self.match, "duplicate", _("Record %(index)d of this request has the same “%(field)s”.")
                          % {"index": seen[item.key], "field": self.match})
                continue
            seen[item.key] = item.index
            ids = found.get(str(item.key), [])
            if len(ids) > 1:
                item.fail(self.match, "ambiguous", _("Several records have this “%(field)s”; send their “id”.")
                          % {"field": self.match})
            elif ids:
                targets[item.index] = ids[0]
            elif self.operation == UPDATE or self.match == "id":
                item.fail(self.match, "not_found", _("There is no such record, or you may not see it."))
        self._load(items, targets)

    def _load(self, items: list[Item], targets: dict) -> None:
        if not targets:
            return
        wanted = {name for item in items for name in item.payload if name in self.inline_names}
        ids = set(targets.values())
        # Only the records the user may edit are read (and locked); the others are only told apart by visibility.
        # Their related records (the owner) are read later, for the records that need them (`_prefetch`).
        queryset = self.model.objects.filter(AnyOf(F("pk"), ids))
        editable = access.visible(self.user, queryset, self.entity.key, "edit").select_for_update(of=("self",))
        records = {record.pk: record for record in editable}
        # the rows an upsert may send back unchanged, as plain values: row instances cost more than the query
        self.current_rows = {inline.name: inline_values(inline, list(records)) for inline in self.view.inlines
                             if inline.name in wanted}
        others = ids - records.keys()
        visible = records.keys() | set(access.visible(self.user, self.model.objects.filter(pk__in=others),
                                                      self.entity.key, "view").values_list("pk", flat=True)
                                       if others else ())
        for item in items:
            pk = targets.get(item.index)
            if pk is None or item.status == "failed":
                continue
            if pk not in visible:
                item.fail(self.match, "not_found", _("It matches a record you may not see."))
            elif pk not in records:
                item.fail(self.match, "forbidden", _("Your role does not allow changing this record."))
            else:
                item.instance = records[pk]

    def _m2m(self, name: str) -> bool:
        try:
            return self.model._meta.get_field(name).many_to_many
        except Exception:  # noqa: BLE001 - a form-only field
            return False

    # -- validating -----------------------------------------------------------------------------------

    def validate(self, items: list[Item]) -> None:
        can_create = access.can(self.user, "create", self.entity.key)
        unique_seen: dict = {}
        for item in items:
            if item.status == "failed":
                continue
            if item.instance is None and not can_create:
                item.fail(None, "forbidden", _("Your role does not allow creating records of this type."))
                continue
            if item.instance is not None:
                version = item.payload.pop("version", None)
                if version is not None and version != version_of(item.instance):
                    item.fail("version", "stale", _("The record changed since you read it (its version is now "
                                                     "%(version)s).") % {"version": version_of(item.instance)})
                    continue
                self._drop_unchanged_rows(item)
            else:
                item.payload.pop("version", None)
            item.slow = not set(item.payload) <= self.plain or (item.instance is not None
                                                                and self._sends_inactive_option(item))
        self._prefetch(items)
        for item in items:
            if item.status == "failed":
                continue
            if item.slow:
                self._validate_slow(item)
            else:
                self._validate_fast(item)
            self._check_unique_in_request(item, unique_seen)

    def _sends_inactive_option(self, item: Item) -> bool:
        """Whether a change sends a picklist value that is no longer offered. Only a form of the record itself
        offers it, when the record holds it (`picklists_apply`): the shared form, of a blank record, never does."""
        for name, value in item.payload.items():
            if (meta := self.form.picklists.get(name)) is None:
                continue
            for one in value if isinstance(value, list) else [value]:
                option = picklists.find(meta[0], one) if one not in (None, "") else None
                if option is not None and not option["active"]:
                    return True
        return False

    def _prefetch(self, items: list[Item]) -> None:
        """The related records (`Entity.select_related`: the owner) of the records whose history or form reads
        them: those that change the relation and those written one by one. Others read no more than its id."""
        for lookup in self.entity.select_related:
            name = lookup.split("__", 1)[0]
            records = [item.instance for item in items if item.status != "failed" and item.instance is not None
                       and (item.slow or name in item.payload)]
            if records:
                models.prefetch_related_objects(records, lookup)

    def _drop_unchanged_rows(self, item: Item) -> None:
        """An inline list that repeats the record's current rows changes nothing: leave it out."""
        for name, fields in self.row_fields.items():
            rows = item.payload.get(name)
            if rows is None:
                continue
            current = self.current_rows[name].get(item.instance.pk, [])
            if len(rows) == len(current) and all(
                    isinstance(row, dict) and all(_same(fields.get(key), stored, key, value)
                                                  for key, value in row.items())
                    for row, stored in zip(rows, current, strict=True)):
                del item.payload[name]

    def _validate_fast(self, item: Item) -> None:
        """The entity's form, re-bound: all its fields for a new record; for a change, only the fields the
        payload sets (the others keep values that were validated when they were saved)."""
        instance = item.instance
        adding = instance is None
        instance = self.model() if adding else instance
        names = None if adding else frozenset(item.payload)
        form = self.form if adding else self._narrowed(names)
        before = {} if adding else self._snapshot(instance, names)
        stored = {} if adding else self._values(instance)
        original = None if adding else _clone(instance)  # for fields the form sets on its own (a consent date)
        form.is_bound, form.data, form._errors, form.cleaned_data = False, {}, None, {}
        form.instance, form._bound_fields_cache = instance, {}
        form.__dict__.pop("changed_data", None)
        form.initial = self._defaults() if adding else self._initial(instance, names)
        payload = item.payload
        data = {name: form_value(form_field, payload[name]) if name in payload  # the payload over what the
                else form_field.prepare_value(form.get_initial_for_field(form_field, name))  # unbound form shows
                for name, form_field in form.fields.items()}
        if self._fast_form(form, adding, frozenset(payload), data).check(data, instance) is None:
            # refused (or beyond what FastForm does): the form itself, on the record as it was, says why
            if adding:
                instance = self.model()
            else:
                instance.__dict__.clear()
                instance.__dict__.update(_clone(original).__dict__)
            form.data, form.is_bound, form._errors, form.cleaned_data = data, True, None, {}
            form.instance, form._bound_fields_cache = instance, {}
            form.__dict__.pop("changed_data", None)  # a cached property: of the previous record otherwise
            if not form.is_valid():
                item.fail_all([{**e, "field": api_name(e["field"])} for e in errors_of(form)])
                return
        item.instance = instance
        if not adding:
            item.old_owner = (getattr(original, "owner_id", None),)
        if hasattr(instance, "prepare_for_save"):
            instance.prepare_for_save()
        if not adding:
            item.columns = {f.name for f, old, new in zip(self.watched, stored, self._values(instance), strict=True)
                            if old != new}
            derived = {name for name in self.tracked if name in item.columns and name not in names}
            if derived:  # changed without being sent: in the history too, as a single change would have it
                before.update(self._snapshot(original, derived))
                names = names | derived
        item.changes = {name: (label, before.get(name, ("", ""))[1], value)
                        for name, (label, value) in self._snapshot(instance, names).items()
                        if before.get(name, ("", ""))[1] != value}
        item.status = "created" if adding else ("updated" if item.changes or item.columns else "unchanged")

    def _fast_form(self, form, adding: bool, sent: frozenset, data: dict) -> FastForm:
        """The form's steps run per record with what does not change done once (`transfer.fastpath`): one per
        set of names. A change feeds every field of its narrowed form; a new record feeds what it sends, the
        other fields take the defaults (the same for every new record)."""
        key = (adding, sent)
        if key not in self.fast_forms:
            self.fast_forms[key] = FastForm(form, data, set(sent) if adding else set(form.fields))
        return self.fast_forms[key]

    def _narrowed(self, names: frozenset):
        """The shared form with only `names` as fields (one per distinct set of names in the request)."""
        if names not in self.narrowed:
            form = copy.copy(self.form)
            form.fields = {name: field for name, field in self.form.fields.items() if name in names}
            form.picklists = {name: meta for name, meta in self.form.picklists.items() if name in names}
            model_exclusions = type(form)._get_validation_exclusions
            owner = {"owner"} if "owner" in self.form.fields else set()
            form._get_validation_exclusions = lambda form=form: model_exclusions(form) | owner
            self.narrowed[names] = form
        return self.narrowed[names]

    def _defaults(self) -> dict:
        if not hasattr(self, "_new_initial"):
            blank = self.view.form_class(user=self.user)
            self._new_initial = dict(blank.initial)
        return dict(self._new_initial)

    def _initial(self, instance, names=None) -> dict:
        """The form's initial values for a record (`model_to_dict`, with many-to-many from the prefetched lists)."""
        model_fields, m2m, definitions = self._initial_plan(names)
        initial = {f.name: f.value_from_object(instance) for f in model_fields}
        initial.update({name: related_rows(instance, name) for name in m2m})
        stored = instance.custom or {}
        for definition in definitions:
            initial[definition.form_name] = from_json(definition, stored.get(definition.key))
        return initial

    def _initial_plan(self, names) -> tuple:
        """What `_initial` reads for a set of names: the model fields `model_to_dict` would pick, many-to-many
        names and custom field definitions (worked out once per set, not per record)."""
        if names not in self.initial_plans:
            fields = [n for n in self.form.fields if names is None or n in names]
            m2m = [name for name in fields if self._m2m(name)]
            opts, exclude = self.model._meta, self.form._meta.exclude or ()
            model_fields = [f for f in chain(opts.concrete_fields, opts.private_fields, opts.many_to_many)
                            if getattr(f, "editable", False) and f.name in fields and f.name not in m2m
                            and f.name not in exclude]
            definitions = [d for d in self.definitions if names is None or d.form_name in names]
            self.initial_plans[names] = (model_fields, m2m, definitions)
        return self.initial_plans[names]

    def _snapshot(self, record, names: set | None = None) -> dict:
        """Values as people read them, for history: of `names` (what a payload sets), else of every field.

        Only what the payload sets can change; `columns` (compared on the model) catches the rest."""
        values = {name: (self.labels[name], field_display(record, name)) for name in self.tracked
                  if names is None or name in names}
        definitions = [d for d in self.definitions if names is None or d.form_name in names]
        values.update(custom_snapshot(definitions, record))
        return values

    def _validate_slow(self, item: Item) -> None:
        instance = item.instance if item.instance is not None else self.model()
        try:
            item.bound = bind(self.view, user=self.user, instance=instance, payload=item.payload)
        except ApiValidationError as exc:
            item.fail_all(exc.errors)
            return
        item.status = "created" if instance._state.adding else "updated"

    def _check_unique_in_request(self, item: Item, seen: dict) -> None:
        if item.status == "failed" or item.slow:
            return
        stored = item.instance.custom or {}
        for definition in self.definitions:
            value = stored.get(definition.key)
            if definition.unique and value not in (None, ""):
                earlier = seen.setdefault((definition.key, str(value)), item.index)
                if earlier != item.index:
                    item.fail(f"custom.{definition.key}", "unique", _(
                        "“%(label)s” must be unique: record %(index)d of this request has it too.")
                        % {"label": definition.label, "index": earlier})

    # -- writing --------------------------------------------------------------------------------------

    def write(self, items: list[Item]) -> None:
        """Write every valid item; the caller holds the transaction."""
        fast = [item for item in items if not item.slow and item.status in ("created", "updated")]
        now, by, workspace = timezone.now(), self.user, current_workspace()
        created = [item.instance for item in fast if item.status == "created"]
        for record in created:  # time-ordered keys, as imports write them (`common.keys`)
            record.pk = time_ordered()
            record.workspace, record.created_by, record.updated_by = workspace, by, by
            if getattr(record, "owner_id", 1) is None and "owner" not in self.form.fields:
                record.owner = by
        changed = [item for item in fast if item.status == "updated"]
        # `updated_by` is written only where it changes: on SQLite a foreign key in the SET list is checked
        # against its table for every row, even when it keeps its value.
        groups: dict = {}
        for item in changed:
            stamp = ("updated_at",) if item.instance.updated_by_id == by.pk else ("updated_at", "updated_by")
            groups.setdefault(stamp, []).append(item)
        for record in created:
            record.updated_by, record.updated_at = by, now
        self.model.objects.bulk_create(created, batch_size=500)
        for stamp, group in groups.items():
            for item in group:
                item.instance.updated_by, item.instance.updated_at = by, now
            columns = set(stamp).union(*(item.columns for item in group))
            update_rows(self.model, [item.instance for item in group], sorted(columns))
        self._history(fast)
        for item in items:
            if item.slow and item.status in ("created", "updated"):
                self._write_slow(item)

    def _history(self, items: list[Item]) -> None:
        """One history row per changed field (one per record when nothing is listed) and one event per record.

        Rows are inserted straight from their values, one converter per column (`common.bulk`: COPY on
        PostgreSQL): building a thousand model instances, or preparing each value, costs more than writing them."""
        rows, events, now = [], [], timezone.now()
        for item in items:
            record, batch = item.instance, uuid.uuid4()
            action = FieldChange.Action.CREATED if item.status == "created" else FieldChange.Action.UPDATED
            common = {"workspace_id": record.workspace_id, "entity": self.entity.key, "record_id": record.pk,
                      "action": action, "actor_id": self.user.pk, "batch": batch, "created_at": now, "updated_at": now}
            rows += [{**common, "field": name, "field_label": str(label), "old_value": old,
                      "new_value": new} for name, (label, old, new) in item.changes.items()] or [
                {**common, "field": "", "field_label": "", "old_value": "", "new_value": ""}]
            changes = {k: {"old": v[1], "new": v[2]} for k, v in item.changes.items()}
            if "owner" in changes and item.old_owner is not None:
                changes["owner"] = services.owner_change(changes["owner"], item.old_owner[0], record.owner_id)
            events.append(DomainEvent(name=f"record.{item.status}", workspace_id=record.workspace_id,
                                      entity=self.entity.key, record_id=str(record.pk), actor_id=self.user.pk,
                                      changes=changes))
        bulk.insert_rows(FieldChange, rows)
        emit_many(events)

    def _write_slow(self, item: Item) -> None:
        form, formsets = item.bound
        try:
            with transaction.atomic():
                item.instance = services.record_save(entity=self.entity, form=form, formsets=formsets, by=self.user)
        except (IntegrityError, ValidationError):
            if self.atomic:
                raise
            item.fail(None, "conflict", _("The change conflicts with existing data, for example a row listed twice."))
            item.instance = None


@lru_cache(maxsize=64)
def _list_adapter(record_model) -> TypeAdapter:
    """The validator of a list of records, built once per schema (building one costs a few milliseconds)."""
    return TypeAdapter(list[record_model])


def _clone(record):
    """A shallow copy of a model instance, as `copy.copy` makes it (its own state and cache of related objects)
    without going through pickling's `__reduce_ex__`, which costs ten times more."""
    clone = record.__class__.__new__(record.__class__)
    state = ModelState()
    state.db, state.adding, state.fields_cache = record._state.db, record._state.adding, dict(record._state.fields_cache)
    clone.__dict__ = {**record.__dict__, "_state": state}
    return clone


def _reader(fields) -> Callable:
    """record -> (`value_from_object` of each field): one C call when no field reads its value its own way."""
    if len(fields) > 1 and all(type(f).value_from_object is models.Field.value_from_object for f in fields):
        return attrgetter(*(f.attname for f in fields))
    return lambda record: tuple(f.value_from_object(record) for f in fields)


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _same(row_field, stored: dict, name: str, value) -> bool:
    """A value sent for an inline row equals the stored row's (`inline_values`; ids must name that very row)."""
    if name == "id":
        return value is None or str(value) == str(stored["id"])
    if row_field is None or row_field.model_field is None:
        return False
    current = stored[row_field.name]
    if isinstance(current, bool) or isinstance(value, bool):
        return bool(current) == bool(value)
    current, value = str(current if current is not None else ""), str(value if value is not None else "").strip()
    if isinstance(row_field.model_field, models.EmailField):  # the form stores emails in lower case
        return current.lower() == value.lower()
    return current == value


def bulk_write(*, entity: Entity, view: Entity, user, record_model, operation: str, match: str, atomic: bool,
               records: list) -> dict:
    """Validate and write; raises ApiValidationError (nothing written) when `atomic` and any record fails."""
    job = BulkWrite(entity=entity, view=view, user=user, record_model=record_model, operation=operation,
                    match=match, atomic=atomic)
    with collector_paused(), transaction.atomic():
        items = job.parse(records)
        job.resolve(items)
        job.validate(items)
        failed = [item for item in items if item.status == "failed"]
        if failed and atomic:
            raise ApiValidationError([error for item in failed for error in item.errors])
        job.write(items)
    counts = {status: sum(1 for item in items if item.status == status)
              for status in ("created", "updated", "unchanged", "failed")}
    return {"operation": operation, "atomic": atomic, **counts,
            "results": [{"index": item.index, "status": item.status,
                         "id": str(item.instance.pk) if item.instance is not None and item.status != "failed" else None,
                         "errors": item.errors} for item in items]}
