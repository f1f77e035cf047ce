"""After a run, the job page offers every row's outcome, and links a duplicate to the record it matches."""

import csv

import pytest

from clientela.customers.tests import factories
from clientela.transfer.models import ImportJob
from clientela.workspaces.scoping import use_workspace
from conftest import login

from .helpers import csv_bytes, run_import

pytestmark = pytest.mark.django_db


def test_the_job_page_reports_every_row_and_links_duplicates_to_their_record(acme):
    admin = acme.users["admin"]
    with use_workspace(acme):
        inigo = factories.contact(admin, first="Íñigo", last="Sáez", emails=[{"email": "i@x.es", "label": "work"}])
        run_import(admin, csv_bytes([["First Name", "Email"], ["Inigo", "I@X.ES"], ["Ana", "ana@x.es"],
                                     ["Eva", "not an email"]]), dry_run=True)
        job = ImportJob.objects.get()
    client = login(admin)
    page = client.get(f"/import/contacts/{job.pk}/").content.decode()
    assert f'href="/contacts/{inigo.pk}/"' in page and f"/import/contacts/{job.pk}/report.csv" in page
    rows = list(csv.reader(client.get(f"/import/contacts/{job.pk}/report.csv").content.decode().splitlines()))
    assert [row[:3] for row in rows] == [["row", "outcome", "record"],
                                         ["1", "Skipped as duplicate", str(inigo.pk)], ["2", "Created", ""],
                                         ["3", "Rejected", ""]]
    assert "same email" in rows[1][3] and "Email" in rows[3][3]
