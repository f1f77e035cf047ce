"""Custom fields in the generic machinery: per-user entity columns, filters, form fields and history."""

import uuid

from django.db.models import Q
from django.db.models.lookups import Exact
from django.utils.translation import gettext as _

from clientela.common import phones
from clientela.customization.indexes import (
    SEARCH_KINDS,
    SORT_KINDS,
    CustomText,
    CustomValue,
    JsonLiteral,
    indexable_key,
)
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
    """The list filter; picklists compare the exact expression their `_f` index is built on."""
    path = f"custom__{definition.key}"
    if definition.kind == FieldKind.CHECKBOX:
        return Q(**{path: True}) if value == "1" else ~Q(**{path: True})
    if definition.kind == FieldKind.PICKLIST and indexable_key(definition.key):
        return Q(Exact(CustomValue(definition.key), JsonLiteral(value)))
    return Q(**{path: value})


def custom_order(definition, descending: bool):
    """Sort by a custom field: the expression of its `_o` index where it has one, else Django's JSON path."""
    if definition.kind in SORT_KINDS and indexable_key(definition.key):
        value = CustomValue(definition.key)
        return value.desc() if descending else value.asc()
    return f"{'-' if descending else ''}custom__{definition.key}"


def custom_search(definition, text: str) -> Q:
    """Free text on one custom field: a prefix of its lowered text (its `_s` index), like built-in fields.

    Phones are stored in E.164, so what was typed is turned into E.164 first when it is a phone number.
    Long text has no index (values are too long for one): it keeps a contains match.
    """
    from .selectors import starts_with

    if definition.kind not in SEARCH_KINDS or not indexable_key(definition.key):
        return Q(**{f"custom__{definition.key}__icontains": text})
    if definition.kind == FieldKind.PHONE:
        text = phones.try_e164(text) or text
    return starts_with(CustomText(definition.key), text)


def custom_global_search(definitions, text: str) -> Q | None:
    """Global search on the custom fields the user may see, indexed text kinds only (None: nothing to add)."""
    conditions = [custom_search(d, text) for d in definitions
                  if d.kind in SEARCH_KINDS and indexable_key(d.key)]
    if not conditions:
        return None
    condition = Q()
    for one in conditions:
        condition |= one
    return condition


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


def record_lookup_labels(entity, record) -> dict[str, str]:
    """{field key: linked record's name} for every lookup field of a record: one query per linked entity.

    Computed once per record and kept on it, so a detail page with many lookup fields does not run
    one query per field.
    """
    cached = getattr(record, "_cf_lookup_labels", None)
    if cached is not None:
        return cached
    from . import entities

    stored = record.custom or {}
    wanted: dict[str, dict[str, list[str]]] = {}  # target entity -> {id: [field keys]}
    for definition in entity.custom_fields:
        value = stored.get(definition.key)
        if definition.kind == FieldKind.LOOKUP and value:
            wanted.setdefault(definition.lookup_entity, {}).setdefault(str(value), []).append(definition.key)
    labels = {}
    for target_key, ids in wanted.items():
        target = entities.get_or_none(target_key)
        found = {}
        if target is not None:
            valid = parse_ids(ids)
            found = {str(r.pk): str(r) for r in target.model.objects.filter(pk__in=valid)} if valid else {}
        for value, keys in ids.items():
            normal = parse_ids([value])
            labels.update(dict.fromkeys(keys, found.get(str(normal[0]) if normal else value, value)))
    record._cf_lookup_labels = labels
    return labels


def parse_ids(values) -> list[uuid.UUID]:
    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return ids


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
