"""Forms for workspace settings that need the entity registry: roles and sharing rules."""

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from clientela.common.forms import name_fields_in_messages
from clientela.registry import entities
from clientela.security.models import Role, SharingRule
from clientela.security.role_services import roles_of_workspace
from clientela.security.roles import FIELD_ACCESS_LABELS, SCOPE_LABELS, VERB_LABELS, VERBS, RoleSpec
from clientela.workspaces.models import Team


def editable_fields(entity) -> list[tuple[str, str]]:
    """(name, label) of the fields a role may hide or make read-only: the form's fields and inline sets."""
    names = [(name, str(field.label or name)) for name, field in entity.form_class.base_fields.items()]
    names = [(n, entity.field_label(n) if n in {f.name for f in entity.model._meta.get_fields()} else label)
             for n, label in names]
    return names + [(inline.name, str(inline.label)) for inline in entity.inlines]


class RoleForm(forms.Form):
    """A role's name and flags, then per entity: verbs, record scopes and field access."""

    name = forms.CharField(label=_("Name"), max_length=80)
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    is_admin = forms.BooleanField(label=_("Administrator (manages users, roles and settings)"), required=False)
    requires_two_factor = forms.BooleanField(label=_("Requires two-factor login"), required=False)
    reason = forms.CharField(label=_("Reason for the change"), max_length=300, required=False,
                             help_text=_("Optional; kept in the change log."))

    def __init__(self, *args, spec: RoleSpec | None = None, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.creating = creating
        self.sections = []
        for entity in entities.all_entities():
            rule = spec.rule(entity.key) if spec else None
            prefix = entity.key
            verbs = []
            for verb in VERBS:
                name = f"{prefix}__verb__{verb}"
                self.fields[name] = forms.BooleanField(label=VERB_LABELS[verb], required=False,
                                                       initial=bool(rule and verb in rule.verbs))
                verbs.append(name)
            for scope_name, label in (("view_scope", _("Records they see")), ("edit_scope", _("Records they change"))):
                self.fields[f"{prefix}__{scope_name}"] = forms.ChoiceField(
                    label=label, choices=list(SCOPE_LABELS.items()),
                    initial=getattr(rule, scope_name, "all" if scope_name == "view_scope" else "own"))
            field_names = []
            for name, label in editable_fields(entity):
                key = f"{prefix}__field__{name}"
                self.fields[key] = forms.ChoiceField(label=label, choices=list(FIELD_ACCESS_LABELS.items()),
                                                     required=False, initial=rule.fields.get(name, "") if rule else "")
                field_names.append(key)
            self.sections.append({"entity": entity, "verbs": verbs, "scopes": [f"{prefix}__view_scope",
                                                                             f"{prefix}__edit_scope"],
                                  "fields": field_names})
        if spec and not self.is_bound:
            self.initial.update(name=str(spec.name), is_admin=spec.is_admin,
                                requires_two_factor=spec.requires_two_factor)
        name_fields_in_messages(self)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if self.creating:
            key = slugify(name)[:40]
            if not key:
                raise forms.ValidationError(_("“Name”: use letters or numbers."), code="invalid")
            taken = {spec.key for spec in roles_of_workspace()} | {str(s.name).lower() for s in roles_of_workspace()}
            if key in taken or name.lower() in taken or Role.objects.filter(key=key).exists():
                raise forms.ValidationError(_("“Name”: a role with this name already exists."), code="unique")
        return name

    def rules(self) -> dict:
        data = self.cleaned_data
        rules = {}
        for section in self.sections:
            key = section["entity"].key
            rules[key] = {
                "verbs": [name.rsplit("__", 1)[1] for name in section["verbs"] if data.get(name)],
                "view_scope": data[f"{key}__view_scope"],
                "edit_scope": data[f"{key}__edit_scope"],
                "fields": {name.rsplit("__", 1)[1]: data[name] for name in section["fields"] if data.get(name)},
            }
        return rules


def rule_field_choices() -> list[tuple[str, str]]:
    choices = []
    for entity in entities.all_entities():
        for name, label in entity.rule_fields().items():
            choices.append((f"{entity.key}:{name}", f"{str(entity.label_plural).capitalize()} — {label}"))
    return choices


class SharingRuleForm(forms.ModelForm):
    target = forms.ChoiceField(label=_("Records where"), choices=())
    reason = forms.CharField(label=_("Reason for the change"), max_length=300, required=False,
                             help_text=_("Optional; kept in the change log."))

    class Meta:
        model = SharingRule
        fields = ["name", "target", "value", "team", "can_edit", "is_active", "reason"]
        help_texts = {"value": _("For example ES for Spain, or customer for the lifecycle status.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = rule_field_choices()
        self.fields["team"].queryset = Team.objects.all()
        if not self.instance._state.adding:
            self.initial["target"] = f"{self.instance.entity}:{self.instance.field}"
        name_fields_in_messages(self)

    def clean(self):
        data = super().clean()
        target, value = data.get("target"), (data.get("value") or "").strip()
        if not target or not value:
            return data
        entity_key, field_name = target.split(":", 1)
        entity = entities.get(entity_key)
        allowed = _allowed_values(entity, field_name)
        if allowed is not None:
            match = next((code for code, label in allowed if value.lower() in (str(code).lower(),
                                                                                str(label).lower())), None)
            if match is None:
                self.add_error("value", _("“Value”: not one of the values of this field (e.g. %(examples)s).")
                               % {"examples": ", ".join(str(c) for c, _l in list(allowed)[:4])})
                return data
            value = str(match)
        self.instance.entity, self.instance.field = entity_key, field_name
        data["value"] = value
        return data


def _allowed_values(entity, field_name):
    if field_name.endswith("country"):
        return list(countries)
    model_field = entity.model._meta.get_field(field_name.split("__")[0])
    if model_field.choices:
        return list(model_field.choices)
    return None
