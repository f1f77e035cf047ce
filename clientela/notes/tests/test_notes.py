import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from clientela.customers.tests import factories
from clientela.notes.models import Attachment, Note
from conftest import login

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


@pytest.fixture
def lucia(in_acme):
    return factories.contact(in_acme.users["rep"], first="Lucía", last="Peña")


def _add(client, contact, body="", files=()):
    return client.post(f"/notes/contacts/{contact.pk}/add/", {"body": body, "files": list(files)}, follow=True)


def test_rich_text_keeps_formatting_but_drops_scripts_handlers_and_javascript_links(lucia):
    client = login(lucia.owner)
    _add(client, lucia, '<p><strong>Llamar</strong> el lunes <script>alert(1)</script>'
                        '<img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>'
                        '<a href="https://example.com" onclick="evil()">web</a></p>')
    body = Note.objects.get().body
    assert "<strong>Llamar</strong>" in body and 'href="https://example.com"' in body
    for bad in ("<script", "onerror", "onclick", "javascript:", "<img"):
        assert bad not in body


def test_an_empty_note_is_refused_with_a_message(lucia):
    page = _add(login(lucia.owner), lucia, "   ").content.decode()
    assert "write something or attach a file" in page
    assert Note.objects.count() == 0


def test_a_pdf_attachment_is_stored_and_served_to_someone_who_may_see_the_record(lucia, acme):
    client = login(lucia.owner)
    _add(client, lucia, "<p>Contrato</p>", [SimpleUploadedFile("contrato.pdf", PDF, "application/pdf")])
    attachment = Attachment.objects.get()
    assert (attachment.content_type, attachment.size) == ("application/pdf", len(PDF))
    response = login(acme.users["manager"]).get(f"/notes/attachments/{attachment.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]


def test_an_attachment_is_hidden_from_a_user_who_may_not_see_the_record(lucia, acme):
    _add(login(lucia.owner), lucia, "<p>x</p>", [SimpleUploadedFile("c.pdf", PDF)])
    attachment = Attachment.objects.get()
    assert login(acme.users["rep2"]).get(f"/notes/attachments/{attachment.pk}/").status_code == 404


@pytest.mark.parametrize("name,content,rule", [
    ("page.html", b"<html><script>x</script></html>", "cannot be attached"),
    ("fake.pdf", b"MZ\x90\x00 this is an exe", "does not contain what its name says"),
    ("notes.txt", b"<!DOCTYPE html><html>", "does not contain what its name says"),
])
def test_dangerous_or_disguised_files_are_refused_and_nothing_is_saved(lucia, name, content, rule):
    page = _add(login(lucia.owner), lucia, "<p>con adjunto</p>", [SimpleUploadedFile(name, content)]).content.decode()
    assert rule in page
    assert Note.objects.count() == 0 and Attachment.objects.count() == 0


@override_settings(CLIENTELA={"TRASH_RETENTION_DAYS": 30, "ATTACHMENT_MAX_BYTES": 1024, "EXACT_COUNT_LIMIT": 10_000,
                              "DEFAULT_PHONE_REGION": "ES"})
def test_files_over_the_size_limit_are_refused(lucia):
    page = _add(login(lucia.owner), lucia, "", [SimpleUploadedFile("big.pdf", PDF + b"0" * 2000)]).content.decode()
    assert "attachments can be at most 1.0" in page
    assert Note.objects.count() == 0


def test_the_company_timeline_shows_its_contacts_notes_newest_first(in_acme):
    rep = in_acme.users["rep"]
    company = factories.company(rep, name="Bodegas Peña S.L.")
    contact = factories.contact(rep, affiliations=[{"company_name": "Bodegas Peña S.L.", "role": "CEO"}])
    client = login(rep)
    client.post(f"/notes/companies/{company.pk}/add/", {"body": "<p>Primera nota de empresa</p>"})
    client.post(f"/notes/contacts/{contact.pk}/add/", {"body": "<p>Second note on the contact</p>"})
    page = client.get(f"/companies/{company.pk}/").content.decode()
    assert page.index("Second note on the contact") < page.index("Primera nota de empresa")
    assert "on a related record" in page


def test_only_the_author_or_an_editor_can_delete_a_note(lucia, acme):
    _add(login(lucia.owner), lucia, "<p>mía</p>")
    note = Note.objects.get()
    assert login(acme.users["readonly"]).post(f"/notes/{note.pk}/delete/").status_code == 403
    assert login(lucia.owner).post(f"/notes/{note.pk}/delete/").status_code == 302
    assert Note.objects.count() == 0


def test_a_long_timeline_shows_the_newest_page_and_loads_older_items_on_demand(lucia, acme):
    from datetime import timedelta

    from django.utils import timezone

    client = login(lucia.owner)
    start = timezone.now() - timedelta(days=40)
    for day in range(30):
        note = Note.objects.create(workspace=lucia.workspace, entity="contacts", record_id=lucia.pk,
                                   author=lucia.owner, body=f"<p>Nota número {day}</p>")
        Note.objects.filter(pk=note.pk).update(created_at=start + timedelta(days=day))
    page = client.get(f"/contacts/{lucia.pk}/").content.decode()
    # 25 items: the record's creation (newest) and notes 29 down to 6
    assert "Nota número 29" in page and "Nota número 6<" in page and "Nota número 5<" not in page
    assert "Show older" in page
    older = client.get(f"/contacts/{lucia.pk}/timeline/?offset=25", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in older and "Show older" not in older
    assert [f"Nota número {n}<" in older for n in (5, 0)] == [True, True] and "Nota número 6<" not in older
    # without htmx it is a page of its own; someone who may not see the record gets nothing
    assert "<html" in client.get(f"/contacts/{lucia.pk}/timeline/?offset=25").content.decode()
    assert login(acme.users["rep2"]).get(f"/contacts/{lucia.pk}/timeline/").status_code == 404
