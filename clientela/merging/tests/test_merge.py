"""Merging records keeps every related item, the chosen values and a way back; undo restores it all."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from clientela.customers.models import Address, Affiliation, Company, Contact, EmailAddress, PhoneNumber, Tag
from clientela.customers.tests import factories
from clientela.customization.models import FieldDefinition
from clientela.history.models import FieldChange
from clientela.integrations.models import ChangeEvent
from clientela.merging.models import Merge
from clientela.notes.models import Attachment, Note
from clientela.notes.services import note_create
from clientela.registry import entities
from clientela.security import sharing
from clientela.security.models import RecordShare
from clientela.workspaces.models import Team
from conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(in_acme):
    """Two records of one person: Ana (kept) and Anita (merged into her), each with its own related items."""
    admin = in_acme.users["admin"]
    FieldDefinition.objects.create(workspace=in_acme, entity="contacts", key="tier", kind="text",
                                   label_en="Tier", label_es="Nivel")
    FieldDefinition.objects.create(workspace=in_acme, entity="companies", key="main_contact", kind="lookup",
                                   label_en="Main contact", label_es="Contacto principal", lookup_entity="contacts")
    factories.company(admin, name="Acme Ibérica S.L.")
    factories.company(admin, name="Olivares S.A.")
    ana = factories.contact(admin, first="Ana", last="Ruiz", job_title="",
                            emails=[{"email": "ana@ruiz.example", "label": "work", "is_primary": "on"}],
                            phones=[{"number": "+34 612 00 00 01", "label": "mobile", "is_primary": "on"}],
                            addresses=[{"label": "office", "street": "Calle Mayor 1", "city": "Madrid",
                                        "country": "ES"}],
                            affiliations=[{"company_name": "Acme Ibérica S.L.", "role": "Buyer"}])
    anita = factories.contact(admin, first="Anita", last="Ruiz", job_title="Head of purchasing",
                              emails=[{"email": "ANA@ruiz.example", "label": "personal"},
                                      {"email": "anita@olivares.example", "label": "work", "is_primary": "on"}],
                              phones=[{"number": "+34 612 00 00 02", "label": "work", "is_primary": "on"}],
                              addresses=[{"label": "home", "street": "calle mayor 1", "city": "MADRID",
                                          "country": "ES"}],
                              affiliations=[{"company_name": "Acme Ibérica S.L.", "role": "Head"},
                                            {"company_name": "Olivares S.A.", "role": "Advisor"}])
    Contact.objects.filter(pk=anita.pk).update(custom={"tier": "gold"})
    gold, vip = Tag.objects.create(workspace=in_acme, name="gold"), Tag.objects.create(workspace=in_acme, name="vip")
    ana.tags.add(vip)
    anita.tags.add(gold, vip)
    note_create(entity=entities.get("contacts"), record=anita, body="<p>Called her</p>",
                files=[SimpleUploadedFile("call.txt", b"notes of the call", content_type="text/plain")], by=admin)
    sharing.share_add(entity="contacts", record=anita, by=admin, user=in_acme.users["rep"])
    sharing.share_add(entity="contacts", record=anita, by=admin, team=Team.objects.get(name="South"))
    sharing.share_add(entity="contacts", record=ana, by=admin, user=in_acme.users["rep"])
    olivares = Company.objects.get(name="Olivares S.A.")
    Company.objects.filter(pk=olivares.pk).update(custom={"main_contact": str(anita.pk)})
    return ana, anita


def merge(client, survivor, others, **choices):
    data = {"ids": [str(survivor.pk), *(str(o.pk) for o in others)], "master": str(survivor.pk), "confirm": "1",
            **{f"f_{k}": str(v.pk) for k, v in choices.items()}}
    return client.post("/merge/contacts/", data)


def test_merging_moves_every_related_item_and_keeps_the_chosen_values(in_acme, pair):
    ana, anita = pair
    admin = login(in_acme.users["admin"])
    response = merge(admin, ana, [anita], first_name=ana, job_title=ana, cf_tier=anita)
    assert response.status_code == 302 and response["Location"] == f"/contacts/{ana.pk}/"

    ana.refresh_from_db()
    # chosen values: the name kept, the empty job title stays empty as chosen, the custom field taken over
    assert (ana.first_name, ana.job_title, ana.custom) == ("Ana", "", {"tier": "gold"})
    # emails: the same address in another case is not duplicated; the new one moves, no longer primary
    assert sorted((e.email, e.is_primary) for e in ana.emails.all()) == [
        ("ana@ruiz.example", True), ("anita@olivares.example", False)]
    assert sorted(p.number for p in ana.phones.all()) == ["+34612000001", "+34612000002"]
    assert ana.addresses.count() == 1  # the identical address is not duplicated
    assert sorted(a.company.name for a in ana.affiliations.all()) == ["Acme Ibérica S.L.", "Olivares S.A."]
    assert Affiliation.objects.filter(contact=ana, company__name="Acme Ibérica S.L.").count() == 1
    assert sorted(t.name for t in ana.tags.all()) == ["gold", "vip"]
    note = Note.objects.get()
    assert note.record_id == ana.pk and Attachment.objects.get().note == note
    assert sorted(str(s.user or s.team) for s in RecordShare.objects.filter(record_id=ana.pk)) == \
        sorted([str(in_acme.users["rep"]), "South"])
    assert Company.objects.get(name="Olivares S.A.").custom == {"main_contact": str(ana.pk)}
    # the merged record is in the trash, its history points to the survivor
    assert Contact.trashed.filter(pk=anita.pk).exists() and not Contact.objects.filter(pk=anita.pk).exists()
    pointer = FieldChange.objects.get(record_id=anita.pk, field="merged_into")
    assert str(ana.pk) in pointer.new_value
    # its history moved to the survivor, which has one entry for the merge
    created = FieldChange.objects.filter(record_id=ana.pk, action="created")
    assert created.values("batch").distinct().count() == 2
    entry = FieldChange.objects.get(record_id=ana.pk, field="merged_records")
    assert entry.new_value == "Anita Ruiz"
    assert {c.field for c in FieldChange.objects.filter(batch=entry.batch)} >= {"merged_records", "emails", "tags"}
    assert ChangeEvent.objects.filter(name="record.merged", record_id=str(ana.pk)).exists()
    assert ChangeEvent.objects.filter(name="record.deleted", record_id=str(anita.pk)).exists()
    page = admin.get(f"/contacts/{ana.pk}/").content.decode()
    assert "Called her" in page and "anita@olivares.example" in page


def test_the_default_value_is_the_main_records_unless_it_is_empty(in_acme, pair):
    ana, anita = pair
    merge(login(in_acme.users["admin"]), ana, [anita])
    ana.refresh_from_db()
    assert (ana.first_name, ana.job_title) == ("Ana", "Head of purchasing")


def test_undo_restores_the_records_the_items_and_the_previous_values(in_acme, pair):
    ana, anita = pair
    admin = login(in_acme.users["admin"])
    before = {
        "ana": sorted(EmailAddress.objects.filter(contact=ana).values_list("pk", "is_primary")),
        "anita": sorted(EmailAddress.objects.filter(contact=anita).values_list("pk", "is_primary")),
        "phones": sorted(PhoneNumber.objects.values_list("pk", "contact_id")),
        "addresses": sorted(Address.objects.values_list("pk", "contact_id")),
        "affiliations": sorted(Affiliation.objects.values_list("pk", "contact_id")),
        "history": FieldChange.objects.filter(record_id=anita.pk).count(),
    }
    merge(admin, ana, [anita], job_title=anita, cf_tier=anita)
    undo = admin.post(f"/merges/{Merge.objects.get().pk}/undo/", follow=True)
    assert "Merge undone" in undo.content.decode()

    ana.refresh_from_db()
    assert (ana.job_title, ana.custom) == ("", {})
    assert sorted(t.name for t in ana.tags.all()) == ["vip"]
    assert Contact.objects.filter(pk=anita.pk).exists()  # back from the trash
    assert sorted(t.name for t in Contact.objects.get(pk=anita.pk).tags.all()) == ["gold", "vip"]
    assert sorted(EmailAddress.objects.filter(contact=ana).values_list("pk", "is_primary")) == before["ana"]
    assert sorted(EmailAddress.objects.filter(contact=anita).values_list("pk", "is_primary")) == before["anita"]
    assert sorted(PhoneNumber.objects.values_list("pk", "contact_id")) == before["phones"]
    assert sorted(Address.objects.values_list("pk", "contact_id")) == before["addresses"]
    assert sorted(Affiliation.objects.values_list("pk", "contact_id")) == before["affiliations"]
    assert Note.objects.get().record_id == anita.pk
    assert RecordShare.objects.filter(record_id=anita.pk).count() == 2
    assert RecordShare.objects.filter(record_id=ana.pk).count() == 1
    assert Company.objects.get(name="Olivares S.A.").custom == {"main_contact": str(anita.pk)}
    # the merged record's own history is back with it (plus the trash and restore entries)
    assert FieldChange.objects.filter(record_id=anita.pk).exclude(field="merged_into").count() == before["history"]
    assert Merge.objects.get().undone_at is not None
    assert ChangeEvent.objects.filter(name="record.restored", record_id=str(anita.pk)).exists()
    # undoing twice is refused with a message
    again = admin.post(f"/merges/{Merge.objects.get().pk}/undo/", follow=True)
    assert "already undone" in again.content.decode()


def test_undo_keeps_a_value_changed_after_the_merge_and_says_so(in_acme, pair):
    ana, anita = pair
    admin = login(in_acme.users["admin"])
    merge(admin, ana, [anita], job_title=anita, cf_tier=anita)
    Contact.objects.filter(pk=ana.pk).update(job_title="Purchasing director")
    page = admin.post(f"/merges/{Merge.objects.get().pk}/undo/", follow=True).content.decode()
    assert "keep their current value: job title" in page
    ana.refresh_from_db()
    assert (ana.job_title, ana.custom) == ("Purchasing director", {})


def test_undo_is_refused_when_a_merged_record_was_deleted_for_good(in_acme, pair):
    ana, anita = pair
    admin = login(in_acme.users["admin"])
    merge(admin, ana, [anita])
    admin.post(f"/contacts/{anita.pk}/purge/")
    page = admin.post(f"/merges/{Merge.objects.get().pk}/undo/", follow=True).content.decode()
    assert "deleted for good" in page
    assert Merge.objects.get().undone_at is None


def test_merging_needs_edit_on_the_survivor_and_delete_on_the_others(in_acme):
    rep, rep2 = in_acme.users["rep"], in_acme.users["rep2"]
    mine = factories.contact(rep, first="Ana", last="Ruiz")
    theirs = factories.contact(rep2, first="Ana", last="Ruiz")
    sharing.share_add(entity="contacts", record=theirs, by=rep2, user=rep, can_edit=True)
    # rep may see and edit rep2's record (shared) but not delete it: it cannot be merged away
    assert merge(login(rep), mine, [theirs]).status_code == 403
    # nor can it be kept while rep's own record goes: rep may edit it (shared) — allowed
    assert merge(login(rep), theirs, [mine]).status_code == 302
    assert Contact.trashed.filter(pk=mine.pk).exists()


def test_records_the_user_may_not_see_are_404_and_support_may_not_merge(in_acme):
    rep, rep2 = in_acme.users["rep"], in_acme.users["rep2"]
    mine = factories.contact(rep, first="Ana", last="Ruiz")
    theirs = factories.contact(rep2, first="Ana", last="Ruiz")
    assert login(rep).get("/merge/contacts/", {"ids": [mine.pk, theirs.pk]}).status_code == 404
    assert merge(login(rep), mine, [theirs]).status_code == 404
    assert merge(login(in_acme.users["support"]), mine, [theirs]).status_code == 403
    assert Contact.objects.count() == 2


def test_a_bad_choice_names_the_field_and_writes_nothing(in_acme, pair):
    ana, anita = pair
    other = factories.contact(in_acme.users["admin"], first="Otro", last="Más")
    response = merge(login(in_acme.users["admin"]), ana, [anita], job_title=other)
    assert response.status_code == 422 and "“job title”: choose the value" in response.content.decode()
    assert Contact.objects.count() == 3 and not Merge.objects.exists()


def test_posts_are_csrf_protected(in_acme, pair):
    ana, anita = pair
    client = Client(enforce_csrf_checks=True)
    client.force_login(in_acme.users["admin"])
    assert merge(client, ana, [anita]).status_code == 403
    assert Contact.objects.filter(pk=anita.pk).exists()
    login(in_acme.users["admin"]).post("/merge/contacts/", {"ids": [ana.pk, anita.pk], "master": ana.pk,
                                                            "confirm": "1"})
    assert client.post(f"/merges/{Merge.objects.get().pk}/undo/").status_code == 403
    assert Merge.objects.get().undone_at is None


def test_the_merge_page_shows_records_side_by_side_without_hidden_fields(in_acme, pair):
    from clientela.security.models import Role
    from clientela.security.roles import DEFAULT_ROLES

    ana, anita = pair
    rules = DEFAULT_ROLES["manager"].rules_json()
    rules["contacts"] = {**rules["*"], "view_scope": "all", "edit_scope": "all", "fields": {"job_title": "hidden"}}
    Role.objects.create(workspace=in_acme, key="manager", name="Sales manager", rules=rules)
    manager = login(in_acme.users["manager"])
    page = manager.get("/merge/contacts/", {"ids": [ana.pk, anita.pk]}).content.decode()
    assert 'name="f_first_name"' in page and "Head of purchasing" not in page and "f_job_title" not in page
    # a posted choice for the hidden field is ignored: the main record keeps its value
    merge(manager, ana, [anita], job_title=anita, first_name=anita)
    ana.refresh_from_db()
    assert (ana.first_name, ana.job_title) == ("Anita", "")


def test_the_bulk_bar_merge_button_opens_the_merge_page_for_the_selection(in_acme, pair):
    ana, anita = pair
    admin = login(in_acme.users["admin"])
    assert 'formaction="/merge/contacts/"' in admin.get("/contacts/").content.decode()
    response = admin.post("/merge/contacts/", {"ids": [ana.pk, anita.pk], "action": ""})
    assert response.status_code == 302 and response["Location"].startswith("/merge/contacts/?ids=")
    page = admin.get(response["Location"]).content.decode()
    assert "Main record" in page and "Anita Ruiz" in page
    one = admin.post("/merge/contacts/", {"ids": [ana.pk], "next": "/contacts/"}, follow=True)
    assert "Select at least two records" in one.content.decode()


def test_the_merges_page_lists_merges_with_what_moved(in_acme, pair):
    ana, anita = pair
    admin = login(in_acme.users["admin"])
    merge(admin, ana, [anita])
    page = admin.get("/merges/").content.decode()
    assert "Anita Ruiz" in page and "1 notes" in page and "Undo" in page
    assert "Anita Ruiz" not in login(in_acme.users["rep"]).get("/merges/").content.decode()


def test_merging_companies_moves_their_people_without_listing_anyone_twice(in_acme):
    admin = in_acme.users["admin"]
    factories.company(admin, name="Construcciones Pérez S.L.", website="https://perez.example")
    factories.company(admin, name="construcciones perez, SL")
    kept, other = Company.objects.order_by("website").reverse()
    both = factories.contact(admin, first="Ana", last="Ruiz",
                             affiliations=[{"company_name": kept.name, "role": ""},
                                           {"company_name": other.name, "role": "Advisor"}])
    only_other = factories.contact(admin, first="Pedro", last="Sanz",
                                   affiliations=[{"company_name": other.name, "role": ""}])
    response = login(admin).post("/merge/companies/", {"ids": [kept.pk, other.pk], "master": kept.pk,
                                                       "confirm": "1"})
    assert response.status_code == 302
    assert sorted(kept.affiliations.values_list("contact_id", flat=True)) == sorted([both.pk, only_other.pk])
    assert Affiliation.objects.filter(contact=both).count() == 2  # the one at the merged company stays with it
    assert Company.objects.get().website == "https://perez.example"


def test_the_merge_page_without_records_says_what_to_do(in_acme):
    admin = login(in_acme.users["admin"])
    assert "Select at least two records" in admin.get("/merge/contacts/").content.decode()
    assert admin.put("/merge/contacts/").status_code == 405
    assert admin.post("/merge/contacts/", {"confirm": "1"}).status_code == 422
