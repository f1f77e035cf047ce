"""Custom fields in the generic machinery: per-user entity columns, filters, form fields and history."""

import uuid

from django.db.models import Q
from django.utils.translation import gettext as _

from clientela.customization.kinds import (
    FILTER_KINDS,
    TEXT_KINDS,
    display,
    form_field,
    from_json,
    options,
    to_json,
)
from clientela.customization.models import FieldKind
from clientela.customization.selectors import field_definitions


def with_custom_fields(entity) -> dict:
    """The parts of an entity's metadata that the workspace's custom fields extend."""
    definitions = tuple(field_definitions(entity.key))
    names = [d.form_name for d in definitions]
    return {
        "custom_fields": definitions,
        "list_columns": [*entity.list_columns, *(d.form_name for d in definitions
                                                  if d.show_in_list and d.kind != FieldKind.LOOKUP)],
        "filters": [*entity.filters, *(d.form_name for d in definitions if d.kind in FILTER_KINDS)],
        "sortable": [*entity.sortable, *(d.form_name for d in definitions if d.kind != FieldKind.MULTI_PICKLIST)],
        "search_fields": [*entity.search_fields, *(d.form_name for d in definitions if d.kind in TEXT_KINDS)],
        "detail_fields": [*entity.detail_fields, *names],
    }


def custom_filter_choices(definition) -> list[tuple[str, str]]:
    if definition.kind == FieldKind.CHECKBOX:
        return [("1", _("Yes")), ("0", _("No"))]
    return options(definition, include_inactive=True)


def custom_filter(definition, value: str) -> Q:
    path = f"custom__{definition.key}"
    if definition.kind == FieldKind.CHECKBOX:
        return Q(**{path: True}) if value == "1" else ~Q(**{path: True})
    return Q(**{path: value})


def lookup_resolver(definition):
    """For a "link to another record" field: find the record by id or by its exact name."""

    def resolve(text: str):
        from . import entities

        target = entities.get_or_none(definition.lookup_entity)
        if target is None:
            return None
        queryset = target.model.objects.all()
        try:
            found = queryset.filter(pk=uuid.UUID(text.strip())).first()
        except ValueError:
            found = next((r for r in target.search(queryset, text.strip())[:20]
                          if str(r).casefold() == text.strip().casefold()), None)
        return (found.pk, str(found)) if found else None

    return resolve


def lookup_label(definition, value) -> str:
    """The linked record's name (one query; lookups are shown on detail pages, not as list columns)."""
    from . import entities

    target = entities.get_or_none(definition.lookup_entity)
    found = target.model.objects.filter(pk=value).first() if target else None
    return str(found) if found else str(value)


def add_form_fields(form, definitions) -> None:
    """Add a form field per custom field, initialised from the record's stored values."""
    stored = form.instance.custom or {}
    for definition in definitions:
        field = form_field(definition, lookup_resolver(definition) if definition.kind == FieldKind.LOOKUP else None)
        form.fields[definition.form_name] = field
        if not form.is_bound:
            value = stored.get(definition.key) if not form.instance._state.adding else (definition.default or None)
            if definition.kind == FieldKind.LOOKUP and value:
                value = lookup_label(definition, value)
            form.initial[definition.form_name] = from_json(definition, value)


def clean_custom_values(form, definitions) -> dict:
    """The record's `custom` dict after the form: edited fields replaced, hidden ones kept as they were."""
    values = dict(form.instance.custom or {})
    for definition in definitions:
        field = form.fields.get(definition.form_name)
        if field is None or field.disabled or definition.form_name not in form.cleaned_data:
            continue
        stored = to_json(definition, form.cleaned_data[definition.form_name])
        if stored is None:
            values.pop(definition.key, None)
        else:
            values[definition.key] = stored
        if definition.unique and stored is not None:
            clash = type(form.instance)._default_manager.filter(**{f"custom__{definition.key}": stored}) \
                .exclude(pk=form.instance.pk)
            if clash.exists():
                form.add_error(definition.form_name, _("“%(label)s” must be unique: another record already has it.")
                               % {"label": definition.label})
    return values


def custom_snapshot(definitions, record) -> dict:
    """Custom values as people read them, for field history."""
    stored = record.custom or {}
    return {d.form_name: (d.label, display(d, stored.get(d.key))) for d in definitions}
