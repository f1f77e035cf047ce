"""The picklist editor: one row per option (a formset) plus what the list depends on and why it changed."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from clientela.common.forms import name_fields_in_messages
from clientela.customization import picklists

DEFAULT_COLOR = "#4a7bd0"  # what an <input type="color"> starts at; only used when "Colour" is ticked


class PicklistForm(forms.Form):
    controlled_by = forms.ChoiceField(
        label=_("Options depend on"), required=False,
        help_text=_("Pick a field to offer each option only for some of its values (“Offered when”)."))
    reason = forms.CharField(label=_("Reason for the change"), max_length=300, required=False,
                             help_text=_("Kept in the configuration change log."))

    def __init__(self, *args, controllers: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["controlled_by"].choices = [("", _("Nothing: always offer every active option"))] + [
            (name, meta["label"]) for name, meta in controllers.items()]
        name_fields_in_messages(self)


class OptionForm(forms.Form):
    value = forms.CharField(label=_("Value"), max_length=60)
    label_en = forms.CharField(label=_("English label"), max_length=80)
    label_es = forms.CharField(label=_("Spanish label"), max_length=80)
    colored = forms.BooleanField(label=_("Colour"), required=False)
    color = forms.CharField(label=_("Colour value"), max_length=7, initial=DEFAULT_COLOR,
                            widget=forms.TextInput(attrs={"type": "color"}))
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    position = forms.IntegerField(label=_("Position"), required=False, min_value=1,
                                  widget=forms.NumberInput(attrs={"size": 3}))
    when = forms.MultipleChoiceField(label=_("Offered when"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, when_choices=(), max_length=60, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["value"] = forms.CharField(label=_("Value"), max_length=max_length,
                                               help_text=_("Stored in records; fixed once created."))
        if self.initial.get("value"):
            self.fields["value"].disabled = True  # records hold it: it can be relabelled, never changed
        if when_choices:
            self.fields["when"].choices = list(when_choices)
        else:
            del self.fields["when"]
        name_fields_in_messages(self)

    def clean_color(self):
        color = self.cleaned_data.get("color") or DEFAULT_COLOR
        if not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
            raise forms.ValidationError(_("“Colour value”: use the #rrggbb form."), code="bad_color")
        return color.lower()

    def option(self) -> dict:
        data = self.cleaned_data
        return {"value": data["value"].strip(), "label_en": data["label_en"].strip(),
                "label_es": data["label_es"].strip(), "color": data["color"] if data.get("colored") else "",
                "active": bool(data.get("active")), "when": list(data.get("when") or [])}


class BaseOptionFormSet(forms.BaseFormSet):
    def clean(self):
        seen = set()
        for form in self.forms:
            if not form.has_changed() and form not in self.initial_forms:
                continue
            value = (getattr(form, "cleaned_data", {}).get("value") or "").strip()
            if value and value in seen:
                form.add_error("value", _("“Value”: each value may appear only once."))
            seen.add(value)
        if any(self.errors):
            return
        if not any(o["active"] for o in self.options()):
            raise forms.ValidationError(_("Keep at least one option active."), code="no_active")

    def options(self) -> list[dict]:
        """The rows as options, ordered by position (rows without one keep their place, after numbered ones)."""
        rows = []
        for index, form in enumerate(self.forms):
            if form not in self.initial_forms and not form.has_changed():
                continue
            position = form.cleaned_data.get("position")
            rows.append((position if position is not None else 10_000 + index, index, form.option()))
        return [option for _p, _i, option in sorted(rows, key=lambda r: (r[0], r[1]))]


OptionFormSet = forms.formset_factory(OptionForm, formset=BaseOptionFormSet, extra=1, can_delete=False)


def option_initial(options: list[dict]) -> list[dict]:
    return [{"value": o["value"], "label_en": o["label_en"], "label_es": o["label_es"],
             "colored": bool(o["color"]), "color": o["color"] or DEFAULT_COLOR, "active": o["active"],
             "position": index, "when": o["when"]} for index, o in enumerate(options, start=1)]


def when_choices(controller: dict | None) -> list[tuple[str, str]]:
    if controller is None:
        return []
    return [(o["value"], picklists.label(o)) for o in controller["options"]]
