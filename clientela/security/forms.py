from django import forms
from django.utils.translation import gettext_lazy as _

from clientela.common.forms import name_fields_in_messages
from clientela.workspaces.models import Team
from clientela.workspaces.selectors import workspace_members


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "parent", "members"]
        widgets = {"members": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = workspace_members()
        parents = Team.objects.all()
        if not self.instance._state.adding:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].empty_label = _("None (top level)")
        name_fields_in_messages(self)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = Team.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("“Name”: a team called “%(name)s” already exists."),
                                        params={"name": name}, code="unique")
        return name

    def clean_parent(self):
        parent = self.cleaned_data.get("parent")
        node = parent
        while node is not None and not self.instance._state.adding:
            if node.pk == self.instance.pk:
                raise forms.ValidationError(_("“Parent team”: a team cannot sit under itself or its own sub-team."),
                                            code="cycle")
            node = node.parent
        return parent
