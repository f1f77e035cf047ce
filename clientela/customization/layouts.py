"""Layouts: how a record type's detail page and form are grouped into sections, and its list's default columns.

A layout for a role wins over the layout for everyone. Layouts arrange; they never reveal: the per-user
entity drops names the user's role hides before a layout is applied. Every change is logged as a
configuration change of kind "layout" (target "<entity>" or "<entity>@<role>") and can be rolled back.
"""

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from clientela.security.audit import audit_log
from clientela.workspaces.scoping import current_workspace

from .changes import config_change_record
from .models import Layout

MAIN_SECTION = _("General")
CUSTOM_SECTION = _("More fields")
OTHER_SECTION = _("Other")


def layout_for(entity_key: str, role_key: str | None) -> Layout | None:
    """The layout for the role, else the one for everyone, else None — in one query."""
    roles = {"", role_key or ""}
    found = {layout.role: layout for layout in Layout.objects.filter(entity=entity_key, role__in=roles)}
    return found.get(role_key or "") or found.get("")


def layout_target(entity_key: str, role_key: str = "") -> str:
    return f"{entity_key}@{role_key}" if role_key else entity_key


def layout_state(layout: Layout | None) -> dict | None:
    if layout is None:
        return None
    return {"sections": layout.sections, "list_columns": layout.list_columns}


def section_title(section: dict) -> str:
    first, second = ("title_es", "title_en") if translation.get_language() == "es" else ("title_en", "title_es")
    return section.get(first) or section.get(second) or ""


def form_field_names(entity) -> list[str]:
    """The names an entity's form may show: the form class's fields, then the custom fields."""
    return [*entity.form_class.base_fields, *(d.form_name for d in entity.custom_fields)]


def entity_layout_parts(entity, layout: Layout | None) -> dict:
    """`sections`, `detail_fields` and `list_columns` of a per-user entity (hidden names already removed)."""
    custom = [d.form_name for d in entity.custom_fields]
    if layout is None:
        sections = [(str(MAIN_SECTION), [n for n in entity.detail_fields if n not in custom])]
        if custom:
            sections.append((str(CUSTOM_SECTION), custom))
        return {"sections": tuple(sections)}
    hidden = entity.hidden
    known = set(entity.detail_fields) | set(form_field_names(entity))
    sections, placed = [], set()
    for section in layout.sections:
        names = [n for n in section.get("fields", []) if n in known and n not in placed
                 and entity.source(n) not in hidden]
        placed.update(names)
        sections.append((section_title(section), names))
    detail_fields = [n for _title, names in sections for n in names]
    detail_fields += [n for n in entity.detail_fields if n not in placed]
    columns_known = set(entity.list_columns) | set(entity.detail_fields) | set(entity.sortable) | set(custom)
    columns = [n for n in layout.list_columns if n in columns_known and entity.source(n) not in hidden]
    return {"sections": tuple(sections), "detail_fields": detail_fields,
            "list_columns": list(dict.fromkeys(columns)) or list(entity.list_columns), "layout": layout}


def detail_sections(entity, record, value_display) -> list[dict]:
    """The detail page's sections with their non-empty values (empty sections are left out).

    Detail fields that no section places go in a final "Other" section.
    """
    placed = {n for _title, names in entity.sections for n in names}
    rest = [n for n in entity.detail_fields if n not in placed]
    result = []
    for title, names in [*entity.sections, *([(str(OTHER_SECTION), rest)] if rest else [])]:
        values = [{"name": n, "label": entity.field_label(n), "value": value_display(entity, record, n)}
                  for n in names]
        if values := [v for v in values if v["value"]]:
            result.append({"title": title, "fields": values})
    return result


def form_sections(entity, form) -> list[dict]:
    """The form's visible fields grouped by the entity's sections; fields no section places go in "Other".

    Without a layout the first section takes the built-in fields in the form's own order, so the default
    form reads as it always has.
    """
    custom = {d.form_name for d in entity.custom_fields}
    if getattr(entity, "layout", None) is None:
        builtin = [f for f in form.visible_fields() if f.name not in custom]
        extra = [f for f in form.visible_fields() if f.name in custom]
        groups = [{"title": str(MAIN_SECTION), "fields": builtin}]
        return groups + ([{"title": str(CUSTOM_SECTION), "fields": extra}] if extra else [])
    groups, placed = [], set()
    for title, names in entity.sections:
        fields = [form[n] for n in names if n in form.fields and not form[n].is_hidden]
        placed.update(f.name for f in fields)
        if fields:
            groups.append({"title": title, "fields": fields})
    rest = [f for f in form.visible_fields() if f.name not in placed]
    return groups + ([{"title": str(OTHER_SECTION), "fields": rest}] if rest else [])


def _layout_set(entity_key: str, role_key: str, state: dict | None) -> None:
    if state is None:
        Layout.objects.filter(entity=entity_key, role=role_key).delete()
        return
    Layout.objects.update_or_create(
        entity=entity_key, role=role_key,
        defaults={"workspace": current_workspace(), "sections": state.get("sections", []),
                  "list_columns": state.get("list_columns", [])})


@transaction.atomic
def layout_save(*, entity_key: str, role_key: str = "", sections: list[dict], list_columns: list[str], by,
                reason: str = "", request=None, source: str = "ui"):
    existing = Layout.objects.filter(entity=entity_key, role=role_key).first()
    before = layout_state(existing)
    after = {"sections": sections, "list_columns": list_columns}
    _layout_set(entity_key, role_key, after)
    target = layout_target(entity_key, role_key)
    config_change_record(kind="layout", target=target, before=before, after=after, by=by, reason=reason,
                         source=source)
    audit_log(action="layout.saved", actor=by, target_type="layout", target_label=target, request=request,
              details={"target": target, "before": before, "after": after, "reason": reason})


@transaction.atomic
def layout_reset(*, entity_key: str, role_key: str = "", by, reason: str = "", request=None) -> bool:
    """Back to the default arrangement (the layout is deleted); False when there was none."""
    existing = Layout.objects.filter(entity=entity_key, role=role_key).first()
    if existing is None:
        return False
    before = layout_state(existing)
    existing.delete()
    target = layout_target(entity_key, role_key)
    config_change_record(kind="layout", target=target, before=before, after=None, by=by, reason=reason)
    audit_log(action="layout.reset", actor=by, target_type="layout", target_label=target, request=request,
              details={"target": target, "before": before, "reason": reason})
    return True


def layout_apply(target: str, state: dict | None, by) -> None:
    """The change-log applier: make the layout named by `target` match `state` (None deletes it)."""
    entity_key, _sep, role_key = target.partition("@")
    _layout_set(entity_key, role_key, state)
