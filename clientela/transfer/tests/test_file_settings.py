"""The mapping page says how the file was read and lets the user read it another way."""

import io

import pytest
from openpyxl import Workbook

from clientela.transfer.models import ImportJob
from clientela.workspaces.scoping import use_workspace
from conftest import login

from .helpers import csv_bytes
from .test_views import upload

pytestmark = pytest.mark.django_db


def _columns(page: str) -> int:
    return page.count('name="col-')


def test_a_csv_is_read_again_with_another_separator(acme):
    client = login(acme.users["admin"])
    data = csv_bytes([["Nombre", "Correo electrónico", "Ciudad"], ["Íñigo", "i@x.es", "Sevilla"]],
                     delimiter=";", encoding="cp1252")
    url = upload(client, data)["Location"]
    page = client.get(url).content.decode()
    assert "Read as cp1252, columns separated by Semicolon (;)" in page and _columns(page) == 3

    assert client.post(url, {"reread": "1", "file-encoding": "", "file-delimiter": ","}).status_code == 302
    assert _columns(client.get(url).content.decode()) == 1  # one column: the whole line
    client.post(url, {"reread": "1", "file-encoding": "cp1252", "file-delimiter": ";"})
    page = client.get(url).content.decode()
    assert _columns(page) == 3 and 'value="emails.email" selected' in page  # suggested again
    with use_workspace(acme):
        assert ImportJob.objects.get().options["delimiter"] == ";"


def test_a_file_that_cannot_be_read_that_way_keeps_the_job_as_it_was(acme):
    client = login(acme.users["admin"])
    url = upload(client, csv_bytes([["Nombre", "Ciudad"], ["Ana", "Madrid"]]))["Location"]
    page = client.post(url, {"reread": "1", "file-encoding": "utf-16", "file-delimiter": ""}).content.decode()
    assert 'role="alert"' in page
    with use_workspace(acme):
        assert ImportJob.objects.get().mapping == {"Nombre": "first_name", "Ciudad": "addresses.city"}


def test_an_xlsx_sheet_is_chosen_from_the_files_sheets(acme):
    book = Workbook()
    book.active.title = "Resumen"
    book.active.append(["Total"])
    people = book.create_sheet("Clientes")
    people.append(["First Name", "Email"])
    people.append(["Ana", "ana@x.es"])
    data = io.BytesIO()
    book.save(data)
    client = login(acme.users["admin"])
    url = upload(client, data.getvalue(), name="clientes.xlsx")["Location"]
    page = client.get(url).content.decode()
    assert "Read from the sheet “Resumen”" in page and '<option value="Clientes">' in page and _columns(page) == 1
    client.post(url, {"reread": "1", "file-sheet": "Clientes"})
    page = client.get(url).content.decode()
    assert "Read from the sheet “Clientes”" in page and _columns(page) == 2
