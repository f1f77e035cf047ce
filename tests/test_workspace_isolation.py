"""No page, search, export or note path of one workspace reads or writes another's records — even by guessing ids."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.notes.models import Attachment
from clientela.notes.services import note_create
from clientela.registry import entities
from clientela.workspaces.scoping import use_workspace
from conftest import login


@pytest.fixture
def secret(acme, globex):
    """An Acme contact with a note and an attachment; the Globex admin will try to reach it."""
    admin = acme.users["admin"]
    with use_workspace(acme):
        company = factories.company(admin, name="Secreta S.A.", website="https://secreta.es",
                                    phones=[{"number": "+34 911 222 333", "label": "work"}])
        contact = factories.contact(admin, first="Sofía", last="Secreta",
                                    emails=[{"email": "sofia@secreta.es", "label": "work"}],
                                    phones=[{"number": "+34 622 111 000", "label": "mobile"}],
                                    affiliations=[{"company_name": "Secreta S.A.", "role": "CFO"}])
        note = note_create(entity=entities.get("contacts"), record=contact, body="<p>Plan secreto</p>",
                           files=[SimpleUploadedFile("plan.txt", b"confidential plan")], by=admin)
    return {"company": company, "contact": contact, "attachment": Attachment.unscoped.get(note=note)}


@pytest.fixture
def intruder(globex):
    return login(globex.users["admin"])


@pytest.mark.parametrize("path", [
    "/contacts/{contact}/", "/contacts/{contact}/edit/", "/contacts/{contact}/delete/",
    "/companies/{company}/", "/companies/{company}/edit/",
    "/notes/attachments/{attachment}/",
])
def test_guessing_another_workspaces_ids_gives_not_found(secret, intruder, path):
    url = path.format(contact=secret["contact"].pk, company=secret["company"].pk, attachment=secret["attachment"].pk)
    assert intruder.get(url).status_code == 404


@pytest.mark.parametrize("path", ["/contacts/{contact}/edit/", "/contacts/{contact}/delete/",
                                  "/notes/contacts/{contact}/add/"])
def test_writes_to_another_workspaces_records_are_refused(secret, intruder, acme, path):
    url = path.format(contact=secret["contact"].pk)
    response = intruder.post(url, {"first_name": "Hacked", "body": "<p>hacked</p>", "lifecycle_status": "lead"})
    assert response.status_code == 404
    with use_workspace(acme):
        contact = Contact.objects.get(pk=secret["contact"].pk)
        assert contact.first_name == "Sofía" and contact.deleted_at is None


def test_bulk_actions_ignore_ids_from_another_workspace(secret, intruder, acme, globex):
    intruder.post("/contacts/bulk/", {"ids": [secret["contact"].pk], "action": "delete"})
    intruder.post("/contacts/bulk/", {"ids": [secret["contact"].pk], "action": "owner",
                                      "value": globex.users["admin"].pk})
    with use_workspace(acme):
        contact = Contact.objects.get(pk=secret["contact"].pk)
        assert contact.deleted_at is None and contact.owner == acme.users["admin"]


@pytest.mark.parametrize("query", ["Sofía", "Secreta", "sofia@secreta.es", "622 111 000", "secreta.es"])
def test_global_search_and_list_filters_never_show_another_workspace(secret, intruder, query):
    leaked = (str(secret["contact"].pk), str(secret["company"].pk), "Sofía Secreta", "Secreta S.A.")
    for url in ("/search/", "/contacts/", "/companies/"):
        page = intruder.get(url, {"q": query}).content.decode()
        assert not any(marker in page for marker in leaked), url


def test_exports_only_contain_the_workspaces_own_records(secret, intruder, globex):
    with use_workspace(globex):
        factories.contact(globex.users["admin"], first="Gina", last="Globex")
    body = b"".join(intruder.get("/contacts/export.csv").streaming_content).decode()
    assert "Gina" in body and "Secreta" not in body and "Sofía" not in body


def test_trash_restore_and_purge_cannot_reach_another_workspace(secret, acme, intruder):
    from clientela.registry.services import record_trash

    with use_workspace(acme):
        record_trash(entity=entities.get("contacts"), record=secret["contact"], by=acme.users["admin"])
    assert "Secreta" not in intruder.get("/contacts/trash/").content.decode()
    assert intruder.post(f"/contacts/{secret['contact'].pk}/restore/").status_code == 404
    assert intruder.post(f"/contacts/{secret['contact'].pk}/purge/").status_code == 404
    with use_workspace(acme):
        assert Contact.trashed.filter(pk=secret["contact"].pk).exists()


def test_a_company_name_from_another_workspace_cannot_be_linked(secret, globex):
    client = login(globex.users["admin"])
    response = client.post("/contacts/new/", {
        "first_name": "Gina", "lifecycle_status": "lead",
        "affiliations-TOTAL_FORMS": "1", "affiliations-INITIAL_FORMS": "0",
        "affiliations-0-company_name": "Secreta S.A.", "affiliations-0-role": "spy",
        **{f"{p}-{k}": v for p in ("emails", "phones", "addresses")
           for k, v in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))},
    })
    assert response.status_code == 422
    assert "there is no company named" in response.content.decode()
