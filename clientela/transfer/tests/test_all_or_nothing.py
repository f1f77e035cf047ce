"""All-or-nothing imports: one rejected row and nothing is written; the default imports the valid rows."""

import pytest
from django.core.management import call_command

from clientela.customers.models import Company, Contact
from clientela.history.models import FieldChange
from clientela.transfer.models import ImportJob
from clientela.transfer.services import error_file
from clientela.workspaces.scoping import use_workspace
from conftest import login

from .helpers import csv_bytes, run_import

HEADERS = ["First Name", "Last Name", "Email", "Phone", "Company"]


def rows(bad: bool = True):
    data = [HEADERS] + [[f"Ana{i}", "Ruiz", f"ana{i}@x.es", f"6123450{i:02d}", "Ruiz SA"] for i in range(30)]
    if bad:
        data[17] = ["Eva", "Mal", "not-an-email", "612000999", "Nueva SL"]
    return csv_bytes(data)


@pytest.mark.django_db
def test_one_rejected_row_writes_nothing_and_says_why(in_acme):
    job = run_import(in_acme.users["admin"], rows(), batch_size=10, all_or_nothing=True)
    assert job.status == ImportJob.Status.DONE
    assert (job.created, job.rejected, job.rows_done) == (0, 1, 30)
    assert "Nothing was imported" in job.error
    assert not Contact.objects.exists() and not Company.objects.exists() and not FieldChange.objects.exists()
    rejected = job.rows.get()
    assert rejected.number == 17 and rejected.errors[0]["field"] == "Emails: Email"
    assert "email address" in rejected.errors[0]["message"]
    assert "not-an-email" in error_file(job)


@pytest.mark.django_db
def test_by_default_a_rejected_row_does_not_stop_the_others(in_acme):
    job = run_import(in_acme.users["admin"], rows(), batch_size=10)
    assert (job.created, job.rejected, job.error) == (29, 1, "")
    assert Contact.objects.count() == 29


@pytest.mark.django_db
def test_all_or_nothing_imports_a_clean_file_with_duplicates_skipped(in_acme):
    admin = in_acme.users["admin"]
    data = rows(bad=False)
    first = run_import(admin, data, batch_size=7, all_or_nothing=True)
    assert (first.created, first.rejected, first.error, first.rows_done) == (30, 0, "", 30)
    assert Company.objects.count() == 1
    again = run_import(admin, data, batch_size=7, all_or_nothing=True)
    assert (again.created, again.duplicates, again.error) == (0, 30, "")
    assert Contact.objects.count() == 30


@pytest.mark.django_db
def test_command_option(acme, tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_bytes(rows())
    call_command("import_data", "contacts", str(path), "--workspace", "acme", "--user", "admin@acme.example",
                 "--all-or-nothing")
    out = capsys.readouterr().out
    assert "Nothing was imported: 1 rows were rejected" in out and "row 17: Emails: Email:" in out
    with use_workspace(acme):
        assert not Contact.objects.exists()


@pytest.mark.django_db
def test_wizard_offers_the_option(acme):
    client = login(acme.users["admin"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    mapping_url = client.post("/import/contacts/", {"file": SimpleUploadedFile("p.csv", rows())})["Location"]
    assert "all_or_nothing" in client.get(mapping_url).content.decode()
    columns = {f"col-{i}": t for i, t in enumerate(["first_name", "last_name", "emails.email", "phones.number",
                                                    "affiliations.company_name"])}
    assert client.post(mapping_url, {**columns, "on_duplicate": "skip", "all_or_nothing": "on"}).status_code == 302
    with use_workspace(acme):
        assert ImportJob.objects.get().options["all_or_nothing"] is True
