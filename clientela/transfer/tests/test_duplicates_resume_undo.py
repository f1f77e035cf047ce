import pytest

from clientela.customers.models import Company, Contact, EmailAddress
from clientela.customers.tests import factories
from clientela.transfer.models import ImportJob, ImportRow
from clientela.transfer.services import import_count, import_create, import_run, import_undo
from clientela.workspaces.scoping import use_workspace

from .helpers import csv_bytes, run_import, run_killed_after

pytestmark = pytest.mark.django_db
HEADERS = ["First Name", "Last Name", "Email", "Phone", "Company", "City"]


def people(count: int, duplicate_every: int = 10):
    """`count` rows; every tenth repeats an earlier person, by a different rule each time."""
    rows = [HEADERS]
    for i in range(count):
        if i % duplicate_every == duplicate_every - 1:
            j = i - 5
            kind = (i // duplicate_every) % 3
            if kind == 0:  # same email, written differently
                rows.append([f"Other{i}", "X", f"PERSON{j}@Example.com", "", "", ""])
            elif kind == 1:  # same phone in another format
                rows.append([f"Other{i}", "Y", "", f"+34 6{j:08d}", "", ""])
            else:  # same name without accents, same company
                rows.append([f"Jose{j}", f"Nunez{j}", "", "", f"Company {j % 50}", ""])
        else:
            rows.append([f"José{i}", f"Núñez{i}", f"person{i}@example.com", f"6{i:08d}", f"Company {i % 50}",
                         "Madrid"])
    return rows


def test_thousand_rows_with_ten_percent_duplicates(in_acme):
    job = run_import(in_acme.users["admin"], csv_bytes(people(1000)), batch_size=128)
    assert (job.created, job.duplicates, job.rejected, job.rows_done) == (900, 100, 0, 1000)
    assert Contact.objects.count() == 900 and Company.objects.count() == 45  # companies 9, 19... only appear in duplicates
    # the same file again: everything matches the database now
    again = run_import(in_acme.users["admin"], csv_bytes(people(1000)))
    assert (again.created, again.duplicates) == (0, 1000)


def test_duplicates_against_the_database_skip_update_or_create(in_acme):
    admin = in_acme.users["admin"]
    existing = factories.contact(admin, first="Íñigo", last="Sáez", job_title="Old title",
                                 emails=[{"email": "inigo@acme.es", "label": "work"}])
    data = csv_bytes([["Nombre", "Apellidos", "Email", "Cargo", "Teléfono"],
                      ["Inigo", "Saez", "INIGO@acme.es", "CTO", "612 00 00 01"]])
    assert run_import(admin, data).duplicates == 1
    job = run_import(admin, data, on_duplicate="update")
    assert job.updated == 1
    existing.refresh_from_db()
    assert existing.job_title == "CTO"
    assert existing.phones.get().number == "+34612000001"
    assert existing.emails.count() == 1  # already had it
    assert run_import(admin, data, on_duplicate="create").created == 1
    assert Contact.objects.count() == 2


def test_update_only_touches_records_the_user_may_edit(in_acme):
    rep2_contact = factories.contact(in_acme.users["rep2"], first="Ana", emails=[{"email": "ana@x.es",
                                                                                  "label": "work"}])
    manager = in_acme.users["marketing"]  # marketing imports contacts and edits all of them
    job = run_import(manager, csv_bytes([["Email", "Job Title"], ["ana@x.es", "Boss"]]), on_duplicate="update")
    assert job.updated == 1
    rep2_contact.refresh_from_db()
    assert rep2_contact.job_title == "Boss"


def test_never_matches_or_updates_another_workspace(acme, globex):
    with use_workspace(globex):
        theirs = factories.contact(globex.users["admin"], first="Ana", last="Global",
                                   emails=[{"email": "ana@shared.es", "label": "work"}])
    with use_workspace(acme):
        job = run_import(acme.users["admin"], csv_bytes([["Email", "First Name", "Last Name"],
                                                        ["ana@shared.es", "Ana", "Acme"]]), on_duplicate="update")
        assert (job.created, job.updated) == (1, 0)
        assert Contact.objects.get().last_name == "Acme"
    with use_workspace(globex):
        theirs.refresh_from_db()
        assert theirs.last_name == "Global" and Contact.objects.count() == 1


def test_undo_trashes_created_and_restores_updated(in_acme):
    admin = in_acme.users["admin"]
    existing = factories.contact(admin, first="Eva", last="Old", job_title="Before",
                                 emails=[{"email": "eva@x.es", "label": "work"}])
    data = csv_bytes([["Email", "First Name", "Last Name", "Job Title", "Phone", "Company"],
                      ["eva@x.es", "Eva", "New", "After", "612000002", ""],
                      ["new@x.es", "Nuevo", "Contacto", "", "", "Brand New SA"]])
    job = run_import(admin, data, on_duplicate="update")
    assert (job.created, job.updated) == (1, 1)
    import_undo(job=job, by=admin)
    existing.refresh_from_db()
    assert (existing.last_name, existing.job_title) == ("Old", "Before")
    assert not existing.phones.exists()
    assert list(Contact.objects.all()) == [existing]
    assert Contact.trashed.filter(first_name="Nuevo").exists()
    assert not Company.objects.filter(name="Brand New SA").exists()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.UNDONE


def test_worker_killed_mid_import_resumes_exactly_once(in_acme, monkeypatch):
    """A run dies after its second committed batch and again inside the third; the rerun finishes the job."""
    admin = in_acme.users["admin"]
    job = import_create(user=admin, entity_key="contacts", data=csv_bytes(people(250)), file_name="p.csv",
                        options={"batch_size": 50})
    import_count(job)
    job = run_killed_after(monkeypatch, job, 2)
    assert job.rows_done == 100 and job.status == ImportJob.Status.RUNNING
    assert Contact.objects.count() == job.created == ImportRow.objects.filter(job=job, action="created").count()

    from clientela.transfer import engine

    original = engine.Importer.write

    def dies_halfway(self, outcomes):
        original(self, outcomes[:10])  # half the batch is written... then the worker dies
        raise RuntimeError("killed")

    monkeypatch.setattr(engine.Importer, "write", dies_halfway)
    with pytest.raises(RuntimeError):
        import_run(job)
    monkeypatch.setattr(engine.Importer, "write", original)
    job.refresh_from_db()
    assert job.rows_done == 100  # the half batch was rolled back with its progress
    assert Contact.objects.count() == job.created

    job = import_run(job)
    assert job.status == ImportJob.Status.DONE and job.rows_done == 250
    assert (job.created, job.duplicates, job.rejected) == (225, 25, 0)
    assert Contact.objects.count() == 225
    assert EmailAddress.objects.values("email").distinct().count() == EmailAddress.objects.count()
    assert sorted(ImportRow.objects.filter(job=job).values_list("number", flat=True)) == list(range(1, 251))


def test_update_is_refused_for_records_outside_the_users_edit_scope(in_acme):
    admin_contact = factories.contact(in_acme.users["admin"], first="Jefa", job_title="CEO",
                                      emails=[{"email": "jefa@x.es", "label": "work"}])
    job = run_import(in_acme.users["manager"], csv_bytes([["Email", "Job Title"], ["jefa@x.es", "Intern"]]),
                     on_duplicate="update")
    assert (job.updated, job.rejected) == (0, 1)
    assert "may not edit" in job.rows.get().errors[0]["message"]
    admin_contact.refresh_from_db()
    assert admin_contact.job_title == "CEO"
