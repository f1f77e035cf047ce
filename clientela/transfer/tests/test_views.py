"""The wizard as a user goes through it, with the real task worker."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from clientela.customers.models import Contact
from clientela.transfer.models import ImportJob, ImportMapping
from clientela.workspaces.scoping import use_workspace
from conftest import login

from .helpers import csv_bytes, worker_dies_after

pytestmark = pytest.mark.django_db(transaction=True)


def run_tasks():
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def upload(client, data, name="clientes.csv", **extra):
    return client.post("/import/contacts/", {"file": SimpleUploadedFile(name, data), **extra})


def test_roles_without_import_get_403(acme):
    for role in ("rep", "support", "readonly"):
        client = login(acme.users[role])
        assert client.get("/import/contacts/").status_code == 403
        assert upload(client, csv_bytes([["Nombre"], ["Ana"]])).status_code == 403
    assert login(acme.users["marketing"]).get("/import/contacts/").status_code == 200


def test_wizard_dry_run_then_real_run_then_undo(acme):
    client = login(acme.users["admin"])
    data = csv_bytes([["Nombre", "Apellidos", "Correo electrónico", "Móvil", "Empresa"],
                      ["Ana", "Ruiz", "ana@x.es", "612345678", "Ruiz SA"],
                      ["", "Sin nombre", "malo", "", ""]], delimiter=";", encoding="cp1252")
    response = upload(client, data)
    assert response.status_code == 302
    mapping_url = response["Location"]
    page = client.get(mapping_url).content.decode()
    assert 'value="emails.email" selected' in page and 'value="affiliations.company_name" selected' in page
    columns = {f"col-{i}": t for i, t in enumerate(["first_name", "last_name", "emails.email", "phones.number",
                                                    "affiliations.company_name"])}
    response = client.post(mapping_url, {**columns, "dry_run": "on", "on_duplicate": "skip", "region": "es",
                                         "save_as": "Mi Excel"})
    assert response.status_code == 302
    job_url = response["Location"]
    assert "every 1s" in client.get(job_url).content.decode()  # polls while waiting
    run_tasks()
    report = client.get(job_url, headers={"HX-Request": "true"}).content.decode()
    assert "every 1s" not in report and "Sin nombre" not in report
    assert "errors.csv" in report
    with use_workspace(acme):
        assert not Contact.objects.exists()
        dry = ImportJob.objects.get()
        assert (dry.created, dry.rejected) == (1, 1)
        assert ImportMapping.objects.get().mapping["Correo electrónico"] == "emails.email"
    errors = client.get(f"{job_url}errors.csv").content.decode()
    assert "errors" in errors.splitlines()[0] and "malo" in errors
    response = client.post(f"{job_url}run/")
    real_url = response["Location"]
    run_tasks()
    assert "Finished" in client.get(real_url).content.decode()
    with use_workspace(acme):
        assert Contact.objects.get().emails.get().email == "ana@x.es"
        real = ImportJob.objects.get(dry_run=False)
    jobs_page = client.get("/import/contacts/jobs/").content.decode()
    assert f"/import/contacts/{real.pk}/undo/" in jobs_page
    client.post(f"/import/contacts/{real.pk}/undo/")
    with use_workspace(acme):
        assert not Contact.objects.exists()


def test_saved_mapping_is_reused_and_bad_files_get_a_clear_message(acme):
    client = login(acme.users["admin"])
    with use_workspace(acme):
        saved = ImportMapping.objects.create(workspace=acme, entity="contacts", name="Old CRM",
                                             mapping={"Col A": "first_name", "Col B": "emails.email"})
    response = upload(client, csv_bytes([["Col A", "Col B"], ["Ana", "a@x.es"]]), saved_mapping=str(saved.pk))
    page = client.get(response["Location"]).content.decode()
    assert 'value="first_name" selected' in page
    for data, name in ((b"", "empty.csv"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "photo.csv"),
                       (csv_bytes([["Email", "email"], ["a", "b"]]), "dup.csv")):
        response = upload(client, data, name)
        assert response.status_code == 200
        assert re.search(r'class="error"', response.content.decode()), name


def test_another_users_job_is_not_found(acme):
    with use_workspace(acme):
        client = login(acme.users["admin"])
        upload(client, csv_bytes([["Nombre"], ["Ana"]]))
        job = ImportJob.objects.get()
    assert login(acme.users["marketing"]).get(f"/import/contacts/{job.pk}/").status_code == 404


def test_a_failed_run_shows_why_and_resumes_after_the_committed_batches(acme, monkeypatch):

    client = login(acme.users["admin"])
    rows = [["Nombre", "Email"]] + [[f"Ana{i}", f"ana{i}@x.es"] for i in range(30)]
    mapping_url = upload(client, csv_bytes(rows))["Location"]
    with use_workspace(acme):
        job = ImportJob.objects.get()
        job.options["batch_size"] = 10
        job.save()
    job_url = client.post(mapping_url, {"col-0": "first_name", "col-1": "emails.email",
                                        "on_duplicate": "skip"})["Location"]
    revive = worker_dies_after(monkeypatch, 1, "worker killed")
    run_tasks()
    page = client.get(job_url).content.decode()
    assert "worker killed" in page and f"{job_url}resume/" in page
    with use_workspace(acme):
        assert Contact.objects.count() == 10
    revive()
    client.post(f"{job_url}resume/")
    run_tasks()
    with use_workspace(acme):
        job.refresh_from_db()
        assert (job.status, job.created, job.rows_done, Contact.objects.count()) == ("done", 30, 30, 30)
