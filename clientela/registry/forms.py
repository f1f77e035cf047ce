"""The base form of every registered entity."""

from django import forms

from clientela.common.forms import name_fields_in_messages
from clientela.workspaces.selectors import workspace_members


class RecordForm(forms.ModelForm):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            self.fields["owner"].queryset = workspace_members()
            if self.instance._state.adding and user is not None and not self.is_bound:
                self.initial["owner"] = self.initial.get("owner") or user.pk
        name_fields_in_messages(self)


class ChildForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_fields_in_messages(self)
