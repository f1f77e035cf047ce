"""An import started by a Spanish-speaking user keeps its problems in Spanish, whatever the worker's language."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from clientela.transfer.models import ImportRow
from clientela.workspaces.scoping import use_workspace

from .helpers import csv_bytes
from .test_views import upload

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_spanish_users_job_stores_its_problems_in_spanish(acme):
    admin = acme.users["admin"]
    admin.language = "es"
    admin.save(update_fields=["language"])
    client = Client()
    client.force_login(admin)
    data = csv_bytes([["Nombre", "Apellidos", "Propietario"], ["Ana", "Ruiz", "nadie@x.es"]])
    mapping_url = upload(client, data)["Location"]
    client.post(mapping_url, {"col-0": "first_name", "col-1": "last_name", "col-2": "owner", "dry_run": "on",
                              "on_duplicate": "skip", "region": "es"})
    with translation.override("en"):  # the worker's own language
        call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    with use_workspace(acme):
        [problem] = ImportRow.objects.get().errors
    assert "no hay ningún usuario" in problem["message"], problem
