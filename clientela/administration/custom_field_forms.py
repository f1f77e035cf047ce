"""The form an administrator fills to add or change a custom field."""

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from clientela.common.forms import name_fields_in_messages
from clientela.customization.kinds import KEY_PATTERN
from clientela.customization.models import FieldDefinition, FieldKind
from clientela.registry import entities

OPTION_KINDS = {FieldKind.PICKLIST, FieldKind.MULTI_PICKLIST}


class ChangeReasonMixin(forms.Form):
    reason = forms.CharField(label=_("Reason for the change"), max_length=300, required=False,
                             help_text=_("Optional; kept in the change log."))


class CustomFieldForm(forms.ModelForm):
    reason = ChangeReasonMixin.base_fields["reason"]
    key = forms.CharField(label=_("Key"), max_length=60, help_text=_("Stable name used by the API and imports."))
    options_text = forms.CharField(
        label=_("Options"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For lists: one option per line as value | English | Español | colour (optional), "
                    "e.g. gold | Gold | Oro | #d4a017."))

    class Meta:
        model = FieldDefinition
        fields = ["label_en", "label_es", "key", "kind", "help_text", "required", "unique", "default", "min_value",
                  "max_value", "regex", "lookup_entity", "show_in_list"]

    def __init__(self, *args, entity_key: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.entity_key = entity_key
        self.fields["lookup_entity"] = forms.ChoiceField(
            label=_("Links to"), required=False,
            choices=[("", "—")] + [(e.key, str(e.label_plural).capitalize()) for e in entities.all_entities()])
        if not self.instance._state.adding:
            self.fields["key"].disabled = True  # stored values and integrations depend on it
            self.initial["options_text"] = "\n".join(
                " | ".join([o["value"], o.get("label_en", ""), o.get("label_es", ""), o.get("color", "")]).rstrip(" |")
                for o in self.instance.options)
        name_fields_in_messages(self)

    def clean_key(self):
        key = self.cleaned_data["key"]
        if not KEY_PATTERN.match(key or ""):
            raise forms.ValidationError(_("“Key”: use lowercase letters, digits and _ , starting with a letter."),
                                        code="invalid_key")
        clash = FieldDefinition.with_trashed.filter(entity=self.entity_key, key=key)
        if clash.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("“Key”: another field of this record type (maybe in the trash) uses it."),
                                        code="duplicate_key")
        if key in {f.name for f in entities.get(self.entity_key).model._meta.get_fields()}:
            raise forms.ValidationError(_("“Key”: a built-in field already has this name."), code="duplicate_key")
        return key

    def clean_regex(self):
        pattern = self.cleaned_data.get("regex", "")
        if pattern:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise forms.ValidationError(_("“Pattern”: not a valid regular expression (%(error)s).")
                                            % {"error": exc}, code="bad_regex") from exc
        return pattern

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == FieldKind.LOOKUP and not entities.get_or_none(data.get("lookup_entity") or ""):
            self.add_error("lookup_entity", _("“Links to”: choose the kind of record this field links to."))
        options = _parse_options(data.get("options_text", ""))
        if kind in OPTION_KINDS:
            if not options:
                self.add_error("options_text", _("“Options”: a list needs at least one option."))
            values = [o["value"] for o in options]
            if len(values) != len(set(values)):
                self.add_error("options_text", _("“Options”: each value may appear only once."))
        mn, mx = data.get("min_value"), data.get("max_value")
        if mn is not None and mx is not None and mn > mx:
            self.add_error("max_value", _("“Maximum” must not be below the minimum."))
        previous = {o["value"]: o for o in self.instance.options} if not self.instance._state.adding else {}
        for option in options:  # dependent-picklist settings are edited on the picklist page; keep them
            if previous.get(option["value"], {}).get("when"):
                option["when"] = previous[option["value"]]["when"]
        if previous:
            for gone in set(previous) - {o["value"] for o in options}:
                options.append({**previous[gone], "active": False})  # old values stay readable
        self.instance.options = options if kind in OPTION_KINDS else []
        self.instance.entity = self.entity_key
        return data


def _parse_options(text: str) -> list[dict]:
    options = []
    for line in (text or "").splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not parts[0]:
            continue
        value = parts[0]
        label_en = parts[1] if len(parts) > 1 and parts[1] else value
        label_es = parts[2] if len(parts) > 2 and parts[2] else label_en
        option = {"value": value, "label_en": label_en, "label_es": label_es, "active": True}
        if len(parts) > 3 and re.fullmatch(r"#[0-9a-fA-F]{6}", parts[3]):
            option["color"] = parts[3]
        options.append(option)
    return options
