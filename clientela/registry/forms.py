"""The base form of every registered entity: messages that name the field and the rule."""

from django import forms
from django.utils.translation import gettext_lazy as _

from clientela.workspaces.models import User
from clientela.workspaces.scoping import current_workspace

MESSAGES = {
    "required": _("“%(label)s” is required."),
    "invalid": _("“%(label)s” is not valid."),
    "invalid_choice": _("“%(label)s”: choose one of the listed options."),
}
LIMIT_MESSAGES = {
    "max_length": _("“%(label)s” can have at most %%(limit_value)d characters (it has %%(show_value)d)."),
    "min_value": _("“%(label)s” must be at least %%(limit_value)s."),
    "max_value": _("“%(label)s” must be at most %%(limit_value)s."),
}


def name_fields_in_messages(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        label = str(field.label or "")
        for code, message in MESSAGES.items():
            field.error_messages[code] = str(message) % {"label": label}
        for code, message in LIMIT_MESSAGES.items():
            field.error_messages[code] = str(message) % {"label": label}
        if isinstance(field, forms.EmailField):
            field.error_messages["invalid"] = _("“%(label)s” must be an email address like name@example.com.") % {
                "label": label}
        if isinstance(field, forms.URLField):
            field.error_messages["invalid"] = _("“%(label)s” must be a web address like https://example.com.") % {
                "label": label}
        if isinstance(field, forms.DateField):
            field.error_messages["invalid"] = _("“%(label)s” must be a date.") % {"label": label}


def workspace_members():
    return (User.objects.filter(memberships__workspace=current_workspace(), memberships__is_active=True)
            .order_by("full_name", "email"))


class RecordForm(forms.ModelForm):
    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            self.fields["owner"].queryset = workspace_members()
            if self.instance._state.adding and user is not None and not self.is_bound:
                self.initial.setdefault("owner", user.pk)
        name_fields_in_messages(self)


class ChildForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        name_fields_in_messages(self)
