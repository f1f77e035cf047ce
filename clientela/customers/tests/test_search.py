import pytest

from clientela.customers.tests import factories
from conftest import login


@pytest.fixture
def people(in_acme):
    admin = in_acme.users["admin"]
    factories.company(admin, name="Bodegas Peña S.L.", website="https://www.bodegaspena.es",
                      phones=[{"number": "+34 954 123 456", "label": "work"}])
    factories.company(admin, name="Northwind Ltd", website="northwind.co.uk")
    lucia = factories.contact(admin, first="Lucía", last="Peña",
                              emails=[{"email": "lucia@bodegaspena.es", "label": "work"}],
                              phones=[{"number": "612 34 56 78", "label": "mobile"}])
    factories.contact(admin, first="John", last="Smith", emails=[{"email": "john@northwind.co.uk", "label": "work"}],
                      phones=[{"number": "+44 7911 123456", "label": "mobile"}])
    return lucia


def _found(client, text):
    return client.get("/search/", {"q": text}).content.decode()


@pytest.mark.parametrize("text", ["+34612345678", "612 34 56 78", "0034 612-345-678", "(612) 345 678", "612345678"])
def test_a_contact_is_found_by_phone_typed_in_any_format(people, text):
    assert "Lucía Peña" in _found(login(people.owner), text)


@pytest.mark.parametrize("text,expected", [
    ("Luc", "Lucía Peña"), ("peña", "Lucía Peña"), ("lucía p", "Lucía Peña"),
    ("lucia@bodegaspena.es", "Lucía Peña"), ("LUCIA@", "Lucía Peña"),
    ("bodegaspena.es", "Bodegas Peña S.L."), ("bodegaspena.es", "Lucía Peña"),
    ("https://www.northwind.co.uk", "Northwind Ltd"), ("+44 7911 123456", "John Smith"),
    ("954 12 34 56", "Bodegas Peña S.L."), ("Bodegas", "Bodegas Peña S.L."),
])
def test_global_search_finds_by_name_email_phone_and_domain(people, text, expected):
    assert expected in _found(login(people.owner), text)


def test_search_does_not_return_unrelated_records(people):
    page = _found(login(people.owner), "612 34 56 78")
    assert "John Smith" not in page and "Northwind" not in page


def test_phones_are_stored_e164_and_shown_in_national_format(people):
    phone = people.phones.get()
    assert phone.number == "+34612345678"
    page = login(people.owner).get(f"/contacts/{people.pk}/").content.decode()
    assert "612 34 56 78" in page


def test_company_suggestions_only_offer_companies_the_user_may_see(in_acme):
    factories.company(in_acme.users["rep"], name="Bodega Norte S.L.")
    factories.company(in_acme.users["rep2"], name="Bodega Sur S.L.")
    suggestions = login(in_acme.users["rep"]).get("/companies/names/", {"affiliations-0-company_name": "Bodega"})
    assert "Bodega Norte S.L." in suggestions.content.decode()
    assert "Bodega Sur S.L." not in suggestions.content.decode()
