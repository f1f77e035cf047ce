"""The form an administrator fills to arrange a record type's sections and its list's default columns.

Each section is a title pair plus a list of field names (one per line, in order); list columns are
checkboxes with a position number. Both work without a mouse or scripts.
"""

import re

from django import forms
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from clientela.customization.layouts import CUSTOM_SECTION, MAIN_SECTION
from clientela.security.roles import HIDDEN

EXTRA_SECTIONS = 2
_SLOT = re.compile(r"^s(\d+)_(title_en|title_es|fields)$")


def field_names_parse(text: str) -> list[str]:
    return [name for name in re.split(r"[\s,;]+", text or "") if name]


def layout_choices(entity) -> dict:
    """The names a layout may use for `entity` (with its custom fields), with their labels."""
    form_fields = entity.form_class.base_fields
    custom = [d.form_name for d in entity.custom_fields]

    def label(name):
        try:
            return capfirst(entity.field_label(name))
        except Exception:  # a form-only field
            return capfirst(str(form_fields[name].label or name))

    section_names = list(dict.fromkeys([*(n for n in form_fields if n not in custom),
                                        *(n for n in entity.detail_fields if n not in custom), *custom]))
    column_names = list(dict.fromkeys([*entity.list_columns, *entity.sortable, *entity.detail_fields, *custom]))
    return {"sections": {n: label(n) for n in section_names}, "columns": {n: label(n) for n in column_names}}


def layout_default_state(entity) -> dict:
    """What the default arrangement looks like as a layout: the editor's starting point."""
    choices = layout_choices(entity)
    custom = [d.form_name for d in entity.custom_fields]
    sections = [{**_titles(MAIN_SECTION), "fields": [n for n in choices["sections"] if n not in custom]}]
    if custom:
        sections.append({**_titles(CUSTOM_SECTION), "fields": custom})
    return {"sections": sections, "list_columns": list(entity.list_columns)}


def _titles(title) -> dict:
    titles = {}
    for language in ("en", "es"):
        with translation.override(language):
            titles[f"title_{language}"] = str(title)
    return titles


class LayoutForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the change"), max_length=300, required=False,
                             help_text=_("Optional; kept in the configuration change log."))

    def __init__(self, data=None, *, entity, role=None, state: dict):
        super().__init__(data)
        self.entity, self.role = entity, role
        self.choices = layout_choices(entity)
        sections = state.get("sections", [])
        slots = len(sections) + EXTRA_SECTIONS
        if data is not None:
            posted = [int(m.group(1)) for key in data if (m := _SLOT.match(key))]
            slots = max(posted, default=-1) + 1
        self.slot_count = min(slots, 30)
        for i in range(self.slot_count):
            section = sections[i] if i < len(sections) else {}
            number = i + 1
            self.fields[f"s{i}_title_en"] = forms.CharField(
                label=_("Section %(n)d title (English)") % {"n": number}, max_length=80, required=False,
                initial=section.get("title_en", ""))
            self.fields[f"s{i}_title_es"] = forms.CharField(
                label=_("Section %(n)d title (Spanish)") % {"n": number}, max_length=80, required=False,
                initial=section.get("title_es", ""))
            self.fields[f"s{i}_fields"] = forms.CharField(
                label=_("Section %(n)d fields") % {"n": number}, required=False,
                widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
                help_text=_("Field names from the list of available fields, one per line, in order."),
                initial="\n".join(section.get("fields", [])))
        columns = list(state.get("list_columns", []))
        self.column_order = [*[c for c in columns if c in self.choices["columns"]],
                             *[c for c in self.choices["columns"] if c not in columns]]
        for name in self.column_order:
            self.fields[f"col_{name}"] = forms.BooleanField(
                label=self.choices["columns"][name], required=False, initial=name in columns)
            self.fields[f"colpos_{name}"] = forms.IntegerField(
                label=_("Position of “%(label)s”") % {"label": self.choices["columns"][name]}, required=False,
                min_value=1, max_value=999, initial=columns.index(name) + 1 if name in columns else None,
                widget=forms.NumberInput(attrs={"size": 3}))
        self.order_fields(["reason", *[k for k in self.fields if k != "reason"]])

    def section_rows(self):
        return [{"number": i + 1, "title_en": self[f"s{i}_title_en"], "title_es": self[f"s{i}_title_es"],
                 "fields": self[f"s{i}_fields"]} for i in range(self.slot_count)]

    def column_rows(self):
        return [{"name": n, "label": self.choices["columns"][n], "shown": self[f"col_{n}"],
                 "position": self[f"colpos_{n}"]} for n in self.column_order]

    def clean(self):
        cleaned = super().clean()
        self.cleaned_data["sections"] = self._clean_sections(cleaned)
        self.cleaned_data["list_columns"] = self._clean_columns(cleaned)
        return self.cleaned_data

    def _clean_sections(self, cleaned) -> list[dict]:
        sections, placed = [], set()
        for i in range(self.slot_count):
            title_en = (cleaned.get(f"s{i}_title_en") or "").strip()
            title_es = (cleaned.get(f"s{i}_title_es") or "").strip()
            names = field_names_parse(cleaned.get(f"s{i}_fields", ""))
            if not (title_en or title_es or names):
                continue
            section = _("Section %(n)d") % {"n": i + 1}
            unknown = [n for n in names if n not in self.choices["sections"]]
            twice = sorted({n for n in names if n in placed or names.count(n) > 1} - set(unknown))
            if not (title_en or title_es):
                self.add_error(f"s{i}_title_en", _("“%(section)s”: give it a title in English or Spanish.")
                               % {"section": section})
            if not names:
                self.add_error(f"s{i}_fields", _("“%(section)s”: list at least one field, or clear its title.")
                               % {"section": section})
            if unknown:
                self.add_error(f"s{i}_fields", _("“%(section)s”: unknown fields: %(names)s.")
                               % {"section": section, "names": ", ".join(unknown)})
            if twice:
                self.add_error(f"s{i}_fields", _("“%(section)s”: each field can be placed only once: %(names)s.")
                               % {"section": section, "names": ", ".join(twice)})
            placed.update(names)
            sections.append({"title_en": title_en or title_es, "title_es": title_es or title_en,
                             "fields": list(dict.fromkeys(names))})
        if not sections:
            self.add_error(None, _("Add at least one section."))
        for name, label in self._required_fields():
            if sections and name not in placed:
                self.add_error(None, _("“%(label)s” (%(name)s) is required in the form: place it in a section.")
                               % {"label": label, "name": name})
        return sections

    def _required_fields(self) -> list[tuple[str, str]]:
        hidden = {n for n, level in self.role.rule(self.entity.key).fields.items() if level == HIDDEN} \
            if self.role else set()
        required = [n for n, f in self.entity.form_class.base_fields.items() if f.required]
        required += [d.form_name for d in self.entity.custom_fields if d.required]
        return [(n, self.choices["sections"].get(n, n)) for n in required if n not in hidden]

    def _clean_columns(self, cleaned) -> list[str]:
        chosen = [(cleaned.get(f"colpos_{n}") or 1000 + index, index, n)
                  for index, n in enumerate(self.column_order) if cleaned.get(f"col_{n}")]
        if not chosen:
            self.add_error(None, _("Choose at least one list column."))
        return [n for _pos, _index, n in sorted(chosen)]
