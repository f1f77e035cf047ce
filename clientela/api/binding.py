"""API input → the entity's bound ModelForm and inline formsets, validated exactly like the web form.

The data starts from what the unbound form shows for the record (its current values, or the
defaults of a new one) and the given keys are laid over it, so PATCH changes only what it names.
An inline list replaces the record's rows: listed `id`s are updated, rows without `id` are added,
rows left out are deleted.
"""

from uuid import UUID

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms.formsets import DELETION_FIELD_NAME
from django.utils.translation import gettext as _

from clientela.customization.kinds import NUMBER_KINDS
from clientela.customization.models import FieldKind
from clientela.registry.entities import Entity, Inline

from .problems import ApiValidationError, pydantic_message

_MULTIPLE = (forms.MultipleChoiceField, forms.ModelMultipleChoiceField)


def form_value(form_field, value):
    """A JSON value as the form field expects it from a browser."""
    if value is None:
        if isinstance(form_field, forms.BooleanField):
            return False
        return [] if isinstance(form_field, _MULTIPLE) else ""
    if isinstance(value, list) and not isinstance(form_field, _MULTIPLE):
        return ", ".join(str(item) for item in value)  # e.g. tags, typed comma-separated on the page
    if isinstance(value, list):
        return [str(item) if isinstance(item, UUID) else item for item in value]
    return str(value) if isinstance(value, UUID) else value


def shown(form) -> dict:
    """The values an unbound form shows, keyed the way a browser would post them back."""
    return {bound.html_name: bound.value() for bound in form}


def _lay_over(data: dict, prefix: str, form_fields, values: dict) -> None:
    for name, value in values.items():
        if name != "id":
            data[f"{prefix}-{name}" if prefix else name] = form_value(form_fields[name], value)


def errors_of(form, path: str = "") -> list[dict]:
    found = []
    for name, errors in form.errors.as_data().items():
        if name == NON_FIELD_ERRORS:
            field = path or None
        else:
            field = f"{path}.{name}" if path else name
        for error in errors:
            found += [{"field": field, "message": message, "code": error.code or "invalid"}
                      for message in error.messages]
    return found


class BoundInline:
    """One inline's formset, bound from a list of API rows, remembering which form is which row."""

    def __init__(self, inline: Inline, instance, rows: list[dict]):
        self.inline, self.errors = inline, []
        prefix = inline.name
        unbound = inline.formset(instance=instance, prefix=prefix)
        existing = unbound.forms[: unbound.initial_form_count()]
        known = {str(form.instance.pk) for form in existing}
        wanted: dict[str, int] = {}
        for index, row in enumerate(rows):
            if row.get("id") is None:
                continue
            key = str(row["id"])
            if key not in known or key in wanted:
                self.errors.append({"field": f"{prefix}[{index}].id", "code": "unknown_row",
                                    "message": _("There is no such row on this record, or it is listed twice.")})
            else:
                wanted[key] = index
        data: dict = {}
        self.positions: dict[int, int] = {}  # form index → row index in the request
        for number, form in enumerate(existing):
            data.update(shown(form))
            index = wanted.get(str(form.instance.pk))
            if index is None:
                data[form.add_prefix(DELETION_FIELD_NAME)] = True
            else:
                self.positions[number] = index
                _lay_over(data, form.prefix, form.fields, rows[index])
        added = [index for index, row in enumerate(rows) if row.get("id") is None]
        template = unbound.empty_form
        for offset, index in enumerate(added):
            number = len(existing) + offset
            data.update({key.replace("__prefix__", str(number)): value for key, value in shown(template).items()})
            self.positions[number] = index
            _lay_over(data, f"{prefix}-{number}", template.fields, rows[index])
        data[f"{prefix}-TOTAL_FORMS"] = len(existing) + len(added)
        data[f"{prefix}-INITIAL_FORMS"] = len(existing)
        self.formset = inline.formset(data, instance=instance, prefix=prefix)

    def is_valid(self) -> bool:
        valid = self.formset.is_valid()
        name = self.inline.name
        for number, form in enumerate(self.formset.forms):
            if number in self.positions:
                self.errors += errors_of(form, f"{name}[{self.positions[number]}]")
        for error in self.formset.non_form_errors().as_data():
            self.errors += [{"field": name, "message": m, "code": error.code or "invalid"} for m in error.messages]
        return valid and not self.errors


def bind(entity: Entity, *, user, instance, payload: dict):
    """(form, formsets) ready for `record_save`, or ApiValidationError listing every problem.

    `entity` is the user's view of it (`entity_for`): fields the role hides or makes read-only are refused.
    """
    payload = flatten(entity, payload)
    inline_names = {inline.name for inline in entity.inlines}
    unbound = entity.form_class(instance=instance, user=user)
    data = shown(unbound)
    _lay_over(data, "", unbound.fields, {k: v for k, v in payload.items() if k not in inline_names})
    form = entity.form_class(data, instance=instance, user=user)
    inlines = [BoundInline(inline, instance, payload[inline.name] or [])
               for inline in entity.inlines if inline.name in payload]
    results = [form.is_valid()] + [bound.is_valid() for bound in inlines]
    if not all(results):
        errors = [{**error, "field": api_name(error["field"])} for error in errors_of(form)] + [
            error for bound in inlines for error in bound.errors]
        raise ApiValidationError(errors)
    return form, [bound.formset for bound in inlines]


def flatten(entity: Entity, payload: dict) -> dict:
    """The payload with `custom` spread into form names ("cf_<key>"), or ApiValidationError for unknown
    custom fields and for fields the user's role hides or makes read-only."""
    payload = dict(payload)
    custom = payload.pop("custom", None) or {}
    known = {d.key: d.form_name for d in entity.custom_fields}
    unknown = sorted(set(custom) - set(known))
    if unknown:
        raise ApiValidationError([{"field": f"custom.{key}", "code": "unknown_field",
                                   "message": _("“%(field)s” is not a custom field of this record type.")
                                   % {"field": key}} for key in unknown])
    definitions = {d.key: d for d in entity.custom_fields}
    wrong = [(key, code) for key, value in sorted(custom.items())
             if (code := custom_type_error(definitions[key], value)) is not None]
    if wrong:
        raise ApiValidationError([{"field": f"custom.{key}", "code": code, "message": pydantic_message({"type": code})}
                                  for key, code in wrong])
    payload.update({known[key]: value for key, value in custom.items()})
    blocked = sorted(name for name in payload if name in entity.hidden or name in entity.read_only)
    if blocked:
        raise ApiValidationError([{"field": name, "code": "read_only",
                                   "message": _("“%(field)s” cannot be changed with your role.") % {"field": name}}
                                  for name in blocked])
    return payload


def custom_type_error(definition, value) -> str | None:
    """pydantic's error type when a custom field's value is not of its kind's JSON type (the one /openapi.json
    gives it; numbers and checkboxes take text too, as the form reads it), else None. `custom` is a free-form
    object to pydantic, so this is the only check before the form field, which expects what a browser posts:
    a date field given a number fails with AttributeError, a text field given an object stores its repr."""
    if value is None:
        return None
    kind = definition.kind
    if kind == FieldKind.MULTI_PICKLIST:
        return "list_type" if not isinstance(value, list) else None if all(
            isinstance(item, str) for item in value) else "string_type"
    if kind in NUMBER_KINDS:
        return None if isinstance(value, int | float | str) and not isinstance(value, bool) else "float_type"
    if kind == FieldKind.CHECKBOX:
        return None if isinstance(value, bool | int | str) else "bool_type"
    return None if isinstance(value, str) else "string_type"


def api_name(field: str | None) -> str | None:
    """Form names of custom fields ("cf_tier") as the API calls them ("custom.tier")."""
    return f"custom.{field[3:]}" if field and field.startswith("cf_") else field
