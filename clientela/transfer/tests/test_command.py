import csv
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
    assert "created: 1, updated: 0, merged: 0, skipped as duplicate: 1, rejected: 1" in out
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


def test_import_data_writes_the_error_file_and_a_report_of_every_row(acme, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(csv_bytes([["First Name", "Email"], ["Ana", "ana@x.es"], ["Ana", "ana@x.es"],
                                ["Eva", "not an email"]]))
    errors, report = tmp_path / "errors.csv", tmp_path / "report.csv"
    call_command("import_data", "contacts", str(path), "--workspace", "acme", "--user", "admin@acme.example",
                 "--errors", str(errors), "--report", str(report))
    rejected = errors.read_text(encoding="utf-8-sig").splitlines()
    assert rejected[0].startswith("First Name,Email,") and rejected[1].startswith("Eva,not an email,")
    rows = list(csv.reader(report.read_text(encoding="utf-8-sig").splitlines()))
    with use_workspace(acme):
        ana = str(Contact.objects.get().pk)
    assert rows[0] == ["row", "outcome", "record", "reasons"]
    assert [(r[0], r[1], r[2]) for r in rows[1:3]] == [("1", "Created", ana), ("2", "Skipped as duplicate", "")]
    assert "row 1" in rows[2][3] and rows[3][:2] == ["3", "Rejected"] and "Email" in rows[3][3]
