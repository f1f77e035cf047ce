"""How exports compute the customers' computed list columns from plain rows (see registry.export_cells).

Each must read exactly like the model method it stands for (`Contact.primary_email`, …): the same
related rows, in the same order, as the same text. Emails, phones, affiliations and addresses all sort
primary first, then as added, so each of these columns is a value of the record's first related row.
"""

from clientela.common import phones
from clientela.common.phones_fast import display_fast
from clientela.registry.export_cells import FirstRowCell, RowCell, register_cell

from .models import Address, Affiliation, Company, Contact, EmailAddress, PhoneNumber


def _phone_texts(numbers: list) -> list[str]:
    home = phones.default_region()
    return ["" if number is None else display_fast(number, home) for number in numbers]


register_cell(Contact, "name", RowCell(("first_name", "last_name"), lambda first, last: f"{first} {last}".strip()))
register_cell(Contact, "primary_email", FirstRowCell(EmailAddress, "contact", "email"))
register_cell(Contact, "primary_phone", FirstRowCell(PhoneNumber, "contact", "number", _phone_texts))
register_cell(Contact, "primary_company", FirstRowCell(Affiliation, "contact", "company__name"))  # primary, else first
register_cell(Company, "primary_phone", FirstRowCell(PhoneNumber, "company", "number", _phone_texts))
register_cell(Company, "city", FirstRowCell(Address, "company", "city"))
