"""`include=` embeds related records, with the access decision, and a fixed number of queries per page."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from clientela.customers.tests import factories
from clientela.workspaces.scoping import use_workspace

from .test_api import PROBLEM, api_client


def _people(acme, count: int, owner):
    with use_workspace(acme):
        seen = factories.company(owner, name="Visible S.L.", annual_revenue="1000000")
        unseen = factories.company(acme.users["rep2"], name="Hidden S.L.")
        return seen, unseen, [factories.contact(owner, first=f"P{n}", last="Ruiz", affiliations=[
            {"company_name": "Visible S.L.", "role": "Buyer"}, {"company_name": "Hidden S.L."}])
            for n in range(count)]


def test_a_contact_embeds_its_companies_and_owner_but_not_what_the_user_may_not_see(acme):
    rep = acme.users["rep"]
    seen, _unseen, people = _people(acme, 1, rep)

    body = api_client(rep, acme).get(f"/api/v1/contacts/{people[0].pk}", {"include": "companies,owner,emails"})

    assert body.status_code == 200, body.content
    included = body.json()["included"]
    assert [c["name"] for c in included["companies"]] == ["Visible S.L."]  # rep2's company is left out
    assert included["companies"][0]["id"] == str(seen.pk) and "phones" in included["companies"][0]
    assert included["owner"] == {"id": rep.pk, "full_name": rep.full_name, "email": rep.email}
    assert set(included) == {"companies", "owner"}  # emails are part of the record already


def test_field_security_applies_to_embedded_records(acme):
    _seen, _unseen, people = _people(acme, 1, acme.users["admin"])

    as_admin = api_client(acme.users["admin"], acme).get("/api/v1/contacts", {"include": "companies"}).json()
    as_support = api_client(acme.users["support"], acme).get("/api/v1/contacts", {"include": "companies"}).json()

    admin_company, = (c for c in as_admin["results"][0]["included"]["companies"] if c["name"] == "Visible S.L.")
    support_company, = (c for c in as_support["results"][0]["included"]["companies"] if c["name"] == "Visible S.L.")
    assert admin_company["annual_revenue"] is not None and "annual_revenue" not in support_company


def test_a_company_embeds_its_contacts(acme):
    seen, _unseen, people = _people(acme, 3, acme.users["admin"])

    body = api_client(acme.users["admin"], acme).get(f"/api/v1/companies/{seen.pk}", {"include": "contacts"}).json()

    assert sorted(c["first_name"] for c in body["included"]["contacts"]) == ["P0", "P1", "P2"]


def test_including_costs_the_same_queries_for_any_page_size(acme):
    _people(acme, 12, acme.users["admin"])
    client = api_client(acme.users["admin"], acme)
    params = {"include": "companies,owner", "sort": "name"}
    client.get("/api/v1/contacts", {**params, "limit": 1})  # warm caches (token, role)

    counts = []
    for limit in (2, 12):
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/api/v1/contacts", {**params, "limit": limit}).json()
        assert len(page["results"]) == limit and all(r["included"]["companies"] for r in page["results"])
        counts.append(len(queries))

    assert counts[0] == counts[1], counts


def test_unknown_includes_are_a_400_naming_the_parameter(acme):
    client = api_client(acme.users["admin"], acme)

    listed = client.get("/api/v1/contacts", {"include": "companies,invoices"})
    one = client.get("/api/v1/companies/00000000-0000-0000-0000-000000000000", {"include": "tags"})

    assert listed.status_code == 400 and listed["Content-Type"] == PROBLEM
    assert listed.json()["errors"][0]["field"] == "include" and "invoices" in listed.json()["detail"]
    assert one.status_code == 400
