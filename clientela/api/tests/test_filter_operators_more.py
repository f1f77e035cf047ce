"""More list filter operators: multi-picklist custom fields (`f_cf_<key>`, `__in`, `__isempty`), and `__in`
values that contain commas (the parameter repeated, one whole value each)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clientela.customers.models import Contact
from clientela.customers.tests import factories
from clientela.security.models import Role
from clientela.security.roles import DEFAULT_ROLES, HIDDEN
from clientela.workspaces.scoping import use_workspace

from .test_api import api_client, send
from .test_list_filters import _custom, names, problem

CONTACTS = "/api/v1/contacts"
COMPANIES = "/api/v1/companies"
OPTIONS = [{"value": "a", "label_en": "Art", "label_es": "Arte", "active": True},
           {"value": "b", "label_en": "Books", "label_es": "Libros", "active": True},
           {"value": "c", "label_en": "Cinema", "label_es": "Cine", "active": True},
           {"value": "d", "label_en": "Dance", "label_es": "Baile", "active": False}]


def _set_custom(workspace, first_name: str, **values) -> None:
    """Store custom values as they are kept (the factory posts single values only, not a multiple choice)."""
    with use_workspace(workspace):
        contact = Contact.objects.get(first_name=first_name)
        Contact.objects.filter(pk=contact.pk).update(custom={**(contact.custom or {}), **values})


@pytest.fixture
def interests(acme, admin_api):
    """A multi-picklist "interests" (a, b, c and the inactive d) and a second one, "regions", using the same keys.

    Ana: a, b · Bea: b · Carla: c (regions: b) · Dora: none · Eva: d (inactive) · Fran: a, c, written through
    the API · Gil: "b" stored as a single value, not a list (a multi-picklist's value is always a list: it is
    no selection, on either database).
    """
    _custom(acme, "interests", "multi_picklist", options=OPTIONS)
    _custom(acme, "regions", "multi_picklist", options=OPTIONS)
    with use_workspace(acme):
        for first in ("Ana", "Bea", "Carla", "Dora", "Eva", "Gil"):
            factories.contact(acme.users["admin"], first=first)
    _set_custom(acme, "Ana", interests=["a", "b"])
    _set_custom(acme, "Bea", interests=["b"])
    _set_custom(acme, "Carla", interests=["c"], regions=["b"])
    _set_custom(acme, "Eva", interests=["d"])
    _set_custom(acme, "Gil", interests="b")
    created = send(admin_api, "post", CONTACTS, {"first_name": "Fran", "lifecycle_status": "lead",
                                                 "custom": {"interests": ["a", "c"]}})
    assert created.status_code == 201, created.content
    with use_workspace(acme):
        assert Contact.objects.get(first_name="Fran").custom["interests"] == ["a", "c"]


# --- multi-picklists -----------------------------------------------------------------------------------------


def test_a_multi_picklist_equals_an_option_its_selection_contains(admin_api, interests):
    assert names(admin_api.get(CONTACTS, {"f_cf_interests": "b"})) == ["Ana", "Bea"]
    assert names(admin_api.get(CONTACTS, {"f_cf_interests": "a"})) == ["Ana", "Fran"]
    assert names(admin_api.get(CONTACTS, {"f_cf_interests": " c "})) == ["Carla", "Fran"]
    assert names(admin_api.get(CONTACTS, {"f_cf_interests": "d"})) == ["Eva"]  # an inactive option is still kept
    assert names(admin_api.get(CONTACTS, {"f_cf_regions": "b"})) == ["Carla"]  # each field its own key
    assert names(admin_api.get(CONTACTS, {"f_cf_interests": "b", "f_cf_regions": "b"})) == []


def test_a_multi_picklist_in_is_any_of_the_options(admin_api, interests):
    found = admin_api.get(CONTACTS, {"f_cf_interests__in": "a,b"}).json()
    assert sorted(r["first_name"] for r in found["results"]) == ["Ana", "Bea", "Fran"]
    assert found["count"] == 3  # Ana has both options and is counted once
    assert names(admin_api.get(CONTACTS, {"f_cf_interests__in": "c, d"})) == ["Carla", "Eva", "Fran"]
    assert names(admin_api.get(CONTACTS, {"f_cf_interests__in": ["b", "c"]})) == ["Ana", "Bea", "Carla", "Fran"]
    assert names(admin_api.get(CONTACTS, {"f_cf_interests__in": "b", "f_cf_interests": "a"})) == ["Ana"]


def test_a_multi_picklist_isempty_still_works_and_combines(admin_api, interests):
    assert names(admin_api.get(CONTACTS, {"f_cf_interests__isempty": "true"})) == ["Dora"]
    assert names(admin_api.get(CONTACTS, {"f_cf_interests__isempty": "false"})) == [
        "Ana", "Bea", "Carla", "Eva", "Fran", "Gil"]
    assert names(admin_api.get(CONTACTS, {"f_cf_regions__isempty": "false", "f_cf_interests__in": "c"})) == [
        "Carla"]


@pytest.mark.parametrize(("params", "field"), [
    ({"f_cf_interests": "z"}, "f_cf_interests"),
    ({"f_cf_interests": "Books"}, "f_cf_interests"),  # a label is not a key, as for picklists
    ({"f_cf_interests": "B"}, "f_cf_interests"),
    ({"f_cf_interests__in": "a,z"}, "f_cf_interests__in"),
    ({"f_cf_interests__in": ["a", "b,c"]}, "f_cf_interests__in"),  # repeated: "b,c" is one (unknown) value
])
def test_an_unknown_option_is_a_400_naming_the_parameter(admin_api, interests, params, field):
    body = problem(admin_api.get(CONTACTS, params))

    assert (body["code"], body["errors"][0]["field"]) == ("invalid_value", field)
    assert field in body["detail"] and "“a”, “b”, “c”, “d”" in body["detail"]


def test_operators_multi_picklists_do_not_take_are_refused(admin_api, interests):
    body = problem(admin_api.get(CONTACTS, {"f_cf_interests__contains": "b"}))

    assert body["code"] == "invalid_operator"
    assert "“f_cf_interests”, “f_cf_interests__in”, “f_cf_interests__isempty”" in body["detail"]
    assert problem(admin_api.get(CONTACTS, {"f_cf_interests__gte": "a"}))["code"] == "invalid_operator"


def test_a_multi_picklist_the_role_hides_cannot_be_filtered_on(acme, interests):
    rules = DEFAULT_ROLES["support"].rules_json()
    rules["contacts"]["fields"].update({"cf_interests": HIDDEN})
    with use_workspace(acme):
        Role.objects.create(workspace=acme, key="support", name="Support agent", rules=rules)
    support = api_client(acme.users["support"], acme)
    admin = api_client(acme.users["admin"], acme)

    for params in ({"f_cf_interests": "b"}, {"f_cf_interests__in": "a,b"}, {"f_cf_interests__isempty": "true"}):
        body = problem(support.get(CONTACTS, params))
        assert (body["code"], body["errors"][0]["field"]) == ("unknown_filter", next(iter(params)))
    assert names(support.get(CONTACTS, {"f_cf_regions": "b"})) == ["Carla"]  # not hidden
    assert names(admin.get(CONTACTS, {"f_cf_interests": "b"})) == ["Ana", "Bea"]


def test_the_workspace_schema_lists_the_multi_picklist_operators(admin_api, interests):
    parameters = {p["name"]: p for p in json.loads(admin_api.get("/api/v1/openapi.json").content)["paths"][
        "/api/v1/contacts"]["get"]["parameters"]}

    for name in ("f_cf_interests", "f_cf_interests__in", "f_cf_interests__isempty"):
        assert name in parameters, name
    assert "f_cf_interests__contains" not in parameters
    assert "includes this option" in parameters["f_cf_interests"]["description"]
    assert "a, b, c, d" in parameters["f_cf_interests__in"]["description"]
    assert parameters["f_cf_interests"]["schema"]["enum"] == ["", "a", "b", "c", "d"]  # a client can offer them
    companies = json.loads(admin_api.get("/api/v1/openapi.json").content)["paths"]["/api/v1/companies"]["get"]
    assert "repetition" in next(p for p in companies["parameters"] if p["name"] == "f_industry__in")["description"]


def test_a_multi_picklist_filter_costs_no_query(admin_api, interests):
    admin_api.get(CONTACTS)  # warm the per-role caches
    with CaptureQueriesContext(connection) as plain:
        admin_api.get(CONTACTS)
    with CaptureQueriesContext(connection) as filtered:
        response = admin_api.get(CONTACTS, {"f_cf_interests__in": "a,c", "f_cf_regions__isempty": "true"})

    assert names(response) == ["Ana", "Fran"]
    assert len(filtered) == len(plain)


# --- `__in` values with commas -------------------------------------------------------------------------------


@pytest.fixture
def commas(acme):
    with use_workspace(acme):
        admin = acme.users["admin"]
        for name, industry in (("Acme, Inc.", "retail"), ("Acme", "education"), ("Inc.", "energy"),
                               ("Tienda Mar", "retail"), ("Colegio Norte", "education")):
            factories.company(admin, name=name, industry=industry)


def test_a_repeated_in_takes_each_value_whole_and_the_comma_form_still_splits(admin_api, commas):
    assert names(admin_api.get(COMPANIES, {"f_name__in": ["Acme, Inc.", "Tienda Mar"]})) == [
        "Acme, Inc.", "Tienda Mar"]
    assert names(admin_api.get(COMPANIES, {"f_name__in": ["Acme, Inc.", ""]})) == ["Acme, Inc."]  # one value
    assert names(admin_api.get(COMPANIES, {"f_industry__in": ["retail", "energy"]})) == [
        "Acme, Inc.", "Inc.", "Tienda Mar"]
    assert names(admin_api.get(f"{COMPANIES}?f_name__in=Acme%2C%20Inc.&f_name__in=Colegio%20Norte")) == [
        "Acme, Inc.", "Colegio Norte"]
    # given once, the values are comma-separated as before; equality takes its one value whole
    assert names(admin_api.get(COMPANIES, {"f_name__in": "Acme, Inc."})) == ["Acme", "Inc."]
    assert names(admin_api.get(COMPANIES, {"f_name__in": "Tienda Mar,Colegio Norte"})) == [
        "Colegio Norte", "Tienda Mar"]
    assert names(admin_api.get(COMPANIES, {"f_industry__in": "retail, energy"})) == [
        "Acme, Inc.", "Inc.", "Tienda Mar"]
    assert names(admin_api.get(COMPANIES, {"f_name": "Acme, Inc."})) == ["Acme, Inc."]


def test_the_next_page_keeps_every_repetition(admin_api, commas):
    first = admin_api.get(COMPANIES, {"f_name__in": ["Acme, Inc.", "Tienda Mar"], "limit": 1}).json()
    second = admin_api.get(first["next"]).json()

    assert first["count"] == 2
    assert sorted(r["name"] for r in first["results"] + second["results"]) == ["Acme, Inc.", "Tienda Mar"]


def test_a_repeated_custom_field_in_takes_whole_values(acme, admin_api):
    _custom(acme, "city", "text")
    with use_workspace(acme):
        for first, city in (("Ana", "Sevilla, Spain"), ("Bea", "Madrid"), ("Carla", "Spain")):
            factories.contact(acme.users["admin"], first=first, cf_city=city)

    assert names(admin_api.get(CONTACTS, {"f_cf_city__in": ["Madrid", "Sevilla, Spain"]})) == ["Ana", "Bea"]
    assert names(admin_api.get(CONTACTS, {"f_cf_city__in": "Madrid,Sevilla, Spain"})) == ["Bea", "Carla"]


def test_at_most_100_values_in_all_repetitions(admin_api, commas):
    assert names(admin_api.get(COMPANIES, {"f_name__in": [f"n{i}" for i in range(99)] + ["Acme, Inc."]})) == [
        "Acme, Inc."]
    body = problem(admin_api.get(COMPANIES, {"f_name__in": [",".join(["x"] * 60), *(["y"] * 100)]}))
    assert (body["code"], body["errors"][0]["field"]) == ("invalid_value", "f_name__in")
    assert "100" in body["detail"]


@pytest.mark.parametrize("params", [
    {"f_name": ["Acme", "Inc."]},
    {"f_industry": ["retail", "energy"]},
    {"f_annual_revenue__gte": ["1", "2"]},
    {"f_industry__isempty": ["true", "false"]},
])
def test_repeating_an_operator_that_takes_one_value_is_a_400(admin_api, commas, params):
    body = problem(admin_api.get(COMPANIES, params))

    assert (body["code"], body["errors"][0]["field"]) == ("invalid_value", next(iter(params)))
    assert "__in" in body["detail"]


def test_a_null_character_in_any_repetition_is_refused(admin_api, commas):
    """The list's own check reads the last value of each parameter; PostgreSQL cannot compare text with NUL."""
    body = problem(admin_api.get(f"{COMPANIES}?f_name__in=Acme%00&f_name__in=Tienda%20Mar"))

    assert (body["code"], body["errors"][0]["field"]) == ("null_characters", "f_name__in")
