"""Picklists as a workspace sees them: the code's choices (or a custom field's options) plus the admin's edits.

An option is a dict {"value", "label_en", "label_es", "color", "active", "when"}. Stored values never
change: renaming changes labels only, and a deactivated value is no longer offered for new choices but
stays valid and readable on the records that hold it. A dependent picklist names its controlling field
in `controlled_by`; an option with a non-empty "when" is offered only for those controlling values.

Overrides are read once per configuration version and process (`config_cache`) and kept on the workspace
object for the request; a change in this process invalidates them at once.
"""

import functools

from django.core.exceptions import FieldDoesNotExist
from django.utils import translation
from django.utils.html import format_html

from clientela.workspaces.config_cache import remembered
from clientela.workspaces.scoping import current_workspace_or_none

from .models import FieldDefinition, FieldKind, PicklistOverride

# Lists whose values the code acts on (consent rules, the language of messages): not editable.
FIXED_FIELDS = frozenset({"preferred_language", "email_consent", "phone_consent", "currency"})
CUSTOM_KINDS = (FieldKind.PICKLIST, FieldKind.MULTI_PICKLIST)

_generation = 0


class OptionLabel(str):
    """An option's label as text (exports, history) that renders with its colour swatch in templates."""

    color = ""

    def __new__(cls, label, color=""):
        obj = super().__new__(cls, label)
        obj.color = color or ""
        return obj

    def __html__(self):
        if not self.color:
            return format_html("{}", str(self))
        return format_html('<span class="swatch" data-color="{}" aria-hidden="true"></span> {}', self.color, str(self))


def invalidate() -> None:
    global _generation
    _generation += 1


def _cache() -> dict:
    """The current workspace's overrides (one query) and the merged lists computed from them."""
    workspace = current_workspace_or_none()
    if workspace is None:
        return {"overrides": {}, "merged": {}}
    version = (_generation, workspace.config_stamp)
    cached = workspace.__dict__.get("_picklists")
    if cached is None or cached[0] != version:
        cached = (version, remembered(("picklists",), lambda: {
            "overrides": {(o.entity, o.field): o for o in PicklistOverride.objects.all()}, "merged": {}}))
        workspace.__dict__["_picklists"] = cached
    return cached[1]


def override_for(entity_key: str, field_name: str) -> PicklistOverride | None:
    return _cache()["overrides"].get((entity_key, field_name))


def normalise(option: dict, default: dict | None = None) -> dict:
    default = default or {}
    value = str(option.get("value", default.get("value", "")))
    label_en = option.get("label_en") or default.get("label_en") or value
    return {"value": value, "label_en": label_en, "label_es": option.get("label_es") or default.get("label_es")
            or label_en, "color": option.get("color") or "", "active": bool(option.get("active", True)),
            "when": [str(w) for w in option.get("when") or []]}


@functools.cache
def code_options(model_field) -> list[dict]:
    """The options as the code defines them, labelled in both languages (read-only: shared)."""
    result = []
    for value, label in model_field.flatchoices:
        if value in (None, ""):
            continue
        with translation.override("en"):
            label_en = str(label)
        with translation.override("es"):
            label_es = str(label)
        result.append({"value": str(value), "label_en": label_en, "label_es": label_es, "color": "",
                       "active": True, "when": []})
    return result


def is_builtin_picklist(model_field) -> bool:
    return bool(getattr(model_field, "choices", None)) and not model_field.is_relation \
        and model_field.name not in FIXED_FIELDS


def picklist_options(entity_key: str, field_name: str, model_field) -> list[dict]:
    """All options of a built-in picklist, in display order, inactive ones included (flagged).

    The list is shared by every caller in the process: copy an option before changing it.
    """
    defaults = code_options(model_field)
    override = override_for(entity_key, field_name) if is_builtin_picklist(model_field) else None
    if override is None:
        return defaults
    merged_cache = _cache()["merged"]
    if (entity_key, field_name) not in merged_cache:
        by_value = {o["value"]: o for o in defaults}
        merged = [normalise(o, by_value.get(str(o.get("value")))) for o in override.options]
        known = {o["value"] for o in merged}
        merged_cache[(entity_key, field_name)] = merged + [o for o in defaults if o["value"] not in known]
    return merged_cache[(entity_key, field_name)]


def picklist_controlled_by(entity_key: str, field_name: str) -> str:
    override = override_for(entity_key, field_name)
    return override.controlled_by if override else ""


def custom_options(definition: FieldDefinition) -> list[dict]:
    return [normalise(o) for o in definition.options]


def label(option: dict) -> str:
    return option["label_es"] if translation.get_language() == "es" else option["label_en"]


def find(options: list[dict], value) -> dict | None:
    return next((o for o in options if o["value"] == str(value)), None)


def option_label(entity_key: str, field_name: str, value, model_field) -> OptionLabel:
    """How a stored value reads (with its colour); an unknown value reads as itself."""
    found = find(picklist_options(entity_key, field_name, model_field), value)
    return OptionLabel(label(found), found["color"]) if found else OptionLabel(str(value))


def custom_option_label(definition: FieldDefinition, value) -> OptionLabel:
    found = find(custom_options(definition), value)
    return OptionLabel(label(found), found["color"]) if found else OptionLabel(str(value))


def offered(options: list[dict], current=()) -> list[dict]:
    """Options a form offers: the active ones, plus the record's current values even when deactivated."""
    keep = {str(v) for v in current if v not in (None, "")}
    return [o for o in options if o["active"] or o["value"] in keep]


def choices(options: list[dict], current=(), blank: bool = True) -> list[tuple[str, str]]:
    return ([("", "—")] if blank else []) + [(o["value"], label(o)) for o in offered(options, current)]


def allowed_for(option: dict, controlling_value) -> bool:
    """A dependent option with no "when" list is offered whatever the controlling field holds."""
    return not option["when"] or str(controlling_value or "") in option["when"]


def entity_picklists(entity) -> list[dict]:
    """The editable picklists of an entity: built-in choice fields of its form, then custom picklists."""
    result = []
    form_fields = entity.form_class.base_fields
    for name in form_fields:
        try:
            model_field = entity.field(name)
        except FieldDoesNotExist:  # a form-only field
            model_field = None
        if model_field is not None and is_builtin_picklist(model_field):
            result.append({"name": name, "label": str(model_field.verbose_name), "custom": None,
                           "model_field": model_field, "overridden": override_for(entity.key, name) is not None})
    for definition in FieldDefinition.objects.filter(entity=entity.key, kind__in=CUSTOM_KINDS) \
            .order_by("position", "label_en"):
        result.append({"name": definition.form_name, "label": definition.label, "custom": definition,
                       "model_field": None, "overridden": False})
    return result
