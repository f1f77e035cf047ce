"""On-duplicate "fill": a row that matched a record and filled in what it was missing is "merged", not "updated"."""

import csv

import pytest
from django.core.management import call_command

from clientela.customers.models import Affiliation, Company, Contact, PhoneNumber
from clientela.transfer.models import ImportJob, ImportRow
from clientela.transfer.services import import_count, import_create, import_run, import_undo, row_report
from clientela.workspaces.scoping import use_workspace
from conftest import login

from .helpers import csv_bytes, edit, person, run_import, run_killed_after

pytestmark = pytest.mark.django_db
MERGED = "Merged into an existing record"


def report_rows(job) -> list[list[str]]:
    return list(csv.reader(row_report(job).splitlines()))[1:]


FILE = csv_bytes([["Email", "First Name", "Title", "Description", "Phone"],
                  ["eva@x.es", "Eva", "CTO", "From the file", "612000111"],
                  ["leo@x.es", "Leo", "Intern", "From the file", ""],
                  ["new@x.es", "Nuevo", "", "", ""]])


def existing(admin):
    """Eva misses a title and a phone; Leo has everything the file gives."""
    eva = person(admin, "Eva", "eva@x.es", job_title="", description="Met at a fair")
    leo = person(admin, "Leo", "leo@x.es", job_title="CEO", description="Cold lead")
    return eva, leo


def test_filling_existing_records_counts_them_as_merged_on_the_job_and_in_the_row_report(in_acme):
    admin = in_acme.users["admin"]
    eva, leo = existing(admin)
    job = run_import(admin, FILE, on_duplicate="fill")
    assert (job.created, job.updated, job.merged, job.duplicates, job.rejected) == (1, 0, 2, 0, 0)
    rows = {row.number: row for row in job.rows.all()}
    assert [rows[n].action for n in (1, 2, 3)] == [ImportRow.Action.MERGED, ImportRow.Action.MERGED,
                                                   ImportRow.Action.CREATED]
    eva.refresh_from_db()
    assert (eva.job_title, eva.description, eva.phones.get().number) == ("CTO", "Met at a fair", "+34612000111")
    # what undo needs, as for an update: the fields it changed and the rows it added
    assert rows[1].previous == {"before": {"job_title": ""}, "after": {"job_title": "CTO"}}
    assert rows[1].related == {"phones": [str(eva.phones.get().pk)]}
    # Leo had every field: the row was still folded into his record, changing nothing
    assert (rows[2].record_id, rows[2].previous) == (leo.pk, {"before": {}, "after": {}})
    leo.refresh_from_db()
    assert (leo.job_title, leo.description) == ("CEO", "Cold lead")
    report = report_rows(job)
    assert [r[:3] for r in report[:2]] == [["1", MERGED, str(eva.pk)], ["2", MERGED, str(leo.pk)]]
    assert report[0][3] == "same email"  # why it was merged into that record
    assert report[2][1] == "Created"


def test_an_update_import_still_reports_updated(in_acme):
    admin = in_acme.users["admin"]
    eva, leo = existing(admin)
    job = run_import(admin, FILE, on_duplicate="update")
    assert (job.created, job.updated, job.merged) == (1, 2, 0)
    assert set(job.rows.exclude(number=3).values_list("action", flat=True)) == {ImportRow.Action.UPDATED}
    leo.refresh_from_db()
    assert (leo.job_title, leo.description) == ("Intern", "From the file")
    assert [r[1] for r in report_rows(job)] == ["Updated", "Updated", "Created"]


def test_a_dry_run_with_fill_reports_merged_rows_and_writes_nothing(in_acme):
    admin = in_acme.users["admin"]
    eva, _leo = existing(admin)
    job = run_import(admin, FILE, on_duplicate="fill", dry_run=True)
    assert (job.created, job.updated, job.merged) == (1, 0, 2)
    eva.refresh_from_db()
    assert (eva.job_title, eva.phones.count(), Contact.objects.count()) == ("", 0, 2)
    report = report_rows(job)
    assert report[0][:4] == ["1", MERGED, str(eva.pk), "same email"]  # the record it would be merged into
    assert report[2][:3] == ["3", "Created", ""]  # a dry run creates nothing
    page = login(admin).get(f"/import/contacts/{job.pk}/").content.decode()
    assert "Would be merged: 2" in page and "Would be updated: 0" in page


def test_the_pages_show_the_merged_count(in_acme):
    admin = in_acme.users["admin"]
    existing(admin)
    job = run_import(admin, FILE, on_duplicate="fill")
    client = login(admin)
    assert "Merged: 2" in client.get(f"/import/contacts/{job.pk}/").content.decode()
    jobs = client.get("/import/contacts/jobs/").content.decode()
    assert "<th>Merged</th>" in jobs and "<td>0</td><td>2</td>" in jobs  # updated, merged


def test_the_command_prints_the_merged_count_and_reports_merged_rows(acme, tmp_path, capsys):
    admin = acme.users["admin"]
    with use_workspace(acme):
        eva, _leo = existing(admin)
    path, report = tmp_path / "contacts.csv", tmp_path / "report.csv"
    path.write_bytes(FILE)
    args = ["import_data", "contacts", str(path), "--workspace", "acme", "--user", admin.email,
            "--on-duplicate", "fill", "--report", str(report)]
    call_command(*args, "--dry-run")
    out = capsys.readouterr().out
    assert "Dry run — would have created: 1, updated: 0, merged: 2, skipped as duplicate: 0, rejected: 0" in out
    with use_workspace(acme):
        eva.refresh_from_db()
        assert (eva.job_title, Contact.objects.count()) == ("", 2)
    call_command(*args)
    assert "created: 1, updated: 0, merged: 2, skipped as duplicate: 0, rejected: 0" in capsys.readouterr().out
    rows = list(csv.reader(report.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[1][:3] == ["1", MERGED, str(eva.pk)]
    with use_workspace(acme):
        eva.refresh_from_db()
        assert eva.job_title == "CTO"


def test_undo_of_a_merge_empties_the_fields_it_filled_and_keeps_later_edits(in_acme):
    admin = in_acme.users["admin"]
    eva = person(admin, "Eva", "eva@x.es", job_title="", description="")
    data = csv_bytes([["Email", "Title", "Description", "Phone", "Company"],
                      ["eva@x.es", "CTO", "From the file", "612000111", "Brand New SA"]])
    job = run_import(admin, data, on_duplicate="fill")
    assert (job.merged, job.updated) == (1, 0)
    eva.refresh_from_db()
    assert (eva.job_title, eva.description, eva.phones.count()) == ("CTO", "From the file", 1)
    assert Affiliation.objects.get(contact=eva).company.name == "Brand New SA"
    edit(admin, Contact.objects.get(pk=eva.pk), description="Called back")  # after the import
    result = import_undo(job=job, by=admin)
    eva.refresh_from_db()
    assert (eva.job_title, eva.description) == ("", "Called back")
    assert not PhoneNumber.objects.filter(contact=eva).exists() and not Affiliation.objects.exists()
    assert not Company.objects.filter(name="Brand New SA").exists()  # the company the merge created: trashed
    assert (result.kept_records, result.kept_fields, result.field_labels) == (1, 1, ["description"])
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UNDONE


def test_a_resumed_fill_counts_each_merged_row_once(in_acme, monkeypatch):
    """Killed after its first batch, a dry run resumes: merged rows are counted once, and a row merged before
    the kill still makes a later row of the file that repeats it a duplicate, as in a run never stopped."""
    admin = in_acme.users["admin"]
    person(admin, "Eva", "eva@x.es")
    data = csv_bytes([["Email", "First Name", "Phone"], ["eva@x.es", "Eva", "612000111"],
                      ["new@x.es", "Nuevo", ""], ["other@x.es", "Otra", "612 000 111"], ["eva@x.es", "Eva", ""]])
    whole = run_import(admin, data, on_duplicate="fill", dry_run=True, batch_size=2)
    job = import_create(user=admin, entity_key="contacts", data=data, file_name="p.csv",
                        options={"on_duplicate": "fill", "batch_size": 2}, dry_run=True)
    import_count(job)
    job = run_killed_after(monkeypatch, job, 1)
    assert (job.rows_done, job.merged, job.created) == (2, 1, 1)
    job = import_run(job)
    assert job.status == ImportJob.Status.DONE and job.rows_done == 4
    outcomes = dict(job.rows.values_list("number", "action"))
    assert outcomes == dict(whole.rows.values_list("number", "action")) == {
        1: "merged", 2: "created", 3: "duplicate", 4: "merged"}
    assert (job.created, job.updated, job.merged, job.duplicates) == (1, 0, 2, 1)
    assert job.merged == job.rows.filter(action=ImportRow.Action.MERGED).count()
