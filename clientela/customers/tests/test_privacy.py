"""Privacy requests: consent, the JSON export of everything held, anonymisation and erasure."""

import json
import zoneinfo
from datetime import date, timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from clientela.customers import privacy
from clientela.customers.models import Affiliation, Company, Contact, EmailAddress, PhoneNumber
from clientela.customers.selectors import search_contacts
from clientela.customers.tests import factories
from clientela.history.models import FieldChange
from clientela.notes.models import Attachment, Note
from clientela.registry import entities
from clientela.security.models import AuditEntry, Role
from clientela.security.tokens import token_create
from clientela.workspaces.scoping import use_workspace
from conftest import login

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
EMAIL, PHONE = "lucia.pena@bodegaspena.es", "+34612345678"


@pytest.fixture
def lucia(in_acme):
    """Lucía, owned by the rep: channels, a company, a tag, a note with an attachment and an edit in history."""
    rep = in_acme.users["rep"]
    factories.company(rep, name="Bodegas Peña S.L.", website="https://bodegaspena.es")
    contact = factories.contact(
        rep, first="Lucía", last="Peña", job_title="Compradora", birthday="1985-04-12",
        description="Prefiere llamadas por la tarde", tags="vino, VIP",
        emails=[{"email": EMAIL, "label": "work", "is_primary": "on"}],
        phones=[{"number": "612 34 56 78", "label": "mobile"}],
        addresses=[{"label": "home", "street": "Calle Sierpes 12", "postal_code": "41004", "city": "Sevilla",
                    "country": "ES"}],
        affiliations=[{"company_name": "Bodegas Peña S.L.", "role": "Compradora"}])
    login(rep).post(f"/notes/contacts/{contact.pk}/add/",
                {"body": "<p>Pidió <strong>muestras</strong> &amp; precios</p>",
                 "files": [SimpleUploadedFile("pedido.pdf", PDF, "application/pdf")]})
    _edit(rep, contact, job_title="Jefa de compras")
    contact.refresh_from_db()
    return contact


def _form_data(contact, user, **changes):
    """What the edit page posts back, with `changes` typed over it."""
    entity = entities.get("contacts")
    data: dict = {}

    def add(bound):
        value = bound.value()
        if isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
            return
        if isinstance(value, list | tuple):
            value = bound.field.prepare_value(value)
        data[bound.html_name] = "" if value is None else value

    for bound in entity.form_class(instance=contact, user=user):
        add(bound)
    for inline in entity.inlines:
        formset = inline.formset(instance=contact, prefix=inline.name)
        for bound in formset.management_form:
            add(bound)
        data[f"{inline.name}-TOTAL_FORMS"] = formset.initial_form_count()
        for row in formset.forms[: formset.initial_form_count()]:
            for bound in row:
                add(bound)
    data.update(changes)
    return data


def _edit(user, contact, **changes):
    return login(user).post(f"/contacts/{contact.pk}/edit/", _form_data(contact, user, **changes))


def _export(client, contact):
    return client.get(f"/contacts/{contact.pk}/privacy/export.json")


# --- consent ---------------------------------------------------------------------------------------------------


def test_consent_starts_unknown_and_a_change_on_the_form_is_dated_today(lucia):
    assert (lucia.email_consent, lucia.email_consent_date, lucia.phone_consent) == ("unknown", None, "unknown")

    response = _edit(lucia.owner, lucia, email_consent="granted", email_consent_source="trade_fair")

    assert response.status_code == 302
    lucia.refresh_from_db()
    assert (lucia.email_consent, lucia.email_consent_date, lucia.email_consent_source) == (
        "granted", _today_for(lucia.owner), "trade_fair")
    assert (lucia.phone_consent, lucia.phone_consent_date) == ("unknown", None)
    assert FieldChange.objects.filter(record_id=lucia.pk, field="email_consent", new_value="Granted").exists()


def test_a_date_the_user_gives_is_kept_and_a_future_date_is_refused(lucia):
    _edit(lucia.owner, lucia, phone_consent="refused", phone_consent_date="2024-03-01")
    lucia.refresh_from_db()
    assert (lucia.phone_consent, lucia.phone_consent_date) == ("refused", date(2024, 3, 1))

    tomorrow = (_today_for(lucia.owner) + timedelta(days=1)).isoformat()
    response = _edit(lucia.owner, lucia, phone_consent="granted", phone_consent_date=tomorrow)

    assert response.status_code == 422
    assert "the date cannot be in the future" in response.content.decode()
    lucia.refresh_from_db()
    assert lucia.phone_consent == "refused"


def test_withdrawing_through_the_api_dates_the_withdrawal_not_the_old_grant(lucia, acme):
    _edit(lucia.owner, lucia, email_consent="granted", email_consent_date="2023-05-05")
    _token, secret = token_create(user=acme.users["rep"], workspace=acme, name="tests")
    api = Client(headers={"Authorization": f"Bearer {secret}"})

    response = api.patch(f"/api/v1/contacts/{lucia.pk}", json.dumps({"email_consent": "refused"}),
                         content_type="application/json")

    assert response.status_code == 200, response.content
    assert (response.json()["email_consent"], response.json()["email_consent_date"]) == (
        "refused", _today_for(acme.users["rep"]).isoformat())


def test_contacts_can_be_filtered_by_consent(lucia, acme):
    factories.contact(acme.users["rep"], first="Marta", last="Gil")
    _edit(lucia.owner, lucia, email_consent="granted")

    page = login(acme.users["rep"]).get("/contacts/?f_email_consent=granted").content.decode()

    assert "Peña" in page and "Marta" not in page


# --- export ----------------------------------------------------------------------------------------------------


def test_the_export_holds_everything_about_the_contact_and_is_audited(lucia, acme):
    response = _export(login(lucia.owner), lucia)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"] and response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["format"] == "clientela.contact-export" and data["workspace"] == "Acme"
    fields = data["contact"]
    assert (fields["id"], fields["first_name"], fields["last_name"], fields["birthday"]) == (
        str(lucia.pk), "Lucía", "Peña", "1985-04-12")
    assert fields["job_title"] == "Jefa de compras" and fields["owner"] == lucia.owner.full_name
    assert data["consent"]["email"] == {"status": "unknown", "date": None, "source": ""}
    assert data["emails"] == [{"email": EMAIL, "label": "work", "is_primary": True}]
    assert data["phones"][0]["number"] == PHONE
    assert data["addresses"][0]["city"] == "Sevilla" and data["addresses"][0]["country"] == "ES"
    assert data["affiliations"][0]["company_name"] == "Bodegas Peña S.L."
    assert data["affiliations"][0]["role"] == "Compradora"
    assert sorted(data["tags"]) == ["VIP", "vino"]
    note = data["notes"][0]
    assert note["text"] == "Pidió muestras & precios"
    assert note["attachments"] == [{"name": "pedido.pdf", "type": "application/pdf", "size": len(PDF),
                                    "created_at": note["attachments"][0]["created_at"]}]
    changed = [h for h in data["history"] if h["field"] == "job_title" and h["action"] == "updated"]
    assert changed[0]["old"] == "Compradora" and changed[0]["new"] == "Jefa de compras"
    assert data["history"][0]["action"] == "created"

    entry = AuditEntry.objects.get(action="privacy.exported")
    assert (entry.actor, entry.target_id) == (lucia.owner, str(lucia.pk))
    assert entry.details["counts"]["notes"] == 1 and entry.details["counts"]["attachments"] == 1
    assert EMAIL not in json.dumps(entry.details)


def test_fields_the_role_hides_are_left_out_of_the_export_and_its_history(lucia, acme):
    Role.objects.create(workspace=acme, key="support", name="Support", rules={
        "*": {"verbs": ["view"]},
        "contacts": {"verbs": ["view", "export"], "view_scope": "all",
                     "fields": {"birthday": "hidden", "job_title": "hidden", "phones": "hidden",
                                "email_consent": "hidden"}},
        "companies": {"verbs": ["view"], "fields": {"website": "hidden"}},
    })
    lucia.companies.update(annual_revenue=1_000_000)

    data = json.loads(_export(login(acme.users["support"]), lucia).content)

    assert "birthday" not in data["contact"] and "job_title" not in data["contact"]
    assert data["contact"]["first_name"] == "Lucía"
    assert "phones" not in data and data["emails"]
    assert "status" not in data["consent"]["email"] and data["consent"]["phone"]["status"] == "unknown"
    assert not [h for h in data["history"] if h["field"] in ("job_title", "birthday", "phones")]
    assert data["affiliations"][0]["company_name"] == "Bodegas Peña S.L."
    assert "company_website" not in data["affiliations"][0]
    text = json.dumps(data)
    assert "Jefa de compras" not in text and "1985" not in text and "1000000" not in text


@pytest.mark.parametrize("role", ["support", "readonly"])
def test_roles_without_export_get_403(lucia, acme, role):
    assert _export(login(acme.users[role]), lucia).status_code == 403
    assert not AuditEntry.objects.filter(action="privacy.exported").exists()


def test_the_export_is_404_for_a_rep_of_another_team_and_for_another_workspace(lucia, acme, globex):
    assert _export(login(acme.users["rep2"]), lucia).status_code == 404
    assert _export(login(globex.users["admin"]), lucia).status_code == 404
    assert login(globex.users["admin"]).get(f"/contacts/{lucia.pk}/privacy/").status_code == 404


def test_the_privacy_page_shows_consent_and_offers_only_what_the_role_allows(lucia, acme):
    rep_page = login(lucia.owner).get(f"/contacts/{lucia.pk}/privacy/").content.decode()
    admin_page = login(acme.users["admin"]).get(f"/contacts/{lucia.pk}/privacy/").content.decode()

    assert "Email marketing consent" in rep_page and "export.json" in rep_page
    assert "/privacy/anonymise/" not in rep_page and "Only administrators" in rep_page
    assert "/privacy/anonymise/" in admin_page and "/privacy/erase/" in admin_page


# --- anonymise -------------------------------------------------------------------------------------------------


def _anonymise(client, contact, reason="Solicitud RGPD ref. 2025-017 por email"):
    return client.post(f"/contacts/{contact.pk}/privacy/anonymise/", {"reason": reason})


def test_anonymising_removes_personal_data_everywhere_but_keeps_the_record(
        lucia, acme, django_capture_on_commit_callbacks):
    admin = login(acme.users["admin"])
    _export(login(lucia.owner), lucia)  # an earlier audit entry that named her
    company = Company.objects.get()
    file_name = Attachment.objects.get().file.name
    assert default_storage.exists(file_name)
    assert admin.get(f"/contacts/{lucia.pk}/privacy/anonymise/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = _anonymise(admin, lucia)

    assert response.status_code == 302 and response["Location"] == f"/contacts/{lucia.pk}/"
    lucia.refresh_from_db()
    assert (str(lucia), lucia.job_title, lucia.birthday, lucia.description) == ("Anonymised contact", "", None, "")
    assert lucia.anonymised_at is not None and lucia.deleted_at is None
    assert (lucia.email_consent, lucia.phone_consent, lucia.email_consent_source) == (
        "refused", "refused", "privacy_request")
    assert not EmailAddress.objects.filter(contact=lucia).exists()
    assert not PhoneNumber.objects.filter(contact=lucia).exists() and not lucia.addresses.exists()
    assert Contact.objects.count() == 1 and company.contacts.get() == lucia
    assert Affiliation.objects.get().role == ""
    assert Note.objects.get().body == "<p>This note was removed at the contact's request.</p>"
    assert not Attachment.objects.exists() and not default_storage.exists(file_name)
    old = FieldChange.objects.filter(record_id=lucia.pk).exclude(field="anonymised_at")
    assert old.exists() and not old.exclude(old_value="", new_value="").exists()

    assert not search_contacts(Contact.objects.all(), EMAIL).exists()
    assert not search_contacts(Contact.objects.all(), "612 34 56 78").exists()
    for text in (EMAIL, "612 34 56 78", "Lucía", "Peña"):
        assert "Anonymised contact" not in admin.get("/search/", {"q": text}).content.decode(), text
    page = admin.get(f"/contacts/{lucia.pk}/").content.decode()
    assert "Anonymised contact" in page
    for personal in ("Lucía", "Sierpes", "Jefa de compras", "muestras", "pedido.pdf", EMAIL):
        assert personal not in page, personal

    entry = AuditEntry.objects.get(action="privacy.anonymised")
    assert entry.actor == acme.users["admin"] and entry.target_id == str(lucia.pk)
    assert entry.details["reason"] == "Solicitud RGPD ref. 2025-017 por email"
    expected = {"emails": 1, "phones": 1, "addresses": 1, "notes": 1, "attachments": 1, "affiliations_kept": 1}
    assert expected.items() <= entry.details["counts"].items()
    everything_audited = json.dumps(list(AuditEntry.objects.values("target_label", "details")))
    assert "Lucía" not in everything_audited and EMAIL not in everything_audited


def test_without_a_reason_nothing_is_anonymised(lucia, acme):
    response = _anonymise(login(acme.users["admin"]), lucia, reason="   ")

    assert response.status_code == 422 and "“Reason” is required." in response.content.decode()
    lucia.refresh_from_db()
    assert str(lucia) == "Lucía Peña" and lucia.emails.exists()
    assert not AuditEntry.objects.filter(action__startswith="privacy.").exists()


@pytest.mark.parametrize("role", ["rep", "manager", "marketing"])
def test_only_administrators_may_anonymise_or_erase(lucia, acme, role):
    client = login(acme.users[role])
    for action in ("anonymise", "erase"):
        assert client.get(f"/contacts/{lucia.pk}/privacy/{action}/").status_code == 403
        assert client.post(f"/contacts/{lucia.pk}/privacy/{action}/", {"reason": "x"}).status_code == 403
    lucia.refresh_from_db()
    assert str(lucia) == "Lucía Peña" and Contact.objects.filter(pk=lucia.pk).exists()


def test_an_admin_of_another_workspace_gets_404(lucia, globex):
    client = login(globex.users["admin"])
    assert _anonymise(client, lucia).status_code == 404
    assert client.post(f"/contacts/{lucia.pk}/privacy/erase/", {"reason": "x"}).status_code == 404


def test_a_failure_part_way_leaves_everything_as_it_was(lucia, acme, django_capture_on_commit_callbacks):
    def broken(contact, by):
        raise RuntimeError("disk full")

    file_name = Attachment.objects.get().file.name
    privacy.register_anonymiser(broken)
    try:
        with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
            privacy.contact_anonymise(contact=lucia, by=acme.users["admin"], reason="ref. 17")
    finally:
        privacy._anonymisers.remove(broken)

    lucia.refresh_from_db()
    assert str(lucia) == "Lucía Peña" and lucia.anonymised_at is None
    assert lucia.emails.count() == 1 and Attachment.objects.count() == 1 and default_storage.exists(file_name)
    assert "muestras" in Note.objects.get().body
    assert not AuditEntry.objects.filter(action="privacy.anonymised").exists()


# --- erase -----------------------------------------------------------------------------------------------------


def test_erasing_deletes_the_contact_notes_files_and_history_and_keeps_only_the_audit_entry(
        lucia, acme, django_capture_on_commit_callbacks):
    admin = login(acme.users["admin"])
    file_name = Attachment.objects.get().file.name
    assert "This cannot be undone" in admin.get(f"/contacts/{lucia.pk}/privacy/erase/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/contacts/{lucia.pk}/privacy/erase/", {"reason": "Derecho de supresión, ref. 18"})

    assert response.status_code == 302 and response["Location"] == "/contacts/"
    assert not Contact.with_trashed.filter(pk=lucia.pk).exists()
    assert not Note.objects.exists() and not Attachment.objects.exists() and not default_storage.exists(file_name)
    assert not FieldChange.objects.filter(record_id=lucia.pk).exists()
    assert not EmailAddress.objects.exists() and Company.objects.count() == 1
    entry = AuditEntry.objects.get(action="privacy.erased")
    assert entry.target_id == str(lucia.pk) and entry.target_label == "Anonymised contact"
    assert entry.details["reason"] == "Derecho de supresión, ref. 18" and entry.details["counts"]["notes"] == 1
    assert "Lucía" not in json.dumps(entry.details)


def test_a_contact_already_in_the_trash_can_be_erased(lucia, acme):
    from clientela.registry.services import record_trash

    record_trash(entity=entities.get("contacts"), record=lucia, by=acme.users["admin"])
    response = login(acme.users["admin"]).post(f"/contacts/{lucia.pk}/privacy/erase/", {"reason": "ref. 19"})

    assert response.status_code == 302
    with use_workspace(acme):
        assert not Contact.with_trashed.filter(pk=lucia.pk).exists()


def _today_for(user):
    """The date on the user's calendar: near midnight UTC it differs from the server's."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(user.timezone))
