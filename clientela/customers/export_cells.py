"""How exports compute the customers' computed list columns from plain rows (see registry.export_cells).

Each must read exactly like the model method it stands for (`Contact.primary_email`, …): the same
related rows, in the same order, as the same text.
"""

from clientela.common import phones
from clientela.common.phones_fast import display_fast
from clientela.registry.export_cells import RelatedCell, RowCell, first_by, register_cell, with_ids

from .models import Address, Affiliation, Company, Contact, EmailAddress, PhoneNumber


def _first_email(owner: str):
    def load(ids):
        return first_by(with_ids(EmailAddress.objects.all(), owner, ids).values_list(f"{owner}_id", "email"),
                        text=lambda row: row[1])
    return RelatedCell(load)


def _first_phone(owner: str):
    def load(ids):
        home = phones.default_region()
        return first_by(with_ids(PhoneNumber.objects.all(), owner, ids).values_list(f"{owner}_id", "number"),
                        text=lambda row: display_fast(row[1], home))
    return RelatedCell(load)


def _primary_company(ids):
    """The primary affiliation's company, else the first one (as `Contact.primary_company` sorts them)."""
    found: dict = {}
    for contact, is_primary, name in with_ids(Affiliation.objects.all(), "contact", ids).values_list(
            "contact_id", "is_primary", "company__name"):
        if contact not in found or (is_primary and not found[contact][0]):
            found[contact] = (is_primary, name)
    return {contact: name for contact, (_primary, name) in found.items()}


def _company_city(ids):
    return first_by(with_ids(Address.objects.all(), "company", ids).values_list("company_id", "city"),
                    text=lambda row: row[1])


register_cell(Contact, "name", RowCell(("first_name", "last_name"), lambda first, last: f"{first} {last}".strip()))
register_cell(Contact, "primary_email", _first_email("contact"))
register_cell(Contact, "primary_phone", _first_phone("contact"))
register_cell(Contact, "primary_company", RelatedCell(_primary_company))
register_cell(Company, "primary_phone", _first_phone("company"))
register_cell(Company, "city", RelatedCell(_company_city))
