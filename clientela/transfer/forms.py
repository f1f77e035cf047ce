from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ImportMapping

ENCODINGS = [("", _("Detect")), ("utf-8", "UTF-8"), ("utf-16", "UTF-16"), ("cp1252", "Windows-1252"),
             ("latin-1", "Latin-1 (ISO-8859-1)")]
DELIMITERS = [("", _("Detect")), (",", _("Comma (,)")), (";", _("Semicolon (;)")), ("\t", _("Tab")),
              ("|", _("Vertical bar (|)"))]
DECIMAL_MARKS = [("", _("Detect from the values")), (",", _("1.234,56 (decimal comma)")),
                 (".", _("1,234.56 (decimal point)"))]
DUPLICATES = [("skip", _("Skip the row")), ("update", _("Update the existing record")),
              ("fill", _("Fill in only what the existing record is missing")),
              ("create", _("Create a new record anyway"))]
DATE_ORDERS = [("", _("Detect from the values")), ("dmy", _("day/month/year")), ("mdy", _("month/day/year")),
               ("ymd", _("year-month-day"))]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File (CSV or XLSX)"))
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODINGS, required=False)
    sheet = forms.CharField(label=_("Sheet"), required=False, max_length=100,
                            help_text=_("For XLSX files; the first sheet if left empty."))
    saved_mapping = forms.ModelChoiceField(label=_("Saved mapping"), queryset=ImportMapping.objects.none(),
                                           required=False, empty_label=_("Suggest from the column names"))

    def __init__(self, *args, entity_key: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["saved_mapping"].queryset = ImportMapping.objects.filter(entity=entity_key)


class OptionsForm(forms.Form):
    dry_run = forms.BooleanField(label=_("Dry run first (report what would happen, write nothing)"),
                                 required=False, initial=True)
    all_or_nothing = forms.BooleanField(
        label=_("All or nothing"), required=False,
        help_text=_("If any row is rejected, import nothing (otherwise the valid rows are imported)."))
    on_duplicate = forms.ChoiceField(label=_("When a row matches an existing record"), choices=DUPLICATES)
    region = forms.CharField(label=_("Default country of phone numbers"), max_length=2, required=False,
                             help_text=_("Two-letter code, e.g. ES, MX, US."))
    date_order = forms.ChoiceField(label=_("Dates"), choices=DATE_ORDERS, required=False)
    decimal_mark = forms.ChoiceField(label=_("Numbers"), choices=DECIMAL_MARKS, required=False)
    save_as = forms.CharField(label=_("Save this mapping as"), max_length=120, required=False)


class FileSettingsForm(forms.Form):
    """How the file is read, shown with what was detected, to change before mapping: encoding and separator of
    a CSV file, the sheet of an XLSX one."""

    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODINGS, required=False)
    delimiter = forms.ChoiceField(label=_("Separator"), choices=DELIMITERS, required=False)
    sheet = forms.ChoiceField(label=_("Sheet"), choices=[], required=False)

    def __init__(self, *args, sheets: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if sheets is None:  # a CSV file
            del self.fields["sheet"]
        else:
            del self.fields["encoding"], self.fields["delimiter"]
            self.fields["sheet"].choices = [(name, name) for name in sheets]
