"""Form messages that name the field and the rule, and a dash for "no value" in selects, for every form in the project."""

from django import forms
from django.utils.translation import gettext_lazy as _

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


BLANK = "---------"  # Django's label for "no value" in a select


def name_fields_in_messages(form: forms.BaseForm) -> None:
    """Every field's messages name it; and, for the same forms, a select's "no value" shows as a dash."""
    for field in form.fields.values():
        _blank_as_dash(field)
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


def _blank_as_dash(field: forms.Field) -> None:
    if isinstance(field, forms.ModelChoiceField):
        if field.empty_label == BLANK:
            field.empty_label = "—"
    elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.MultipleChoiceField):
        choices = list(field.choices)
        if choices and choices[0][0] in ("", None) and choices[0][1] == BLANK:
            field.choices = [("", "—"), *choices[1:]]
