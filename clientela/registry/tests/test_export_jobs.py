"""Big exports run in the background with a progress page; the fast row source writes what the old one did."""

import datetime
import uuid
from io import BytesIO

import pytest
from django.core.management import call_command
from django.http import QueryDict
from django.utils import timezone, translation
from openpyxl import load_workbook

from clientela.customers.tests import factories
from clientela.registry import entities, exports
from clientela.registry.export_jobs import export_jobs_purge
from clientela.registry.models import ExportJob
from clientela.registry.selectors import ListQuery, record_list
from clientela.registry.tasks import export_job_task
from clientela.registry.visibility import entity_for
from clientela.security.models import AuditEntry
from conftest import login

from . import rich_data


@pytest.fixture
def small_threshold(settings):
    settings.CLIENTELA = {**settings.CLIENTELA, "EXPORT_BACKGROUND_ROWS": 1}


def _both_sources(user, key):
    entity = entity_for(user, entities.get(key))
    queryset = record_list(entity, user, ListQuery.from_params(entity, QueryDict()))
    columns = exports.export_columns(entity)
    fast = list(exports.csv_rows(entity, queryset))[1:]
    reference = [exports.neutralise_row(r) for r in exports.instance_rows(entity, queryset, columns)]
    return fast, reference


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_fast_row_source_writes_exactly_what_the_model_instances_give(in_acme, language):
    data = rich_data.build(in_acme)
    odd = {"employer": str(uuid.uuid4()), "tier": "retired", "regions": ["north", "gone"], "employees": 0}
    type(data["plain"]).objects.filter(pk=data["plain"].pk).update(custom=odd)  # links and options gone since
    admin = in_acme.users["admin"]
    admin.timezone = "America/Mexico_City"
    with translation.override(language), timezone.override(datetime.timezone(datetime.timedelta(hours=-6))):
        for key in ("contacts", "companies"):
            fast, reference = _both_sources(admin, key)
            assert fast == reference and len(fast) >= 2


def test_the_fast_row_source_shows_every_kind_of_value(in_acme):
    data = rich_data.build(in_acme)
    admin = in_acme.users["admin"]
    entity = entity_for(admin, entities.get("contacts"))
    header, *rows = list(exports.csv_rows(entity, record_list(entity, admin, ListQuery(sort="name"))))
    lucia = dict(zip(header, next(r for r in rows if r[0] == str(data["lucia"].pk)), strict=True))

    assert lucia["name"] == "Lucía Peña" and lucia["job title"] == "'-Buyer"  # formula neutralised
    assert lucia["email"] == "lucia@gmail.example"  # the primary one
    assert lucia["company"] == "Bodegas Peña" and lucia["tags"] == "vip, wine"
    assert lucia["Tier"] == "Gold" and lucia["Regions"] == "North, South" and lucia["Employer"] == "Bodegas Peña"
    assert lucia["Nickname"] == "'=SUM(A1)" and lucia["Vip"] == "Yes"
    assert str(data["trashed"].pk) not in {r[0] for r in rows}


def test_a_long_list_is_exported_in_the_background_with_progress_and_a_private_download(in_acme, small_threshold):
    rich_data.build(in_acme)
    admin = in_acme.users["admin"]
    client = login(admin)

    response = client.get("/contacts/export.csv", {"sort": "name"})

    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/contacts/exports/{job.pk}/"
    waiting = client.get(response["Location"]).content.decode()
    assert "Waiting" in waiting and 'hx-trigger="every 1s"' in waiting and "/download/" not in waiting

    export_job_task.call(str(job.pk))

    job.refresh_from_db()
    assert job.status == "done" and job.rows_done == job.total == 2
    partial = client.get(f"/contacts/exports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial and f"/contacts/exports/{job.pk}/download/" in partial
    download = client.get(f"/contacts/exports/{job.pk}/download/")
    body = b"".join(download.streaming_content).decode()
    assert download["Content-Disposition"].startswith('attachment; filename="contacts-')
    assert body.splitlines()[0].startswith("id,name,email")
    assert "Lucía Peña" in body and "Ana Gil" in body and "Borrado" not in body


def test_the_background_file_equals_the_streamed_one(in_acme, settings):
    rich_data.build(in_acme)
    client = login(in_acme.users["admin"])
    streamed = b"".join(client.get("/contacts/export.csv", {"sort": "name"}).streaming_content)

    settings.CLIENTELA = {**settings.CLIENTELA, "EXPORT_BACKGROUND_ROWS": 1}
    client.get("/contacts/export.csv", {"sort": "name"})
    job = ExportJob.objects.get()
    export_job_task.call(str(job.pk))

    background = b"".join(client.get(f"/contacts/exports/{job.pk}/download/").streaming_content)
    assert background.decode().splitlines() == streamed.decode().splitlines()


def test_only_the_requester_may_see_or_download_an_export(in_acme, small_threshold):
    rich_data.build(in_acme)
    client = login(in_acme.users["admin"])
    client.get("/contacts/export.xlsx")
    job = ExportJob.objects.get()
    export_job_task.call(str(job.pk))
    other_admin, manager = login(in_acme.users["manager"]), login(in_acme.users["rep"])

    for stranger in (other_admin, manager):
        assert stranger.get(f"/contacts/exports/{job.pk}/").status_code == 404
        assert stranger.get(f"/contacts/exports/{job.pk}/download/").status_code == 404
    download = client.get(f"/contacts/exports/{job.pk}/download/")
    sheet = load_workbook(BytesIO(b"".join(download.streaming_content))).active
    assert sheet["A1"].value == "id" and sheet.max_row == 3


def test_big_exports_are_audited_when_they_start(in_acme, settings):
    settings.CLIENTELA = {**settings.CLIENTELA, "EXPORT_BACKGROUND_ROWS": 1, "AUDIT_EXPORT_THRESHOLD": 1}
    admin = in_acme.users["admin"]
    for first in ("Ana", "Eva"):
        factories.contact(admin, first=first, last="Gil")

    login(admin).get("/contacts/export.csv", {"f_lifecycle_status": "lead"})

    entry = AuditEntry.objects.get(action="records.exported")
    assert entry.details["rows"] == 2 and entry.details["filters"] == {"lifecycle_status": "lead"}


def test_expired_exports_are_deleted_on_access_and_by_the_purge_command(in_acme, small_threshold):
    rich_data.build(in_acme)
    client = login(in_acme.users["admin"])
    for _ in range(2):
        client.get("/contacts/export.csv")
    first, second = ExportJob.objects.order_by("created_at")
    for job in (first, second):
        export_job_task.call(str(job.pk))
    past = timezone.now() - datetime.timedelta(seconds=1)
    ExportJob.objects.update(expires_at=past)
    storage, name = first.file.storage, ExportJob.objects.get(pk=first.pk).file.name
    assert storage.exists(name)

    assert "expired" in client.get(f"/contacts/exports/{first.pk}/").content.decode()
    assert client.get(f"/contacts/exports/{first.pk}/download/").status_code == 404
    assert not storage.exists(name) and not ExportJob.objects.filter(pk=first.pk).exists()
    call_command("purge_exports")
    assert not ExportJob.objects.exists()
    assert export_jobs_purge() == 0


def test_small_lists_still_download_at_once(in_acme):
    factories.contact(in_acme.users["admin"], first="Ana", last="Gil")
    response = login(in_acme.users["admin"]).get("/contacts/export.csv")
    assert response.status_code == 200 and not ExportJob.objects.exists()


def test_a_failed_export_says_why_and_offers_to_export_again(in_acme, small_threshold, monkeypatch):
    rich_data.build(in_acme)
    client = login(in_acme.users["admin"])
    client.get("/contacts/export.csv", {"f_lifecycle_status": "lead"})
    job = ExportJob.objects.get()

    def broken(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(exports, "csv_write", broken)
    with pytest.raises(OSError):
        export_job_task.call(str(job.pk))

    page = client.get(f"/contacts/exports/{job.pk}/").content.decode()
    assert "Failed" in page and "No space left on device" in page
    assert 'href="/contacts/export.csv?f_lifecycle_status=lead&amp;sort=-updated_at"' in page
    assert client.get(f"/contacts/exports/{job.pk}/download/").status_code == 404
