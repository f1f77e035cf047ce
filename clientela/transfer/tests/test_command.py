import json

import pytest
from django.core.management import CommandError, call_command

from clientela.customers.models import Contact
from clientela.workspaces.scoping import use_workspace

from .helpers import csv_bytes

pytestmark = pytest.mark.django_db


def test_import_data_command_dry_run_then_real(acme, tmp_path, capsys):
    path = tmp_path / "contacts.csv"
    path.write_bytes(csv_bytes([["Given Name", "Mail"], ["Ana", "ana@x.es"], ["Ana", "ana@x.es"], ["", "x"]]))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"Given Name": "first_name", "Mail": "emails.email"}))
    args = ["import_data", "contacts", str(path), "--workspace", "acme", "--user", "admin@acme.example",
            "--mapping", str(mapping)]
    call_command(*args, "--dry-run")
    out = capsys.readouterr().out
    assert "created: 1, updated: 0, skipped as duplicate: 1, rejected: 1" in out
    with use_workspace(acme):
        assert not Contact.objects.exists()
    call_command(*args)
    with use_workspace(acme):
        assert Contact.objects.count() == 1


def test_import_data_command_refuses_bad_input(acme, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        call_command("import_data", "contacts", str(empty), "--workspace", "acme", "--user", "admin@acme.example")
    path = tmp_path / "ok.csv"
    path.write_bytes(csv_bytes([["First Name"], ["Ana"]]))
    with pytest.raises(CommandError, match="may not import"):
        call_command("import_data", "contacts", str(path), "--workspace", "acme", "--user", "rep@acme.example")
