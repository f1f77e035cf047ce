"""Imports find people already in the CRM by alike names, as the duplicate finder does."""

import pytest

from clientela.customers.models import Company, Contact
from clientela.customers.tests import factories
from clientela.merging.services import duplicate_settings_save
from clientela.transfer.models import ImportRow

from .helpers import csv_bytes, run_import

pytestmark = pytest.mark.django_db
HEADERS = ["First Name", "Last Name", "Company", "City"]


@pytest.fixture
def jose(in_acme):
    factories.company(in_acme.users["admin"], name="Aceites del Sur S.L.")
    return factories.contact(in_acme.users["admin"], first="José", last="Álvarez Núñez",
                             affiliations=[{"company_name": "Aceites del Sur S.L.", "role": ""}],
                             addresses=[{"label": "office", "city": "Sevilla", "country": "ES"}])


def test_a_typo_an_other_word_order_or_a_legal_form_still_finds_the_person(in_acme, jose):
    rows = [HEADERS,
            ["Jose", "Alvarez Nunes", "", "Sevilla"],  # a typo, same city
            ["Álvarez Núñez,", "José", "ACEITES DEL SUR SL", ""],  # names swapped, the company's legal form
            ["Josefa", "Martín", "", "Sevilla"]]  # someone else
    job = run_import(in_acme.users["admin"], csv_bytes(rows))
    assert (job.created, job.duplicates) == (1, 2)
    assert set(Contact.objects.values_list("first_name", flat=True)) == {"José", "Josefa"}
    messages = [e["message"] for row in ImportRow.objects.filter(job=job) for e in row.errors]
    assert "similar name, same city" in messages and "same name and company" in messages


def test_the_workspaces_threshold_decides_how_alike_names_must_be(in_acme, jose):
    duplicate_settings_save(name_threshold=100, by=in_acme.users["admin"])
    rows = [HEADERS, ["Jose", "Alvarez Nunes", "", "Sevilla"]]
    assert run_import(in_acme.users["admin"], csv_bytes(rows)).created == 1


def test_update_by_a_similar_name_changes_that_record(in_acme, jose):
    rows = [["First Name", "Last Name", "City", "Title"], ["Jose", "Alvarez Nunes", "Sevilla", "Gerente"]]
    job = run_import(in_acme.users["admin"], csv_bytes(rows), on_duplicate="update")
    jose.refresh_from_db()
    assert (job.updated, jose.job_title, Contact.objects.count()) == (1, "Gerente", 1)


def test_a_company_written_another_way_is_linked_not_created_again(in_acme, jose):
    rows = [["First Name", "Last Name", "Company"], ["Ana", "Ruiz", "ACEITES DEL SUR SL"],
            ["Eva", "Gil", "Aceites del Sur, S.L."], ["Leo", "Paz", "Olivos del Norte"]]
    job = run_import(in_acme.users["admin"], csv_bytes(rows))
    assert job.created == 3
    assert sorted(Company.objects.values_list("name", flat=True)) == ["Aceites del Sur S.L.", "Olivos del Norte"]
    ana = Contact.objects.get(first_name="Ana")
    assert ana.affiliations.get().company.name == "Aceites del Sur S.L."
