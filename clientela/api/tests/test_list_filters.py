"""List filters with operators: `f_<name>[__in|__gt|__gte|__lt|__lte|__contains|__isempty]`, on built-in and
custom fields, and a 400 naming the parameter for anything that would not filter (never silently ignored)."""

import zoneinfo
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.customization import picklists
from clientela.customization.models import FieldDefinition, PicklistOverride
from clientela.security.models import Role
from clientela.security.roles import DEFAULT_ROLES, HIDDEN
from clientela.workspaces.scoping import use_workspace

from .test_api import PROBLEM, api_client


def _custom(workspace, key, kind, entity="contacts", **extra):
    with use_workspace(workspace):
        return FieldDefinition.objects.create(workspace=workspace, entity=entity, key=key, kind=kind,
                                              label_en=key.title(), label_es=key.title(), **extra)


@pytest.fixture
def companies(acme):
    """Five companies with different industries, revenues, tax ids and tags."""
    with use_workspace(acme):
        admin = acme.users["admin"]
        rows = [("Bodegas Peña", "retail", "1500.50", "B123", "wine, vip"),
                ("Colegio Norte", "education", "900", "", ""),
                ("Eólica Sur", "energy", "250000", "E-77", "vip"),
                ("Academia Sol", "education", "", "A9", "Wine"),
                ("Tienda Mar", "", "75.25", "", "")]
        for name, industry, revenue, tax_id, tags in rows:
            factories.company(admin, name=name, industry=industry, annual_revenue=revenue, tax_id=tax_id, tags=tags)
    return rows


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(row.get("name") or row["first_name"] for row in response.json()["results"])


def problem(response, status=400) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["errors"][0]["code"] == body["code"]
    return body


# --- built-in fields -----------------------------------------------------------------------------------------


def test_equals_and_in_on_a_picklist(admin_api, companies):
    url = "/api/v1/companies"

    assert names(admin_api.get(url, {"f_industry": "education"})) == ["Academia Sol", "Colegio Norte"]
    assert names(admin_api.get(url, {"f_industry__in": "education, energy"})) == [
        "Academia Sol", "Colegio Norte", "Eólica Sur"]
    assert names(admin_api.get(url, {"f_industry__isempty": "true"})) == ["Tienda Mar"]
    assert len(names(admin_api.get(url, {"f_industry__isempty": "false"}))) == 4


def test_a_picklist_takes_the_workspace_options_and_refuses_any_other_value(acme, admin_api, companies):
    """Options an admin added or retired count; a label, a typo or a value from another list is a 400 naming the
    parameter and the options, not an empty page that looks like "no such records"."""
    with use_workspace(acme):
        PicklistOverride.objects.create(workspace=acme, entity="companies", field="industry", options=[
            {"value": "mining", "label_en": "Mining", "label_es": "Minería", "active": True},
            {"value": "retail", "label_en": "Retail", "label_es": "Comercio", "active": False}])
    picklists.invalidate()
    url = "/api/v1/companies"

    assert names(admin_api.get(url, {"f_industry": "retail"})) == ["Bodegas Peña"]  # retired: records keep it
    assert names(admin_api.get(url, {"f_industry": "mining"})) == []
    assert names(admin_api.get(url, {"f_industry__in": ["mining", "energy"]})) == ["Eólica Sur"]
    for params, field in (({"f_industry": "Education"}, "f_industry"),
                          ({"f_industry__in": "education,minería"}, "f_industry__in"),
                          ({"f_industry": "lead"}, "f_industry")):
        body = problem(admin_api.get(url, params))
        assert (body["code"], body["errors"][0]["field"]) == ("invalid_value", field)
        assert "“education”" in body["detail"] and "“mining”" in body["detail"]


def test_number_ranges_equals_in_and_empty(admin_api, companies):
    url = "/api/v1/companies"

    assert names(admin_api.get(url, {"f_annual_revenue__gte": "900"})) == ["Bodegas Peña", "Colegio Norte",
                                                                          "Eólica Sur"]
    assert names(admin_api.get(url, {"f_annual_revenue__gt": "900", "f_annual_revenue__lt": "250000"})) == [
        "Bodegas Peña"]
    assert names(admin_api.get(url, {"f_annual_revenue__lte": "900"})) == ["Colegio Norte", "Tienda Mar"]
    assert names(admin_api.get(url, {"f_annual_revenue": "1500.5"})) == ["Bodegas Peña"]
    assert names(admin_api.get(url, {"f_annual_revenue__in": "75.25,900"})) == ["Colegio Norte", "Tienda Mar"]
    assert names(admin_api.get(url, {"f_annual_revenue__isempty": "true"})) == ["Academia Sol"]


def test_text_contains_in_any_case_equals_in_and_empty(admin_api, companies):
    url = "/api/v1/companies"

    assert names(admin_api.get(url, {"f_name__contains": "OL"})) == ["Academia Sol", "Colegio Norte"]
    assert names(admin_api.get(url, {"f_name__contains": "100%_"})) == []  # LIKE wildcards are literal
    assert names(admin_api.get(url, {"f_name": "Tienda Mar"})) == ["Tienda Mar"]
    assert names(admin_api.get(url, {"f_tax_id__in": "B123,A9"})) == ["Academia Sol", "Bodegas Peña"]
    assert names(admin_api.get(url, {"f_tax_id__isempty": "true"})) == ["Colegio Norte", "Tienda Mar"]


def test_tags_in_and_empty_do_not_repeat_records(admin_api, companies):
    url = "/api/v1/companies"

    found = admin_api.get(url, {"f_tags__in": "wine,VIP"}).json()
    assert sorted(r["name"] for r in found["results"]) == ["Academia Sol", "Bodegas Peña", "Eólica Sur"]
    assert found["count"] == 3  # Bodegas Peña has both tags and is counted once
    assert names(admin_api.get(url, {"f_tags__isempty": "true"})) == ["Colegio Norte", "Tienda Mar"]
    assert names(admin_api.get(url, {"f_tags": "wine", "q": "bod"})) == ["Bodegas Peña"]


def test_owner_in_and_empty(acme, admin_api):
    with use_workspace(acme):
        factories.contact(acme.users["admin"], first="Ana")
        factories.contact(acme.users["admin"], first="Bea", owner=acme.users["rep"])
        Contact.objects.filter(first_name="Ana").update(owner=None)
        factories.contact(acme.users["admin"], first="Carla")

    assert names(admin_api.get("/api/v1/contacts", {"f_owner__in": f"me,{acme.users['rep'].pk}"})) == ["Bea",
                                                                                                      "Carla"]
    assert names(admin_api.get("/api/v1/contacts", {"f_owner__isempty": "true"})) == ["Ana"]
    assert names(admin_api.get("/api/v1/contacts", {"f_owner__in": "none"})) == ["Ana"]
    assert names(admin_api.get("/api/v1/contacts", {"f_owner": "me"})) == ["Carla"]


def test_dates_and_date_times(acme, admin_api):
    with use_workspace(acme):
        for first, birthday in (("Ana", "1980-01-31"), ("Bea", "1990-05-17"), ("Carla", "")):
            factories.contact(acme.users["admin"], first=first, birthday=birthday)
        old = timezone.now() - timedelta(days=10)
        Contact.objects.filter(first_name="Ana").update(updated_at=old)
    url = "/api/v1/contacts"
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(acme.users["admin"].timezone)).isoformat()  # the API's day

    assert names(admin_api.get(url, {"f_birthday__gte": "1985-01-01"})) == ["Bea"]
    assert names(admin_api.get(url, {"f_birthday__lte": "1990-05-17"})) == ["Ana", "Bea"]
    assert names(admin_api.get(url, {"f_birthday": "1980-01-31"})) == ["Ana"]
    assert names(admin_api.get(url, {"f_birthday__isempty": "true"})) == ["Carla"]
    assert names(admin_api.get(url, {"f_updated_at__gte": today})) == ["Bea", "Carla"]  # a date: the whole day
    assert names(admin_api.get(url, {"f_updated_at__lt": today})) == ["Ana"]
    assert names(admin_api.get(url, {"f_updated_at__lte": today})) == ["Ana", "Bea", "Carla"]
    assert names(admin_api.get(url, {"f_updated_at": today})) == ["Bea", "Carla"]
    moment = (old + timedelta(seconds=1)).isoformat()  # with its offset, e.g. +00:00
    assert names(admin_api.get(url, {"f_updated_at__lt": moment})) == ["Ana"]
    assert names(admin_api.get(f"{url}?f_updated_at__gt={moment}")) == ["Bea", "Carla"]  # "+" read as a space


# --- custom fields -------------------------------------------------------------------------------------------


def test_custom_number_date_text_picklist_and_checkbox_fields(acme, admin_api):
    _custom(acme, "score", "integer")
    _custom(acme, "renewal", "date")
    _custom(acme, "erp_id", "text")
    _custom(acme, "vip", "checkbox")
    _custom(acme, "tier", "picklist", options=[{"value": v, "label_en": v, "label_es": v, "active": True}
                                               for v in ("gold", "silver", "bronze")])
    with use_workspace(acme):
        admin = acme.users["admin"]
        factories.contact(admin, first="Ana", cf_score="5", cf_renewal="2025-03-01", cf_erp_id="ERP-001",
                          cf_tier="gold", cf_vip="on")
        factories.contact(admin, first="Bea", cf_score="12", cf_renewal="2025-09-30", cf_erp_id="erp-002",
                          cf_tier="silver")
        factories.contact(admin, first="Carla")
    url = "/api/v1/contacts"

    assert names(admin_api.get(url, {"f_cf_score": "5"})) == ["Ana"]
    assert names(admin_api.get(url, {"f_cf_score__gte": "6"})) == ["Bea"]
    assert names(admin_api.get(url, {"f_cf_score__lt": "12.5"})) == ["Ana", "Bea"]
    assert names(admin_api.get(url, {"f_cf_score__in": "5,7"})) == ["Ana"]
    assert names(admin_api.get(url, {"f_cf_score__isempty": "true"})) == ["Carla"]
    assert names(admin_api.get(url, {"f_cf_score__isempty": "false"})) == ["Ana", "Bea"]
    assert names(admin_api.get(url, {"f_cf_renewal__gt": "2025-03-01"})) == ["Bea"]
    assert names(admin_api.get(url, {"f_cf_renewal__lte": "2025-03-01"})) == ["Ana"]
    assert names(admin_api.get(url, {"f_cf_erp_id__contains": "ERP-00"})) == ["Ana", "Bea"]
    assert names(admin_api.get(url, {"f_cf_erp_id": "erp-002"})) == ["Bea"]
    assert names(admin_api.get(url, {"f_cf_tier": "gold"})) == ["Ana"]
    assert names(admin_api.get(url, {"f_cf_tier__in": "gold,silver"})) == ["Ana", "Bea"]
    assert names(admin_api.get(url, {"f_cf_tier__isempty": "true"})) == ["Carla"]
    assert problem(admin_api.get(url, {"f_cf_tier": "Gold "}))["errors"][0]["field"] == "f_cf_tier"
    assert problem(admin_api.get(url, {"f_cf_tier__in": "gold,platinum"}))["errors"][0]["field"] == "f_cf_tier__in"
    assert names(admin_api.get(url, {"f_cf_vip": "true"})) == ["Ana"]
    assert names(admin_api.get(url, {"f_cf_vip": "0"})) == ["Bea", "Carla"]


def test_custom_date_time_field(acme, admin_api):
    _custom(acme, "called", "datetime")
    with use_workspace(acme):
        factories.contact(acme.users["admin"], first="Ana", cf_called="2025-03-01 09:30")
        factories.contact(acme.users["admin"], first="Bea", cf_called="2025-03-02 18:00")
    url = "/api/v1/contacts"

    assert names(admin_api.get(url, {"f_cf_called": "2025-03-01"})) == ["Ana"]
    assert names(admin_api.get(url, {"f_cf_called__gte": "2025-03-01T12:00:00"})) == ["Bea"]
    assert names(admin_api.get(url, {"f_cf_called__lt": "2025-03-02"})) == ["Ana"]


# --- refused -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("params", "field", "code"), [
    ({"f_nope": "x"}, "f_nope", "unknown_filter"),
    ({"f_name__startswith": "x"}, "f_name__startswith", "unknown_filter"),
    ({"f_cf_missing": "5"}, "f_cf_missing", "unknown_filter"),
    ({"f_name__gte": "a"}, "f_name__gte", "invalid_operator"),
    ({"f_industry__contains": "edu"}, "f_industry__contains", "invalid_operator"),
    ({"f_annual_revenue__contains": "1"}, "f_annual_revenue__contains", "invalid_operator"),
    ({"f_annual_revenue__gte": "lots"}, "f_annual_revenue__gte", "invalid_value"),
    ({"f_annual_revenue__gte": "NaN"}, "f_annual_revenue__gte", "invalid_value"),
    ({"f_annual_revenue__lt": "1e30"}, "f_annual_revenue__lt", "invalid_value"),
    ({"f_updated_at__gte": "2025-02-30"}, "f_updated_at__gte", "invalid_value"),
    ({"f_updated_at__gte": "yesterday"}, "f_updated_at__gte", "invalid_value"),
    ({"f_created_at__lte": "9999-12-31"}, "f_created_at__lte", "invalid_value"),
    ({"f_industry__isempty": "maybe"}, "f_industry__isempty", "invalid_value"),
    ({"f_owner": "someone"}, "f_owner", "invalid_value"),
    ({"f_owner": "99999999999999999999999"}, "f_owner", "invalid_value"),
    ({"f_owner__in": ",".join(["1"] * 101)}, "f_owner__in", "invalid_value"),
])
def test_filters_that_would_not_filter_are_a_400_naming_the_parameter(admin_api, companies, params, field, code):
    body = problem(admin_api.get("/api/v1/companies", params))

    assert (body["errors"][0]["field"], body["code"]) == (field, code)
    assert field in body["detail"]


def test_custom_field_values_of_the_wrong_type_are_refused(acme, admin_api):
    _custom(acme, "score", "integer")
    _custom(acme, "renewal", "date")

    assert problem(admin_api.get("/api/v1/contacts", {"f_cf_score": "five"}))["code"] == "invalid_value"
    assert problem(admin_api.get("/api/v1/contacts", {"f_cf_renewal__gte": "01/03/2025"}))["code"] == "invalid_value"
    assert problem(admin_api.get("/api/v1/contacts", {"f_cf_renewal__contains": "2025"}))["code"] == "invalid_operator"


def test_an_empty_value_is_no_filter(admin_api, companies):
    assert len(names(admin_api.get("/api/v1/companies", {"f_industry__in": "", "f_annual_revenue__gte": ""}))) == 5


def test_a_field_the_role_hides_cannot_be_filtered_on(acme, companies):
    """Support does not see companies' annual revenue (default role), nor — in this workspace — the industry,
    nor a custom field; filtering on them would reveal the values."""
    rules = DEFAULT_ROLES["support"].rules_json()
    rules["companies"]["fields"].update({"industry": HIDDEN, "cf_rating": HIDDEN})
    _custom(acme, "rating", "integer", entity="companies")
    with use_workspace(acme):
        Role.objects.create(workspace=acme, key="support", name="Support agent", rules=rules)
    support = api_client(acme.users["support"], acme)

    for params in ({"f_annual_revenue__gte": "1000"}, {"f_industry": "education"},
                   {"f_industry__in": "education,energy"}, {"f_cf_rating__gte": "1"}):
        body = problem(support.get("/api/v1/companies", params))
        assert body["code"] == "unknown_filter" and body["errors"][0]["field"] == next(iter(params))
    assert names(support.get("/api/v1/companies", {"f_name__contains": "NORTE"})) == ["Colegio Norte"]
    admin = api_client(acme.users["admin"], acme)
    assert names(admin.get("/api/v1/companies", {"f_industry__in": "education,energy"})) == [
        "Academia Sol", "Colegio Norte", "Eólica Sur"]


def test_the_schema_documents_the_operator_forms(client):
    parameters = {p["name"]: p for p in client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/companies"][
        "get"]["parameters"]}

    for name in ("f_industry", "f_industry__in", "f_industry__isempty", "f_annual_revenue__gte",
                 "f_annual_revenue__lt", "f_name__contains", "f_updated_at__gte", "f_tags__in", "f_owner__in"):
        assert name in parameters, name
    assert "f_name__gte" not in parameters and "f_industry__contains" not in parameters
    assert parameters["f_industry__isempty"]["schema"]["enum"] == ["", "true", "false"]
    assert "education" in parameters["f_industry"]["schema"]["enum"]


def test_a_filtered_page_costs_the_same_queries_as_an_unfiltered_one(admin_api, companies):
    admin_api.get("/api/v1/companies")  # warm the per-role caches
    with CaptureQueriesContext(connection) as plain:
        admin_api.get("/api/v1/companies")
    with CaptureQueriesContext(connection) as filtered:
        response = admin_api.get("/api/v1/companies", {"f_tags__in": "vip,wine", "f_annual_revenue__gte": "1",
                                                       "f_name__contains": "a", "f_industry__isempty": "false"})

    assert names(response) == ["Bodegas Peña", "Eólica Sur"]
    assert len(filtered) == len(plain)
