from django.utils.translation import gettext_lazy as _

from clientela.registry import text_search
from clientela.registry.entities import Entity, Inline, register

from . import export_cells, forms  # noqa: F401 - export_cells registers how exports compute computed columns
from .models import Company, Contact
from .selectors import search_companies, search_contacts


def _email(row):
    return f"{row.email} ({row.get_label_display()})"


def _phone(row):
    return f"{row} ({row.get_label_display()})"


def _address(row):
    return f"{row} ({row.get_label_display()})"


def _affiliation(row):
    return f"{row.company} — {row.role}" if row.role else str(row.company)


def _company_related(user, company):
    """Notes of the company's contacts show on the company's timeline too."""
    return {"contacts": list(company.affiliations.values_list("contact_id", flat=True))}


def _contact_related(user, contact):
    return {"companies": list(contact.affiliations.values_list("company_id", flat=True))}


register(Entity(
    key="companies",
    model=Company,
    form_class=forms.CompanyForm,
    list_columns=["name", "industry", "primary_phone", "city", "lifecycle_status", "owner", "updated_at"],
    sortable=["name", "industry", "lifecycle_status", "owner", "updated_at"],
    sort_map={"owner": ("owner__full_name",)},
    column_sources={"primary_phone": "phones", "city": "addresses"},
    extra_rule_fields={"addresses__country": _("country")},
    search_fields=["name", "domain", "tax_id"],
    filters=["lifecycle_status", "industry", "size", "source", "owner", "tags"],
    bulk_fields=["owner", "lifecycle_status", "industry", "source"],
    detail_fields=["website", "industry", "size", "lifecycle_status", "source", "tax_id", "annual_revenue",
                   "currency", "owner", "tags",
                   "description", "created_by", "created_at", "updated_by", "updated_at"],
    inlines=[
        Inline("phones", _("Phones"), forms.CompanyPhones, _phone),
        Inline("emails", _("Emails"), forms.CompanyEmails, _email),
        Inline("addresses", _("Addresses"), forms.CompanyAddresses, _address),
    ],
    prefetch_related=["phones", "addresses"],
    searcher=search_companies,
    related_records=_company_related,
))

register(Entity(
    key="contacts",
    model=Contact,
    form_class=forms.ContactForm,
    list_columns=["name", "primary_email", "primary_phone", "primary_company", "lifecycle_status", "owner",
                  "updated_at"],
    sortable=["name", "lifecycle_status", "owner", "updated_at"],
    sort_map={"name": ("last_name", "first_name"), "owner": ("owner__full_name",)},
    column_sources={"primary_email": "emails", "primary_phone": "phones", "primary_company": "affiliations",
                    "name": "first_name"},
    extra_rule_fields={"addresses__country": _("country")},
    search_fields=["first_name", "last_name", "job_title"],
    filters=["lifecycle_status", "source", "owner", "tags", "preferred_language", "email_consent",
             "phone_consent"],
    bulk_fields=["owner", "lifecycle_status", "source"],
    detail_fields=["job_title", "lifecycle_status", "source", "preferred_language", "birthday", "owner", "tags",
                   "description", "created_by", "created_at", "updated_by", "updated_at",
                   "email_consent", "email_consent_date", "email_consent_source",
                   "phone_consent", "phone_consent_date", "phone_consent_source", "anonymised_at"],
    inlines=[
        Inline("affiliations", _("Companies"), forms.ContactCompanies, _affiliation),
        Inline("emails", _("Emails"), forms.ContactEmails, _email),
        Inline("phones", _("Phones"), forms.ContactPhones, _phone),
        Inline("addresses", _("Addresses"), forms.ContactAddresses, _address),
    ],
    prefetch_related=["emails", "phones", "affiliations__company"],
    searcher=search_contacts,
    related_records=_contact_related,
))
text_search.COVERED_TABLES.add(Contact._meta.db_table)  # covering indexes: migrations 0006 (PostgreSQL), 0007 (SQLite)
