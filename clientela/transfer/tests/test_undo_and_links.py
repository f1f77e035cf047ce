"""Undo after later edits, and the company links an update import adds."""

import pytest

from clientela.customers.models import Affiliation, Contact
from clientela.customers.tests import factories
from clientela.customization.models import FieldDefinition
from clientela.transfer.models import ImportRow
from clientela.transfer.services import import_undo
from conftest import login

from .helpers import csv_bytes, edit, person, run_import

pytestmark = pytest.mark.django_db


def titles_import(admin):
    eva = person(admin, "Eva", "eva@x.es", job_title="Analyst", description="Met at a fair")
    leo = person(admin, "Leo", "leo@x.es", job_title="Intern", description="Cold lead", tags="VIP")
    job = run_import(admin, csv_bytes([["Email", "Title", "Tags"], ["eva@x.es", "CTO", ""],
                                       ["leo@x.es", "CEO", "VIP, Board"]]), on_duplicate="update")
    assert job.updated == 2
    return job, eva, leo


def test_update_keeps_only_the_fields_it_changed(in_acme):
    job, eva, leo = titles_import(in_acme.users["admin"])
    rows = {str(r.record_id): r.previous for r in job.rows.all()}
    assert rows[str(eva.pk)] == {"before": {"job_title": "Analyst"}, "after": {"job_title": "CTO"}}
    assert rows[str(leo.pk)] == {"before": {"job_title": "Intern", "tags": ["VIP"]},
                                 "after": {"job_title": "CEO", "tags": ["Board", "VIP"]}}


def test_undo_leaves_alone_what_was_edited_since_the_import(in_acme):
    admin = in_acme.users["admin"]
    job, eva, leo = titles_import(admin)
    edit(admin, Contact.objects.get(pk=eva.pk), job_title="Head of IT", description="Called back")
    result = import_undo(job=job, by=admin)
    eva.refresh_from_db()
    assert (eva.job_title, eva.description) == ("Head of IT", "Called back")  # both edits survive
    leo.refresh_from_db()
    assert (leo.job_title, leo.description) == ("Intern", "Cold lead")  # untouched since: all goes back
    assert list(leo.tags.values_list("name", flat=True)) == ["VIP"]
    assert (result.kept_records, result.kept_fields, result.field_labels) == (1, 1, ["job title"])


def test_undo_of_rows_stored_with_every_field(in_acme):
    """Rows stored by earlier versions hold every form field, not what the import wrote: the file's fields go
    back as before, another field edited since keeps its value, a record untouched since gets all back."""
    admin = in_acme.users["admin"]
    job, eva, leo = titles_import(admin)
    for row in job.rows.all():
        before = eva if row.record_id == eva.pk else leo  # as they were before the import
        row.previous = {"first_name": before.first_name, "last_name": before.last_name,
                        "job_title": before.job_title, "description": before.description,
                        "owner_id": before.owner_id, "tags": ["VIP"] if before is leo else []}
        row.save()
    edit(admin, Contact.objects.get(pk=eva.pk), description="Called back")
    result = import_undo(job=job, by=admin)
    eva.refresh_from_db()
    assert (eva.job_title, eva.description) == ("Analyst", "Called back")
    leo.refresh_from_db()
    assert leo.job_title == "Intern" and list(leo.tags.values_list("name", flat=True)) == ["VIP"]
    assert (result.kept_records, result.kept_fields) == (1, 1)


def test_update_links_a_company_as_primary_only_without_one(in_acme):
    admin = in_acme.users["admin"]
    acme_co, globex_co = factories.company(admin, name="Acme SL"), factories.company(admin, name="Globex SA")
    linked = person(admin, "Ana", "ana@x.es",
                    affiliations=[{"company_name": "Acme SL", "role": "CFO", "is_primary": "on"}])
    already = person(admin, "Bea", "bea@x.es", affiliations=[
        {"company_name": "Acme SL", "role": "", "is_primary": "on"},
        {"company_name": "Globex SA", "role": "Advisor", "is_primary": ""}])
    unlinked = person(admin, "Carla", "carla@x.es")
    job = run_import(admin, csv_bytes([["Email", "Company", "Role"], ["ana@x.es", "Globex SA", "Board"],
                                       ["bea@x.es", "globex sa", "Board"], ["carla@x.es", "Globex SA", ""]]),
                     on_duplicate="update")
    assert job.updated == 3
    links = {(a.contact_id, a.company_id): a.is_primary for a in Affiliation.objects.all()}
    assert links == {(linked.pk, acme_co.pk): True, (linked.pk, globex_co.pk): False,
                     (already.pk, acme_co.pk): True, (already.pk, globex_co.pk): False,
                     (unlinked.pk, globex_co.pk): True}
    assert Affiliation.objects.get(contact=already, company=globex_co).role == "Advisor"
    assert "affiliations" not in ImportRow.objects.get(job=job, record_id=already.pk).related
    import_undo(job=job, by=admin)
    assert set(Affiliation.objects.values_list("contact_id", "company_id")) == {
        (linked.pk, acme_co.pk), (already.pk, acme_co.pk), (already.pk, globex_co.pk)}


def test_undo_puts_back_what_the_form_derived(in_acme):
    """A changed consent status dates itself: the date is a changed field too, and goes back with it."""
    admin = in_acme.users["admin"]
    eva = person(admin, "Eva", "eva@x.es")
    job = run_import(admin, csv_bytes([["Email", "Email consent"], ["eva@x.es", "granted"]]),
                     mapping={"Email": "emails.email", "Email consent": "email_consent"}, on_duplicate="update")
    assert set(job.rows.get().previous["before"]) == {"email_consent", "email_consent_date"}
    assert import_undo(job=job, by=admin).kept_fields == 0
    eva.refresh_from_db()
    assert (eva.email_consent, eva.email_consent_date) == ("unknown", None)


def test_the_undo_page_says_which_fields_kept_their_later_values(in_acme):
    admin = in_acme.users["admin"]
    job, eva, _leo = titles_import(admin)
    edit(admin, Contact.objects.get(pk=eva.pk), job_title="Head of IT")
    page = login(admin).post(f"/import/contacts/{job.pk}/undo/", follow=True).content.decode()
    assert "1 updated or merged record was edited after the import" in page and "(job title)" in page


def test_filling_in_sets_only_what_the_record_is_missing_and_undoes_cleanly(in_acme):
    admin = in_acme.users["admin"]
    eva = person(admin, "Eva", "eva@x.es", job_title="", description="Met at a fair")
    data = csv_bytes([["Email", "Title", "Description", "Phone"], ["eva@x.es", "CTO", "From the file", "612000111"]])
    job = run_import(admin, data, on_duplicate="fill")
    eva.refresh_from_db()
    assert (job.merged, job.updated) == (1, 0) and (eva.job_title, eva.description) == ("CTO", "Met at a fair")
    assert eva.phones.get().number == "+34612000111"  # a phone it did not have is added
    import_undo(job=job, by=admin)
    eva.refresh_from_db()
    assert (eva.job_title, eva.description, eva.phones.count()) == ("", "Met at a fair", 0)


def test_undo_puts_back_custom_field_values_unless_changed_since(in_acme):
    admin = in_acme.users["admin"]
    FieldDefinition.objects.create(workspace=in_acme, entity="contacts", key="tier", kind="text",
                                   label_en="Tier", label_es="Nivel")
    FieldDefinition.objects.create(workspace=in_acme, entity="contacts", key="score", kind="integer",
                                   label_en="Score", label_es="Puntuación")
    eva = person(admin, "Eva", "eva@x.es", cf_tier="Bronze", cf_score="3")
    leo = person(admin, "Leo", "leo@x.es", cf_tier="Silver")
    data = csv_bytes([["Email", "Tier", "Score"], ["eva@x.es", "Gold", "9"], ["leo@x.es", "Gold", "7"]])
    job = run_import(admin, data, mapping={"Email": "emails.email", "Tier": "cf_tier", "Score": "cf_score"},
                     on_duplicate="update")
    assert job.updated == 2
    eva.refresh_from_db()
    assert eva.custom == {"tier": "Gold", "score": 9}
    edit(admin, Contact.objects.get(pk=eva.pk), cf_score="10")  # changed after the import
    result = import_undo(job=job, by=admin)
    eva.refresh_from_db()
    leo.refresh_from_db()
    assert eva.custom == {"tier": "Bronze", "score": 10} and leo.custom == {"tier": "Silver"}
    assert result.field_labels == ["Score"]


def test_undo_keeps_a_phone_the_import_added_if_someone_edited_it_since(in_acme):
    """The rows an import added go with the undo, unless someone has worked on them since: that is their data."""
    admin = in_acme.users["admin"]
    eva, leo = person(admin, "Eva", "eva@x.es"), person(admin, "Leo", "leo@x.es")
    data = csv_bytes([["Email", "Phone"], ["eva@x.es", "612000111"], ["leo@x.es", "612000222"]])
    job = run_import(admin, data, on_duplicate="update")
    phone = eva.phones.get()
    phone.number = "+34612000999"  # corrected by hand after the import
    phone.save()
    page = login(admin).post(f"/import/contacts/{job.pk}/undo/", follow=True).content.decode()
    assert list(eva.phones.values_list("number", flat=True)) == ["+34612000999"]
    assert not leo.phones.exists()
    assert "1 item the import added was edited since and was kept (Phones)" in page


def test_the_history_and_the_change_log_say_what_undo_put_back(in_acme):
    from clientela.history.models import FieldChange
    from clientela.integrations.models import ChangeEvent

    admin = in_acme.users["admin"]
    job, _eva, leo = titles_import(admin)
    import_undo(job=job, by=admin)
    undone = {c.field: (c.old_value, c.new_value) for c in FieldChange.objects.filter(record_id=leo.pk, actor=admin)
              .order_by("created_at") if c.field}  # the undo's rows come last
    assert undone["job_title"] == ("CEO", "Intern") and undone["tags"] == ("Board, VIP", "VIP")
    event = ChangeEvent.objects.filter(record_id=str(leo.pk)).order_by("-id").first()
    assert event.changes["job_title"] == {"old": "CEO", "new": "Intern"}
