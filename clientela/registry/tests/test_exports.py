"""Exports: CSV and Excel share one row source — visible records only, formulas neutralised."""

from io import BytesIO

from openpyxl import load_workbook

from clientela.customers.tests import factories
from conftest import login

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_xlsx(client, url="/contacts/export.xlsx", params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    return response, workbook.active


def rows_by_header(sheet) -> list[dict]:
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_excel_export_opens_with_the_list_columns_and_a_bold_frozen_header(in_acme):
    admin = in_acme.users["admin"]
    lucia = factories.contact(admin, first="Lucía", last="Peña", job_title="Buyer",
                              emails=[{"email": "lucia@bodegaspena.es", "label": "work"}])

    response, sheet = download_xlsx(login(admin))

    assert response["Content-Disposition"].startswith('attachment; filename="contacts-')
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert sheet.title == "Contacts" and sheet.freeze_panes == "A2"
    assert sheet["A1"].value == "id" and sheet["B1"].font.b
    [row] = rows_by_header(sheet)
    assert row["id"] == str(lucia.pk)
    assert row["name"] == "Lucía Peña" and row["job title"] == "Buyer"
    assert "lucia@bodegaspena.es" in row.values()


def test_cells_starting_like_a_formula_are_stored_as_text_with_a_leading_quote(in_acme):
    admin = in_acme.users["admin"]
    factories.contact(admin, first='=HYPERLINK("http://evil.example","Click")', last="Ruiz",
                      job_title="+34 600", description="@SUM(A1:A9)")
    factories.contact(admin, first="Ana", last="Gil", job_title="\x01=cmd|' /C calc'!A0", description="-1+1")

    _response, sheet = download_xlsx(login(admin), params={"sort": "name"})

    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type == "s" for cell in cells if cell.value is not None)  # no formula, no number
    ana, ruiz = rows_by_header(sheet)
    assert ruiz["name"] == "'=HYPERLINK(\"http://evil.example\",\"Click\") Ruiz"
    assert ruiz["job title"] == "'+34 600"
    assert ruiz["description"] == "'@SUM(A1:A9)"
    assert ana["job title"] == "'=cmd|' /C calc'!A0"  # a control character cannot hide the formula
    assert ana["description"] == "'-1+1"


def test_excel_and_csv_hold_the_same_rows(in_acme):
    admin = in_acme.users["admin"]
    factories.contact(admin, first="=1+1", last="Sanz")
    client = login(admin)

    csv_body = b"".join(client.get("/contacts/export.csv").streaming_content).decode()
    _response, sheet = download_xlsx(client)

    assert "'=1+1 Sanz" in csv_body
    assert rows_by_header(sheet)[0]["name"] == "'=1+1 Sanz"


def test_only_records_the_user_may_see_and_the_list_filters_are_exported(in_acme):
    rep, rep2 = in_acme.users["rep"], in_acme.users["rep2"]
    factories.contact(rep, first="Mine", last="Lead")
    factories.contact(rep, first="Mine", last="Customer", lifecycle_status="customer")
    factories.contact(rep2, first="Other", last="Team")  # rep2 is in another team

    _response, everything = download_xlsx(login(rep))
    _response, customers = download_xlsx(login(rep), params={"f_lifecycle_status": "customer"})

    assert sorted(row["name"] for row in rows_by_header(everything)) == ["Mine Customer", "Mine Lead"]
    assert [row["name"] for row in rows_by_header(customers)] == ["Mine Customer"]


def test_a_role_without_export_gets_403_and_no_export_links(in_acme):
    readonly, rep = login(in_acme.users["readonly"]), login(in_acme.users["rep"])

    assert readonly.get("/contacts/export.xlsx").status_code == 403
    assert "Export Excel" not in readonly.get("/contacts/").content.decode()
    page = rep.get("/contacts/", {"f_lifecycle_status": "customer"}).content.decode()
    assert 'href="/contacts/export.xlsx?f_lifecycle_status=customer"' in page
