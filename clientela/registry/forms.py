"""The base form of every registered entity."""

from django import forms

from clientela.common.forms import name_fields_in_messages
from clientela.customization.selectors import field_definitions
from clientela.security import access
from clientela.workspaces.selectors import workspace_members

from . import entities
from .custom_fields import add_form_fields, clean_custom_values
from .picklist_fields import picklists_apply, picklists_check, picklists_model_exclusions


class RecordForm(forms.ModelForm):
    """Knows its user: fields the user's role hides are left out, read-only ones are disabled."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        key = entities.for_model(self._meta.model).key
        self.custom_definitions = field_definitions(key)
        add_form_fields(self, self.custom_definitions)
        if user is not None:
            for name in access.hidden_fields(user, key):
                self.fields.pop(name, None)
            for name in access.read_only_fields(user, key):
                if name in self.fields:
                    self.fields[name].disabled = True
        # Picklists: the workspace's options (order, labels, added and deactivated values, dependencies).
        picklists_apply(self, key, self.custom_definitions)
        if "owner" in self.fields:
            self.fields["owner"].queryset = workspace_members()
            if self.instance._state.adding and user is not None and not self.is_bound:
                self.initial["owner"] = self.initial.get("owner") or user.pk
        name_fields_in_messages(self)

    def clean(self):
        cleaned = super().clean()
        picklists_check(self, cleaned)
        return cleaned

    def _get_validation_exclusions(self):
        return super()._get_validation_exclusions() | picklists_model_exclusions(self)

    def _post_clean(self):
        super()._post_clean()
        self.instance.custom = clean_custom_values(self, self.custom_definitions)


class ChildForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_fields_in_messages(self)
