from django import forms
from django.db.models import Q
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clientela.common import phones
from clientela.registry.forms import ChildForm, RecordForm
from clientela.workspaces.scoping import current_workspace

from .models import Address, Affiliation, Company, Contact, EmailAddress, PhoneNumber, Tag
from .selectors import company_by_name


class TagsField(forms.CharField):
    """Tags typed as a comma-separated list."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(getattr(t, "name", t)) for t in value)
        return value

    def clean(self, value):
        value = super().clean(value)
        names: dict[str, str] = {}
        for name in (n.strip()[:60] for n in (value or "").split(",")):
            if name:
                names.setdefault(name.lower(), name)  # "VIP, vip" is one tag
        return list(names.values())


class TaggedForm(RecordForm):
    tags = TagsField(label=_("Tags"), required=False, help_text=_("Separate tags with commas."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding and not self.is_bound:
            self.initial["tags"] = list(self.instance.tags.all())

    def _save_m2m(self):
        # `tags` holds names, not Tag ids: keep it away from the model's own M2M saving.
        if "tags" not in self.fields or self.fields["tags"].disabled:  # hidden or read-only for this role
            super()._save_m2m()
            return
        wanted = self.cleaned_data.pop("tags", [])
        try:
            super()._save_m2m()
        finally:
            self.cleaned_data["tags"] = wanted
        existing = {}
        if wanted:
            matches = Q()
            for name in wanted:
                matches |= Q(name__iexact=name)
            existing = {t.name.lower(): t for t in Tag.objects.filter(matches)}
        tags = [existing.get(n.lower()) or Tag.objects.create(workspace=self.instance.workspace, name=n)
                for n in wanted]
        self.instance.tags.set(tags)


class CompanyForm(TaggedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance._state.adding and "currency" in self.fields and not self.is_bound:
            self.initial["currency"] = current_workspace().default_currency

    def clean_currency(self):
        code = (self.cleaned_data.get("currency") or "").strip().upper()
        if len(code) != 3 or not code.isalpha():
            raise forms.ValidationError(_("“Currency” must be a three-letter ISO 4217 code such as EUR or USD."),
                                        code="invalid_currency")
        return code

    class Meta:
        model = Company
        fields = ["name", "website", "industry", "size", "lifecycle_status", "source", "owner", "tax_id",
                  "annual_revenue", "currency", "tags", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


CONSENTS = (("email_consent", "email_consent_date"), ("phone_consent", "phone_consent_date"))


def _consent_status_field(name):
    # Not required: a client that leaves the status out keeps the current one (the select always sends it).
    return Contact._meta.get_field(name).formfield(required=False)


class ContactForm(TaggedForm):
    email_consent = _consent_status_field("email_consent")
    phone_consent = _consent_status_field("phone_consent")

    class Meta:
        model = Contact
        fields = ["first_name", "last_name", "job_title", "lifecycle_status", "source", "owner",
                  "preferred_language", "birthday", "tags", "description",
                  "email_consent", "email_consent_date", "email_consent_source",
                  "phone_consent", "phone_consent_date", "phone_consent_source"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}),
                   "birthday": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "email_consent_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "phone_consent_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    @property
    def _stored_consent(self) -> dict:
        """The consents as stored: read in `clean`, before `_post_clean` copies the form's values onto the
        instance (and so right for a form re-bound to another record, as imports and bulk API writes do)."""
        return {status: (getattr(self.instance, status), getattr(self.instance, date)) for status, date in CONSENTS}

    def clean(self):
        """A consent whose status changes gets today's date unless the user gave one (UI and API alike).

        A date left at the stored one counts as not given: it belonged to the previous status.
        """
        cleaned = super().clean()
        if not any(name in self.fields for pair in CONSENTS for name in pair):  # e.g. a bulk change of a title
            return cleaned
        today = timezone.localdate()
        for status, date in CONSENTS:
            if date in self.fields and cleaned.get(date) and cleaned[date] > today:  # with or without its status
                self.add_error(date, forms.ValidationError(
                    _("“%(field)s”: the date cannot be in the future."),
                    params={"field": self.fields[date].label}, code="future_date"))
                continue
            if status not in self.fields:  # hidden from this user's role, or not part of this change
                continue
            stored_status, stored_date = self._stored_consent[status]
            cleaned[status] = cleaned.get(status) or stored_status
            given = cleaned.get(date) if date in self.fields else stored_date
            if cleaned[status] != stored_status and (given is None or given == stored_date):
                cleaned[date] = today
        return cleaned


class EmailForm(ChildForm):
    class Meta:
        model = EmailAddress
        fields = ["email", "label", "is_primary"]

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class PhoneForm(ChildForm):
    class Meta:
        model = PhoneNumber
        fields = ["number", "label", "is_primary"]
        widgets = {"number": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.number and not self.is_bound:
            self.initial["number"] = phones.display(self.instance.number)

    def clean_number(self):
        try:
            return phones.to_e164(self.cleaned_data["number"])
        except forms.ValidationError as exc:
            raise forms.ValidationError(_("“Phone”: %(rule)s"), params={"rule": exc.messages[0]},
                                        code="invalid_phone") from exc


class CompanyPhoneForm(PhoneForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["label"].initial = PhoneNumber.Label.WORK


class AddressForm(ChildForm):
    class Meta:
        model = Address
        fields = ["label", "street", "postal_code", "city", "region", "country", "is_primary"]


class AffiliationForm(ChildForm):
    company_name = forms.CharField(label=_("Company"), max_length=200,
                                   widget=forms.TextInput(attrs={
                                       "list": "company-names", "autocomplete": "off",
                                       "hx-get": reverse_lazy("company_names"), "hx-target": "#company-names",
                                       "hx-trigger": "input changed delay:200ms"}))

    class Meta:
        model = Affiliation
        fields = ["role", "is_primary"]

    field_order = ["company_name", "role", "is_primary"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding and not self.is_bound:
            self.initial["company_name"] = self.instance.company.name

    def clean_company_name(self):
        name = self.cleaned_data["company_name"].strip()
        company = company_by_name(name)
        if company is None:
            raise forms.ValidationError(
                _("“Company”: there is no company named “%(name)s”; create it first or pick one from the list."),
                params={"name": name}, code="unknown_company")
        self.instance.company = company
        return name


class AffiliationFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            company = form.instance.company_id
            if company in seen:
                form.add_error("company_name", _("“Company”: this company is already listed above."))
            seen.add(company)


def _formset(parent, model, form, fk_name, formset=BaseInlineFormSet):
    return inlineformset_factory(parent, model, form=form, formset=formset, fk_name=fk_name, extra=1,
                                 can_delete=True)


ContactEmails = _formset(Contact, EmailAddress, EmailForm, "contact")
ContactPhones = _formset(Contact, PhoneNumber, PhoneForm, "contact")
ContactAddresses = _formset(Contact, Address, AddressForm, "contact")
ContactCompanies = _formset(Contact, Affiliation, AffiliationForm, "contact", AffiliationFormSet)
CompanyEmails = _formset(Company, EmailAddress, EmailForm, "company")
CompanyPhones = _formset(Company, PhoneNumber, CompanyPhoneForm, "company")
CompanyAddresses = _formset(Company, Address, AddressForm, "company")
