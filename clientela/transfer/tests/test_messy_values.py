"""Values as real files write them: thousands separators, UTF-16 without its mark, an error file fixed and
imported again."""

import csv
import io
import struct
from decimal import Decimal

import pytest
from openpyxl import Workbook

from clientela.customers.models import Company, Contact
from clientela.transfer.normalise import detect_decimal_mark, to_decimal, unquote
from clientela.transfer.readers import ImportFileError, read_table
from clientela.transfer.services import error_file

from .helpers import csv_bytes, run_import


def revenues(user, values, **options) -> dict[str, Decimal | None]:
    rows = [["Empresa", "Facturación"]] + [[f"Company {n}", value] for n, value in enumerate(values)]
    job = run_import(user, csv_bytes(rows, delimiter=";"), entity="companies",
                     mapping={"Empresa": "name", "Facturación": "annual_revenue"}, **options)
    assert job.rejected == 0, list(job.rows.values_list("errors", flat=True))
    return dict(Company.objects.values_list("name", "annual_revenue"))


# -- thousands separators --------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "mark", "expected"), [
    ("1.500", ",", "1500"), ("1.500", ".", "1.500"), ("1,500", ".", "1500"), ("1,500", ",", "1.500"),
    ("1.500,75", ".", "1500.75"), ("1,500.75", ",", "1500.75"), ("1.234.567", ".", "1234567"),
    ("1,234,567", ",", "1234567"), ("2.5", ",", "2.5"), ("2,5", ".", "2.5"), ("0,500", ".", "0.500"),
    ("-1.500 €", ",", "-1500"), ("12.345", ",", "12345"), ("1500,00", ".", "1500.00"), ("1.2.3", ",", "1.2.3"),
    ("1,5,0", ".", "1,5,0"), ("abc", ",", "abc"),
])
def test_a_number_reads_by_its_own_separators_or_else_by_the_mark_given(value, mark, expected):
    assert to_decimal(value, mark) == expected


@pytest.mark.parametrize(("values", "mark"), [
    (["1.500", "1.500,75"], ","), (["1.500", "2,5"], ","), (["1,500", "1,500.75"], "."), (["1.234.567"], ","),
    (["1,234,567"], "."), (["1.500", "12.345"], ""), (["Madrid", "", None], ""),
])
def test_a_column_s_decimal_mark_is_what_its_values_show(values, mark):
    assert detect_decimal_mark(values) == mark


@pytest.mark.django_db
@pytest.mark.parametrize("all_or_nothing", [False, True])
def test_spanish_thousands_in_a_column_with_decimal_commas(in_acme, all_or_nothing):
    in_acme.default_country = "US"  # the file's own values decide, not the workspace
    in_acme.save()
    got = revenues(in_acme.users["admin"], ["1.500", "1.500,75", "12.345", "1.234.567"],
                   all_or_nothing=all_or_nothing)
    assert got == {"Company 0": Decimal("1500"), "Company 1": Decimal("1500.75"), "Company 2": Decimal("12345"),
                   "Company 3": Decimal("1234567")}


@pytest.mark.django_db
def test_english_thousands_in_a_column_with_decimal_points(in_acme):
    got = revenues(in_acme.users["admin"], ["1,500", "1,500.75", "2.5"])  # a Spanish workspace
    assert got == {"Company 0": Decimal("1500"), "Company 1": Decimal("1500.75"), "Company 2": Decimal("2.5")}


@pytest.mark.django_db
def test_a_column_that_does_not_tell_follows_the_chosen_country_then_the_workspace(in_acme):
    admin = in_acme.users["admin"]
    assert revenues(admin, ["1.500", "1.234.567"])["Company 0"] == Decimal("1500")  # ES workspace
    Company.objects.all().delete()
    assert revenues(admin, ["1,500"], region="GB")["Company 0"] == Decimal("1500")
    Company.objects.all().delete()
    in_acme.default_country = "US"
    in_acme.save()
    assert revenues(admin, ["1,500"])["Company 0"] == Decimal("1500")
    Company.objects.all().delete()
    assert revenues(admin, ["1.500"], region="ES")["Company 0"] == Decimal("1500")


@pytest.mark.django_db
def test_a_number_that_cannot_be_read_names_the_field_and_the_rule(in_acme):
    data = csv_bytes([["Empresa", "Facturación"], ["Bad", "1.2.3"], ["Good", "1.500,5"]], delimiter=";")
    job = run_import(in_acme.users["admin"], data, entity="companies",
                     mapping={"Empresa": "name", "Facturación": "annual_revenue"})
    assert (job.created, job.rejected) == (1, 1)
    [error] = job.rows.get(action="rejected").errors
    assert error["field"] == "Annual revenue" and error["message"]


@pytest.mark.django_db
def test_spreadsheet_numbers_do_not_decide_how_its_texts_read(in_acme):
    book = Workbook()
    sheet = book.active
    for row in (["Empresa", "Facturación"], ["A", 2.5], ["B", "1.500"], ["C", "7,25"], ["D", 1500.75]):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    job = run_import(in_acme.users["admin"], out.getvalue(), "libro.xlsx", entity="companies",
                     mapping={"Empresa": "name", "Facturación": "annual_revenue"})
    assert job.rejected == 0
    assert dict(Company.objects.values_list("name", "annual_revenue")) == {
        "A": Decimal("2.5"), "B": Decimal("1500"), "C": Decimal("7.25"), "D": Decimal("1500.75")}


# -- UTF-16 without a byte-order mark -----------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_byte_order_mark_is_read(encoding):
    data = csv_bytes([["Nombre", "Ciudad"], ["Zoë", "Zürich"], ["Íñigo", "Málaga"]], delimiter="\t",
                     encoding=encoding)
    table = read_table(data, "export.csv")
    assert (table.encoding, table.delimiter, table.headers) == (encoding, "\t", ["Nombre", "Ciudad"])
    assert [cells for _number, cells in table.rows] == [["Zoë", "Zürich"], ["Íñigo", "Málaga"]]


def test_binary_with_nul_every_other_byte_is_still_refused():
    samples = b"".join(struct.pack("<h", (n * 37) % 200) for n in range(4000))  # 16-bit audio, say
    with pytest.raises(ImportFileError) as caught:
        read_table(samples, "sound.csv")
    assert caught.value.code == "binary_file"


@pytest.mark.django_db
def test_import_of_utf16_without_byte_order_mark(in_acme):
    data = csv_bytes([["First Name", "City"], ["Zoë", "Zürich"]], encoding="utf-16-le")
    job = run_import(in_acme.users["admin"], data)
    assert (job.created, job.options["encoding"]) == (1, "utf-16-le")
    assert Contact.objects.get().addresses.get().city == "Zürich"


# -- the error file, fixed and imported again ---------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("'=SUM(A1)", "=SUM(A1)"), ("'+34 699", "+34 699"), ("'-5", "-5"), ("'@x", "@x"), ("'\tx", "\tx"),
    ("'\rx", "\rx"), ("'Quoted'", "'Quoted'"), ("O'Brien", "O'Brien"), ("'5", "'5"), ("'", "'"), ("''=1", "''=1"),
])
def test_only_the_apostrophe_before_a_formula_start_goes(value, expected):
    assert unquote(value) == expected


@pytest.mark.django_db
def test_a_fixed_error_file_imports_the_values_it_was_given(in_acme):
    admin = in_acme.users["admin"]
    link = '=HYPERLINK("http://example.com","Web")'
    data = csv_bytes([["First Name", "Last Name", "Email", "Phone", "Description"],
                      ["Ana", "-Ruiz", "not-an-email", "+34 699 111 222", link],
                      ["Luis", "O'Brien", "luis@x.es", "612 345 678", "'Quoted'"]])
    job = run_import(admin, data)
    assert (job.created, job.rejected) == (1, 1)
    lines = list(csv.reader(io.StringIO(error_file(job))))
    assert lines[1][1:5] == ["'-Ruiz", "not-an-email", "'+34 699 111 222", f"'{link}"]
    lines[1][2] = "ana@x.es"  # the user fixes the email
    fixed = csv_bytes(lines)
    job = run_import(admin, fixed)
    assert (job.created, job.rejected) == (1, 0), list(job.rows.values_list("errors", flat=True))
    ana = Contact.objects.get(first_name="Ana")
    assert (ana.last_name, ana.description, ana.phones.get().number) == ("-Ruiz", link, "+34699111222")
    luis = Contact.objects.get(first_name="Luis")
    assert (luis.last_name, luis.description) == ("O'Brien", "'Quoted'")


def test_the_user_can_say_how_the_file_writes_numbers(in_acme):
    """A column with only "1.500" in it is ambiguous: the user's choice for the file decides."""
    admin = in_acme.users["admin"]
    assert revenues(admin, ["1.500"], decimal_mark=",")["Company 0"] == Decimal("1500")
    Company.objects.all().delete()
    data = csv_bytes([["Empresa", "Facturación"], ["Company 0", "1.500"]], delimiter=";")
    job = run_import(admin, data, entity="companies", mapping={"Empresa": "name", "Facturación": "annual_revenue"},
                     decimal_mark=".")
    assert "decimal places" in job.rows.get().errors[0]["message"]  # read as 1.500: more places than money has
