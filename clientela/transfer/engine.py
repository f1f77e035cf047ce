"""Rows → decisions → writes. Each row is validated by the entity's own form (and its inlines' forms),
so an import accepts exactly what the record page accepts; valid new records are then written in bulk.
"""

import uuid
from dataclasses import dataclass, field

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.common import bulk
from clientela.common.events import DomainEvent, emit_many
from clientela.history.models import FieldChange
from clientela.registry import services as record_services
from clientela.security import access
from clientela.workspaces.selectors import workspace_members

from .duplicates import DuplicateIndex, row_keys, rule_label
from .fastpath import FastForm
from .normalise import Converter
from .text import company_key, fold

SKIP, UPDATE, CREATE, FILL = "skip", "update", "create", "fill"  # FILL: only what the record is missing
# a row applied to a record already in the CRM: "updated" (UPDATE) or "merged" into it (FILL, even when the record
# had every field already: the row was still folded into it); undo puts back what either replaced and added
ON_EXISTING = ("updated", "merged")


@dataclass
class Options:
    on_duplicate: str = SKIP
    region: str = ""  # default country for phone numbers
    date_order: str = ""  # dmy / mdy / ymd; detected when empty
    decimal_mark: str = ""  # "," or "."; detected per column when empty
    batch_size: int = 2000


@dataclass
class Outcome:
    number: int
    action: str  # created / updated / merged / duplicate / rejected
    record_id: str | None = None
    errors: list = field(default_factory=list)
    cells: list = field(default_factory=list)
    previous: dict = field(default_factory=dict)
    related: dict = field(default_factory=dict)
    # filled for writes
    form: object = None
    record: object = None
    children: list = field(default_factory=list)  # (inline name, child instance)
    company_name: str = ""
    company_role: str = ""
    company_primary: bool = True


def _shown(form) -> dict:
    return {bound.html_name: bound.value() for bound in form}


def _errors(form, prefix: str = "") -> list[dict]:
    found = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for message in errors:
            found.append({"field": f"{prefix}{label or name}" if name != "__all__" else prefix.rstrip(": "),
                          "message": str(message)})
    return found


def _rebind(form, data: dict, instance):
    """Reuse a bound form for another row: building one per row costs far more than validating it."""
    form.data, form.is_bound, form._errors, form.instance, form.cleaned_data = data, True, None, instance, {}
    return form


def _json(value):
    return DjangoJSONEncoder().default(value) if value is not None and not isinstance(
        value, str | int | float | bool | list | dict) else value


def field_values(record, fields, tagged: bool, custom_keys=()) -> dict:
    """The values of `fields` as stored in ImportRow.previous: JSON-safe by attname, tags as sorted names,
    custom fields as "custom.<key>" (None when the record has no value)."""
    values = {f.attname: _json(getattr(record, f.attname)) for f in fields}
    if tagged:
        values["tags"] = sorted(record.tags.values_list("name", flat=True))
    stored = getattr(record, "custom", None) or {}
    values.update({f"custom.{key}": stored.get(key) for key in custom_keys})
    return values


class Importer:
    """Decides and writes one batch at a time; `entity` is the importing user's view (`entity_for`)."""

    def __init__(self, *, entity, user, workspace, mapping: dict[str, str], headers: list[str], options: Options,
                 date_orders: dict[str, str] | None = None):
        self.entity, self.user, self.workspace, self.options = entity, user, workspace, options
        self.clock: float | None = None  # when the last batch ended (for rows per second)
        self.columns = [(headers.index(h), t) for h, t in mapping.items() if h in headers]
        self.inlines = {inline.name: inline for inline in entity.inlines}
        blank_form = entity.form_class(user=user)
        self.form_fields = blank_form.fields
        self.defaults = _shown(blank_form)
        self.child_defaults = {name: _shown(inline.formset.form()) for name, inline in self.inlines.items()}
        self.shared_form = entity.form_class({}, instance=entity.model(), user=user)
        self.shared_children = {name: inline.formset.form({}, instance=inline.formset.model())
                                for name, inline in self.inlines.items()}
        model_fields = {f.name: f for f in entity.model._meta.get_fields()}
        self.m2m_targets = {name for name in self.form_fields
                            if name in model_fields and model_fields[name].many_to_many}
        self.converters = {}
        for _index, target in self.columns:
            form_field = self._form_field(target)
            order = (date_orders or {}).get(target) or options.date_order or "dmy"
            self.converters[target] = Converter(form_field, target=target, date_order=order, region=options.region,
                                                model_choices=self._model_choices(target),
                                                decimal_mark=options.decimal_mark)
        self._blanks: dict = {}
        members = list(workspace_members())
        self._cache_owner_choices(members)
        fed = {target for _index, target in self.columns}
        self.fast_main = FastForm(self.shared_form, self.defaults, {t for t in fed if "." not in t})
        self.fast_children = {
            name: FastForm(self.shared_children[name], self.child_defaults[name],
                           {t.split(".", 1)[1] for t in fed if t.startswith(f"{name}.")} | {"is_primary"},
                           frozenset({"number"}) if name == "phones" else frozenset())
            for name in self.inlines if name != "affiliations"}
        self.owners = {m.email.lower(): m.pk for m in members}
        self.owners.update({fold(m.full_name): m.pk for m in members if m.full_name})
        self.index = DuplicateIndex().load(entity)
        self.companies: dict[str, str] = {}
        self.can_create_companies = access.can(user, "create", "companies")
        if "affiliations" in self.inlines:
            company_model = self.inlines["affiliations"].formset.model._meta.get_field("company").related_model
            self.company_model = company_model
            for pk, name in company_model.objects.values_list("pk", "name").iterator(chunk_size=5000):
                self.companies.setdefault(company_key(name), str(pk))

    def _cache_owner_choices(self, members) -> None:
        """The shared form checks owners against the members read once, not with a query per row."""
        owner = self.shared_form.fields.get("owner")
        if owner is None:
            return
        by_pk = {str(m.pk): m for m in members}
        lookup = owner.to_python

        def to_python(value):
            return by_pk.get(str(value)) or lookup(value)

        owner.to_python = to_python
        exclusions = self.shared_form._get_validation_exclusions

        def without_owner_lookup():  # the member list above already proved the owner exists
            return exclusions() | {"owner"}

        self.shared_form._get_validation_exclusions = without_owner_lookup

    def blank(self, model, **values):
        if model not in self._blanks:
            self._blanks[model] = bulk.Blank(model)
        return self._blanks[model](**values)

    def _model_choices(self, target: str):
        inline_name, _dot, name = target.rpartition(".")
        model = self.inlines[inline_name].formset.model if inline_name else self.entity.model
        try:
            return model._meta.get_field(name).choices or ()
        except Exception:  # a form-only or custom field
            return ()

    def _form_field(self, target: str):
        if "." in target:
            inline_name, name = target.split(".", 1)
            return self.inlines[inline_name].formset.form.base_fields.get(name)
        return self.form_fields.get(target)

    # -- deciding -------------------------------------------------------------------------------------

    def values_of(self, cells: list[str]) -> dict:
        return {target: self.converters[target](cells[index]) for index, target in self.columns
                if index < len(cells) and cells[index].strip()}

    def decide(self, number: int, cells: list[str]) -> Outcome:
        values = self.values_of(cells)
        keys = row_keys(self.entity, values)
        record_id, earlier, rule = self.index.find(keys)
        policy = self.options.on_duplicate
        if earlier is not None and policy != CREATE:
            return Outcome(number, "duplicate", errors=[{"field": "", "message": _(
                "%(rule)s as row %(row)s of the file") % {"rule": rule_label(rule), "row": earlier}}])
        instance = None
        if record_id and policy == SKIP:
            return Outcome(number, "duplicate", record_id=record_id,
                           errors=[{"field": "", "message": rule_label(rule)}])
        if record_id and policy in (UPDATE, FILL):
            instance = self.entity.model.objects.filter(pk=record_id).first()
            if instance is None or not access.can_record(self.user, "edit", self.entity.key, instance):
                return Outcome(number, "rejected", cells=cells, errors=[{"field": "", "message": _(
                    "It matches a record (%(rule)s) that you may not edit.") % {"rule": rule_label(rule)}}])
        outcome = self._validate(number, values, instance)
        if outcome.action == "rejected":
            outcome.cells = cells
        else:
            self.index.add(keys, number)
            if instance is not None:  # why this record: the report's reasons, as for a skipped duplicate
                outcome.errors = [{"field": "", "message": rule_label(rule)}]
        return outcome

    def _validate(self, number: int, values: dict, instance) -> Outcome:
        entity, user = self.entity, self.user
        owner_text = values.pop("owner", "")
        filling = instance is not None and self.options.on_duplicate == FILL
        if filling and getattr(instance, "owner_id", None):
            owner_text = ""  # the record's owner stays
        errors = []
        if instance is None:
            data = dict(self.defaults)
        else:
            data = _shown(entity.form_class(instance=instance, user=user))
        data.update({k: v for k, v in values.items() if "." not in k and not (filling and not _empty(data.get(k)))})
        if owner_text:
            owner = self.owners.get(owner_text.lower()) or self.owners.get(fold(owner_text))
            if owner is None:
                errors.append({"field": str(self.form_fields["owner"].label), "message": _(
                    "There is no user with the email or name “%(value)s” in this workspace.") % {"value": owner_text}})
            else:
                data["owner"] = owner
        if instance is None and not self.m2m_targets.intersection(values):
            form = self.shared_form
            if self.fast_main.check(data, self.blank(entity.model)) is None:  # the full form names the rule
                _rebind(form, data, entity.model())
                if not form.is_valid():
                    errors += _errors(form)
        else:
            form = entity.form_class(data, instance=instance or entity.model(), user=user)
            if not form.is_valid():
                errors += _errors(form)
        children = []
        existing = self._existing_children(instance)
        for name, inline in self.inlines.items():
            child_values = {k.split(".", 1)[1]: v for k, v in values.items() if k.startswith(f"{name}.")}
            if not child_values or name == "affiliations":
                continue
            if self._child_key(name, child_values) in existing.get(name, set()):
                continue  # the record has it already
            child_data = {**self.child_defaults[name], **child_values, "is_primary": not existing.get(name)}
            child_instance = self.fast_children[name].check(child_data, self.blank(inline.formset.model))
            if child_instance is not None:
                children.append((name, child_instance))
                continue
            child = _rebind(self.shared_children[name], child_data, inline.formset.model())
            if child.is_valid():
                children.append((name, child.instance))
            else:
                errors += _errors(child, f"{inline.label}: ")
        action = "created" if instance is None else "merged" if filling else "updated"
        outcome = Outcome(number, action, form=form, children=children, record=form.instance)
        company = values.get("affiliations.company_name", "")
        links = self._company_links(instance) if company else {}
        if self.companies.get(company_key(company)) in links:
            company = ""  # linked to it already
        if company:
            outcome.company_primary = not any(links.values())
            outcome.company_name, outcome.company_role = company[:200], values.get("affiliations.role", "")[:120]
            if company_key(company) not in self.companies and not self.can_create_companies:
                errors.append({"field": _("Company"), "message": _(
                    "There is no company named “%(name)s” and you may not create companies.") % {"name": company}})
        if errors:
            return Outcome(number, "rejected", errors=errors)
        outcome.record_id = str(instance.pk) if instance else str(form.instance.pk)
        return outcome

    def _existing_children(self, instance) -> dict:
        """What the record has already, by each inline's identifying value."""
        if instance is None:
            return {}
        return {name: {self._child_key(name, row) for row in getattr(instance, name).all()}
                for name in self.inlines if name != "affiliations"}

    def _company_links(self, instance) -> dict[str, bool]:
        """The companies the record is linked to: {company id: primary link}."""
        if instance is None or "affiliations" not in self.inlines:
            return {}
        return {str(company): primary for company, primary in
                instance.affiliations.values_list("company_id", "is_primary")}

    @staticmethod
    def _child_key(name: str, row) -> str:
        get = row.get if isinstance(row, dict) else (lambda key, default="": getattr(row, key, default))
        if name == "emails":
            return fold(str(get("email", "")))
        if name == "phones":
            return str(get("number", ""))
        return f"{fold(str(get('street', '')))}|{fold(str(get('city', '')))}"

    # -- writing --------------------------------------------------------------------------------------

    def write(self, outcomes: list[Outcome]) -> None:
        """Apply a batch's decisions; the caller holds the transaction."""
        now, user, workspace = timezone.now(), self.user, self.workspace
        company_ids = self._companies_for([o for o in outcomes if o.company_name], now)
        new_records, children, affiliations = [], [], []
        for outcome in outcomes:
            if outcome.action == "created":
                record = outcome.record
                record.workspace, record.created_by, record.updated_by = workspace, user, user
                record.created_at = record.updated_at = now
                if getattr(record, "owner_id", 1) is None:
                    record.owner = user
                if hasattr(record, "prepare_for_save"):
                    record.prepare_for_save()
                new_records.append(record)
            elif outcome.action in ON_EXISTING:
                self._update(outcome)
            else:
                continue
            for name, child in outcome.children:
                setattr(child, self.inlines[name].formset.fk.name + "_id", outcome.record_id)
                child.workspace_id = workspace.pk
                children.append(child)
                if outcome.action in ON_EXISTING:  # what undo removes; a created record goes as a whole
                    outcome.related.setdefault(name, []).append(str(child.pk))
            if outcome.company_name:
                company_id = company_ids[company_key(outcome.company_name)]
                affiliation = self.blank(self.inlines["affiliations"].formset.model,
                    workspace_id=workspace.pk, contact_id=outcome.record_id, company_id=company_id,
                    role=outcome.company_role, is_primary=outcome.company_primary)
                affiliation.created_at = affiliation.updated_at = now
                affiliations.append((outcome.action, affiliation))
                if outcome.action in ON_EXISTING:
                    outcome.related.setdefault("affiliations", []).append(str(affiliation.pk))
        bulk.insert(self.entity.model, new_records)
        for child in children:
            child.created_at = child.updated_at = now
        for model in {type(child) for child in children}:
            bulk.insert(model, [c for c in children if type(c) is model])
        if affiliations:  # an updated or merged record may have the company already
            model = type(affiliations[0][1])
            bulk.insert(model, [a for action, a in affiliations if action == "created"])
            model.objects.bulk_create([a for action, a in affiliations if action != "created"], ignore_conflicts=True)
        for outcome in outcomes:
            if outcome.action == "created" and outcome.form is not self.shared_form:
                outcome.form._save_m2m()  # only rows with many-to-many values get their own form
        self._history(new_records, "record.created", FieldChange.Action.CREATED)

    def _update(self, outcome: Outcome) -> None:
        """Save the record and keep, for undo, the fields it changed: their value before and the one written
        (as read back, so undo compares like with like), so undo leaves alone a field edited since."""
        form = outcome.form
        model = type(form.instance)
        fields = [f for f in model._meta.concrete_fields if f.name in form.fields and f.editable]
        tagged = "tags" in form.fields and hasattr(model, "tags")
        custom = [name[3:] for name in form.fields if name.startswith("cf_")]
        before = field_values(model.objects.get(pk=form.instance.pk), fields, tagged, custom)
        record_services.record_save(entity=self.entity, form=form, formsets=(), by=self.user)
        after = field_values(model.objects.get(pk=form.instance.pk), fields, tagged, custom)
        changed = [key for key, value in after.items() if before[key] != value]
        outcome.previous = {"before": {key: before[key] for key in changed},
                            "after": {key: after[key] for key in changed}}

    def _companies_for(self, outcomes: list[Outcome], now) -> dict[str, str]:
        missing: dict[str, object] = {}
        for outcome in outcomes:
            key = company_key(outcome.company_name)
            if key not in self.companies and key not in missing:
                missing[key] = self.company_model(workspace=self.workspace, name=outcome.company_name,
                                                  owner=self.user, created_by=self.user, updated_by=self.user)
                outcome.related.setdefault("companies", []).append(str(missing[key].pk))
        if missing:
            self.company_model.objects.bulk_create(list(missing.values()))
            self.companies.update({key: str(company.pk) for key, company in missing.items()})
            self._history(list(missing.values()), "record.created", FieldChange.Action.CREATED, "companies")
        return self.companies

    def _history(self, records, event: str, action: str, key: str = "") -> None:
        key = key or self.entity.key
        batch = uuid.uuid4()
        bulk.insert_rows(FieldChange, [
            {"workspace_id": self.workspace.pk, "entity": key, "record_id": r.pk, "action": action,
             "actor_id": self.user.pk, "batch": batch} for r in records])
        emit_many([DomainEvent(name=event, workspace_id=self.workspace.pk, entity=key, record_id=str(record.pk),
                               actor_id=self.user.pk) for record in records])


def _empty(value) -> bool:
    return value is None or value == "" or value == []  # an unticked box is a choice too (consent)
