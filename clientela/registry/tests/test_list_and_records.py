import pytest

from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.history.models import FieldChange
from clientela.integrations.models import ChangeEvent
from clientela.registry.selectors import capped_count
from clientela.security import access
from clientela.workspaces.scoping import use_workspace
from conftest import login

EMPTY_INLINES = {f"{p}-{k}": v for p in ("emails", "phones", "addresses", "affiliations")
                 for k, v in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))}


@pytest.fixture
def crowd(in_acme):
    admin, rep = in_acme.users["admin"], in_acme.users["rep"]
    factories.contact(admin, first="Ana", last="Zapata", lifecycle_status="customer", owner=rep)
    factories.contact(admin, first="Bruno", last="Alonso", lifecycle_status="lead", owner=rep)
    factories.contact(admin, first="Carla", last="Mendes", lifecycle_status="customer", owner=admin)
    return in_acme


def _names(response):
    import re

    return re.findall(r'class="primary"><a href="/contacts/[^"]+/">([^<]+)</a>', response.content.decode())


def test_list_sorts_by_a_column_both_ways(crowd):
    client = login(crowd.users["admin"])
    assert _names(client.get("/contacts/", {"sort": "name"})) == ["Bruno Alonso", "Carla Mendes", "Ana Zapata"]
    assert _names(client.get("/contacts/", {"sort": "-name"})) == ["Ana Zapata", "Carla Mendes", "Bruno Alonso"]


def test_list_filters_combine_with_free_text(crowd):
    client = login(crowd.users["admin"])
    rep = crowd.users["rep"]
    assert sorted(_names(client.get("/contacts/", {"f_lifecycle_status": "customer"}))) == ["Ana Zapata", "Carla Mendes"]
    assert _names(client.get("/contacts/", {"f_lifecycle_status": "customer", "f_owner": rep.pk})) == ["Ana Zapata"]
    assert _names(client.get("/contacts/", {"q": "mend"})) == ["Carla Mendes"]


def test_list_shows_the_total_and_pages(crowd):
    client = login(crowd.users["admin"])
    page = client.get("/contacts/", {"per_page": 25}).content.decode()
    assert "3 records" in page and "Page 1 of 1" in page


def test_the_capped_count_is_each_lists_own_and_stops_at_the_limit(crowd, settings):
    admin, rep = crowd.users["admin"], crowd.users["rep"]
    with use_workspace(crowd):
        everything = access.visible(admin, Contact.objects.all(), "contacts")
        assert capped_count(everything) == (3, True)
        assert capped_count(access.visible(rep, Contact.objects.all(), "contacts")) == \
            (access.visible(rep, Contact.objects.all(), "contacts").count(), True)
        assert capped_count(everything.filter(lifecycle_status="customer")) == (2, True)
        assert capped_count(everything.filter(pk__in=[])) == (0, True)  # no SQL to send at all
        settings.CLIENTELA = {**settings.CLIENTELA, "EXACT_COUNT_LIMIT": 2}
        assert capped_count(everything) == (2, False)
        assert capped_count(everything.filter(owner=rep)) == (2, True)


def test_htmx_requests_get_only_the_results_fragment(crowd):
    response = login(crowd.users["admin"]).get("/contacts/", {"q": "Ana"}, HTTP_HX_REQUEST="true")
    assert "<html" not in response.content.decode() and _names(response) == ["Ana Zapata"]


def test_a_saved_view_keeps_filters_and_can_be_shared_with_a_team(crowd):
    from clientela.workspaces.models import Team

    manager = crowd.users["manager"]
    sales = Team.objects.get(name="Sales")
    client = login(manager)
    response = client.post("/contacts/views/", {"name": "Clientes", "f_lifecycle_status": "customer",
                                                "team": sales.pk})
    assert response.status_code == 302
    view_url = response["Location"]
    # the manager sees the team's customers only: Carla belongs to the admin, outside Sales
    assert _names(client.get(view_url)) == ["Ana Zapata"]
    assert "Clientes" not in login(crowd.users["rep"]).get("/contacts/").content.decode()  # rep is not in Sales
    sales.members.add(crowd.users["rep2"])
    assert "Clientes" in login(crowd.users["rep2"]).get("/contacts/").content.decode()


def test_create_form_names_the_field_and_rule_and_saves_nothing(in_acme):
    client = login(in_acme.users["admin"])
    data = {"first_name": "", "lifecycle_status": "lead", **EMPTY_INLINES,
            "emails-TOTAL_FORMS": "1", "emails-0-email": "not-an-email", "emails-0-label": "work"}
    response = client.post("/contacts/new/", data)
    page = response.content.decode()
    assert response.status_code == 422
    assert "“First name” is required." in page
    assert "“Email” must be an email address like name@example.com." in page
    assert Contact.objects.count() == 0


def test_an_invalid_phone_in_an_inline_row_keeps_the_whole_record_unsaved(in_acme):
    client = login(in_acme.users["admin"])
    data = {"first_name": "Pablo", "lifecycle_status": "lead", **EMPTY_INLINES,
            "phones-TOTAL_FORMS": "1", "phones-0-number": "12", "phones-0-label": "mobile"}
    response = client.post("/contacts/new/", data)
    assert response.status_code == 422
    assert "is not a phone number" in response.content.decode() or "not a valid phone" in response.content.decode()
    assert Contact.objects.count() == 0


def test_too_long_values_are_refused_with_the_limit(in_acme):
    client = login(in_acme.users["admin"])
    response = client.post("/contacts/new/", {"first_name": "x" * 101, "lifecycle_status": "lead", **EMPTY_INLINES})
    assert "“First name” can have at most 100 characters (it has 101)." in response.content.decode()


def test_editing_records_field_history_shown_on_the_record(in_acme):
    admin = in_acme.users["admin"]
    contact = factories.contact(admin, first="Eva", last="Ruiz")
    client = login(admin)
    data = {"first_name": "Eva", "last_name": "Ruiz", "job_title": "Directora comercial", "lifecycle_status": "customer",
            "owner": admin.pk, **EMPTY_INLINES}
    assert client.post(f"/contacts/{contact.pk}/edit/", data).status_code == 302
    change = FieldChange.objects.get(record_id=contact.pk, field="lifecycle_status", action="updated")
    assert (change.old_value, change.new_value, change.actor) == ("Lead", "Customer", admin)
    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "Directora comercial" in page and "Job title" in page


def test_trash_restore_and_purge(in_acme):
    admin = in_acme.users["admin"]
    contact = factories.contact(admin, first="Tomás", last="Gil")
    client = login(admin)
    client.post(f"/contacts/{contact.pk}/delete/")
    assert _names(client.get("/contacts/")) == []
    assert "Tomás Gil" in client.get("/contacts/trash/").content.decode()
    assert client.get(f"/contacts/{contact.pk}/").status_code == 404
    client.post(f"/contacts/{contact.pk}/restore/")
    assert _names(client.get("/contacts/")) == ["Tomás Gil"]
    client.post(f"/contacts/{contact.pk}/delete/")
    client.post(f"/contacts/{contact.pk}/purge/")
    assert not Contact.with_trashed.filter(pk=contact.pk).exists()


def test_purge_refuses_records_that_are_not_in_the_trash(in_acme):
    admin = in_acme.users["admin"]
    contact = factories.contact(admin)
    assert login(admin).post(f"/contacts/{contact.pk}/purge/").status_code == 404
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_bulk_assign_owner_and_bulk_delete(crowd):
    admin, rep2 = crowd.users["admin"], crowd.users["rep2"]
    ids = list(Contact.objects.filter(lifecycle_status="customer").values_list("pk", flat=True))
    client = login(admin)
    client.post("/contacts/bulk/", {"ids": ids, "action": "owner", "value": rep2.pk})
    assert set(Contact.objects.filter(pk__in=ids).values_list("owner", flat=True)) == {rep2.pk}
    history = FieldChange.objects.filter(field="owner", action="updated", record_id__in=ids)
    # each record's history names its own previous owner, and the new one
    assert sorted((c.old_value, c.new_value) for c in history) == sorted(
        [(str(crowd.users["rep"]), str(rep2)), (str(admin), str(rep2))])
    assert Contact.objects.filter(pk__in=ids, updated_by=admin).count() == 2
    logged = ChangeEvent.objects.filter(name="record.updated", record_id__in=[str(i) for i in ids])
    assert {e.changes["owner"]["new"] for e in logged} == {str(rep2)} and logged.count() == 2
    client.post("/contacts/bulk/", {"ids": ids, "action": "owner", "value": rep2.pk})  # nothing changes
    assert history.count() == 2
    client.post("/contacts/bulk/", {"ids": ids, "action": "delete"})
    assert Contact.objects.count() == 1 and Contact.trashed.count() == 2


def test_bulk_status_change_is_written_in_the_workspace_words(crowd):
    ids = list(Contact.objects.filter(lifecycle_status="customer").values_list("pk", flat=True))
    login(crowd.users["admin"]).post("/contacts/bulk/", {"ids": ids, "action": "lifecycle_status", "value": "lead"})
    assert set(Contact.objects.filter(pk__in=ids).values_list("lifecycle_status", flat=True)) == {"lead"}
    changes = FieldChange.objects.filter(field="lifecycle_status", action="updated", record_id__in=ids)
    assert {(c.old_value, c.new_value) for c in changes} == {("Customer", "Lead")} and changes.count() == 2


def test_bulk_edit_rejects_a_value_outside_the_choices(crowd):
    client = login(crowd.users["admin"])
    ids = list(Contact.objects.values_list("pk", flat=True))
    response = client.post("/contacts/bulk/", {"ids": ids, "action": "lifecycle_status", "value": "bogus"}, follow=True)
    assert "choose a valid value" in response.content.decode()
    assert not Contact.objects.filter(lifecycle_status="bogus").exists()


def test_export_neutralises_spreadsheet_formulas(in_acme):
    admin = in_acme.users["admin"]
    factories.contact(admin, first="=HYPERLINK(\"http://evil\")", last="@SUM(A1)")
    body = b"".join(login(admin).get("/contacts/export.csv").streaming_content).decode()
    assert "'=HYPERLINK" in body and "'@SUM" not in body.replace("'=HYPERLINK", "")  # last name is mid-cell
    assert '\n"=HYPERLINK' not in body and "\n=HYPERLINK" not in body


def test_tags_are_typed_as_names_created_once_and_filterable(in_acme):
    client = login(in_acme.users["admin"])
    for first in ("Inés", "Iván"):
        response = client.post("/contacts/new/", {"first_name": first, "lifecycle_status": "lead",
                                                  "tags": "VIP, Feria 2026, vip", **EMPTY_INLINES})
        assert response.status_code == 302
    from clientela.customers.models import Tag

    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Feria 2026", "VIP"]
    assert sorted(_names(client.get("/contacts/", {"f_tags": "feria 2026"}))) == ["Inés", "Iván"]


def test_the_same_company_twice_on_a_contact_is_refused_by_name(in_acme):
    admin = in_acme.users["admin"]
    factories.company(admin, name="Olivos S.A.")
    data = {"first_name": "Rosa", "lifecycle_status": "lead", **EMPTY_INLINES, "affiliations-TOTAL_FORMS": "2",
            "affiliations-0-company_name": "Olivos S.A.", "affiliations-1-company_name": "olivos s.a."}
    response = login(admin).post("/contacts/new/", data)
    assert response.status_code == 422 and "already listed above" in response.content.decode()
    assert Contact.objects.count() == 0
