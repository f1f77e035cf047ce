"""Picklists in record forms: the workspace's options, deactivated values kept for the records holding them,
and dependent lists (browser filtering through data attributes, validation on the server)."""

import json

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from clientela.customization import picklists


def _model_field(form, name):
    try:
        return form._meta.model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _stored(form, name, definition):
    if definition is not None:
        value = (form.instance.custom or {}).get(definition.key)
        return value if isinstance(value, list) else [value]
    model_field = _model_field(form, name)
    return [] if form.instance._state.adding else [getattr(form.instance, model_field.attname, None)]


def picklists_apply(form, entity_key: str, definitions) -> None:
    """Give every picklist field of the form the workspace's options; remember them for `clean`."""
    custom = {d.form_name: d for d in definitions if d.kind in picklists.CUSTOM_KINDS}
    form.picklists = {}
    for name, field in form.fields.items():
        definition = custom.get(name)
        if definition is not None:
            options, controlled_by = picklists.custom_options(definition), definition.controlled_by
        else:
            model_field = _model_field(form, name)
            if model_field is None or not picklists.is_builtin_picklist(model_field) or not hasattr(field, "choices"):
                continue
            options = picklists.picklist_options(entity_key, name, model_field)
            controlled_by = picklists.picklist_controlled_by(entity_key, name)
        current = _stored(form, name, definition)
        blank = [c for c in field.choices if c[0] in ("", None)][:1]
        field.choices = blank + picklists.choices(options, current, blank=False)
        form.picklists[name] = (options, controlled_by, definition)
        if controlled_by and controlled_by in form.fields:
            field.widget.attrs["data-controlled-by"] = form.add_prefix(controlled_by)
            field.widget.attrs["data-options"] = json.dumps(
                [{"value": o["value"], "label": picklists.label(o), "when": o["when"]}
                 for o in picklists.offered(options, current)])


def _controlling_value(form, cleaned, name):
    if name in form.fields and not form.fields[name].disabled:
        return cleaned.get(name)
    if name.startswith("cf_"):
        return (form.instance.custom or {}).get(name.removeprefix("cf_"))
    return getattr(form.instance, name, None)


def _controlling_label(form, controlled_by, value) -> str:
    meta = form.picklists.get(controlled_by)
    found = picklists.find(meta[0], value) if meta and value not in (None, "") else None
    return picklists.label(found) if found else (str(value) if value not in (None, "") else _("empty"))


def picklists_check(form, cleaned: dict) -> None:
    """Refuse a dependent value not offered for the chosen controlling value (unchanged old pairs pass)."""
    for name, (options, controlled_by, _definition) in form.picklists.items():
        field = form.fields[name]
        if not controlled_by or field.disabled or cleaned.get(name) in (None, "", []):
            continue
        if name not in form.changed_data and controlled_by not in form.changed_data:
            continue
        control = _controlling_value(form, cleaned, controlled_by)
        values = cleaned[name] if isinstance(cleaned[name], list) else [cleaned[name]]
        for value in values:
            option = picklists.find(options, value)
            if option is not None and not picklists.allowed_for(option, control):
                controller = form.fields[controlled_by].label if controlled_by in form.fields else controlled_by
                form.add_error(name, _("“%(field)s”: “%(value)s” is not offered when “%(controller)s” is "
                                       "“%(controlling)s”.") % {
                    "field": field.label, "value": picklists.label(option), "controller": controller,
                    "controlling": _controlling_label(form, controlled_by, control)})
                break


def picklists_model_exclusions(form) -> set[str]:
    """Built-in picklists are checked by the form against the workspace's options (which may add values),
    so the model's fixed `choices` must not refuse them again."""
    return {name for name, meta in form.picklists.items() if meta[2] is None}
