"""A field hidden from a role is hidden everywhere: forms, lists, filters, sorting, exports, API, history."""

import pytest

from clientela.customers.models import Company
from clientela.customers.tests import factories
from clientela.security.models import Role
from clientela.security.roles import DEFAULT_ROLES
from clientela.security.tokens import token_create
from conftest import login

REVENUE = "987654321"


@pytest.fixture
def company(in_acme):
    admin = in_acme.users["admin"]
    company = factories.company(admin, name="Naviera Cantábrica S.A.", annual_revenue="987654321.00",
                                phones=[{"number": "+34 942 000 111", "label": "work"}])
    client = login(admin)  # a later change, so the field has history
    data = {"name": company.name, "lifecycle_status": "customer", "currency": "EUR", "annual_revenue": "123.00",
            "owner": admin.pk, **{f"{p}-{k}": v for p in ("phones", "emails", "addresses")
                                  for k, v in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))}}
    assert client.post(f"/companies/{company.pk}/edit/", data).status_code == 302
    Company.objects.filter(pk=company.pk).update(annual_revenue="987654321.00")
    return company


def _everything_support_sees(acme, company):
    client = login(acme.users["support"])
    pages = [client.get(f"/companies/{company.pk}/"), client.get("/companies/"),
             client.get(f"/companies/{company.pk}/edit/")]
    text = "".join(p.content.decode() for p in pages)
    token = token_create(user=acme.users["support"], workspace=acme, name="t")[1]
    api = login(acme.users["support"])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    text += api.get(f"/api/v1/companies/{company.pk}", **headers).content.decode()
    text += api.get("/api/v1/companies", **headers).content.decode()
    return text


def test_support_agents_never_see_annual_revenue(company, acme):
    text = _everything_support_sees(acme, company)
    assert "Naviera Cantábrica" in text
    for leak in (REVENUE, "annual_revenue", "Annual revenue", "123.00"):
        assert leak not in text


def test_the_admin_still_sees_it(company, acme):
    page = login(acme.users["admin"]).get(f"/companies/{company.pk}/").content.decode()
    assert "Annual revenue" in page and "987654321" in page


def test_hiding_an_inline_hides_its_column_and_its_search(in_acme):
    admin = in_acme.users["admin"]
    rule = DEFAULT_ROLES["marketing"].rules_json()
    rule["contacts"] = {**rule["contacts"], "fields": {"phones": "hidden"}}
    Role.objects.create(workspace=in_acme, key="marketing", name="Marketing", rules=rule)
    contact = factories.contact(admin, first="Paz", phones=[{"number": "612 00 00 01", "label": "mobile"}])
    client = login(in_acme.users["marketing"])
    listing = client.get("/contacts/").content.decode()
    assert "Paz" in listing and "612 00 00 01" not in listing
    assert "612 00 00 01" not in client.get(f"/contacts/{contact.pk}/").content.decode()
    export = b"".join(client.get("/contacts/export.csv").streaming_content).decode()
    assert "Paz" in export and "+34612000001" not in export and "612 00 00 01" not in export
    found = client.get("/search/", {"q": "612 00 00 01"}).content.decode()
    assert f"/contacts/{contact.pk}/" not in found  # no finding people by a field you may not see
    filtered = client.get("/contacts/", {"q": "612 00 00 01"})  # nor in the list's own filter
    assert filtered.status_code == 200 and f"/contacts/{contact.pk}/" not in filtered.content.decode()
    assert f"/contacts/{contact.pk}/" in client.get("/contacts/", {"q": "Paz"}).content.decode()


def test_a_read_only_field_is_shown_but_cannot_be_changed(in_acme):
    admin = in_acme.users["admin"]
    rule = DEFAULT_ROLES["rep"].rules_json()
    rule["contacts"] = {**rule["*"], "fields": {"lifecycle_status": "read"}}
    Role.objects.create(workspace=in_acme, key="rep", name="Sales rep", rules=rule)
    rep = in_acme.users["rep"]
    contact = factories.contact(admin, first="Leo", owner=rep, lifecycle_status="lead")
    client = login(rep)
    data = {"first_name": "Leo", "lifecycle_status": "customer", "owner": rep.pk,
            **{f"{p}-{k}": v for p in ("emails", "phones", "addresses", "affiliations")
               for k, v in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))}}
    assert client.post(f"/contacts/{contact.pk}/edit/", data).status_code == 302
    contact.refresh_from_db()
    assert contact.lifecycle_status == "lead"
    token = token_create(user=rep, workspace=in_acme, name="t")[1]
    response = client.patch(f"/api/v1/contacts/{contact.pk}", {"lifecycle_status": "customer"},
                            content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 422 and response.json()["errors"][0]["code"] == "read_only"


def test_a_forbidden_page_explains_itself_in_the_users_language(in_acme):
    client = login(in_acme.users["readonly"])
    response = client.get("/contacts/new/")
    assert response.status_code == 403 and "Your role does not allow this." in response.content.decode()
    in_acme.users["readonly"].language = "es"
    in_acme.users["readonly"].save()
    page = login(in_acme.users["readonly"]).get("/contacts/new/").content.decode()
    assert "Tu rol no lo permite." in page and "No puedes hacer esto" in page
    missing = client.get("/contacts/00000000-0000-0000-0000-000000000000/")
    assert missing.status_code == 404 and "no esté compartido contigo" in missing.content.decode()
